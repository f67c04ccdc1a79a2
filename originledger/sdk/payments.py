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

import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import msgspec

from originledger.core.address import Address, AddressError
from originledger.core.amounts import Amount
from originledger.core.crypto import verify_signature
from originledger.core.tx import Msg
from originledger.keystore import Key
from originledger.modules.payments.types import (
    ID_BYTES,
    Leg,
    PayRequest,
    Swap,
    claim_digest,
)
from originledger.modules.payments.uri import (
    URI_PREFIX,
    URI_VERSION,
    PaymentUri,
    PaymentUriError,
    build_payment_uri,
    parse_payment_uri,
    uri_of_request,
)
from originledger.qr import qr_png, qr_svg, qr_terminal
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

_CLAIM_PREFIX = "origin-claim:"


def new_id() -> bytes:
    """A fresh random 32-byte id for a request, authorization, escrow or channel (so the
    URI can be printed before the request is even submitted)."""
    return os.urandom(ID_BYTES)


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
