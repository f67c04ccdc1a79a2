"""Read-only queries of the compliance module: packs and rules, regulators, entities,
licences, approvals, orders, and a dry run of a transfer (``check_transfer``)."""

from __future__ import annotations

import re
from collections.abc import Mapping

import msgspec

from originledger.core.amounts import Amount
from originledger.core.codec import decode
from originledger.core.context import BlockState, StateReader, TxState
from originledger.core.limits import AMOUNT_MAX, PAGE_ITEMS_MAX
from originledger.core.module import BLOCK_TIME_PARAMETER, QueryError
from originledger.core.numbers import parse_decimal
from originledger.core.query_params import parse_address
from originledger.core.tx import Failure
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.types import Transfer
from originledger.modules.compliance.codes import ComplianceCode
from originledger.modules.compliance.expected import assets_keeper
from originledger.modules.compliance.keys import (
    APPROVAL_PREFIX,
    ORDER_PREFIX,
    REGULATOR_PREFIX,
    license_prefix,
    regulator_prefix,
)
from originledger.modules.compliance.logic import (
    check_receiver,
    load_approval,
    load_entity,
    load_index,
    load_pack,
)
from originledger.modules.compliance.types import (
    JURISDICTION_PATTERN,
    Approval,
    Citation,
    ClawbackOrder,
    Entity,
    License,
    PolicyPack,
    RegulatorRecord,
    Rule,
    rule_kind,
)

__all__ = [
    "CheckAnswer",
    "PackSummary",
    "RuleAnswer",
    "query_approval",
    "query_approvals",
    "query_check_transfer",
    "query_entity",
    "query_licenses",
    "query_orders",
    "query_pack",
    "query_packs",
    "query_regulators",
    "query_rule",
    "rule_id_of",
]

_RULE_ID_IN_DETAIL = re.compile(r"([A-Z]{2}-[A-Za-z0-9-]{1,21}): ")


def rule_id_of(message: str) -> str | None:
    """The pack rule a compliance failure names (its detail starts with ``ID: ``)."""
    _, _, detail = message.partition(": ")
    match = _RULE_ID_IN_DETAIL.match(detail)
    return None if match is None else match.group(1)


class RuleLine(msgspec.Struct, frozen=True):
    id: str
    kind: str
    summary: str
    cites: Citation


class PackSummary(msgspec.Struct, frozen=True):
    jurisdiction: str
    name: str
    version: int
    source: str
    regulator: str
    rules: list[RuleLine]


class PacksAnswer(msgspec.Struct, frozen=True):
    packs: list[PackSummary]


class RuleAnswer(msgspec.Struct, frozen=True):
    jurisdiction: str
    pack: str
    version: int
    source: str
    regulator: str
    kind: str
    rule: Rule


class CheckAnswer(msgspec.Struct, frozen=True):
    """A dry run of ``assets/transfer``: compliance's holder checks, then the asset's own
    controls and balances. ``rule_id`` names the pack rule when one refused it."""

    allowed: bool
    codespace: str
    code: int
    name: str
    message: str
    rule_id: str | None


def _jurisdiction(params: Mapping[str, str], name: str = "jurisdiction") -> str:
    value = params.get(name, "")
    if JURISDICTION_PATTERN.fullmatch(value) is None:
        raise QueryError(f"parameter {name!r} is two capital letters")
    return value


def _limit(params: Mapping[str, str]) -> int:
    limit = parse_decimal(params.get("limit") or "100", 1, PAGE_ITEMS_MAX)
    if limit is None:
        raise QueryError(f"parameter 'limit' is a whole number from 1 to {PAGE_ITEMS_MAX}")
    return limit


def _summary(pack: PolicyPack) -> PackSummary:
    return PackSummary(
        pack.jurisdiction,
        pack.name,
        pack.version,
        pack.source,
        pack.regulator,
        [RuleLine(rule.id, rule_kind(rule), rule.summary, rule.cites) for rule in pack.rules],
    )


def query_packs(state: StateReader, params: Mapping[str, str]) -> PacksAnswer:
    """``packs`` -> every active pack with its rules (id, kind, summary, citation)."""
    packs = []
    for jurisdiction in load_index(state).jurisdictions:
        pack = load_pack(state, jurisdiction)
        if pack is not None:
            packs.append(_summary(pack))
    return PacksAnswer(packs)


def query_pack(state: StateReader, params: Mapping[str, str]) -> PolicyPack:
    """``pack?jurisdiction=`` -> the whole pack, as stored."""
    jurisdiction = _jurisdiction(params)
    pack = load_pack(state, jurisdiction)
    if pack is None:
        raise QueryError(f"no policy pack for {jurisdiction}", not_found=True)
    return pack


def query_rule(state: StateReader, params: Mapping[str, str]) -> RuleAnswer:
    """``rule?id=CN-1`` -> the rule with its pack's name, version and source."""
    rule_id = params.get("id", "")
    jurisdiction = rule_id[:2]
    pack = load_pack(state, jurisdiction) if JURISDICTION_PATTERN.fullmatch(jurisdiction) else None
    rule = None if pack is None else pack.rule(rule_id)
    if pack is None or rule is None:
        raise QueryError(f"no active rule {rule_id!r}", not_found=True)
    return RuleAnswer(
        pack.jurisdiction,
        pack.name,
        pack.version,
        pack.source,
        pack.regulator,
        rule_kind(rule),
        rule,
    )


