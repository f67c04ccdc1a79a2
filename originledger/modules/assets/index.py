"""How the indexer indexes the assets module's events (see ``core/index.py``): balances
move with every mint, burn, transfer, clawback, forced transfer, recovery and posted hold;
holds open and close; assets keep their supply, flags and last reserve attestation."""

from __future__ import annotations

from originledger.core.index import (
    AccountSeen,
    AssetFlagSet,
    Concerns,
    HeldReleased,
    HoldClosed,
    HoldOpened,
    IndexEffect,
    LineAuthorized,
    LineFrozen,
    ModuleIndex,
    NewAsset,
    ReservesRecorded,
    SupplySet,
    UnitsMoved,
)
from originledger.modules.assets import types

__all__ = ["INDEX"]


def issued(event: types.AssetIssued) -> list[IndexEffect]:
    flags = {
        "auth_required": event.auth_required,
        "freezable": event.freezable,
        "clawback_enabled": event.clawback_enabled,
        "paused": event.paused,
        "speculative": event.speculative,
        "global_freeze": False,  # an asset is issued unfrozen
    }
    return [
        NewAsset(
            event.symbol,
            event.issuer,
            event.asset_class,
            event.decimals,
            int(event.max_supply),
            flags,
        ),
        AccountSeen(event.issuer),
        Concerns((event.issuer,)),
    ]


def minted(event: types.Minted) -> list[IndexEffect]:
    return [
        UnitsMoved("mint", event.symbol, None, event.recipient, int(event.amount)),
        SupplySet(event.symbol, int(event.supply)),
    ]


def burned(event: types.Burned) -> list[IndexEffect]:
    return [
        UnitsMoved("burn", event.symbol, event.holder, None, int(event.amount)),
        SupplySet(event.symbol, int(event.supply)),
    ]


def clawed_back(event: types.ClawedBack) -> list[IndexEffect]:
    return [
        UnitsMoved("clawback", event.symbol, event.account, None, int(event.amount)),
        SupplySet(event.symbol, int(event.supply)),
    ]


def transferred(event: types.Transferred) -> list[IndexEffect]:
    return [UnitsMoved("transfer", event.symbol, event.sender, event.recipient, int(event.amount))]


def forced_transfer(event: types.ForcedTransfer) -> list[IndexEffect]:
    return [
        UnitsMoved("forced", event.symbol, event.sender, event.recipient, int(event.amount)),
        Concerns((event.agent,)),
    ]


def recovered(event: types.Recovered) -> list[IndexEffect]:
    effects: list[IndexEffect] = []
    if event.amount:
        amount = int(event.amount)
        effects.append(UnitsMoved("recover", event.symbol, event.lost, event.new, amount))
    effects.append(Concerns((event.agent, event.lost, event.new)))
    return effects


def reserves_attested(event: types.ReservesAttested) -> list[IndexEffect]:
    return [
        ReservesRecorded(event.symbol, event.custodian, int(event.amount), event.as_of_ms),
        Concerns((event.custodian,)),
    ]


def clawback_enabled(event: types.ClawbackEnabled) -> list[IndexEffect]:
    return [AssetFlagSet(event.symbol, "clawback_enabled", True)]


def paused(event: types.AssetPaused) -> list[IndexEffect]:
    return [AssetFlagSet(event.symbol, "paused", event.paused)]


def asset_frozen(event: types.AssetFrozenSet) -> list[IndexEffect]:
    return [AssetFlagSet(event.symbol, "global_freeze", event.frozen)]


def authorized(event: types.HolderAuthorizationSet) -> list[IndexEffect]:
    return [
        LineAuthorized(event.account, event.symbol, event.authorized),
        Concerns((event.account,)),
    ]


def freeze_set(event: types.FreezeSet) -> list[IndexEffect]:
    return [
        LineFrozen(event.account, event.symbol, event.frozen, event.deep, int(event.amount_frozen)),
        Concerns((event.account,)),
    ]


def hold_placed(event: types.HoldPlaced) -> list[IndexEffect]:
    return [
        HoldOpened(
            event.hold_id,
            event.symbol,
            event.payer,
            event.payee,
            int(event.amount),
            event.expires_at_ms,
        ),
        AccountSeen(event.payee),
        Concerns((event.payer, event.payee)),
    ]


def hold_posted(event: types.HoldPosted) -> list[IndexEffect]:
    settled, released = int(event.amount), int(event.released)
    return [
        HoldClosed(event.hold_id, "posted", settled, released),
        UnitsMoved(
            "hold_post",
            event.symbol,
            event.payer,
            event.payee,
            settled,
            held_released=settled + released,
            settles_hold=event.hold_id,
        ),
    ]


def hold_voided(event: types.HoldVoided) -> list[IndexEffect]:
    return [
        HoldClosed(event.hold_id, "voided"),
        HeldReleased(event.payer, event.symbol, int(event.amount)),
        Concerns((event.payer,)),
    ]


def hold_expired(event: types.HoldExpired) -> list[IndexEffect]:
    return [
        HoldClosed(event.hold_id, "expired"),
        HeldReleased(event.payer, event.symbol, int(event.amount)),
        Concerns((event.payer,)),
    ]


INDEX = ModuleIndex(
    handlers={
        types.AssetIssued: issued,
        types.Minted: minted,
        types.Burned: burned,
        types.ClawedBack: clawed_back,
        types.Transferred: transferred,
        types.ForcedTransfer: forced_transfer,
        types.Recovered: recovered,
        types.ReservesAttested: reserves_attested,
        types.ClawbackEnabled: clawback_enabled,
        types.AssetPaused: paused,
        types.AssetFrozenSet: asset_frozen,
        types.HolderAuthorizationSet: authorized,
        types.FreezeSet: freeze_set,
        types.HoldPlaced: hold_placed,
        types.HoldPosted: hold_posted,
        types.HoldVoided: hold_voided,
        types.HoldExpired: hold_expired,
    },
)
