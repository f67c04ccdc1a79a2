"""Account addresses: 20 bytes, written as bech32m with the prefix ``og``.

An account's address is the first 20 bytes of ``sha256(b"origin/account/ed25519" ||
public_key)``; an address owned by a module (an escrow, a pool) is the first 20 bytes of
``sha256(b"origin/module/" || name)``. The text form is bech32m (BIP 350) with the
human-readable part ``og``: ``og1`` followed by 32 data characters and a 6-character
checksum, 41 characters in all, lower case. The checksum catches any error in up to four
characters. The encoder is written here rather than taken from PyPI because the few
packages that offer bech32m are unmaintained and the whole algorithm is forty lines that
the BIP 350 test vectors pin down (see docs/decisions.md and tests/core/test_address.py).
"""

from __future__ import annotations

import functools
import hashlib

from originledger.core.text import ascii_lower, is_ascii_lower, is_ascii_upper

__all__ = [
    "ADDRESS_BYTES",
    "ADDRESS_PREFIX",
    "Address",
    "AddressError",
    "account_address",
    "bech32m_decode",
    "bech32m_encode",
    "module_address",
]

ADDRESS_BYTES = 20
ADDRESS_PREFIX = "og"

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {character: index for index, character in enumerate(_CHARSET)}
_BECH32M_CONSTANT = 0x2BC830A3
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_TEXT_CHARS_MAX = 90


class AddressError(ValueError):
    """The text is not a valid address (bad characters, checksum, prefix or length)."""


def _polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit in range(5):
            if (top >> bit) & 1:
                checksum ^= _GENERATOR[bit]
    return checksum


def _expand_prefix(prefix: str) -> list[int]:
    return [ord(c) >> 5 for c in prefix] + [0] + [ord(c) & 31 for c in prefix]


def _convert_bits(data: bytes | list[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    accumulator = 0
    bits = 0
    result: list[int] = []
    max_value = (1 << to_bits) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            raise AddressError("invalid data value")
        accumulator = (accumulator << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            result.append((accumulator >> bits) & max_value)
    if pad:
        if bits:
            result.append((accumulator << (to_bits - bits)) & max_value)
    elif bits >= from_bits or ((accumulator << (to_bits - bits)) & max_value):
        raise AddressError("invalid padding")
    return result


def bech32m_encode(prefix: str, data: bytes) -> str:
    """Encode ``data`` (8-bit bytes) under ``prefix`` as bech32m."""
    values = _convert_bits(data, 8, 5, pad=True)
    polymod = _polymod([*_expand_prefix(prefix), *values, 0, 0, 0, 0, 0, 0]) ^ _BECH32M_CONSTANT
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return prefix + "1" + "".join(_CHARSET[v] for v in values + checksum)


def bech32m_decode(text: str) -> tuple[str, bytes]:
    """Decode bech32m text into ``(prefix, data)``; raise ``AddressError`` when invalid."""
    if len(text) > _TEXT_CHARS_MAX:
        raise AddressError("too long")
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        raise AddressError("invalid character")
    if any(map(is_ascii_upper, text)) and any(map(is_ascii_lower, text)):
        raise AddressError("mixed case")
    text = ascii_lower(text)
    separator = text.rfind("1")
    if separator < 1 or separator + 7 > len(text):
        raise AddressError("missing separator or checksum")
    prefix = text[:separator]
    try:
        values = [_CHARSET_INDEX[c] for c in text[separator + 1 :]]
    except KeyError as error:
        raise AddressError(f"invalid character {error.args[0]!r}") from None
    if _polymod([*_expand_prefix(prefix), *values]) != _BECH32M_CONSTANT:
        raise AddressError("bad checksum")
    return prefix, bytes(_convert_bits(values[:-6], 5, 8, pad=False))


class Address(bytes):
    """A 20-byte account address. ``str(address)`` is its bech32m text."""

    __slots__ = ()

    def __new__(cls, raw: bytes) -> Address:
        if len(raw) != ADDRESS_BYTES:
            raise AddressError(f"address must be {ADDRESS_BYTES} bytes, got {len(raw)}")
        return super().__new__(cls, raw)

    @classmethod
    def from_text(cls, text: str) -> Address:
        prefix, data = bech32m_decode(text)
        if prefix != ADDRESS_PREFIX:
            raise AddressError(f"address prefix must be {ADDRESS_PREFIX!r}, got {prefix!r}")
        return cls(data)

    def __str__(self) -> str:
        return bech32m_encode(ADDRESS_PREFIX, bytes(self))

    def __repr__(self) -> str:
        return f"Address({self!s})"


# Every transaction admitted or executed names its signers' addresses: a node sees the same
# keys again and again, and a cached address costs a tenth of hashing the key. Bounded: a
# flood of new keys only evicts (an address is immutable, so sharing one is safe).
_ACCOUNT_ADDRESSES_CACHED = 1 << 16


@functools.lru_cache(maxsize=_ACCOUNT_ADDRESSES_CACHED)
def account_address(public_key: bytes) -> Address:
    """The address of the account controlled by an Ed25519 public key."""
    digest = hashlib.sha256(b"origin/account/ed25519" + public_key).digest()
    return _new_bytes(Address, digest[:ADDRESS_BYTES])


_new_bytes = bytes.__new__


def module_address(name: str) -> Address:
    """The address of an account owned by a module, which no key controls."""
    digest = hashlib.sha256(b"origin/module/" + name.encode()).digest()
    return Address(digest[:ADDRESS_BYTES])
