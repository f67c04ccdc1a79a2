"""State proofs: verification, tampering, malformed input, and the canonical encoding."""

from __future__ import annotations

import hashlib
import sqlite3

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from originledger.core.codec import CodecError, decode, decode_canonical, encode
from originledger.core.state_proof import (
    EMPTY_ROOT_HASH,
    OtherLeaf,
    ProofNode,
    StateProof,
    key_hash,
    leaf_hash,
    node_hash,
    value_hash,
    verify_state_proof,
)
from originledger.store.tree import StateTree

# Keys whose hashes share their first 9 nibbles.
DEEP_PAIR = (b"k284421", b"k252162")
STATE = {b"k%d" % index: b"value %d" % index for index in range(300)}
STATE |= {DEEP_PAIR[0]: b"deep 0", DEEP_PAIR[1]: b"deep 1"}


def _tree(state: dict[bytes, bytes]) -> StateTree:
    tree = StateTree(sqlite3.connect(":memory:", isolation_level=None))
    tree.apply(tree.prepare(state))
    return tree


TREE = _tree(STATE)
ROOT = TREE.root_hash()


def _absent_with_other_leaf() -> StateProof:
    for index in range(1000):
        proof = TREE.prove(b"absent %d" % index, None)
        if proof.other_leaf is not None:
            return proof
    raise AssertionError("no absent key lands on another key's leaf")


def _absent_with_empty_slot() -> StateProof:
    for index in range(1000):
        proof = TREE.prove(b"absent %d" % index, None)
        if proof.other_leaf is None:
            return proof
    raise AssertionError("no absent key lands on an empty slot")


MEMBER = TREE.prove(b"k7", STATE[b"k7"])
DEEP_MEMBER = TREE.prove(DEEP_PAIR[0], b"deep 0")
ABSENT_OTHER_LEAF = _absent_with_other_leaf()
ABSENT_EMPTY_SLOT = _absent_with_empty_slot()
VALID = [MEMBER, DEEP_MEMBER, ABSENT_OTHER_LEAF, ABSENT_EMPTY_SLOT]


def _with_node(proof: StateProof, index: int, node: ProofNode) -> StateProof:
    nodes = list(proof.nodes)
    nodes[index] = node
    return replace(proof, nodes=nodes)


def test_hash_helpers_follow_the_definition() -> None:
    assert key_hash(b"k") == hashlib.sha256(b"k").digest()
    assert value_hash(b"v") == hashlib.sha256(b"v").digest()
    assert (
        leaf_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x00" + b"a" * 32 + b"b" * 32).digest()
    )
    assert (
        node_hash(0b101, [b"c" * 32, b"d" * 32])
        == hashlib.sha256(b"\x01\x00\x05" + b"c" * 32 + b"d" * 32).digest()
    )
    assert hashlib.sha256(b"\x01\x00\x00").digest() == EMPTY_ROOT_HASH


@pytest.mark.parametrize("proof", VALID)
def test_verify_valid_proofs(proof: StateProof) -> None:
    assert verify_state_proof(ROOT, proof)


def test_verify_membership_deep_key() -> None:
    # The root and a node at each depth 1 to 9: the keys share 9 nibbles.
    assert len(DEEP_MEMBER.nodes) >= 10


def test_verify_empty_tree_non_membership() -> None:
    proof = _tree({}).prove(b"anything", None)
    assert proof.nodes == [ProofNode(bitmap=0, hashes=[])]
    assert verify_state_proof(EMPTY_ROOT_HASH, proof)


@pytest.mark.parametrize("proof", VALID)
def test_proof_round_trips_codec(proof: StateProof) -> None:
    encoded = encode(proof)
    assert decode_canonical(encoded, StateProof) == proof
    assert verify_state_proof(ROOT, decode(encoded, StateProof))


@pytest.mark.parametrize("proof", VALID)
def test_invalid_wrong_root(proof: StateProof) -> None:
    assert not verify_state_proof(_tree({b"k7": b"other"}).root_hash(), proof)
    assert not verify_state_proof(ROOT[:31], proof)


def test_invalid_changed_value() -> None:
    assert not verify_state_proof(ROOT, replace(MEMBER, value=b"value 8"))
    assert not verify_state_proof(ROOT, replace(MEMBER, value=None))
    assert not verify_state_proof(ROOT, replace(ABSENT_EMPTY_SLOT, value=b""))
    assert not verify_state_proof(ROOT, replace(ABSENT_OTHER_LEAF, value=b"deep 0"))


