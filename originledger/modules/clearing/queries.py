"""Read-only queries of the clearing module."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from originledger.core.context import StateReader
from originledger.core.limits import PAGE_ITEMS_MAX
from originledger.core.module import QueryError
from originledger.core.numbers import parse_decimal
from originledger.modules.clearing.logic import (
    CLEARING_ACCOUNT,
    load_cycle,
    load_obligations,
    load_report,
)
from originledger.modules.clearing.netting import asset_totals, net_positions
from originledger.modules.clearing.types import (
    AssetTotals,
    Cycle,
    CycleReport,
    CycleStatus,
    Obligation,
    Position,
)

__all__ = [
    "CycleView",
    "ObligationsPage",
    "query_cycle",
    "query_obligations",
    "query_report",
]


class CycleView(msgspec.Struct, frozen=True):
    """A cycle; while it is open, the netting of what was submitted so far (a preview:
    settlement may exclude defaulters)."""

    cycle: Cycle
    clearing_account: str
    preview_totals: list[AssetTotals] | None
    preview_positions: list[Position] | None


class ObligationsPage(msgspec.Struct, frozen=True):
    cycle_id: int
    obligations: list[Obligation]
    next: int | None


def _integer(params: Mapping[str, str], name: str, default: int | None = None) -> int:
    text = params.get(name, "")
    if not text and default is not None:
        return default
    value = parse_decimal(text, 0, 2**63 - 1)
    if value is None:
        raise QueryError(f"parameter {name!r} must be a non-negative integer")
    return value


def _cycle(state: StateReader, params: Mapping[str, str]) -> Cycle:
    cycle = load_cycle(state, _integer(params, "id"))
    if cycle is None:
        raise QueryError("no clearing cycle has this id", not_found=True)
    return cycle


def query_cycle(state: StateReader, params: Mapping[str, str]) -> CycleView:
    cycle = _cycle(state, params)
    if cycle.status != CycleStatus.OPEN:
        return CycleView(cycle, str(CLEARING_ACCOUNT), None, None)
    obligations = load_obligations(state, cycle)
    positions = net_positions(obligations)
    totals = None if positions is None else asset_totals(obligations, positions, cycle.assets)
    if positions is None or totals is None:  # only a cycle of older state can overflow
        return CycleView(cycle, str(CLEARING_ACCOUNT), None, None)
    return CycleView(cycle, str(CLEARING_ACCOUNT), totals, positions)


def query_obligations(state: StateReader, params: Mapping[str, str]) -> ObligationsPage:
    cycle = _cycle(state, params)
    start = _integer(params, "after", -1) + 1 if params.get("after") else 0
    limit = _integer(params, "limit", PAGE_ITEMS_MAX)
    if not 1 <= limit <= PAGE_ITEMS_MAX:
        raise QueryError(f"parameter 'limit' must be 1 to {PAGE_ITEMS_MAX}")
    every = load_obligations(state, cycle)
    page = every[start : start + limit]
    following = start + limit - 1 if start + limit < len(every) else None
    return ObligationsPage(cycle.cycle_id, page, following)


def query_report(state: StateReader, params: Mapping[str, str]) -> CycleReport:
    cycle = _cycle(state, params)
    report = load_report(state, cycle.cycle_id)
    if report is None:
        raise QueryError("the cycle is still open: no report yet", not_found=True)
    return report
