"""What a module tells the indexer: its events turned into index effects, as plain data.

Each module owns how its events are indexed, as it owns its README: its ``index.py``
maps each of its event types to a pure handler, ``handler(event) -> effects``, typed on the
module's own event struct (so that renaming a field is a type error there, not a silent
miss in the indexer). The effects name what changes in the index's tables (an account
seen, units moved, a hold opened, a payment's status...), never how: the indexer
(``originledger/indexer``) applies them in order, in the block's database transaction.

An effect's addresses are ``Address`` values and its amounts integers; ids are raw bytes
(the index shows them in hex). The block's height, time and the event's position are the
indexer's to add.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from originledger.core.address import Address
from originledger.core.context import Event

__all__ = [
    "AccountCreated",
    "AccountSeen",
    "AssetFlagSet",
    "AttestationRecorded",
    "AttestationRevoked",
    "Concerns",
    "HeldReleased",
    "HoldClosed",
    "HoldOpened",
    "IndexEffect",
    "IndexHandler",
    "LineAuthorized",
    "LineFrozen",
    "ModuleIndex",
    "NewAsset",
    "PaymentOpened",
    "PaymentUpdated",
    "ReservesRecorded",
    "RoleSet",
    "SupplySet",
    "UnitsMoved",
]


class IndexEffect(msgspec.Struct, frozen=True, gc=False):
    """Base of every index effect."""


# -- accounts --------------------------------------------------------------------------------


class Concerns(IndexEffect, frozen=True, gc=False):
    """The event's transaction concerns these accounts (it is in their history); ``None``
    entries are ignored, and so is an event of no transaction (genesis, end of block)."""

    accounts: tuple[Address | None, ...]


class AccountSeen(IndexEffect, frozen=True, gc=False):
    """The account has a row (first seen at this block if it had none)."""

    address: Address


class AccountCreated(IndexEffect, frozen=True, gc=False):
    """The account was created at this block (kept if an earlier creation is indexed)."""

    address: Address


class RoleSet(IndexEffect, frozen=True, gc=False):
    """The account holds ``role`` (``granted``) or no longer does."""

    account: Address
    role: str
    granted: bool


# -- assets, balances, holds -----------------------------------------------------------------


class NewAsset(IndexEffect, frozen=True, gc=False):
    """An asset is issued (supply 0, no reserves yet); ``flags``: its policy and control
    flags by name (see ``ix_assets.flags``)."""

    symbol: str
    issuer: Address
    asset_class: str
    decimals: int
    max_supply: int
    flags: Mapping[str, bool]


class SupplySet(IndexEffect, frozen=True, gc=False):
    """The asset's supply after the event (ignored for an asset not indexed)."""

    symbol: str
    supply: int


class AssetFlagSet(IndexEffect, frozen=True, gc=False):
    """One of the asset's flags changes (ignored for an asset not indexed)."""

    symbol: str
    flag: str
    value: bool


class ReservesRecorded(IndexEffect, frozen=True, gc=False):
    """A reserve attestation: a row of ``ix_reserves``, and the asset's latest reserves."""

    symbol: str
    custodian: Address
    amount: int
    as_of_ms: int


class UnitsMoved(IndexEffect, frozen=True, gc=False):
    """Units move: ``sender`` loses them (``None``: minted), ``recipient`` gains them
    (``None``: burned). A transfer row, a history row per side; both parties concerned;
    the daily volume counts ``transfer``, ``hold_post`` and ``forced`` movements.

    The sender's held units drop by ``held_released`` (a posted hold), or, when
    ``settles_hold`` names a hold the index holds, by that hold's amount."""

    kind: str
    symbol: str
    sender: Address | None
    recipient: Address | None
    amount: int
    held_released: int = 0
    settles_hold: bytes | None = None


class LineAuthorized(IndexEffect, frozen=True, gc=False):
    """The account's line in the asset is authorized or not."""

    account: Address
    symbol: str
    authorized: bool


class LineFrozen(IndexEffect, frozen=True, gc=False):
    """The account's line in the asset is frozen or not (``deep``: the whole balance)."""

    account: Address
    symbol: str
    frozen: bool
    deep: bool
    amount_frozen: int


class HoldOpened(IndexEffect, frozen=True, gc=False):
    """A hold is placed (replacing a closed one of the same id): the payer's line holds
    ``amount`` more."""

    hold_id: bytes
    symbol: str
    payer: Address
    payee: Address
    amount: int
    expires_at_ms: int


class HoldClosed(IndexEffect, frozen=True, gc=False):
    """A hold closes with ``status``; ``settled`` and ``released`` set when given."""

    hold_id: bytes
    status: str
    settled: int | None = None
    released: int | None = None


class HeldReleased(IndexEffect, frozen=True, gc=False):
    """The account's line in the asset holds ``amount`` fewer units (never below 0)."""

    account: Address
    symbol: str
    amount: int


# -- attestations ----------------------------------------------------------------------------


class AttestationRecorded(IndexEffect, frozen=True, gc=False):
    """An attestation is made (replacing one of the same id)."""

    attestation_id: bytes
    schema_id: bytes
    attester: Address
    recipient: Address
    expires_at_ms: int


class AttestationRevoked(IndexEffect, frozen=True, gc=False):
    """An attestation is revoked (ignored for one not indexed)."""

    attestation_id: bytes
    revoked_at_ms: int


# -- payments --------------------------------------------------------------------------------


class PaymentOpened(IndexEffect, frozen=True, gc=False):
    """A payments object is created: an ``ix_payments`` row of ``kind``, ``open``
    (replacing one of the same id)."""

    payment_id: bytes
    kind: str
    payer: Address | None
    payee: Address
    symbol: str
    amount: int
    reference: str | None


class PaymentUpdated(IndexEffect, frozen=True, gc=False):
    """A payments object changes: the fields given are set on its row (a row not indexed
    is left alone). ``concerns_payer`` / ``concerns_payee``: the event concerns the
    accounts the row names as payer / payee."""

    payment_id: bytes
    status: str | None = None
    payer: Address | None = None
    symbol: str | None = None
    amount: int | None = None
    settled: int | None = None
    refunded: int | None = None
    concerns_payer: bool = False
    concerns_payee: bool = False


IndexHandler = Callable[[Any], Sequence[IndexEffect]]
"""``handler(event) -> effects``: pure, typed on the module's own event struct."""


@dataclass(frozen=True)
class ModuleIndex:
    """How a module's events are indexed: ``handlers`` by event type, and the events
    deliberately left out (shown only in the generic event table, ``ix_events``). Every
    event a module declares is in exactly one of the two."""

    handlers: Mapping[type[Event], IndexHandler] = field(default_factory=dict)
    not_indexed: Sequence[type[Event]] = ()
