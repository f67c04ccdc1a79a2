"""How the indexer indexes the payments module's events (see ``core/index.py``): one
``ix_payments`` row per request, authorization, escrow and channel. Swaps have no row
(their legs are indexed by their ``assets/transferred`` events); their parties still see
the swap in their history."""

from __future__ import annotations

from originledger.core.address import Address
from originledger.core.index import (
    AccountSeen,
    Concerns,
    IndexEffect,
    ModuleIndex,
    PaymentOpened,
    PaymentUpdated,
)
from originledger.modules.payments import types

__all__ = ["INDEX"]


def _opened(
    payment_id: bytes,
    kind: str,
    payer: Address | None,
    payee: Address,
    symbol: str,
    amount: int,
    reference: str | None = None,
) -> list[IndexEffect]:
    return [
        PaymentOpened(payment_id, kind, payer, payee, symbol, amount, reference),
        AccountSeen(payee),
        Concerns((payer, payee)),
    ]


def _status(payment_id: bytes, status: str) -> list[IndexEffect]:
    return [PaymentUpdated(payment_id, status, concerns_payer=True, concerns_payee=True)]


def request_created(event: types.RequestCreated) -> list[IndexEffect]:
    return _opened(
        event.request_id, "request", None, event.merchant, event.symbol, int(event.amount),
        event.reference,
    )  # fmt: skip


def request_paid(event: types.RequestPaid) -> list[IndexEffect]:
    # Paid in the requested asset or an accepted alternative: the row then shows the asset
    # and amount paid, so that settled and refunded are in its units.
    amount = int(event.amount)
    return [
        PaymentUpdated(event.request_id, "paid", event.payer, event.symbol, amount, settled=amount),
        Concerns((event.payer, event.merchant)),
    ]


def request_cancelled(event: types.RequestCancelled) -> list[IndexEffect]:
    return _status(event.request_id, "cancelled")


def authorized(event: types.Authorized) -> list[IndexEffect]:
    return _opened(
        event.authorization_id, "authorization", event.payer, event.merchant, event.symbol,
        int(event.amount),
    )  # fmt: skip


def captured(event: types.Captured) -> list[IndexEffect]:
    return [
        PaymentUpdated(
            event.authorization_id,
            "captured" if event.remaining == 0 else None,
            settled=int(event.captured),
            concerns_payer=True,
            concerns_payee=True,
        )
    ]


def authorization_voided(event: types.AuthorizationVoided) -> list[IndexEffect]:
    return _status(event.authorization_id, "voided")


def authorization_expired(event: types.AuthorizationExpired) -> list[IndexEffect]:
    return _status(event.authorization_id, "expired")


def refunded(event: types.Refunded) -> list[IndexEffect]:
    # The payment is a paid request or an authorization.
    return [
        PaymentUpdated(event.payment_id, refunded=int(event.refunded)),
        Concerns((event.payer, event.merchant)),
    ]


def escrow_created(event: types.EscrowCreated) -> list[IndexEffect]:
    return _opened(
        event.escrow_id, "escrow", event.payer, event.payee, event.symbol, int(event.amount)
    )


def escrow_released(event: types.EscrowReleased) -> list[IndexEffect]:
    return [
        PaymentUpdated(
            event.escrow_id,
            "released",
            settled=int(event.amount),
            concerns_payer=True,
            concerns_payee=True,
        )
    ]


def escrow_cancelled(event: types.EscrowCancelled) -> list[IndexEffect]:
    return _status(event.escrow_id, "cancelled")


def channel_opened(event: types.ChannelOpened) -> list[IndexEffect]:
    return _opened(
        event.channel_id, "channel", event.sender, event.recipient, event.symbol,
        int(event.deposit),
    )  # fmt: skip


def channel_funded(event: types.ChannelFunded) -> list[IndexEffect]:
    return [
        PaymentUpdated(
            event.channel_id, amount=int(event.deposit), concerns_payer=True, concerns_payee=True
        )
    ]


def channel_claimed(event: types.ChannelClaimed) -> list[IndexEffect]:
    return [
        PaymentUpdated(event.channel_id, settled=int(event.paid), concerns_payer=True),
        Concerns((event.recipient,)),
    ]


def channel_closing(event: types.ChannelClosing) -> list[IndexEffect]:
    return _status(event.channel_id, "closing")


def channel_closed(event: types.ChannelClosed) -> list[IndexEffect]:
    return [
        PaymentUpdated(
            event.channel_id,
            "closed",
            settled=int(event.paid),
            concerns_payer=True,
            concerns_payee=True,
        )
    ]


def swapped(event: types.Swapped) -> list[IndexEffect]:
    return [Concerns(tuple(party for leg in event.legs for party in (leg.sender, leg.recipient)))]


INDEX = ModuleIndex(
    handlers={
        types.RequestCreated: request_created,
        types.RequestPaid: request_paid,
        types.RequestCancelled: request_cancelled,
        types.Authorized: authorized,
        types.Captured: captured,
        types.AuthorizationVoided: authorization_voided,
        types.AuthorizationExpired: authorization_expired,
        types.Refunded: refunded,
        types.EscrowCreated: escrow_created,
        types.EscrowReleased: escrow_released,
        types.EscrowCancelled: escrow_cancelled,
        types.ChannelOpened: channel_opened,
        types.ChannelFunded: channel_funded,
        types.ChannelClaimed: channel_claimed,
        types.ChannelClosing: channel_closing,
        types.ChannelClosed: channel_closed,
        types.Swapped: swapped,
    },
)