def query_approval(state: StateReader, params: Mapping[str, str]) -> Approval:
    """``approval?jurisdiction=&symbol=`` -> the regulator's decision on the asset."""
    jurisdiction = _jurisdiction(params)
    symbol = params.get("symbol", "")
    approval = load_approval(state, jurisdiction, symbol)
    if approval is None:
        raise QueryError(f"no decision of {jurisdiction} on {symbol!r}", not_found=True)
    return approval


def query_approvals(state: StateReader, params: Mapping[str, str]) -> list[Approval]:
    """``approvals?jurisdiction=`` -> decisions of one jurisdiction (or all), in key
    order, at most ``PAGE_ITEMS_MAX``."""
    prefix = APPROVAL_PREFIX
    if params.get("jurisdiction"):
        prefix += _jurisdiction(params).encode() + b"/"
    answers: list[Approval] = []
    for _, raw in state.scan(prefix):
        if len(answers) == PAGE_ITEMS_MAX:
            break
        answers.append(decode(raw, Approval))
    return answers


def query_entity(state: StateReader, params: Mapping[str, str]) -> Entity:
    """``entity?account=`` -> the account's registration."""
    account = parse_address(params, "account")
    entity = load_entity(state, account)
    if entity is None:
        raise QueryError(f"no entity {account}", not_found=True)
    return entity


def query_licenses(state: StateReader, params: Mapping[str, str]) -> list[License]:
    """``licenses?account=`` -> the account's licences, every jurisdiction."""
    account = parse_address(params, "account")
    return [decode(raw, License) for _, raw in state.scan(license_prefix(account))]


def query_regulators(state: StateReader, params: Mapping[str, str]) -> list[RegulatorRecord]:
    """``regulators?jurisdiction=`` -> appointed regulators of one jurisdiction (or all)."""
    prefix = regulator_prefix(_jurisdiction(params)) if params.get("jurisdiction") else None
    records = [decode(raw, RegulatorRecord) for _, raw in state.scan(prefix or REGULATOR_PREFIX)]
    return records[:PAGE_ITEMS_MAX]


class OrdersPage(msgspec.Struct, frozen=True):
    orders: list[ClawbackOrder]
    next: int | None


def query_orders(state: StateReader, params: Mapping[str, str]) -> OrdersPage:
    """``orders?symbol=&after=&limit=`` -> clawback orders in id order (of one asset when
    ``symbol`` is given), ``limit`` at a time after the id ``after``."""
    symbol = params.get("symbol") or None
    after = parse_decimal(params.get("after") or "0", 0, 2**64 - 1)
    if after is None:
        raise QueryError("parameter 'after' is an order id")
    limit = _limit(params)
    orders: list[ClawbackOrder] = []
    more = False
    for key, raw in state.scan(ORDER_PREFIX):
        if int.from_bytes(key[len(ORDER_PREFIX) :], "big") <= after:
            continue
        order = decode(raw, ClawbackOrder)
        if symbol is not None and order.symbol != symbol:
            continue
        if len(orders) == limit:
            more = True
            break
        orders.append(order)
    return OrdersPage(orders, orders[-1].order_id if more else None)


def _answer(failure: Failure | None) -> CheckAnswer:
    if failure is None:
        return CheckAnswer(True, "compliance", 0, "OK", "ok", None)
    code = failure.code
    message = code.message if not failure.detail else f"{code.message}: {failure.detail}"
    rule_id = rule_id_of(message) if code.codespace == ComplianceCode.codespace else None
    return CheckAnswer(False, code.codespace, int(code), code.name, message, rule_id)


def query_check_transfer(state: StateReader, params: Mapping[str, str]) -> CheckAnswer:
    """``check_transfer?sender=&recipient=&symbol=&amount=`` -> would this transfer pass
    now, and if not, the code and the rule. Runs the holder checks, then the assets
    module's transfer over a scratch copy of state that is thrown away; monitoring is not
    run (it only raises alerts)."""
    sender = parse_address(params, "sender")
    recipient = parse_address(params, "recipient")
    symbol = params.get("symbol", "")
    amount_value = parse_decimal(params.get("amount", ""), 0, AMOUNT_MAX)
    if amount_value is None:
        raise QueryError("parameter 'amount' is an integer in minor units")
    amount = Amount(amount_value)
    now_ms = parse_decimal(params.get(BLOCK_TIME_PARAMETER, ""), 0, 2**64 - 1)
    if now_ms is None:
        raise QueryError(f"parameter {BLOCK_TIME_PARAMETER!r} is required")
    failure = Transfer(sender, recipient, symbol, amount).validate()
    if failure is not None:
        return _answer(failure)
    scratch = TxState(BlockState(state))
    asset = assets_keeper.load_asset(scratch, symbol)
    if asset is None:
        return _answer(Failure(AssetsCode.ASSET_NOT_FOUND, symbol))
    leaves = (
        asset.holders_max is not None
        and asset.holders >= asset.holders_max
        and assets_keeper.balance_of(scratch, sender, symbol) == amount
    )
    failure = check_receiver(
        scratch, asset, load_index(scratch), recipient, amount, now_ms, holder_leaves=leaves
    )
    return _answer(failure or assets_keeper.move(scratch, symbol, sender, recipient, amount))
