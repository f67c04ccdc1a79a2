"""Messages, state records, events, class policies, limits and genesis of the assets module."""

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
    TIME_MS_MAX,
)
from originledger.core.text import is_ascii_printable, is_free_text
from originledger.core.tx import Failure, Msg
from originledger.modules.assets.codes import AssetsCode

__all__ = [
    "CLASS_POLICIES",
    "COUPON_BPS_MAX",
    "HOLD_DURATION_MS_MAX",
    "HOLD_EXPIRIES_PER_BLOCK_MAX",
    "HOLD_EXPIRY_BUCKETS_PER_BLOCK_MAX",
    "HOLD_EXPIRY_BUCKET_MS",
    "HOLD_ID_BYTES",
    "JURISDICTIONS_MAX",
    "REQUIRED_CLAIMS_MAX",
    "AssetClass",
    "AssetFrozenSet",
    "AssetIssued",
    "AssetPaused",
    "AssetRecord",
    "AssetsGenesis",
    "AssetsParams",
    "AttestReserves",
    "Authorize",
    "Balance",
    "Burn",
    "Burned",
    "ClassPolicy",
    "Clawback",
    "ClawbackEnabled",
    "ClawedBack",
    "EnableClawback",
    "ExpiryCursor",
    "FlagRule",
    "ForceTransfer",
    "ForcedTransfer",
    "Freeze",
    "FreezeAsset",
    "FreezeSet",
    "GenesisAsset",
    "GenesisBalance",
    "Hold",
    "HoldExpired",
    "HoldPlaced",
    "HoldPosted",
    "HoldVoided",
    "HolderAuthorizationSet",
    "Issue",
    "Mint",
    "Minted",
    "Pause",
    "PlaceHold",
    "PostHold",
    "Recover",
    "Recovered",
    "ReservesAttested",
    "Transfer",
    "Transferred",
    "VoidHold",
]

_SYMBOL_PATTERN = re.compile(r"[A-Z][A-Z0-9.\-]{0,11}")
# ISO 3166-1 alpha-2, optionally with a subdivision: "US", "HK", "US-NY".
_JURISDICTION_PATTERN = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
# An asset's home jurisdiction: ISO 3166-1 alpha-2 only. A peg: an ISO 4217 currency code.
_HOME_JURISDICTION_PATTERN = re.compile(r"[A-Z]{2}")
_PEG_PATTERN = re.compile(r"[A-Z]{3}")
# Generous bounds checked while decoding (they bound memory); the precise rules are the
# stateless checks below, which answer with a result code.
SymbolText = Annotated[str, msgspec.Meta(max_length=64)]
NameText = Annotated[str, msgspec.Meta(max_length=256)]
ClassText = Annotated[str, msgspec.Meta(max_length=32)]
TopicText = Annotated[str, msgspec.Meta(max_length=256)]
JurisdictionText = Annotated[str, msgspec.Meta(max_length=16)]
PegText = Annotated[str, msgspec.Meta(max_length=16)]
HoldId = Annotated[bytes, msgspec.Meta(max_length=64)]
Uint64 = Annotated[int, msgspec.Meta(ge=0)]

# Limits of this module, each with its unit.
REQUIRED_CLAIMS_MAX = 16  # claim topics a holder of a security must carry
CLAIM_TOPIC_BYTES_MAX = 64
JURISDICTIONS_MAX = 64  # entries of an asset's jurisdiction allow-list
COUPON_BPS_MAX = 100_000  # 1000 % a year
HOLD_ID_BYTES = 32
HOLD_DURATION_MS_MAX = 30 * 24 * 60 * 60 * 1000  # a hold lives at most 30 days
# Expiry works through the ``assets/hold_exp/`` index in buckets of 2**16 ms (about 65 s):
# the key's first 6 time bytes name the bucket, so one prefix scan reads one bucket.
HOLD_EXPIRY_BUCKET_BITS = 16
HOLD_EXPIRY_BUCKET_MS = 1 << HOLD_EXPIRY_BUCKET_BITS
HOLD_EXPIRIES_PER_BLOCK_MAX = 1_000  # holds released by one end of block; the rest next
HOLD_EXPIRY_BUCKETS_PER_BLOCK_MAX = 256  # buckets one end of block may walk through
RESERVE_ATTESTATION_AGE_MAX_MS_DEFAULT = 24 * 60 * 60 * 1000


