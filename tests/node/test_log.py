"""The node's log (node/log.py): a line per committed block with its height, transactions,
failures and time taken; JSON lines on request; the level filters; `origin start` logs."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.node.log import configure_logging, logged, unconfigure
from originledger.store.sqlite import SqliteStore
from tests.node.conftest import free_port
from tests.node.test_embedded import VALIDATOR, Clock, _genesis, _transfer

BLOCK_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info +originledger\.node  "
    r"block 1: 2 txs, 1 failed, \d+\.\d ms$"
)


def _one_block(stream: io.StringIO, level: str = "info", log_format: str = "text") -> None:
    """A block of two transfers, one of them failing, logged at ``level``."""
    clock = Clock()
    node = EmbeddedNode(SqliteStore(None), _genesis(), VALIDATOR, NodeSettings(), clock_ms=clock)
    try:
        with logged(level, log_format, stream):
            ok, too_much = _transfer(clock, 1, client_id=1), _transfer(clock, 5000, client_id=2)
            assert [a.status for a in node.submit([ok.raw, too_much.raw])] == ["accepted"] * 2
            assert node.produce_block() is not None
            logging.getLogger("originledger.indexer").warning("a warning for the log")
    finally:
        node.stop()
        node.store.close()


def test_block_line_names_height_txs_failures_and_time() -> None:
    stream = io.StringIO()
    _one_block(stream)
    lines = stream.getvalue().splitlines()
    assert any(BLOCK_LINE.match(line) for line in lines), lines
    assert lines[-1].endswith("warning originledger.indexer  a warning for the log")


def test_json_lines_parse_with_the_block_fields() -> None:
    stream = io.StringIO()
    _one_block(stream, log_format="json")
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    block = next(entry for entry in entries if entry.get("event") == "block")
    assert {k: block[k] for k in ("level", "logger", "height", "txs", "failed")} == {
        "level": "info",
        "logger": "originledger.node",
        "height": 1,
        "txs": 2,
        "failed": 1,
    }
    assert isinstance(block["ms"], float) and block["ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", block["time"])
    assert block["message"].startswith("block 1: 2 txs, 1 failed, ")
    assert entries[-1]["level"] == "warning" and entries[-1]["message"] == "a warning for the log"


def test_json_lines_carry_the_exception() -> None:
    stream = io.StringIO()
    with logged("info", "json", stream):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("originledger.node").exception("block production stopped")
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "error" and "RuntimeError: boom" in entry["exception"]


@pytest.mark.parametrize(
    ("level", "block", "warning"),
    [
        ("debug", True, True),
        ("info", True, True),
        ("warning", False, True),
        ("error", False, False),
    ],
)
def test_level_filters(level: str, block: bool, warning: bool) -> None:
    stream = io.StringIO()
    _one_block(stream, level)
    text = stream.getvalue()
    assert ("block 1: 2 txs" in text) is block
    assert ("a warning for the log" in text) is warning


def test_configure_refuses_unknown_level_and_format_and_replaces_itself() -> None:
    with pytest.raises(ValueError, match="debug, info, warning, error, critical"):
        configure_logging("loud")
    with pytest.raises(ValueError, match="text, json"):
        configure_logging("info", "xml")
    first, second = io.StringIO(), io.StringIO()
    handler = configure_logging("info", "text", first)
    try:
        handler = configure_logging("info", "text", second)
        logging.getLogger("originledger.node").info("once")
    finally:
        unconfigure(handler)
    assert first.getvalue() == "" and second.getvalue().count("once") == 1
    assert logging.getLogger("originledger").handlers == []


@pytest.mark.slow
def test_origin_start_logs_each_block_as_json(tmp_path: Path) -> None:
    """The real command: `origin start --log-format json` (the level from
    ORIGIN_LOG_LEVEL), a transfer, and its block's line on stderr."""
    port = free_port()
    home = tmp_path / "node"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "ORIGIN_LOG_LEVEL": "info"}
    env.pop("ORIGIN_HOME", None)
    origin = [sys.executable, "-c", "from originledger.cli.main import main; main()"]
    init = [*origin, "init", "--home", str(home), "--dev", "--api", f"127.0.0.1:{port}"]
    subprocess.run(init, env=env, check=True, capture_output=True, timeout=120)
    log_path = tmp_path / "start.log"
    with open(log_path, "wb") as log_file:
        node = subprocess.Popen(
            [*origin, "start", "--home", str(home), "--log-format", "json"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(port):
            assert node.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "the node did not start"
            time.sleep(0.1)
        transfer = [*origin, "transfer", "1", "USDD", "--to", "bob", "--from", "alice"]
        subprocess.run(
            [*transfer, "--home", str(home)],
            env={**env, "ORIGIN_PASSPHRASE": "dev"},
            check=True,
            capture_output=True,
            timeout=120,
        )
        lines = log_path.read_text().splitlines()
        blocks = [json.loads(line) for line in lines if '"event": "block"' in line]
        assert blocks and blocks[0]["height"] == 1 and blocks[0]["txs"] == 1, lines
        assert blocks[0]["failed"] == 0
    finally:
        node.terminate()
        node.wait(timeout=30)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_origin_start_refuses_an_unknown_level(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from originledger.cli.main import app

    result = CliRunner().invoke(
        app, ["start", "--home", str(tmp_path)], env={"ORIGIN_LOG_LEVEL": "loud"}
    )
    assert result.exit_code == 2
    assert "'loud'" in result.output and "critical" in result.output
