"""compliance: jurisdiction policy packs (rules as data, each citing its source), the
regulators who act for each jurisdiction, the entity registry and licences, issuance
approvals and clawback orders; guards that hold every issuance and every movement of
units to the rules; monitoring alerts; and the pure fund tracer."""

from __future__ import annotations

from originledger.core.module import Module
from originledger.core.wiring import fill
from originledger.modules.assets import types as assets_types
from originledger.modules.attest import types as attest_types
from originledger.modules.compliance import expected, types
from originledger.modules.compliance.codes import ComplianceCode
from originledger.modules.compliance.genesis import ComplianceGenesis, genesis_init
from originledger.modules.compliance.index import INDEX
from originledger.modules.compliance.invariants import (
    approvals_are_keyed,
    orders_are_numbered_in_sequence,
    packs_are_valid_and_indexed,
    records_are_keyed,
)
from originledger.modules.compliance.logic import (
    appoint_regulator,
    check_receiver,
    decide_issuance,
    guard_force_transfer,
    guard_hold,
    guard_issue,
    guard_mint,
    guard_pause,
    guard_recover,
    guard_transfer,
    is_approved,
    is_regulator,
    load_approval,
    load_entity,
    load_index,
    load_pack,
    order_clawback,
    register_entity,
    set_license,
    set_pack,
    watch_movements,
)
from originledger.modules.compliance.queries import (
    query_approval,
    query_approvals,
    query_check_transfer,
    query_entity,
    query_licenses,
    query_orders,
    query_pack,
    query_packs,
    query_regulators,
    query_rule,
    rule_id_of,
)
from originledger.modules.compliance.scope import (
    guard_freeze,
    guard_set_trusted,
    policy_jurisdiction,
    regulates_asset,
)
from originledger.modules.compliance.tracing import (
    Movement,
    Trace,
    movements_from_events,
    trace_funds,
)
from originledger.modules.compliance.types import PolicyPack, pack_problem

__all__ = [
    "MODULE",
    "ComplianceCode",
    "ComplianceGenesis",
    "Movement",
    "PolicyPack",
    "Trace",
    "check_receiver",
    "is_approved",
    "is_regulator",
    "load_approval",
    "load_entity",
    "load_index",
    "load_pack",
    "movements_from_events",
    "pack_problem",
    "policy_jurisdiction",
    "regulates_asset",
    "rule_id_of",
    "trace_funds",
    "wire",
]

MODULE = Module(
    name="compliance",
    version=2,  # 2: amounts in result messages in the asset's units (issue #13)
    codes=ComplianceCode,
    summary=(
        "policy packs per jurisdiction, regulators, entities, licences, approvals, orders; "
        "issuance and holder checks; monitoring alerts; fund tracing"
    ),
    handlers={
        types.AppointRegulator: appoint_regulator,
        types.SetPack: set_pack,
        types.RegisterEntity: register_entity,
        types.SetLicense: set_license,
        types.DecideIssuance: decide_issuance,
        types.OrderClawback: order_clawback,
    },
    guards={
        assets_types.Issue: guard_issue,
        assets_types.Pause: guard_pause,
        assets_types.Transfer: guard_transfer,
        assets_types.Mint: guard_mint,
        assets_types.PlaceHold: guard_hold,
        assets_types.ForceTransfer: guard_force_transfer,
        assets_types.Recover: guard_recover,
        # A regulator acts within its jurisdictions only (scope.py).
        assets_types.Freeze: guard_freeze,
        assets_types.FreezeAsset: guard_freeze,
        attest_types.SetTrusted: guard_set_trusted,
    },
    events=(
        types.RegulatorAppointed,
        types.PackSet,
        types.EntityRegistered,
        types.LicenseSet,
        types.IssuanceDecided,
        types.ClawbackOrdered,
        types.AlertRaised,
    ),
    queries={
        "packs": query_packs,
        "pack": query_pack,
        "rule": query_rule,
        "approval": query_approval,
        "approvals": query_approvals,
        "entity": query_entity,
        "licenses": query_licenses,
        "regulators": query_regulators,
        "orders": query_orders,
        "check_transfer": query_check_transfer,
    },
    invariants={
        "packs_are_valid_and_indexed": packs_are_valid_and_indexed,
        "approvals_are_keyed": approvals_are_keyed,
        "records_are_keyed": records_are_keyed,
        "orders_are_numbered_in_sequence": orders_are_numbered_in_sequence,
    },
    genesis_type=ComplianceGenesis,
    genesis_init=genesis_init,
    watch_movements=watch_movements,
    index=INDEX,
)


def wire(
    *,
    accounts: expected.AccountsKeeper,
    assets: expected.AssetsKeeper,
    attest: expected.AttestKeeper,
) -> None:
    """Hand compliance the public face of each module it expects (``expected.py``): ``app.py``
    calls it once, before any block."""
    fill(expected.accounts_keeper, accounts)
    fill(expected.assets_keeper, assets)
    fill(expected.attest_keeper, attest)
