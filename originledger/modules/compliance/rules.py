"""Pure evaluation of policy-pack rules: which rules reach an asset, restricted terms in a
name, and the index the movement guards read."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from originledger.core.text import ascii_lower, is_ascii_alnum, is_ascii_lower, is_ascii_upper
from originledger.modules.assets.types import AssetRecord, Issue
from originledger.modules.compliance.types import (
    MONITOR_RULES,
    ClassRuleRef,
    IssuanceApproval,
    LicensedIssuer,
    MonitorRef,
    PolicyPack,
    RestrictClass,
    RuleIndex,
    Scope,
)

__all__ = [
    "AssetFacts",
    "build_index",
    "facts_of_issue",
    "facts_of_record",
    "find_restricted_term",
    "rule_reaches",
]


class AssetFacts:
    """What the rules look at in an asset, from an ``Issue`` or an ``AssetRecord``."""

    __slots__ = ("agent", "asset_class", "custodian", "issuer", "jurisdiction", "name", "peg")

    def __init__(
        self,
        *,
        asset_class: str,
        peg: str | None,
        jurisdiction: str | None,
        issuer: bytes,
        name: str,
        custodian: bytes | None,
        agent: bytes | None,
    ) -> None:
        self.asset_class = asset_class
        self.peg = peg
        self.jurisdiction = jurisdiction
        self.issuer = issuer
        self.name = name
        self.custodian = custodian
        self.agent = agent


def facts_of_issue(message: Issue) -> AssetFacts:
    return AssetFacts(
        asset_class=message.asset_class,
        peg=message.peg,
        jurisdiction=message.jurisdiction,
        issuer=message.issuer,
        name=message.name,
        custodian=message.custodian,
        agent=message.agent,
    )


def facts_of_record(asset: AssetRecord) -> AssetFacts:
    return AssetFacts(
        asset_class=asset.asset_class,
        peg=asset.peg,
        jurisdiction=asset.jurisdiction,
        issuer=asset.issuer,
        name=asset.name,
        custodian=asset.custodian,
        agent=asset.agent,
    )


def rule_reaches(
    rule: IssuanceApproval | LicensedIssuer, jurisdiction: str, asset: AssetFacts
) -> bool:
    """Whether an issuance rule of ``jurisdiction``'s pack applies to the asset: its class
    is listed, its peg is listed (when the rule lists pegs), and it is domestic (when the
    rule's scope is domestic)."""
    if asset.asset_class not in rule.classes:
        return False
    if rule.pegs and asset.peg not in rule.pegs:
        return False
    return rule.scope == Scope.ANY or asset.jurisdiction == jurisdiction


def _boundaries(text: str) -> set[int]:
    """Positions where a word starts: the beginning, after a character that is not an ASCII
    letter or digit, and at a capital that follows a small letter (camelCase). ASCII only,
    so that the answer never depends on the interpreter's Unicode version."""
    starts = {0}
    for position in range(1, len(text)):
        before, here = text[position - 1], text[position]
        if (not is_ascii_alnum(before) and is_ascii_alnum(here)) or (
            is_ascii_lower(before) and is_ascii_upper(here)
        ):
            starts.add(position)
    return starts


def _term_pattern(term: str) -> re.Pattern[str]:
    # Words of the term may be joined by any run of separators, or by none:
    # "crypto asset" matches "Crypto-Asset" and "CryptoAsset".
    words = [re.escape(word) for word in re.split(r"[^0-9a-z]+", ascii_lower(term)) if word]
    return re.compile(r"[^0-9a-z]*".join(words))


def find_restricted_term(text: str, terms: Sequence[str]) -> str | None:
    """The first of ``terms`` that ``text`` contains from a word start (ASCII case-insensitive;
    plurals and suffixes match: "stablecoins", "RWAs"; "forward" does not contain "RWA")."""
    lowered = ascii_lower(text)  # the same length, on every Python
    starts = _boundaries(text)
    for term in terms:
        for match in _term_pattern(term).finditer(lowered):
            if match.start() in starts:
                return term
    return None


def build_index(packs: Iterable[PolicyPack]) -> RuleIndex:
    """The index the movement guards read: active jurisdictions, class restrictions and
    monitoring rules, in jurisdiction order, then rule order."""
    ordered = sorted(packs, key=lambda pack: pack.jurisdiction)
    class_rules: list[ClassRuleRef] = []
    monitors: list[MonitorRef] = []
    for pack in ordered:
        for rule in pack.rules:
            if isinstance(rule, RestrictClass):
                class_rules.append(
                    ClassRuleRef(pack.jurisdiction, rule.id, rule.classes, rule.unless_approved)
                )
            elif isinstance(rule, MONITOR_RULES):
                monitors.append(MonitorRef(pack.jurisdiction, rule))
    return RuleIndex(
        jurisdictions=[pack.jurisdiction for pack in ordered],
        class_rules=class_rules,
        restricted_classes=sorted({name for ref in class_rules for name in ref.classes}),
        monitors=monitors,
        monitored_pegs=sorted({ref.rule.peg for ref in monitors}),
    )
