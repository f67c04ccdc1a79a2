"""Pure handlers of the payments module.

Where waiting funds live (see README): an authorization is an assets hold from the payer
to the payments module account (so only this module can post or void it, and the payer's
balance shows it as held); escrows and channel deposits are moved into the module account
and counted in ``payments/locked/<symbol>``. Every movement goes through the assets
protocol (``move_asset``, ``place_hold``, ``post_hold``, ``void_hold``) under every
control of the asset, and the account that finally receives units passes the compliance
module's holder checks (``check_receiver``), as an ``assets/transfer`` to it would. Both
come through the keepers of ``expected.py``, which ``app.py`` wires.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from originledger.core.address import Address, module_address
from originledger.core.amounts import Amount, add, compare_units, format_units
from originledger.core.codec import decode, encode
from originledger.core.context import (
    BlockContext,
    BlockState,
    Event,
    StateGetter,
    StateView,
    TxContext,
)
from originledger.core.crypto import sha256, tagged_hash, verify_signature
from originledger.core.module import InvariantBroken
from originledger.core.tx import Failure
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.types import Transferred
from originledger.modules.payments.codes import PaymentsCode
from originledger.modules.payments.expected import assets_keeper, compliance_keeper
from originledger.modules.payments.keys import (
    AUTHORIZATION_EXPIRY,
    authorization_key,
    channel_key,
    escrow_key,
    locked_key,
    request_key,
)
from originledger.modules.payments.types import (
    AUTHORIZATION_DURATION_MS_MAX,
    AUTHORIZATION_EXPIRIES_PER_BLOCK_MAX,
    AUTHORIZATION_EXPIRY_BUCKETS_PER_BLOCK_MAX,
    ESCROW_DURATION_MS_MAX,
    REQUEST_DURATION_MS_MAX,
    Authorization,
    AuthorizationExpired,
    AuthorizationExpiryCursor,
    AuthorizationStatus,
    AuthorizationVoided,
    Authorize,
    Authorized,
    CancelEscrow,
    CancelRequest,
    Capture,
    Captured,
    Channel,
    ChannelClaimed,
    ChannelClosed,
    ChannelClosing,
    ChannelFunded,
    ChannelOpened,
    ChannelStatus,
    ClaimChannel,
    CloseChannel,
    CreateEscrow,
    CreateRequest,
    Escrow,
    EscrowCancelled,
    EscrowCreated,
    EscrowReleased,
    EscrowStatus,
    FundChannel,
    OpenChannel,
    PaymentRequest,
    PayRequest,
    Refund,
    Refunded,
    ReleaseEscrow,
    RequestCancelled,
    RequestCreated,
    RequestPaid,
    RequestStatus,
    SettleChannel,
    Swap,
    Swapped,
    VoidAuthorization,
    claim_digest,
)

__all__ = [
    "PAYMENTS_ACCOUNT",
    "authorization_hold_id",
    "authorize",
    "cancel_escrow",
    "cancel_request",
    "capture",
    "claim_channel",
    "close_channel",
    "create_escrow",
    "create_request",
    "derive_id",
    "expire_authorizations",
    "fund_channel",
    "load_authorization",
    "load_channel",
    "load_escrow",
    "load_expiry_cursor",
    "load_locked",
    "load_request",
    "open_channel",
    "pay_request",
    "refund",
    "release_escrow",
    "settle_channel",
    "swap",
    "transfer_units",
    "void_authorization",
]

PAYMENTS_ACCOUNT = module_address("payments")
"""The account that holds escrows and channel deposits, and is the payee of the holds
behind authorizations. No key controls it: only this module's handlers move its units."""

_ZERO = Amount(0)
R = TypeVar("R", bound=msgspec.Struct)


def derive_id(kind: str, tx_hash: bytes, position: int) -> bytes:
    """The id of a request, authorization, escrow or channel created without one: unique
    per kind, transaction and position, where ``position`` counts the requests,
    authorizations, escrows and channels the transaction created before it (0 for the
    first). Clients compute it ahead of submission from the transaction's hash."""
    return tagged_hash(b"origin/payments/" + kind.encode(), tx_hash + position.to_bytes(4, "big"))


