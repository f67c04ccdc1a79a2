"""``origin demo`` end to end on a real node: every scene runs and says what it should."""

from __future__ import annotations

import http.server
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from originledger.demo import node as demo_node_module
from originledger.demo import run_demo
from originledger.demo.node import free_listen


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_runs_every_scene() -> None:
    output = io.StringIO()
    console = Console(file=output, width=200)
    code = run_demo(api=f"127.0.0.1:{_free_port()}", serve=False, json_output=True, console=console)
    assert code == 0
    summary = json.loads(output.getvalue())
    steps = {step["step"]: step for step in summary["steps"]}

    def outcome(prefix: str) -> tuple[str, int]:
        found = [step for title, step in steps.items() if title.startswith(prefix)]
        assert len(found) == 1, prefix
        return found[0]["codespace"], found[0]["code"]

    # Reserves cap the stablecoin: up to them, and not a cent more.
    assert outcome("mint 4,000.00 more") == ("tx", 0)
    assert outcome("mint 0.01 more than the reserves") == ("assets", 47)
    # Holds: placed, partly posted, voided; a settled hold does not settle twice.
    assert outcome("alice places a hold") == ("tx", 0)
    assert outcome("bob ships part of the order") == ("tx", 0)
    assert outcome("bob voids the deposit hold") == ("tx", 0)
    assert outcome("bob tries to post the settled order again") == ("assets", 52)
    # Hong Kong: no fund before approval; after it, only KYC'd buyers.
    assert outcome("the manager issues the fund before any approval") == ("compliance", 21)
    assert outcome("alice subscribes") == ("tx", 0)
    assert outcome("alice sells 100.00 units to bob") == ("compliance", 30)
    # China: an unapproved CNY stablecoin is refused.
    assert outcome("the issuer launches a CNY-pegged stablecoin") == ("compliance", 21)
    # Every step that should pass did; proven balances add up to what was paid.
    assert summary["balances"] == {"alice": "4694.50", "bob": "1263.50", "carol": "4042.00"}
    assert summary["receipt_verified"] is True
    # Payments (issue #4): the QR payment settles once, refunds stop at what was paid.
    assert outcome("the tourist scans the code and pays 50.00 USDO") == ("tx", 0)
    assert outcome("the tourist's wallet pays the same code twice") == ("payments", 24)
    assert outcome("one item is out of stock") == ("tx", 0)
    assert outcome("the shop refunds 45.01 more") == ("payments", 35)
    assert outcome("end of day: the shop redeems") == ("tx", 0)
    assert outcome("the hotel tries to capture 1.00 after closing it") == ("payments", 31)
    assert outcome("someone presents a forged bill of lading") == ("payments", 44)
    assert outcome("the escrow is released a second time") == ("payments", 41)
    assert outcome("the station redeems the latest claim") == ("tx", 0)
    # 500.00 minted, 50.00 paid, 5.00 refunded (before the hotel scene).
    assert summary["tourist_balance"] == "455.00"
    assert summary["clearing"] == {
        "gross": "405000",
        "net": "15000",
        "saved_bps": 9629,
        "status": "settled",
    }
    assert set(summary["timings_ms"]) >= {"qr_payment_final", "refund_final", "netting_settlement"}


class _OtherNode:
    """A server on a port, standing for another node: answers everything with 200 and
    notes each request, so a test sees whether the demo wrote to it."""

    def __init__(self) -> None:
        requests: list[tuple[str, str]] = []
        self.requests = requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                requests.append((self.command, self.path))
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                body = b'{"chain_id": "origin-demo", "height": 7, "time_ms": 1}'
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _OtherNode:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def writes(self) -> list[tuple[str, str]]:
        return [request for request in self.requests if request[0] != "GET"]


def test_demo_with_its_port_taken_runs_on_its_own_node() -> None:
    """Issue #13: with the port taken by another node, the demo serves its own chain on a
    free port and writes nothing to the other one."""
    with _OtherNode() as other:
        output = io.StringIO()
        console = Console(file=output, width=200)
        code = run_demo(
            api=f"127.0.0.1:{other.port}", serve=False, json_output=True, console=console
        )
        assert code == 0
        summary = json.loads(output.getvalue())
        assert summary["api"] != f"http://127.0.0.1:{other.port}"
        assert summary["receipt_verified"] is True
        assert other.requests == []


def test_demo_says_when_it_moves_off_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        said: list[str] = []
        listen = free_listen(f"127.0.0.1:{port}", said.append)
    assert listen.startswith("127.0.0.1:") and listen != f"127.0.0.1:{port}"
    assert said and f"Port {port} is taken" in said[0]


# The demo's own server thread fails to bind the taken port (uvicorn exits its thread).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_demo_refuses_to_write_to_a_node_it_did_not_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If another node wins the port after the check, the demo stops before any write."""
    with _OtherNode() as other:
        taken = f"127.0.0.1:{other.port}"
        monkeypatch.setattr(demo_node_module, "free_listen", lambda api, say: api)
        output = io.StringIO()
        code = run_demo(api=taken, serve=False, console=Console(file=output, width=200))
        assert code == 1
        # BackgroundServer binds the port itself, so the demo stops there (the check of
        # the answering node's genesis stays behind it, in depth).
        assert f"cannot serve the API on {taken}" in output.getvalue()
        assert "Traceback" not in output.getvalue()
        assert other.writes() == []


_ORIGIN = (sys.executable, "-c", "from originledger.cli.main import main; main()")


def _demo_process(port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*_ORIGIN, "demo", "--api", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
    )


@pytest.mark.parametrize("when", ["while playing", "while serving"])
def test_sigterm_removes_the_demo_home(when: str) -> None:
    """Issue #13: SIGTERM to the demo removes its temporary home."""
    process = _demo_process(_free_port())
    home: Path | None = None
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        for line in process.stdout:
            lines.append(line)
            found = re.search(r"\(home (\S+)\)", line)
            if found:
                home = Path(found.group(1))
                assert home.is_dir()
                if when == "while playing":
                    break
            if when == "while serving" and "The API stays up" in line:
                break
            assert time.monotonic() < deadline, "".join(lines)
        assert home is not None, "".join(lines)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 128 + signal.SIGTERM, "".join(lines)
    assert not home.exists()


def test_regression_demo_explorer_has_its_index() -> None:
    # Before: the demo served its node without an indexer, so its explorer had no search,
    # histories or charts, and told the user to drop a --no-index flag never passed.
    import httpx

    with demo_node_module.demo_node(f"127.0.0.1:{_free_port()}", lambda *_: None) as node:
        status = httpx.get(f"{node.url}/v1/index/status", timeout=10).json()
        assert status["enabled"] is True
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if httpx.get(f"{node.url}/v1/index/blocks", timeout=10).status_code == 200:
                break
            time.sleep(0.1)
        answer = httpx.get(f"{node.url}/v1/index/blocks", timeout=10)
        assert answer.status_code == 200, answer.text
