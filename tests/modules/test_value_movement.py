"""Value movement is safe by construction (issue #11): clearing never halts the chain, a
move needs two distinct accounts, monitoring sees every movement whichever module makes
it, and whoever finally receives units passes the receiver-side holder checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from originledger.app import DEFAULT_MODULES, Registry
from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codec import encode
from originledger.core.codes import ResultCode
from originledger.core.context import BlockContext, BlockState, Movement, TxContext, TxState
from originledger.core.crypto import sha256
from originledger.core.limits import AMOUNT_MAX
from originledger.core.module import Module
from originledger.core.tx import Failure, Msg
from originledger.modules.accounts import AccountsCode
from originledger.modules.assets import (
    AssetsCode,
    balance_of,
    client_hold_id,
    load_asset,
    move_asset,
    post_hold,
)
from originledger.modules.assets.types import Hold, Mint, PlaceHold, PostHold, Transfer
from originledger.modules.clearing import (
    CLEARING_ACCOUNT,
    ClearingCode,
    load_cycle,
    load_report,
    net_positions,
)
from originledger.modules.clearing.keys import cycle_key, obligation_key
from originledger.modules.clearing.logic import close_cycle, submit_obligation
from originledger.modules.clearing.netting import asset_totals
from originledger.modules.clearing.types import (
    CloseCycle,
    CycleOpened,
    Obligation,
    OpenCycle,
    SubmitObligation,
)
from originledger.modules.compliance import ComplianceCode
from originledger.modules.compliance.types import DecideIssuance
from originledger.modules.payments import PAYMENTS_ACCOUNT, claim_digest
from originledger.modules.payments.types import (
    ClaimChannel,
    CreateEscrow,
    CreateRequest,
    Leg,
    OpenChannel,
    PayRequest,
    ReleaseEscrow,
    Swap,
)
from tests.conftest import (
    ALICE,
    BOB,
    CAROL,
    CHAIN_ID,
    ISSUER,
    Chain,
    assert_failed,
    close_chain,
    party,
)
from tests.modules.compliance_helpers import (
    REGULATOR,
    alerts,
    claim,
    compliance_genesis,
    issue,
    ok,
    trust_in_asset,
)
from tests.modules.payments_helpers import payments_chain

OPERATOR = party("clearing-house")
DEVICE = party("device")
HOUR_MS = 3_600_000
MAJOR = 100  # minor units per major unit (2 decimals)
LARGE = 50_000 * MAJOR  # CN-7: a transfer of 50,000 CNY or more of a CNY-pegged asset


def _id(label: str) -> bytes:
    return sha256(label.encode())


def pay_request(
    payer: Address, merchant: Address, request_id: bytes, symbol: str, amount: int
) -> Msg:
    """A ``payments/pay``; names the merchant when the message has that field (the
    payments work of issue #11 binds a payment to its merchant)."""
    fields: dict[str, object] = {
        "payer": payer,
        "request_id": request_id,
        "symbol": symbol,
        "amount": Amount(amount),
    }
    if "merchant" in PayRequest.__struct_fields__:
        fields["merchant"] = merchant
    return PayRequest(**fields)  # type: ignore[arg-type]


@pytest.fixture
def chain() -> Iterator[Chain]:
    yield from payments_chain()


# Chain halt through clearing ---------------------------------------------------------------


def _open_cycle(chain: Chain, participants: list[Address], rule: str = "exclude") -> int:
    message = OpenCycle(OPERATOR.address, "day", chain.next_time_ms + HOUR_MS, participants, rule)
    outcome = ok(chain.run(message, OPERATOR))
    return next(e.cycle_id for e in outcome.events if isinstance(e, CycleOpened))


def test_regression_clearing_netting_overflow_does_not_halt(chain: Chain) -> None:
    """Obligations of 2**128 - 1 each once summed past the amount range in ``Amount``,
    which raised out of ``finalize_block``. A submission now keeps each asset's gross in
    range, and the close settles what was accepted."""
    cycle_id = _open_cycle(chain, [ALICE.address, BOB.address, CAROL.address])
    top = Amount(AMOUNT_MAX)
    ok(chain.run(SubmitObligation(ALICE.address, cycle_id, BOB.address, "USD", top), ALICE))
    outcome = chain.run(
        SubmitObligation(CAROL.address, cycle_id, BOB.address, "USD", Amount(1)), CAROL
    )
    assert_failed(outcome, ClearingCode.AMOUNT_OVERFLOW)
    outcome = chain.run(SubmitObligation(BOB.address, cycle_id, ALICE.address, "USD", top), BOB)
    assert_failed(outcome, ClearingCode.AMOUNT_OVERFLOW)
    ok(chain.run(SubmitObligation(BOB.address, cycle_id, ALICE.address, "EUR", top), BOB))
    before = {p.name: chain.balance(p, "USD") for p in (ALICE, BOB, CAROL)}
    closed = chain.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)  # raised before
    ok(closed)
    report = load_report(chain.store, cycle_id)
    assert report is not None and report.status == "settled"
    # BOB cannot fund 2**128 - 1 EUR: excluded, with ALICE's obligation to him.
    assert [e.account for e in report.excluded] == [BOB.address]
    assert {p.name: chain.balance(p, "USD") for p in (ALICE, BOB, CAROL)} == before