def authorization_hold_id(authorization_id: bytes, number: int) -> bytes:
    """The id of the ``number``-th hold behind an authorization (a capture that leaves a
    remainder re-holds it under the next number)."""
    return tagged_hash(
        b"origin/payments/authorization-hold", authorization_id + number.to_bytes(4, "big")
    )


def _load(state: StateGetter, key: bytes, kind: type[R]) -> R | None:
    raw = state.get(key)
    return None if raw is None else decode(raw, kind)


def load_request(state: StateGetter, request_id: bytes) -> PaymentRequest | None:
    return _load(state, request_key(request_id), PaymentRequest)


def load_authorization(state: StateGetter, authorization_id: bytes) -> Authorization | None:
    return _load(state, authorization_key(authorization_id), Authorization)


def load_escrow(state: StateGetter, escrow_id: bytes) -> Escrow | None:
    return _load(state, escrow_key(escrow_id), Escrow)


def load_channel(state: StateGetter, channel_id: bytes) -> Channel | None:
    return _load(state, channel_key(channel_id), Channel)


def load_locked(state: StateGetter, symbol: str) -> Amount:
    raw = state.get(locked_key(symbol))
    return _ZERO if raw is None else decode(raw, Amount)


def _add_locked(state: StateView, symbol: str, delta: int) -> None:
    after = load_locked(state, symbol) + delta
    if after < 0:
        raise InvariantBroken(f"invariant broken: payments locked {symbol} below zero")
    if after == 0:
        state.delete(locked_key(symbol))
    else:
        state.set(locked_key(symbol), encode(Amount(after)))


def _replace(record: R, **changes: object) -> R:
    return msgspec.structs.replace(record, **changes)


def transfer_units(
    ctx: TxContext,
    symbol: str,
    sender: Address,
    recipient: Address,
    amount: Amount,
    *,
    holder_checks: bool = True,
) -> Failure | None:
    """Move units under every control of the asset, emitting ``assets/transferred`` (so
    fund tracing follows money through the module account). ``holder_checks``: the
    recipient passes the compliance module's checks first (off for the module account,
    which only keeps units for someone who is checked when they receive them)."""
    asset = assets_keeper.load_asset(ctx.state, symbol)
    if asset is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, symbol)
    if holder_checks:
        failure = compliance_keeper.check_receiver(
            ctx.state,
            asset,
            compliance_keeper.load_index(ctx.state),
            recipient,
            amount,
            ctx.block.time_ms,
        )
        if failure:
            return failure
    failure = assets_keeper.move_asset(ctx.state, asset, sender, recipient, amount)
    if failure:
        return failure
    ctx.emit(Transferred(symbol, sender, recipient, amount))
    return None


_CREATED = (RequestCreated, Authorized, EscrowCreated, ChannelOpened)


def _new_id(ctx: TxContext, kind: str, given: bytes | None) -> bytes:
    if given is not None:
        return given
    position = sum(1 for event in ctx.events if isinstance(event, _CREATED))
    return derive_id(kind, ctx.tx_hash, position)


def _check_deadline(time_ms: int, deadline_ms: int, duration_max_ms: int) -> Failure | None:
    if not time_ms < deadline_ms <= time_ms + duration_max_ms:
        return Failure(PaymentsCode.TIME_INVALID, f"{deadline_ms} at block time {time_ms}")
    return None


# Payment requests -----------------------------------------------------------------------


def create_request(ctx: TxContext, message: CreateRequest) -> Failure | None:
    failure = _check_deadline(ctx.block.time_ms, message.expires_at_ms, REQUEST_DURATION_MS_MAX)
    if failure:
        return failure
    request_id = _new_id(ctx, "request", message.request_id)
    key = request_key(request_id)
    if ctx.state.get(key) is not None:
        return Failure(PaymentsCode.ID_TAKEN, request_id.hex())
    for symbol in (message.symbol, *(item.symbol for item in message.accepted)):
        if assets_keeper.load_asset(ctx.state, symbol) is None:
            return Failure(AssetsCode.ASSET_NOT_FOUND, symbol)
    record = PaymentRequest(
        merchant=message.merchant,
        symbol=message.symbol,
        amount=message.amount,
        expires_at_ms=message.expires_at_ms,
        reference=message.reference,
        accepted=list(message.accepted),
        created_height=ctx.block.height,
    )
    ctx.state.set(key, encode(record))
    ctx.emit(
        RequestCreated(
            request_id,
            message.merchant,
            message.symbol,
            message.amount,
            message.expires_at_ms,
            message.reference,
        )
    )
    return None


