"""Which occurrences of a transaction spend its hash: a broken or expired copy that a
proposer slips into a block must not burn the real transaction."""

from __future__ import annotations

from originledger.core.codec import decode, encode
from originledger.core.codes import TxCode
from originledger.core.tx import SignedTx
from tests.conftest import ALICE, Chain
from tests.core.test_app import transfer


def _with_bad_signature(raw: bytes) -> bytes:
    envelope = decode(raw, SignedTx)
    bad = bytes([envelope.signatures[0][0] ^ 1]) + envelope.signatures[0][1:]
    return encode(SignedTx(envelope.body, [bad]))


def test_commit_bad_signature_copy_does_not_spend_hash(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE)
    forged = _with_bad_signature(raw)
    outcome = funded_chain.block([forged])
    assert outcome.txs[0].result.code == TxCode.SIGNATURE_INVALID
    assert funded_chain.check(raw).ok, "the forged copy burned the real transaction"
    outcome = funded_chain.block([raw])
    assert outcome.txs[0].result.ok
    assert funded_chain.app.store.tx(outcome.txs[0].hash).height == outcome.header.height


def test_commit_forged_copy_before_real_in_one_block(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE)
    outcome = funded_chain.block([_with_bad_signature(raw), raw, raw])
    codes = [tx.result.code for tx in outcome.txs]
    assert codes == [TxCode.SIGNATURE_INVALID, TxCode.OK, TxCode.ALREADY_COMMITTED]
    stored = funded_chain.app.store.tx(outcome.txs[1].hash)
    assert (stored.height, stored.position, stored.result.code) == (outcome.header.height, 1, 0)


def test_commit_executed_failure_spends_hash(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(10**30), ALICE)  # more than alice holds
    outcome = funded_chain.block([raw])
    assert outcome.txs[0].result.codespace == "assets"
    assert funded_chain.check(raw).result.code == TxCode.ALREADY_COMMITTED
