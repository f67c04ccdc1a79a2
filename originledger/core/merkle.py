"""Merkle trees over ordered lists (the transactions and the results of a block).

The shape is RFC 6962's: a leaf hashes as ``H(0x00 || data)``, a node as
``H(0x01 || left || right)``, and a list of n > 1 items splits at the largest power of
two below n. An inclusion proof is the list of sibling hashes from the leaf up; with the
leaf's index and the list's size it recomputes the root. The empty list's root is
``H(b"")``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["list_inclusion_proof", "list_root", "list_root_from_proof", "verify_list_inclusion"]

_LEAF = b"\x00"
_NODE = b"\x01"


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(_LEAF + data).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def _split(count: int) -> int:
    """The largest power of two strictly below ``count`` (count > 1)."""
    return 1 << ((count - 1).bit_length() - 1)


def _root_of_hashes(level: list[bytes]) -> bytes:
    # Bottom-up over leaf hashes; equal to the recursive RFC 6962 definition because an
    # odd node at the end of a level is carried up unchanged. (The hashing is inlined:
    # a block's roots hash two nodes a transaction.)
    sha256 = hashlib.sha256
    while len(level) > 1:
        carried = [
            sha256(_NODE + left + right).digest()
            for left, right in zip(level[::2], level[1::2], strict=False)  # odd: carried
        ]
        if len(level) % 2:
            carried.append(level[-1])
        level = carried
    return level[0]


def list_root(items: Sequence[bytes]) -> bytes:
    if not items:
        return hashlib.sha256(b"").digest()
    sha256 = hashlib.sha256
    return _root_of_hashes([sha256(_LEAF + item).digest() for item in items])


def list_inclusion_proof(items: Sequence[bytes], index: int) -> list[bytes]:
    """Sibling hashes, from the leaf up, proving ``items[index]`` under ``list_root(items)``."""
    if not 0 <= index < len(items):
        raise IndexError(f"index {index} outside a list of {len(items)}")
    hashes = [_leaf_hash(item) for item in items]
    return _proof(hashes, index)


def _proof(hashes: list[bytes], index: int) -> list[bytes]:
    if len(hashes) <= 1:
        return []
    split = _split(len(hashes))
    if index < split:
        return [*_proof(hashes[:split], index), _root_of_hashes(hashes[split:])]
    return [*_proof(hashes[split:], index - split), _root_of_hashes(hashes[:split])]


def verify_list_inclusion(
    root: bytes, item: bytes, index: int, count: int, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows ``item`` at ``index`` of a ``count``-item list with ``root``."""
    return list_root_from_proof(item, index, count, proof) == root


def list_root_from_proof(
    item: bytes, index: int, count: int, proof: Sequence[bytes]
) -> bytes | None:
    """The root of the ``count``-item list that ``proof`` shows ``item`` at ``index`` of;
    None when the proof does not fit that position and size."""
    if not 0 <= index < count:
        return None
    computed = _leaf_hash(item)
    remaining = list(proof)

    def climb(size: int, position: int) -> bytes | None:
        # Recompute the root of a subtree of ``size`` leaves holding the item at ``position``.
        if size == 1:
            return computed
        split = _split(size)
        if position < split:
            inner = climb(split, position)
            if inner is None or not remaining:
                return None
            return _node_hash(inner, remaining.pop(0))
        inner = climb(size - split, position - split)
        if inner is None or not remaining:
            return None
        return _node_hash(remaining.pop(0), inner)

    result = climb(count, index)
    return result if result is not None and not remaining else None