def test_regression_clearing_netting_of_unbounded_obligations_answers_none() -> None:
    """The netting is pure integers: out-of-range sums are answered, never raised."""
    top = Amount(AMOUNT_MAX)
    a, b, c = (Address(bytes([n]) * 20) for n in (1, 2, 3))
    obligations = [Obligation(a, b, "USD", top), Obligation(c, b, "USD", top)]
    assert net_positions(obligations) is None
    positions = net_positions(obligations[:1])
    assert positions is not None
    assert asset_totals(obligations, positions, ["USD"]) is None
    totals = asset_totals(obligations[:1], positions, ["USD"])
    assert totals is not None and totals[0].gross == AMOUNT_MAX


def test_regression_clearing_close_of_an_overflowing_cycle_answers_a_code(chain: Chain) -> None:
    """A cycle of older state (no running gross) whose obligations sum past the range:
    the close answers AMOUNT_OVERFLOW and writes nothing; it never raises."""
    cycle_id = _open_cycle(chain, [ALICE.address, BOB.address, CAROL.address])
    block = BlockState(chain.store)
    state = TxState(block)
    cycle = load_cycle(state, cycle_id)
    assert cycle is not None
    top = Amount(AMOUNT_MAX)
    for index, payer in enumerate((ALICE, CAROL)):
        obligation = Obligation(payer.address, BOB.address, "USD", top)
        state.set(obligation_key(cycle_id, index), encode(obligation))
    legacy = msgspec.structs.replace(cycle, obligations=2, assets=["USD"], gross=[])
    state.set(cycle_key(cycle_id), encode(legacy))
    state.commit()
    ctx = TxContext(
        BlockContext(CHAIN_ID, 99, chain.next_time_ms, b""), bytes(32), (), TxState(block)
    )
    failure = close_cycle(ctx, CloseCycle(OPERATOR.address, cycle_id))
    assert failure is not None and failure.code == ClearingCode.AMOUNT_OVERFLOW
    assert ctx.state.writes == {} and ctx.events == []
    submit = SubmitObligation(ALICE.address, cycle_id, BOB.address, "USD", Amount(1))
    failure = submit_obligation(ctx, submit)  # the recomputed gross is full
    assert failure is not None and failure.code == ClearingCode.AMOUNT_OVERFLOW


def test_regression_clearing_unfunded_net_position_defaults_cleanly(chain: Chain) -> None:
    """A net payer that cannot fund its position is a default under either rule: the
    close succeeds, nothing moves for it, and the clearing account ends empty."""
    for rule in ("exclude", "reject"):
        cid = _open_cycle(chain, [ALICE.address, BOB.address, CAROL.address], rule)
        ok(
            chain.run(
                SubmitObligation(CAROL.address, cid, BOB.address, "USD", Amount(10**6)), CAROL
            )
        )
        ok(chain.run(SubmitObligation(ALICE.address, cid, BOB.address, "USD", Amount(5)), ALICE))
        before = {p.name: chain.balance(p, "USD") for p in (ALICE, BOB, CAROL)}
        ok(chain.run(CloseCycle(OPERATOR.address, cid), OPERATOR))
        report = load_report(chain.store, cid)
        assert report is not None
        assert report.excluded[0].account == CAROL.address
        assert report.excluded[0].reason.startswith("assets/15")  # insufficient balance
        after = {p.name: chain.balance(p, "USD") for p in (ALICE, BOB, CAROL)}
        if rule == "exclude":
            assert report.status == "settled"
            assert after == {**before, "alice": before["alice"] - 5, "bob": before["bob"] + 5}
        else:
            assert report.status == "failed" and after == before
        assert chain.balance(CLEARING_ACCOUNT, "USD") == 0


