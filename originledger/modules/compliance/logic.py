"""Pure handlers and guards of the compliance module.

Handlers run the module's own messages (regulators, packs, entities, licences, approvals,
orders). Guards run before the assets module's handlers (see ``core.module.Guard``):
``assets/issue`` and ``assets/pause`` against the issuance rules, and every message that
gives an account units (transfer, mint, hold, forced transfer, recovery) against the
holder checks. Monitoring (``watch_movements``) runs after a transaction's messages over
every movement of units they made, whichever module made it, and raises alerts.

Cheap by default: the movement guards read the asset record and the compiled rule index
(one small, hot record) and stop there unless the asset carries compliance fields, its
class is restricted somewhere. Monitoring reads the index once per transaction that
moved units, and writes only for movements in a watched band.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache

from originledger.core.address import Address
from originledger.core.amounts import Amount, compare_units
from originledger.core.codec import decode, encode
from originledger.core.context import BlockState, Event, Movement, StateGetter, TxContext
from originledger.core.module import InvariantBroken
from originledger.core.tx import Failure
from originledger.modules.accounts.types import Role
from originledger.modules.assets.types import (
    AssetClass,
    AssetRecord,
    ForceTransfer,
    Issue,
    Mint,
    Pause,
    PlaceHold,
    Recover,
    Transfer,
)
from originledger.modules.compliance.codes import ComplianceCode
from originledger.modules.compliance.expected import accounts_keeper, assets_keeper, attest_keeper
from originledger.modules.compliance.keys import (
    INDEX_KEY,
    ORDER_SEQUENCE_KEY,
    approval_key,
    entity_key,
    inflow_key,
    license_key,
    order_key,
    pack_key,
    regulator_key,
    structuring_key,
)
from originledger.modules.compliance.rules import (
    AssetFacts,
    build_index,
    facts_of_issue,
    facts_of_record,
    find_restricted_term,
    rule_reaches,
)
from originledger.modules.compliance.types import (
    ALERTS_PER_TX_MAX,
    AlertRaised,
    AppointRegulator,
    Approval,
    ClawbackOrder,
    ClawbackOrdered,
    ComplianceGenesis,
    CustodyApproval,
    DecideIssuance,
    Entity,
    EntityRegistered,
    InflowMark,
    IssuanceApproval,
    IssuanceDecided,
    LargeTransfer,
    License,
    LicensedIssuer,
    LicenseSet,
    OrderClawback,
    PackSet,
    PolicyPack,
    RapidInOut,
    RegisterEntity,
    RegulatorAppointed,
    RegulatorRecord,
    ReserveBacking,
    RestrictedNameTerms,
    RuleIndex,
    SetLicense,
    SetPack,
    Structuring,
    StructuringCount,
    check_jurisdiction,
    pack_problem,
    rule_kind,
)

__all__ = [
    "appoint_regulator",
    "check_receiver",
    "decide_issuance",
    "genesis_init",
    "guard_force_transfer",
    "guard_hold",
    "guard_issue",
    "guard_mint",
    "guard_pause",
    "guard_recover",
    "guard_transfer",
    "is_approved",
    "is_regulator",
    "load_approval",
    "load_entity",
    "load_index",
    "load_pack",
    "order_clawback",
    "register_entity",
    "set_license",
    "set_pack",
    "watch_movements",
]

_EMPTY_INDEX = RuleIndex()
RESIDENCE_TOPIC = "residence"


# Reading --------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _decode_index(raw: bytes) -> RuleIndex:
    # The index is read by every transfer and changes only with a pack: decoding it once
    # per distinct value is a pure memo (the same bytes always decode to the same index).
    return decode(raw, RuleIndex)


def load_index(state: StateGetter) -> RuleIndex:
    raw = state.get(INDEX_KEY)
    return _EMPTY_INDEX if raw is None else _decode_index(raw)


def load_pack(state: StateGetter, jurisdiction: str) -> PolicyPack | None:
    raw = state.get(pack_key(jurisdiction))
    return None if raw is None else decode(raw, PolicyPack)


def _active_packs(state: StateGetter, index: RuleIndex) -> list[PolicyPack]:
    packs: list[PolicyPack] = []
    for jurisdiction in index.jurisdictions:
        pack = load_pack(state, jurisdiction)
        if pack is None:
            raise InvariantBroken(f"invariant broken: the index names no pack {jurisdiction}")
        packs.append(pack)
    return packs


def load_entity(state: StateGetter, account: Address) -> Entity | None:
    raw = state.get(entity_key(account))
    return None if raw is None else decode(raw, Entity)


def load_approval(state: StateGetter, jurisdiction: str, symbol: str) -> Approval | None:
    raw = state.get(approval_key(jurisdiction, symbol))
    return None if raw is None else decode(raw, Approval)


def is_approved(state: StateGetter, jurisdiction: str, symbol: str, issuer: Address) -> bool:
    approval = load_approval(state, jurisdiction, symbol)
    return approval is not None and approval.approved and approval.issuer == issuer


def is_regulator(state: StateGetter, jurisdiction: str, account: Address) -> bool:
    """An appointed regulator of ``jurisdiction`` who also holds the regulator role."""
    return state.get(regulator_key(jurisdiction, account)) is not None and accounts_keeper.has_role(
        state, account, Role.REGULATOR
    )


def _not_regulator(state: StateGetter, jurisdiction: str, account: Address) -> Failure | None:
    if not is_regulator(state, jurisdiction, account):
        return Failure(ComplianceCode.NOT_REGULATOR, f"{account} for {jurisdiction}")
    return None


# Issuance rules -------------------------------------------------------------------------


def _approval_failure(
    state: StateGetter, rule_id: str, jurisdiction: str, symbol: str, issuer: Address
) -> Failure | None:
    approval = load_approval(state, jurisdiction, symbol)
    if approval is None or approval.issuer != issuer:
        who = "" if approval is None else " (approved for another issuer)"
        return Failure(
            ComplianceCode.APPROVAL_MISSING,
            f"{rule_id}: {symbol} needs the approval of the {jurisdiction} regulator{who}",
        )
    if not approval.approved:
        return Failure(
            ComplianceCode.APPROVAL_DENIED,
            f"{rule_id}: the {jurisdiction} regulator denied {symbol}",
        )
    return None


def _issuance_failure(
    state: StateGetter, packs: Sequence[PolicyPack], symbol: str, facts: AssetFacts
) -> Failure | None:
    """The issuance rules, kind by kind in the order of their codes, across every pack."""
    for pack in packs:
        if facts.jurisdiction != pack.jurisdiction:
            continue
        for rule in pack.rules:
            if isinstance(rule, RestrictedNameTerms):
                term = find_restricted_term(facts.name, rule.terms) or find_restricted_term(
                    symbol, rule.terms
                )
                if term is not None:
                    return Failure(
                        ComplianceCode.RESTRICTED_NAME, f"{rule.id}: {term!r} in {facts.name!r}"
                    )
    issuer = Address(facts.issuer)
    for pack in packs:
        for rule in pack.rules:
            if isinstance(rule, IssuanceApproval) and rule_reaches(rule, pack.jurisdiction, facts):
                failure = _approval_failure(state, rule.id, pack.jurisdiction, symbol, issuer)
                if failure:
                    return failure
    for pack in packs:
        for rule in pack.rules:
            if (
                isinstance(rule, LicensedIssuer)
                and rule_reaches(rule, pack.jurisdiction, facts)
                and state.get(license_key(issuer, pack.jurisdiction, rule.license)) is None
            ):
                return Failure(
                    ComplianceCode.LICENSE_MISSING,
                    f"{rule.id}: a {rule.license!r} licence of {pack.jurisdiction}",
                )
    for pack in packs:
        for rule in pack.rules:
            if (
                isinstance(rule, ReserveBacking)
                and facts.peg in rule.pegs
                and (facts.custodian is None or facts.custodian == facts.issuer)
            ):
                return Failure(
                    ComplianceCode.RESERVE_CUSTODIAN_REQUIRED,
                    f"{rule.id}: {facts.peg}-pegged assets are backed by a custodian's reserves",
                )
    providers = [
        Address(account)
        for account in dict.fromkeys((facts.custodian, facts.agent))
        if account is not None and account != facts.issuer
    ]
    for pack in packs:
        for rule in pack.rules:
            if not isinstance(rule, CustodyApproval) or facts.asset_class not in rule.classes:
                continue
            for provider in providers:
                entity = load_entity(state, provider)
                if (
                    entity is not None
                    and entity.regulated_fi
                    and entity.jurisdiction == pack.jurisdiction
                    and not is_approved(state, pack.jurisdiction, symbol, issuer)
                ):
                    return Failure(
                        ComplianceCode.CUSTODY_NOT_APPROVED,
                        f"{rule.id}: {provider} is a regulated institution of "
                        f"{pack.jurisdiction}, which has not approved {symbol}",
                    )
    return None


def guard_issue(ctx: TxContext, message: Issue) -> Failure | None:
    index = load_index(ctx.state)
    if not index.jurisdictions:
        return None
    packs = _active_packs(ctx.state, index)
    return _issuance_failure(ctx.state, packs, message.symbol, facts_of_issue(message))


def guard_pause(ctx: TxContext, message: Pause) -> Failure | None:
    """Opening (unpausing) a security asset needs every approval its rules require."""
    if message.paused:
        return None
    asset = assets_keeper.load_asset(ctx.state, message.symbol)
    if asset is None or asset.asset_class != AssetClass.SECURITY or not asset.paused:
        return None
    index = load_index(ctx.state)
    facts = facts_of_record(asset)
    for pack in _active_packs(ctx.state, index):
        for rule in pack.rules:
            if isinstance(rule, IssuanceApproval) and rule_reaches(rule, pack.jurisdiction, facts):
                failure = _approval_failure(
                    ctx.state, rule.id, pack.jurisdiction, asset.symbol, asset.issuer
                )
                if failure:
                    return Failure(ComplianceCode.UNPAUSE_NOT_APPROVED, failure.detail)
    return None


# Holder checks --------------------------------------------------------------------------


def _needs_holder_checks(asset: AssetRecord, index: RuleIndex) -> bool:
    return bool(
        asset.required_claims
        or asset.jurisdictions
        or asset.holders_max is not None
        or asset.balance_max is not None
        or asset.asset_class in index.restricted_classes
    )


def _scopes(asset: AssetRecord) -> list[str]:
    """Where a holder's claims are trusted: the asset's scope, then its home
    jurisdiction's policy scope."""
    scopes = [attest_keeper.asset_scope(asset.symbol)]
    if asset.jurisdiction is not None:
        scopes.append(attest_keeper.policy_scope(asset.jurisdiction))
    return scopes


