"""Integer amounts in minor units.

An amount is a non-negative integer below 2**128. It travels as 16 big-endian bytes in
the canonical (msgpack) encoding and as a decimal string in JSON, so that no client ever
reads it through a float. Arithmetic that would leave the range is a rejection, reported
by returning ``None``; callers turn that into their module's result code. Compute through
``add``, ``subtract``, ``checked`` and ``total``: ``Amount(value)`` of a computed value
raises when it is out of range, which in a handler is a bug (the execution barrier then
fails the transaction with ``tx/INTERNAL``, but a module must not rely on that).
"""

from __future__ import annotations

from collections.abc import Iterable

from originledger.core.limits import AMOUNT_MAX, ASSET_DECIMALS_MAX
from originledger.core.text import is_ascii_digits

__all__ = [
    "AMOUNT_BYTES",
    "Amount",
    "add",
    "checked",
    "compare_units",
    "format_units",
    "parse_units",
    "subtract",
    "total",
]

AMOUNT_BYTES = 16
_new_int = int.__new__
_to_bytes = int.to_bytes


class Amount(int):
    """An integer known to lie in ``[0, AMOUNT_MAX]``. Construct it with a range check."""

    __slots__ = ()

    def __new__(cls, value: int) -> Amount:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"amount must be an integer, got {type(value).__name__}")
        if value < 0 or value > AMOUNT_MAX:
            raise ValueError(f"amount {value} is outside [0, 2**128 - 1]")
        return _new_int(cls, value)  # not super(): an amount is made for every value moved

    def to_bytes16(self) -> bytes:
        return _to_bytes(self, AMOUNT_BYTES, "big")

    @classmethod
    def from_bytes16(cls, raw: bytes) -> Amount:
        if len(raw) != AMOUNT_BYTES:
            raise ValueError(f"amount must be {AMOUNT_BYTES} bytes, got {len(raw)}")
        return cls(int.from_bytes(raw, "big"))

    @classmethod
    def from_decimal_string(cls, text: str) -> Amount:
        if not is_ascii_digits(text):
            raise ValueError(f"amount must be a string of decimal digits, got {text!r}")
        if len(text) > 1 and text[0] == "0":
            raise ValueError(f"amount must not have leading zeros, got {text!r}")
        if len(text) > 39:
            raise ValueError("amount is too large")
        return cls(int(text))

    def __repr__(self) -> str:
        return f"Amount({int(self)})"

    def __str__(self) -> str:
        return int.__repr__(self)

    def __format__(self, spec: str) -> str:
        return format(int(self), spec)


def add(left: int, right: int) -> Amount | None:
    """``left + right``, or ``None`` when the sum leaves the amount range."""
    total = left + right
    if total > AMOUNT_MAX:
        return None
    if type(total) is int and total >= 0:  # the sum of two amounts (every transfer credits)
        return _new_int(Amount, total)
    return Amount(total)  # raises as for any other value outside the range


def checked(value: int) -> Amount | None:
    """``value`` as an ``Amount``, or ``None`` when it lies outside the amount range: the
    way to turn the result of arithmetic into an amount (``Amount(value)`` raises)."""
    if value < 0 or value > AMOUNT_MAX:
        return None
    return Amount(value)


def total(values: Iterable[int]) -> Amount | None:
    """The sum of ``values``, or ``None`` as soon as a running total leaves the range."""
    running = 0
    for value in values:
        running += value
        if running > AMOUNT_MAX or value < 0:
            return None
    return Amount(running)


def subtract(left: int, right: int) -> Amount | None:
    """``left - right``, or ``None`` when the difference would be negative."""
    if right > left:
        return None
    return Amount(left - right)


def format_units(amount: int, decimals: int) -> str:
    """Render minor units as a decimal string: ``format_units(12345, 2) == "123.45"``."""
    if not 0 <= decimals <= ASSET_DECIMALS_MAX:
        raise ValueError(f"decimals must be in [0, {ASSET_DECIMALS_MAX}]")
    if decimals == 0:
        return str(amount)
    whole, fraction = divmod(amount, 10**decimals)
    return f"{whole}.{fraction:0{decimals}d}"


def compare_units(left: int, relation: str, right: int, decimals: int, symbol: str) -> str:
    """Two amounts compared in the asset's units, for a result message people read:
    ``compare_units(99998750, "<", 9999999900, 2, "USDX") == "999987.50 < 99999999.00 USDX"``.
    Integer formatting only: the text is part of a result, the same on every node."""
    return f"{format_units(left, decimals)} {relation} {format_units(right, decimals)} {symbol}"


def parse_units(text: str, decimals: int) -> Amount:
    """Parse ``"123.45"`` with 2 decimals into ``Amount(12345)``; excess precision is an error."""
    if not 0 <= decimals <= ASSET_DECIMALS_MAX:
        raise ValueError(f"decimals must be in [0, {ASSET_DECIMALS_MAX}]")
    text = text.strip(" \t\r\n").replace("_", "")
    whole, _, fraction = text.partition(".")
    # ASCII only: str.isdigit also accepts other scripts' digits, which int() would read.
    if not text.isascii() or not (whole or fraction):
        raise ValueError(f"not a decimal amount: {text!r}")
    if not whole:
        whole = "0"
    if not is_ascii_digits(whole) or (fraction and not is_ascii_digits(fraction)):
        raise ValueError(f"not a decimal amount: {text!r}")
    if len(fraction) > decimals:
        raise ValueError(f"{text!r} has more than {decimals} decimal places")
    return Amount(int(whole) * 10**decimals + int(fraction.ljust(decimals, "0") or "0"))