def _open_request(
    state: StateGetter, request_id: bytes, merchant: Address, time_ms: int
) -> PaymentRequest | Failure:
    request = load_request(state, request_id)
    if request is None:
        return Failure(PaymentsCode.REQUEST_NOT_FOUND, request_id.hex())
    if request.merchant != merchant:
        # Request ids are chosen by clients and seen in the mempool before the request
        # commits: the payer signs whom it pays, so a request registered first under the
        # same id by another account (squatting) can never receive the payment.
        return Failure(PaymentsCode.WRONG_MERCHANT, f"the request's merchant is {request.merchant}")
    if request.status == RequestStatus.PAID:
        return Failure(PaymentsCode.REQUEST_PAID)
    if request.status == RequestStatus.CANCELLED:
        return Failure(PaymentsCode.REQUEST_CANCELLED)
    if time_ms >= request.expires_at_ms:
        return Failure(PaymentsCode.REQUEST_EXPIRED, f"at {request.expires_at_ms}")
    return request


def _compared(
    state: StateGetter, symbol: str, left: int, relation: str, right: int, note: str = ""
) -> str:
    """A result message's comparison of two amounts in the asset's units."""
    asset = assets_keeper.load_asset(state, symbol)
    decimals = 0 if asset is None else asset.decimals
    return compare_units(left, relation, right, decimals, symbol) + note


def _in_units(state: StateGetter, symbol: str, amount: int) -> str:
    asset = assets_keeper.load_asset(state, symbol)
    return format_units(amount, 0 if asset is None else asset.decimals)


def pay_request(ctx: TxContext, message: PayRequest) -> Failure | None:
    request = _open_request(ctx.state, message.request_id, message.merchant, ctx.block.time_ms)
    if isinstance(request, Failure):
        return request
    if message.symbol == request.symbol:
        expected = request.amount
    else:
        found = [item.amount for item in request.accepted if item.symbol == message.symbol]
        if not found:
            return Failure(PaymentsCode.WRONG_ASSET, message.symbol)
        expected = found[0]
    if message.amount != expected:
        return Failure(
            PaymentsCode.WRONG_AMOUNT,
            _compared(ctx.state, message.symbol, message.amount, "!=", expected),
        )
    failure = transfer_units(ctx, message.symbol, message.payer, request.merchant, message.amount)
    if failure:
        return failure
    paid = _replace(
        request,
        status=RequestStatus.PAID,
        payer=message.payer,
        paid_symbol=message.symbol,
        paid_amount=message.amount,
        paid_height=ctx.block.height,
    )
    ctx.state.set(request_key(message.request_id), encode(paid))
    ctx.emit(
        RequestPaid(
            message.request_id,
            request.merchant,
            message.payer,
            message.symbol,
            message.amount,
            request.reference,
        )
    )
    return None


def cancel_request(ctx: TxContext, message: CancelRequest) -> Failure | None:
    request = load_request(ctx.state, message.request_id)
    if request is None:
        return Failure(PaymentsCode.REQUEST_NOT_FOUND, message.request_id.hex())
    if request.merchant != message.merchant:
        return Failure(PaymentsCode.NOT_MERCHANT)
    if request.status == RequestStatus.PAID:
        return Failure(PaymentsCode.REQUEST_PAID)
    if request.status == RequestStatus.CANCELLED:
        return Failure(PaymentsCode.REQUEST_CANCELLED)
    cancelled = _replace(request, status=RequestStatus.CANCELLED)
    ctx.state.set(request_key(message.request_id), encode(cancelled))
    ctx.emit(RequestCancelled(message.request_id, message.merchant))
    return None


# Authorizations -------------------------------------------------------------------------


def load_expiry_cursor(state: StateGetter) -> AuthorizationExpiryCursor | None:
    return AUTHORIZATION_EXPIRY.load_cursor(state)


