"""Execution safety: the barrier that contains a module's unexpected exception in its
transaction, admission that runs every message's stateless checks, committed before
expiry, and replay protection kept in authenticated, pruned state."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from originledger.app import DEFAULT_MODULES, Application, Registry, describe_error
from originledger.core.amounts import Amount, checked, total
from originledger.core.codes import ResultCode, TxCode
from originledger.core.limits import AMOUNT_MAX, TX_TTL_MS_MAX
from originledger.core.module import EndBlockFailed, HaltNode, InvariantBroken, Module
from originledger.core.tx import SPENT_PREFIX
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.types import Transfer
from tests.conftest import ADMIN, ALICE, BOB, CHAIN_ID, Chain
from tests.core.faulty import HOOK_FLAG, Boom, Mint, faulty_registry


class _FlakyCode(ResultCode, codespace="flaky"):
    OK = 0, "ok"


def transfer(amount: int = 10) -> Transfer:
    return Transfer(ALICE.address, BOB.address, "USD", Amount(amount))


@pytest.fixture
def faulty_chain() -> Iterator[Chain]:
    chain = Chain(registry=faulty_registry())
    chain.issue_and_mint("USD", {ALICE: 1_000, BOB: 500})
    yield chain
    chain.store.close()


def spent_records(chain: Chain) -> dict[bytes, bytes]:
    return dict(chain.store.scan(SPENT_PREFIX))


# -- the barrier --------------------------------------------------------------------------


def test_regression_exception_in_handler_fails_only_its_transaction(faulty_chain: Chain) -> None:
    # Before the barrier, the ValueError escaped finalize_block: no block could be made.
    before = faulty_chain.module_state()
    raws = [
        faulty_chain.tx(transfer(10), ALICE),
        faulty_chain.tx(Boom(bytes(20), "value"), BOB),
        faulty_chain.tx(transfer(20), ALICE),
    ]
    outcome = faulty_chain.block(raws)
    codes = [(tx.result.codespace, tx.result.code) for tx in outcome.txs]
    assert codes == [("tx", 0), ("tx", TxCode.INTERNAL), ("tx", 0)]
    failed = outcome.txs[1]
    assert failed.result.message == f"{TxCode.INTERNAL.message}: ValueError"
    assert failed.events == []
    assert int(TxCode.INTERNAL) == 20
    # Nothing the failed transaction did was kept; the others applied.
    assert faulty_chain.store.get(b"faulty/written") is None
    assert faulty_chain.balance(ALICE, "USD") == 970
    after = faulty_chain.module_state()
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed and all(k.startswith((b"assets/bal/", b"accounts/")) for k in changed)
    assert not any(k.startswith(b"faulty/") for k in after)
    # It was valid and new: it spent its hash.
    assert failed.result.spends_hash
    again = faulty_chain.check(raws[1])
    assert again.result.code == TxCode.ALREADY_COMMITTED
    assert faulty_chain.block([raws[1]]).txs[0].result.code == TxCode.ALREADY_COMMITTED


def test_execute_internal_failure_identical_on_every_replay() -> None:
    roots = []
    for _ in range(2):
        chain = Chain(registry=faulty_registry())
        chain.issue_and_mint("USD", {ALICE: 1_000})
        outcome = chain.block([chain.tx(Boom(bytes(20), "object"), BOB)])
        roots.append((outcome.header.results_root, outcome.header.state_root))
        message = outcome.txs[0].result.message
        # The class name only: the text (here an object's repr) is not consensus data.
        assert message.endswith(": TypeError"), message
        assert "0x" not in message
        chain.store.close()
    assert roots[0] == roots[1]


def test_regression_amount_overflow_in_handler_is_a_result(faulty_chain: Chain) -> None:
    outcome = faulty_chain.run(Boom(bytes(20), "overflow"), BOB)
    assert (outcome.result.codespace, outcome.result.code) == ("tx", TxCode.INTERNAL)
    assert outcome.result.message.endswith(": ValueError")


def test_execute_internal_message_is_bounded() -> None:
    assert len(describe_error(ValueError("x" * 10_000))) == 200
    assert describe_error(KeyError(b"k")) == "KeyError: b'k'"
    assert describe_error(RuntimeError()) == "RuntimeError"


@pytest.mark.parametrize(("kind", "error"), [("halt", HaltNode), ("memory", MemoryError)])
def test_halt_and_machine_errors_pass_the_barrier(
    faulty_chain: Chain, kind: str, error: type[BaseException]
) -> None:
    height = faulty_chain.height
    with pytest.raises(error):
        faulty_chain.finalize([faulty_chain.tx(Boom(bytes(20), kind), BOB)])
    assert faulty_chain.height == height


def test_end_block_hook_failure_drops_its_writes_and_records_an_event(
    faulty_chain: Chain,
) -> None:
    outcome = faulty_chain.block([faulty_chain.tx(Boom(bytes(20), "hook"), BOB)])
    assert outcome.txs[0].result.ok
    failed = [e for e in outcome.block_events if isinstance(e, EndBlockFailed)]
    assert failed == [EndBlockFailed("faulty", "KeyError")]
    assert faulty_chain.store.get(HOOK_FLAG) == b"1"
    assert faulty_chain.store.get(b"faulty/hook_wrote") is None
    # The chain goes on; the other modules' hooks ran; the event is stored and decodes.
    nxt = faulty_chain.block([faulty_chain.tx(transfer(), ALICE)])
    assert nxt.txs[0].result.ok
    assert [e for e in nxt.block_events if isinstance(e, EndBlockFailed)] == failed
    events = faulty_chain.store.events_after(outcome.header.height, -1, 10)
    assert faulty_chain.app.registry.decode_event(events[-1].data) == failed[0]


def test_amount_helpers_never_raise() -> None:
    assert checked(AMOUNT_MAX) == AMOUNT_MAX
    assert checked(AMOUNT_MAX + 1) is None
    assert checked(-1) is None
    assert total([AMOUNT_MAX, 0]) == AMOUNT_MAX
    assert total([AMOUNT_MAX, 1]) is None
    assert total([5, -1]) is None
    assert total([]) == 0


# -- admission --------------------------------------------------------------------------


def test_regression_invalid_message_refused_at_admission(funded_chain: Chain) -> None:
    # Before: check_txs ran no message's validate(), so junk was accepted and committed.
    zero = funded_chain.tx(Transfer(ALICE.address, BOB.address, "USD", Amount(0)), ALICE)
    to_self = funded_chain.tx(Transfer(ALICE.address, ALICE.address, "USD", Amount(1)), ALICE)
    bad_symbol = funded_chain.tx(Transfer(ALICE.address, BOB.address, "usd\x00", Amount(1)), ALICE)
    good = funded_chain.tx(transfer(), ALICE)
    checks = funded_chain.app.check_txs(
        [zero, to_self, bad_symbol, good], funded_chain.next_time_ms
    )
    assert [c.ok for c in checks] == [False, False, False, True]
    for check in checks[:3]:
        assert check.result.codespace == AssetsCode.codespace, check.result
        assert check.result.message_index == 0
        assert check.tx is None
    # Execution validates again (a dishonest proposer's block).
    outcome = funded_chain.block([zero])
    assert outcome.txs[0].result.codespace == AssetsCode.codespace


def test_invalid_message_in_second_position_names_it(funded_chain: Chain) -> None:
    zero = Transfer(ALICE.address, BOB.address, "USD", Amount(0))
    check = funded_chain.check(funded_chain.tx([transfer(), zero], ALICE))
    assert not check.ok and check.result.message_index == 1


# -- committed before expiry ------------------------------------------------------------


def test_regression_resubmission_after_expiry_reports_committed(funded_chain: Chain) -> None:
    # Before: a committed transaction resubmitted after its expiry answered EXPIRED.
    raw = funded_chain.tx(transfer(), ALICE, expires_at_ms=funded_chain.next_time_ms + 5_000)
    first = funded_chain.block([raw]).txs[0]
    assert first.result.ok
    later = funded_chain.time_ms + 10_000
    check = funded_chain.app.check_tx(raw, later)
    assert check.result.code == TxCode.ALREADY_COMMITTED
    # Block execution answers from authenticated state only: past its expiry the copy is
    # EXPIRED (its record may be pruned), which spends nothing and changes no balance.
    outcome = funded_chain.block([raw], time_ms=later)
    assert outcome.txs[0].result.code == TxCode.EXPIRED
    assert funded_chain.balance(ALICE, "USD") == 990


# -- replay protection in state ---------------------------------------------------------


def test_spent_hashes_recorded_in_state_and_pruned_after_expiry(funded_chain: Chain) -> None:
    expiry = funded_chain.next_time_ms + 5_000
    earlier = spent_records(funded_chain)  # the fixture's issue and mint
    raws = [funded_chain.tx(transfer(), ALICE, expires_at_ms=expiry) for _ in range(3)]
    outcome = funded_chain.block(raws)
    records = {k: v for k, v in spent_records(funded_chain).items() if k not in earlier}
    assert len(records) == 1
    ((key, value),) = records.items()
    assert key == SPENT_PREFIX + expiry.to_bytes(8, "big") + outcome.header.height.to_bytes(
        8, "big"
    ) + bytes(2)
    assert len(value) == 96
    assert {value[i : i + 32] for i in range(0, 96, 32)} == {tx.hash for tx in outcome.txs}
    # Before its expiry, a copy is refused by the authenticated record.
    assert funded_chain.block(raws[:1], time_ms=expiry - 1).txs[0].result.code == (
        TxCode.ALREADY_COMMITTED
    )
    # At its expiry the record goes (the fixture's expire later): the window only.
    funded_chain.block([], time_ms=expiry)
    assert spent_records(funded_chain) == earlier
    funded_chain.block([], time_ms=expiry + TX_TTL_MS_MAX)
    assert spent_records(funded_chain) == {}
    # A copy now fails EXPIRED, spending nothing; admission still answers committed.
    late = funded_chain.time_ms + 1
    assert funded_chain.block(raws[:1], time_ms=late).txs[0].result.code == TxCode.EXPIRED
    assert funded_chain.app.check_tx(raws[0], late).result.code == TxCode.ALREADY_COMMITTED


def test_failed_undecodable_and_forged_copies_record_nothing(funded_chain: Chain) -> None:
    earlier = spent_records(funded_chain)
    raw = funded_chain.tx(transfer(), ALICE)
    outcome = funded_chain.block([b"garbage", funded_chain.tx(transfer(), BOB)])
    assert [tx.result.code for tx in outcome.txs] == [TxCode.MALFORMED, TxCode.SIGNER_MISSING]
    # SIGNER_MISSING passed the duplicate check: it spends; MALFORMED does not.
    added = [v for k, v in spent_records(funded_chain).items() if k not in earlier]
    assert added == [outcome.txs[1].hash]
    expired = funded_chain.block([raw], time_ms=funded_chain.time_ms + 10**8)
    assert expired.txs[0].result.code == TxCode.EXPIRED
    assert funded_chain.store.spent_tx_hashes([expired.txs[0].hash]) == set()


def test_spent_records_chunked(funded_chain: Chain) -> None:
    from originledger.core.tx import SPENT_CHUNK_HASHES
    from originledger.core.tx import spent_records as records_of

    entries = [(1_000 + i % 3, bytes([i % 256, i // 256]) * 16) for i in range(4_500)]
    records = records_of(7, entries)
    assert len(records) == 3
    assert sorted(len(v) // 32 for v in records.values()) == [500, SPENT_CHUNK_HASHES, 2_000]
    assert max(records) < SPENT_PREFIX + (1_003).to_bytes(8, "big")


# -- the execution cache ----------------------------------------------------------------


def test_regression_verify_ahead_beside_the_driver_keeps_the_cache_consistent(
    funded_chain: Chain,
) -> None:
    # Before: API threads evicted and added entries while the driver's thread iterated
    # and popped them ("dictionary changed size during iteration").
    app = Application(funded_chain.store, verified_cache_max=64)
    raws = [funded_chain.tx(transfer(), ALICE) for _ in range(400)]
    errors: list[BaseException] = []

    def ahead(part: list[bytes]) -> None:
        try:
            for start in range(0, len(part), 7):
                app.verify_ahead(part[start : start + 7])
        except BaseException as error:
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows
    try:
        for _ in range(5):
            threads = [threading.Thread(target=ahead, args=(raws[i::4],)) for i in range(4)]
            for thread in threads:
                thread.start()
            for start in range(0, len(raws), 13):
                app.check_txs(raws[start : start + 13], funded_chain.next_time_ms)
            for thread in threads:
                thread.join()
            app._verified.clear()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    app.verify_ahead(raws[:100])
    assert len(app._verified) <= 64


# -- live invariants --------------------------------------------------------------------


def test_block_invariants_hold_on_normal_blocks(funded_chain: Chain) -> None:
    outcome = funded_chain.block([funded_chain.tx(transfer(), ALICE)])
    assert outcome.txs[0].result.ok
    app = funded_chain.app
    assert app._block_breach(funded_chain.store, outcome.writes) is None


def test_live_invariant_halts_naming_block_transaction_and_invariant(faulty_chain: Chain) -> None:
    # A handler that credits units without supply: the node halts before committing.
    good = faulty_chain.tx(transfer(), ALICE)
    bad = faulty_chain.tx(Mint(BOB.address, "USD", 7), BOB)
    height = faulty_chain.height
    with pytest.raises(InvariantBroken) as broken:
        faulty_chain.finalize([good, bad])
    text = str(broken.value)
    bad_hash = faulty_chain.app.registry.tx_decoder.decode(bad, CHAIN_ID).hash  # type: ignore[union-attr]
    assert f"block {height + 1}" in text
    assert f"transaction 1 ({bad_hash.hex()})" in text
    assert "assets.supply_moves_with_balances: USD: balances changed by 7, supply by 0" in text
    assert isinstance(broken.value, HaltNode)
    assert faulty_chain.height == height  # nothing committed
    assert faulty_chain.balance(BOB, "USD") == 500


def test_live_invariant_breach_by_two_transactions_together_names_the_block() -> None:
    # An invariant that breaks for the block's writes but for no transaction's or hook's
    # alone: the halt names the block.
    calls: list[int] = []

    def flaky(before: object, writes: dict[bytes, bytes | None]) -> str | None:
        calls.append(len(writes))
        return "breached" if len(calls) == 1 else None

    module = Module(
        name="flaky",
        version=1,
        codes=_FlakyCode,
        handlers={},
        block_invariants={"only_for_the_block": flaky},  # type: ignore[dict-item]
    )
    chain = Chain(registry=Registry((*DEFAULT_MODULES, module)))
    try:
        with pytest.raises(InvariantBroken, match=r"flaky\.only_for_the_block: breached"):
            chain.finalize([chain.tx(Transfer(ADMIN.address, BOB.address, "X", Amount(1)), ADMIN)])
    finally:
        chain.store.close()
