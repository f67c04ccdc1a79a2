"""Text rules for consensus: explicit, and the same on every Python.

``str.isprintable()``, ``str.isalnum()``, ``str.isdigit()``, ``str.lower()`` and their kin
read the Unicode database of the interpreter that runs them, and that database changes
with each Python release (U+1F6DC, a wireless symbol, is unassigned and so not printable
on Python 3.11 and printable on 3.12). A validation rule built on them accepts a message
on one validator and refuses it on another: the chain forks. So no consensus code calls
them (a test scans ``core/`` and ``modules/`` for such calls); it calls these predicates,
which depend on code point numbers only.

Two kinds of text:

- **ASCII text** (symbols, ids, codes, URIs, scope names): checked by exact patterns of
  ASCII characters, or by :func:`is_ascii_printable` (``0x20`` to ``0x7E``).
- **Free text** (names, notes, references, citations): any UTF-8, except the code points
  :func:`is_free_text` refuses by fixed ranges: the C0 controls (including NUL), DEL,
  the C1 controls, surrogates, the line and paragraph separators, the invisible
  direction marks and overrides (they make a name read differently than it is stored),
  the byte order mark and the noncharacters. A code point a later Unicode version assigns
  is accepted today and tomorrow alike.

Case folding is ASCII only (:func:`ascii_lower`): other scripts keep their case.

A transaction's memo is opaque: consensus bounds its length in bytes and never reads it,
so it needs no rule here. Attestation ``string`` values are data, bounded in bytes.
"""

from __future__ import annotations

__all__ = [
    "FREE_TEXT_REFUSED_RANGES",
    "ascii_lower",
    "ascii_upper",
    "has_edge_space",
    "is_ascii_alnum",
    "is_ascii_digits",
    "is_ascii_lower",
    "is_ascii_printable",
    "is_ascii_upper",
    "is_free_text",
]

# Inclusive code point ranges that free text never holds. Fixed: never derived from the
# interpreter's Unicode database. Appending a range is a consensus change.
FREE_TEXT_REFUSED_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F),  # C0 controls, NUL, tab, line feed, carriage return
    (0x007F, 0x009F),  # DEL and the C1 controls
    (0x061C, 0x061C),  # Arabic letter mark
    (0x200B, 0x200F),  # zero-width space and joiners, left-to-right and right-to-left marks
    (0x2028, 0x202E),  # line and paragraph separators, direction embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, direction isolates, deprecated
    (0xD800, 0xDFFF),  # surrogates (never valid UTF-8 on their own)
    (0xFDD0, 0xFDEF),  # noncharacters
    (0xFEFF, 0xFEFF),  # byte order mark
    (0xFFF9, 0xFFFB),  # interlinear annotation controls
    (0xFFFE, 0xFFFF),  # noncharacters
)

# The spaces a free-text name may not begin or end with: ASCII space and the fixed list of
# Unicode space separators, by number.
_EDGE_SPACES = frozenset(
    chr(code)
    for code in (
        0x0020,
        0x00A0,
        0x1680,
        *range(0x2000, 0x200B),
        0x202F,
        0x205F,
        0x3000,
    )
)

_ASCII_UPPER_TO_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
_ASCII_LOWER_TO_UPPER = {code: code - 32 for code in range(ord("a"), ord("z") + 1)}


def is_ascii_printable(text: str) -> bool:
    """Every character is printable ASCII, ``" "`` (0x20) to ``"~"`` (0x7E)."""
    return all(0x20 <= ord(character) <= 0x7E for character in text)


def is_ascii_digits(text: str) -> bool:
    """``text`` is one or more of ``0``-``9`` (never other scripts' digits)."""
    return bool(text) and all("0" <= character <= "9" for character in text)


def is_ascii_alnum(character: str) -> bool:
    """One character of ``0-9 A-Z a-z``."""
    return "0" <= character <= "9" or "A" <= character <= "Z" or "a" <= character <= "z"


def is_ascii_lower(character: str) -> bool:
    return "a" <= character <= "z"


def is_ascii_upper(character: str) -> bool:
    return "A" <= character <= "Z"


def ascii_lower(text: str) -> str:
    """``text`` with ``A-Z`` mapped to ``a-z`` and every other character kept: the length
    never changes, and the result is the same on every Python."""
    return text.translate(_ASCII_UPPER_TO_LOWER)


def ascii_upper(text: str) -> str:
    """``text`` with ``a-z`` mapped to ``A-Z`` and every other character kept."""
    return text.translate(_ASCII_LOWER_TO_UPPER)


def _refused(code: int) -> bool:
    if (code & 0xFFFE) == 0xFFFE:  # U+xFFFE and U+xFFFF of every plane: noncharacters
        return True
    return any(low <= code <= high for low, high in FREE_TEXT_REFUSED_RANGES)


def is_free_text(text: str) -> bool:
    """No character of ``text`` is in :data:`FREE_TEXT_REFUSED_RANGES` (or a noncharacter
    of a supplementary plane). Length limits are the caller's, in UTF-8 bytes."""
    if text.isascii():  # the common case: only C0 controls and DEL are refused
        return all(0x20 <= ord(character) != 0x7F for character in text)
    return not any(_refused(ord(character)) for character in text)


def has_edge_space(text: str) -> bool:
    """``text`` begins or ends with a space (ASCII or a Unicode space separator, by a
    fixed list)."""
    return bool(text) and (text[0] in _EDGE_SPACES or text[-1] in _EDGE_SPACES)