def authorize(ctx: TxContext, message: Authorize) -> Failure | None:
    time_ms = ctx.block.time_ms
    failure = _check_deadline(time_ms, message.expires_at_ms, AUTHORIZATION_DURATION_MS_MAX)
    if failure:
        return failure
    authorization_id = _new_id(ctx, "authorization", message.authorization_id)
    key = authorization_key(authorization_id)
    if ctx.state.get(key) is not None:
        return Failure(PaymentsCode.ID_TAKEN, authorization_id.hex())
    asset = assets_keeper.load_asset(ctx.state, message.symbol)
    if asset is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, message.symbol)
    failure = compliance_keeper.check_receiver(
        ctx.state,
        asset,
        compliance_keeper.load_index(ctx.state),
        message.merchant,
        message.amount,
        time_ms,
    )
    if failure:
        return failure
    hold_id = authorization_hold_id(authorization_id, 0)
    placed = assets_keeper.place_hold(
        ctx.state,
        hold_id=hold_id,
        payer=message.payer,
        payee=PAYMENTS_ACCOUNT,
        symbol=message.symbol,
        amount=message.amount,
        expires_at_ms=message.expires_at_ms,
        time_ms=time_ms,
        height=ctx.block.height,
    )
    if isinstance(placed, Failure):
        return placed
    ctx.emit(placed)
    record = Authorization(
        payer=message.payer,
        merchant=message.merchant,
        symbol=message.symbol,
        authorized=message.amount,
        expires_at_ms=message.expires_at_ms,
        hold_id=hold_id,
        reference=message.reference,
        created_height=ctx.block.height,
    )
    ctx.state.set(key, encode(record))
    AUTHORIZATION_EXPIRY.insert(ctx.state, message.expires_at_ms, authorization_id, time_ms=time_ms)
    ctx.emit(
        Authorized(
            authorization_id,
            message.payer,
            message.merchant,
            message.symbol,
            message.amount,
            message.expires_at_ms,
            hold_id,
        )
    )
    return None


def _merchant_authorization(
    state: StateGetter, authorization_id: bytes, merchant: Address
) -> Authorization | Failure:
    record = load_authorization(state, authorization_id)
    if record is None:
        return Failure(PaymentsCode.AUTHORIZATION_NOT_FOUND, authorization_id.hex())
    if record.merchant != merchant:
        return Failure(PaymentsCode.NOT_MERCHANT)
    if record.status != AuthorizationStatus.OPEN:
        return Failure(PaymentsCode.AUTHORIZATION_CLOSED, record.status)
    return record


def _close_authorization(
    state: StateView, authorization_id: bytes, record: Authorization, status: str, time_ms: int
) -> None:
    AUTHORIZATION_EXPIRY.remove(state, record.expires_at_ms, authorization_id, time_ms=time_ms)
    state.set(authorization_key(authorization_id), encode(_replace(record, status=status)))


def capture(ctx: TxContext, message: Capture) -> Failure | None:
    time_ms = ctx.block.time_ms
    record = _merchant_authorization(ctx.state, message.authorization_id, message.merchant)
    if isinstance(record, Failure):
        return record
    if time_ms >= record.expires_at_ms:
        return Failure(PaymentsCode.AUTHORIZATION_EXPIRED, f"at {record.expires_at_ms}")
    remaining = record.authorized - record.captured
    if message.amount > remaining:
        return Failure(
            PaymentsCode.CAPTURE_EXCEEDS_AUTHORIZED,
            _compared(ctx.state, record.symbol, message.amount, ">", remaining, " left"),
        )
    asset = assets_keeper.load_asset(ctx.state, record.symbol)
    hold = assets_keeper.load_hold(ctx.state, record.hold_id)
    if asset is None or hold is None:
        raise InvariantBroken(
            f"invariant broken: authorization {message.authorization_id.hex()} without its"
            " asset or hold"
        )
    failure = compliance_keeper.check_receiver(
        ctx.state,
        asset,
        compliance_keeper.load_index(ctx.state),
        record.merchant,
        message.amount,
        time_ms,
    )
    if failure:
        return failure
    posted = assets_keeper.post_hold(
        ctx.state, record.hold_id, hold, message.amount, time_ms=time_ms
    )
    if isinstance(posted, Failure):
        return posted
    ctx.emit(posted)
    failure = transfer_units(
        ctx, record.symbol, PAYMENTS_ACCOUNT, record.merchant, message.amount, holder_checks=False
    )
    if failure:
        return failure
    captured = Amount(record.captured + message.amount)
    left = Amount(record.authorized - captured)
    updated = _replace(record, captured=captured, captures=record.captures + 1)
    if left > 0 and not message.final:
        hold_id = authorization_hold_id(message.authorization_id, updated.captures)
        placed = assets_keeper.place_hold(
            ctx.state,
            hold_id=hold_id,
            payer=record.payer,
            payee=PAYMENTS_ACCOUNT,
            symbol=record.symbol,
            amount=left,
            expires_at_ms=record.expires_at_ms,
            time_ms=time_ms,
            height=ctx.block.height,
        )
        if isinstance(placed, Failure):
            return placed
        ctx.emit(placed)
        ctx.state.set(
            authorization_key(message.authorization_id), encode(_replace(updated, hold_id=hold_id))
        )
    else:
        _close_authorization(
            ctx.state, message.authorization_id, updated, AuthorizationStatus.CLOSED, time_ms
        )
        left = _ZERO
    ctx.emit(Captured(message.authorization_id, record.merchant, message.amount, captured, left))
    return None


