"""``origin indexer run|rebuild|status`` against a served node."""

from __future__ import annotations

import json
import socket

import pytest
from typer.testing import CliRunner

from originledger.cli import app
from originledger.node.background import BackgroundServer

from .conftest import Workload, new_node

ENV = {"NO_COLOR": "1", "ORIGIN_NODE": None, "ORIGIN_HOME": None, "ORIGIN_INDEX_DB": None}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path):
    node = new_node(tmp_path / "ledger.sqlite")
    Workload(node, seed=3).run(blocks=4)
    server = BackgroundServer(node, f"127.0.0.1:{_free_port()}").start()
    yield node, server.url
    server.stop()
    node.store.close()


def _origin(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(app, [*args, "--json"], env=ENV)
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


def test_indexer_run_rebuild_and_status(served, tmp_path) -> None:
    node, url = served
    db = f"sqlite:///{tmp_path / 'standalone.sqlite'}"
    height = node.store.latest_height()
    code, answer = _origin("indexer", "run", "--node", url, "--db", db, "--once")
    assert code == 0 and answer["height"] == height and answer["indexed_blocks"] == height + 1
    code, answer = _origin("indexer", "run", "--node", url, "--db", db, "--once")
    assert code == 0 and answer["indexed_blocks"] == 0  # resumed: nothing twice
    code, answer = _origin("indexer", "status", "--db", db)
    assert code == 0 and answer == {
        "db": db,
        "chain_id": "indexer-test",
        "height": height,
        "schema_version": 3,
        "degraded": False,
        "failures": 0,
        "skipped": [],
    }
    code, answer = _origin("indexer", "rebuild", "--node", url, "--db", db)
    assert code == 0 and answer["indexed_blocks"] == height + 1


def test_invalid_indexer_status_of_empty_database(tmp_path) -> None:
    code, answer = _origin("indexer", "status", "--db", f"sqlite:///{tmp_path / 'none.sqlite'}")
    assert code != 0
    assert answer.get("error", {}).get("code") in ("index_db_error", "index_empty")


def test_invalid_indexer_run_without_node(tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    code, answer = _origin(
        "indexer", "run", "--node", f"http://127.0.0.1:{_free_port()}", "--db", db, "--once"
    )
    assert code == 3 and answer["error"]["code"] == "node_unreachable"
