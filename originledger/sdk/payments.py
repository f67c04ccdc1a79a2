"""Payments in the SDK: payment-request URIs (build, parse, checksum), their QR codes
(SVG, PNG, terminal), payment-channel claims (sign, verify, encode), and atomic swaps.

The URI (documented in docs/payments.md)::

    origin:pay?v=1&chain=<chain id>&to=<merchant address>&id=<request id, 64 hex>
              &asset=<symbol>&amount=<minor units>[&ref=<reference>]&exp=<expiry ms>
              [&alt=<SYMBOL>:<minor units>,...]&c=<checksum>

Fields appear in exactly this order, values percent-encoded (RFC 3986 unreserved
characters stay as they are); ``c`` is the first 4 bytes of SHA-256 over the text between
``?`` and ``&c=``, in lower-case hex. A wallet that scans the code parses it with
``parse_payment_uri``, which rejects a wrong checksum (a mistyped or altered code) before
anything else, then shows the merchant, the amount and the reference, and pays with a
``payments/pay`` message.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, unquote

import msgspec
import segno

from originledger.core.address import Address, AddressError
from originledger.core.amounts import Amount
from originledger.core.crypto import sha256, verify_signature
from originledger.core.tx import Msg
from originledger.modules.assets.types import check_symbol
from originledger.modules.payments.types import (
    ID_BYTES,
    AcceptedAsset,
    Leg,
    PayRequest,
    Swap,
    claim_digest,
)
from originledger.sdk.builder import SignedTransaction, TxBuilder
from originledger.sdk.wallet import Key

__all__ = [
    "URI_PREFIX",
    "URI_VERSION",
    "ChannelClaim",
    "PaymentUri",
    "PaymentUriError",
    "build_payment_uri",
    "build_swap",
    "decode_claim",
    "encode_claim",
    "new_id",
    "parse_payment_uri",
    "pay_message",
    "qr_png",
    "qr_svg",
    "qr_terminal",
    "sign_claim",
    "uri_of_request",
    "verify_claim",
]

URI_PREFIX = "origin:pay?"
URI_VERSION = "1"
_CHECKSUM_BYTES = 4
_URI_CHARS_MAX = 2_048
_CLAIM_PREFIX = "origin-claim:"


class PaymentUriError(ValueError):
    """A payment URI is malformed, of an unknown version, or fails its checksum."""


class PaymentUri(msgspec.Struct, frozen=True):
    """What a payment request's URI says."""

    chain_id: str
    merchant: Address
    request_id: bytes
    symbol: str
    amount: Amount
    expires_at_ms: int
    reference: str = ""
    accepted: list[AcceptedAsset] = []

    def amount_in(self, symbol: str) -> Amount | None:
        """The amount asked in ``symbol`` (the requested asset or an alternative)."""
        if symbol == self.symbol:
            return self.amount
        for item in self.accepted:
            if item.symbol == symbol:
                return item.amount
        return None


def new_id() -> bytes:
    """A fresh random 32-byte id for a request, authorization, escrow or channel (so the
    URI can be printed before the request is even submitted)."""
    return os.urandom(ID_BYTES)


def _checksum(query: str) -> str:
    return sha256(query.encode()).hex()[: 2 * _CHECKSUM_BYTES]


def _encode(value: str) -> str:
    return quote(value, safe="")


def build_payment_uri(uri: PaymentUri) -> str:
    """The canonical URI of a payment request, with its checksum."""
    fields = [
        ("v", URI_VERSION),
        ("chain", uri.chain_id),
        ("to", str(uri.merchant)),
        ("id", uri.request_id.hex()),
        ("asset", uri.symbol),
        ("amount", str(int(uri.amount))),
    ]
    if uri.reference:
        fields.append(("ref", uri.reference))
    fields.append(("exp", str(uri.expires_at_ms)))
    if uri.accepted:
        fields.append(("alt", ",".join(f"{a.symbol}:{int(a.amount)}" for a in uri.accepted)))
    query = "&".join(f"{name}={_encode(value)}" for name, value in fields)
    return f"{URI_PREFIX}{query}&c={_checksum(query)}"