def void_authorization(ctx: TxContext, message: VoidAuthorization) -> Failure | None:
    record = _merchant_authorization(ctx.state, message.authorization_id, message.merchant)
    if isinstance(record, Failure):
        return record
    hold = assets_keeper.load_hold(ctx.state, record.hold_id)
    if hold is not None:  # gone only if the assets hook expired it and ours has not run yet
        ctx.emit(
            assets_keeper.void_hold(ctx.state, record.hold_id, hold, time_ms=ctx.block.time_ms)
        )
    _close_authorization(
        ctx.state,
        message.authorization_id,
        record,
        AuthorizationStatus.VOIDED,
        ctx.block.time_ms,
    )
    ctx.emit(
        AuthorizationVoided(message.authorization_id, Amount(record.authorized - record.captured))
    )
    return None


def expire_authorizations(block: BlockContext, state: BlockState) -> list[Event]:
    """The end-of-block hook: close every open authorization whose expiry is at or before
    the block time, oldest first, at most ``AUTHORIZATION_EXPIRIES_PER_BLOCK_MAX`` per
    block (the rest next block). The assets module's own hook (which runs first) has
    usually released the hold already; a hold still open is voided here.

    Like the assets module's hold expiry, it walks the committed expiry index
    (``AUTHORIZATION_EXPIRY``, ``core/expiry.py``) bucket by bucket (2**16 ms each) from a
    cursor, at most ``AUTHORIZATION_EXPIRY_BUCKETS_PER_BLOCK_MAX`` buckets, so its cost
    does not grow with the number of open authorizations; when none is open it reads one
    key. An authorization made in this block expires after this block's time, so it
    cannot be due; one closed earlier in this block is skipped (its key is gone from
    ``state``)."""

    def close(authorization_id: bytes, _due_ms: int) -> list[Event]:
        record = load_authorization(state, authorization_id)
        if record is None or record.status != AuthorizationStatus.OPEN:
            raise InvariantBroken(
                f"invariant broken: expiry entry {authorization_id.hex()} without authorization"
            )
        events: list[Event] = []
        hold = assets_keeper.load_hold(state, record.hold_id)
        if hold is not None:
            events.append(
                assets_keeper.void_hold(state, record.hold_id, hold, time_ms=block.time_ms)
            )
        state.set(
            authorization_key(authorization_id),
            encode(_replace(record, status=AuthorizationStatus.EXPIRED)),
        )
        events.append(
            AuthorizationExpired(authorization_id, Amount(record.authorized - record.captured))
        )
        return events

    return AUTHORIZATION_EXPIRY.walk(
        state,
        block.time_ms,
        close,
        entries_max=AUTHORIZATION_EXPIRIES_PER_BLOCK_MAX,
        buckets_max=AUTHORIZATION_EXPIRY_BUCKETS_PER_BLOCK_MAX,
    )


# Refunds --------------------------------------------------------------------------------