def _residence(state: StateGetter, account: Address, scopes: Sequence[str], now_ms: int) -> str:
    for scope in scopes:
        value = attest_keeper.claim_value(state, account, RESIDENCE_TOPIC, scope, now_ms)
        if isinstance(value, str):
            return value
    return ""


def check_receiver(
    state: StateGetter,
    asset: AssetRecord,
    index: RuleIndex,
    receiver: Address,
    amount: int,
    now_ms: int,
    *,
    holder_leaves: bool = False,
) -> Failure | None:
    """Whether ``receiver`` may receive ``amount`` of ``asset``; the first failing check,
    in the order of the codes. ``holder_leaves``: the units come from an account whose
    whole balance moves, so the number of holders cannot grow. The asset's issuer and
    agent are exempt (the treasury, redemptions, recoveries)."""
    if receiver == asset.issuer or receiver == assets_keeper.agent_of(asset):
        return None
    if not _needs_holder_checks(asset, index):
        return None
    scopes = _scopes(asset)
    for topic in asset.required_claims:
        if not any(
            attest_keeper.valid_claim(state, receiver, topic, scope, now_ms) for scope in scopes
        ):
            return Failure(
                ComplianceCode.RECEIVER_NOT_VERIFIED,
                f"asset {asset.symbol} requires a valid {topic!r} claim",
            )
    residence: str | None = None
    if asset.jurisdictions:
        residence = _residence(state, receiver, scopes, now_ms)
        if residence not in asset.jurisdictions:
            shown = residence or "unknown"
            return Failure(
                ComplianceCode.COUNTRY_RESTRICTED,
                f"asset {asset.symbol} allows {','.join(asset.jurisdictions)}; residence {shown}",
            )
    if asset.asset_class in index.restricted_classes:
        for ref in index.class_rules:
            if asset.asset_class not in ref.classes:
                continue
            if residence != ref.jurisdiction:
                found = _residence(
                    state, receiver, [*scopes, attest_keeper.policy_scope(ref.jurisdiction)], now_ms
                )
                if found != ref.jurisdiction:
                    continue
            if ref.unless_approved and is_approved(
                state, ref.jurisdiction, asset.symbol, asset.issuer
            ):
                continue
            return Failure(
                ComplianceCode.CLASS_RESTRICTED,
                f"{ref.rule_id}: residents of {ref.jurisdiction} may not receive "
                f"{asset.asset_class} assets",
            )
    held = -1
    if asset.holders_max is not None and asset.holders >= asset.holders_max and not holder_leaves:
        held = assets_keeper.balance_of(state, receiver, asset.symbol)
        if held == 0:
            return Failure(
                ComplianceCode.HOLDER_LIMIT, f"asset {asset.symbol}: {asset.holders_max} holders"
            )
    if asset.balance_max is not None:
        if held < 0:
            held = assets_keeper.balance_of(state, receiver, asset.symbol)
        if held + amount > asset.balance_max:
            return Failure(
                ComplianceCode.BALANCE_LIMIT,
                compare_units(held + amount, ">", asset.balance_max, asset.decimals, asset.symbol)
                + ", the most one holder may hold",
            )
    return None


