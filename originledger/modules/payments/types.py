"""Messages, state records, events and limits of the payments module."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import Event
from originledger.core.crypto import PUBLIC_KEY_BYTES, tagged_hash
from originledger.core.limits import TIME_MS_MAX
from originledger.core.text import is_free_text
from originledger.core.tx import Failure, Msg
from originledger.modules.assets.types import check_symbol as assets_check_symbol
from originledger.modules.payments.codes import PaymentsCode

__all__ = [
    "ALTERNATIVES_MAX",
    "AUTHORIZATION_DURATION_MS_MAX",
    "AUTHORIZATION_EXPIRIES_PER_BLOCK_MAX",
    "CLAIM_TAG",
    "DISPUTE_WINDOW_MS_MAX",
    "DISPUTE_WINDOW_MS_MIN",
    "ESCROW_DURATION_MS_MAX",
    "ID_BYTES",
    "PREIMAGE_BYTES_MAX",
    "REFERENCE_BYTES_MAX",
    "REQUEST_DURATION_MS_MAX",
    "SWAP_LEGS_MAX",
    "AcceptedAsset",
    "Authorization",
    "AuthorizationExpired",
    "AuthorizationExpiryCursor",
    "AuthorizationStatus",
    "AuthorizationVoided",
    "Authorize",
    "Authorized",
    "CancelEscrow",
    "CancelRequest",
    "Capture",
    "Captured",
    "Channel",
    "ChannelClaimed",
    "ChannelClosed",
    "ChannelClosing",
    "ChannelFunded",
    "ChannelOpened",
    "ChannelStatus",
    "ClaimChannel",
    "CloseChannel",
    "CreateEscrow",
    "CreateRequest",
    "Escrow",
    "EscrowCancelled",
    "EscrowCreated",
    "EscrowReleased",
    "EscrowStatus",
    "FundChannel",
    "Leg",
    "OpenChannel",
    "PayRequest",
    "PaymentRequest",
    "Refund",
    "Refunded",
    "ReleaseEscrow",
    "RequestCancelled",
    "RequestCreated",
    "RequestPaid",
    "RequestStatus",
    "SettleChannel",
    "Swap",
    "Swapped",
    "VoidAuthorization",
    "claim_digest",
]

# Limits of this module, each with its unit.
ID_BYTES = 32
REFERENCE_BYTES_MAX = 64  # an order number, an invoice number: never personal data
ALTERNATIVES_MAX = 8  # other assets a payment request accepts
PREIMAGE_BYTES_MAX = 256
SWAP_LEGS_MAX = 16
_DAY_MS = 24 * 60 * 60 * 1000
REQUEST_DURATION_MS_MAX = 90 * _DAY_MS  # a payment request is payable at most 90 days
AUTHORIZATION_DURATION_MS_MAX = 30 * _DAY_MS  # the longest an assets hold lives
ESCROW_DURATION_MS_MAX = 5 * 365 * _DAY_MS  # escrow times lie within five years
DISPUTE_WINDOW_MS_MIN = 1_000
DISPUTE_WINDOW_MS_MAX = 30 * _DAY_MS
AUTHORIZATION_EXPIRIES_PER_BLOCK_MAX = 1_000  # released by one end of block; the rest next
# Expiry walks ``payments/auth_exp/`` in buckets of 2**16 ms (about 65 s), as the assets
# module walks its holds: one prefix scan reads one bucket, never the whole index.
AUTHORIZATION_EXPIRY_BUCKET_BITS = 16
AUTHORIZATION_EXPIRY_BUCKETS_PER_BLOCK_MAX = 256

CLAIM_TAG = b"origin/payments/claim"

IdBytes = Annotated[bytes, msgspec.Meta(max_length=64)]
SymbolText = Annotated[str, msgspec.Meta(max_length=64)]
ReferenceText = Annotated[str, msgspec.Meta(max_length=256)]
Uint64 = Annotated[int, msgspec.Meta(ge=0)]
KeyBytes = Annotated[bytes, msgspec.Meta(max_length=64)]
SignatureBytes = Annotated[bytes, msgspec.Meta(max_length=128)]
PreimageBytes = Annotated[bytes, msgspec.Meta(max_length=PREIMAGE_BYTES_MAX)]


def claim_digest(chain_id: str, channel_id: bytes, amount: int) -> bytes:
    """What a channel's sender signs to promise ``amount`` (cumulative) to the recipient:
    a hash under its own domain tag over the chain id, the channel id and the amount
    (16 bytes, big-endian), so a claim is good on one chain and one channel only."""
    chain = chain_id.encode()
    body = len(chain).to_bytes(1, "big") + chain + channel_id + amount.to_bytes(16, "big")
    return tagged_hash(CLAIM_TAG, body)


def _check_id(value: bytes | None) -> Failure | None:
    if value is not None and len(value) != ID_BYTES:
        return Failure(PaymentsCode.INVALID_ID, f"{len(value)} bytes")
    return None


def _check_symbol(symbol: str) -> Failure | None:
    if assets_check_symbol(symbol) is not None:
        return Failure(PaymentsCode.INVALID_SYMBOL, repr(symbol)[:40])
    return None


def _check_amount(amount: int) -> Failure | None:
    return Failure(PaymentsCode.AMOUNT_ZERO) if amount == 0 else None


def _check_time(time_ms: int | None) -> Failure | None:
    if time_ms is not None and time_ms > TIME_MS_MAX:
        return Failure(PaymentsCode.TIME_OUT_OF_RANGE, f"{time_ms} > {TIME_MS_MAX}")
    return None


def _check_reference(reference: str) -> Failure | None:
    if len(reference.encode()) > REFERENCE_BYTES_MAX or not is_free_text(reference):
        return Failure(PaymentsCode.INVALID_REFERENCE)
    return None


# State ----------------------------------------------------------------------------------


class RequestStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    CANCELLED = "cancelled"


class AuthorizationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # fully captured, or a final capture released the rest
    VOIDED = "voided"
    EXPIRED = "expired"


class EscrowStatus(StrEnum):
    OPEN = "open"
    RELEASED = "released"
    CANCELLED = "cancelled"


class ChannelStatus(StrEnum):
    OPEN = "open"
    CLOSING = "closing"  # the sender asked to close: the dispute window runs
    CLOSED = "closed"


class AuthorizationExpiryCursor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where authorization expiry stands: the first bucket that may still hold due
    authorizations, and the number of open ones (none: the hook reads this and stops)."""

    bucket: int
    open_authorizations: int


