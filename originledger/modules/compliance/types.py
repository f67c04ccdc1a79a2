"""Policy packs and their rules, messages, state records, events, genesis and limits of
the compliance module."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import Event
from originledger.core.text import (
    ascii_lower,
    has_edge_space,
    is_ascii_alnum,
    is_ascii_printable,
    is_free_text,
)
from originledger.core.tx import Failure, Msg
from originledger.modules.assets.types import CLASS_POLICIES, check_symbol
from originledger.modules.compliance.codes import ComplianceCode

__all__ = [
    "ALERTS_PER_TX_MAX",
    "CITATION_TEXT_BYTES_MAX",
    "ENTITY_NAME_BYTES_MAX",
    "MONITOR_WINDOW_MS_MAX",
    "NOTE_BYTES_MAX",
    "PACK_RULES_MAX",
    "RULE_ITEMS_MAX",
    "AlertRaised",
    "AppointRegulator",
    "Approval",
    "Citation",
    "ClawbackOrder",
    "ClawbackOrdered",
    "ComplianceGenesis",
    "CustodyApproval",
    "DecideIssuance",
    "Entity",
    "EntityRegistered",
    "GenesisLicense",
    "GenesisRegulator",
    "InflowMark",
    "IssuanceApproval",
    "IssuanceDecided",
    "LargeTransfer",
    "License",
    "LicenseSet",
    "LicensedIssuer",
    "MonitorRule",
    "OrderClawback",
    "PackSet",
    "PolicyPack",
    "RapidInOut",
    "RegisterEntity",
    "RegulatorAppointed",
    "RegulatorRecord",
    "ReserveBacking",
    "RestrictClass",
    "RestrictedNameTerms",
    "Rule",
    "RuleIndex",
    "Scope",
    "SetLicense",
    "SetPack",
    "Structuring",
    "StructuringCount",
]

# Limits of this module, each with its unit.
PACK_RULES_MAX = 64  # rules in one pack
RULE_ITEMS_MAX = 32  # classes, pegs or terms listed by one rule
RULE_ID_BYTES_MAX = 24
PACK_NAME_BYTES_MAX = 128
PACK_SOURCE_BYTES_MAX = 256
CITATION_TEXT_BYTES_MAX = 512  # a citation's quote; its document and section are shorter
CITATION_LABEL_BYTES_MAX = 128
SUMMARY_BYTES_MAX = 256
TERM_BYTES_MAX = 64
ENTITY_NAME_BYTES_MAX = 128
NOTE_BYTES_MAX = 256
MONITOR_WINDOW_MS_MAX = 30 * 24 * 60 * 60 * 1000  # monitoring windows last at most 30 days
MONITOR_COUNT_MAX = 1_000
# Alerts one transaction may raise (a full clearing close moves up to 128 positions).
ALERTS_PER_TX_MAX = 256
THRESHOLD_MAJOR_MAX = 10**15  # thresholds are in major units of the peg currency
BPS_MAX = 10_000

JURISDICTION_PATTERN = re.compile(r"[A-Z]{2}")
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
LICENSE_KIND_PATTERN = re.compile(r"[a-z0-9_]{1,32}")
RULE_ID_PATTERN = re.compile(r"[A-Z]{2}-[A-Za-z0-9-]{1,21}")

# Generous bounds checked while decoding (they bound memory); the precise rules are the
# stateless checks, which answer with a result code.
ShortText = Annotated[str, msgspec.Meta(max_length=64)]
NameText = Annotated[str, msgspec.Meta(max_length=512)]
NoteText = Annotated[str, msgspec.Meta(max_length=1024)]
Uint64 = Annotated[int, msgspec.Meta(ge=0)]


def check_jurisdiction(code: str) -> Failure | None:
    if JURISDICTION_PATTERN.fullmatch(code) is None:
        return Failure(ComplianceCode.INVALID_JURISDICTION, repr(code)[:12])
    return None


def check_symbol_text(symbol: str) -> Failure | None:
    if check_symbol(symbol) is not None:
        return Failure(ComplianceCode.INVALID_SYMBOL, repr(symbol)[:40])
    return None


def check_note(note: str) -> Failure | None:
    if len(note.encode()) > NOTE_BYTES_MAX or not is_free_text(note):
        return Failure(ComplianceCode.NOTE_TOO_LONG)
    return None


# Policy packs ---------------------------------------------------------------------------


class Scope(StrEnum):
    """Which assets a jurisdiction's issuance rule reaches."""

    DOMESTIC = "domestic"  # assets whose home jurisdiction is the pack's
    ANY = "any"  # any asset the rule's classes and pegs match, wherever its home


