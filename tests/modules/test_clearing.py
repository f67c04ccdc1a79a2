"""clearing: cycles, obligations, multilateral netting, atomic settlement, the default
rules and the report; property tests of netting (issue #4)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.modules.assets import AssetsCode
from originledger.modules.assets.types import Freeze
from originledger.modules.clearing import (
    CLEARING_ACCOUNT,
    ClearingCode,
    load_cycle,
    load_report,
    net_positions,
    saved_bps,
)
from originledger.modules.clearing.types import (
    CloseCycle,
    Obligation,
    OpenCycle,
    SubmitObligation,
)
from tests.conftest import ALICE, BOB, CAROL, ISSUER, Chain, assert_failed, party
from tests.modules.payments_helpers import event_of, events_of, payments_chain

OPERATOR = party("clearing-house")
BANKS = (ALICE, BOB, CAROL)


@pytest.fixture
def chain() -> Iterator[Chain]:
    yield from payments_chain()


def _open(chain: Chain, rule: str = "exclude", lifetime_ms: int = 60_000) -> int:
    message = OpenCycle(
        OPERATOR.address,
        "day 2026-11-23",
        chain.next_time_ms + lifetime_ms,
        [bank.address for bank in BANKS],
        rule,
    )
    outcome = chain.run(message, OPERATOR)
    assert outcome.result.ok, outcome.result
    return int(event_of(outcome, "CycleOpened").cycle_id)  # type: ignore[attr-defined]


def _submit(chain: Chain, cycle_id: int, payer, payee, amount: int, symbol: str = "USD"):  # type: ignore[no-untyped-def]
    message = SubmitObligation(payer.address, cycle_id, payee.address, symbol, Amount(amount))
    return chain.run(message, payer)


def test_close_cycle_settles_net_positions_atomically(chain: Chain) -> None:
    cycle_id = _open(chain)
    # A day's gross obligations: 1,000 + 800 + 900 + 300 = 3,000.
    for payer, payee, amount in (
        (ALICE, BOB, 1_000),
        (BOB, CAROL, 800),
        (CAROL, ALICE, 900),
        (BOB, ALICE, 300),
    ):
        assert _submit(chain, cycle_id, payer, payee, amount).result.ok
    before = {bank.name: chain.balance(bank, "USD") for bank in BANKS}
    outcome = chain.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)
    assert outcome.result.ok
    # Nets: alice -1000+900+300 = +200, bob +1000-800-300 = -100, carol +800-900 = -100.
    after = {bank.name: chain.balance(bank, "USD") for bank in BANKS}
    assert {name: after[name] - before[name] for name in after} == {
        "alice": 200,
        "bob": -100,
        "carol": -100,
    }
    report = load_report(chain.store, cycle_id)
    assert report is not None and report.status == "settled"
    (totals,) = report.totals
    assert (totals.gross, totals.net, totals.saved_bps) == (3_000, 200, 9_333)
    assert chain.balance(CLEARING_ACCOUNT, "USD") == 0
    closed = event_of(outcome, "CycleClosed")
    assert closed.status == "settled"  # type: ignore[attr-defined]
    assert_failed(
        chain.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR), ClearingCode.CYCLE_CLOSED
    )


def test_close_cycle_excludes_a_defaulter_and_recomputes(chain: Chain) -> None:
    cycle_id = _open(chain)
    dave = party("dave-bank")
    # CAROL owes 5,000 but holds 2,000: she defaults; the others settle among themselves.
    _submit(chain, cycle_id, CAROL, ALICE, 5_000)
    _submit(chain, cycle_id, ALICE, BOB, 700)
    _submit(chain, cycle_id, BOB, ALICE, 200)
    outcome = chain.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)
    assert outcome.result.ok
    excluded = event_of(outcome, "ParticipantExcluded")
    assert excluded.account == CAROL.address and excluded.obligations == 1  # type: ignore[attr-defined]
    assert excluded.reason.startswith("assets/15")  # type: ignore[attr-defined]
    report = load_report(chain.store, cycle_id)
    assert report is not None and [e.account for e in report.excluded] == [CAROL.address]
    assert (report.totals[0].gross, report.totals[0].net) == (900, 500)
    assert chain.balance(CAROL, "USD") == 2_000 and chain.balance(BOB, "USD") == 1_500
    assert dave.address not in (e.account for e in report.excluded)


def test_close_cycle_reject_rule_fails_the_cycle_and_moves_nothing(chain: Chain) -> None:
    cycle_id = _open(chain, rule="reject")
    _submit(chain, cycle_id, CAROL, ALICE, 5_000)
    _submit(chain, cycle_id, ALICE, BOB, 700)
    before = [chain.balance(bank, "USD") for bank in BANKS]
    outcome = chain.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)
    assert outcome.result.ok
    assert event_of(outcome, "CycleClosed").status == "failed"  # type: ignore[attr-defined]
    assert events_of(outcome, "Transferred") == []
    assert [chain.balance(bank, "USD") for bank in BANKS] == before
    cycle = load_cycle(chain.store, cycle_id)
    assert cycle is not None and cycle.status == "failed"


def test_close_cycle_excludes_a_receiver_that_cannot_receive(chain: Chain) -> None:
    cycle_id = _open(chain)
    _submit(chain, cycle_id, ALICE, BOB, 400)
    _submit(chain, cycle_id, ALICE, CAROL, 100)
    frozen = Freeze(ISSUER.address, "USD", BOB.address, True, True)
    assert chain.run(frozen, ISSUER).result.ok
    outcome = chain.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)
    assert event_of(outcome, "ParticipantExcluded").account == BOB.address  # type: ignore[attr-defined]
    assert chain.balance(CAROL, "USD") == 2_100 and chain.balance(ALICE, "USD") == 9_900


def test_close_cycle_nets_each_asset_apart(chain: Chain) -> None:
    cycle_id = _open(chain)
    _submit(chain, cycle_id, ALICE, BOB, 500, "USD")
    _submit(chain, cycle_id, BOB, ALICE, 300, "EUR")
    chain.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)
    report = load_report(chain.store, cycle_id)
    assert report is not None and [t.symbol for t in report.totals] == ["USD", "EUR"]
    assert chain.balance(BOB, "USD") == 1_500 and chain.balance(ALICE, "EUR") == 5_300


def test_invalid_close_before_the_closing_time_by_another(chain: Chain) -> None:
    cycle_id = _open(chain)
    outcome = chain.run(CloseCycle(ALICE.address, cycle_id), ALICE)
    assert_failed(outcome, ClearingCode.CLOSE_TOO_EARLY)


def test_close_after_the_closing_time_by_anyone(chain: Chain) -> None:
    cycle_id = _open(chain, lifetime_ms=1_000)
    assert chain.run(CloseCycle(ALICE.address, cycle_id), ALICE).result.ok


def test_invalid_submit_after_the_closing_time(chain: Chain) -> None:
    cycle_id = _open(chain, lifetime_ms=1_000)
    assert_failed(_submit(chain, cycle_id, ALICE, BOB, 1), ClearingCode.CYCLE_ENDED)


def test_invalid_submit(chain: Chain) -> None:
    cycle_id = _open(chain)
    outsider = party("outsider")
    assert_failed(_submit(chain, cycle_id, ALICE, outsider, 1), ClearingCode.NOT_PARTICIPANT)
    assert_failed(_submit(chain, cycle_id + 5, ALICE, BOB, 1), ClearingCode.CYCLE_NOT_FOUND)
    assert_failed(_submit(chain, cycle_id, ALICE, BOB, 1, "NOPE"), AssetsCode.ASSET_NOT_FOUND)
    assert_failed(_submit(chain, cycle_id, ALICE, BOB, 0), ClearingCode.AMOUNT_ZERO)
    assert_failed(_submit(chain, cycle_id, ALICE, ALICE, 1), ClearingCode.SELF_OBLIGATION)


@pytest.mark.parametrize(
    ("name", "participants", "rule", "code"),
    [
        ("", 3, "exclude", ClearingCode.INVALID_NAME),
        ("day", 1, "exclude", ClearingCode.INVALID_PARTICIPANTS),
        ("day", 3, "maybe", ClearingCode.INVALID_RULE),
    ],
)
def test_invalid_open_cycle(
    chain: Chain, name: str, participants: int, rule: str, code: ClearingCode
) -> None:
    addresses = [bank.address for bank in BANKS][:participants]
    message = OpenCycle(OPERATOR.address, name, chain.next_time_ms + 1_000, addresses, rule)
    assert_failed(chain.run(message, OPERATOR), code)


def test_invalid_open_cycle_time(chain: Chain) -> None:
    message = OpenCycle(OPERATOR.address, "day", 1, [ALICE.address, BOB.address])
    assert_failed(chain.run(message, OPERATOR), ClearingCode.TIME_INVALID)


def test_saved_bps_rounds_down_in_integers() -> None:
    assert (saved_bps(3, 1), saved_bps(0, 0), saved_bps(100, 100)) == (6_666, 0, 0)


# Properties ---------------------------------------------------------------------------------

ACCOUNTS = [Address(bytes([n]) * 20) for n in range(1, 6)]
obligation_lists = st.lists(
    st.builds(
        Obligation,
        payer=st.sampled_from(ACCOUNTS),
        payee=st.sampled_from(ACCOUNTS),
        symbol=st.sampled_from(["USD", "EUR"]),
        amount=st.integers(1, 10**6).map(Amount),
    ).filter(lambda o: o.payer != o.payee),
    max_size=40,
)


@given(obligation_lists)
def test_net_positions_sum_to_zero_per_asset(obligations: list[Obligation]) -> None:
    positions = net_positions(obligations)
    for symbol in ("USD", "EUR"):
        mine = [p for p in positions if p.symbol == symbol]
        assert sum(p.pays for p in mine) == sum(p.receives for p in mine)
        gross = sum(o.amount for o in obligations if o.symbol == symbol)
        assert sum(p.pays for p in mine) <= gross
    assert all(not (p.pays and p.receives) and (p.pays or p.receives) for p in positions)


@given(obligation_lists)
def test_net_settlement_equals_gross_settlement_per_account(obligations: list[Obligation]) -> None:
    gross: dict[tuple[Address, str], int] = {}
    for o in obligations:
        gross[(o.payer, o.symbol)] = gross.get((o.payer, o.symbol), 0) - o.amount
        gross[(o.payee, o.symbol)] = gross.get((o.payee, o.symbol), 0) + o.amount
    net = {(p.account, p.symbol): p.receives - p.pays for p in net_positions(obligations)}
    assert {k: v for k, v in gross.items() if v} == net


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(range(3)), st.sampled_from(range(3)), st.integers(1, 3_000)
        ).filter(lambda t: t[0] != t[1]),
        min_size=1,
        max_size=12,
    )
)
def test_cycle_on_the_ledger_ends_where_gross_settlement_would(
    obligations: list[tuple[int, int, int]],
) -> None:
    """Each bank's balance after the netted cycle is what paying every obligation that
    settled (those of non-excluded banks) one by one would leave it; the invariants hold
    after every block."""
    for chain in payments_chain():
        cycle_id = _open(chain)
        opening = {bank.address: chain.balance(bank, "USD") for bank in BANKS}
        for payer, payee, amount in obligations:
            assert _submit(chain, cycle_id, BANKS[payer], BANKS[payee], amount).result.ok
        outcome = chain.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)
        report = load_report(chain.store, cycle_id)
        assert outcome.result.ok and report is not None
        excluded = {exclusion.account for exclusion in report.excluded}
        expected = dict(opening)
        for payer, payee, amount in obligations:
            if BANKS[payer].address in excluded or BANKS[payee].address in excluded:
                continue
            expected[BANKS[payer].address] -= amount
            expected[BANKS[payee].address] += amount
        assert {bank.address: chain.balance(bank, "USD") for bank in BANKS} == expected
        assert all(amount >= 0 for amount in expected.values())


def test_close_cycle_of_the_largest_size_fits_in_one_transaction() -> None:
    """32 participants in 4 assets: 128 positions settle in one transaction (its events
    stay within the kernel's limit)."""
    from originledger.modules.clearing.types import ASSETS_PER_CYCLE_MAX, PARTICIPANTS_MAX
    from tests.conftest import ISSUER, close_chain, genesis_builder

    banks = [party(f"bank-{index}") for index in range(PARTICIPANTS_MAX)]
    symbols = ["USD", "EUR", "GBP", "JPY"][:ASSETS_PER_CYCLE_MAX]
    genesis = genesis_builder()
    for symbol in symbols:
        genesis.asset(
            symbol,
            name=symbol,
            decimals=2,
            asset_class="utility",
            issuer=ISSUER.address,
            max_supply=1_000_000_000,
        )
    for bank in banks:
        for symbol in symbols:
            genesis.balance(bank.address, symbol, 1000)
    chain = Chain(genesis.document())
    try:
        message = OpenCycle(
            OPERATOR.address, "big day", chain.next_time_ms + 60_000, [b.address for b in banks]
        )
        cycle_id = int(event_of(chain.run(message, OPERATOR), "CycleOpened").cycle_id)  # type: ignore[attr-defined]
        txs = [
            chain.tx(
                SubmitObligation(
                    bank.address,
                    cycle_id,
                    banks[(index + 1) % len(banks)].address,
                    symbol,
                    Amount(index + 1),
                ),
                bank,
            )
            for index, bank in enumerate(banks)
            for symbol in symbols
        ]
        assert all(outcome.result.ok for outcome in chain.block(txs).txs)
        outcome = chain.run(CloseCycle(OPERATOR.address, cycle_id), OPERATOR)
        assert outcome.result.ok, outcome.result
        assert len(events_of(outcome, "Transferred")) == len(banks) * len(symbols)
        report = load_report(chain.store, cycle_id)
        assert report is not None and report.status == "settled"
        # Bank 0 is owed 32 and owes 1; every other bank owes one more than it is owed.
        assert chain.balance(banks[0], "JPY") == 1_000 + 31
        assert chain.balance(banks[5], "USD") == 1_000 - 1
    finally:
        close_chain(chain)


def test_refund_finds_an_authorization_sharing_an_unpaid_request_id() -> None:
    """Ids of requests and authorizations live apart: a refund of an authorization's
    captures works even if an unpaid request happens to carry the same id."""
    from originledger.core.crypto import sha256
    from originledger.modules.payments.types import Authorize, Capture, CreateRequest, Refund

    for chain in payments_chain():
        shared = sha256(b"same id")
        expires = chain.next_time_ms + 60_000
        assert chain.run(
            CreateRequest(BOB.address, "USD", Amount(10), expires, request_id=shared), BOB
        ).result.ok
        assert chain.run(
            Authorize(ALICE.address, BOB.address, "USD", Amount(100), expires, "", shared), ALICE
        ).result.ok
        assert chain.run(Capture(BOB.address, shared, Amount(60)), BOB).result.ok
        assert chain.run(Refund(BOB.address, shared, Amount(60)), BOB).result.ok
        assert chain.balance(ALICE, "USD") == 10_000