def _whole_balance(state: StateGetter, account: Address, symbol: str, amount: int) -> bool:
    return assets_keeper.balance_of(state, account, symbol) == amount


def _movement_check(
    ctx: TxContext,
    symbol: str,
    receiver: Address,
    amount: int,
    sender: Address | None,
) -> tuple[AssetRecord | None, RuleIndex, Failure | None]:
    asset = assets_keeper.load_asset(ctx.state, symbol)
    if asset is None:
        return None, _EMPTY_INDEX, None  # the assets handler answers ASSET_NOT_FOUND
    index = load_index(ctx.state)
    leaves = False
    if sender is not None and asset.holders_max is not None and asset.holders >= asset.holders_max:
        leaves = _whole_balance(ctx.state, sender, symbol, amount)
    failure = check_receiver(
        ctx.state, asset, index, receiver, amount, ctx.block.time_ms, holder_leaves=leaves
    )
    return asset, index, failure


def guard_transfer(ctx: TxContext, message: Transfer) -> Failure | None:
    return _movement_check(ctx, message.symbol, message.recipient, message.amount, message.sender)[
        2
    ]


def guard_mint(ctx: TxContext, message: Mint) -> Failure | None:
    return _movement_check(ctx, message.symbol, message.recipient, message.amount, None)[2]