class Citation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where a rule comes from: a document, a section in it, and a short quote."""

    document: str
    section: str
    quote: str


class _RuleBase(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="kind"):
    id: str
    cites: Citation
    summary: str  # the human reason ``origin compliance explain`` prints


class IssuanceApproval(_RuleBase, frozen=True, tag="issuance_approval"):
    """Issuing an asset of ``classes`` (pegged to one of ``pegs``, when given) needs the
    approval of the pack's regulator; ``scope`` says whether only domestic assets count."""

    classes: list[str]
    pegs: list[str] = []
    scope: str = Scope.DOMESTIC


class RestrictedNameTerms(_RuleBase, frozen=True, tag="restricted_name_terms"):
    """Asset names and symbols of domestic assets, and names of entities registered in the
    jurisdiction, may not contain these terms (case-insensitive, from a word start)."""

    terms: list[str]


class CustodyApproval(_RuleBase, frozen=True, tag="custody_approval"):
    """A regulated financial institution registered in the jurisdiction may not be the
    custodian or agent of an asset of ``classes`` that the regulator has not approved."""

    classes: list[str]


class LicensedIssuer(_RuleBase, frozen=True, tag="licensed_issuer"):
    """The issuer of an asset of ``classes`` (pegs, scope as for approvals) needs a licence
    of kind ``license`` granted by the jurisdiction's regulator."""

    classes: list[str]
    license: str
    pegs: list[str] = []
    scope: str = Scope.DOMESTIC


class ReserveBacking(_RuleBase, frozen=True, tag="reserve_backing"):
    """An asset pegged to one of ``pegs`` must name a custodian other than its issuer, whose
    reserve attestations cap its minting (the assets module enforces the cap)."""

    pegs: list[str]


class RestrictClass(_RuleBase, frozen=True, tag="restrict_class"):
    """Residents of the jurisdiction (by a valid ``residence`` claim) may not receive
    assets of ``classes``; with ``unless_approved``, except assets the regulator approved."""

    classes: list[str]
    unless_approved: bool = False


class LargeTransfer(_RuleBase, frozen=True, tag="large_transfer"):
    """Alert on a transfer of at least ``threshold`` major units of an asset pegged to
    ``peg``."""

    peg: str
    threshold: Uint64


class Structuring(_RuleBase, frozen=True, tag="structuring"):
    """Alert when one sender makes ``count`` transfers of an asset pegged to ``peg``, each
    in ``[floor, threshold)`` major units, within ``window_ms`` (just under a threshold)."""

    peg: str
    threshold: Uint64
    floor: Uint64
    count: Uint64
    window_ms: Uint64


class RapidInOut(_RuleBase, frozen=True, tag="rapid_in_out"):
    """Alert when an account that received at least ``threshold`` major units of an asset
    pegged to ``peg`` sends at least ``share_bps`` of it onward within ``window_ms``."""

    peg: str
    threshold: Uint64
    window_ms: Uint64
    share_bps: Uint64 = 9_000


Rule = (
    IssuanceApproval
    | RestrictedNameTerms
    | CustodyApproval
    | LicensedIssuer
    | ReserveBacking
    | RestrictClass
    | LargeTransfer
    | Structuring
    | RapidInOut
)
MonitorRule = LargeTransfer | Structuring | RapidInOut
MONITOR_RULES = (LargeTransfer, Structuring, RapidInOut)
ISSUANCE_RULES = (
    RestrictedNameTerms,
    IssuanceApproval,
    LicensedIssuer,
    ReserveBacking,
    CustodyApproval,
)


def rule_kind(rule: msgspec.Struct) -> str:
    tag = type(rule).__struct_config__.tag
    return str(tag)


