"""Invariants of the compliance module, checked after every block in tests."""

from __future__ import annotations

from originledger.core.codec import decode
from originledger.core.context import StateReader
from originledger.modules.compliance.keys import (
    APPROVAL_PREFIX,
    ENTITY_PREFIX,
    INDEX_KEY,
    ORDER_PREFIX,
    ORDER_SEQUENCE_KEY,
    PACK_PREFIX,
    REGULATOR_PREFIX,
    approval_key,
    entity_key,
    order_key,
    pack_key,
    regulator_key,
)
from originledger.modules.compliance.rules import build_index
from originledger.modules.compliance.types import (
    JURISDICTION_PATTERN,
    Approval,
    ClawbackOrder,
    Entity,
    PolicyPack,
    RegulatorRecord,
    RuleIndex,
    pack_problem,
)

__all__ = [
    "approvals_are_keyed",
    "orders_are_numbered_in_sequence",
    "packs_are_valid_and_indexed",
    "records_are_keyed",
]


def packs_are_valid_and_indexed(state: StateReader) -> str | None:
    """Every pack is valid (rule ids unique, each cited), stored under its jurisdiction,
    and the index is exactly what the packs compile to."""
    packs: list[PolicyPack] = []
    for key, raw in state.scan(PACK_PREFIX):
        pack = decode(raw, PolicyPack)
        if key != pack_key(pack.jurisdiction):
            return f"pack of {pack.jurisdiction} stored under {key!r}"
        problem = pack_problem(pack)
        if problem is not None:
            return f"pack {pack.jurisdiction}: {problem}"
        packs.append(pack)
    raw_index = state.get(INDEX_KEY)
    index = RuleIndex() if raw_index is None else decode(raw_index, RuleIndex)
    if index != build_index(packs):
        return "the rule index does not match the active packs"
    return None


def approvals_are_keyed(state: StateReader) -> str | None:
    """Every approval is stored under its jurisdiction and symbol, and its jurisdiction is
    a well-formed code. An approval is the jurisdiction's decision, not its regulator's:
    it stands when the regulator who made it is removed (or when the jurisdiction has no
    regulator left), so no appointment is required here."""
    for key, raw in state.scan(APPROVAL_PREFIX):
        approval = decode(raw, Approval)
        if key != approval_key(approval.jurisdiction, approval.symbol):
            return f"approval of {approval.symbol} stored under {key!r}"
        if not JURISDICTION_PATTERN.fullmatch(approval.jurisdiction):
            return f"approval of {approval.symbol} names no valid jurisdiction"
    return None


def records_are_keyed(state: StateReader) -> str | None:
    """Regulators and entities are stored under their own key, with valid jurisdictions."""
    for key, raw in state.scan(REGULATOR_PREFIX):
        record = decode(raw, RegulatorRecord)
        if key != regulator_key(record.jurisdiction, record.account):
            return f"regulator {record.account} stored under {key!r}"
    for key, raw in state.scan(ENTITY_PREFIX):
        entity = decode(raw, Entity)
        if key != entity_key(entity.account) or not JURISDICTION_PATTERN.fullmatch(
            entity.jurisdiction
        ):
            return f"entity {entity.account} is malformed or misplaced"
    return None


def orders_are_numbered_in_sequence(state: StateReader) -> str | None:
    """Orders are numbered 1, 2, ... up to the sequence, with no gap."""
    raw = state.get(ORDER_SEQUENCE_KEY)
    last = 0 if raw is None else decode(raw, int)
    expected = 1
    for key, value in state.scan(ORDER_PREFIX):
        order = decode(value, ClawbackOrder)
        if key != order_key(expected) or order.order_id != expected:
            return f"order {order.order_id} out of sequence (expected {expected})"
        if order.amount == 0:
            return f"order {order.order_id} has a zero amount"
        expected += 1
    if expected - 1 != last:
        return f"the sequence is at {last} but {expected - 1} orders exist"
    return None
