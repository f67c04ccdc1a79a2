"""Applying the modules' index effects (``core/index.py``) to a block's rows.

One function per effect type (``APPLY``), each a few lines over the ``BlockWriter``'s
cached rows; the modules' handlers (``modules/<m>/index.py``) say what changes, these say
how it lands in the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from originledger.core.address import Address
from originledger.core.index import (
    AccountCreated,
    AccountSeen,
    AssetFlagSet,
    AttestationRecorded,
    AttestationRevoked,
    Concerns,
    HeldReleased,
    HoldClosed,
    HoldOpened,
    IndexEffect,
    LineAuthorized,
    LineFrozen,
    NewAsset,
    PaymentOpened,
    PaymentUpdated,
    ReservesRecorded,
    RoleSet,
    SupplySet,
    UnitsMoved,
)
from originledger.indexer.events import address_text
from originledger.indexer.source import EventData

if TYPE_CHECKING:  # the writer applies effects: it imports this module
    from originledger.indexer.writer import BlockWriter

__all__ = ["APPLY", "apply_effects"]

Apply = Callable[["BlockWriter", EventData, Any], None]


def _text(address: Address | None) -> str | None:
    return None if address is None else address_text(address)


def apply_effects(writer: BlockWriter, event: EventData, effects: Sequence[IndexEffect]) -> None:
    """Apply ``effects`` (those of ``event``) in order."""
    for effect in effects:
        APPLY[type(effect)](writer, event, effect)


# -- accounts --------------------------------------------------------------------------------


def _concerns(writer: BlockWriter, event: EventData, effect: Concerns) -> None:
    writer.concerns(event, *[_text(account) for account in effect.accounts])


def _account_seen(writer: BlockWriter, event: EventData, effect: AccountSeen) -> None:
    writer.account(address_text(effect.address))


def _account_created(writer: BlockWriter, event: EventData, effect: AccountCreated) -> None:
    row = writer.account(address_text(effect.address), changing=True)
    if row["created_height"] is None:
        row["created_height"] = writer.block.height


def _role_set(writer: BlockWriter, event: EventData, effect: RoleSet) -> None:
    row = writer.account(address_text(effect.account), changing=True)
    roles = set(row["roles"].split())
    if effect.granted:
        roles.add(effect.role)
    else:
        roles.discard(effect.role)
    row["roles"] = " ".join(sorted(roles))


# -- assets, balances, holds -----------------------------------------------------------------


def _new_asset(writer: BlockWriter, event: EventData, effect: NewAsset) -> None:
    writer.new_asset(
        {
            "symbol": effect.symbol,
            "issuer": address_text(effect.issuer),
            "asset_class": effect.asset_class,
            "decimals": effect.decimals,
            "max_supply": effect.max_supply,
            "supply": 0,
            "created_height": writer.block.height,
            "flags": dict(effect.flags),
            "reserves": None,
            "reserves_as_of_ms": None,
            "custodian": None,
        }
    )


def _supply_set(writer: BlockWriter, event: EventData, effect: SupplySet) -> None:
    writer.set_supply(effect.symbol, effect.supply)


def _asset_flag_set(writer: BlockWriter, event: EventData, effect: AssetFlagSet) -> None:
    asset = writer.asset(effect.symbol)
    if asset is not None:
        asset["flags"] = {**asset["flags"], effect.flag: effect.value}


def _reserves_recorded(writer: BlockWriter, event: EventData, effect: ReservesRecorded) -> None:
    custodian = address_text(effect.custodian)
    writer.reserves.append(
        {
            "symbol": effect.symbol,
            "height": writer.block.height,
            "seq": event.seq,
            "custodian": custodian,
            "amount": effect.amount,
            "as_of_ms": effect.as_of_ms,
        }
    )
    asset = writer.asset(effect.symbol)
    if asset is not None:
        asset["reserves"] = effect.amount
        asset["reserves_as_of_ms"] = effect.as_of_ms
        asset["custodian"] = custodian


def _units_moved(writer: BlockWriter, event: EventData, effect: UnitsMoved) -> None:
    # The hot path (every transfer): the conversions inlined.
    held_released = effect.held_released
    if effect.settles_hold is not None:
        hold = writer.hold(effect.settles_hold.hex())
        if hold is not None:
            held_released = hold["amount"]
    sender, recipient = effect.sender, effect.recipient
    writer.move(
        event,
        effect.kind,
        effect.symbol,
        None if sender is None else address_text(sender),
        None if recipient is None else address_text(recipient),
        effect.amount,
        held_released=held_released,
    )


def _line_authorized(writer: BlockWriter, event: EventData, effect: LineAuthorized) -> None:
    line = writer.balance(address_text(effect.account), effect.symbol)
    line["authorized"] = effect.authorized


def _line_frozen(writer: BlockWriter, event: EventData, effect: LineFrozen) -> None:
    line = writer.balance(address_text(effect.account), effect.symbol)
    line["frozen"] = effect.frozen
    line["deep"] = effect.deep
    line["amount_frozen"] = effect.amount_frozen


def _hold_opened(writer: BlockWriter, event: EventData, effect: HoldOpened) -> None:
    payer = address_text(effect.payer)
    writer.new_hold(
        {
            "hold_id": effect.hold_id.hex(),
            "symbol": effect.symbol,
            "payer": payer,
            "payee": address_text(effect.payee),
            "amount": effect.amount,
            "expires_at_ms": effect.expires_at_ms,
            "status": "open",
            "settled": 0,
            "released": 0,
            "placed_height": writer.block.height,
            "closed_height": None,
        }
    )
    writer.balance(payer, effect.symbol)["held"] += effect.amount


def _hold_closed(writer: BlockWriter, event: EventData, effect: HoldClosed) -> None:
    hold = writer.hold(effect.hold_id.hex())
    if hold is None:
        return
    hold["status"] = effect.status
    hold["closed_height"] = writer.block.height
    if effect.settled is not None:
        hold["settled"] = effect.settled
    if effect.released is not None:
        hold["released"] = effect.released


def _held_released(writer: BlockWriter, event: EventData, effect: HeldReleased) -> None:
    line = writer.balance(address_text(effect.account), effect.symbol)
    line["held"] = max(0, line["held"] - effect.amount)


# -- attestations ----------------------------------------------------------------------------


def _attestation_recorded(
    writer: BlockWriter, event: EventData, effect: AttestationRecorded
) -> None:
    writer.new_attestation(
        {
            "attestation_id": effect.attestation_id.hex(),
            "schema_id": effect.schema_id.hex(),
            "attester": address_text(effect.attester),
            "recipient": address_text(effect.recipient),
            "expires_at_ms": effect.expires_at_ms,
            "revoked_at_ms": None,
            "height": writer.block.height,
        }
    )


def _attestation_revoked(writer: BlockWriter, event: EventData, effect: AttestationRevoked) -> None:
    row = writer.attestation(effect.attestation_id.hex())
    if row is not None:
        row["revoked_at_ms"] = effect.revoked_at_ms


# -- payments --------------------------------------------------------------------------------


def _payment_opened(writer: BlockWriter, event: EventData, effect: PaymentOpened) -> None:
    writer.new_payment(
        {
            "payment_id": effect.payment_id.hex(),
            "kind": effect.kind,
            "payer": _text(effect.payer),
            "payee": address_text(effect.payee),
            "symbol": effect.symbol,
            "amount": effect.amount,
            "settled": 0,
            "refunded": 0,
            "status": "open",
            "reference": effect.reference,
            "created_height": writer.block.height,
            "updated_height": writer.block.height,
        }
    )


def _payment_updated(writer: BlockWriter, event: EventData, effect: PaymentUpdated) -> None:
    row = writer.payment(effect.payment_id.hex())
    if row is None:
        return
    changes = {
        "status": effect.status,
        "payer": _text(effect.payer),
        "symbol": effect.symbol,
        "amount": effect.amount,
        "settled": effect.settled,
        "refunded": effect.refunded,
    }
    row.update((name, value) for name, value in changes.items() if value is not None)
    writer.concerns(
        event,
        row["payer"] if effect.concerns_payer else None,
        row["payee"] if effect.concerns_payee else None,
    )


APPLY: dict[type[IndexEffect], Apply] = {
    Concerns: _concerns,
    AccountSeen: _account_seen,
    AccountCreated: _account_created,
    RoleSet: _role_set,
    NewAsset: _new_asset,
    SupplySet: _supply_set,
    AssetFlagSet: _asset_flag_set,
    ReservesRecorded: _reserves_recorded,
    UnitsMoved: _units_moved,
    LineAuthorized: _line_authorized,
    LineFrozen: _line_frozen,
    HoldOpened: _hold_opened,
    HoldClosed: _hold_closed,
    HeldReleased: _held_released,
    AttestationRecorded: _attestation_recorded,
    AttestationRevoked: _attestation_revoked,
    PaymentOpened: _payment_opened,
    PaymentUpdated: _payment_updated,
}