class AssetClass(StrEnum):
    """The six token classes of DESIGN.md, each a policy template (``CLASS_POLICIES``)."""

    PAYMENT = "payment"  # fiat-backed stablecoins
    RESERVE = "reserve"  # scarce assets with fixed or scheduled supply
    UTILITY = "utility"  # platform tokens
    CREDIT = "credit"  # notes, bonds, receivables
    SECURITY = "security"  # tokenized funds and real-world assets
    ENTERTAINMENT = "entertainment"  # meme coins: open issuance, hard cap, speculative


class FlagRule(StrEnum):
    """What a class allows its issuer to choose for one flag at issuance."""

    REQUIRED = "required"  # always on; asking for it off is rejected
    ON = "on"  # on unless the issuer turns it off
    OFF = "off"  # off unless the issuer turns it on
    FORBIDDEN = "forbidden"  # never on; asking for it on is rejected

    def resolve(self, requested: bool | None) -> bool | None:
        """The effective flag, or ``None`` when the request loosens the class's rule."""
        if requested is None:
            return self in (FlagRule.REQUIRED, FlagRule.ON)
        if (self is FlagRule.REQUIRED and not requested) or (
            self is FlagRule.FORBIDDEN and requested
        ):
            return None
        return requested


class ClassPolicy(msgspec.Struct, frozen=True):
    """A class's template: defaults and the limits its issuer may not loosen."""

    issuer_role_required: bool
    auth_required: FlagRule = FlagRule.OFF
    freezable: FlagRule = FlagRule.OFF
    clawback: FlagRule = FlagRule.OFF
    speculative: bool = False
    starts_paused: bool = False
    custodian: bool = False  # mints are capped by a custodian's reserve attestation
    credit_terms: bool = False  # maturity and coupon are recorded


CLASS_POLICIES: dict[str, ClassPolicy] = {
    AssetClass.PAYMENT: ClassPolicy(
        issuer_role_required=True,
        freezable=FlagRule.REQUIRED,
        clawback=FlagRule.REQUIRED,
        custodian=True,
    ),
    AssetClass.RESERVE: ClassPolicy(
        issuer_role_required=False, freezable=FlagRule.FORBIDDEN, clawback=FlagRule.FORBIDDEN
    ),
    AssetClass.UTILITY: ClassPolicy(issuer_role_required=False),
    AssetClass.CREDIT: ClassPolicy(
        issuer_role_required=True,
        auth_required=FlagRule.REQUIRED,
        freezable=FlagRule.ON,
        credit_terms=True,
    ),
    AssetClass.SECURITY: ClassPolicy(
        issuer_role_required=True,
        auth_required=FlagRule.REQUIRED,
        freezable=FlagRule.REQUIRED,
        clawback=FlagRule.REQUIRED,
        starts_paused=True,
    ),
    AssetClass.ENTERTAINMENT: ClassPolicy(issuer_role_required=False, speculative=True),
}


# Symbols found valid: every message naming an asset checks its symbol, and a chain has
# few; a set lookup instead of the pattern (a pure memo, bounded).
_VALID_SYMBOLS: set[str] = set()
_VALID_SYMBOLS_MAX = 4_096


def check_symbol(symbol: str) -> Failure | None:
    if symbol in _VALID_SYMBOLS:
        return None
    if _SYMBOL_PATTERN.fullmatch(symbol) is None or len(symbol) > ASSET_SYMBOL_BYTES_MAX:
        return Failure(AssetsCode.INVALID_SYMBOL, repr(symbol)[:40])
    if len(_VALID_SYMBOLS) >= _VALID_SYMBOLS_MAX:
        _VALID_SYMBOLS.clear()
    _VALID_SYMBOLS.add(symbol)
    return None


