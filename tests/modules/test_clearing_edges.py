"""Edges of the clearing module that mutation testing found unpinned (issue #11): each test
here kills at least one surviving mutant of ``modules/clearing/logic.py`` (see
docs/testing.md, "Scores")."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from originledger.app import TxOutcome
from originledger.core.amounts import Amount
from originledger.core.codec import encode
from originledger.core.context import BlockContext, BlockState, TxContext, TxState
from originledger.core.limits import AMOUNT_MAX
from originledger.modules.clearing import ClearingCode, load_cycle
from originledger.modules.clearing import logic as clearing_logic
from originledger.modules.clearing.keys import cycle_key, obligation_key
from originledger.modules.clearing.logic import close_cycle, submit_obligation
from originledger.modules.clearing.types import (
    CYCLE_DURATION_MS_MAX,
    CloseCycle,
    Obligation,
    ObligationSubmitted,
    OpenCycle,
    SubmitObligation,
)
from tests.conftest import ALICE, BOB, CAROL, CHAIN_ID, Chain, Party, assert_failed, party
from tests.modules.assets_helpers import ok
from tests.modules.payments_helpers import event_of, payments_chain

OPERATOR = party("clearing-house")
BANKS = (ALICE, BOB, CAROL)


@pytest.fixture
def chain() -> Iterator[Chain]:
    yield from payments_chain()


def _open_message(chain: Chain, closes_at_ms: int) -> OpenCycle:
    return OpenCycle(OPERATOR.address, "day", closes_at_ms, [b.address for b in BANKS])


def _open(chain: Chain) -> int:
    outcome = ok(chain.run(_open_message(chain, chain.next_time_ms + 60_000), OPERATOR))
    return int(event_of(outcome, "CycleOpened").cycle_id)  # type: ignore[attr-defined]


def _submit(
    chain: Chain, cycle_id: int, payer: Party, amount: int, symbol: str = "USD"
) -> TxOutcome:
    message = SubmitObligation(payer.address, cycle_id, BOB.address, symbol, Amount(amount))
    return chain.run(message, payer)


def test_open_cycle_closing_time_bounds(chain: Chain) -> None:
    now = chain.next_time_ms
    assert_failed(chain.run(_open_message(chain, now), OPERATOR), ClearingCode.TIME_INVALID)
    longest = _open_message(chain, chain.next_time_ms + CYCLE_DURATION_MS_MAX)
    ok(chain.run(longest, OPERATOR))
    too_long = _open_message(chain, chain.next_time_ms + CYCLE_DURATION_MS_MAX + 1)
    assert_failed(chain.run(too_long, OPERATOR), ClearingCode.TIME_INVALID)
    soonest = _open_message(chain, chain.next_time_ms + 1)
    ok(chain.run(soonest, OPERATOR))


def test_submit_obligation_records_gross_per_asset(chain: Chain) -> None:
    cycle_id = _open(chain)
    ok(_submit(chain, cycle_id, ALICE, 500, "USD"))
    ok(_submit(chain, cycle_id, ALICE, 300, "EUR"))
    outcome = ok(_submit(chain, cycle_id, CAROL, 200, "USD"))
    assert outcome.events[-1:] == [
        ObligationSubmitted(cycle_id, 2, CAROL.address, BOB.address, "USD", Amount(200))
    ]
    cycle = load_cycle(chain.store, cycle_id)
    assert cycle is not None
    assert (cycle.obligations, cycle.assets, cycle.gross) == (3, ["USD", "EUR"], [700, 300])


def test_submit_obligation_cap_per_cycle(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clearing_logic, "OBLIGATIONS_PER_CYCLE_MAX", 2)
    cycle_id = _open(chain)
    ok(_submit(chain, cycle_id, ALICE, 1))
    ok(_submit(chain, cycle_id, ALICE, 2))
    third = _submit(chain, cycle_id, ALICE, 3)
    assert_failed(third, ClearingCode.TOO_MANY_OBLIGATIONS)
    cycle = load_cycle(chain.store, cycle_id)
    assert cycle is not None and (cycle.obligations, cycle.gross) == (2, [3])


def test_submit_obligation_cap_of_assets(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clearing_logic, "ASSETS_PER_CYCLE_MAX", 2)
    cycle_id = _open(chain)
    ok(_submit(chain, cycle_id, ALICE, 1, "USD"))
    ok(_submit(chain, cycle_id, ALICE, 1, "EUR"))
    assert_failed(_submit(chain, cycle_id, ALICE, 1, "BOND"), ClearingCode.TOO_MANY_ASSETS)
    ok(_submit(chain, cycle_id, ALICE, 1, "USD"))  # a known asset
    cycle = load_cycle(chain.store, cycle_id)
    assert cycle is not None and (cycle.assets, cycle.gross) == (["USD", "EUR"], [2, 1])


def _legacy_context(chain: Chain, obligations: list[tuple[Party, Party, int]]) -> TxContext:
    """A cycle of older state (obligations stored without a running gross), and a
    transaction's context over it."""
    cycle_id = _open(chain)
    block = BlockState(chain.store)
    state = TxState(block)
    cycle = load_cycle(state, cycle_id)
    assert cycle is not None and cycle_id == 1
    for index, (payer, payee, amount) in enumerate(obligations):
        obligation = Obligation(payer.address, payee.address, "USD", Amount(amount))
        state.set(obligation_key(cycle_id, index), encode(obligation))
    legacy = msgspec.structs.replace(cycle, obligations=len(obligations), assets=["USD"], gross=[])
    state.set(cycle_key(cycle_id), encode(legacy))
    state.commit()
    return TxContext(
        BlockContext(CHAIN_ID, 99, chain.next_time_ms, b""), bytes(32), (), TxState(block)
    )


def test_submit_obligation_recomputes_gross_of_an_older_cycle(chain: Chain) -> None:
    ctx = _legacy_context(chain, [(ALICE, BOB, 5), (CAROL, BOB, 7)])
    submit = SubmitObligation(ALICE.address, 1, BOB.address, "USD", Amount(1))
    assert submit_obligation(ctx, submit) is None
    cycle = load_cycle(ctx.state, 1)
    assert cycle is not None and (cycle.obligations, cycle.gross) == (3, [13])


def test_close_cycle_whose_gross_overflows_but_nets_fit_answers_a_code(chain: Chain) -> None:
    # Opposite obligations of the largest amount: every net is zero, the gross is 2 * max.
    ctx = _legacy_context(chain, [(ALICE, BOB, AMOUNT_MAX), (BOB, ALICE, AMOUNT_MAX)])
    failure = close_cycle(ctx, CloseCycle(OPERATOR.address, 1))
    assert failure is not None and failure.code == ClearingCode.AMOUNT_OVERFLOW
    assert ctx.state.writes == {} and ctx.events == []