def guard_hold(ctx: TxContext, message: PlaceHold) -> Failure | None:
    return _movement_check(ctx, message.symbol, message.payee, message.amount, None)[2]


def guard_force_transfer(ctx: TxContext, message: ForceTransfer) -> Failure | None:
    return _movement_check(ctx, message.symbol, message.recipient, message.amount, message.sender)[
        2
    ]


def guard_recover(ctx: TxContext, message: Recover) -> Failure | None:
    asset = assets_keeper.load_asset(ctx.state, message.symbol)
    if asset is None:
        return None
    amount = assets_keeper.balance_of(ctx.state, message.lost, message.symbol)
    return check_receiver(
        ctx.state,
        asset,
        load_index(ctx.state),
        message.new,
        amount,
        ctx.block.time_ms,
        holder_leaves=True,
    )


# Monitoring -----------------------------------------------------------------------------


def _alert(
    ctx: TxContext,
    jurisdiction: str,
    rule: LargeTransfer | Structuring | RapidInOut,
    asset: AssetRecord,
    account: Address,
    counterparty: Address,
    amount: int,
    count: int = 1,
) -> None:
    ctx.emit(
        AlertRaised(
            rule.id,
            jurisdiction,
            rule_kind(rule),
            asset.symbol,
            account,
            counterparty,
            Amount(amount),
            count,
        )
    )


