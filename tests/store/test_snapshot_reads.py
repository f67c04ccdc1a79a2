"""What a state-sync snapshot reads from the store: every state row in key order, and the
index of the spent hashes that replay protection keeps in state."""

from __future__ import annotations

import pytest

from originledger.core.amounts import Amount
from originledger.core.tx import SPENT_PREFIX
from originledger.modules.assets.types import Transfer
from originledger.store import SqliteStore
from tests.conftest import ALICE, BOB, Chain


def test_spent_hashes_of_a_restored_store_come_from_the_state_records(
    funded_chain: Chain,
) -> None:
    chain = funded_chain
    raw = chain.tx(Transfer(ALICE.address, BOB.address, "USD", Amount(1)), ALICE)
    tx_hash = chain.block([raw]).txs[0].hash
    assert chain.store.spent_tx_hashes([tx_hash, bytes(32)]) == {tx_hash}
    rows = {key: value for batch in chain.store.snapshot_rows() for key, value in batch}
    meta, genesis = chain.store.chain_meta(), chain.store.genesis()
    assert meta is not None and genesis is not None
    restored = SqliteStore(None)
    restored.restore_snapshot(genesis, meta, rows)
    assert restored.tx(tx_hash) is None  # no history before the snapshot
    assert restored.spent_tx_hashes([tx_hash, bytes(32)]) == {tx_hash}
    recorded = {
        value[i : i + 32]
        for _, value in restored.scan(SPENT_PREFIX)
        for i in range(0, len(value), 32)
    }
    assert restored.spent_tx_hashes(sorted(recorded)) == recorded
    # A genesis that is not the chain's is refused, and nothing is written.
    other = SqliteStore(None)
    with pytest.raises(ValueError, match="genesis"):
        other.restore_snapshot(genesis + b" ", meta, rows)
    assert other.chain_meta() is None
    restored.close()
    other.close()


def test_snapshot_rows_are_every_row_in_key_order(funded_chain: Chain) -> None:
    rows = [row for batch in funded_chain.store.snapshot_rows(batch_rows=3) for row in batch]
    assert [key for key, _ in rows] == sorted(funded_chain.state_items())
    assert dict(rows) == funded_chain.state_items()
