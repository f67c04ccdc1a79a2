"""Addresses: bech32m (BIP 350) text of 20-byte account and module addresses."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from originledger.core.address import (
    ADDRESS_BYTES,
    ADDRESS_PREFIX,
    Address,
    AddressError,
    account_address,
    bech32m_decode,
    bech32m_encode,
    module_address,
)
from originledger.core.crypto import SigningKey

# BIP 350, "Test vectors for Bech32m": strings with a valid bech32m checksum.
BIP350_VALID = [
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11" + "l" * 83 + "udsr8",  # 90 characters: the longest string bech32m allows
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]

# BIP 350, invalid bech32m strings, with the reason the BIP gives.
BIP350_INVALID = [
    ("\x201xj0phk", "HRP character out of range"),
    ("\x7f1g6xzxy", "HRP character out of range"),
    ("\x801vctc34", "HRP character out of range"),
    (
        "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
        "overall max length exceeded",
    ),
    ("qyrz8wqd2c9m", "no separator character"),
    ("1qyrz8wqd2c9m", "empty HRP"),
    ("y1b0jsk6g", "invalid data character"),
    ("lt1igcx5c0", "invalid data character"),
    ("in1muywd", "too short checksum"),
    ("mm1crxm3i", "invalid character in checksum"),
    ("au1s5cgom", "invalid character in checksum"),
    ("M1VUXWEZ", "checksum calculated with uppercase form of HRP"),
    ("16plkw9", "empty HRP"),
    ("1p2gdwpf", "empty HRP"),
]

# BIP 173 strings: valid bech32, so their checksum is wrong for bech32m.
BIP173_VALID_BECH32 = ["A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"]

# Origin's own vectors: the public keys of RFC 8032's Ed25519 test vectors 1 to 3, and
# 32 zero bytes (not a curve point; the derivation does not care). Pinned: if one of these
# changes, every address on every chain changes. docs/addresses.md lists the same table.
ORIGIN_VECTORS = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "362a836124187da4a67902c66c0cfbcfd707130b",
        "og1xc4gxcfyrp76ffneqtrxcr8meltswyctynvvfn",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "fe62937465f393946219e6575ddf98ee203c772a",
        "og1le3fxar97wfegcseuet4mhucacsrcae2ttwm7t",
    ),
    (
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "0ea02c4a012cbf20e71c4c93528c122b339c7c60",
        "og1p6szcjsp9jljpecufjf49rqj9veeclrqe5w8vm",
    ),
    (
        "00" * 32,
        "cb76b8564628bf44b5cdb91a4e457e9f2f340a87",
        "og1edmts4jx9zl5fdwdhydyu3t7nuhngz58k5wk2z",
    ),
]

MODULE_VECTORS = [
    ("assets", "og1t359gwr7glvtv54dnl5g2vf9rwnxu8gvwjv079"),
    ("escrow", "og19w4v95a4qmglkfqr456vuzcq70fg924kg38lf0"),
]

RFC8032_SEEDS = [
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
]

addresses = st.binary(min_size=ADDRESS_BYTES, max_size=ADDRESS_BYTES).map(Address)


def _data_converts_to_bytes(text: str) -> bool:
    """True when the 5-bit data part of ``text`` packs into whole bytes with zero padding."""
    lowered = text.lower()
    data = lowered[lowered.rfind("1") + 1 : -6]
    charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    bits = len(data) * 5
    if bits % 8 >= 5:
        return False
    value = 0
    for character in data:
        value = value << 5 | charset.index(character)
    return value & ((1 << (bits % 8)) - 1) == 0


@pytest.mark.parametrize("text", BIP350_VALID)
def test_bech32m_decode_bip350_valid_vector(text: str) -> None:
    if _data_converts_to_bytes(text):
        prefix, data = bech32m_decode(text)
        assert prefix == text.lower()[: text.lower().rfind("1")]
        assert bech32m_encode(prefix, data) == text.lower()
    else:
        # The checksum is right, but the 5-bit data does not pack into bytes (this
        # decoder returns bytes): it must fail on the padding, after the checksum passed.
        with pytest.raises(AddressError, match="padding"):
            bech32m_decode(text)


@pytest.mark.parametrize(("text", "reason"), BIP350_INVALID)
def test_invalid_bech32m_bip350_vector(text: str, reason: str) -> None:
    with pytest.raises(AddressError):
        bech32m_decode(text)


@pytest.mark.parametrize("text", BIP173_VALID_BECH32)
def test_invalid_bech32m_bech32_checksum(text: str) -> None:
    with pytest.raises(AddressError, match="checksum"):
        bech32m_decode(text)


@pytest.mark.parametrize(("public_key_hex", "payload_hex", "text"), ORIGIN_VECTORS)
def test_account_address_origin_vector(public_key_hex: str, payload_hex: str, text: str) -> None:
    public_key = bytes.fromhex(public_key_hex)
    address = account_address(public_key)
    expected = hashlib.sha256(b"origin/account/ed25519" + public_key).digest()[:20]
    assert bytes(address) == expected == bytes.fromhex(payload_hex)
    assert str(address) == text
    assert len(text) == 41
    assert Address.from_text(text) == address
    assert Address.from_text(text.upper()) == address


@pytest.mark.parametrize("seed_hex", RFC8032_SEEDS)
def test_account_address_of_rfc8032_keys(seed_hex: str) -> None:
    # The vectors' public keys are those RFC 8032 derives from its seeds.
    public_key = SigningKey(bytes.fromhex(seed_hex)).public_key
    assert public_key.hex() in {vector[0] for vector in ORIGIN_VECTORS}


@pytest.mark.parametrize(("name", "text"), MODULE_VECTORS)
def test_module_address_vector(name: str, text: str) -> None:
    address = module_address(name)
    assert bytes(address) == hashlib.sha256(b"origin/module/" + name.encode()).digest()[:20]
    assert str(address) == text


def test_module_address_differs_from_account_address() -> None:
    # Different domain tags: a module name never collides with a key of the same bytes.
    name = "x" * 32
    assert module_address(name) != account_address(name.encode())


@given(addresses)
def test_address_text_round_trip(address: Address) -> None:
    text = str(address)
    assert text.startswith(ADDRESS_PREFIX + "1")
    assert len(text) == 41
    assert text == text.lower()
    assert Address.from_text(text) == address
    assert Address.from_text(text.upper()) == address


@given(st.binary(max_size=40), st.sampled_from(["og", "a", "bc", "?"]))
def test_bech32m_encode_round_trip(data: bytes, prefix: str) -> None:
    assert bech32m_decode(bech32m_encode(prefix, data)) == (prefix, data)


@given(addresses, st.data())
def test_invalid_address_any_single_character_changed(
    address: Address, data: st.DataObject
) -> None:
    text = str(address)
    position = data.draw(st.integers(min_value=3, max_value=len(text) - 1))
    replacement = data.draw(
        st.sampled_from("qpzry9x8gf2tvdw0s3jn54khce6mua7l").filter(lambda c: c != text[position])
    )
    changed = text[:position] + replacement + text[position + 1 :]
    with pytest.raises(AddressError):
        Address.from_text(changed)


def test_invalid_address_mixed_case() -> None:
    text = str(account_address(bytes(32)))
    mixed = text[:5] + text[5:].upper()
    with pytest.raises(AddressError, match="mixed case"):
        Address.from_text(mixed)


def test_invalid_address_wrong_prefix() -> None:
    text = bech32m_encode("bc", bytes(20))
    with pytest.raises(AddressError, match="prefix"):
        Address.from_text(text)


@pytest.mark.parametrize("size", [0, 19, 21, 32])
def test_invalid_address_wrong_payload_length(size: int) -> None:
    with pytest.raises(AddressError, match="20 bytes"):
        Address.from_text(bech32m_encode(ADDRESS_PREFIX, bytes(size)))
    with pytest.raises(AddressError):
        Address(bytes(size))


def test_invalid_address_truncated() -> None:
    text = str(account_address(bytes(32)))
    for end in (0, 2, 3, 8, 40):
        with pytest.raises(AddressError):
            Address.from_text(text[:end])


def test_invalid_address_non_ascii() -> None:
    text = str(account_address(bytes(32)))
    with pytest.raises(AddressError):
        Address.from_text(text[:-1] + "é")


def test_address_repr_shows_text() -> None:
    address = account_address(bytes(32))
    assert repr(address) == f"Address({address})"


def test_addresses_doc_lists_the_pinned_vectors() -> None:
    document = (Path(__file__).parents[2] / "docs" / "addresses.md").read_text()
    for public_key_hex, payload_hex, text in ORIGIN_VECTORS:
        assert f"| `{public_key_hex}` | `{payload_hex}` | `{text}` |" in document
    for name, text in MODULE_VECTORS:
        assert f"| `{name}` | `{text}` |" in document
