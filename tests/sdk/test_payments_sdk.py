"""The SDK's payment helpers: payment URIs (round trip, checksum, malformed input), QR
codes (PNG, SVG, terminal; decoded back when zbarimg is installed), channel claims and
atomic swaps."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.crypto import SigningKey
from originledger.modules.payments import claim_digest
from originledger.modules.payments.types import AcceptedAsset, Leg
from originledger.sdk import ClientError, Key, TxBuilder
from originledger.sdk.payments import (
    PaymentUri,
    PaymentUriError,
    RequestMismatchError,
    build_payment_uri,
    build_swap,
    check_request,
    checked_pay_message,
    decode_claim,
    encode_claim,
    parse_payment_uri,
    pay_message,
    qr_png,
    qr_svg,
    qr_terminal,
    sign_claim,
    verify_claim,
)

MERCHANT = Address(bytes(range(20)))
DEVICE = Key(SigningKey(bytes(32)), "device")
OTHER = Key(SigningKey(bytes([1]) * 32), "other")


def _uri(**changes: object) -> PaymentUri:
    fields: dict[str, object] = {
        "chain_id": "origin-test",
        "merchant": MERCHANT,
        "request_id": bytes(range(32)),
        "symbol": "USDO",
        "amount": Amount(5_000),
        "expires_at_ms": 1_800_000_000_000,
        "reference": "order #42 café",
        "accepted": [AcceptedAsset("EURO", Amount(4_600))],
    }
    fields.update(changes)
    return PaymentUri(**fields)  # type: ignore[arg-type]


symbols = st.from_regex(r"[A-Z][A-Z0-9.\-]{0,11}", fullmatch=True)


@given(
    symbol=symbols,
    amount=st.integers(1, 2**128 - 1),
    reference=st.text(max_size=64),
    expires=st.integers(0, 2**63),
)
def test_build_payment_uri_round_trips(
    symbol: str, amount: int, reference: str, expires: int
) -> None:
    uri = _uri(
        symbol=symbol,
        amount=Amount(amount),
        reference=reference,
        expires_at_ms=expires,
        accepted=[],
    )
    text = build_payment_uri(uri)
    assert text.startswith("origin:pay?v=1&chain=origin-test&to=")
    assert parse_payment_uri(text) == uri


def test_parse_payment_uri_with_alternatives() -> None:
    parsed = parse_payment_uri(build_payment_uri(_uri()))
    assert parsed.amount_in("EURO") == 4_600 and parsed.amount_in("GBP") is None
    message = pay_message(parsed, OTHER.address, "EURO")
    assert (message.symbol, message.amount, message.request_id) == ("EURO", 4_600, bytes(range(32)))
    with pytest.raises(PaymentUriError):
        pay_message(parsed, OTHER.address, "GBP")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda text: text.replace("amount=5000", "amount=5001"), "checksum"),
        (lambda text: text[:-1] + ("0" if text[-1] != "0" else "1"), "checksum"),
        (lambda text: text.split("&c=")[0], "no checksum"),
        (lambda text: text.replace("origin:pay?", "bitcoin:pay?"), "starts with"),
        (lambda text: text + "x" * 3000, "at most"),
    ],
)
def test_invalid_payment_uri_refused(edit, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PaymentUriError, match=words):
        parse_payment_uri(edit(build_payment_uri(_uri())))


def _signed(query: str) -> str:
    from originledger.core.crypto import sha256

    return f"origin:pay?{query}&c={sha256(query.encode()).hex()[:8]}"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("v=2&chain=c&to=x&id=00&asset=USDO&amount=1&exp=1", "version"),
        (f"v=1&to={MERCHANT}&chain=c&id={'00' * 32}&asset=USDO&amount=1&exp=1", "order"),
        (f"v=1&chain=c&to={MERCHANT}&id={'00' * 32}&asset=USDO&amount=0&exp=1", "positive"),
        (f"v=1&chain=c&to={MERCHANT}&id={'00' * 31}&asset=USDO&amount=1&exp=1", "32 bytes"),
        (f"v=1&chain=c&to=og1nope&id={'00' * 32}&asset=USDO&amount=1&exp=1", "to:"),
        (f"v=1&chain=c&to={MERCHANT}&id={'00' * 32}&asset=usd&amount=1&exp=1", "symbol"),
        (f"v=1&chain=c&to={MERCHANT}&id={'00' * 32}&asset=USDO&amount=-1&exp=1", "integer"),
        (f"v=1&chain=c&to={MERCHANT}&id={'00' * 32}&asset=USDO&amount=1&exp=1&alt=EUR", "alt"),
        (f"v=1&chain=c&to={MERCHANT}&id={'00' * 32}&asset=USDO&amount=1", "missing"),
    ],
)
def test_invalid_payment_uri_fields(query: str, words: str) -> None:
    with pytest.raises(PaymentUriError, match=words):
        parse_payment_uri(_signed(query))


def test_qr_codes_in_three_forms() -> None:
    text = build_payment_uri(_uri())
    assert qr_png(text).startswith(b"\x89PNG\r\n\x1a\n")
    svg = qr_svg(text)
    assert svg.startswith("<?xml") and "<svg" in svg
    drawing = qr_terminal(text)
    assert "█" in drawing and len(drawing.splitlines()) > 20


@pytest.mark.needs("zbar-tools")  # installed before the session starts, or it stops
def test_qr_png_decodes_to_the_uri(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = build_payment_uri(_uri())
    image = tmp_path / "qr.png"
    image.write_bytes(qr_png(text))
    decoded = subprocess.run(
        ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, timeout=60
    )
    assert decoded.stdout.strip() == text


def test_sign_claim_verifies_and_round_trips() -> None:
    channel_id = bytes(range(32))
    claim = sign_claim(DEVICE, "origin-test", channel_id, 1_234)
    assert claim.signature == DEVICE.sign(claim_digest("origin-test", channel_id, 1_234))
    assert verify_claim(DEVICE.public_key, "origin-test", claim)
    assert not verify_claim(DEVICE.public_key, "other-chain", claim)
    assert not verify_claim(OTHER.public_key, "origin-test", claim)
    assert decode_claim(encode_claim(claim)) == claim
    with pytest.raises(ValueError):
        decode_claim("origin-claim:zz:1:00")
    with pytest.raises(ValueError):
        decode_claim("claim:00:1:00")


def test_build_swap_needs_every_sender() -> None:
    legs = [
        Leg(DEVICE.address, OTHER.address, "USD", Amount(1)),
        Leg(OTHER.address, DEVICE.address, "EUR", Amount(1)),
    ]
    builder = TxBuilder("origin-test")
    with pytest.raises(ValueError, match="keys"):
        build_swap(builder, legs, [DEVICE])
    signed = build_swap(builder, legs, [DEVICE, OTHER], reference="pvp")
    assert len(signed.hash) == 32


# The wallet checks the request on the ledger before signing -----------------------------


class _Node:
    """A node as the wallet sees it: its chain id and the payments/request query."""

    def __init__(self, answer: dict[str, object] | None, chain_id: str = "origin-test") -> None:
        self.answer = answer
        self.chain_id = chain_id
        self.asked: list[dict[str, str]] = []

    def status(self) -> dict[str, object]:
        return {"chain_id": self.chain_id}

    def query(self, module: str, name: str, *, prove: bool = False, **params: str) -> object:
        assert (module, name) == ("payments", "request")
        self.asked.append(params)
        if self.answer is None:
            raise ClientError(404, "not_found", "no payment request has this id")
        return {"height": 7, "result": self.answer}


def _on_ledger(uri: PaymentUri, **changes: object) -> dict[str, object]:
    """The query's JSON answer for the request ``uri`` shows, with ``changes``."""
    record: dict[str, object] = {
        "merchant": str(uri.merchant),
        "symbol": uri.symbol,
        "amount": str(int(uri.amount)),
        "expires_at_ms": uri.expires_at_ms,
        "reference": uri.reference,
        "accepted": [{"symbol": a.symbol, "amount": str(int(a.amount))} for a in uri.accepted],
        "created_height": 3,
        "status": "open",
    }
    state = changes.pop("state", "open")
    record.update(changes)
    return {"id": uri.request_id.hex(), "state": state, "request": record}


