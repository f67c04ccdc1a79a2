"""Pure handlers of the clearing module.

Closing a cycle nets its obligations and settles the net positions in the same
transaction, through the clearing module's account as central counterparty: every net
payer pays in, then every net receiver is paid out; the account ends as it started.
A movement that fails is a default. Under the ``exclude`` rule the participant whose
movement failed is excluded (with every obligation it is a party to), the positions are
recomputed and the settlement is tried again from scratch, until one attempt succeeds
(at most one attempt per participant). Under ``reject`` the first default fails the
cycle and nothing moves. Either way the close itself succeeds: the outcome is the report.
"""

from __future__ import annotations

import msgspec

from originledger.core.address import Address, module_address
from originledger.core.amounts import Amount
from originledger.core.codec import decode, encode
from originledger.core.context import Event, Movement, StateGetter, StateView, TxContext
from originledger.core.limits import AMOUNT_MAX
from originledger.core.module import InvariantBroken
from originledger.core.tx import Failure
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.types import Transferred
from originledger.modules.clearing.codes import ClearingCode
from originledger.modules.clearing.expected import assets_keeper, compliance_keeper
from originledger.modules.clearing.keys import (
    SEQUENCE_KEY,
    cycle_key,
    obligation_key,
    report_key,
)
from originledger.modules.clearing.netting import (
    active_obligations,
    asset_totals,
    gross_after,
    net_positions,
)
from originledger.modules.clearing.types import (
    ASSETS_PER_CYCLE_MAX,
    CYCLE_DURATION_MS_MAX,
    OBLIGATIONS_PER_CYCLE_MAX,
    CloseCycle,
    Cycle,
    CycleClosed,
    CycleOpened,
    CycleReport,
    CycleStatus,
    DefaultRule,
    Exclusion,
    Obligation,
    ObligationSubmitted,
    OpenCycle,
    ParticipantExcluded,
    Position,
    SubmitObligation,
)

__all__ = [
    "CLEARING_ACCOUNT",
    "close_cycle",
    "load_cycle",
    "load_obligations",
    "load_report",
    "open_cycle",
    "submit_obligation",
]

CLEARING_ACCOUNT = module_address("clearing")
"""The central counterparty of settlement: net payers pay it, it pays net receivers, and
it holds nothing between transactions."""


def load_cycle(state: StateGetter, cycle_id: int) -> Cycle | None:
    raw = state.get(cycle_key(cycle_id))
    return None if raw is None else decode(raw, Cycle)


def load_report(state: StateGetter, cycle_id: int) -> CycleReport | None:
    raw = state.get(report_key(cycle_id))
    return None if raw is None else decode(raw, CycleReport)


def load_obligations(state: StateGetter, cycle: Cycle) -> list[Obligation]:
    """The cycle's obligations in submission order (read by key: no scan needed)."""
    obligations = []
    for index in range(cycle.obligations):
        raw = state.get(obligation_key(cycle.cycle_id, index))
        if raw is None:
            raise InvariantBroken(
                f"invariant broken: cycle {cycle.cycle_id} lacks obligation {index}"
            )
        obligations.append(decode(raw, Obligation))
    return obligations


def open_cycle(ctx: TxContext, message: OpenCycle) -> Failure | None:
    time_ms = ctx.block.time_ms
    if not time_ms < message.closes_at_ms <= time_ms + CYCLE_DURATION_MS_MAX:
        return Failure(ClearingCode.TIME_INVALID, f"{message.closes_at_ms} at {time_ms}")
    raw = ctx.state.get(SEQUENCE_KEY)
    cycle_id = (0 if raw is None else decode(raw, int)) + 1
    ctx.state.set(SEQUENCE_KEY, encode(cycle_id))
    cycle = Cycle(
        cycle_id=cycle_id,
        operator=message.operator,
        name=message.name,
        participants=list(message.participants),
        closes_at_ms=message.closes_at_ms,
        default_rule=message.default_rule,
        opened_height=ctx.block.height,
    )
    ctx.state.set(cycle_key(cycle_id), encode(cycle))
    ctx.emit(
        CycleOpened(
            cycle_id,
            message.operator,
            message.name,
            message.closes_at_ms,
            list(message.participants),
            message.default_rule,
        )
    )
    return None


