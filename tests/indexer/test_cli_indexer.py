"""``origin indexer run|rebuild|status`` against a served node."""

from __future__ import annotations

import json
import socket
import time

import pytest
from typer.testing import CliRunner

from originledger.cli import app
from originledger.indexer import StoreSource
from originledger.server.background import BackgroundServer

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


SECRET = "Sup3r-Secret"


def _secret_urls() -> list[str]:
    port = _free_port()  # nothing listens there
    return [
        f"postgresql://origin:{SECRET}@127.0.0.1:{port}/index",
        f"postgresql://origin@127.0.0.1:{port}/index?password={SECRET}",
        f"postgresql://origin:{SECRET}@127.0.0.1:notaport/index",  # refused by the parser
        f"postgresq://origin:{SECRET}@127.0.0.1:{port}/index",  # no such driver
    ]


def _everything_printed(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env=ENV)
    return result.stdout + (result.stderr or "") + repr(result.exception or "")


def test_regression_index_db_password_never_printed(served) -> None:
    _, url = served
    for db in _secret_urls():
        for args in (
            ("indexer", "status", "--db", db),
            ("indexer", "status", "--db", db, "--json"),
            ("indexer", "run", "--node", url, "--db", db, "--once"),
            ("indexer", "run", "--node", url, "--db", db, "--once", "--json"),
            ("indexer", "rebuild", "--node", url, "--db", db),
        ):
            printed = _everything_printed(*args)
            assert "index_db_error" in printed or "error" in printed, (args, printed)
            assert SECRET not in printed, (args, printed)
            assert "***" in printed, (args, printed)


def test_index_service_error_hides_password(caplog) -> None:
    from originledger.indexer import Indexer, open_engine
    from originledger.indexer.service import IndexService

    node = new_node()
    db = _secret_urls()[0]
    service = IndexService(Indexer(open_engine(db), StoreSource(node.store, node.app.registry)))
    service.start()
    try:
        deadline = time.monotonic() + 20
        while service.last_error is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        service.stop()
    assert service.last_error is not None and "OperationalError" in service.last_error
    assert SECRET not in service.last_error
    assert "indexer failed" in caplog.text and SECRET not in caplog.text


def test_redact_url_hides_every_form_of_the_password() -> None:
    from originledger.indexer.redact import redact_text, redact_url

    assert redact_url("postgresql://u:p%40ss@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert redact_url("postgresql://u@h/db?password=pw&sslmode=require") == (
        "postgresql://u@h/db?password=***&sslmode=require"
    )
    assert redact_url("sqlite:///tmp/index.sqlite") == "sqlite:///tmp/index.sqlite"
    assert redact_url("not a url u:pw@x") == "not a url u:***@x"
    url = "postgresql://u:p%40ss@h/db"
    assert (
        redact_text(f"failed for {url} (p@ss)", url) == "failed for postgresql://u:***@h/db (***)"
    )
