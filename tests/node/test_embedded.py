"""The embedded driver in-process: block production, mempool limits, expiry, idempotency."""

from __future__ import annotations

import json
import time

import pytest

from originledger.core.amounts import Amount
from originledger.core.codec import decode, encode
from originledger.core.codes import TxCode
from originledger.core.crypto import SigningKey
from originledger.core.tx import SignedTx
from originledger.genesis import GenesisBuilder
from originledger.modules.assets import FEE_COLLECTOR, balance_of
from originledger.modules.assets.types import Transfer
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.sdk import Key, TxBuilder
from originledger.store.sqlite import SqliteStore

CHAIN = "node-test"
VALIDATOR = SigningKey(bytes(range(32)))
ALICE = Key(SigningKey(b"\x01" * 32), "alice")
BOB = Key(SigningKey(b"\x02" * 32), "bob")


def _genesis(fees: dict[str, str] | None = None) -> bytes:
    document = (
        GenesisBuilder(CHAIN, genesis_time_ms=1_000)
        .validator(VALIDATOR.public_key)
        .asset(
            "TOK",
            name="Token",
            decimals=0,
            asset_class="utility",
            issuer=ALICE.address,
            max_supply=1_000_000,
        )
        .balance(ALICE.address, "TOK", 1000)
        .document()
    )
    if fees is not None:
        document["app_state"]["assets"]["fees"] = fees
    return json.dumps(document).encode()


class Clock:
    def __init__(self) -> None:
        self.now_ms = 1_700_000_000_000

    def __call__(self) -> int:
        return self.now_ms


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def node(clock: Clock) -> EmbeddedNode:
    settings = NodeSettings(block_interval_ms=20, mempool_txs_max=10, mempool_txs_per_signer_max=4)
    node = EmbeddedNode(SqliteStore(None), _genesis(), VALIDATOR, settings, clock_ms=clock)
    yield node
    node.stop()


def _transfer(clock: Clock, amount: int = 1, client_id: int | None = None, ttl_ms: int = 60_000):
    return TxBuilder(CHAIN).build(
        [Transfer(ALICE.address, BOB.address, "TOK", Amount(amount))],
        [ALICE],
        client_id=client_id,
        expires_at_ms=clock.now_ms + ttl_ms,
    )


def test_produce_block_idle_makes_no_block(node: EmbeddedNode) -> None:
    assert node.produce_block() is None
    assert node.store.latest_height() == 0


def test_produce_block_commits_and_signs(node: EmbeddedNode, clock: Clock) -> None:
    tx = _transfer(clock)
    assert node.submit([tx.raw])[0].status == "accepted"
    outcome = node.produce_block()
    assert outcome is not None and outcome.header.height == 1
    stored = node.store.block(1)
    assert (
        stored is not None and stored.signed_header.signatures[0].public_key == VALIDATOR.public_key
    )
    assert node.status(tx.hash) == "committed"


def test_submit_duplicate_answers_first_outcome(node: EmbeddedNode, clock: Clock) -> None:
    tx = _transfer(clock, amount=5000)  # more than alice has: commits as a failure
    first = node.submit([tx.raw, tx.raw])
    assert [a.status for a in first] == ["accepted", "accepted"]
    node.produce_block()
    again = node.submit([tx.raw])[0]
    assert again.status == "committed" and again.height == 1
    assert again.result.codespace == "assets" and again.result.code == 15
    assert node.produce_block() is None, "a resubmitted transaction made a new block"


def test_invalid_expired_transaction_is_rejected(node: EmbeddedNode, clock: Clock) -> None:
    tx = _transfer(clock, ttl_ms=-1)
    answer = node.submit([tx.raw])[0]
    assert answer.status == "rejected" and answer.result.code == TxCode.EXPIRED


def test_expiry_while_waiting_drops_without_block(node: EmbeddedNode, clock: Clock) -> None:
    tx = _transfer(clock, ttl_ms=100)
    assert node.submit([tx.raw])[0].status == "accepted"
    clock.now_ms += 1_000
    assert node.produce_block() is None
    assert node.store.latest_height() == 0
    assert node.status(tx.hash) is None


