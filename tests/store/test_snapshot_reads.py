"""What a state-sync snapshot reads from the store: every state row in key order, and the
transactions replay protection still needs."""

from __future__ import annotations

from originledger.core.amounts import Amount
from originledger.modules.assets.types import Transfer
from tests.conftest import ALICE, BOB, Chain


def test_spent_txs_since_keeps_the_window_by_block_time(funded_chain: Chain) -> None:
    chain = funded_chain
    outcomes = [
        chain.block([chain.tx(Transfer(ALICE.address, BOB.address, "USD", Amount(n)), ALICE)])
        for n in (1, 2, 3)
    ]
    times = [o.header.time_ms for o in outcomes]
    hashes = [o.txs[0].hash for o in outcomes]
    assert [row[2] for row in chain.store.spent_txs_since(times[1])] == hashes[1:]
    assert [row[2] for row in chain.store.spent_txs_since(times[2] + 1)] == []
    everything = chain.store.spent_txs_since(0)
    assert [row[2] for row in everything][-3:] == hashes


def test_snapshot_rows_are_every_row_in_key_order(funded_chain: Chain) -> None:
    rows = [row for batch in funded_chain.store.snapshot_rows(batch_rows=3) for row in batch]
    assert [key for key, _ in rows] == sorted(funded_chain.state_items())
    assert dict(rows) == funded_chain.state_items()