# Units created by a move from an account to itself ----------------------------------------


def test_regression_self_move_creates_no_units(chain: Chain) -> None:
    """``move_asset`` from an account to itself wrote the debited line, then the credited
    one over it: units appeared. It now refuses, writes nothing and records nothing."""
    state = TxState(BlockState(chain.store))
    asset = load_asset(state, "USD")
    assert asset is not None
    failure = move_asset(state, asset, ALICE.address, ALICE.address, Amount(400))
    assert failure is not None and failure.code == AssetsCode.SELF_TRANSFER
    assert state.writes == {} and state.movements == []
    assert balance_of(state, ALICE.address, "USD") == 10_000
    # A hold to oneself is refused when placed, and one of older state cannot be posted.
    outcome = chain.run(
        PlaceHold(ALICE.address, ALICE.address, "USD", Amount(5), chain.next_time_ms + 5_000),
        ALICE,
    )
    assert_failed(outcome, AssetsCode.SELF_TRANSFER)
    hold = Hold(ALICE.address, ALICE.address, "USD", Amount(5), chain.next_time_ms + 5_000, 1)
    posted = post_hold(state, _id("hold"), hold, Amount(5), time_ms=chain.next_time_ms)
    assert not isinstance(posted, Movement) and getattr(posted, "code", None) == (
        AssetsCode.SELF_TRANSFER
    )
    assert state.writes == {}


def test_regression_escrow_to_payments_module_account(chain: Chain) -> None:
    """An escrow whose payee is the payments module account released from that account to
    itself, creating units. The module account is no counterparty: refused up front."""
    message = CreateEscrow(
        ALICE.address,
        PAYMENTS_ACCOUNT,
        "USD",
        Amount(2_500),
        release_after_ms=chain.next_time_ms + 1,
        escrow_id=_id("escrow"),
    )
    supply = chain.supply("USD")
    outcome = chain.run(message, ALICE)
    assert_failed(outcome, AccountsCode.MODULE_ACCOUNT)
    assert str(PAYMENTS_ACCOUNT) in outcome.result.message
    ok_release = chain.run(ReleaseEscrow(ALICE.address, _id("escrow")), ALICE)
    assert not ok_release.result.ok
    assert chain.supply("USD") == supply
    assert chain.balance(PAYMENTS_ACCOUNT, "USD") == 0
    assert chain.balance(ALICE, "USD") == 10_000


def test_regression_clearing_cycle_with_module_account(chain: Chain) -> None:
    """A cycle listing the clearing account as a participant paid it from itself. Module
    accounts cannot be participants, payers or payees."""
    participants = [ALICE.address, CLEARING_ACCOUNT]
    message = OpenCycle(OPERATOR.address, "day", chain.next_time_ms + HOUR_MS, participants)
    outcome = chain.run(message, OPERATOR)
    assert_failed(outcome, AccountsCode.MODULE_ACCOUNT)
    assert outcome.result.message.endswith("(clearing)")
    cycle_id = _open_cycle(chain, [ALICE.address, BOB.address])
    submit = SubmitObligation(ALICE.address, cycle_id, CLEARING_ACCOUNT, "USD", Amount(1_000))
    assert_failed(chain.run(submit, ALICE), AccountsCode.MODULE_ACCOUNT)
    for bad in (PAYMENTS_ACCOUNT, CLEARING_ACCOUNT):
        transfer = Transfer(ALICE.address, bad, "USD", Amount(1))
        assert_failed(chain.run(transfer, ALICE), AccountsCode.MODULE_ACCOUNT)
    assert chain.balance(CLEARING_ACCOUNT, "USD") == 0


# Monitoring sees every movement -----------------------------------------------------------


@pytest.fixture
def cny() -> Iterator[Chain]:
    """CNYX (payment, CNY-pegged, approved by CN): ALICE holds 1,000,000 CNY, BOB 100."""
    from originledger.modules.assets.types import AttestReserves

    fresh = Chain(compliance_genesis())
    ok(fresh.run(DecideIssuance(REGULATOR.address, "CN", "CNYX", ISSUER.address, True), REGULATOR))
    ok(fresh.run(issue("CNYX", "payment", peg="CNY"), ISSUER))
    ok(
        fresh.run(
            AttestReserves(ISSUER.address, "CNYX", Amount(10**10), fresh.next_time_ms), ISSUER
        )
    )
    ok(fresh.run(Mint(ISSUER.address, "CNYX", ALICE.address, Amount(1_000_000 * MAJOR)), ISSUER))
    ok(fresh.run(Mint(ISSUER.address, "CNYX", BOB.address, Amount(100 * MAJOR)), ISSUER))
    yield fresh
    close_chain(fresh)