def check_amount(amount: int) -> Failure | None:
    return Failure(AssetsCode.AMOUNT_ZERO) if amount == 0 else None


def check_movement(symbol: str, amount: int, source: Address, target: Address) -> Failure | None:
    """The checks of a message that moves units between two accounts, in precedence
    order: the symbol, a non-zero amount, two different accounts."""
    failure = check_symbol(symbol) or check_amount(amount)
    if failure is None and source == target:
        failure = Failure(AssetsCode.SELF_TRANSFER)
    return failure


def check_hold_id(hold_id: bytes) -> Failure | None:
    if len(hold_id) != HOLD_ID_BYTES:
        return Failure(AssetsCode.INVALID_HOLD_ID, f"{len(hold_id)} bytes")
    return None


def check_time(time_ms: int | None) -> Failure | None:
    """A time field of a message: absent, or at most ``TIME_MS_MAX`` (end of year 9999)."""
    if time_ms is not None and time_ms > TIME_MS_MAX:
        return Failure(AssetsCode.TIME_OUT_OF_RANGE, f"{time_ms} > {TIME_MS_MAX}")
    return None


# State ----------------------------------------------------------------------------------


class AssetRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An asset: its identity, its effective policy (fixed at issuance, except that
    clawback may be enabled before the first mint), its controls and its counters."""

    symbol: str
    name: str
    decimals: int
    asset_class: str
    issuer: Address
    max_supply: Amount
    supply: Amount
    created_height: int
    # Policy: the class template as the issuer tightened it.
    auth_required: bool = False
    freezable: bool = False
    clawback_enabled: bool = False
    speculative: bool = False
    agent: Address | None = None  # forced transfers and recovery; set to the issuer if unnamed
    custodian: Address | None = None  # payment class: whose reserve attestations cap mints
    maturity_ms: int | None = None  # credit class
    coupon_bps: int | None = None  # credit class
    # Stored for the compliance module, which enforces them.
    required_claims: list[str] = []
    jurisdictions: list[str] = []
    holders_max: int | None = None
    balance_max: Amount | None = None
    peg: str | None = None  # payment class: the ISO 4217 currency it is pegged to
    jurisdiction: str | None = None  # the asset's home jurisdiction (ISO 3166-1 alpha-2)
    # Controls.
    paused: bool = False
    global_freeze: bool = False
    # Counters.
    holders: int = 0  # accounts with a positive balance
    ever_minted: bool = False  # the first mint locks the clawback flag
    reserves: Amount | None = None  # the latest custodian attestation (payment class)
    reserves_as_of_ms: int = 0


class Balance(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One account's line in one asset: the amount and every control on it.

    ``held`` is the total of the account's open holds as payer; ``amount_frozen`` a partial
    freeze. Available = amount - held - amount_frozen, never negative. ``frozen``: cannot
    send; ``deep``: cannot send or receive. A line with nothing in it is deleted; a plain
    line encodes as ``{amount}`` only, so a transfer reads and writes one small record.
    """

    amount: Amount
    held: Amount = Amount(0)
    amount_frozen: Amount = Amount(0)
    frozen: bool = False
    deep: bool = False
    authorized: bool = False

    @property
    def available(self) -> int:
        return self.amount - self.held - self.amount_frozen

    @property
    def empty(self) -> bool:
        return not (
            self.amount
            or self.held
            or self.amount_frozen
            or self.frozen
            or self.deep
            or self.authorized
        )


