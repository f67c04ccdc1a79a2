"""The same index on a real PostgreSQL (Debian's package, a throwaway cluster): a standalone
indexer following a node over HTTP writes exactly the rows the node's own SQLite index
holds; it resumes and rebuilds the same way."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import text

from originledger.indexer import HttpSource, Indexer, IndexReader, StoreSource, open_engine
from originledger.server.background import BackgroundServer

from .conftest import Workload, dump, new_node


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served_node(tmp_path_factory: pytest.TempPathFactory):
    node = new_node(tmp_path_factory.mktemp("pg-node") / "ledger.sqlite")
    Workload(node, seed=11).run(blocks=25)
    server = BackgroundServer(node, f"127.0.0.1:{_free_port()}").start()
    yield node, server.url
    server.stop()
    node.store.close()


def test_postgres_index_over_http_equals_sqlite_index(postgres, served_node) -> None:
    node, url = served_node
    local = Indexer(open_engine("sqlite://"), StoreSource(node.store, node.app.registry))
    local.catch_up()
    remote = Indexer(open_engine(postgres.new_database()), HttpSource(url))
    # In two runs, as a restarted standalone indexer would.
    first = remote.catch_up(blocks_max=10)
    remote = Indexer(open_engine(remote.engine.url.render_as_string(False)), HttpSource(url))
    assert first + remote.catch_up() == node.store.latest_height() + 1
    with remote.engine.connect() as connection:
        kind = connection.execute(
            text(
                "SELECT data_type, numeric_precision FROM information_schema.columns "
                "WHERE table_name = 'ix_balances' AND column_name = 'amount'"
            )
        ).one()
    assert tuple(kind) == ("numeric", 39)
    assert dump(remote.engine) == dump(local.engine)
    reader = IndexReader(remote.engine)
    assert reader.holders("USDX", 3) == IndexReader(local.engine).holders("USDX", 3)
    assert reader.search("usd") == [{"kind": "asset", "id": "USDX"}]


def test_postgres_rebuild_gives_identical_tables(postgres, served_node) -> None:
    node, _ = served_node
    indexer = Indexer(
        open_engine(postgres.new_database()), StoreSource(node.store, node.app.registry)
    )
    indexer.catch_up()
    before = dump(indexer.engine)
    indexer.rebuild()
    assert dump(indexer.engine) == before
    assert IndexReader(indexer.engine).indexed_height() == node.store.latest_height()