def watch_movements(
    ctx: TxContext, movements: Sequence[Movement], module_accounts: AbstractSet[Address]
) -> Failure | None:
    """Monitoring, over every movement of units a transaction made, in order, after its
    messages succeeded: transfers, forced transfers and recoveries, hold posts, swaps,
    payments, escrow and channel movements, clearing settlement; whichever module made
    them (the assets move path records each one). Raises alerts, at most
    ``ALERTS_PER_TX_MAX`` per transaction (the first ones; every movement still counts
    toward structuring and rapid in/out); never refuses. Costs one read of the rule index
    when no peg is monitored."""
    index = load_index(ctx.state)
    if not index.monitored_pegs:
        return None
    first = len(ctx.events)
    for movement in movements:
        asset = assets_keeper.load_asset(ctx.state, movement.symbol)
        if asset is None or asset.peg not in index.monitored_pegs:
            continue
        _monitor(
            ctx,
            asset,
            index,
            movement.sender,
            movement.recipient,
            movement.amount,
            module_accounts,
        )
    # Every movement counted and marked above; the alerts of one transaction are bounded.
    del ctx.events[first + ALERTS_PER_TX_MAX :]
    return None


def _monitor(
    ctx: TxContext,
    asset: AssetRecord,
    index: RuleIndex,
    sender: Address,
    recipient: Address,
    amount: int,
    module_accounts: AbstractSet[Address],
) -> None:
    """Apply the monitoring rules of the asset's peg to one movement. Thresholds are in
    major units of the peg currency, scaled by the asset's decimals. A module account
    (escrow, central counterparty) is never the watched party of the rules that count or
    remember (structuring, rapid in/out): units only pass through it, for many users."""
    scale = 10**asset.decimals
    now_ms = ctx.block.time_ms
    state = ctx.state
    for ref in index.monitors:
        rule = ref.rule
        if rule.peg != asset.peg:
            continue
        threshold = rule.threshold * scale
        if isinstance(rule, LargeTransfer):
            if amount >= threshold:
                _alert(ctx, ref.jurisdiction, rule, asset, sender, recipient, amount)
        elif isinstance(rule, Structuring):
            if not rule.floor * scale <= amount < threshold or sender in module_accounts:
                continue
            key = structuring_key(rule.id, sender)
            current = state.get_record(key, StructuringCount)
            if current is not None and now_ms - current.window_start_ms < rule.window_ms:
                counted = StructuringCount(current.window_start_ms, current.count + 1)
            else:
                counted = StructuringCount(now_ms, 1)
            if counted.count >= rule.count:
                _alert(ctx, ref.jurisdiction, rule, asset, sender, recipient, amount, counted.count)
                state.delete(key)
            else:
                state.put_record(key, counted)
        else:
            _monitor_rapid(
                ctx, ref.jurisdiction, rule, asset, sender, recipient, amount, module_accounts
            )


def _monitor_rapid(
    ctx: TxContext,
    jurisdiction: str,
    rule: RapidInOut,
    asset: AssetRecord,
    sender: Address,
    recipient: Address,
    amount: int,
    module_accounts: AbstractSet[Address],
) -> None:
    state = ctx.state
    now_ms = ctx.block.time_ms
    threshold = rule.threshold * 10**asset.decimals
    # An outflow can match only a mark of at least ``threshold``: smaller ones read nothing.
    if amount * 10_000 >= threshold * rule.share_bps and sender not in module_accounts:
        key = inflow_key(rule.id, sender, asset.symbol)
        mark = state.get_record(key, InflowMark)
        if mark is not None:
            if now_ms - mark.at_ms > rule.window_ms:
                state.delete(key)
            elif amount * 10_000 >= mark.amount * rule.share_bps:
                _alert(ctx, jurisdiction, rule, asset, sender, recipient, amount)
                state.delete(key)
    if amount >= threshold and recipient not in module_accounts:
        state.put_record(
            inflow_key(rule.id, recipient, asset.symbol), InflowMark(now_ms, Amount(amount))
        )


# Handlers -------------------------------------------------------------------------------


def appoint_regulator(ctx: TxContext, message: AppointRegulator) -> Failure | None:
    if not accounts_keeper.has_role(ctx.state, message.admin, Role.ADMIN):
        return Failure(ComplianceCode.NOT_ADMIN)
    key = regulator_key(message.jurisdiction, message.account)
    if (ctx.state.get(key) is not None) == message.appointed:
        return Failure(ComplianceCode.UNCHANGED)
    if message.appointed:
        ctx.state.put_record(
            key, RegulatorRecord(message.jurisdiction, message.account, ctx.block.height)
        )
    else:
        ctx.state.delete(key)
    ctx.emit(RegulatorAppointed(message.jurisdiction, message.account, message.appointed))
    return None