def _integer(name: str, text: str) -> int:
    if not text.isdigit() or len(text) > 39:
        raise PaymentUriError(f"{name} must be a non-negative integer")
    return int(text)


def parse_payment_uri(text: str) -> PaymentUri:
    """Parse and check a payment URI: prefix, checksum, version, every field."""
    text = text.strip()
    if len(text) > _URI_CHARS_MAX:
        raise PaymentUriError(f"a payment URI is at most {_URI_CHARS_MAX} characters")
    if not text.startswith(URI_PREFIX):
        raise PaymentUriError(f"a payment URI starts with {URI_PREFIX!r}")
    body = text[len(URI_PREFIX) :]
    query, separator, checksum = body.rpartition("&c=")
    if not separator:
        raise PaymentUriError("the URI has no checksum (c=)")
    if checksum != _checksum(query):
        raise PaymentUriError("the checksum does not match: the code is damaged or altered")
    fields: dict[str, str] = {}
    for part in query.split("&"):
        name, equals, value = part.partition("=")
        if not equals or name in fields:
            raise PaymentUriError(f"malformed or repeated field {name!r}")
        fields[name] = unquote(value)
    if fields.get("v") != URI_VERSION:
        raise PaymentUriError(f"unknown URI version {fields.get('v')!r}")
    expected = ["v", "chain", "to", "id", "asset", "amount", "ref", "exp", "alt"]
    order = [name for name in expected if name in fields]
    if list(fields) != order or not {"chain", "to", "id", "asset", "amount", "exp"} <= set(fields):
        raise PaymentUriError("fields are missing, unknown or out of order")
    try:
        merchant = Address.from_text(fields["to"])
    except AddressError as error:
        raise PaymentUriError(f"to: {error}") from None
    try:
        request_id = bytes.fromhex(fields["id"])
    except ValueError:
        raise PaymentUriError("id must be hex") from None
    if len(request_id) != ID_BYTES:
        raise PaymentUriError(f"id must be {ID_BYTES} bytes")
    symbol = fields["asset"]
    if check_symbol(symbol) is not None:
        raise PaymentUriError(f"asset {symbol!r} is not a symbol")
    amount = _integer("amount", fields["amount"])
    if not 0 < amount < 2**128:
        raise PaymentUriError("amount must be positive and below 2**128")
    accepted = []
    if "alt" in fields:
        for item in fields["alt"].split(","):
            alt_symbol, colon, alt_amount = item.partition(":")
            alt_value = _integer("alt amount", alt_amount)
            if not colon or check_symbol(alt_symbol) is not None or not 0 < alt_value < 2**128:
                raise PaymentUriError(f"alt entry {item!r} is not SYMBOL:amount")
            accepted.append(AcceptedAsset(alt_symbol, Amount(alt_value)))
    return PaymentUri(
        chain_id=fields["chain"],
        merchant=merchant,
        request_id=request_id,
        symbol=symbol,
        amount=Amount(amount),
        expires_at_ms=_integer("exp", fields["exp"]),
        reference=fields.get("ref", ""),
        accepted=accepted,
    )


def uri_of_request(chain_id: str, request_id: bytes, request: dict[str, Any]) -> str:
    """The URI of a request as the ``payments/request`` query answers it (its ``request``)."""
    accepted: list[dict[str, Any]] = request.get("accepted") or []
    return build_payment_uri(
        PaymentUri(
            chain_id=chain_id,
            merchant=Address.from_text(str(request["merchant"])),
            request_id=request_id,
            symbol=str(request["symbol"]),
            amount=Amount(int(request["amount"])),
            expires_at_ms=int(request["expires_at_ms"]),
            reference=str(request.get("reference") or ""),
            accepted=[
                AcceptedAsset(str(item["symbol"]), Amount(int(item["amount"]))) for item in accepted
            ],
        )
    )


