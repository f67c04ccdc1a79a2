"""Running a node's API server in a background thread (demo, benchmarks, tests)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from originledger.api.limits import CONNECTIONS_MAX
from originledger.api.server import create_app
from originledger.indexer.service import IndexService
from originledger.node.embedded import EmbeddedNode
from originledger.node.runner import parse_listen

__all__ = ["BackgroundServer", "ServerStartError"]


class ServerStartError(RuntimeError):
    """The API server did not start: its address is taken, or it failed as it started."""


class BackgroundServer:
    """Serve ``node``'s API on ``listen`` from a thread; ``stop()`` shuts it down.

    ``start()`` binds the listening socket itself and hands it to uvicorn, so it knows the
    server answering is its own: a port another process holds is an error, never a
    success because some other server answers ``/health`` there. Port 0 takes a free port
    (``url`` then names it once started)."""

    def __init__(
        self, node: EmbeddedNode, listen: str, *, index: IndexService | None = None
    ) -> None:
        self.host, self.port = parse_listen(listen)
        self.url = self._url(self.port)
        config = uvicorn.Config(
            create_app(node, index=index, cors_origins=node.settings.api_cors_origins),
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            limit_concurrency=CONNECTIONS_MAX,
        )
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._failure: BaseException | None = None

    def _url(self, port: int) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}"

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            # As uvicorn does: a restart may reuse a port in TIME_WAIT, never one that a
            # live socket listens on (Linux refuses that bind even with SO_REUSEADDR).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(2048)
        except OSError as error:
            sock.close()
            reason = error.strerror or str(error)
            raise ServerStartError(
                f"cannot serve the API on {self.host}:{self.port}: {reason} "
                "(another node or program holds it? choose a free port)"
            ) from None
        return sock

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self._socket] if self._socket is not None else None)
        except BaseException as error:  # SystemExit too, from a failed startup
            self._failure = error

    def start(self, timeout_s: float = 15.0) -> BackgroundServer:
        """Bind, serve from a thread, and return once this server has started."""
        self._socket = self._bind()
        self.port = int(self._socket.getsockname()[1])
        self.url = self._url(self.port)
        self.thread = threading.Thread(target=self._run, name="api", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.server.started:
                return self
            if not self.thread.is_alive():
                self._close_socket()
                detail = f": {self._failure!r}" if self._failure is not None else ""
                raise ServerStartError(f"the API server at {self.url} failed to start{detail}")
            time.sleep(0.02)
        self.stop()
        raise ServerStartError(f"the API server at {self.url} did not start within {timeout_s} s")

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=15)
        self._close_socket()

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