def _install_pack(ctx: TxContext, pack: PolicyPack) -> None:
    """Store ``pack`` and recompile the index over every active pack."""
    view = ctx.state
    index = load_index(view)
    others = [p for p in _active_packs(view, index) if p.jurisdiction != pack.jurisdiction]
    view.set(pack_key(pack.jurisdiction), encode(pack))
    view.set(INDEX_KEY, encode(build_index([*others, pack])))


def _pack_event(pack: PolicyPack, regulator: Address | None) -> PackSet:
    return PackSet(
        pack.jurisdiction, pack.name, pack.version, [rule.id for rule in pack.rules], regulator
    )


def set_pack(ctx: TxContext, message: SetPack) -> Failure | None:
    pack = message.pack
    failure = _not_regulator(ctx.state, pack.jurisdiction, message.regulator)
    if failure:
        return failure
    current = load_pack(ctx.state, pack.jurisdiction)
    if current is not None and pack.version <= current.version:
        return Failure(ComplianceCode.VERSION_NOT_NEWER, f"active version {current.version}")
    _install_pack(ctx, pack)
    ctx.emit(_pack_event(pack, message.regulator))
    return None


def register_entity(ctx: TxContext, message: RegisterEntity) -> Failure | None:
    current = load_entity(ctx.state, message.account)
    fi_at_stake = message.regulated_fi or (current is not None and current.regulated_fi)
    needs_regulator = message.regulator is not None or fi_at_stake
    if needs_regulator and (
        message.regulator is None
        or not is_regulator(ctx.state, message.jurisdiction, message.regulator)
    ):
        return Failure(ComplianceCode.FI_NEEDS_REGULATOR, message.jurisdiction)
    pack = load_pack(ctx.state, message.jurisdiction)
    for rule in pack.rules if pack is not None else ():
        if isinstance(rule, RestrictedNameTerms):
            term = find_restricted_term(message.name, rule.terms)
            if term is not None:
                return Failure(
                    ComplianceCode.RESTRICTED_NAME, f"{rule.id}: {term!r} in {message.name!r}"
                )
    if current is not None and (current.name, current.jurisdiction, current.regulated_fi) == (
        message.name,
        message.jurisdiction,
        message.regulated_fi,
    ):
        return Failure(ComplianceCode.UNCHANGED)
    entity = Entity(
        message.account, message.name, message.jurisdiction, message.regulated_fi, ctx.block.height
    )
    ctx.state.put_record(entity_key(message.account), entity)
    ctx.emit(
        EntityRegistered(message.account, message.name, message.jurisdiction, message.regulated_fi)
    )
    return None


def set_license(ctx: TxContext, message: SetLicense) -> Failure | None:
    failure = _not_regulator(ctx.state, message.jurisdiction, message.regulator)
    if failure:
        return failure
    key = license_key(message.account, message.jurisdiction, message.kind)
    if (ctx.state.get(key) is not None) == message.granted:
        return Failure(ComplianceCode.UNCHANGED)
    if message.granted:
        ctx.state.put_record(
            key,
            License(
                message.jurisdiction,
                message.account,
                message.kind,
                message.regulator,
                ctx.block.height,
            ),
        )
    else:
        ctx.state.delete(key)
    ctx.emit(
        LicenseSet(
            message.jurisdiction, message.account, message.kind, message.granted, message.regulator
        )
    )
    return None


def decide_issuance(ctx: TxContext, message: DecideIssuance) -> Failure | None:
    failure = _not_regulator(ctx.state, message.jurisdiction, message.regulator)
    if failure:
        return failure
    current = load_approval(ctx.state, message.jurisdiction, message.symbol)
    if current is not None and (current.approved, current.issuer, current.note) == (
        message.approved,
        message.issuer,
        message.note,
    ):
        return Failure(ComplianceCode.UNCHANGED)
    approval = Approval(
        message.jurisdiction,
        message.symbol,
        message.issuer,
        message.approved,
        message.note,
        message.regulator,
        ctx.block.height,
        ctx.block.time_ms,
    )
    ctx.state.put_record(approval_key(message.jurisdiction, message.symbol), approval)
    ctx.emit(
        IssuanceDecided(
            message.jurisdiction,
            message.symbol,
            message.issuer,
            message.approved,
            message.regulator,
            message.note,
        )
    )
    return None


