"""Opening a home and serving its node over HTTP (what `origin start` runs)."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from originledger.core.numbers import parse_decimal
from originledger.node.driver import LedgerNode
from originledger.node.embedded import EmbeddedNode
from originledger.node.home import HomeError, load_config, load_validator_key
from originledger.store.sqlite import SqliteStore

__all__ = ["open_node", "parse_listen", "serve"]

log = logging.getLogger("originledger.node")

SWITCH_INTERVAL_S = 0.0005


def open_node(home: Path) -> EmbeddedNode:
    """The embedded node of ``home``: its store, genesis, key and settings."""
    config = load_config(home)
    key = load_validator_key(home)
    try:
        genesis_raw = (home / "genesis.json").read_bytes()
    except FileNotFoundError:
        raise HomeError(f"{home}/genesis.json is missing") from None
    store = SqliteStore(home / "data" / "ledger.sqlite")
    try:
        return EmbeddedNode(store, genesis_raw, key, config.settings())
    except ValueError as error:
        store.close()
        raise HomeError(str(error)) from error


def parse_listen(text: str) -> tuple[str, int]:
    host, _, port_text = text.rpartition(":")
    port = parse_decimal(port_text, 0, 65535)
    if not host or port is None:
        raise HomeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]"), port


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
    node: LedgerNode,
    listen: str,
    *,
    log_level: str = "warning",
    index: bool = True,
    cors_origins: Sequence[str] | None = None,
) -> None:
    """Serve the API and produce blocks until interrupted (Ctrl-C or SIGTERM); with
    ``index``, run the node's indexer into ``<home>/data/index.sqlite``. ``cors_origins``
    default to an embedded node's settings (a network node passes its config's)."""
    from originledger.api.limits import CONNECTIONS_MAX
    from originledger.api.server import create_app
    from originledger.indexer.service import IndexService

    host, port = parse_listen(listen)
    if cors_origins is None:
        settings = node.settings if isinstance(node, EmbeddedNode) else None
        cors_origins = settings.api_cors_origins if settings is not None else ()
    app = create_app(
        node, index=IndexService.for_node(node) if index else None, cors_origins=cors_origins
    )
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
