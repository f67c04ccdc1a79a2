"""``BackgroundServer.start()`` succeeds only when its own server serves (#13: the demo on
a taken port reported a node serving, then wrote into the other node's chain)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from originledger.node.embedded import EmbeddedNode
from originledger.server.background import BackgroundServer, ServerStartError


class _Healthy(BaseHTTPRequestHandler):
    """Another program on the port, answering /health as a node would."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_server() -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), _Healthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_regression_start_on_a_taken_port_fails(node: EmbeddedNode, other_server: int) -> None:
    assert httpx.get(f"http://127.0.0.1:{other_server}/health").status_code == 200
    background = BackgroundServer(node, f"127.0.0.1:{other_server}")
    with pytest.raises(ServerStartError, match=f"127.0.0.1:{other_server}.*in use"):
        background.start(timeout_s=5)
    assert background.thread is None  # nothing started: the port was refused at bind


def test_start_serves_its_own_node_and_stops(node: EmbeddedNode) -> None:
    background = BackgroundServer(node, "127.0.0.1:0").start()
    try:
        assert background.port != 0 and background.url.endswith(f":{background.port}")
        status = httpx.get(background.url + "/v1/status").json()
        assert status["chain_id"] == "api-test"  # the test node's chain
    finally:
        background.stop()
    with socket.socket() as probe:  # the port is given back
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", background.port))
