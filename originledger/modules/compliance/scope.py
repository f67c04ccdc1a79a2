"""A regulator acts for its jurisdictions only.

The accounts module's ``regulator`` role is global: it says an account is a regulator, not
of what. The jurisdiction comes from this module's appointments
(``compliance/regulator/<JJ>/<account>``). Other modules check the role alone (the assets
module lets an asset's issuer "or a regulator" freeze; the attest module lets "a
regulator" name the trusted attesters of a ``policy:`` scope), so this module guards
their messages and refuses a regulator acting outside its jurisdictions:

- ``assets/freeze`` and ``assets/freeze_asset`` by an account that is not the asset's
  issuer: the account must be an appointed regulator of the asset's home jurisdiction, or
  of a jurisdiction whose issuance rules reach the asset (its approval or licence was
  needed to issue it: a CNY stablecoin at home elsewhere, under CN's "any" scope). An
  asset no jurisdiction reaches is the issuer's to freeze alone.
- ``attest/set_trusted`` on ``policy:<name>``: the policy belongs to the jurisdiction its
  name starts with (``policy:HK``, ``policy:HK-vasp``: ``HK``), and only an appointed
  regulator of that jurisdiction sets its trusted attesters (the code is read in either
  case: ``policy:eu-mica`` belongs to ``EU``). A policy whose name starts
  with no jurisdiction code (``policy:global``) has no regulator: only genesis names its
  attesters.

An account without the ``regulator`` role passes these guards untouched: the guarded
module refuses it with its own code (``NOT_AUTHORITY``, ``REGULATOR_ROLE_REQUIRED``).
"""

from __future__ import annotations

from originledger.core.address import Address
from originledger.core.context import StateGetter, TxContext
from originledger.core.text import ascii_upper
from originledger.core.tx import Failure
from originledger.modules.accounts.types import Role
from originledger.modules.assets.types import AssetRecord, Freeze, FreezeAsset
from originledger.modules.attest.types import SetTrusted
from originledger.modules.compliance.codes import ComplianceCode
from originledger.modules.compliance.expected import accounts_keeper, assets_keeper
from originledger.modules.compliance.logic import _active_packs as active_packs
from originledger.modules.compliance.logic import is_regulator, load_index
from originledger.modules.compliance.rules import facts_of_record, rule_reaches
from originledger.modules.compliance.types import (
    JURISDICTION_PATTERN,
    IssuanceApproval,
    LicensedIssuer,
)

__all__ = [
    "guard_freeze",
    "guard_set_trusted",
    "policy_jurisdiction",
    "regulates_asset",
]

_POLICY_PREFIX = "policy:"
_JURISDICTION_SEPARATORS = "-._"


def policy_jurisdiction(name: str) -> str | None:
    """The jurisdiction a policy scope's name belongs to: its first two characters, ASCII
    letters in either case (``eu-mica``: ``EU``), when the name ends there or goes on after
    ``-``, ``.`` or ``_``; else None."""
    code = ascii_upper(name[:2])
    if JURISDICTION_PATTERN.fullmatch(code) is None:
        return None
    if len(name) > 2 and name[2] not in _JURISDICTION_SEPARATORS:
        return None
    return code


def regulates_asset(state: StateGetter, account: Address, asset: AssetRecord) -> bool:
    """Whether ``account`` is an appointed regulator (with the role) of a jurisdiction that
    reaches the asset: its home jurisdiction, or one whose pack's issuance rules
    (``issuance_approval``, ``licensed_issuer``) reach it, so that the asset needed that
    jurisdiction's word to exist. Recording a decision on an asset gives no reach."""
    home = asset.jurisdiction
    if home is not None and is_regulator(state, home, account):
        return True
    facts = facts_of_record(asset)
    for pack in active_packs(state, load_index(state)):
        if pack.jurisdiction == home or not is_regulator(state, pack.jurisdiction, account):
            continue
        for rule in pack.rules:
            if isinstance(rule, IssuanceApproval | LicensedIssuer) and rule_reaches(
                rule, pack.jurisdiction, facts
            ):
                return True
    return False


def guard_freeze(ctx: TxContext, message: Freeze | FreezeAsset) -> Failure | None:
    """A regulator (not the issuer) freezes only an asset within its jurisdictions."""
    asset = assets_keeper.load_asset(ctx.state, message.symbol)
    if asset is None or asset.issuer == message.authority:
        return None  # the assets handler answers ASSET_NOT_FOUND, or the issuer acts
    if not accounts_keeper.has_role(ctx.state, message.authority, Role.REGULATOR):
        return None  # the assets handler answers NOT_AUTHORITY
    if regulates_asset(ctx.state, message.authority, asset):
        return None
    home = asset.jurisdiction or "no jurisdiction"
    return Failure(
        ComplianceCode.OUT_OF_JURISDICTION,
        f"{asset.symbol} (home: {home}) is outside the jurisdictions {message.authority} regulates",
    )


def guard_set_trusted(ctx: TxContext, message: SetTrusted) -> Failure | None:
    """A regulator names trusted attesters only for its own jurisdictions' policies."""
    if not message.scope.startswith(_POLICY_PREFIX):
        return None  # an asset scope: the asset's issuer decides (attest module)
    if not accounts_keeper.has_role(ctx.state, message.authority, Role.REGULATOR):
        return None  # the attest handler answers REGULATOR_ROLE_REQUIRED
    jurisdiction = policy_jurisdiction(message.scope[len(_POLICY_PREFIX) :])
    if jurisdiction is None:
        return Failure(
            ComplianceCode.NOT_REGULATOR,
            f"{message.scope} names no jurisdiction: only genesis sets its attesters",
        )
    if not is_regulator(ctx.state, jurisdiction, message.authority):
        return Failure(ComplianceCode.NOT_REGULATOR, f"{message.authority} for {jurisdiction}")
    return None