def _large(outcome: Any) -> list[tuple[Address, Address, int]]:
    ok(outcome)
    return [(a.account, a.counterparty, a.amount) for a in alerts(outcome) if a.rule_id == "CN-7"]


def test_regression_monitoring_applies_to_transfer(cny: Chain) -> None:
    outcome = cny.run(Transfer(ALICE.address, BOB.address, "CNYX", Amount(LARGE)), ALICE)
    assert _large(outcome) == [(ALICE.address, BOB.address, LARGE)]
    assert outcome.events[-1] == alerts(outcome)[-1]  # after the movements, before commit


def test_regression_monitoring_applies_to_swap(cny: Chain) -> None:
    legs = [
        Leg(ALICE.address, BOB.address, "CNYX", Amount(LARGE)),
        Leg(BOB.address, ALICE.address, "CNYX", Amount(1)),
    ]
    outcome = cny.run(Swap(legs), [ALICE, BOB])
    assert _large(outcome) == [(ALICE.address, BOB.address, LARGE)]


def test_regression_monitoring_applies_to_pay(cny: Chain) -> None:
    request = CreateRequest(
        BOB.address, "CNYX", Amount(LARGE), cny.next_time_ms + HOUR_MS, request_id=_id("r")
    )
    ok(cny.run(request, BOB))
    outcome = cny.run(pay_request(ALICE.address, BOB.address, _id("r"), "CNYX", LARGE), ALICE)
    assert _large(outcome) == [(ALICE.address, BOB.address, LARGE)]


def test_regression_monitoring_applies_to_escrow_release(cny: Chain) -> None:
    escrow = CreateEscrow(
        ALICE.address,
        CAROL.address,
        "CNYX",
        Amount(LARGE),
        release_after_ms=cny.next_time_ms + 1,
        escrow_id=_id("e"),
    )
    # The deposit is a movement into the module account: watched as one.
    assert _large(cny.run(escrow, ALICE)) == [(ALICE.address, PAYMENTS_ACCOUNT, LARGE)]
    outcome = cny.run(ReleaseEscrow(CAROL.address, _id("e")), CAROL)
    assert _large(outcome) == [(PAYMENTS_ACCOUNT, CAROL.address, LARGE)]


def test_regression_monitoring_applies_to_channel_claim(cny: Chain) -> None:
    channel = OpenChannel(
        ALICE.address,
        BOB.address,
        "CNYX",
        Amount(2 * LARGE),
        DEVICE.key.public_key,
        5_000,
        _id("c"),
    )
    ok(cny.run(channel, ALICE))
    signature = DEVICE.key.sign(claim_digest(CHAIN_ID, _id("c"), LARGE))
    outcome = cny.run(ClaimChannel(BOB.address, _id("c"), Amount(LARGE), signature), BOB)
    assert _large(outcome) == [(PAYMENTS_ACCOUNT, BOB.address, LARGE)]


def test_regression_monitoring_applies_to_hold_post(cny: Chain) -> None:
    hold = PlaceHold(
        ALICE.address, BOB.address, "CNYX", Amount(LARGE), cny.next_time_ms + HOUR_MS, _id("h")
    )
    assert _large(cny.run(hold, ALICE)) == []  # a hold moves nothing yet
    stored = client_hold_id(ALICE.address, _id("h"))
    outcome = cny.run(PostHold(BOB.address, stored, Amount(LARGE)), BOB)
    assert _large(outcome) == [(ALICE.address, BOB.address, LARGE)]


def test_regression_monitoring_applies_to_clearing_settlement(cny: Chain) -> None:
    cycle_id = _open_cycle(cny, [ALICE.address, BOB.address])
    obligation = SubmitObligation(ALICE.address, cycle_id, BOB.address, "CNYX", Amount(LARGE))
    ok(cny.run(obligation, ALICE))
    outcome = cny.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)
    assert _large(outcome) == [
        (ALICE.address, CLEARING_ACCOUNT, LARGE),
        (CLEARING_ACCOUNT, BOB.address, LARGE),
    ]