class AcceptedAsset(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Another asset a request accepts, at the amount the merchant asks in it."""

    symbol: SymbolText
    amount: Amount


class PaymentRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A merchant's request for payment; paid once, by anyone, in one block."""

    merchant: Address
    symbol: str
    amount: Amount
    expires_at_ms: int
    reference: str
    accepted: list[AcceptedAsset]
    created_height: int
    status: str = RequestStatus.OPEN
    payer: Address | None = None
    paid_symbol: str = ""
    paid_amount: Amount = Amount(0)
    paid_height: int = 0
    refunded: Amount = Amount(0)


class Authorization(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A card-style authorization: ``authorized - captured`` is held (an assets hold from
    the payer to the module account, ``hold_id``) until captured, voided or expired."""

    payer: Address
    merchant: Address
    symbol: str
    authorized: Amount
    expires_at_ms: int
    hold_id: bytes
    reference: str
    created_height: int
    captured: Amount = Amount(0)
    refunded: Amount = Amount(0)
    captures: int = 0
    status: str = AuthorizationStatus.OPEN


class Escrow(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Funds held by the module account until released to the payee (after
    ``release_after_ms``, with the preimage of ``hash_lock``) or cancelled back."""

    payer: Address
    payee: Address
    symbol: str
    amount: Amount
    release_after_ms: int | None
    cancel_after_ms: int | None
    hash_lock: bytes | None
    reference: str
    created_height: int
    status: str = EscrowStatus.OPEN
    finished_height: int = 0


class Channel(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A payment channel: ``deposit`` held by the module account; ``paid`` (cumulative)
    went to the recipient against claims signed with ``claim_key``."""

    sender: Address
    recipient: Address
    symbol: str
    deposit: Amount
    claim_key: bytes
    dispute_window_ms: int
    created_height: int
    paid: Amount = Amount(0)
    status: str = ChannelStatus.OPEN
    closes_at_ms: int = 0


# Messages -------------------------------------------------------------------------------


class CreateRequest(Msg, frozen=True, tag="payments/create_request"):
    """A merchant asks for ``amount`` of ``symbol`` (or the amount of an accepted
    alternative) before ``expires_at_ms``. ``request_id`` defaults to one derived from
    the transaction (see ``derive_id``)."""

    merchant: Address
    symbol: SymbolText
    amount: Amount
    expires_at_ms: Uint64
    reference: ReferenceText = ""
    accepted: Annotated[list[AcceptedAsset], msgspec.Meta(max_length=64)] = []
    request_id: IdBytes | None = None

    def required_signers(self) -> tuple[Address, ...]:
        return (self.merchant,)

    def validate(self) -> Failure | None:
        failure = (
            _check_id(self.request_id)
            or _check_amount(self.amount)
            or _check_symbol(self.symbol)
            or _check_reference(self.reference)
        )
        if failure:
            return failure
        symbols = [self.symbol, *(item.symbol for item in self.accepted)]
        if len(self.accepted) > ALTERNATIVES_MAX or len(set(symbols)) != len(symbols):
            return Failure(PaymentsCode.INVALID_ALTERNATIVES)
        for item in self.accepted:
            if item.amount == 0 or assets_check_symbol(item.symbol) is not None:
                return Failure(PaymentsCode.INVALID_ALTERNATIVES, repr(item.symbol)[:40])
        return _check_time(self.expires_at_ms)


class PayRequest(Msg, frozen=True, tag="payments/pay"):
    """Pay a request: exactly its amount in its asset, or in an accepted alternative.
    ``merchant`` is whom the payer means to pay (the URI's ``to``): the payer signs it,
    and a request of another merchant under the same id is refused (``WRONG_MERCHANT``)."""

    payer: Address
    merchant: Address
    request_id: IdBytes
    symbol: SymbolText
    amount: Amount

    def required_signers(self) -> tuple[Address, ...]:
        return (self.payer,)

    def validate(self) -> Failure | None:
        failure = (
            _check_id(self.request_id) or _check_amount(self.amount) or _check_symbol(self.symbol)
        )
        if failure:
            return failure
        if self.payer == self.merchant:
            return Failure(PaymentsCode.SELF_PAYMENT)
        return None


class CancelRequest(Msg, frozen=True, tag="payments/cancel_request"):
    merchant: Address
    request_id: IdBytes

    def required_signers(self) -> tuple[Address, ...]:
        return (self.merchant,)

    def validate(self) -> Failure | None:
        return _check_id(self.request_id)


class Authorize(Msg, frozen=True, tag="payments/authorize"):
    """The payer authorizes the merchant to capture up to ``amount`` until
    ``expires_at_ms``: the amount is held on the payer's balance."""

    payer: Address
    merchant: Address
    symbol: SymbolText
    amount: Amount
    expires_at_ms: Uint64
    reference: ReferenceText = ""
    authorization_id: IdBytes | None = None

    def required_signers(self) -> tuple[Address, ...]:
        return (self.payer,)

    def validate(self) -> Failure | None:
        failure = (
            _check_id(self.authorization_id)
            or _check_amount(self.amount)
            or _check_symbol(self.symbol)
            or _check_reference(self.reference)
        )
        if failure:
            return failure
        if self.payer == self.merchant:
            return Failure(PaymentsCode.SELF_PAYMENT)
        return _check_time(self.expires_at_ms)


class Capture(Msg, frozen=True, tag="payments/capture"):
    """The merchant captures ``amount`` of an authorization; ``final`` releases the rest."""

    merchant: Address
    authorization_id: IdBytes
    amount: Amount
    final: bool = False

    def required_signers(self) -> tuple[Address, ...]:
        return (self.merchant,)

    def validate(self) -> Failure | None:
        return _check_id(self.authorization_id) or _check_amount(self.amount)


class VoidAuthorization(Msg, frozen=True, tag="payments/void"):
    """The merchant gives up what is left of an authorization: the hold is released."""

    merchant: Address
    authorization_id: IdBytes

    def required_signers(self) -> tuple[Address, ...]:
        return (self.merchant,)

    def validate(self) -> Failure | None:
        return _check_id(self.authorization_id)


class Refund(Msg, frozen=True, tag="payments/refund"):
    """The merchant pays back part or all of a settled payment: a paid request or an
    authorization's captures (``payment_id`` is the request's or the authorization's id)."""

    merchant: Address
    payment_id: IdBytes
    amount: Amount
    reason: ReferenceText = ""

    def required_signers(self) -> tuple[Address, ...]:
        return (self.merchant,)

    def validate(self) -> Failure | None:
        return (
            _check_id(self.payment_id)
            or _check_amount(self.amount)
            or _check_reference(self.reason)
        )


class CreateEscrow(Msg, frozen=True, tag="payments/create_escrow"):
    """Move ``amount`` into escrow for ``payee``: released after ``release_after_ms``
    and/or on the preimage of ``hash_lock`` (SHA-256), cancellable after
    ``cancel_after_ms``."""

    payer: Address
    payee: Address
    symbol: SymbolText
    amount: Amount
    release_after_ms: Uint64 | None = None
    cancel_after_ms: Uint64 | None = None
    hash_lock: IdBytes | None = None
    reference: ReferenceText = ""
    escrow_id: IdBytes | None = None

    def required_signers(self) -> tuple[Address, ...]:
        return (self.payer,)

    def validate(self) -> Failure | None:
        failure = (
            _check_id(self.escrow_id)
            or _check_amount(self.amount)
            or _check_symbol(self.symbol)
            or _check_reference(self.reference)
        )
        if failure:
            return failure
        if self.payer == self.payee:
            return Failure(PaymentsCode.SELF_PAYMENT)
        if self.release_after_ms is None and self.hash_lock is None:
            return Failure(PaymentsCode.INVALID_CONDITIONS, "no release condition")
        if (
            self.release_after_ms is not None
            and self.cancel_after_ms is not None
            and self.cancel_after_ms <= self.release_after_ms
        ):
            return Failure(PaymentsCode.INVALID_CONDITIONS, "cancel time not after release time")
        if self.hash_lock is not None and self.cancel_after_ms is None:
            return Failure(PaymentsCode.INVALID_CONDITIONS, "a hash-lock needs a cancel time")
        if self.hash_lock is not None and len(self.hash_lock) != ID_BYTES:
            return Failure(PaymentsCode.INVALID_HASH_LOCK, f"{len(self.hash_lock)} bytes")
        return _check_time(self.release_after_ms) or _check_time(self.cancel_after_ms)


class ReleaseEscrow(Msg, frozen=True, tag="payments/release_escrow"):
    """Anyone may release an escrow whose conditions are met (as on the XRP Ledger);
    ``preimage`` opens a hash-lock."""

    account: Address
    escrow_id: IdBytes
    preimage: PreimageBytes | None = None

    def required_signers(self) -> tuple[Address, ...]:
        return (self.account,)

    def validate(self) -> Failure | None:
        return _check_id(self.escrow_id)


class CancelEscrow(Msg, frozen=True, tag="payments/cancel_escrow"):
    """Return an escrow to its payer: by anyone after its cancel time, by the payee any
    time (the payee may refuse the money)."""

    account: Address
    escrow_id: IdBytes

    def required_signers(self) -> tuple[Address, ...]:
        return (self.account,)

    def validate(self) -> Failure | None:
        return _check_id(self.escrow_id)


class OpenChannel(Msg, frozen=True, tag="payments/open_channel"):
    """Open a payment channel with a deposit; claims are signed with ``claim_key``
    (any Ed25519 key the sender chooses, e.g. a device's)."""

    sender: Address
    recipient: Address
    symbol: SymbolText
    deposit: Amount
    claim_key: KeyBytes
    dispute_window_ms: Uint64
    channel_id: IdBytes | None = None

    def required_signers(self) -> tuple[Address, ...]:
        return (self.sender,)

    def validate(self) -> Failure | None:
        failure = _check_id(self.channel_id) or _check_amount(self.deposit)
        if failure:
            return failure
        if self.sender == self.recipient:
            return Failure(PaymentsCode.SELF_PAYMENT)
        failure = _check_symbol(self.symbol)
        if failure:
            return failure
        if len(self.claim_key) != PUBLIC_KEY_BYTES:
            return Failure(PaymentsCode.INVALID_CLAIM_KEY, f"{len(self.claim_key)} bytes")
        if not DISPUTE_WINDOW_MS_MIN <= self.dispute_window_ms <= DISPUTE_WINDOW_MS_MAX:
            return Failure(PaymentsCode.INVALID_DISPUTE_WINDOW, str(self.dispute_window_ms))
        return None


class FundChannel(Msg, frozen=True, tag="payments/fund_channel"):
    sender: Address
    channel_id: IdBytes
    amount: Amount

    def required_signers(self) -> tuple[Address, ...]:
        return (self.sender,)

    def validate(self) -> Failure | None:
        return _check_id(self.channel_id) or _check_amount(self.amount)


class ClaimChannel(Msg, frozen=True, tag="payments/claim_channel"):
    """The recipient redeems a claim: the channel pays ``amount`` minus what it paid."""

    recipient: Address
    channel_id: IdBytes
    amount: Amount
    signature: SignatureBytes

    def required_signers(self) -> tuple[Address, ...]:
        return (self.recipient,)

    def validate(self) -> Failure | None:
        return _check_id(self.channel_id) or _check_amount(self.amount)


class CloseChannel(Msg, frozen=True, tag="payments/close_channel"):
    """The recipient closes at once; the sender starts the dispute window."""

    account: Address
    channel_id: IdBytes

    def required_signers(self) -> tuple[Address, ...]:
        return (self.account,)

    def validate(self) -> Failure | None:
        return _check_id(self.channel_id)


class SettleChannel(Msg, frozen=True, tag="payments/settle_channel"):
    """Anyone ends a closing channel once its dispute window is over."""

    account: Address
    channel_id: IdBytes

    def required_signers(self) -> tuple[Address, ...]:
        return (self.account,)

    def validate(self) -> Failure | None:
        return _check_id(self.channel_id)


class Leg(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sender: Address
    recipient: Address
    symbol: SymbolText
    amount: Amount


class Swap(Msg, frozen=True, tag="payments/swap"):
    """Every leg settles, or none: payment-vs-payment, delivery-vs-payment. Signed by
    every sender."""

    legs: Annotated[list[Leg], msgspec.Meta(max_length=64)]
    reference: ReferenceText = ""

    def required_signers(self) -> tuple[Address, ...]:
        senders: list[Address] = []
        for leg in self.legs:
            if leg.sender not in senders:
                senders.append(leg.sender)
        return tuple(senders)

    def validate(self) -> Failure | None:
        if not 1 <= len(self.legs) <= SWAP_LEGS_MAX:
            return Failure(PaymentsCode.INVALID_LEGS, f"{len(self.legs)} legs")
        for leg in self.legs:
            if leg.amount == 0 or leg.sender == leg.recipient:
                return Failure(PaymentsCode.INVALID_LEGS)
            failure = _check_symbol(leg.symbol)
            if failure:
                return failure
        return _check_reference(self.reference)


# Events ---------------------------------------------------------------------------------


class RequestCreated(Event, frozen=True, tag="payments/request_created"):
    request_id: bytes
    merchant: Address
    symbol: str
    amount: Amount
    expires_at_ms: int
    reference: str


class RequestPaid(Event, frozen=True, tag="payments/request_paid"):
    request_id: bytes
    merchant: Address
    payer: Address
    symbol: str
    amount: Amount
    reference: str


class RequestCancelled(Event, frozen=True, tag="payments/request_cancelled"):
    request_id: bytes
    merchant: Address


class Authorized(Event, frozen=True, tag="payments/authorized"):
    authorization_id: bytes
    payer: Address
    merchant: Address
    symbol: str
    amount: Amount
    expires_at_ms: int
    hold_id: bytes


class Captured(Event, frozen=True, tag="payments/captured"):
    authorization_id: bytes
    merchant: Address
    amount: Amount
    captured: Amount  # in total
    remaining: Amount  # still held (0 once closed)


class AuthorizationVoided(Event, frozen=True, tag="payments/authorization_voided"):
    authorization_id: bytes
    released: Amount


class AuthorizationExpired(Event, frozen=True, tag="payments/authorization_expired"):
    authorization_id: bytes
    released: Amount


class Refunded(Event, frozen=True, tag="payments/refunded"):
    payment_id: bytes
    merchant: Address
    payer: Address
    symbol: str
    amount: Amount
    refunded: Amount  # in total
    reason: str


class EscrowCreated(Event, frozen=True, tag="payments/escrow_created"):
    escrow_id: bytes
    payer: Address
    payee: Address
    symbol: str
    amount: Amount
    release_after_ms: int | None
    cancel_after_ms: int | None
    hash_lock: bytes | None


class EscrowReleased(Event, frozen=True, tag="payments/escrow_released"):
    escrow_id: bytes
    payee: Address
    symbol: str
    amount: Amount
    preimage: bytes | None


class EscrowCancelled(Event, frozen=True, tag="payments/escrow_cancelled"):
    escrow_id: bytes
    payer: Address
    symbol: str
    amount: Amount


class ChannelOpened(Event, frozen=True, tag="payments/channel_opened"):
    channel_id: bytes
    sender: Address
    recipient: Address
    symbol: str
    deposit: Amount
    dispute_window_ms: int


class ChannelFunded(Event, frozen=True, tag="payments/channel_funded"):
    channel_id: bytes
    amount: Amount
    deposit: Amount


class ChannelClaimed(Event, frozen=True, tag="payments/channel_claimed"):
    channel_id: bytes
    recipient: Address
    amount: Amount  # paid now
    paid: Amount  # in total


class ChannelClosing(Event, frozen=True, tag="payments/channel_closing"):
    channel_id: bytes
    closes_at_ms: int


class ChannelClosed(Event, frozen=True, tag="payments/channel_closed"):
    channel_id: bytes
    paid: Amount  # to the recipient, in total
    returned: Amount  # to the sender


class Swapped(Event, frozen=True, tag="payments/swapped"):
    legs: list[Leg]
    reference: str
