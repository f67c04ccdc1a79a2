"""Invariants of the clearing module, checked after every block in the tests.

- ``net_positions_sum_to_zero``: in every report, per asset, what net payers pay equals
  what net receivers receive, equals the report's net total, and no position both pays
  and receives; net <= gross.
- ``cycles_are_complete``: each cycle has exactly its ``obligations`` entries, a closed
  one has a report of its status and an open one none; the clearing account holds no
  unit of any asset a closed cycle settled (it pays out all it takes in).
"""

from __future__ import annotations

from originledger.core.codec import decode
from originledger.core.context import StateReader
from originledger.modules.clearing.expected import assets_keeper
from originledger.modules.clearing.keys import (
    CYCLE_PREFIX,
    REPORT_PREFIX,
    obligation_key,
    obligation_prefix,
    report_key,
)
from originledger.modules.clearing.logic import CLEARING_ACCOUNT
from originledger.modules.clearing.types import Cycle, CycleReport, CycleStatus

__all__ = ["cycles_are_complete", "net_positions_sum_to_zero"]


def net_positions_sum_to_zero(state: StateReader) -> str | None:
    for _, raw in state.scan(REPORT_PREFIX):
        report = decode(raw, CycleReport)
        for totals in report.totals:
            mine = [p for p in report.positions if p.symbol == totals.symbol]
            pays = sum(p.pays for p in mine)
            receives = sum(p.receives for p in mine)
            if pays != receives or pays != totals.net or totals.net > totals.gross:
                return f"cycle {report.cycle_id} {totals.symbol}: {pays} paid, {receives} received"
        if any(p.pays and p.receives for p in report.positions):
            return f"cycle {report.cycle_id}: a position both pays and receives"
    return None


def cycles_are_complete(state: StateReader) -> str | None:
    for _, raw in state.scan(CYCLE_PREFIX):
        cycle = decode(raw, Cycle)
        count = sum(1 for _ in state.scan(obligation_prefix(cycle.cycle_id)))
        if count != cycle.obligations or (
            cycle.obligations and state.get(obligation_key(cycle.cycle_id, count - 1)) is None
        ):
            return (
                f"cycle {cycle.cycle_id}: {count} obligations stored, {cycle.obligations} counted"
            )
        report_raw = state.get(report_key(cycle.cycle_id))
        if cycle.status == CycleStatus.OPEN:
            if report_raw is not None:
                return f"open cycle {cycle.cycle_id} has a report"
            continue
        if report_raw is None or decode(report_raw, CycleReport).status != cycle.status:
            return f"closed cycle {cycle.cycle_id} lacks its report"
        for symbol in cycle.assets:
            if assets_keeper.balance_of(state, CLEARING_ACCOUNT, symbol):
                return f"the clearing account kept {symbol} after cycle {cycle.cycle_id}"
    return None