def test_monitoring_of_a_failed_attempt_or_transaction_raises_nothing(cny: Chain) -> None:
    """Movements share the fate of their writes: a clearing attempt that defaulted, or a
    transaction that failed after a movement, leaves no alert and no monitoring state."""
    cycle_id = _open_cycle(cny, [ALICE.address, BOB.address, CAROL.address])
    ok(
        cny.run(
            SubmitObligation(ALICE.address, cycle_id, BOB.address, "CNYX", Amount(LARGE)), ALICE
        )
    )
    ok(
        cny.run(
            SubmitObligation(CAROL.address, cycle_id, BOB.address, "CNYX", Amount(LARGE)), CAROL
        )
    )
    outcome = cny.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)
    # The first attempt moved ALICE's pay-in, then CAROL defaulted: only the retry counts.
    assert bytes(ALICE.address) < bytes(CAROL.address)  # pay-ins go in account order
    assert _large(outcome) == [
        (ALICE.address, CLEARING_ACCOUNT, LARGE),
        (CLEARING_ACCOUNT, BOB.address, LARGE),
    ]
    failing = [
        Transfer(ALICE.address, BOB.address, "CNYX", Amount(LARGE)),
        Transfer(ALICE.address, BOB.address, "CNYX", Amount(10**12)),  # more than she has
    ]
    outcome = cny.run(failing, ALICE)
    assert not outcome.result.ok and alerts(outcome) == []


def test_monitoring_never_watches_a_module_account_as_a_party(cny: Chain) -> None:
    """Units pass through module accounts for many users: CN-9 (rapid in and out) marks
    the user who received, not the escrow account that paid out."""
    escrow = CreateEscrow(
        ALICE.address,
        CAROL.address,
        "CNYX",
        Amount(LARGE),
        release_after_ms=cny.next_time_ms + 1,
        escrow_id=_id("e"),
    )
    ok(cny.run(escrow, ALICE))
    ok(cny.run(ReleaseEscrow(CAROL.address, _id("e")), CAROL))
    onward = cny.run(Transfer(CAROL.address, BOB.address, "CNYX", Amount(LARGE)), CAROL)
    rapid = [(a.rule_id, a.account) for a in alerts(onward) if a.rule_id == "CN-9"]
    assert rapid == [("CN-9", CAROL.address)]
    keys = [key for key, _ in cny.store.scan(b"compliance/monitor/")]
    assert not any(bytes(PAYMENTS_ACCOUNT) in key for key in keys)


# Receiver-side compliance on payments messages --------------------------------------------


@pytest.fixture
def kyc() -> Iterator[Chain]:
    """PTS (utility, home SG) requires a kyc_level claim: ALICE is verified and holds
    10,000; CAROL is not verified. GEM (utility, no rules): CAROL holds 1,000."""
    fresh = Chain(compliance_genesis())
    ok(
        fresh.run(
            [
                issue("PTS", "utility", jurisdiction="SG", required_claims=["kyc_level"]),
                issue("GEM", "utility"),
                Mint(ISSUER.address, "GEM", CAROL.address, Amount(1_000)),
            ],
            ISSUER,
        )
    )
    trust_in_asset(fresh, "PTS", "kyc_level")
    claim(fresh, ALICE, "kyc_level", 2)
    ok(fresh.run(Mint(ISSUER.address, "PTS", ALICE.address, Amount(10_000)), ISSUER))
    yield fresh
    close_chain(fresh)


def _refused(outcome: Any) -> None:
    assert_failed(outcome, ComplianceCode.RECEIVER_NOT_VERIFIED)


def test_receiver_compliance_pay(kyc: Chain) -> None:
    request = CreateRequest(
        CAROL.address, "PTS", Amount(100), kyc.next_time_ms + HOUR_MS, request_id=_id("r")
    )
    ok(kyc.run(request, CAROL))
    _refused(kyc.run(pay_request(ALICE.address, CAROL.address, _id("r"), "PTS", 100), ALICE))
    assert kyc.balance(CAROL, "PTS") == 0


def test_receiver_compliance_release(kyc: Chain) -> None:
    escrow = CreateEscrow(
        ALICE.address,
        CAROL.address,
        "PTS",
        Amount(100),
        release_after_ms=kyc.next_time_ms + 1,
        escrow_id=_id("e"),
    )
    ok(kyc.run(escrow, ALICE))
    _refused(kyc.run(ReleaseEscrow(CAROL.address, _id("e")), CAROL))
    assert kyc.balance(CAROL, "PTS") == 0


def test_receiver_compliance_claim(kyc: Chain) -> None:
    channel = OpenChannel(
        ALICE.address, CAROL.address, "PTS", Amount(500), DEVICE.key.public_key, 5_000, _id("c")
    )
    ok(kyc.run(channel, ALICE))
    signature = DEVICE.key.sign(claim_digest(CHAIN_ID, _id("c"), 100))
    _refused(kyc.run(ClaimChannel(CAROL.address, _id("c"), Amount(100), signature), CAROL))
    assert kyc.balance(CAROL, "PTS") == 0


