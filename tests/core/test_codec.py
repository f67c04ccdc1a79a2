"""The canonical encoding: one value, one byte string; JSON for people."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from originledger.core.address import Address, account_address
from originledger.core.amounts import Amount
from originledger.core.codec import (
    CodecError,
    decode,
    decode_canonical,
    encode,
    from_json,
    to_builtins,
    to_json,
)
from originledger.core.limits import AMOUNT_MAX
from originledger.modules.accounts.types import AccountRecord
from originledger.modules.assets.types import AssetRecord, Balance, Transfer

ADDRESS = account_address(bytes(32))
addresses = st.binary(min_size=20, max_size=20).map(Address)
amounts = st.integers(min_value=0, max_value=AMOUNT_MAX).map(Amount)
asset_records = st.builds(
    AssetRecord,
    symbol=st.text(max_size=12),
    name=st.text(max_size=64),
    decimals=st.integers(min_value=-(2**63), max_value=2**64 - 1),
    asset_class=st.sampled_from(["payment", "utility", "x"]),
    issuer=addresses,
    max_supply=amounts,
    supply=amounts,
    created_height=st.integers(min_value=0, max_value=2**63 - 1),
)


def fixstr(text: str) -> bytes:
    raw = text.encode()
    if len(raw) > 31:
        raise ValueError("fixstr holds at most 31 bytes")
    return bytes([0xA0 | len(raw)]) + raw


@given(asset_records)
def test_encode_canonical_round_trip(record: AssetRecord) -> None:
    raw = encode(record)
    decoded = decode_canonical(raw, AssetRecord)
    assert decoded == record
    assert encode(decoded) == raw


@given(amounts)
def test_encode_amount_is_16_bytes_big_endian(amount: Amount) -> None:
    raw = encode(Balance(amount))
    assert raw == b"\x81" + fixstr("amount") + b"\xc4\x10" + amount.to_bytes16()
    assert decode_canonical(raw, Balance).amount == amount


@pytest.mark.parametrize("value", [2**64, 2**64 + 1, 2**100, AMOUNT_MAX])
def test_encode_amount_above_uint64_round_trip(value: int) -> None:
    record = Balance(Amount(value))
    decoded = decode_canonical(encode(record), Balance)
    assert decoded.amount == value
    assert type(decoded.amount) is Amount


def test_encode_address_is_20_raw_bytes() -> None:
    message = Transfer(ADDRESS, account_address(b"\x01" * 32), "USD", Amount(5))
    raw = encode(message)
    assert bytes(ADDRESS) in raw
    decoded = decode_canonical(raw, Transfer)
    assert decoded == message
    assert type(decoded.sender) is Address


def test_encode_struct_field_order_is_declaration_order() -> None:
    raw = encode(AccountRecord(5, b"", []))
    expected = (
        b"\x83"
        + fixstr("created_height")
        + b"\x05"
        + fixstr("public_key")
        + b"\xc4\x00"
        + fixstr("roles")
        + b"\x90"
    )
    assert raw == expected


@pytest.mark.parametrize("suffix", [b"\x00", b"\xc0", b"\x90", encode(Balance(Amount(1)))])
def test_invalid_decode_trailing_bytes(suffix: bytes) -> None:
    raw = encode(Balance(Amount(1))) + suffix
    with pytest.raises(CodecError):
        decode(raw, Balance)
    with pytest.raises(CodecError):
        decode_canonical(raw, Balance)


@pytest.mark.parametrize(
    "wide_five",
    [
        b"\xcc\x05",  # uint8
        b"\xcd\x00\x05",  # uint16
        b"\xce\x00\x00\x00\x05",  # uint32
        b"\xcf" + (5).to_bytes(8, "big"),  # uint64
        b"\xd0\x05",  # int8
        b"\xd3" + (5).to_bytes(8, "big"),  # int64
    ],
)
def test_invalid_decode_canonical_wide_integer(wide_five: bytes) -> None:
    raw = (
        b"\x83"
        + fixstr("created_height")
        + wide_five
        + fixstr("public_key")
        + b"\xc4\x00"
        + fixstr("roles")
        + b"\x90"
    )
    # The value decodes (it is 5) but the bytes are not the canonical ones.
    assert decode(raw, AccountRecord).created_height == 5
    with pytest.raises(CodecError, match="canonical"):
        decode_canonical(raw, AccountRecord)


def test_invalid_decode_canonical_keys_out_of_order() -> None:
    raw = msgspec.msgpack.encode({"roles": [], "public_key": b"", "created_height": 5})
    assert decode(raw, AccountRecord) == AccountRecord(5, b"", [])
    with pytest.raises(CodecError, match="canonical"):
        decode_canonical(raw, AccountRecord)


def test_invalid_decode_canonical_default_omitted() -> None:
    raw = msgspec.msgpack.encode({"created_height": 5})
    assert decode(raw, AccountRecord) == AccountRecord(5)
    with pytest.raises(CodecError, match="canonical"):
        decode_canonical(raw, AccountRecord)


def test_invalid_decode_canonical_wide_string_and_bin_headers() -> None:
    amount = Amount(7).to_bytes16()
    str8_key = b"\x81\xd9\x06amount\xc4\x10" + amount
    bin16_value = b"\x81" + fixstr("amount") + b"\xc5\x00\x10" + amount
    map16_header = b"\xde\x00\x01" + fixstr("amount") + b"\xc4\x10" + amount
    for raw in (str8_key, bin16_value, map16_header):
        assert decode(raw, Balance).amount == 7
        with pytest.raises(CodecError, match="canonical"):
            decode_canonical(raw, Balance)


def test_invalid_decode_unknown_field() -> None:
    raw = msgspec.msgpack.encode({"amount": Amount(1).to_bytes16(), "extra": 1})
    with pytest.raises(CodecError):
        decode(raw, Balance)


@pytest.mark.parametrize(
    "value",
    [1, b"\x01" * 15, b"\x01" * 17, "1", None, -1],
)
def test_invalid_decode_amount_not_16_bytes(value: object) -> None:
    with pytest.raises(CodecError):
        decode(msgspec.msgpack.encode({"amount": value}), Balance)


@pytest.mark.parametrize("value", [b"\x01" * 19, b"\x01" * 21, "og1xyz", 5])
def test_invalid_decode_address_not_20_bytes(value: object) -> None:
    raw = msgspec.msgpack.encode(
        {"sender": value, "recipient": bytes(ADDRESS), "symbol": "USD", "amount": bytes(16)}
    )
    with pytest.raises(CodecError):
        decode(raw, Transfer)


@pytest.mark.parametrize("raw", [b"", b"\xc1", b"\x81", b"\xdf\xff\xff\xff\xff", b"\x91" * 5000])
def test_invalid_decode_garbage(raw: bytes) -> None:
    with pytest.raises(CodecError):
        decode(raw, AccountRecord)


def test_invalid_decode_deep_nesting_is_a_codec_error() -> None:
    # Deeper than msgspec follows: a RecursionError inside, a CodecError outside.
    nested = b"\x91" * 100_000 + b"\x00"
    with pytest.raises(CodecError):
        decode(nested, list[object])  # type: ignore[arg-type]
    with pytest.raises(CodecError):
        from_json("[" * 100_000 + "]" * 100_000, list[object])  # type: ignore[arg-type]


def test_to_json_amount_as_decimal_string_address_as_text() -> None:
    amount = Amount(2**100 + 3)
    message = Transfer(ADDRESS, account_address(b"\x01" * 32), "USD", amount)
    document = json.loads(to_json(message))
    assert document == {
        "type": "assets/transfer",
        "sender": str(ADDRESS),
        "recipient": str(account_address(b"\x01" * 32)),
        "symbol": "USD",
        "amount": str(2**100 + 3),
    }
    assert from_json(to_json(message), Transfer) == message


@given(asset_records)
def test_to_json_round_trip(record: AssetRecord) -> None:
    assert from_json(to_json(record), AssetRecord) == record
    assert to_builtins(record) == json.loads(to_json(record))


def test_to_json_bytes_as_base64() -> None:
    record = AccountRecord(1, b"\xff" * 32, ["admin"])
    document = json.loads(to_json(record))
    assert document["public_key"] == "/" * 42 + "8="
    assert from_json(to_json(record), AccountRecord) == record


def test_from_json_amount_accepts_integer() -> None:
    assert from_json(b'{"amount": 12}', Balance).amount == 12


@pytest.mark.parametrize(
    "amount_json",
    [
        '"-1"',
        '"01"',
        '""',
        '"1.5"',
        "-1",
        "1.5",
        "null",
        f'"{AMOUNT_MAX + 1}"',
        str(AMOUNT_MAX + 1),
    ],
)
def test_invalid_from_json_amount(amount_json: str) -> None:
    with pytest.raises(CodecError):
        from_json(f'{{"amount": {amount_json}}}', Balance)


@pytest.mark.parametrize(
    "address_json",
    [f'"{str(ADDRESS).upper()[:-1]}x"', '"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"', "5", '""'],
)
def test_invalid_from_json_address(address_json: str) -> None:
    document = (
        f'{{"type": "assets/transfer", "sender": {address_json}, '
        f'"recipient": "{ADDRESS}", "symbol": "USD", "amount": "1"}}'
    )
    with pytest.raises(CodecError):
        from_json(document, Transfer)


def test_from_json_address_upper_case_accepted() -> None:
    document = (
        f'{{"type": "assets/transfer", "sender": "{str(ADDRESS).upper()}", '
        f'"recipient": "{account_address(b"x" * 32)}", "symbol": "USD", "amount": "1"}}'
    )
    assert from_json(document, Transfer).sender == ADDRESS
