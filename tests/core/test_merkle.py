"""Merkle roots and inclusion proofs over ordered lists (RFC 6962 shape)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from originledger.core.merkle import list_inclusion_proof, list_root, verify_list_inclusion


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def reference_root(items: list[bytes]) -> bytes:
    """RFC 6962, section 2.1, written as the RFC writes it (recursively)."""
    if not items:
        return h(b"")
    if len(items) == 1:
        return h(b"\x00" + items[0])
    split = 1
    while split * 2 < len(items):
        split *= 2
    return h(b"\x01" + reference_root(items[:split]) + reference_root(items[split:]))


def items_of(count: int) -> list[bytes]:
    return [f"item-{index}".encode() for index in range(count)]


item_lists = st.lists(st.binary(max_size=40), min_size=1, max_size=40)


def test_list_root_empty() -> None:
    assert list_root([]) == h(b"")


def test_list_root_single_is_leaf_hash() -> None:
    assert list_root([b"a"]) == h(b"\x00a")
    assert list_root([b""]) == h(b"\x00")


def test_list_root_small_shapes() -> None:
    a, b, c = (h(b"\x00" + x) for x in (b"a", b"b", b"c"))
    assert list_root([b"a", b"b"]) == h(b"\x01" + a + b)
    # Three items split 2 + 1: the odd one is carried up, not duplicated.
    assert list_root([b"a", b"b", b"c"]) == h(b"\x01" + h(b"\x01" + a + b) + c)


@pytest.mark.parametrize("count", [*range(1, 18), 31, 32, 33, 100])
def test_list_root_matches_rfc6962(count: int) -> None:
    assert list_root(items_of(count)) == reference_root(items_of(count))


@given(st.lists(st.binary(max_size=40), max_size=70))
def test_list_root_matches_rfc6962_random(items: list[bytes]) -> None:
    assert list_root(items) == reference_root(items)


def test_list_root_depends_on_order_and_content() -> None:
    items = items_of(5)
    assert list_root(items) != list_root(items[::-1])
    assert list_root(items) != list_root(items[:4])
    assert list_root(items) != list_root([*items, b""])
    assert list_root([b"ab", b"c"]) != list_root([b"a", b"bc"])


def test_list_root_leaf_is_not_a_node() -> None:
    # Domain separation: a one-item list holding the bytes of a node is not that node.
    a, b = h(b"\x00a"), h(b"\x00b")
    assert list_root([b"\x01" + a + b]) != list_root([b"a", b"b"])
    assert list_root([a + b]) != list_root([b"a", b"b"])


@pytest.mark.parametrize("count", [*range(1, 18), 33, 64, 65])
def test_list_inclusion_proof_every_index(count: int) -> None:
    items = items_of(count)
    root = list_root(items)
    for index, item in enumerate(items):
        proof = list_inclusion_proof(items, index)
        assert len(proof) <= max(1, (count - 1).bit_length())
        assert verify_list_inclusion(root, item, index, count, proof)


def test_list_inclusion_proof_single_item_is_empty() -> None:
    assert list_inclusion_proof([b"x"], 0) == []
    assert verify_list_inclusion(list_root([b"x"]), b"x", 0, 1, [])


@given(item_lists, st.data())
def test_list_inclusion_proof_random(items: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(items) - 1))
    proof = list_inclusion_proof(items, index)
    assert verify_list_inclusion(list_root(items), items[index], index, len(items), proof)


@pytest.mark.parametrize("index", [-1, 5, 6, 100])
def test_invalid_list_inclusion_proof_index(index: int) -> None:
    items = items_of(5)
    with pytest.raises(IndexError):
        list_inclusion_proof(items, index)
    assert not verify_list_inclusion(list_root(items), items[0], index, 5, [])


def test_invalid_list_inclusion_proof_empty_list() -> None:
    with pytest.raises(IndexError):
        list_inclusion_proof([], 0)
    assert not verify_list_inclusion(list_root([]), b"", 0, 0, [])


@given(item_lists, st.data())
def test_invalid_list_inclusion_other_item(items: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(items) - 1))
    other = data.draw(st.binary(max_size=40).filter(lambda item: item != items[index]))
    proof = list_inclusion_proof(items, index)
    assert not verify_list_inclusion(list_root(items), other, index, len(items), proof)


@given(item_lists, st.data())
def test_invalid_list_inclusion_tampered_proof(items: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(items) - 1))
    proof = list_inclusion_proof(items, index)
    root = list_root(items)
    count = len(items)
    item = items[index]
    # An extra hash, at either end.
    assert not verify_list_inclusion(root, item, index, count, [*proof, h(b"x")])
    assert not verify_list_inclusion(root, item, index, count, [h(b"x"), *proof])
    if proof:
        # A missing hash, a changed hash, a flipped bit.
        assert not verify_list_inclusion(root, item, index, count, proof[:-1])
        assert not verify_list_inclusion(root, item, index, count, proof[1:])
        position = data.draw(st.integers(0, len(proof) - 1))
        flipped = bytearray(proof[position])
        flipped[data.draw(st.integers(0, 31))] ^= 1 << data.draw(st.integers(0, 7))
        tampered = [*proof[:position], bytes(flipped), *proof[position + 1 :]]
        assert not verify_list_inclusion(root, item, index, count, tampered)
    if proof[::-1] != proof:  # a palindrome proof reversed is the same proof
        assert not verify_list_inclusion(root, item, index, count, proof[::-1])
    # The wrong root.
    assert not verify_list_inclusion(h(root), item, index, count, proof)


@given(item_lists, st.data())
def test_invalid_list_inclusion_wrong_index(items: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(items) - 1))
    other_index = data.draw(st.integers(0, len(items) - 1).filter(lambda i: i != index))
    proof = list_inclusion_proof(items, index)
    # Claiming the item sits elsewhere fails unless that slot holds the same bytes.
    verified = verify_list_inclusion(list_root(items), items[index], other_index, len(items), proof)
    assert verified == (
        items[other_index] == items[index] and list_inclusion_proof(items, other_index) == proof
    )


def test_invalid_list_inclusion_wrong_count_changes_shape() -> None:
    items = items_of(5)
    root = list_root(items)
    proof = list_inclusion_proof(items, 4)
    assert verify_list_inclusion(root, items[4], 4, 5, proof)
    for count in (4, 6, 8, 9):
        assert not verify_list_inclusion(root, items[4], 4, count, proof)


def test_invalid_list_inclusion_leaf_hash_as_item() -> None:
    items = items_of(4)
    proof = list_inclusion_proof(items, 0)
    leaf_hash = h(b"\x00" + items[0])
    assert not verify_list_inclusion(list_root(items), leaf_hash, 0, 4, proof)


def test_invalid_list_inclusion_subtree_as_item() -> None:
    # The root of the left half, presented as an item of a two-item list, does not verify.
    items = items_of(4)
    left = h(b"\x01" + h(b"\x00" + items[0]) + h(b"\x00" + items[1]))
    right = h(b"\x01" + h(b"\x00" + items[2]) + h(b"\x00" + items[3]))
    assert not verify_list_inclusion(list_root(items), left, 0, 2, [right])
