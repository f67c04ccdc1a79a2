"""Messages, state records, events, class policies and genesis of the assets module."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import Event
from originledger.core.limits import (
    ASSET_DECIMALS_MAX,
    ASSET_NAME_BYTES_MAX,
    ASSET_SYMBOL_BYTES_MAX,
)
from originledger.core.tx import Failure, Msg
from originledger.modules.assets.codes import AssetsCode

__all__ = [
    "CLASS_POLICIES",
    "AssetClass",
    "AssetIssued",
    "AssetRecord",
    "AssetsGenesis",
    "Balance",
    "Burn",
    "Burned",
    "ClassPolicy",
    "GenesisAsset",
    "GenesisBalance",
    "Issue",
    "Mint",
    "Minted",
    "Transfer",
    "Transferred",
]

_SYMBOL_PATTERN = re.compile(r"[A-Z][A-Z0-9.\-]{0,11}")
# Generous bounds checked while decoding (they bound memory); the precise rules are the
# stateless checks below, which answer with a result code.
SymbolText = Annotated[str, msgspec.Meta(max_length=64)]
NameText = Annotated[str, msgspec.Meta(max_length=256)]
ClassText = Annotated[str, msgspec.Meta(max_length=32)]


class AssetClass(StrEnum):
    """The six token classes of DESIGN.md. Issue #3 gives each its full policy."""

    PAYMENT = "payment"  # fiat-backed stablecoins
    RESERVE = "reserve"  # scarce assets with fixed or scheduled supply
    UTILITY = "utility"  # platform tokens
    CREDIT = "credit"  # notes, bonds, receivables
    SECURITY = "security"  # tokenized funds and real-world assets
    ENTERTAINMENT = "entertainment"  # meme coins: open issuance, hard cap, speculative


class ClassPolicy(msgspec.Struct, frozen=True):
    issuer_role_required: bool
    speculative: bool = False


# The seam for class policies: what each class demands at issuance. Regulated classes need
# an issuer that an admin has vetted; the rest are open.
CLASS_POLICIES: dict[str, ClassPolicy] = {
    AssetClass.PAYMENT: ClassPolicy(issuer_role_required=True),
    AssetClass.RESERVE: ClassPolicy(issuer_role_required=False),
    AssetClass.UTILITY: ClassPolicy(issuer_role_required=False),
    AssetClass.CREDIT: ClassPolicy(issuer_role_required=True),
    AssetClass.SECURITY: ClassPolicy(issuer_role_required=True),
    AssetClass.ENTERTAINMENT: ClassPolicy(issuer_role_required=False, speculative=True),
}


def check_symbol(symbol: str) -> Failure | None:
    if _SYMBOL_PATTERN.fullmatch(symbol) is None or len(symbol) > ASSET_SYMBOL_BYTES_MAX:
        return Failure(AssetsCode.INVALID_SYMBOL, repr(symbol)[:40])
    return None


def check_amount(amount: int) -> Failure | None:
    return Failure(AssetsCode.AMOUNT_ZERO) if amount == 0 else None


# State ----------------------------------------------------------------------------------


class AssetRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    symbol: str
    name: str
    decimals: int
    asset_class: str
    issuer: Address
    max_supply: Amount
    supply: Amount
    created_height: int


class Balance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    amount: Amount


# Messages -------------------------------------------------------------------------------


class Issue(Msg, frozen=True, tag="assets/issue"):
    """Create an asset. ``max_supply`` caps the total ever in circulation at once."""

    issuer: Address
    symbol: SymbolText
    name: NameText
    decimals: int
    asset_class: ClassText
    max_supply: Amount

    def required_signers(self) -> tuple[Address, ...]:
        return (self.issuer,)

    def validate(self) -> Failure | None:
        failure = check_symbol(self.symbol)
        if failure:
            return failure
        name_bytes = len(self.name.encode())
        if not 1 <= name_bytes <= ASSET_NAME_BYTES_MAX or not self.name.isprintable():
            return Failure(AssetsCode.INVALID_NAME)
        if not 0 <= self.decimals <= ASSET_DECIMALS_MAX:
            return Failure(AssetsCode.INVALID_DECIMALS, str(self.decimals))
        if self.asset_class not in CLASS_POLICIES:
            return Failure(AssetsCode.INVALID_CLASS, repr(self.asset_class)[:40])
        return check_amount(self.max_supply)


class Mint(Msg, frozen=True, tag="assets/mint"):
    """The issuer creates ``amount`` new units in ``recipient``'s balance."""

    issuer: Address
    symbol: SymbolText
    recipient: Address
    amount: Amount

    def required_signers(self) -> tuple[Address, ...]:
        return (self.issuer,)

    def validate(self) -> Failure | None:
        return check_symbol(self.symbol) or check_amount(self.amount)


class Burn(Msg, frozen=True, tag="assets/burn"):
    """The issuer destroys ``amount`` units of its own balance (redemption)."""

    issuer: Address
    symbol: SymbolText
    amount: Amount

    def required_signers(self) -> tuple[Address, ...]:
        return (self.issuer,)

    def validate(self) -> Failure | None:
        return check_symbol(self.symbol) or check_amount(self.amount)


class Transfer(Msg, frozen=True, tag="assets/transfer"):
    sender: Address
    recipient: Address
    symbol: SymbolText
    amount: Amount

    def required_signers(self) -> tuple[Address, ...]:
        return (self.sender,)

    def validate(self) -> Failure | None:
        failure = check_symbol(self.symbol) or check_amount(self.amount)
        if failure:
            return failure
        if self.sender == self.recipient:
            return Failure(AssetsCode.SELF_TRANSFER)
        return None


# Events ---------------------------------------------------------------------------------


class AssetIssued(Event, frozen=True, tag="assets/issued"):
    symbol: str
    issuer: Address
    asset_class: str
    decimals: int
    max_supply: Amount


class Minted(Event, frozen=True, tag="assets/minted"):
    symbol: str
    recipient: Address
    amount: Amount
    supply: Amount


class Burned(Event, frozen=True, tag="assets/burned"):
    symbol: str
    holder: Address
    amount: Amount
    supply: Amount


class Transferred(Event, frozen=True, tag="assets/transferred"):
    symbol: str
    sender: Address
    recipient: Address
    amount: Amount


# Genesis --------------------------------------------------------------------------------


class GenesisAsset(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    symbol: str
    name: str
    decimals: int
    asset_class: str
    issuer: Address
    max_supply: Amount


class GenesisBalance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account: Address
    symbol: str
    amount: Amount


class AssetsGenesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    assets: list[GenesisAsset] = []
    balances: list[GenesisBalance] = []
