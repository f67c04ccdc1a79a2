"""Read-only queries of the payments module. Ids are hex in parameters and answers."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import StateReader
from originledger.core.module import BLOCK_TIME_PARAMETER, QueryError
from originledger.modules.assets.types import check_symbol
from originledger.modules.payments.expected import assets_keeper
from originledger.modules.payments.logic import (
    PAYMENTS_ACCOUNT,
    load_authorization,
    load_channel,
    load_escrow,
    load_locked,
    load_request,
)
from originledger.modules.payments.types import (
    ID_BYTES,
    Authorization,
    AuthorizationStatus,
    Channel,
    ChannelStatus,
    Escrow,
    PaymentRequest,
    RequestStatus,
)

__all__ = [
    "AuthorizationView",
    "ChannelView",
    "EscrowView",
    "LockedView",
    "PaymentView",
    "RequestView",
    "query_authorization",
    "query_channel",
    "query_escrow",
    "query_locked",
    "query_payment",
    "query_request",
]


def _id(params: Mapping[str, str]) -> bytes:
    text = params.get("id", "")
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise QueryError("parameter 'id' must be hex") from None
    if len(value) != ID_BYTES:
        raise QueryError(f"parameter 'id' must be {ID_BYTES} bytes of hex")
    return value


def _time_ms(params: Mapping[str, str]) -> int:
    text = params.get(BLOCK_TIME_PARAMETER, "0")
    return int(text) if text.isdigit() else 0


class RequestView(msgspec.Struct, frozen=True):
    id: str
    state: str  # open, paid, cancelled, or expired (open past its expiry)
    request: PaymentRequest
    module_account: Address


class AuthorizationView(msgspec.Struct, frozen=True):
    id: str
    state: str  # the status; "expired" also for an open one past its expiry
    held: Amount  # still held on the payer's balance
    authorization: Authorization


class EscrowView(msgspec.Struct, frozen=True):
    id: str
    releasable: (
        bool  # the time conditions allow a release now (a hash-lock still needs its preimage)
    )
    cancellable: bool  # anyone may cancel it now
    escrow: Escrow


class ChannelView(msgspec.Struct, frozen=True):
    id: str
    state: str  # open, closing, closed; "settleable" once a closing window ended
    remaining: Amount  # deposit - paid
    channel: Channel


class PaymentView(msgspec.Struct, frozen=True):
    """A settled payment that refunds may reference."""

    id: str
    kind: str  # request or authorization
    merchant: Address
    payer: Address
    symbol: str
    settled: Amount
    refunded: Amount
    refundable: Amount


class LockedView(msgspec.Struct, frozen=True):
    symbol: str
    module_account: Address
    locked: Amount  # open escrows + channel deposits not yet paid out
    module_balance: Amount


def query_request(state: StateReader, params: Mapping[str, str]) -> RequestView:
    request_id = _id(params)
    record = load_request(state, request_id)
    if record is None:
        raise QueryError("no payment request has this id", not_found=True)
    shown = record.status
    if shown == RequestStatus.OPEN and _time_ms(params) >= record.expires_at_ms:
        shown = "expired"
    return RequestView(request_id.hex(), shown, record, PAYMENTS_ACCOUNT)


def query_authorization(state: StateReader, params: Mapping[str, str]) -> AuthorizationView:
    authorization_id = _id(params)
    record = load_authorization(state, authorization_id)
    if record is None:
        raise QueryError("no authorization has this id", not_found=True)
    shown = record.status
    held = Amount(0)
    if shown == AuthorizationStatus.OPEN:
        held = Amount(record.authorized - record.captured)
        if _time_ms(params) >= record.expires_at_ms:
            shown = AuthorizationStatus.EXPIRED
    return AuthorizationView(authorization_id.hex(), shown, held, record)


def query_escrow(state: StateReader, params: Mapping[str, str]) -> EscrowView:
    escrow_id = _id(params)
    record = load_escrow(state, escrow_id)
    if record is None:
        raise QueryError("no escrow has this id", not_found=True)
    now = _time_ms(params)
    is_open = record.status == "open"
    cancel_passed = record.cancel_after_ms is not None and now >= record.cancel_after_ms
    releasable = (
        is_open
        and (record.release_after_ms is None or now >= record.release_after_ms)
        and not cancel_passed
    )
    return EscrowView(escrow_id.hex(), releasable, is_open and cancel_passed, record)


def query_channel(state: StateReader, params: Mapping[str, str]) -> ChannelView:
    channel_id = _id(params)
    record = load_channel(state, channel_id)
    if record is None:
        raise QueryError("no payment channel has this id", not_found=True)
    shown = record.status
    if shown == ChannelStatus.CLOSING and _time_ms(params) >= record.closes_at_ms:
        shown = "settleable"
    remaining = Amount(0 if shown == ChannelStatus.CLOSED else record.deposit - record.paid)
    return ChannelView(channel_id.hex(), shown, remaining, record)


def query_payment(state: StateReader, params: Mapping[str, str]) -> PaymentView:
    payment_id = _id(params)
    request = load_request(state, payment_id)
    if request is not None and request.status == RequestStatus.PAID and request.payer is not None:
        return PaymentView(
            payment_id.hex(),
            "request",
            request.merchant,
            request.payer,
            request.paid_symbol,
            request.paid_amount,
            request.refunded,
            Amount(request.paid_amount - request.refunded),
        )
    record = load_authorization(state, payment_id)
    if record is not None and record.captured > 0:
        return PaymentView(
            payment_id.hex(),
            "authorization",
            record.merchant,
            record.payer,
            record.symbol,
            record.captured,
            record.refunded,
            Amount(record.captured - record.refunded),
        )
    raise QueryError("no settled payment has this id", not_found=True)


def query_locked(state: StateReader, params: Mapping[str, str]) -> LockedView:
    symbol = params.get("symbol", "")
    if check_symbol(symbol) is not None:
        raise QueryError("parameter 'symbol' is not an asset symbol")
    return LockedView(
        symbol,
        PAYMENTS_ACCOUNT,
        load_locked(state, symbol),
        assets_keeper.balance_of(state, PAYMENTS_ACCOUNT, symbol),
    )