def test_invalid_signer_over_quota(node: EmbeddedNode, clock: Clock) -> None:
    answers = node.submit([_transfer(clock, client_id=i).raw for i in range(6)])
    assert [a.status for a in answers] == ["accepted"] * 4 + ["rejected"] * 2
    assert answers[-1].result.code == TxCode.SIGNER_QUOTA


def test_invalid_fee_unpaid_is_rejected_by_the_node(clock: Clock) -> None:
    settings = NodeSettings(block_interval_ms=20)
    fees = {"symbol": "TOK", "per_tx": "2", "per_message": "1"}
    node = EmbeddedNode(SqliteStore(None), _genesis(fees), VALIDATOR, settings, clock_ms=clock)
    try:
        unpaid = TxBuilder(CHAIN).build(
            [Transfer(BOB.address, ALICE.address, "TOK", Amount(1))],
            [BOB],
            expires_at_ms=clock.now_ms + 60_000,
        )
        answer = node.submit([unpaid.raw])[0]
        assert answer.status == "rejected" and answer.result.code == TxCode.FEE_UNPAID
        paid = _transfer(clock, amount=10)
        assert node.submit([paid.raw])[0].status == "accepted"
        outcome = node.produce_block()
        assert outcome is not None and [tx.result.ok for tx in outcome.txs] == [True]
        assert balance_of(node.store, ALICE.address, "TOK") == 1000 - 10 - 3
        assert balance_of(node.store, FEE_COLLECTOR, "TOK") == 3
    finally:
        node.stop()


def test_block_time_strictly_increases(node: EmbeddedNode, clock: Clock) -> None:
    times = []
    for i in range(3):
        node.submit([_transfer(clock, client_id=i).raw])
        times.append(node.produce_block().header.time_ms)
    assert times[0] < times[1] < times[2]


def test_background_production_commits_within_interval(node: EmbeddedNode) -> None:
    node.clock_ms = lambda: time.time_ns() // 1_000_000
    node.start()
    tx = TxBuilder(CHAIN).build([Transfer(ALICE.address, BOB.address, "TOK", Amount(1))], [ALICE])
    node.submit([tx.raw])
    deadline = time.monotonic() + 5
    while node.status(tx.hash) != "committed" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert node.status(tx.hash) == "committed"
    height = node.store.latest_height()
    time.sleep(0.2)
    assert node.store.latest_height() == height, "the node made blocks while idle"


# -- execution safety through the embedded driver ------------------------------------------


def _faulty_node(clock: Clock) -> EmbeddedNode:
    from tests.core.faulty import faulty_registry

    settings = NodeSettings(block_interval_ms=20)
    return EmbeddedNode(
        SqliteStore(None),
        _genesis(),
        VALIDATOR,
        settings,
        clock_ms=clock,
        registry=faulty_registry(),
    )


def test_regression_exception_in_handler_keeps_block_production(clock: Clock) -> None:
    # Before: the handler's exception escaped finalize_block; production stopped for good.
    from tests.core.faulty import Boom

    node = _faulty_node(clock)
    try:
        bad = TxBuilder(CHAIN).build(
            [Boom(bytes(20), "value")], [BOB], expires_at_ms=clock.now_ms + 60_000
        )
        good = _transfer(clock)
        assert [a.status for a in node.submit([bad.raw, good.raw])] == ["accepted"] * 2
        node.start()
        deadline = time.monotonic() + 10
        while node.status(good.hash) != "committed" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert node.failure is None
        again = node.submit([bad.raw])[0]
        assert again.status == "committed" and again.result.code == TxCode.INTERNAL
        assert again.result.message.endswith(": ValueError")
        later = _transfer(clock, client_id=7)
        node.submit([later.raw])
        while node.status(later.hash) != "committed" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert node.status(later.hash) == "committed", "production stopped"
    finally:
        node.stop()


