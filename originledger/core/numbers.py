"""The one parser of numbers that come from outside (URLs, query parameters, cursors).

``int()`` and ``str.isdigit()`` disagree about Unicode: ``"²".isdigit()`` is true and
``int("²")`` raises, ``int("١٢")`` is 12, and ``int`` also takes ``" 1_0 "`` and ``"+1"``.
A number from outside is ASCII digits only (with one leading ``-`` where the range allows
negatives), at most ``DECIMAL_DIGITS_MAX`` characters, and within the range its caller
gives; anything else is refused, so that no caller can be surprised by what ``int`` took.
"""

from __future__ import annotations

__all__ = ["DECIMAL_DIGITS_MAX", "parse_decimal"]

# Enough for any 128-bit amount (39 digits) with a sign; longer text is refused unread.
DECIMAL_DIGITS_MAX = 40

_DIGITS = frozenset("0123456789")


def parse_decimal(text: str, low: int, high: int) -> int | None:
    """The integer ``text`` spells in ASCII decimal, when it lies in ``[low, high]``; else
    None. Negative numbers are only read when ``low`` is negative."""
    if not text or len(text) > DECIMAL_DIGITS_MAX:
        return None
    digits = text[1:] if text[0] == "-" and low < 0 else text
    if not digits or not _DIGITS.issuperset(digits):
        return None
    value = int(text)
    return value if low <= value <= high else None