def refund(ctx: TxContext, message: Refund) -> Failure | None:
    payment_id = message.payment_id
    request = load_request(ctx.state, payment_id)
    if request is not None and (request.status != RequestStatus.PAID or request.payer is None):
        request = None  # not a settled payment; an authorization may carry the same id
    authorization = None if request is not None else load_authorization(ctx.state, payment_id)
    if request is not None and request.payer is not None:
        merchant, payer, symbol = request.merchant, request.payer, request.paid_symbol
        settled, refunded = request.paid_amount, request.refunded
    elif authorization is not None and authorization.captured > 0:
        merchant, payer, symbol = authorization.merchant, authorization.payer, authorization.symbol
        settled, refunded = authorization.captured, authorization.refunded
    else:
        return Failure(PaymentsCode.PAYMENT_NOT_FOUND, payment_id.hex())
    if merchant != message.merchant:
        return Failure(PaymentsCode.NOT_MERCHANT)
    total = add(refunded, message.amount)
    if total is None or total > settled:
        return Failure(
            PaymentsCode.REFUND_EXCEEDS_SETTLED,
            f"{_in_units(ctx.state, symbol, refunded)} + "
            + _compared(ctx.state, symbol, message.amount, ">", settled),
        )
    failure = transfer_units(ctx, symbol, merchant, payer, message.amount)
    if failure:
        return failure
    if request is not None:
        ctx.state.set(request_key(payment_id), encode(_replace(request, refunded=total)))
    elif authorization is not None:
        ctx.state.set(
            authorization_key(payment_id), encode(_replace(authorization, refunded=total))
        )
    ctx.emit(Refunded(payment_id, merchant, payer, symbol, message.amount, total, message.reason))
    return None


# Escrow ---------------------------------------------------------------------------------


def create_escrow(ctx: TxContext, message: CreateEscrow) -> Failure | None:
    time_ms = ctx.block.time_ms
    for moment in (message.release_after_ms, message.cancel_after_ms):
        if moment is not None and moment > time_ms + ESCROW_DURATION_MS_MAX:
            return Failure(PaymentsCode.TIME_INVALID, f"{moment} at block time {time_ms}")
    if message.cancel_after_ms is not None and message.cancel_after_ms <= time_ms:
        return Failure(PaymentsCode.TIME_INVALID, "the cancel time has passed")
    escrow_id = _new_id(ctx, "escrow", message.escrow_id)
    key = escrow_key(escrow_id)
    if ctx.state.get(key) is not None:
        return Failure(PaymentsCode.ID_TAKEN, escrow_id.hex())
    failure = transfer_units(
        ctx, message.symbol, message.payer, PAYMENTS_ACCOUNT, message.amount, holder_checks=False
    )
    if failure:
        return failure
    _add_locked(ctx.state, message.symbol, message.amount)
    record = Escrow(
        payer=message.payer,
        payee=message.payee,
        symbol=message.symbol,
        amount=message.amount,
        release_after_ms=message.release_after_ms,
        cancel_after_ms=message.cancel_after_ms,
        hash_lock=message.hash_lock,
        reference=message.reference,
        created_height=ctx.block.height,
    )
    ctx.state.set(key, encode(record))
    ctx.emit(
        EscrowCreated(
            escrow_id,
            message.payer,
            message.payee,
            message.symbol,
            message.amount,
            message.release_after_ms,
            message.cancel_after_ms,
            message.hash_lock,
        )
    )
    return None


def _open_escrow(state: StateGetter, escrow_id: bytes) -> Escrow | Failure:
    record = load_escrow(state, escrow_id)
    if record is None:
        return Failure(PaymentsCode.ESCROW_NOT_FOUND, escrow_id.hex())
    if record.status != EscrowStatus.OPEN:
        return Failure(PaymentsCode.ESCROW_FINISHED, record.status)
    return record


def release_escrow(ctx: TxContext, message: ReleaseEscrow) -> Failure | None:
    record = _open_escrow(ctx.state, message.escrow_id)
    if isinstance(record, Failure):
        return record
    time_ms = ctx.block.time_ms
    if record.release_after_ms is not None and time_ms < record.release_after_ms:
        return Failure(PaymentsCode.ESCROW_NOT_RELEASABLE_YET, f"at {record.release_after_ms}")
    if record.cancel_after_ms is not None and time_ms >= record.cancel_after_ms:
        return Failure(PaymentsCode.ESCROW_CANCEL_TIME_PASSED, f"at {record.cancel_after_ms}")
    if record.hash_lock is not None and (
        message.preimage is None or sha256(message.preimage) != record.hash_lock
    ):
        return Failure(PaymentsCode.PREIMAGE_MISMATCH)
    failure = transfer_units(ctx, record.symbol, PAYMENTS_ACCOUNT, record.payee, record.amount)
    if failure:
        return failure
    _add_locked(ctx.state, record.symbol, -record.amount)
    finished = _replace(record, status=EscrowStatus.RELEASED, finished_height=ctx.block.height)
    ctx.state.set(escrow_key(message.escrow_id), encode(finished))
    ctx.emit(
        EscrowReleased(
            message.escrow_id, record.payee, record.symbol, record.amount, message.preimage
        )
    )
    return None