def _open(state: StateGetter, cycle_id: int) -> Cycle | Failure:
    cycle = load_cycle(state, cycle_id)
    if cycle is None:
        return Failure(ClearingCode.CYCLE_NOT_FOUND, str(cycle_id))
    if cycle.status != CycleStatus.OPEN:
        return Failure(ClearingCode.CYCLE_CLOSED, cycle.status)
    return cycle


def _gross(state: StateGetter, cycle: Cycle) -> list[Amount]:
    """The cycle's gross per asset; recomputed (in integers) for a cycle of older state
    that did not record it. Submissions kept it in range, so it fits an ``Amount``."""
    if len(cycle.gross) == len(cycle.assets):
        return list(cycle.gross)
    sums = dict.fromkeys(cycle.assets, 0)
    for obligation in load_obligations(state, cycle):
        sums[obligation.symbol] = sums.get(obligation.symbol, 0) + int(obligation.amount)
    return [Amount(min(sums[symbol], AMOUNT_MAX)) for symbol in cycle.assets]


def submit_obligation(ctx: TxContext, message: SubmitObligation) -> Failure | None:
    cycle = _open(ctx.state, message.cycle_id)
    if isinstance(cycle, Failure):
        return cycle
    if ctx.block.time_ms >= cycle.closes_at_ms:
        return Failure(ClearingCode.CYCLE_ENDED, f"at {cycle.closes_at_ms}")
    if message.payer not in cycle.participants or message.payee not in cycle.participants:
        return Failure(ClearingCode.NOT_PARTICIPANT)
    if cycle.obligations >= OBLIGATIONS_PER_CYCLE_MAX:
        return Failure(ClearingCode.TOO_MANY_OBLIGATIONS, str(OBLIGATIONS_PER_CYCLE_MAX))
    if assets_keeper.load_asset(ctx.state, message.symbol) is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, message.symbol)
    assets = cycle.assets
    gross = _gross(ctx.state, cycle)
    if message.symbol not in assets:
        if len(assets) >= ASSETS_PER_CYCLE_MAX:
            return Failure(ClearingCode.TOO_MANY_ASSETS, str(ASSETS_PER_CYCLE_MAX))
        assets = [*assets, message.symbol]
        gross = [*gross, Amount(0)]
    position = assets.index(message.symbol)
    after = gross_after(gross[position], message.amount)
    if after is None:
        return Failure(ClearingCode.AMOUNT_OVERFLOW, message.symbol)
    gross = [*gross[:position], after, *gross[position + 1 :]]
    index = cycle.obligations
    obligation = Obligation(
        message.payer, message.payee, message.symbol, message.amount, message.reference
    )
    ctx.state.set(obligation_key(cycle.cycle_id, index), encode(obligation))
    updated = msgspec.structs.replace(cycle, obligations=index + 1, assets=assets, gross=gross)
    ctx.state.set(cycle_key(cycle.cycle_id), encode(updated))
    ctx.emit(
        ObligationSubmitted(
            cycle.cycle_id, index, message.payer, message.payee, message.symbol, message.amount
        )
    )
    return None


class _Attempt:
    """Writes over the transaction's state that are kept only if the attempt succeeds."""

    __slots__ = ("lower", "movements", "writes")

    def __init__(self, lower: StateView) -> None:
        self.lower = lower
        self.writes: dict[bytes, bytes | None] = {}
        self.movements: list[Movement] = []

    def get(self, key: bytes) -> bytes | None:
        if key in self.writes:
            return self.writes[key]
        return self.lower.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self.writes[key] = value

    def delete(self, key: bytes) -> None:
        self.writes[key] = None

    def note_movement(self, movement: Movement) -> None:
        self.movements.append(movement)  # passed on with the writes, or dropped with them

    def apply(self) -> None:
        for key, value in self.writes.items():
            if value is None:
                self.lower.delete(key)
            else:
                self.lower.set(key, value)
        for movement in self.movements:
            self.lower.note_movement(movement)


