"""Serving a node over HTTP until interrupted (what `origin start` and a validator's app
process run): the API, and the node's indexer beside it."""

from __future__ import annotations

import gc
import signal
import sys
from collections.abc import Sequence

import uvicorn
from litestar import Litestar

from originledger.api.limits import CONNECTIONS_MAX
from originledger.api.server import create_app
from originledger.node.embedded import EmbeddedNode
from originledger.node.runner import parse_listen
from originledger.server.index import StoredNode, index_service_for
from originledger.server.ingress import (
    IngressHub,
    WorkerPool,
    bind_listener,
    default_api_workers,
    private_directory,
    remove_directory,
)

__all__ = ["SWITCH_INTERVAL_S", "serve", "tune_interpreter"]

SWITCH_INTERVAL_S = 0.0005


def tune_interpreter() -> None:
    """Settings of the interpreter for a node process, measured with ``origin bench``.

    The cycle collector: what startup built (modules, the application, the web framework)
    lives as long as the process, so it is frozen out of every collection; transactions
    and state records hold no cycles, so the youngest generation is collected every
    20,000 allocations rather than every 700.

    The GIL's switch interval: SQLite and the API's sockets release the GIL for
    microseconds at a time, and each time the thread then waits for whoever took it to
    reach the switch interval. At the default 5 ms, commits and submissions queue behind
    one another; at 0.5 ms the node committed a third more transfers per second.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def serve(
    node: StoredNode,
    listen: str,
    *,
    log_level: str = "warning",
    index: bool = True,
    cors_origins: Sequence[str] | None = None,
    api_workers: int | None = None,
) -> None:
    """Serve the API and produce blocks until interrupted (Ctrl-C or SIGTERM); with
    ``index``, run the node's indexer into ``<home>/data/index.sqlite``. ``cors_origins``
    default to an embedded node's settings (a network node passes its config's).

    ``api_workers`` (an embedded node only; default: its settings', 0 unless configured;
    -1: one per core): that many worker processes accept the API's connections,
    check and verify submissions and forward the rest to this process
    (``server/ingress.py``); 0 serves the API in this process alone."""
    host, port = parse_listen(listen)
    if cors_origins is None:
        settings = node.settings if isinstance(node, EmbeddedNode) else None
        cors_origins = settings.api_cors_origins if settings is not None else ()
    app = create_app(
        node, index=index_service_for(node) if index else None, cors_origins=cors_origins
    )
    if isinstance(node, EmbeddedNode):
        if api_workers is None:
            api_workers = node.settings.api_workers
        if api_workers < 0:
            api_workers = default_api_workers()
        if api_workers > 0:
            _serve_with_workers(node, app, host, port, api_workers, cors_origins, log_level)
            return
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        limit_concurrency=CONNECTIONS_MAX,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    tune_interpreter()
    server.run()


def _exit_on_terminate(number: int, frame: object) -> None:
    raise SystemExit(0)


def _serve_with_workers(
    node: EmbeddedNode,
    app: Litestar,
    host: str,
    port: int,
    workers: int,
    cors_origins: Sequence[str],
    log_level: str,
) -> None:
    """The API's socket shared by ``workers`` processes; this process serves its API on a
    private Unix socket (what the workers forward) and its submissions on another."""
    listener = bind_listener(host, port)
    directory = private_directory()
    config = uvicorn.Config(
        app,
        uds=str(directory / "api.sock"),
        log_level=log_level,
        access_log=False,
        lifespan="on",
        limit_concurrency=CONNECTIONS_MAX,
        timeout_graceful_shutdown=5,
        proxy_headers=True,  # the workers' X-Forwarded-For: only they reach this socket
        forwarded_allow_ips="*",
    )
    server = uvicorn.Server(config)
    pool = WorkerPool(
        workers,
        listener,
        directory / "ingress.sock",
        directory / "api.sock",
        cors_origins,
        stopping=lambda: server.should_exit,
    )
    hub: IngressHub | None = None
    try:
        pool.start()
        hub = IngressHub(node, directory / "ingress.sock", pool.pids).start()
        tune_interpreter()
        # uvicorn stops gracefully on SIGTERM, then raises the signal again for the
        # handler it found: this one lets the workers be stopped below.
        signal.signal(signal.SIGTERM, _exit_on_terminate)
        server.run()
    finally:
        pool.stop()
        if hub is not None:
            hub.close()
        listener.close()
        remove_directory(directory)
