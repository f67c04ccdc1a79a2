"""A block's rows as the store writes them: event rows from execution's encodings, one
index by hash a transaction row, and what the reads give back."""

from __future__ import annotations

from pathlib import Path

import pytest

from originledger.core.block import encoded_list
from originledger.core.codec import decode, encode
from originledger.core.tx import SignedTx
from originledger.store.sqlite import SqliteStore
from tests.conftest import ALICE, Chain
from tests.core.test_app import transfer


@pytest.mark.parametrize("count", [0, 1, 15, 16, 17, 65_535, 65_536])
def test_encoded_list_is_the_codec_encoding_of_the_list(count: int) -> None:
    items = [i % 300 for i in range(count)]
    assert encoded_list([encode(item) for item in items]) == encode(items)


def test_event_rows_are_the_events_encoded_in_order(funded_chain: Chain) -> None:
    outcome = funded_chain.block(
        [funded_chain.tx(transfer(), ALICE), funded_chain.tx(transfer(10**30), ALICE)]
    )
    records = outcome.event_records()
    assert records, "the transfer emits events"
    rows = funded_chain.store.events_after(outcome.header.height - 1, 1 << 62, 1_000)
    assert [(r.height, r.seq, r.tx_index, r.data) for r in rows] == [
        (r.height, r.index, r.tx_index, encode(r.event)) for r in records
    ]


def _with_bad_signature(raw: bytes) -> bytes:
    envelope = decode(raw, SignedTx)
    bad = bytes([envelope.signatures[0][0] ^ 1]) + envelope.signatures[0][1:]
    return encode(SignedTx(envelope.body, [bad]))


def test_a_hash_never_spent_reads_back_at_its_first_occurrence(funded_chain: Chain) -> None:
    forged = _with_bad_signature(funded_chain.tx(transfer(), ALICE))
    first = funded_chain.block([funded_chain.tx(transfer(), ALICE), forged, forged])
    second = funded_chain.block([forged])
    tx_hash = first.txs[1].hash
    assert second.txs[0].hash == tx_hash
    assert not any(tx.result.spends_hash for tx in (*first.txs[1:], *second.txs))
    stored = funded_chain.store.tx(tx_hash)
    assert stored is not None
    assert (stored.height, stored.position) == (first.header.height, 1)
    assert funded_chain.store.tx(b"\x00" * 32) is None


def test_a_store_of_the_former_schema_drops_its_second_index(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    store = SqliteStore(path)
    connection = store._writer
    connection.execute("DROP INDEX txs_unspent")
    connection.execute("CREATE INDEX txs_by_hash ON txs (hash)")
    rows = [
        (1, 0, b"u" * 32, 0, b"raw-broken", b"leaf"),
        (1, 1, b"s" * 32, 1, b"raw", b"leaf"),
        (2, 0, b"u" * 32, 0, b"raw-broken-again", b"leaf"),
    ]
    connection.executemany("INSERT INTO txs VALUES (?, ?, ?, ?, ?, ?)", rows)
    store.close()

    reopened = SqliteStore(path)
    indexes = {
        row[0]
        for row in reopened._writer.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'txs'"
        )
    }
    assert {"txs_spent", "txs_unspent"} <= indexes
    assert "txs_by_hash" not in indexes
    with reopened.reader() as reader:
        for spent, sql in [
            (1, "SELECT 1 FROM txs WHERE hash = ? AND spent = 1"),
            (0, "SELECT 1 FROM txs WHERE hash = ? AND spent = 0 ORDER BY height, position"),
        ]:
            plan = " ".join(str(r) for r in reader.execute(f"EXPLAIN QUERY PLAN {sql}", (b"",)))
            assert ("txs_spent" if spent else "txs_unspent") in plan
    assert reopened.spent_tx_hashes([b"s" * 32, b"u" * 32]) == {b"s" * 32}
    reopened.close()
