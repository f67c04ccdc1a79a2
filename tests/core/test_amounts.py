"""Amounts: integers in [0, 2**128 - 1], checked arithmetic, decimal text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from originledger.core.amounts import (
    AMOUNT_BYTES,
    Amount,
    add,
    format_units,
    parse_units,
    subtract,
)
from originledger.core.limits import AMOUNT_MAX, ASSET_DECIMALS_MAX

amounts = st.integers(min_value=0, max_value=AMOUNT_MAX)
decimals = st.integers(min_value=0, max_value=ASSET_DECIMALS_MAX)


def test_amount_range_bounds() -> None:
    assert Amount(0) == 0
    assert Amount(AMOUNT_MAX) == 2**128 - 1
    assert isinstance(Amount(5), int)
    assert repr(Amount(7)) == "Amount(7)"


@pytest.mark.parametrize("value", [-1, AMOUNT_MAX + 1, -(2**200), 2**200])
def test_invalid_amount_out_of_range(value: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        Amount(value)


@pytest.mark.parametrize("value", [True, 1.0, "1", None, b"\x01"])
def test_invalid_amount_not_an_integer(value: object) -> None:
    with pytest.raises(TypeError):
        Amount(value)  # type: ignore[arg-type]


@given(amounts)
def test_amount_bytes16_round_trip(value: int) -> None:
    raw = Amount(value).to_bytes16()
    assert len(raw) == AMOUNT_BYTES
    assert Amount.from_bytes16(raw) == value


def test_amount_bytes16_is_big_endian() -> None:
    assert Amount(1).to_bytes16() == bytes(15) + b"\x01"
    assert Amount(AMOUNT_MAX).to_bytes16() == b"\xff" * 16


@pytest.mark.parametrize("size", [0, 15, 17, 32])
def test_invalid_amount_bytes16_length(size: int) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        Amount.from_bytes16(bytes(size))


@given(amounts)
def test_amount_decimal_string_round_trip(value: int) -> None:
    assert Amount.from_decimal_string(str(value)) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-1",
        "+1",
        "01",
        "00",
        "1.5",
        "1e3",
        " 1",
        "1 ",
        "0x10",
        "١٢",
        "²",
        "1_000",
        str(AMOUNT_MAX + 1),
        "9" * 40,
    ],
)
def test_invalid_amount_decimal_string(text: str) -> None:
    with pytest.raises(ValueError):
        Amount.from_decimal_string(text)


@given(amounts, amounts)
def test_add_within_range_or_none(left: int, right: int) -> None:
    total = add(left, right)
    if left + right <= AMOUNT_MAX:
        assert total == left + right
        assert isinstance(total, Amount)
    else:
        assert total is None


def test_add_overflow_returns_none() -> None:
    assert add(AMOUNT_MAX, 0) == AMOUNT_MAX
    assert add(AMOUNT_MAX, 1) is None
    assert add(AMOUNT_MAX - 5, 5) == AMOUNT_MAX
    assert add(2**127, 2**127) is None


@given(amounts, amounts)
def test_subtract_never_negative(left: int, right: int) -> None:
    difference = subtract(left, right)
    if right <= left:
        assert difference == left - right
        assert isinstance(difference, Amount)
    else:
        assert difference is None


def test_subtract_underflow_returns_none() -> None:
    assert subtract(0, 0) == 0
    assert subtract(0, 1) is None
    assert subtract(5, 6) is None
    assert subtract(AMOUNT_MAX, AMOUNT_MAX) == 0


@pytest.mark.parametrize(
    ("amount", "places", "text"),
    [
        (12345, 2, "123.45"),
        (5, 2, "0.05"),
        (0, 2, "0.00"),
        (100, 0, "100"),
        (1, 18, "0.000000000000000001"),
        (AMOUNT_MAX, 0, str(AMOUNT_MAX)),
        (AMOUNT_MAX, 18, "340282366920938463463.374607431768211455"),
    ],
)
def test_format_units_examples(amount: int, places: int, text: str) -> None:
    assert format_units(amount, places) == text
    assert parse_units(text, places) == amount


@given(amounts, decimals)
def test_parse_units_round_trip(amount: int, places: int) -> None:
    assert parse_units(format_units(amount, places), places) == amount


@given(st.integers(min_value=0, max_value=10**12), decimals)
def test_parse_units_underscores_and_short_fractions(whole: int, places: int) -> None:
    grouped = f"{whole:_}"
    assert parse_units(grouped, places) == whole * 10**places
    if places:
        assert parse_units(f"{whole}.5", places) == whole * 10**places + 5 * 10 ** (places - 1)


@pytest.mark.parametrize(
    ("text", "places", "amount"),
    [("1.", 2, 100), (".5", 2, 50), ("  7  ", 0, 7), ("1_000.25", 2, 100025), ("0", 18, 0)],
)
def test_parse_units_accepted_forms(text: str, places: int, amount: int) -> None:
    assert parse_units(text, places) == amount


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("", 2),
        (" ", 2),
        (".", 2),
        ("_", 2),
        ("abc", 2),
        ("1.2.3", 2),
        ("-1", 2),
        ("+1", 2),
        ("1e5", 2),
        ("1.234", 2),  # more places than the asset has
        ("0.1", 0),
        ("١٢", 0),  # Arabic-Indic digits: str.isdigit says yes, Origin says no
        ("1.²", 2),
        (str(AMOUNT_MAX + 1), 0),
        ("1" * 40, 0),
        ("340282366920938463463.374607431768211456", 18),  # AMOUNT_MAX + 1
    ],
)
def test_invalid_parse_units(text: str, places: int) -> None:
    with pytest.raises(ValueError):
        parse_units(text, places)


@pytest.mark.parametrize("places", [-1, ASSET_DECIMALS_MAX + 1])
def test_invalid_units_decimals(places: int) -> None:
    with pytest.raises(ValueError, match="decimals"):
        parse_units("1", places)
    with pytest.raises(ValueError, match="decimals"):
        format_units(1, places)
