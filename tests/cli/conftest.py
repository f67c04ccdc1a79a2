"""Fixtures for the `origin` command: a runner, and a dev node served in-process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from originledger.api.server import create_app
from originledger.node.home import DEV_PASSPHRASE, init_home
from originledger.node.runner import open_node

from .helpers import PLAIN_ENV, Cli, DevNode, free_port


@pytest.fixture
def cli() -> Cli:
    return Cli(dict(PLAIN_ENV))


@pytest.fixture(scope="module")
def dev_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevNode]:
    home = tmp_path_factory.mktemp("node")
    port = free_port()
    addresses = init_home(home, dev=True, api=f"127.0.0.1:{port}", block_interval_ms=20)
    node = open_node(home)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(node), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test node did not start")
        time.sleep(0.02)
    env = {**PLAIN_ENV, "ORIGIN_HOME": str(home), "ORIGIN_PASSPHRASE": DEV_PASSPHRASE}
    try:
        yield DevNode(home, url, addresses, Cli(env))
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        node.store.close()