def cancel_escrow(ctx: TxContext, message: CancelEscrow) -> Failure | None:
    record = _open_escrow(ctx.state, message.escrow_id)
    if isinstance(record, Failure):
        return record
    cancel_time_passed = (
        record.cancel_after_ms is not None and ctx.block.time_ms >= record.cancel_after_ms
    )
    if message.account != record.payee and not cancel_time_passed:
        return Failure(PaymentsCode.ESCROW_NOT_CANCELLABLE_YET)
    failure = transfer_units(
        ctx, record.symbol, PAYMENTS_ACCOUNT, record.payer, record.amount, holder_checks=False
    )
    if failure:
        return failure
    _add_locked(ctx.state, record.symbol, -record.amount)
    finished = _replace(record, status=EscrowStatus.CANCELLED, finished_height=ctx.block.height)
    ctx.state.set(escrow_key(message.escrow_id), encode(finished))
    ctx.emit(EscrowCancelled(message.escrow_id, record.payer, record.symbol, record.amount))
    return None


# Channels -------------------------------------------------------------------------------


def open_channel(ctx: TxContext, message: OpenChannel) -> Failure | None:
    channel_id = _new_id(ctx, "channel", message.channel_id)
    key = channel_key(channel_id)
    if ctx.state.get(key) is not None:
        return Failure(PaymentsCode.ID_TAKEN, channel_id.hex())
    failure = transfer_units(
        ctx, message.symbol, message.sender, PAYMENTS_ACCOUNT, message.deposit, holder_checks=False
    )
    if failure:
        return failure
    _add_locked(ctx.state, message.symbol, message.deposit)
    record = Channel(
        sender=message.sender,
        recipient=message.recipient,
        symbol=message.symbol,
        deposit=message.deposit,
        claim_key=message.claim_key,
        dispute_window_ms=message.dispute_window_ms,
        created_height=ctx.block.height,
    )
    ctx.state.set(key, encode(record))
    ctx.emit(
        ChannelOpened(
            channel_id,
            message.sender,
            message.recipient,
            message.symbol,
            message.deposit,
            message.dispute_window_ms,
        )
    )
    return None


def _channel_open(record: Channel, time_ms: int) -> bool:
    """Open, or closing with the dispute window still running."""
    if record.status == ChannelStatus.OPEN:
        return True
    return record.status == ChannelStatus.CLOSING and time_ms < record.closes_at_ms


def fund_channel(ctx: TxContext, message: FundChannel) -> Failure | None:
    record = load_channel(ctx.state, message.channel_id)
    if record is None:
        return Failure(PaymentsCode.CHANNEL_NOT_FOUND, message.channel_id.hex())
    if record.sender != message.sender:
        return Failure(PaymentsCode.NOT_CHANNEL_PARTY, "only the sender funds a channel")
    if record.status == ChannelStatus.CLOSED:
        return Failure(PaymentsCode.CHANNEL_CLOSED)
    if record.status == ChannelStatus.CLOSING:
        return Failure(PaymentsCode.CHANNEL_CLOSING)
    deposit = add(record.deposit, message.amount)
    if deposit is None:
        return Failure(AssetsCode.BALANCE_OVERFLOW)
    failure = transfer_units(
        ctx, record.symbol, message.sender, PAYMENTS_ACCOUNT, message.amount, holder_checks=False
    )
    if failure:
        return failure
    _add_locked(ctx.state, record.symbol, message.amount)
    ctx.state.set(channel_key(message.channel_id), encode(_replace(record, deposit=deposit)))
    ctx.emit(ChannelFunded(message.channel_id, message.amount, deposit))
    return None