def test_checked_pay_message_signs_the_merchant_of_a_matching_request() -> None:
    uri = parse_payment_uri(build_payment_uri(_uri()))
    node = _Node(_on_ledger(uri))
    message = checked_pay_message(node, uri, OTHER.address, "EURO")
    assert node.asked == [{"id": bytes(range(32)).hex()}]
    assert (message.merchant, message.request_id, message.symbol, message.amount) == (
        MERCHANT,
        bytes(range(32)),
        "EURO",
        4_600,
    )


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"merchant": str(OTHER.address)}, "belongs to"),  # squatted: another merchant
        ({"amount": "5001"}, "amount"),
        ({"symbol": "EURO", "accepted": []}, "asset"),
        ({"accepted": [{"symbol": "EURO", "amount": "1"}]}, "alternatives"),
        ({"expires_at_ms": 1_900_000_000_000}, "expiry"),
        ({"reference": "order #43"}, "reference"),
        ({"state": "paid"}, "paid"),
        ({"state": "cancelled"}, "cancelled"),
        ({"state": "expired"}, "expired"),
    ],
)
def test_invalid_wallet_refuses_a_mismatching_request(
    changes: dict[str, object], words: str
) -> None:
    uri = parse_payment_uri(build_payment_uri(_uri()))
    with pytest.raises(RequestMismatchError, match=words):
        checked_pay_message(_Node(_on_ledger(uri, **changes)), uri, OTHER.address)


def test_invalid_wallet_refuses_a_request_not_on_the_ledger_or_another_chain() -> None:
    uri = parse_payment_uri(build_payment_uri(_uri()))
    with pytest.raises(RequestMismatchError, match="not on the ledger"):
        checked_pay_message(_Node(None), uri, OTHER.address)
    with pytest.raises(RequestMismatchError, match="chain"):
        checked_pay_message(_Node(_on_ledger(uri), "origin-main"), uri, OTHER.address)
    wrong_id = _on_ledger(uri)
    wrong_id["id"] = bytes(32).hex()
    with pytest.raises(RequestMismatchError, match="another request id"):
        check_request(uri, wrong_id)
