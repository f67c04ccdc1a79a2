"""No block stops the indexer: every integer the ledger can hand it fits its column, and
what still cannot be indexed is skipped event by event, recorded in ``ix_failures``, shown
by the status route, and the index goes on (identically on SQLite and PostgreSQL).

Several tests feed the indexer hand-made blocks (``ListSource``): the index must survive
what a ledger could emit whatever the ledger's own bounds are (issue 11 bounds time fields
on the ledger too; the indexer must not depend on that)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.exc import DataError, OperationalError, ProgrammingError

from originledger.api.server import create_app
from originledger.core.amounts import Amount
from originledger.core.crypto import SigningKey
from originledger.genesis import GenesisBuilder
from originledger.indexer import (
    BlockData,
    EventData,
    Indexer,
    IndexReader,
    StoreSource,
    TxData,
    open_engine,
    schema,
)
from originledger.indexer.service import IndexService
from originledger.indexer.source import _builtins
from originledger.modules.assets import client_hold_id
from originledger.modules.assets.types import Minted, PlaceHold, Transferred, VoidHold
from originledger.modules.assets.types import Transfer as TransferMessage
from originledger.modules.attest.index import INDEX as ATTEST_INDEX
from originledger.modules.attest.types import Attested, Revoked
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.sdk import Key, TxBuilder
from originledger.server.index import index_service_for
from originledger.store.sqlite import SqliteStore

from .conftest import HOLDERS, VALIDATOR, dump, new_node

CHAIN = "skip-test"
U64_MAX = 2**64 - 1
U128_MAX = 2**128 - 1
ATTESTER = Key(SigningKey(b"\x21" * 32), "attester")
ALICE = Key(SigningKey(b"\x22" * 32), "alice")
BOB = Key(SigningKey(b"\x23" * 32), "bob")


@pytest.fixture(params=["sqlite", "postgresql"])
def index_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index.sqlite'}"
    return str(request.getfixturevalue("postgres").new_database())


class ListSource:
    """A chain of hand-made blocks (height 0 is the genesis)."""

    def __init__(self, blocks: list[BlockData]) -> None:
        self.blocks = {block.height: block for block in blocks}
        self.unreadable: set[int] = set()

    def chain_id(self) -> str:
        return CHAIN

    def genesis_height(self) -> int:
        return 0

    def latest_height(self) -> int:
        return max(self.blocks)

    def block(self, height: int) -> BlockData | None:
        if height in self.unreadable:
            raise ValueError(f"block {height} does not decode")
        return self.blocks.get(height)


def _event(seq: int, event: Any) -> EventData:
    data = _builtins(event)
    return EventData(seq, 0, data.pop("type"), data)


def _block(height: int, *events: EventData) -> BlockData:
    tx = TxData(f"{height:064x}", 0, "", 0, "", [str(ATTESTER.address)], ["attest/attest"], "")
    return BlockData(
        CHAIN, height, f"{height:064x}", 1_700_000_000_000 + height, "00" * 32, "00" * 32,
        [tx] if height else [], list(events),
    )  # fmt: skip


def _attested(seq: int, number: int, expires_at_ms: int) -> EventData:
    event = Attested(
        bytes([number]) * 32, b"\x05" * 32, ATTESTER.address, ALICE.address, expires_at_ms,
        b"", b"",
    )  # fmt: skip
    return _event(seq, event)


def _attestations(engine) -> dict[str, tuple[int, int | None]]:
    table = schema.attestations
    with engine.connect() as connection:
        rows = connection.execute(select(table)).all()
    return {row.attestation_id[:2]: (row.expires_at_ms, row.revoked_at_ms) for row in rows}


def _failures(engine) -> list[tuple[Any, ...]]:
    table = schema.failures
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.height, table.c.seq)).all()
    return [tuple(row) for row in rows]


def _time_overflow_chain() -> ListSource:
    return ListSource(
        [
            _block(0),
            _block(1, _attested(0, 1, U64_MAX)),  # "never": the largest u64 there is
            _block(2, _event(0, Revoked(b"\x01" * 32, ATTESTER.address, U64_MAX))),
            # 2^64 cannot come over msgpack, but a source over JSON could carry it: it fits
            # no time column, so that event is skipped, and the one after it is not.
            _block(3, _attested(0, 2, 2**64), _attested(1, 3, 1_800_000_000_000)),
            _block(4, _attested(0, 4, 1)),
        ]
    )


def test_regression_indexer_survives_time_overflow(index_url: str) -> None:
    indexer = Indexer(open_engine(index_url), _time_overflow_chain())
    assert indexer.catch_up() == 5  # every block, none retried forever
    assert IndexReader(indexer.engine).indexed_height() == 4
    assert _attestations(indexer.engine) == {
        "01": (U64_MAX, U64_MAX),  # stored as it is, not clamped
        "03": (1_800_000_000_000, None),
        "04": (1, None),
    }
    failures = _failures(indexer.engine)
    assert len(failures) == 1
    height, seq, tx_index, event_type, error = failures[0]
    assert (height, seq, tx_index, event_type) == (3, 0, 0, "attest/attested")
    assert "time" in error and str(2**64) in error
    report = IndexReader(indexer.engine).failures()
    assert report["degraded"] is True and report["count"] == 1
    assert [item["height"] for item in report["items"]] == [3]
    # The skipped event's raw row is not in ix_events either; the block's others are.
    with indexer.engine.connect() as connection:
        seqs = connection.execute(
            select(schema.events.c.seq).where(schema.events.c.height == 3)
        ).scalars()
        assert list(seqs) == [1]
    assert [skip.height for skip in indexer.skipped] == [3]


def _big_genesis() -> bytes:
    """A utility asset at the largest supply there is, all of it with Alice."""
    return (
        GenesisBuilder(CHAIN, genesis_time_ms=1_000)
        .validator(VALIDATOR.public_key)
        .asset(
            "BIG",
            name="Big",
            decimals=0,
            asset_class="utility",
            issuer=ALICE.address,
            max_supply=U128_MAX,
        )
        .balance(ALICE.address, "BIG", U128_MAX)
        .build()
    )


def test_regression_indexer_survives_volume_overflow(index_url: str, tmp_path) -> None:
    node = EmbeddedNode(
        SqliteStore(tmp_path / "ledger.sqlite"), _big_genesis(), VALIDATOR,
        NodeSettings(block_interval_ms=10),
    )  # fmt: skip
    builder = TxBuilder(CHAIN)
    amount = Amount(U128_MAX)
    there = builder.build([TransferMessage(ALICE.address, BOB.address, "BIG", amount)], [ALICE])
    back = builder.build([TransferMessage(BOB.address, ALICE.address, "BIG", amount)], [BOB])
    node.submit([there.raw, back.raw])
    node.produce_block()  # one day's volume: 2 * (2^128 - 1)
    node.submit([builder.build([TransferMessage(ALICE.address, BOB.address, "BIG", amount)],
                               [ALICE]).raw])  # fmt: skip
    node.produce_block()  # the next block, the same day: 3 * (2^128 - 1)
    try:
        indexer = Indexer(open_engine(index_url), StoreSource(node.store, node.app.registry))
        assert indexer.catch_up() == node.store.latest_height() + 1
        with indexer.engine.connect() as connection:
            codes = connection.execute(select(schema.txs.c.code)).scalars().all()
        assert codes == [0, 0, 0], "the ledger refused a transfer: the test proves nothing"
        reader = IndexReader(indexer.engine)
        days = [day for day in reader.volume("BIG", 366)["days"] if day["transfers"]]
        assert days == [
            {"day": days[0]["day"], "amount": str(3 * U128_MAX), "transfers": 3},
        ]
        assert reader.failures()["degraded"] is False
        holders = reader.holders("BIG", 5)["holders"]
        assert [(h["address"], h["amount"]) for h in holders] == [(str(BOB.address), str(U128_MAX))]
        # A restart resumes after it (the old indexer retried this block forever).
        again = Indexer(open_engine(index_url), StoreSource(node.store, node.app.registry))
        assert again.catch_up() == 0
    finally:
        node.stop()
        node.store.close()


def _inconsistent_chain() -> ListSource:
    """Block 1 spends units nobody indexed (a handler fails), names an asset symbol too
    long for its column (a row fails on writing) and mints (indexed); block 2 cannot be
    read at all; block 3 is fine."""
    minted = Minted("GLD", ALICE.address, Amount(7), Amount(7))
    spent = Transferred("GLD", BOB.address, ALICE.address, Amount(5))
    long_symbol = Minted("X" * 40, ALICE.address, Amount(1), Amount(1))
    source = ListSource(
        [
            _block(0),
            _block(1, _event(0, spent), _event(1, long_symbol), _event(2, minted)),
            _block(2),
            _block(3, _attested(0, 9, 5)),
        ]
    )
    source.unreadable.add(2)
    return source


def _balances(engine) -> dict[tuple[str, str], int]:
    table = schema.balances
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.address, table.c.symbol, table.c.amount)).all()
    return {(row.address, row.symbol): row.amount for row in rows}


def test_failing_events_are_skipped_and_the_rest_indexed(index_url: str) -> None:
    indexer = Indexer(open_engine(index_url), _inconsistent_chain())
    assert indexer.catch_up() == 4
    assert _balances(indexer.engine) == {(str(ALICE.address), "GLD"): 7}
    failures = _failures(indexer.engine)
    assert [(f[0], f[1], f[3]) for f in failures] == [
        (1, 0, "assets/transferred"),
        (1, 1, "assets/minted"),
        (2, -1, None),  # the whole block
    ]
    assert "spends 5 GLD" in failures[0][4]
    assert "longer than 32" in failures[1][4]
    assert "does not decode" in failures[2][4]
    assert _attestations(indexer.engine) == {"09": (5, None)}
    assert IndexReader(indexer.engine).indexed_height() == 3


def test_skips_are_the_same_on_sqlite_and_postgresql(postgres) -> None:
    indexes = []
    for url in ("sqlite://", postgres.new_database()):
        for chain in (_time_overflow_chain(), _inconsistent_chain()):
            indexer = Indexer(open_engine(url), chain)
            indexer.rebuild()
            indexes.append(dump(indexer.engine))
    assert indexes[0:2] == indexes[2:4]
    assert indexes[0]["ix_failures"] and indexes[1]["ix_failures"]


@pytest.mark.parametrize("kind", [OperationalError, ProgrammingError])
def test_transient_database_error_is_retried_not_skipped(kind) -> None:
    indexer = Indexer(open_engine("sqlite://"), _time_overflow_chain())
    calls = []

    def flaky(event: Attested):
        calls.append(event.attestation_id)
        if len(calls) == 1:
            raise kind("INSERT", {}, Exception("database is locked, or a permission refused"))
        return ATTEST_INDEX.handlers[Attested](event)

    indexer.handlers[Attested] = flaky
    with pytest.raises(kind):
        indexer.catch_up()
    assert IndexReader(indexer.engine).indexed_height() == 0  # block 1 not skipped
    assert _failures(indexer.engine) == []
    assert indexer.catch_up() == 4  # tried again, then on
    assert "01" in _attestations(indexer.engine)


def test_database_refusing_an_events_value_skips_that_event() -> None:
    indexer = Indexer(open_engine("sqlite://"), _time_overflow_chain())

    def refused(event: Attested):
        if event.expires_at_ms == 1:
            raise DataError("INSERT", {}, Exception("numeric field overflow"))
        return ATTEST_INDEX.handlers[Attested](event)

    indexer.handlers[Attested] = refused
    assert indexer.catch_up() == 5
    assert [(f[0], f[3]) for f in _failures(indexer.engine)] == [
        (3, "attest/attested"),  # 2^64, as before
        (4, "attest/attested"),  # refused by the "database"
    ]
    assert "numeric field overflow" in _failures(indexer.engine)[1][4]


def test_index_status_route_reports_skipped_events(tmp_path) -> None:
    node = new_node()
    engine = open_engine(f"sqlite:///{tmp_path / 'index.sqlite'}")
    service = IndexService(Indexer(engine, _time_overflow_chain()))
    with TestClient(app=create_app(node, index=service)) as client:
        deadline = time.monotonic() + 20
        status = client.get("/v1/index/status").json()
        while status["indexed_height"] != 4 and time.monotonic() < deadline:
            time.sleep(0.05)
            status = client.get("/v1/index/status").json()
    assert status["indexed_height"] == 4 and status["error"] is None
    assert status["degraded"] is True and status["failures"] == 1
    (skipped,) = status["skipped"]
    assert skipped["height"] == 3 and skipped["event_type"] == "attest/attested"


def test_index_status_route_without_failures(tmp_path) -> None:
    node = new_node()
    service = index_service_for(node, f"sqlite:///{tmp_path / 'index.sqlite'}")
    with TestClient(app=create_app(node, index=service)) as client:
        assert service.wait_for(node.store.latest_height())
        status = client.get("/v1/index/status").json()
    assert status["degraded"] is False and status["failures"] == 0 and status["skipped"] == []


def test_node_index_of_an_older_schema_is_indexed_again(tmp_path) -> None:
    node = new_node()
    url = f"sqlite:///{tmp_path / 'index.sqlite'}"
    first = Indexer(open_engine(url), StoreSource(node.store, node.app.registry))
    first.catch_up()
    with first.engine.begin() as connection:
        connection.execute(schema.cursor.update().values(schema_version=2))
    standalone = Indexer(open_engine(url), StoreSource(node.store, node.app.registry))
    with pytest.raises(Exception, match="schema version 2"):
        standalone.catch_up()
    own = Indexer(
        open_engine(url), StoreSource(node.store, node.app.registry), rebuild_outdated=True
    )
    assert own.catch_up() == node.store.latest_height() + 1
    with own.engine.connect() as connection:
        assert connection.execute(select(schema.cursor.c.schema_version)).scalar_one() == 3


def test_regression_indexer_survives_hold_id_reused(index_url: str) -> None:
    """The ledger deletes a closed hold, so its id may be placed again; the index once
    inserted the second hold's row beside the first and stopped on the duplicate key."""
    node = new_node()
    payer, payee = HOLDERS[0], HOLDERS[1]
    builder = TxBuilder("indexer-test")
    hold_id = b"\x42" * 32
    expires = time.time_ns() // 1_000_000 + 3_600_000

    def place(amount: int) -> bytes:
        message = PlaceHold(payer.address, payee.address, "USDX", Amount(amount), expires, hold_id)
        return builder.build([message], [payer]).raw

    stored = client_hold_id(payer.address, hold_id)  # the payer may choose it again
    for raw in (place(10), builder.build([VoidHold(payee.address, stored)], [payee]).raw):
        node.submit([raw])
        node.produce_block()
    node.submit([place(25)])
    node.produce_block()
    indexer = Indexer(open_engine(index_url), StoreSource(node.store, node.app.registry))
    assert indexer.catch_up() == node.store.latest_height() + 1
    with indexer.engine.connect() as connection:
        codes = connection.execute(select(schema.txs.c.code)).scalars().all()
        holds = connection.execute(select(schema.holds.c.amount, schema.holds.c.status)).all()
    assert codes == [0, 0, 0], "the ledger refused a step: the test proves nothing"
    assert [tuple(row) for row in holds] == [(25, "open")]
    assert _failures(indexer.engine) == []
    assert _balances(indexer.engine)[(str(payer.address), "USDX")] == 200_000
    with indexer.engine.connect() as connection:
        held = connection.execute(
            select(schema.balances.c.held).where(schema.balances.c.address == str(payer.address))
        ).scalars()
        assert set(held) == {25, 0}  # USDX holds 25; GLD none


