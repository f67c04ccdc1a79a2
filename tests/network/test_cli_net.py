"""`origin net up/status/down` in-process: a two-validator network through the CLI."""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from originledger.cli import app
from originledger.node.network import stop_network
from tests.cli.helpers import PLAIN_ENV
from tests.network.conftest import free_base_port


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--json"], env=PLAIN_ENV)
    return result.exit_code, json.loads(result.stdout or "null")


def test_net_up_status_down_with_two_validators(toolchain: Path) -> None:
    directory = Path(tempfile.mkdtemp(prefix="on-")) / "net"
    try:
        code, up = run(
            "net", "up", "--validators", "2", "--dir", str(directory),
            "--base-port", str(free_base_port(2)), "--block-interval-ms", "200",
        )  # fmt: skip
        assert code == 0, up
        assert up["created"] is True and len(up["validators"]) == 2
        assert (directory / "keys" / "alice.json").exists()  # dev accounts by default
        code, status = run("net", "status", "--dir", str(directory))
        assert code == 0
        assert [s["running"] for s in status] == [True, True]
        assert all(s["height"] >= 1 and s["peers"] == 1 for s in status)
        assert len({s["app_hash"] for s in status}) == 1
        code, down = run("net", "down", "--dir", str(directory))
        assert code == 0
        recorded = {v[p] for v in up["validators"] for p in ("app", "cometbft")}
        assert set(down["stopped"]) == recorded
        code, status = run("net", "status", "--dir", str(directory))
        assert [s["running"] for s in status] == [False, False]
        # Up again: the same network restarts from its homes.
        code, again = run("net", "up", "--dir", str(directory))
        assert code == 0 and again["created"] is False
    finally:
        stop_network(directory, kill=True)
        shutil.rmtree(directory.parent, ignore_errors=True)


def test_invalid_net_dir_is_a_clear_error(tmp_path: Path) -> None:
    code, answer = run("net", "status", "--dir", str(tmp_path / "nothing"))
    assert code == 3
    assert "network.json is missing" in answer["error"]["message"]


def test_net_up_reports_a_validator_that_cannot_start(toolchain: Path) -> None:
    directory = Path(tempfile.mkdtemp(prefix="on-")) / "net"
    base_port = free_base_port(1)
    taken = socket.socket()
    taken.bind(("127.0.0.2", base_port + 1))  # CometBFT's RPC port is in use
    taken.listen(1)
    try:
        code, answer = run(
            "net", "up", "--validators", "1", "--dir", str(directory),
            "--base-port", str(base_port), "--timeout-s", "30",
        )  # fmt: skip
        assert code == 3
        assert "cometbft process of validator-0 exited" in answer["error"]["message"]
        assert "address already in use" in answer["error"]["message"]
    finally:
        taken.close()
        stop_network(directory, kill=True)
        shutil.rmtree(directory.parent, ignore_errors=True)