def test_invalid_wrong_key() -> None:
    assert not verify_state_proof(ROOT, replace(MEMBER, key=b"k8"))
    assert not verify_state_proof(ROOT, replace(DEEP_MEMBER, key=DEEP_PAIR[1]))
    other_key_hash = ABSENT_OTHER_LEAF.other_leaf.key_hash  # type: ignore[union-attr]
    owner = next(key for key in STATE if key_hash(key) == other_key_hash)
    # The other leaf's own key is present: the proof cannot say it is absent.
    assert not verify_state_proof(ROOT, replace(ABSENT_OTHER_LEAF, key=owner))


@pytest.mark.parametrize("proof", VALID)
def test_invalid_changed_hash(proof: StateProof) -> None:
    for index, node in enumerate(proof.nodes):
        for position in range(len(node.hashes)):
            hashes = list(node.hashes)
            hashes[position] = bytes([hashes[position][0] ^ 1]) + hashes[position][1:]
            tampered = _with_node(proof, index, ProofNode(bitmap=node.bitmap, hashes=hashes))
            assert not verify_state_proof(ROOT, tampered)


@pytest.mark.parametrize("proof", VALID)
def test_invalid_changed_bitmap(proof: StateProof) -> None:
    node = proof.nodes[-1]
    for bit in range(16):
        bitmap = node.bitmap ^ (1 << bit)
        hashes = list(node.hashes)
        if bitmap.bit_count() > len(hashes):
            hashes.append(b"\x00" * 32)
        else:
            hashes.pop()
        tampered = _with_node(proof, -1, ProofNode(bitmap=bitmap, hashes=hashes))
        assert not verify_state_proof(ROOT, tampered)


def test_invalid_bitmap_count_mismatch() -> None:
    node = MEMBER.nodes[0]
    tampered = _with_node(MEMBER, 0, ProofNode(bitmap=node.bitmap, hashes=node.hashes[:-1]))
    assert not verify_state_proof(ROOT, tampered)


def test_invalid_hash_length() -> None:
    node = MEMBER.nodes[-1]
    hashes = [*node.hashes[:-1], node.hashes[-1] + b"\x00"]
    assert not verify_state_proof(ROOT, _with_node(MEMBER, -1, ProofNode(node.bitmap, hashes)))
    assert not verify_state_proof(
        ROOT, replace(ABSENT_OTHER_LEAF, other_leaf=OtherLeaf(b"\x00" * 31, b"\x00" * 32))
    )


def test_invalid_bitmap_out_of_range() -> None:
    node = MEMBER.nodes[0]
    tampered = _with_node(MEMBER, 0, ProofNode(bitmap=node.bitmap | 1 << 16, hashes=node.hashes))
    assert not verify_state_proof(ROOT, tampered)
    assert not verify_state_proof(ROOT, _with_node(MEMBER, 0, ProofNode(-1, node.hashes)))


def test_invalid_truncated_or_extended_path() -> None:
    assert not verify_state_proof(ROOT, replace(DEEP_MEMBER, nodes=DEEP_MEMBER.nodes[:-1]))
    assert not verify_state_proof(ROOT, replace(MEMBER, nodes=[*MEMBER.nodes, MEMBER.nodes[-1]]))
    assert not verify_state_proof(ROOT, replace(MEMBER, nodes=[]))