def test_times_and_totals_keep_their_order_and_bounds(index_url: str) -> None:
    engine = open_engine(index_url)
    schema.metadata.create_all(engine)
    times = [U64_MAX, 2**63, 2**63 - 1, 1_700_000_000_000, 0]
    totals = [2**191 - 1, 3 * U128_MAX, U128_MAX, 10, 0]
    with engine.begin() as connection:
        connection.execute(
            schema.attestations.insert(),
            [
                {"attestation_id": f"{i:064x}", "schema_id": "00", "attester": "a",
                 "recipient": "b", "expires_at_ms": t, "revoked_at_ms": None, "height": 1}
                for i, t in enumerate(times)
            ],
        )  # fmt: skip
        connection.execute(
            schema.volume_daily.insert(),
            [
                {"symbol": "X", "day": f"2026-01-{i + 1:02d}", "amount": v, "transfers": 2**62}
                for i, v in enumerate(totals)
            ],
        )
        table = schema.attestations
        ordered = connection.execute(select(table.c.expires_at_ms).order_by(table.c.expires_at_ms))
        assert list(ordered.scalars()) == sorted(times)
        volume = schema.volume_daily
        ordered = connection.execute(select(volume.c.amount).order_by(volume.c.amount))
        assert list(ordered.scalars()) == sorted(totals)
    for table, row in (
        (schema.volume_daily, {"symbol": "Y", "day": "d", "amount": 2**191, "transfers": 1}),
        (schema.holds, {"hold_id": "h", "symbol": "X", "payer": "a", "payee": "b", "amount": 1,
                        "expires_at_ms": 2**64, "status": "open", "settled": 0,
                        "released": 0, "placed_height": 1}),
        (schema.events, {"height": 1, "seq": 2**31, "tx_index": 0, "type": "t", "data": "{}"}),
        (schema.events, {"height": 1, "seq": 0, "tx_index": 0, "type": "t" * 65, "data": "{}"}),
    ):  # fmt: skip
        with pytest.raises(Exception, match=r"outside|longer than"), engine.begin() as connection:
            connection.execute(table.insert(), row)
    engine.dispose()