def order_clawback(ctx: TxContext, message: OrderClawback) -> Failure | None:
    failure = _not_regulator(ctx.state, message.jurisdiction, message.regulator)
    if failure:
        return failure
    asset = assets_keeper.load_asset(ctx.state, message.symbol)
    if asset is None:
        return Failure(ComplianceCode.ASSET_NOT_FOUND, message.symbol)
    if (
        asset.jurisdiction != message.jurisdiction
        and load_approval(ctx.state, message.jurisdiction, message.symbol) is None
    ):
        return Failure(ComplianceCode.OUT_OF_JURISDICTION, f"{message.symbol}")
    if not asset.clawback_enabled:
        return Failure(ComplianceCode.CLAWBACK_NOT_POSSIBLE, message.symbol)
    raw = ctx.state.get(ORDER_SEQUENCE_KEY)
    order_id = 1 if raw is None else decode(raw, int) + 1
    ctx.state.set(ORDER_SEQUENCE_KEY, encode(order_id))
    order = ClawbackOrder(
        order_id,
        message.jurisdiction,
        message.symbol,
        asset.issuer,
        message.account,
        message.amount,
        message.note,
        message.regulator,
        ctx.block.height,
        ctx.block.time_ms,
    )
    ctx.state.put_record(order_key(order_id), order)
    ctx.emit(
        ClawbackOrdered(
            order_id,
            message.jurisdiction,
            message.symbol,
            asset.issuer,
            message.account,
            message.amount,
            message.regulator,
            message.note,
        )
    )
    return None


# Genesis --------------------------------------------------------------------------------


def genesis_init(state: BlockState, genesis: ComplianceGenesis) -> list[Event]:
    """Install the packs, regulators, entities and licences of genesis; raises
    ``ValueError`` on a malformed entry (the chain does not start)."""
    events: list[Event] = []
    packs: dict[str, PolicyPack] = {}
    for pack in genesis.packs:
        problem = pack_problem(pack)
        if problem is not None:
            raise ValueError(f"genesis: policy pack {pack.jurisdiction!r}: {problem}")
        if pack.jurisdiction in packs:
            raise ValueError(f"genesis: two policy packs for {pack.jurisdiction}")
        packs[pack.jurisdiction] = pack
        state.set(pack_key(pack.jurisdiction), encode(pack))
        events.append(_pack_event(pack, None))
    if packs:
        state.set(INDEX_KEY, encode(build_index(packs.values())))
    for regulator in genesis.regulators:
        if check_jurisdiction(regulator.jurisdiction) is not None:
            raise ValueError(f"genesis: regulator jurisdiction {regulator.jurisdiction!r}")
        key = regulator_key(regulator.jurisdiction, regulator.account)
        if state.get(key) is not None:
            raise ValueError(f"genesis: regulator {regulator.account} listed twice")
        state.set(key, encode(RegulatorRecord(regulator.jurisdiction, regulator.account, 0)))
        events.append(RegulatorAppointed(regulator.jurisdiction, regulator.account, True))
    for entry in genesis.entities:
        message = RegisterEntity(entry.account, entry.name, entry.jurisdiction, entry.regulated_fi)
        failure = message.validate()
        if failure is not None:
            raise ValueError(f"genesis: entity {entry.account}: {failure.code.message}")
        if state.get(entity_key(entry.account)) is not None:
            raise ValueError(f"genesis: entity {entry.account} listed twice")
        entity = Entity(entry.account, entry.name, entry.jurisdiction, entry.regulated_fi, 0)
        state.set(entity_key(entry.account), encode(entity))
        events.append(
            EntityRegistered(entry.account, entry.name, entry.jurisdiction, entry.regulated_fi)
        )
    for grant in genesis.licenses:
        failure = SetLicense(
            grant.account, grant.jurisdiction, grant.account, grant.kind, True
        ).validate()
        if failure is not None:
            raise ValueError(f"genesis: licence {grant.kind!r}: {failure.code.message}")
        record = License(grant.jurisdiction, grant.account, grant.kind, None, 0)
        state.set(license_key(grant.account, grant.jurisdiction, grant.kind), encode(record))
        events.append(LicenseSet(grant.jurisdiction, grant.account, grant.kind, True, None))
    return events