def test_invalid_too_many_nodes() -> None:
    # A chain of 65 nodes, each the only child of the one above, all hashing correctly.
    hashed_key = key_hash(b"k")
    slot_hash = leaf_hash(hashed_key, value_hash(b"v"))
    nodes: list[ProofNode] = []
    for depth in reversed(range(65)):
        nibble = (hashed_key[min(depth, 63) // 2] >> (0 if depth % 2 else 4)) & 0x0F
        node = ProofNode(bitmap=1 << nibble, hashes=[slot_hash])
        nodes.insert(0, node)
        slot_hash = node_hash(node.bitmap, node.hashes)
    proof = StateProof(key=b"k", value=b"v", nodes=nodes)
    assert not verify_state_proof(slot_hash, proof)
    with pytest.raises(CodecError):
        decode(encode(proof), StateProof)


def test_invalid_other_leaf_on_membership() -> None:
    assert not verify_state_proof(ROOT, replace(MEMBER, other_leaf=ABSENT_OTHER_LEAF.other_leaf))


def test_invalid_other_leaf_missing_or_extra() -> None:
    assert not verify_state_proof(ROOT, replace(ABSENT_OTHER_LEAF, other_leaf=None))
    assert not verify_state_proof(
        ROOT, replace(ABSENT_EMPTY_SLOT, other_leaf=ABSENT_OTHER_LEAF.other_leaf)
    )


def test_invalid_other_leaf_with_same_key() -> None:
    # A tree (not canonical, but hashing correctly) whose root slot holds the key's own
    # leaf: offering that leaf as "another key's" must not prove absence.
    hashed_key = key_hash(b"k")
    own_value_hash = value_hash(b"v")
    root_node = ProofNode(
        bitmap=1 << (hashed_key[0] >> 4), hashes=[leaf_hash(hashed_key, own_value_hash)]
    )
    root = node_hash(root_node.bitmap, root_node.hashes)
    proof = StateProof(
        key=b"k", value=None, nodes=[root_node], other_leaf=OtherLeaf(hashed_key, own_value_hash)
    )
    assert not verify_state_proof(root, proof)


def test_invalid_other_leaf_off_the_key_path() -> None:
    # A leaf placed in the key's slot although its key hash starts with another nibble.
    hashed_key = key_hash(b"k")
    slot = hashed_key[0] >> 4
    other_key_hash = bytes([((slot + 1) % 16) << 4]) + b"\x00" * 31
    other_value_hash = value_hash(b"w")
    root_node = ProofNode(bitmap=1 << slot, hashes=[leaf_hash(other_key_hash, other_value_hash)])
    root = node_hash(root_node.bitmap, root_node.hashes)
    proof = StateProof(
        key=b"k",
        value=None,
        nodes=[root_node],
        other_leaf=OtherLeaf(other_key_hash, other_value_hash),
    )
    assert not verify_state_proof(root, proof)
    # The same leaf, with a key hash sharing the first nibble, is accepted.
    other_key_hash = bytes([slot << 4]) + b"\x00" * 31
    if other_key_hash != hashed_key:
        root_node = ProofNode(
            bitmap=1 << slot, hashes=[leaf_hash(other_key_hash, other_value_hash)]
        )
        proof = replace(
            proof, nodes=[root_node], other_leaf=OtherLeaf(other_key_hash, other_value_hash)
        )
        assert verify_state_proof(node_hash(root_node.bitmap, root_node.hashes), proof)


def test_invalid_wrong_types_never_raise() -> None:
    node = MEMBER.nodes[0]
    broken = [
        _with_node(MEMBER, 0, ProofNode(bitmap="1", hashes=node.hashes)),  # type: ignore[arg-type]
        _with_node(MEMBER, 0, ProofNode(bitmap=True, hashes=node.hashes)),
        _with_node(MEMBER, 0, ProofNode(bitmap=node.bitmap, hashes=tuple(node.hashes))),  # type: ignore[arg-type]
        _with_node(MEMBER, 0, ProofNode(bitmap=node.bitmap, hashes=["x" * 32] * len(node.hashes))),  # type: ignore[list-item]
        replace(MEMBER, nodes=[None]),  # type: ignore[list-item]
        replace(MEMBER, nodes=tuple(MEMBER.nodes)),  # type: ignore[arg-type]
        replace(MEMBER, key="k7"),  # type: ignore[arg-type]
        replace(MEMBER, value="value 7"),  # type: ignore[arg-type]
        replace(ABSENT_OTHER_LEAF, other_leaf=b"x"),  # type: ignore[arg-type]
    ]
    for proof in broken:
        assert verify_state_proof(ROOT, proof) is False
    assert verify_state_proof("root", MEMBER) is False  # type: ignore[arg-type]
    assert verify_state_proof(ROOT, b"proof") is False  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    st.binary(min_size=1, max_size=8),
    st.none() | st.binary(max_size=8),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=0xFFFF),
            st.lists(st.binary(min_size=31, max_size=33), max_size=17),
        ),
        max_size=70,
    ),
    st.none() | st.tuples(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32)),
)
def test_invalid_random_proofs_return_false(
    key: bytes,
    value: bytes | None,
    nodes: list[tuple[int, list[bytes]]],
    other: tuple[bytes, bytes] | None,
) -> None:
    proof = StateProof(
        key=key,
        value=value,
        nodes=[ProofNode(bitmap=bitmap, hashes=hashes) for bitmap, hashes in nodes],
        other_leaf=None if other is None else OtherLeaf(*other),
    )
    assert verify_state_proof(ROOT, proof) is False


def test_invalid_decode_rejects_malformed_encodings() -> None:
    valid = msgspec.to_builtins(MEMBER, builtin_types=(bytes,))
    for bad in (
        {**valid, "extra": 1},
        {**valid, "key": b""},
        {**valid, "nodes": []},
        {**valid, "nodes": [{"bitmap": 1 << 16, "hashes": []}]},
        {**valid, "nodes": [{"bitmap": 1, "hashes": [b"\x00" * 31]}]},
        {**valid, "nodes": [{"bitmap": 1, "hashes": [b"\x00" * 32] * 17}]},
        {**valid, "other_leaf": {"key_hash": b"\x00" * 32}},
    ):
        with pytest.raises(CodecError):
            decode(msgspec.msgpack.encode(bad), StateProof)
