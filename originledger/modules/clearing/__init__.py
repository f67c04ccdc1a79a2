"""clearing: clearing cycles of obligations between participants, multilateral netting,
atomic settlement of the net positions, a default rule, and a report of gross versus net."""

from __future__ import annotations

from originledger.core.module import Module
from originledger.core.wiring import fill
from originledger.modules.clearing import expected, types
from originledger.modules.clearing.codes import ClearingCode
from originledger.modules.clearing.index import INDEX
from originledger.modules.clearing.invariants import cycles_are_complete, net_positions_sum_to_zero
from originledger.modules.clearing.logic import (
    CLEARING_ACCOUNT,
    close_cycle,
    load_cycle,
    load_obligations,
    load_report,
    open_cycle,
    submit_obligation,
)
from originledger.modules.clearing.netting import asset_totals, net_positions, saved_bps
from originledger.modules.clearing.queries import query_cycle, query_obligations, query_report

__all__ = [
    "CLEARING_ACCOUNT",
    "MODULE",
    "ClearingCode",
    "asset_totals",
    "load_cycle",
    "load_obligations",
    "load_report",
    "net_positions",
    "saved_bps",
    "wire",
]

MODULE = Module(
    name="clearing",
    version=1,
    codes=ClearingCode,
    summary="clearing cycles, multilateral netting, atomic settlement of net positions",
    handlers={
        types.OpenCycle: open_cycle,
        types.SubmitObligation: submit_obligation,
        types.CloseCycle: close_cycle,
    },
    events=(
        types.CycleOpened,
        types.ObligationSubmitted,
        types.ParticipantExcluded,
        types.CycleClosed,
    ),
    queries={"cycle": query_cycle, "obligations": query_obligations, "report": query_report},
    invariants={
        "net_positions_sum_to_zero": net_positions_sum_to_zero,
        "cycles_are_complete": cycles_are_complete,
    },
    index=INDEX,
)


def wire(*, assets: expected.AssetsKeeper, compliance: expected.ComplianceKeeper) -> None:
    """Hand clearing the public face of each module it expects (``expected.py``): ``app.py``
    calls it once, before any block."""
    fill(expected.assets_keeper, assets)
    fill(expected.compliance_keeper, compliance)