class PolicyPack(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The rules of one jurisdiction, as data."""

    jurisdiction: str
    name: str
    version: Uint64
    source: str
    rules: list[Rule]
    regulator: str = ""  # who the jurisdiction's regulator is, for people

    def rule(self, rule_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None


def _text_ok(text: str, low: int, high: int) -> bool:
    return low <= len(text.encode()) <= high and is_free_text(text)


def _term_ok(term: str) -> bool:
    """A restricted name term: printable ASCII (terms are matched ASCII-case-insensitively,
    by their ASCII letters and digits), no edge spaces, at least one letter or digit."""
    return (
        2 <= len(term) <= TERM_BYTES_MAX
        and is_ascii_printable(term)
        and not has_edge_space(term)
        and any(is_ascii_alnum(character) for character in term)
    )


def _classes_ok(classes: list[str]) -> bool:
    return (
        1 <= len(classes) <= RULE_ITEMS_MAX
        and len(set(classes)) == len(classes)
        and all(name in CLASS_POLICIES for name in classes)
    )


def _pegs_ok(pegs: list[str], *, required: bool) -> bool:
    if required and not pegs:
        return False
    return (
        len(pegs) <= RULE_ITEMS_MAX
        and len(set(pegs)) == len(pegs)
        and all(CURRENCY_PATTERN.fullmatch(peg) for peg in pegs)
    )


def _rule_problem(rule: Rule) -> str | None:
    """What is wrong with one rule, or None."""
    cites = rule.cites
    if not (
        _text_ok(cites.document, 1, CITATION_LABEL_BYTES_MAX)
        and _text_ok(cites.section, 1, CITATION_LABEL_BYTES_MAX)
        and _text_ok(cites.quote, 1, CITATION_TEXT_BYTES_MAX)
    ):
        return "a citation needs a document, a section and a quote (printable, bounded)"
    if not _text_ok(rule.summary, 1, SUMMARY_BYTES_MAX):
        return f"a summary is 1 to {SUMMARY_BYTES_MAX} bytes of printable text"
    if isinstance(rule, IssuanceApproval | LicensedIssuer):
        if not _classes_ok(rule.classes) or not _pegs_ok(rule.pegs, required=False):
            return "classes must be asset classes and pegs ISO 4217 codes, without repeats"
        if rule.scope not in (Scope.DOMESTIC, Scope.ANY):
            return "scope is 'domestic' or 'any'"
        if isinstance(rule, LicensedIssuer) and not LICENSE_KIND_PATTERN.fullmatch(rule.license):
            return "a licence kind is 1 to 32 characters of a-z, 0-9 and '_'"
    elif isinstance(rule, RestrictedNameTerms):
        terms = rule.terms
        if not 1 <= len(terms) <= RULE_ITEMS_MAX or len({ascii_lower(t) for t in terms}) != len(
            terms
        ):
            return f"1 to {RULE_ITEMS_MAX} terms, without repeats"
        if not all(_term_ok(term) for term in terms):
            return f"a term is 2 to {TERM_BYTES_MAX} printable ASCII characters, with a letter"
    elif isinstance(rule, CustodyApproval | RestrictClass):
        if not _classes_ok(rule.classes):
            return "classes must be asset classes, without repeats"
    elif isinstance(rule, ReserveBacking):
        if not _pegs_ok(rule.pegs, required=True):
            return "pegs are 1 or more ISO 4217 codes, without repeats"
    else:  # monitoring rules
        if not CURRENCY_PATTERN.fullmatch(rule.peg):
            return "peg is an ISO 4217 code"
        if not 1 <= rule.threshold <= THRESHOLD_MAJOR_MAX:
            return f"threshold is 1 to {THRESHOLD_MAJOR_MAX} major units"
        if isinstance(rule, Structuring | RapidInOut) and not (
            1 <= rule.window_ms <= MONITOR_WINDOW_MS_MAX
        ):
            return f"window_ms is 1 to {MONITOR_WINDOW_MS_MAX}"
        if isinstance(rule, Structuring) and not (
            1 <= rule.floor < rule.threshold and 2 <= rule.count <= MONITOR_COUNT_MAX
        ):
            return f"floor is 1 to threshold - 1, count is 2 to {MONITOR_COUNT_MAX}"
        if isinstance(rule, RapidInOut) and not 1 <= rule.share_bps <= BPS_MAX:
            return f"share_bps is 1 to {BPS_MAX}"
    return None


def pack_problem(pack: PolicyPack) -> str | None:
    """What makes ``pack`` invalid (the first problem found), or None when it is valid."""
    if JURISDICTION_PATTERN.fullmatch(pack.jurisdiction) is None:
        return "jurisdiction is two capital letters (ISO 3166-1 alpha-2)"
    if not _text_ok(pack.name, 1, PACK_NAME_BYTES_MAX):
        return f"name is 1 to {PACK_NAME_BYTES_MAX} bytes of printable text"
    if not _text_ok(pack.source, 1, PACK_SOURCE_BYTES_MAX):
        return f"source is 1 to {PACK_SOURCE_BYTES_MAX} bytes of printable text"
    if len(pack.regulator.encode()) > PACK_NAME_BYTES_MAX or not is_free_text(pack.regulator):
        return f"regulator is at most {PACK_NAME_BYTES_MAX} bytes of printable text"
    if pack.version < 1:
        return "version starts at 1"
    if not 1 <= len(pack.rules) <= PACK_RULES_MAX:
        return f"a pack has 1 to {PACK_RULES_MAX} rules"
    seen: set[str] = set()
    for rule in pack.rules:
        if (
            RULE_ID_PATTERN.fullmatch(rule.id) is None
            or not rule.id.startswith(pack.jurisdiction + "-")
            or len(rule.id) > RULE_ID_BYTES_MAX
        ):
            return (
                f"rule id {rule.id[:30]!r} must be '{pack.jurisdiction}-' and 1 to 21 of A-Za-z0-9-"
            )
        if rule.id in seen:
            return f"rule id {rule.id!r} is repeated"
        seen.add(rule.id)
        problem = _rule_problem(rule)
        if problem is not None:
            return f"rule {rule.id}: {problem}"
    return None


# State ----------------------------------------------------------------------------------


class ClassRuleRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A ``restrict_class`` rule as the holder checks read it from the index."""

    jurisdiction: str
    rule_id: str
    classes: list[str]
    unless_approved: bool


class MonitorRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    jurisdiction: str
    rule: MonitorRule


class RuleIndex(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """What the movement guards need from every active pack, compiled into one small
    record whenever a pack changes: so that a transfer reads it once, not every pack."""

    jurisdictions: list[str] = []  # those with an active pack, sorted
    class_rules: list[ClassRuleRef] = []
    restricted_classes: list[str] = []  # union of class_rules' classes, sorted
    monitors: list[MonitorRef] = []
    monitored_pegs: list[str] = []  # union of the monitors' pegs, sorted


class RegulatorRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    jurisdiction: str
    account: Address
    appointed_height: int


class Entity(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A registered legal entity (KYB): its name, jurisdiction and whether it is a
    regulated financial institution there (set only with the regulator's signature)."""

    account: Address
    name: str
    jurisdiction: str
    regulated_fi: bool
    height: int


class License(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    jurisdiction: str
    account: Address
    kind: str
    regulator: Address | None  # None for a genesis licence
    height: int


class Approval(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A regulator's decision on an asset (before issuance, or later to withdraw it)."""

    jurisdiction: str
    symbol: str
    issuer: Address
    approved: bool
    note: str
    regulator: Address
    height: int
    time_ms: int


class ClawbackOrder(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_id: int
    jurisdiction: str
    symbol: str
    issuer: Address  # whom the order addresses
    account: Address
    amount: Amount
    note: str
    regulator: Address
    height: int
    time_ms: int


class StructuringCount(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Near-threshold transfers of one sender under one rule in the current window."""

    window_start_ms: int
    count: int


class InflowMark(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A recent large inflow of one account in one asset, under one rapid_in_out rule."""

    at_ms: int
    amount: Amount


# Messages -------------------------------------------------------------------------------


class AppointRegulator(Msg, frozen=True, tag="compliance/appoint_regulator"):
    """An admin appoints (or removes) the regulator of a jurisdiction."""

    admin: Address
    jurisdiction: ShortText
    account: Address
    appointed: bool

    def required_signers(self) -> tuple[Address, ...]:
        return (self.admin,)

    def validate(self) -> Failure | None:
        return check_jurisdiction(self.jurisdiction)


class SetPack(Msg, frozen=True, tag="compliance/set_pack"):
    """A jurisdiction's regulator replaces its policy pack (the pack names it)."""

    regulator: Address
    pack: PolicyPack

    def required_signers(self) -> tuple[Address, ...]:
        return (self.regulator,)

    def validate(self) -> Failure | None:
        problem = pack_problem(self.pack)
        if problem is not None:
            return Failure(ComplianceCode.INVALID_PACK, problem)
        return None


class RegisterEntity(Msg, frozen=True, tag="compliance/register_entity"):
    """An account registers (or updates) itself as a legal entity of a jurisdiction.

    Setting ``regulated_fi``, or changing it once set, needs ``regulator``: an appointed
    regulator of the jurisdiction, who co-signs."""

    account: Address
    name: NameText
    jurisdiction: ShortText
    regulated_fi: bool = False
    regulator: Address | None = None

    def required_signers(self) -> tuple[Address, ...]:
        if self.regulator is None:
            return (self.account,)
        return (self.account, self.regulator)

    def validate(self) -> Failure | None:
        if not _text_ok(self.name, 1, ENTITY_NAME_BYTES_MAX) or has_edge_space(self.name):
            return Failure(ComplianceCode.INVALID_ENTITY_NAME)
        return check_jurisdiction(self.jurisdiction)


class SetLicense(Msg, frozen=True, tag="compliance/license"):
    """A jurisdiction's regulator grants (or withdraws) a licence of ``kind``."""

    regulator: Address
    jurisdiction: ShortText
    account: Address
    kind: ShortText
    granted: bool

    def required_signers(self) -> tuple[Address, ...]:
        return (self.regulator,)

    def validate(self) -> Failure | None:
        failure = check_jurisdiction(self.jurisdiction)
        if failure:
            return failure
        if LICENSE_KIND_PATTERN.fullmatch(self.kind) is None:
            return Failure(ComplianceCode.INVALID_LICENSE_KIND, repr(self.kind)[:40])
        return None


class DecideIssuance(Msg, frozen=True, tag="compliance/decide_issuance"):
    """A jurisdiction's regulator approves or denies an asset for an issuer."""

    regulator: Address
    jurisdiction: ShortText
    symbol: ShortText
    issuer: Address
    approved: bool
    note: NoteText = ""

    def required_signers(self) -> tuple[Address, ...]:
        return (self.regulator,)

    def validate(self) -> Failure | None:
        return (
            check_jurisdiction(self.jurisdiction)
            or check_symbol_text(self.symbol)
            or check_note(self.note)
        )


class OrderClawback(Msg, frozen=True, tag="compliance/order_clawback"):
    """A jurisdiction's regulator requires the asset's issuer to claw back units."""

    regulator: Address
    jurisdiction: ShortText
    symbol: ShortText
    account: Address
    amount: Amount
    note: NoteText = ""

    def required_signers(self) -> tuple[Address, ...]:
        return (self.regulator,)

    def validate(self) -> Failure | None:
        failure = check_jurisdiction(self.jurisdiction) or check_symbol_text(self.symbol)
        if failure:
            return failure
        if self.amount == 0:
            return Failure(ComplianceCode.AMOUNT_ZERO)
        return check_note(self.note)


# Events ---------------------------------------------------------------------------------


class RegulatorAppointed(Event, frozen=True, tag="compliance/regulator_appointed"):
    jurisdiction: str
    account: Address
    appointed: bool


class PackSet(Event, frozen=True, tag="compliance/pack_set"):
    jurisdiction: str
    name: str
    version: int
    rules: list[str]  # rule ids
    regulator: Address | None  # None in genesis


class EntityRegistered(Event, frozen=True, tag="compliance/entity_registered"):
    account: Address
    name: str
    jurisdiction: str
    regulated_fi: bool


class LicenseSet(Event, frozen=True, tag="compliance/license_set"):
    jurisdiction: str
    account: Address
    kind: str
    granted: bool
    regulator: Address | None


class IssuanceDecided(Event, frozen=True, tag="compliance/issuance_decided"):
    jurisdiction: str
    symbol: str
    issuer: Address
    approved: bool
    regulator: Address
    note: str


class ClawbackOrdered(Event, frozen=True, tag="compliance/clawback_ordered"):
    order_id: int
    jurisdiction: str
    symbol: str
    issuer: Address
    account: Address
    amount: Amount
    regulator: Address
    note: str


class AlertRaised(Event, frozen=True, tag="compliance/alert"):
    """A monitoring rule matched a transfer. ``account`` is the one the rule watches (the
    sender); ``count`` is the number of matching transfers (structuring), else 1."""

    rule_id: str
    jurisdiction: str
    kind: str
    symbol: str
    account: Address
    counterparty: Address
    amount: Amount
    count: int = 1


# Genesis --------------------------------------------------------------------------------


class GenesisRegulator(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    jurisdiction: str
    account: Address


class GenesisEntity(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account: Address
    name: str
    jurisdiction: str
    regulated_fi: bool = False


class GenesisLicense(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    jurisdiction: str
    account: Address
    kind: str


class ComplianceGenesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    packs: list[PolicyPack] = []
    regulators: list[GenesisRegulator] = []
    entities: list[GenesisEntity] = []
    licenses: list[GenesisLicense] = []
