"""Proofs that a state key holds a value, or holds none, under a state root.

The state tree is a hexary (16-ary) sparse Merkle tree over ``key_hash = sha256(key)``,
read as 64 nibbles, high nibble first, with path compression:

- A leaf is ``(key_hash, value_hash)`` with ``value_hash = sha256(value)``; it hashes as
  ``sha256(0x00 || key_hash || value_hash)``.
- An internal node has 16 slots, each empty, a leaf, or an internal child node. It hashes
  as ``sha256(0x01 || bitmap || slot hashes)``: ``bitmap`` is 2 bytes big-endian with bit
  ``i`` (value ``1 << i``) set when slot ``i`` is non-empty, followed by the 32-byte hash of
  each non-empty slot in slot order (a leaf's hash, or a child node's hash).
- The root node always exists (the empty tree's root is ``sha256(0x01 || 0x0000)``). Any
  other node exists exactly when its subtree holds at least two leaves; a lone leaf sits
  in the slot of the deepest node above it. The shape, and so the root, depends only on
  the set of leaves, never on the order they were written in.

A proof (``StateProof``) lists the internal nodes on the key's path, root first, each as
its bitmap and its slot hashes (``ProofNode``). The node at position ``depth`` sits at the
key's first ``depth`` nibbles, and the key's slot in it is the one numbered by nibble
``depth`` of the key hash. The proof stops at the node whose slot answers the question:

- membership (``value`` is bytes): the slot holds the leaf ``(key_hash, sha256(value))``;
- non-membership (``value`` is ``None``): the slot is empty, or it holds the leaf of
  another key (``other_leaf``: its key hash and value hash), whose key hash shares the
  first ``depth + 1`` nibbles with the key's.

Verification needs only SHA-256: it recomputes each node's hash, checks it against the
root or against the slot that points to it, then checks the last slot. Proofs travel in
the canonical encoding (``originledger.core.codec``); this module does no I/O.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

import msgspec

from originledger.core.limits import STATE_KEY_BYTES_MAX, STATE_VALUE_BYTES_MAX

__all__ = [
    "EMPTY_ROOT_HASH",
    "HASH_BYTES",
    "KEY_NIBBLES",
    "LEAF_TAG",
    "NODE_TAG",
    "SLOTS_PER_NODE",
    "OtherLeaf",
    "ProofNode",
    "StateProof",
    "key_hash",
    "leaf_hash",
    "node_hash",
    "value_hash",
    "verify_state_proof",
]

HASH_BYTES = 32
SLOTS_PER_NODE = 16
# A key hash has 64 nibbles, so internal nodes lie at depths 0 to 63: a proof has at most
# 64 nodes.
KEY_NIBBLES = 2 * HASH_BYTES
LEAF_TAG = b"\x00"
NODE_TAG = b"\x01"
_BITMAP_MAX = (1 << SLOTS_PER_NODE) - 1

Hash = Annotated[bytes, msgspec.Meta(min_length=HASH_BYTES, max_length=HASH_BYTES)]


class ProofNode(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One internal node on the key's path: which slots are full, and their hashes."""

    bitmap: Annotated[int, msgspec.Meta(ge=0, le=_BITMAP_MAX)]
    hashes: Annotated[list[Hash], msgspec.Meta(max_length=SLOTS_PER_NODE)]


class OtherLeaf(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The leaf of another key, found where the proven key would be."""

    key_hash: Hash
    value_hash: Hash


class StateProof(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``key`` holds ``value`` (or, when ``value`` is ``None``, nothing) under a root."""

    key: Annotated[bytes, msgspec.Meta(min_length=1, max_length=STATE_KEY_BYTES_MAX)]
    value: Annotated[bytes, msgspec.Meta(max_length=STATE_VALUE_BYTES_MAX)] | None
    nodes: Annotated[list[ProofNode], msgspec.Meta(min_length=1, max_length=KEY_NIBBLES)]
    other_leaf: OtherLeaf | None = None


def key_hash(key: bytes) -> bytes:
    """Where a key lives in the tree: ``sha256(key)``."""
    return hashlib.sha256(key).digest()


def value_hash(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()


def leaf_hash(key_hash: bytes, value_hash: bytes) -> bytes:
    """``sha256(0x00 || key_hash || value_hash)``."""
    return hashlib.sha256(LEAF_TAG + key_hash + value_hash).digest()


def node_hash(bitmap: int, slot_hashes: list[bytes]) -> bytes:
    """``sha256(0x01 || bitmap (2 bytes, big-endian) || slot hashes)``, non-empty slots only."""
    return hashlib.sha256(NODE_TAG + bitmap.to_bytes(2, "big") + b"".join(slot_hashes)).digest()


EMPTY_ROOT_HASH = node_hash(0, [])


def _nibble(hashed: bytes, index: int) -> int:
    byte = hashed[index >> 1]
    return byte & 0x0F if index & 1 else byte >> 4


def _is_hash(value: object) -> bool:
    return type(value) is bytes and len(value) == HASH_BYTES


def _is_well_formed(node: object) -> bool:
    if type(node) is not ProofNode:
        return False
    bitmap = node.bitmap
    if type(bitmap) is not int or not 0 <= bitmap <= _BITMAP_MAX:
        return False
    hashes = node.hashes
    if type(hashes) is not list or len(hashes) != bitmap.bit_count():
        return False
    return all(_is_hash(slot_hash) for slot_hash in hashes)


def _shares_prefix(left: bytes, right: bytes, nibbles: int) -> bool:
    """True when ``left`` and ``right`` agree on their first ``nibbles`` nibbles."""
    whole_bytes = nibbles >> 1
    if left[:whole_bytes] != right[:whole_bytes]:
        return False
    return not nibbles & 1 or left[whole_bytes] >> 4 == right[whole_bytes] >> 4


def verify_state_proof(root: bytes, proof: StateProof) -> bool:
    """True when ``proof`` shows that, under ``root``, ``proof.key`` holds ``proof.value``.

    A ``None`` value claims the key is absent. Anything malformed gives ``False``; this
    function never raises.
    """
    if not _is_hash(root) or type(proof) is not StateProof:
        return False
    key, value, nodes, other_leaf = proof.key, proof.value, proof.nodes, proof.other_leaf
    if type(key) is not bytes or (value is not None and type(value) is not bytes):
        return False
    if type(nodes) is not list or not 1 <= len(nodes) <= KEY_NIBBLES:
        return False
    if other_leaf is not None and (
        type(other_leaf) is not OtherLeaf
        or not _is_hash(other_leaf.key_hash)
        or not _is_hash(other_leaf.value_hash)
    ):
        return False
    hashed_key = key_hash(key)
    expected_hash = root
    last_depth = len(nodes) - 1
    slot_hash: bytes | None = None
    for depth, node in enumerate(nodes):
        if not _is_well_formed(node):
            return False
        if node_hash(node.bitmap, node.hashes) != expected_hash:
            return False
        bit = 1 << _nibble(hashed_key, depth)
        full = node.bitmap & bit
        slot_hash = node.hashes[(node.bitmap & (bit - 1)).bit_count()] if full else None
        if depth < last_depth:
            if slot_hash is None:
                return False
            expected_hash = slot_hash
    if value is not None:
        return other_leaf is None and slot_hash == leaf_hash(hashed_key, value_hash(value))
    if slot_hash is None:
        return other_leaf is None
    if other_leaf is None or other_leaf.key_hash == hashed_key:
        return False
    if not _shares_prefix(other_leaf.key_hash, hashed_key, last_depth + 1):
        return False
    return slot_hash == leaf_hash(other_leaf.key_hash, other_leaf.value_hash)
