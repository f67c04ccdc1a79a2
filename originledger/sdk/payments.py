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
anything else, fetches the request from the ledger and checks it against the URI
(``checked_pay_message``: merchant, asset, amount, alternatives, expiry, reference, still
open), shows the merchant, the amount and the reference, and pays with a ``payments/pay``
message that names the merchant.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote, unquote

import msgspec
import segno

from originledger.core.address import Address, AddressError
from originledger.core.amounts import Amount
from originledger.core.crypto import sha256, verify_signature
from originledger.core.tx import Msg
from originledger.keystore import Key
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
from originledger.sdk.client import ClientError

__all__ = [
    "URI_PREFIX",
    "URI_VERSION",
    "ChannelClaim",
    "PaymentUri",
    "PaymentUriError",
    "RequestMismatchError",
    "build_payment_uri",
    "build_swap",
    "check_request",
    "checked_pay_message",
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
    """The ``payments/pay`` message that pays ``uri`` (in ``symbol``, an accepted one).
    It names the URI's merchant: the ledger refuses it (``WRONG_MERCHANT``) if the request
    under this id belongs to anyone else. A wallet checks the request on the ledger first:
    ``checked_pay_message``."""
    chosen = uri.symbol if symbol is None else symbol
    amount = uri.amount_in(chosen)
    if amount is None:
        raise PaymentUriError(f"the request does not accept {chosen}")
    return PayRequest(payer, uri.merchant, uri.request_id, chosen, amount)


class RequestMismatchError(PaymentUriError):
    """The request on the ledger is not the one the URI shows (another merchant, amount,
    asset, expiry or reference), or it can no longer be paid: the wallet must not sign."""


class _RequestSource(Protocol):
    """What ``checked_pay_message`` needs of a node client (``sdk.Client`` has both)."""

    def status(self) -> dict[str, Any]: ...

    def query(
        self, module: str, name: str, *, prove: bool = False, **params: str
    ) -> dict[str, Any]: ...


def check_request(uri: PaymentUri, answer: Mapping[str, Any]) -> None:
    """Check the ``payments/request`` query's result (``{id, state, request}``) against
    what the URI shows the payer: the same id, merchant, asset and amount, the same
    accepted alternatives at the same amounts, the same expiry and reference, and still
    ``open`` (not paid, cancelled or expired). Raises ``RequestMismatchError``: a request
    registered first under the URI's id by another account (squatting) stops here."""
    record = answer.get("request")
    if str(answer.get("id", "")).lower() != uri.request_id.hex() or not isinstance(record, dict):
        raise RequestMismatchError("the node answered for another request id")
    try:
        merchant = Address.from_text(str(record.get("merchant", "")))
    except AddressError:
        raise RequestMismatchError("the request's merchant is not an address") from None
    if merchant != uri.merchant:
        raise RequestMismatchError(
            f"the request on the ledger belongs to {merchant}, not to {uri.merchant}"
        )
    accepted = [(str(a.get("symbol")), str(a.get("amount"))) for a in record.get("accepted") or []]
    shown = [(a.symbol, str(int(a.amount))) for a in uri.accepted]
    differences = [
        name
        for name, on_ledger, in_uri in (
            ("asset", str(record.get("symbol")), uri.symbol),
            ("amount", str(record.get("amount")), str(int(uri.amount))),
            ("alternatives", sorted(accepted), sorted(shown)),
            ("expiry", str(record.get("expires_at_ms")), str(uri.expires_at_ms)),
            ("reference", str(record.get("reference") or ""), uri.reference),
        )
        if on_ledger != in_uri
    ]
    if differences:
        raise RequestMismatchError(
            f"the request on the ledger differs from the URI in: {', '.join(differences)}"
        )
    state = answer.get("state")
    if state != "open":
        raise RequestMismatchError(f"the request is {state}, not open")


def checked_pay_message(
    client: _RequestSource, uri: PaymentUri, payer: Address, symbol: str | None = None
) -> PayRequest:
    """What a wallet signs for a scanned URI, after checking it against the ledger: the
    node's chain is the URI's, and the request under the URI's id is the one the URI
    shows (``check_request``). Raises ``PaymentUriError`` (``RequestMismatchError`` for a
    request that differs or cannot be paid, including one not on the ledger yet)."""
    chain_id = client.status().get("chain_id")
    if chain_id != uri.chain_id:
        raise RequestMismatchError(f"the request is for chain {uri.chain_id}, not {chain_id}")
    try:
        answer = client.query("payments", "request", id=uri.request_id.hex())
    except ClientError as error:
        if error.status == 404:
            raise RequestMismatchError("the request is not on the ledger (yet)") from None
        raise
    result = answer.get("result")
    if not isinstance(result, dict):
        raise RequestMismatchError("the node's answer has no request")
    check_request(uri, result)
    return pay_message(uri, payer, symbol)


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