def pay_message(uri: PaymentUri, payer: Address, symbol: str | None = None) -> PayRequest:
    """The ``payments/pay`` message that pays ``uri`` (in ``symbol``, an accepted one)."""
    chosen = uri.symbol if symbol is None else symbol
    amount = uri.amount_in(chosen)
    if amount is None:
        raise PaymentUriError(f"the request does not accept {chosen}")
    return PayRequest(payer, uri.request_id, chosen, amount)


# QR codes -------------------------------------------------------------------------------


def _qr(uri: str) -> segno.QRCode:
    # Error correction M (15 %): a phone reads it off a printed or screen-shown code.
    return segno.make(uri, error="m", micro=False)


def qr_svg(uri: str, *, scale: int = 4) -> str:
    """The QR code of ``uri`` as an SVG document."""
    buffer = io.BytesIO()
    _qr(uri).save(buffer, kind="svg", scale=scale, xmldecl=True)
    return buffer.getvalue().decode()


def qr_png(uri: str, *, scale: int = 4) -> bytes:
    """The QR code of ``uri`` as a PNG image."""
    buffer = io.BytesIO()
    _qr(uri).save(buffer, kind="png", scale=scale)
    return buffer.getvalue()


def qr_terminal(uri: str) -> str:
    """The QR code of ``uri`` drawn with block characters, two modules per character."""
    buffer = io.StringIO()
    _qr(uri).terminal(out=buffer, compact=True)
    return buffer.getvalue()


# Channel claims ---------------------------------------------------------------------------


class ChannelClaim(msgspec.Struct, frozen=True):
    """An off-ledger promise: the channel owes its recipient ``amount`` in total."""

    channel_id: bytes
    amount: Amount
    signature: bytes


def sign_claim(key: Key, chain_id: str, channel_id: bytes, amount: int) -> ChannelClaim:
    """A claim signed with the channel's claim key (the sender's or its device's)."""
    signature = key.sign(claim_digest(chain_id, channel_id, amount))
    return ChannelClaim(channel_id, Amount(amount), signature)


def verify_claim(public_key: bytes, chain_id: str, claim: ChannelClaim) -> bool:
    """What the recipient checks before delivering: the claim verifies with the channel's
    claim key (then it compares ``amount`` with the deposit and what it was paid)."""
    return verify_signature(
        public_key, claim_digest(chain_id, claim.channel_id, claim.amount), claim.signature
    )


def encode_claim(claim: ChannelClaim) -> str:
    """``origin-claim:<channel id hex>:<amount>:<signature hex>``: one line to send."""
    return f"{_CLAIM_PREFIX}{claim.channel_id.hex()}:{int(claim.amount)}:{claim.signature.hex()}"


def decode_claim(text: str) -> ChannelClaim:
    parts = text.strip().removeprefix(_CLAIM_PREFIX).split(":")
    if not text.strip().startswith(_CLAIM_PREFIX) or len(parts) != 3:
        raise ValueError("a claim reads origin-claim:<channel>:<amount>:<signature>")
    channel_id, amount, signature = parts
    try:
        return ChannelClaim(
            bytes.fromhex(channel_id), Amount(int(amount)), bytes.fromhex(signature)
        )
    except ValueError as error:
        raise ValueError(f"malformed claim: {error}") from None


# Atomic swaps -----------------------------------------------------------------------------


def build_swap(
    builder: TxBuilder,
    legs: Sequence[Leg],
    keys: Sequence[Key],
    *,
    reference: str = "",
    extra: Sequence[Msg] = (),
) -> SignedTransaction:
    """One transaction carrying a ``payments/swap`` of ``legs``, signed by every sender's
    key: every leg settles or none does. ``extra`` messages join the same transaction."""
    senders = {leg.sender for leg in legs}
    missing = senders - {key.address for key in keys}
    if missing:
        raise ValueError(f"the keys of {sorted(str(a) for a in missing)} are needed")
    return builder.build([Swap(list(legs), reference), *extra], list(keys))