def claim_channel(ctx: TxContext, message: ClaimChannel) -> Failure | None:
    record = load_channel(ctx.state, message.channel_id)
    if record is None:
        return Failure(PaymentsCode.CHANNEL_NOT_FOUND, message.channel_id.hex())
    if record.recipient != message.recipient:
        return Failure(PaymentsCode.NOT_CHANNEL_PARTY, "only the recipient redeems claims")
    if not _channel_open(record, ctx.block.time_ms):
        return Failure(PaymentsCode.CHANNEL_CLOSED)
    digest = claim_digest(ctx.block.chain_id, message.channel_id, message.amount)
    if not verify_signature(record.claim_key, digest, message.signature):
        return Failure(PaymentsCode.CLAIM_SIGNATURE_INVALID)
    if message.amount <= record.paid:
        return Failure(
            PaymentsCode.CLAIM_NOT_NEWER,
            _compared(ctx.state, record.symbol, message.amount, "<=", record.paid, " paid"),
        )
    if message.amount > record.deposit:
        return Failure(
            PaymentsCode.CLAIM_EXCEEDS_DEPOSIT,
            _compared(ctx.state, record.symbol, message.amount, ">", record.deposit),
        )
    due = Amount(message.amount - record.paid)
    failure = transfer_units(ctx, record.symbol, PAYMENTS_ACCOUNT, record.recipient, due)
    if failure:
        return failure
    _add_locked(ctx.state, record.symbol, -due)
    ctx.state.set(channel_key(message.channel_id), encode(_replace(record, paid=message.amount)))
    ctx.emit(ChannelClaimed(message.channel_id, record.recipient, due, message.amount))
    return None


def _finish_channel(ctx: TxContext, channel_id: bytes, record: Channel) -> Failure | None:
    returned = Amount(record.deposit - record.paid)
    if returned > 0:
        failure = transfer_units(
            ctx, record.symbol, PAYMENTS_ACCOUNT, record.sender, returned, holder_checks=False
        )
        if failure:
            return failure
        _add_locked(ctx.state, record.symbol, -returned)
    closed = _replace(record, status=ChannelStatus.CLOSED, closes_at_ms=ctx.block.time_ms)
    ctx.state.set(channel_key(channel_id), encode(closed))
    ctx.emit(ChannelClosed(channel_id, record.paid, returned))
    return None


def close_channel(ctx: TxContext, message: CloseChannel) -> Failure | None:
    record = load_channel(ctx.state, message.channel_id)
    if record is None:
        return Failure(PaymentsCode.CHANNEL_NOT_FOUND, message.channel_id.hex())
    if message.account not in (record.sender, record.recipient):
        return Failure(PaymentsCode.NOT_CHANNEL_PARTY)
    if not _channel_open(record, ctx.block.time_ms):
        return Failure(PaymentsCode.CHANNEL_CLOSED)
    if message.account == record.recipient:
        # The recipient gives up any claim it has not redeemed: it may close at once.
        return _finish_channel(ctx, message.channel_id, record)
    if record.status == ChannelStatus.CLOSING:
        return Failure(PaymentsCode.CHANNEL_CLOSING)
    closes_at_ms = ctx.block.time_ms + record.dispute_window_ms
    closing = _replace(record, status=ChannelStatus.CLOSING, closes_at_ms=closes_at_ms)
    ctx.state.set(channel_key(message.channel_id), encode(closing))
    ctx.emit(ChannelClosing(message.channel_id, closes_at_ms))
    return None


def settle_channel(ctx: TxContext, message: SettleChannel) -> Failure | None:
    record = load_channel(ctx.state, message.channel_id)
    if record is None:
        return Failure(PaymentsCode.CHANNEL_NOT_FOUND, message.channel_id.hex())
    if record.status == ChannelStatus.CLOSED:
        return Failure(PaymentsCode.CHANNEL_CLOSED)
    if record.status != ChannelStatus.CLOSING:
        return Failure(PaymentsCode.NOT_CLOSING)
    if ctx.block.time_ms < record.closes_at_ms:
        return Failure(PaymentsCode.DISPUTE_WINDOW_OPEN, f"until {record.closes_at_ms}")
    return _finish_channel(ctx, message.channel_id, record)


# Atomic swaps ---------------------------------------------------------------------------


def swap(ctx: TxContext, message: Swap) -> Failure | None:
    """Every leg in order; the first failure rejects the transaction, so no leg settles."""
    for leg in message.legs:
        failure = transfer_units(ctx, leg.symbol, leg.sender, leg.recipient, leg.amount)
        if failure:
            return failure
    ctx.emit(Swapped(list(message.legs), message.reference))
    return None
