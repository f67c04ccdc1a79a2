"""What a state-sync snapshot reads from the store: every state row in key order, and the
index of the spent hashes that replay protection keeps in state."""

from __future__ import annotations

from originledger.core.amounts import Amount
from originledger.core.limits import TX_TTL_MS_MAX
from originledger.core.tx import SPENT_PREFIX
from originledger.modules.assets.types import Transfer
from tests.conftest import ALICE, BOB, Chain


def test_spent_index_follows_the_state_records(funded_chain: Chain) -> None:
    chain = funded_chain
    raw = chain.tx(Transfer(ALICE.address, BOB.address, "USD", Amount(1)), ALICE)
    outcome = chain.block([raw])
    tx_hash = outcome.txs[0].hash
    assert chain.store.spent_tx_hashes([tx_hash, bytes(32)]) == {tx_hash}
    indexed = set(chain.store._writer.execute("SELECT hash FROM spent_hashes"))
    recorded = {
        value[i : i + 32]
        for _, value in chain.store.scan(SPENT_PREFIX)
        for i in range(0, len(value), 32)
    }
    assert {bytes(row[0]) for row in indexed} == recorded
    chain.block([], time_ms=chain.time_ms + TX_TTL_MS_MAX + 1)  # every record expired
    assert list(chain.store.scan(SPENT_PREFIX)) == []
    assert chain.store.spent_tx_hashes([tx_hash]) == set()
    # The receipt stays: the transaction table is the history, not replay protection.
    assert chain.store.tx(tx_hash) is not None


def test_snapshot_rows_are_every_row_in_key_order(funded_chain: Chain) -> None:
    rows = [row for batch in funded_chain.store.snapshot_rows(batch_rows=3) for row in batch]
    assert [key for key, _ in rows] == sorted(funded_chain.state_items())
    assert dict(rows) == funded_chain.state_items()
