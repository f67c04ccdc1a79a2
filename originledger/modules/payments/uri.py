"""Payment-request URIs: build, parse and check them (documented in docs/payments.md).

    origin:pay?v=1&chain=<chain id>&to=<merchant address>&id=<request id, 64 hex>
              &asset=<symbol>&amount=<minor units>[&ref=<reference>]&exp=<expiry ms>
              [&alt=<SYMBOL>:<minor units>,...]&c=<checksum>

Fields appear in exactly this order, values percent-encoded (RFC 3986 unreserved
characters stay as they are); ``c`` is the first 4 bytes of SHA-256 over the text between
``?`` and ``&c=``, in lower-case hex. Pure text encoding: the API renders a request's URI
(``api/routes/payments.py``), the SDK builds and parses them (``sdk/payments.py``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

import msgspec

from originledger.core.address import Address, AddressError
from originledger.core.amounts import Amount
from originledger.core.crypto import sha256
from originledger.core.text import is_ascii_digits
from originledger.modules.assets.types import check_symbol
from originledger.modules.payments.types import ID_BYTES, AcceptedAsset

__all__ = [
    "URI_PREFIX",
    "URI_VERSION",
    "PaymentUri",
    "PaymentUriError",
    "build_payment_uri",
    "parse_payment_uri",
    "uri_of_request",
]

URI_PREFIX = "origin:pay?"
URI_VERSION = "1"
_CHECKSUM_BYTES = 4
_URI_CHARS_MAX = 2_048


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


_ASCII_SPACE = " \t\n\r\x0b\x0c"


def _integer(name: str, text: str) -> int:
    if not is_ascii_digits(text) or len(text) > 39:
        raise PaymentUriError(f"{name} must be a non-negative integer")
    return int(text)


def parse_payment_uri(text: str) -> PaymentUri:
    """Parse and check a payment URI: prefix, checksum, version, every field."""
    text = text.strip(_ASCII_SPACE)  # a URI is ASCII: its edges, never Unicode's spaces
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
