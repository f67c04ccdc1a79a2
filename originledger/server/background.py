"""Running a node's API server in a background thread (demo, benchmarks, tests)."""

from __future__ import annotations

import threading
import time

import httpx
import uvicorn

from originledger.api.limits import CONNECTIONS_MAX
from originledger.api.server import create_app
from originledger.indexer.service import IndexService
from originledger.node.embedded import EmbeddedNode
from originledger.node.runner import parse_listen

__all__ = ["BackgroundServer"]


class BackgroundServer:
    """Serve ``node``'s API on ``listen`` from a thread; ``stop()`` shuts it down."""

    def __init__(
        self, node: EmbeddedNode, listen: str, *, index: IndexService | None = None
    ) -> None:
        host, port = parse_listen(listen)
        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(
            create_app(node, index=index, cors_origins=node.settings.api_cors_origins),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            limit_concurrency=CONNECTIONS_MAX,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="api", daemon=True)

    def start(self, timeout_s: float = 15.0) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                raise RuntimeError(f"the API server at {self.url} failed to start")
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the API server at {self.url} did not answer within {timeout_s} s")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