def _settle(
    ctx: TxContext, positions: list[Position]
) -> tuple[_Attempt, list[Event], tuple[Address, Failure] | None]:
    """Try to settle ``positions``: pay-ins first, then pay-outs, asset by asset. Returns
    the attempt's writes, its events, and the first default (account, failure), if any."""
    attempt = _Attempt(ctx.state)
    events: list[Event] = []
    index = compliance_keeper.load_index(ctx.state)
    for paying in (True, False):
        for position in positions:
            if (position.pays > 0) != paying:
                continue
            asset = assets_keeper.load_asset(attempt, position.symbol)
            if asset is None:
                raise InvariantBroken(f"invariant broken: obligation in unknown {position.symbol}")
            if paying:
                sender, recipient, amount = position.account, CLEARING_ACCOUNT, position.pays
                failure = None
            else:
                sender, recipient, amount = CLEARING_ACCOUNT, position.account, position.receives
                failure = compliance_keeper.check_receiver(
                    attempt, asset, index, recipient, amount, ctx.block.time_ms
                )
            failure = failure or assets_keeper.move_asset(attempt, asset, sender, recipient, amount)
            if failure:
                return attempt, events, (position.account, failure)
            events.append(Transferred(position.symbol, sender, recipient, amount))
    return attempt, events, None


def close_cycle(ctx: TxContext, message: CloseCycle) -> Failure | None:
    cycle = _open(ctx.state, message.cycle_id)
    if isinstance(cycle, Failure):
        return cycle
    if message.account != cycle.operator and ctx.block.time_ms < cycle.closes_at_ms:
        return Failure(ClearingCode.CLOSE_TOO_EARLY, f"closes at {cycle.closes_at_ms}")
    obligations = load_obligations(ctx.state, cycle)
    excluded: list[Exclusion] = []
    excluded_accounts: list[Address] = []
    status = CycleStatus.SETTLED
    while True:
        active = active_obligations(obligations, excluded_accounts)
        netted = net_positions(active)
        if netted is None:  # only a cycle of older state can overflow: it stays open
            return Failure(ClearingCode.AMOUNT_OVERFLOW, f"cycle {cycle.cycle_id}")
        positions = netted
        attempt, events, default = _settle(ctx, positions)
        if default is None:
            attempt.apply()
            for event in events:
                ctx.emit(event)
            break
        account, failure = default
        reason = f"{failure.code.codespace}/{int(failure.code)} {failure.code.name}"
        dropped = len(active) - len(active_obligations(active, [account]))
        excluded.append(Exclusion(account, reason, dropped))
        excluded_accounts.append(account)
        if cycle.default_rule == DefaultRule.REJECT:
            status = CycleStatus.FAILED
            active = obligations
            netted = net_positions(obligations)
            if netted is None:
                return Failure(ClearingCode.AMOUNT_OVERFLOW, f"cycle {cycle.cycle_id}")
            positions = netted
            break
    totals = asset_totals(active, positions, cycle.assets)
    if totals is None:
        return Failure(ClearingCode.AMOUNT_OVERFLOW, f"cycle {cycle.cycle_id}")
    for exclusion in excluded:
        ctx.emit(
            ParticipantExcluded(
                cycle.cycle_id, exclusion.account, exclusion.reason, exclusion.obligations
            )
        )
    report = CycleReport(
        cycle_id=cycle.cycle_id,
        status=status,
        default_rule=cycle.default_rule,
        totals=totals,
        positions=positions,
        excluded=excluded,
        settled_height=ctx.block.height,
    )
    ctx.state.set(report_key(cycle.cycle_id), encode(report))
    closed = msgspec.structs.replace(cycle, status=status, closed_height=ctx.block.height)
    ctx.state.set(cycle_key(cycle.cycle_id), encode(closed))
    ctx.emit(CycleClosed(cycle.cycle_id, status, totals, excluded_accounts))
    return None