def test_receiver_compliance_swap(kyc: Chain) -> None:
    legs = [
        Leg(CAROL.address, ALICE.address, "GEM", Amount(10)),
        Leg(ALICE.address, CAROL.address, "PTS", Amount(100)),
    ]
    outcome = kyc.run(Swap(legs), [ALICE, CAROL])
    _refused(outcome)
    assert kyc.balance(CAROL, "PTS") == 0 and kyc.balance(CAROL, "GEM") == 1_000


def test_regression_clearing_full_cycle_with_monitored_movements_still_closes() -> None:
    """Monitoring the settlement adds alerts to a close that already emits 161 events: a
    full cycle (32 participants, 4 CNY assets, every net payer a rapid pass-through) must
    still close, with its alerts."""
    from originledger.modules.assets.types import AttestReserves

    chain = Chain(compliance_genesis())
    payers = [party(f"bank-{n}") for n in range(31)]
    symbols = ["CNYA", "CNYB", "CNYC", "CNYD"]
    setup: list[Any] = []
    for symbol in symbols:
        setup.append(DecideIssuance(REGULATOR.address, "CN", symbol, ISSUER.address, True))
    ok(chain.run(setup, REGULATOR))
    for symbol in symbols:
        ok(chain.run(issue(symbol, "payment", peg="CNY"), ISSUER))
        ok(
            chain.run(
                [
                    AttestReserves(ISSUER.address, symbol, Amount(10**12), chain.next_time_ms),
                    Mint(ISSUER.address, symbol, ALICE.address, Amount(100 * LARGE)),
                ],
                ISSUER,
            )
        )
        # Each payer receives a large amount: a rapid in-and-out mark.
        for start in range(0, len(payers), 16):
            funding = [
                Transfer(ALICE.address, payer.address, symbol, Amount(LARGE))
                for payer in payers[start : start + 16]
            ]
            ok(chain.run(funding, ALICE))
    cycle_id = _open_cycle(chain, [ALICE.address, *(payer.address for payer in payers)])
    raws = [
        chain.tx(
            [
                SubmitObligation(payer.address, cycle_id, ALICE.address, symbol, Amount(LARGE))
                for symbol in symbols
            ],
            payer,
        )
        for payer in payers
    ]
    assert all(tx.result.ok for tx in chain.block(raws).txs)
    outcome = chain.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)
    ok(outcome)
    raised = alerts(outcome)
    assert len([a for a in raised if a.rule_id == "CN-9"]) == 4 * 31  # each pay-in
    assert len(outcome.events) - len(raised) == 4 * 32 + 1  # transfers and the report
    assert len(raised) <= 256
    report = load_report(chain.store, cycle_id)
    assert report is not None and report.status == "settled" and report.excluded == []
    close_chain(chain)


class CapCode(ResultCode, codespace="cap"):
    OK = 0, "ok"
    TOO_LARGE = 1, "a movement above the cap"


def _cap_watch(ctx: TxContext, movements: Any, module_accounts: Any) -> Failure | None:
    for movement in movements:
        if movement.amount > 1_000:
            return Failure(CapCode.TOO_LARGE, f"{movement.symbol} {movement.amount}")
    return None


def test_a_movement_watch_may_refuse_the_transaction() -> None:
    """A module watching movements sees those of every module and may refuse: the whole
    transaction fails and nothing it did is kept."""
    cap = Module(name="cap", version=1, codes=CapCode, handlers={}, watch_movements=_cap_watch)
    chain = Chain(registry=Registry([*DEFAULT_MODULES, cap]))
    chain.issue_and_mint("USD", {ALICE: 10_000})
    ok(chain.run(Transfer(ALICE.address, BOB.address, "USD", Amount(1_000)), ALICE))
    legs = [
        Leg(ALICE.address, BOB.address, "USD", Amount(1_001)),
        Leg(BOB.address, ALICE.address, "USD", Amount(1)),
    ]
    outcome = chain.run(Swap(legs), [ALICE, BOB])
    assert (outcome.result.codespace, outcome.result.code) == ("cap", CapCode.TOO_LARGE)
    assert outcome.events == []
    assert (chain.balance(ALICE, "USD"), chain.balance(BOB, "USD")) == (9_000, 1_000)
    close_chain(chain)