class Hold(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An open two-phase transfer: ``amount`` reserved from ``payer`` for ``payee``."""

    payer: Address
    payee: Address
    symbol: str
    amount: Amount
    expires_at_ms: int
    created_height: int


class ExpiryCursor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where hold expiry stands: the first bucket that may still hold expired holds, and
    the number of open holds (none: expiry has nothing to do)."""

    bucket: int
    open_holds: int


class AssetsParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Parameters of the module, set in genesis."""

    reserve_attestation_age_max_ms: Uint64 = RESERVE_ATTESTATION_AGE_MAX_MS_DEFAULT


# Messages -------------------------------------------------------------------------------


def _check_policy_fields(
    asset_class: str,
    custodian: Address | None,
    maturity_ms: int | None,
    coupon_bps: int | None,
    required_claims: list[str],
    jurisdictions: list[str],
    holders_max: int | None,
    balance_max: int | None,
    peg: str | None = None,
    home_jurisdiction: str | None = None,
) -> Failure | None:
    policy = CLASS_POLICIES[asset_class]
    if policy.credit_terms:
        if maturity_ms is None or maturity_ms <= 0 or coupon_bps is None:
            return Failure(AssetsCode.INVALID_CREDIT_TERMS, "maturity_ms and coupon_bps needed")
        if coupon_bps > COUPON_BPS_MAX:
            return Failure(AssetsCode.INVALID_CREDIT_TERMS, f"coupon_bps {coupon_bps}")
    elif maturity_ms is not None or coupon_bps is not None:
        return Failure(AssetsCode.INVALID_CREDIT_TERMS, f"{asset_class} takes no credit terms")
    if custodian is not None and not policy.custodian:
        return Failure(AssetsCode.INVALID_POLICY_FIELD, "only payment assets name a custodian")
    if len(required_claims) > REQUIRED_CLAIMS_MAX or len(set(required_claims)) != len(
        required_claims
    ):
        return Failure(AssetsCode.INVALID_POLICY_FIELD, "required_claims")
    for topic in required_claims:
        if not 1 <= len(topic.encode()) <= CLAIM_TOPIC_BYTES_MAX or not is_ascii_printable(topic):
            return Failure(AssetsCode.INVALID_POLICY_FIELD, f"claim topic {topic[:20]!r}")
    if len(jurisdictions) > JURISDICTIONS_MAX or len(set(jurisdictions)) != len(jurisdictions):
        return Failure(AssetsCode.INVALID_POLICY_FIELD, "jurisdictions")
    for jurisdiction in jurisdictions:
        if _JURISDICTION_PATTERN.fullmatch(jurisdiction) is None:
            return Failure(AssetsCode.INVALID_POLICY_FIELD, f"jurisdiction {jurisdiction[:8]!r}")
    if holders_max is not None and holders_max <= 0:
        return Failure(AssetsCode.INVALID_POLICY_FIELD, "holders_max must be at least 1")
    if balance_max is not None and balance_max <= 0:
        return Failure(AssetsCode.INVALID_POLICY_FIELD, "balance_max must be at least 1")
    if peg is not None:
        if not policy.custodian:
            return Failure(AssetsCode.INVALID_POLICY_FIELD, "only payment assets have a peg")
        if _PEG_PATTERN.fullmatch(peg) is None:
            return Failure(AssetsCode.INVALID_POLICY_FIELD, f"peg {peg[:8]!r}")
    if (
        home_jurisdiction is not None
        and _HOME_JURISDICTION_PATTERN.fullmatch(home_jurisdiction) is None
    ):
        return Failure(AssetsCode.INVALID_POLICY_FIELD, f"jurisdiction {home_jurisdiction[:8]!r}")
    return None


class Issue(Msg, frozen=True, tag="assets/issue"):
    """Create an asset. ``max_supply`` caps the total ever in circulation at once.

    The optional fields tighten the class's policy; ``None`` takes the class default.
    """

    issuer: Address
    symbol: SymbolText
    name: NameText
    decimals: int
    asset_class: ClassText
    max_supply: Amount
    auth_required: bool | None = None
    freezable: bool | None = None
    clawback_enabled: bool | None = None
    agent: Address | None = None
    custodian: Address | None = None
    maturity_ms: Uint64 | None = None
    coupon_bps: Uint64 | None = None
    required_claims: Annotated[list[TopicText], msgspec.Meta(max_length=64)] = []
    jurisdictions: Annotated[list[JurisdictionText], msgspec.Meta(max_length=256)] = []
    holders_max: Uint64 | None = None
    balance_max: Amount | None = None
    peg: PegText | None = None
    jurisdiction: JurisdictionText | None = None

    def required_signers(self) -> tuple[Address, ...]:
        return (self.issuer,)

    def validate(self) -> Failure | None:
        failure = check_symbol(self.symbol)
        if failure:
            return failure
        name_bytes = len(self.name.encode())
        if not 1 <= name_bytes <= ASSET_NAME_BYTES_MAX or not is_free_text(self.name):
            return Failure(AssetsCode.INVALID_NAME)
        if not 0 <= self.decimals <= ASSET_DECIMALS_MAX:
            return Failure(AssetsCode.INVALID_DECIMALS, str(self.decimals))
        if self.asset_class not in CLASS_POLICIES:
            return Failure(AssetsCode.INVALID_CLASS, repr(self.asset_class)[:40])
        failure = check_amount(self.max_supply)
        if failure:
            return failure
        policy = CLASS_POLICIES[self.asset_class]
        for name, rule, requested in (
            ("auth_required", policy.auth_required, self.auth_required),
            ("freezable", policy.freezable, self.freezable),
            ("clawback_enabled", policy.clawback, self.clawback_enabled),
        ):
            if rule.resolve(requested) is None:
                return Failure(
                    AssetsCode.POLICY_NOT_ALLOWED, f"{self.asset_class}: {name} is {rule}"
                )
        failure = _check_policy_fields(
            self.asset_class,
            self.custodian,
            self.maturity_ms,
            self.coupon_bps,
            self.required_claims,
            self.jurisdictions,
            self.holders_max,
            self.balance_max,
            self.peg,
            self.jurisdiction,
        )
        if failure:
            return failure
        return check_time(self.maturity_ms)


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
        return check_movement(self.symbol, self.amount, self.sender, self.recipient)


class AttestReserves(Msg, frozen=True, tag="assets/attest_reserves"):
    """The payment asset's custodian states the reserves it holds for the asset, as of a
    time; the latest statement caps minting."""

    custodian: Address
    symbol: SymbolText
    amount: Amount
    as_of_ms: Uint64

    def required_signers(self) -> tuple[Address, ...]:
        return (self.custodian,)

    def validate(self) -> Failure | None:
        return check_symbol(self.symbol) or check_time(self.as_of_ms)


class EnableClawback(Msg, frozen=True, tag="assets/enable_clawback"):
    """The issuer turns clawback on; possible only before the first mint."""

    issuer: Address
    symbol: SymbolText

    def required_signers(self) -> tuple[Address, ...]:
        return (self.issuer,)

    def validate(self) -> Failure | None:
        return check_symbol(self.symbol)


class Authorize(Msg, frozen=True, tag="assets/authorize"):
    """The issuer allows (or stops allowing) an account to hold an asset that requires
    authorization."""

    issuer: Address
    symbol: SymbolText
    account: Address
    authorized: bool

    def required_signers(self) -> tuple[Address, ...]:
        return (self.issuer,)

    def validate(self) -> Failure | None:
        return check_symbol(self.symbol)


class Pause(Msg, frozen=True, tag="assets/pause"):
    """The issuer pauses (or unpauses) every transfer and hold of an asset."""

    issuer: Address
    symbol: SymbolText
    paused: bool

    def required_signers(self) -> tuple[Address, ...]:
        return (self.issuer,)

    def validate(self) -> Failure | None:
        return check_symbol(self.symbol)


class Freeze(Msg, frozen=True, tag="assets/freeze"):
    """The issuer or a regulator sets the freeze of one account in one asset: ``frozen``
    (cannot send), ``deep`` (cannot send or receive; implies ``frozen``) and a partial
    ``amount_frozen``. The message states the whole freeze; zeros lift it."""

    authority: Address
    symbol: SymbolText
    account: Address
    frozen: bool
    deep: bool = False
    amount_frozen: Amount = Amount(0)

    def required_signers(self) -> tuple[Address, ...]:
        return (self.authority,)

    def validate(self) -> Failure | None:
        failure = check_symbol(self.symbol)
        if failure:
            return failure
        if self.deep and not self.frozen:
            return Failure(AssetsCode.INVALID_FREEZE, "a deep freeze is also a freeze")
        return None


class FreezeAsset(Msg, frozen=True, tag="assets/freeze_asset"):
    """The issuer or a regulator freezes (or unfreezes) every account of an asset."""

    authority: Address
    symbol: SymbolText
    frozen: bool

    def required_signers(self) -> tuple[Address, ...]:
        return (self.authority,)

    def validate(self) -> Failure | None:
        return check_symbol(self.symbol)


class Clawback(Msg, frozen=True, tag="assets/clawback"):
    """The issuer takes back and destroys units held by ``account``."""

    issuer: Address
    symbol: SymbolText
    account: Address
    amount: Amount

    def required_signers(self) -> tuple[Address, ...]:
        return (self.issuer,)

    def validate(self) -> Failure | None:
        return check_symbol(self.symbol) or check_amount(self.amount)


class ForceTransfer(Msg, frozen=True, tag="assets/force_transfer"):
    """The issuer's agent moves units from one holder to another (court order, error)."""

    agent: Address
    symbol: SymbolText
    sender: Address
    recipient: Address
    amount: Amount

    def required_signers(self) -> tuple[Address, ...]:
        return (self.agent,)

    def validate(self) -> Failure | None:
        return check_movement(self.symbol, self.amount, self.sender, self.recipient)


class Recover(Msg, frozen=True, tag="assets/recover"):
    """The issuer's agent moves the whole balance of a lost account to a new one and
    deep-freezes the lost account."""

    agent: Address
    symbol: SymbolText
    lost: Address
    new: Address

    def required_signers(self) -> tuple[Address, ...]:
        return (self.agent,)

    def validate(self) -> Failure | None:
        failure = check_symbol(self.symbol)
        if failure:
            return failure
        if self.lost == self.new:
            return Failure(AssetsCode.SELF_TRANSFER)
        return None


class PlaceHold(Msg, frozen=True, tag="assets/hold"):
    """Reserve ``amount`` of the payer's balance for ``payee`` until ``expires_at_ms``.

    ``hold_id`` (32 bytes) is the payer's choice; the hold is stored under
    ``client_hold_id(payer, hold_id)``, in the payer's own namespace. Without it the id is
    derived from the transaction's hash and the position of the hold in it (see
    ``derive_hold_id``). ``assets/hold_placed`` carries the stored id.
    """

    payer: Address
    payee: Address
    symbol: SymbolText
    amount: Amount
    expires_at_ms: Uint64
    hold_id: HoldId | None = None

    def required_signers(self) -> tuple[Address, ...]:
        return (self.payer,)

    def validate(self) -> Failure | None:
        failure = check_movement(self.symbol, self.amount, self.payer, self.payee)
        if failure:
            return failure
        if self.hold_id is not None:
            failure = check_hold_id(self.hold_id)
            if failure:
                return failure
        return check_time(self.expires_at_ms)


class PostHold(Msg, frozen=True, tag="assets/post"):
    """The payee settles ``amount`` of a hold (all or part); the rest goes back to the
    payer and the hold is closed."""

    payee: Address
    hold_id: HoldId
    amount: Amount

    def required_signers(self) -> tuple[Address, ...]:
        return (self.payee,)

    def validate(self) -> Failure | None:
        return check_hold_id(self.hold_id) or check_amount(self.amount)


class VoidHold(Msg, frozen=True, tag="assets/void"):
    """The payee releases a hold: the whole amount goes back to the payer's available."""

    payee: Address
    hold_id: HoldId

    def required_signers(self) -> tuple[Address, ...]:
        return (self.payee,)

    def validate(self) -> Failure | None:
        return check_hold_id(self.hold_id)


# Events ---------------------------------------------------------------------------------


class AssetIssued(Event, frozen=True, tag="assets/issued"):
    symbol: str
    issuer: Address
    asset_class: str
    decimals: int
    max_supply: Amount
    auth_required: bool = False
    freezable: bool = False
    clawback_enabled: bool = False
    paused: bool = False
    speculative: bool = False


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


class ReservesAttested(Event, frozen=True, tag="assets/reserves_attested"):
    symbol: str
    custodian: Address
    amount: Amount
    as_of_ms: int


class ClawbackEnabled(Event, frozen=True, tag="assets/clawback_enabled"):
    symbol: str
    issuer: Address


class HolderAuthorizationSet(Event, frozen=True, tag="assets/authorized"):
    """The issuer allowed (``authorized``) or stopped allowing an account to hold an asset
    that requires authorization (``assets/authorize``, or genesis). Not a payments
    ``Authorization``: that is a card-style hold record."""

    symbol: str
    account: Address
    authorized: bool


class AssetPaused(Event, frozen=True, tag="assets/paused"):
    symbol: str
    paused: bool


class FreezeSet(Event, frozen=True, tag="assets/freeze_set"):
    symbol: str
    account: Address
    authority: Address
    frozen: bool
    deep: bool
    amount_frozen: Amount


class AssetFrozenSet(Event, frozen=True, tag="assets/asset_freeze_set"):
    symbol: str
    authority: Address
    frozen: bool


class ClawedBack(Event, frozen=True, tag="assets/clawed_back"):
    symbol: str
    account: Address
    amount: Amount
    supply: Amount


class ForcedTransfer(Event, frozen=True, tag="assets/forced_transfer"):
    symbol: str
    agent: Address
    sender: Address
    recipient: Address
    amount: Amount


class Recovered(Event, frozen=True, tag="assets/recovered"):
    symbol: str
    agent: Address
    lost: Address
    new: Address
    amount: Amount


class HoldPlaced(Event, frozen=True, tag="assets/hold_placed"):
    hold_id: bytes
    symbol: str
    payer: Address
    payee: Address
    amount: Amount
    expires_at_ms: int


class HoldPosted(Event, frozen=True, tag="assets/hold_posted"):
    hold_id: bytes
    symbol: str
    payer: Address
    payee: Address
    amount: Amount  # settled
    released: Amount  # returned to the payer


class HoldVoided(Event, frozen=True, tag="assets/hold_voided"):
    hold_id: bytes
    symbol: str
    payer: Address
    amount: Amount


class HoldExpired(Event, frozen=True, tag="assets/hold_expired"):
    hold_id: bytes
    symbol: str
    payer: Address
    amount: Amount


# Genesis --------------------------------------------------------------------------------


class GenesisAsset(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    symbol: str
    name: str
    decimals: int
    asset_class: str
    issuer: Address
    max_supply: Amount
    auth_required: bool | None = None
    freezable: bool | None = None
    clawback_enabled: bool | None = None
    agent: Address | None = None
    custodian: Address | None = None
    maturity_ms: int | None = None
    coupon_bps: int | None = None
    required_claims: list[str] = []
    jurisdictions: list[str] = []
    holders_max: int | None = None
    balance_max: Amount | None = None
    peg: str | None = None
    jurisdiction: str | None = None


class GenesisBalance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account: Address
    symbol: str
    amount: Amount
    authorized: bool = False


class FeeSchedule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Transaction fees, set in genesis and fixed for the chain's life (see the README's
    "Fees"): every transaction that spends its hash pays ``per_tx + per_message * n``
    minor units of ``symbol`` (n messages) from its first signer to the fee collector."""

    symbol: str
    per_tx: Amount = Amount(0)
    per_message: Amount = Amount(0)


class AssetsGenesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    params: AssetsParams = AssetsParams()
    fees: FeeSchedule | None = None  # None: the chain charges no fees
    assets: list[GenesisAsset] = []
    balances: list[GenesisBalance] = []
