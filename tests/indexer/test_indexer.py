"""The indexer against the node's own state: balances from the index equal balances proven
through the SDK after a random workload; resuming never double-counts; a rebuild from
genesis gives identical tables; the index API answers within its limits."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from originledger.api.server import create_app
from originledger.core.limits import PAGE_ITEMS_MAX
from originledger.indexer import (
    Indexer,
    IndexerError,
    IndexReader,
    StoreSource,
    open_engine,
    schema,
)
from originledger.indexer.service import IndexService
from originledger.sdk import Client
from originledger.server.background import BackgroundServer
from originledger.server.index import index_service_for

from .conftest import HOLDERS, ISSUER, SYMBOLS, Workload, dump, new_node


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def worked_node(tmp_path_factory: pytest.TempPathFactory):
    """A node after a random workload of 40 blocks (shared: the tests only read it)."""
    node = new_node(tmp_path_factory.mktemp("node") / "ledger.sqlite")
    Workload(node, seed=6).run(blocks=40)
    yield node
    node.stop()
    node.store.close()


def _indexer(node, url: str = "sqlite://") -> Indexer:
    return Indexer(open_engine(url), StoreSource(node.store, node.app.registry))


def _index_balances(engine, address: str) -> dict[str, tuple[int, int]]:
    table = schema.balances
    with engine.connect() as connection:
        rows = connection.execute(
            select(table.c.symbol, table.c.amount, table.c.held).where(table.c.address == address)
        ).all()
    return {row.symbol: (row.amount, row.held) for row in rows if row.amount or row.held}


def test_index_balances_equal_proven_balances_after_random_workload(worked_node) -> None:
    indexer = _indexer(worked_node)
    assert indexer.catch_up() == worked_node.store.latest_height() + 1  # the genesis too
    with indexer.engine.connect() as connection:
        types = set(connection.execute(select(schema.events.c.type)).scalars())
        failed = connection.execute(
            select(func.count()).select_from(schema.txs).where(schema.txs.c.code != 0)
        ).scalar_one()
    # The workload did what it claims, or the comparison below proves little.
    for kind in ("transferred", "minted", "burned", "hold_placed", "hold_posted", "hold_voided",
                 "hold_expired", "freeze_set", "clawed_back"):  # fmt: skip
        assert f"assets/{kind}" in types, f"the workload produced no {kind}"
    assert failed > 0, "the workload produced no failed transaction"

    server = BackgroundServer(worked_node, f"127.0.0.1:{_free_port()}").start()
    try:
        client = Client(server.url)
        client.trust(trust_node_genesis=True)  # the test's own node
        for key in [ISSUER, *HOLDERS]:
            address = str(key.address)
            proven = client.verified_account(address)
            lines = {b["symbol"]: b for b in client.account(address)["balances"]}
            expected = {
                symbol: (int(amount), int(lines[symbol]["held"]))
                for symbol, amount in proven.balances.items()
                if int(amount) or int(lines[symbol]["held"])
            }
            assert _index_balances(indexer.engine, address) == expected, address
        reader = IndexReader(indexer.engine)
        for symbol in SYMBOLS:
            state = client.query("assets", "asset", symbol=symbol)["result"]["asset"]
            assert reader.asset(symbol)["supply"] == state["supply"]
    finally:
        server.stop()


def test_catch_up_resumes_after_restart_without_double_counting(worked_node, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'index.sqlite'}"
    indexed = 0
    while True:
        # A new indexer each round: what a restarted process does, from the cursor alone.
        step = _indexer(worked_node, url)
        done = step.catch_up(blocks_max=7)
        step.engine.dispose()
        if not done:
            break
        indexed += done
    assert indexed == worked_node.store.latest_height() + 1
    resumed = open_engine(url)
    one_shot = _indexer(worked_node)
    one_shot.catch_up()
    assert dump(resumed) == dump(one_shot.engine)

    # Offering a block again changes nothing; skipping ahead is refused.
    again = _indexer(worked_node, url)
    source = again.source
    assert again.index_block(source.block(5)) is False
    assert dump(resumed) == dump(one_shot.engine)
    fresh = _indexer(worked_node)
    with pytest.raises(IndexerError):
        fresh.index_block(source.block(3))


def test_rebuild_from_genesis_gives_identical_tables(worked_node, tmp_path) -> None:
    indexer = _indexer(worked_node, f"sqlite:///{tmp_path / 'index.sqlite'}")
    indexer.catch_up()
    before = dump(indexer.engine)
    assert indexer.rebuild() == worked_node.store.latest_height() + 1
    assert dump(indexer.engine) == before


def test_invalid_index_of_another_chain(worked_node, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'index.sqlite'}"
    indexer = _indexer(worked_node, url)
    indexer.catch_up(blocks_max=1)
    with indexer.engine.begin() as connection:
        connection.execute(schema.cursor.update().values(chain_id="another-chain"))
    with pytest.raises(IndexerError, match="another-chain"):
        _indexer(worked_node, url).catch_up()


def test_amounts_to_2_pow_128_keep_their_order() -> None:
    engine = open_engine("sqlite://")
    schema.metadata.create_all(engine)
    values = [2**128 - 1, 10, 9, 2**64, 0]
    with engine.begin() as connection:
        connection.execute(
            schema.balances.insert(),
            [
                {"address": f"a{i}", "symbol": "X", "amount": v, "held": 0, "amount_frozen": 0,
                 "frozen": False, "deep": False, "authorized": False, "updated_height": 1}
                for i, v in enumerate(values)
            ],
        )  # fmt: skip
    holders = IndexReader(engine).holders("X", 10)["holders"]
    assert [h["amount"] for h in holders] == [str(2**128 - 1), str(2**64), "10", "9"]
    with pytest.raises(Exception, match="outside"), engine.begin() as connection:
        connection.execute(schema.supply_points.insert(), {
            "symbol": "X", "height": 1, "time_ms": 0, "supply": 2**128,
        })  # fmt: skip


# -- the API ---------------------------------------------------------------------------------


@pytest.fixture
def api(worked_node):
    service = IndexService(_indexer(worked_node))
    service.indexer.catch_up()
    with TestClient(app=create_app(worked_node, start_node=False, index=service)) as client:
        yield client


def test_search_finds_height_hash_address_and_symbol(api) -> None:
    tx = api.get("/v1/index/txs", params={"limit": 1}).json()["txs"][0]
    assert api.get("/v1/search", params={"q": tx["hash"].upper()}).json()["results"] == [
        {"kind": "tx", "id": tx["hash"]}
    ]
    assert {"kind": "block", "id": "3"} in api.get("/v1/search?q=3").json()["results"]
    address = str(HOLDERS[0].address)
    assert api.get("/v1/search", params={"q": address}).json()["results"] == [
        {"kind": "account", "id": address}
    ]
    assert api.get("/v1/search?q=gl").json()["results"] == [{"kind": "asset", "id": "GLD"}]
    assert api.get("/v1/search?q=nothing-here").json()["results"] == []


def test_history_pages_with_running_balance(api, worked_node) -> None:
    address = str(HOLDERS[1].address)
    items, cursor = [], None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"/v1/index/accounts/{address}/history", params=params).json()
        assert len(page["items"]) <= 7
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(items) > 7, "the workload gave this account too short a history to page"
    assert len({(i["height"], i["seq"], i["leg"]) for i in items}) == len(items)
    for symbol in SYMBOLS:
        running = 0
        for item in reversed([i for i in items if i["symbol"] == symbol]):
            running += int(item["amount"]) * (1 if item["direction"] == "in" else -1)
            assert int(item["balance"]) == running, item
    # The newest running balance is the state's balance.
    account = api.get(f"/v1/accounts/{address}").json()
    finals = {b["symbol"]: b["amount"] for b in account["balances"]}
    for symbol in SYMBOLS:
        newest = next((i for i in items if i["symbol"] == symbol), None)
        if newest is not None:
            assert newest["balance"] == finals.get(symbol, "0")


def test_holders_volume_supply_blocks_and_txs(api) -> None:
    holders = api.get("/v1/index/assets/USDX/holders", params={"limit": 3}).json()["holders"]
    assert len(holders) == 3
    assert [int(h["amount"]) for h in holders] == sorted(
        (int(h["amount"]) for h in holders), reverse=True
    )
    volume = api.get("/v1/index/assets/USDX/volume", params={"days": 5}).json()["days"]
    assert len(volume) == 5 and int(volume[-1]["amount"]) > 0 and volume[-1]["transfers"] > 0
    points = api.get("/v1/index/assets/GLD/supply").json()["points"]
    assert points[0]["height"] == 0 and len(points) > 2
    blocks = api.get("/v1/index/blocks", params={"limit": 5}).json()
    assert [b["height"] for b in blocks["blocks"]] == sorted(
        (b["height"] for b in blocks["blocks"]), reverse=True
    )
    older = api.get("/v1/index/blocks", params={"before": blocks["next_cursor"], "limit": 5}).json()
    assert older["blocks"][0]["height"] == blocks["blocks"][-1]["height"] - 1
    txs = api.get("/v1/index/txs", params={"address": str(HOLDERS[2].address), "limit": 4}).json()
    assert len(txs["txs"]) == 4 and txs["next_cursor"]
    asset = api.get("/v1/index/assets/GLD").json()
    assert asset["asset_class"] == "payment" and asset["holders"] > 0


def test_failed_txs_are_the_failures_with_their_messages(api) -> None:
    """The explorer's "recent failures": every failed transaction, newest first, paged, each
    with its result message; none that succeeded."""
    every, cursor = [], None
    while True:
        params = {"limit": 200, **({"before": cursor} if cursor else {})}
        page = api.get("/v1/index/txs", params=params).json()
        every += page["txs"]
        if (cursor := page["next_cursor"]) is None:
            break
    expected = [t for t in every if t["code"] != 0]
    assert expected, "the workload made no failed transaction to list"
    failed, cursor = [], None
    while True:
        params = {"limit": 3, **({"before": cursor} if cursor else {})}
        page = api.get("/v1/index/txs/failed", params=params).json()
        assert len(page["txs"]) <= 3
        failed += page["txs"]
        if (cursor := page["next_cursor"]) is None:
            break
    assert failed == expected
    assert all(not t["ok"] and t["message"] and t["message"] != "ok" for t in failed)


def test_stats_count_what_the_index_holds(api, worked_node) -> None:
    stats = api.get("/v1/index/stats").json()
    status = api.get("/v1/index/status").json()
    assert stats["indexed_height"] == status["indexed_height"] == worked_node.store.latest_height()
    blocks = api.get("/v1/index/blocks", params={"limit": PAGE_ITEMS_MAX}).json()["blocks"]
    assert stats["blocks"] == len(blocks)
    assert stats["txs"] == sum(b["tx_count"] for b in blocks)
    txs = api.get("/v1/index/txs", params={"limit": PAGE_ITEMS_MAX}).json()["txs"]
    assert stats["failed_txs"] == sum(1 for t in txs if not t["ok"]) > 0
    assets = api.get("/v1/index/assets").json()["assets"]
    assert stats["assets"] == len(assets) == len(SYMBOLS)
    for asset in assets:
        one = api.get(f"/v1/index/assets/{asset['symbol']}").json()
        assert stats["holders"].get(asset["symbol"], 0) == one["holders"]
    assert stats["accounts"] >= len(HOLDERS)


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (f"/v1/index/blocks?limit={PAGE_ITEMS_MAX + 1}", 400, "invalid_parameter"),
        ("/v1/index/txs?limit=0", 400, "invalid_parameter"),
        ("/v1/index/txs?before=nonsense", 400, "invalid_cursor"),
        ("/v1/index/txs/failed?before=nonsense", 400, "invalid_cursor"),
        ("/v1/index/txs/failed?limit=0", 400, "invalid_parameter"),
        ("/v1/index/accounts/og1nope/history", 400, "invalid_address"),
        ("/v1/index/assets/NOPE", 404, "asset_not_found"),
        ("/v1/index/assets/USDX/volume?days=9999", 400, "invalid_parameter"),
        ("/v1/search?q=", 400, "invalid_parameter"),
        ("/v1/index/source/blocks/99999", 404, "block_not_found"),
    ],
)
def test_invalid_index_requests(api, path: str, status: int, code: str) -> None:
    response = api.get(path)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_invalid_index_request_when_no_indexer(worked_node) -> None:
    with TestClient(app=create_app(worked_node, start_node=False)) as client:
        response = client.get("/v1/index/blocks")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "index_disabled"
        assert client.get("/").headers["content-type"].startswith("text/html")
        assert "explorer" in client.get("/").text
        assert client.get("/explorer/js/proof.js").status_code == 200


def test_index_service_follows_new_blocks(tmp_path: Path) -> None:
    node = new_node(tmp_path / "ledger.sqlite")
    service = index_service_for(node).start()
    try:
        Workload(node, seed=2).run(blocks=3)
        assert service.wait_for(node.store.latest_height())
        assert (tmp_path / "index.sqlite").exists()
    finally:
        service.stop()
        node.stop()
        node.store.close()


def test_index_waits_for_a_chain(tmp_path: Path) -> None:
    # A node that restores a snapshot (network mode) starts its API, and so its indexer,
    # before its store holds a chain: the indexer waits instead of failing.
    from originledger.app import Application
    from originledger.store import SqliteStore

    from .conftest import genesis_bytes

    store = SqliteStore(tmp_path / "ledger.sqlite")
    source = StoreSource(store, Application(store).registry)
    indexer = Indexer(open_engine(f"sqlite:///{tmp_path / 'index.sqlite'}"), source)
    try:
        assert indexer.catch_up() == 0
        Application(store).init_chain(genesis_bytes())
        assert indexer.catch_up() == 1  # the genesis block
        assert IndexReader(indexer.engine).indexed_height() == 0
    finally:
        indexer.engine.dispose()
        store.close()