def test_regression_resubmission_after_expiry_reports_committed(
    node: EmbeddedNode, clock: Clock
) -> None:
    # Before: "rejected: the transaction expired before it could be included".
    tx = _transfer(clock, ttl_ms=1_000)
    node.submit([tx.raw])
    outcome = node.produce_block()
    assert outcome is not None
    clock.now_ms += 60_000
    answer = node.submit([tx.raw])[0]
    assert (answer.status, answer.result.code, answer.height) == ("committed", 0, 1)


def test_regression_forged_copy_of_waiting_transaction_is_rejected(
    node: EmbeddedNode, clock: Clock
) -> None:
    # Before: a copy with a broken signature of a waiting transaction answered "accepted".
    from originledger.core.codec import decode, encode
    from originledger.core.tx import SignedTx

    tx = _transfer(clock)
    assert node.submit([tx.raw])[0].status == "accepted"
    envelope = decode(tx.raw, SignedTx)
    forged = encode(SignedTx(envelope.body, [bytes(64)]))
    answer = node.submit([forged])[0]
    assert (answer.status, answer.result.code) == ("rejected", TxCode.SIGNATURE_INVALID)
    assert answer.hash == tx.hash


def test_regression_invalid_message_refused_at_admission(node: EmbeddedNode, clock: Clock) -> None:
    junk = TxBuilder(CHAIN).build(
        [Transfer(ALICE.address, ALICE.address, "TOK", Amount(1))],
        [ALICE],
        expires_at_ms=clock.now_ms + 60_000,
    )
    answer = node.submit([junk.raw])[0]
    assert answer.status == "rejected" and answer.result.codespace == "assets"
    assert node.produce_block() is None, "junk entered a block"


def test_live_invariant_breach_halts_block_production_loudly(clock: Clock, caplog) -> None:  # type: ignore[no-untyped-def]
    from originledger.core.module import InvariantBroken
    from tests.core.faulty import Mint

    node = _faulty_node(clock)
    try:
        bad = TxBuilder(CHAIN).build(
            [Mint(BOB.address, "TOK", 5)], [BOB], expires_at_ms=clock.now_ms + 60_000
        )
        node.submit([_transfer(clock).raw, bad.raw])
        node.start()
        deadline = time.monotonic() + 10
        while node.failure is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert isinstance(node.failure, InvariantBroken)
        assert node._thread is not None
        node._thread.join(timeout=10)  # it logs, then ends
        text = str(node.failure)
        assert f"block 1, transaction 1 ({bad.hash.hex()})" in text
        assert "assets.supply_moves_with_balances" in text
        assert node.store.latest_height() == 0, "a breaking block was committed"
        assert "block production stopped" in caplog.text
        with pytest.raises(RuntimeError, match="stopped after a failure"):
            node.submit([_transfer(clock, client_id=9).raw])
    finally:
        node.stop()


def test_submit_verified_neither_verifies_nor_decodes_twice(node: EmbeddedNode, clock) -> None:
    calls: list[int] = []
    real = node.verifier
    node.verifier = lambda checks: calls.append(len(checks)) or real(checks)  # type: ignore[assignment]
    node.app.verifier = node.verifier
    try:
        good = _transfer(clock)
        (answer,) = node.submit_verified([good.raw])
        assert answer.status == "accepted" and calls == []
        # Executed in the next block without a verification either.
        outcome = node.produce_block()
        assert outcome is not None and calls == []
        # Outside submit_verified the node verifies: a forged copy of a new one is refused.
        other = _transfer(clock, amount=2)
        envelope = decode(other.raw, SignedTx)
        forged = encode(SignedTx(envelope.body, [bytes(64)]))
        (refused,) = node.submit([forged])
        assert refused.status == "rejected" and refused.result.code == TxCode.SIGNATURE_INVALID
        assert calls == [1]
    finally:
        node.verifier = real
        node.app.verifier = real
