"""The authenticated state tree, persisted in SQLite, with a bounded cache of its nodes.

The tree's shape and hashing are defined in ``originledger.core.state_proof``: a hexary
sparse Merkle tree over ``sha256(key)`` with path compression, whose root depends only on
the set of ``(key, value)`` pairs. The tree stores hashes only; the caller keeps the values
in its own table and hands them over for ``prepare`` and ``prove``.

Storage: one row per internal node in ``tree_nodes(path, node)``, written by ``save``.

- ``path``: one byte holding the node's depth (its count of nibbles, 0 to 63), then the
  nibbles packed two to a byte, high nibble first, a lone last nibble in the high half of
  a byte whose low half is zero. The root's path is ``b"\\x00"``.
- ``node``: the bitmap of non-empty slots (2 bytes, big-endian, bit ``i`` for slot ``i``),
  the bitmap of the slots that hold leaves (2 bytes, likewise), then for each non-empty
  slot in slot order: a leaf's ``key_hash || value_hash`` (64 bytes), or an internal
  child's hash (32 bytes).

Updates and saves: ``apply`` makes an update the tree's committed state in memory only;
the nodes it changed are *unsaved* until ``save`` writes them all, each once, with the
caller's connection inside the caller's open transaction. Between saves the rows on disk
are the tree as of the last save, and the caller keeps what it needs to redo the updates
since (``SqliteStore`` keeps the keys each block wrote, and replays them on opening). If
the transaction of a ``save`` is rolled back, or anything applied since the last save is
lost, call ``discard_cache``: it forgets every node held in memory, unsaved ones too, and
reloads from the database, whose tree is then the one of the last save that committed.

A ``StateTree`` is not safe to share between threads: serialize calls to it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from bisect import bisect_left
from collections.abc import Callable, Mapping
from itertools import islice

from originledger.core.state_proof import (
    EMPTY_ROOT_HASH,
    KEY_NIBBLES,
    LEAF_TAG,
    NODE_TAG,
    OtherLeaf,
    ProofNode,
    StateProof,
)

__all__ = ["PendingUpdate", "StateTree", "StateTreeError"]

_sha256 = hashlib.sha256
_EMPTY = b""
_HASH_BYTES = 32
_LEAF_BYTES = 64  # key_hash || value_hash
_ROOT_PATH = b"\x00"
# The bit of a key hash's first nibble when the hash is read as a 256-bit integer.
_FIRST_NIBBLE_SHIFT = 4 * (KEY_NIBBLES - 1)
_DEPTH_BYTES = [bytes((depth,)) for depth in range(KEY_NIBBLES + 1)]
_HIGH_NIBBLE_BYTES = [bytes((byte & 0xF0,)) for byte in range(256)]
# The fraction of ``cache_nodes_max`` evicted at once when the cache is full.
_EVICTION_DIVISOR = 8
# Nodes this deep or shallower (at most 16 + 256 + 4,096 + 65,536 of them) stay in memory
# once loaded: most blocks touch many of them, while deeper nodes are touched rarely.
_PINNED_DEPTH_MAX = 4
# ``prepare`` reads ahead at most this many levels of the nodes it will need that are not in
# memory (a tree of two million keys is about 7 levels deep), each level in one query per
# chunk of this many paths.
_READ_AHEAD_LEVELS = 8
_IN_CHUNK_MAX = 500

_CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS tree_nodes(path BLOB PRIMARY KEY, node BLOB NOT NULL) WITHOUT ROWID"
)
_SELECT_NODE = "SELECT node FROM tree_nodes WHERE path = ?"
_UPSERT_NODE = (
    "INSERT INTO tree_nodes(path, node) VALUES (?, ?) "
    "ON CONFLICT(path) DO UPDATE SET node = excluded.node"
)
_DELETE_NODE = "DELETE FROM tree_nodes WHERE path = ?"


class StateTreeError(RuntimeError):
    """A bug or a corrupt store: an update applied out of order, or a node that is wrong."""


# An internal node in memory: ``(bitmap, leaf_bitmap, entries, hashes)``, immutable (and so
# ignored by the garbage collector). ``entries`` concatenates, in slot order, each
# non-empty slot's entry: a leaf's 64 bytes ``key_hash || value_hash`` or a child node's
# 32-byte hash; it is the stored row after the two bitmaps. ``hashes`` concatenates each
# non-empty slot's 32-byte hash; it is the node's hashed bytes after the bitmap. The slot
# ``s`` is found from the bitmaps: its hash starts at ``32 * popcount(bitmap below s)``
# and its entry 32 bytes further for each leaf below ``s``.
_Node = tuple[int, int, bytes, bytes]
_EMPTY_NODE: _Node = (0, 0, _EMPTY, _EMPTY)


def _path(key_hash: bytes, depth: int) -> bytes:
    """The stored path of the node at ``depth`` on the way to ``key_hash``."""
    half = depth >> 1
    if depth & 1:
        return _DEPTH_BYTES[depth] + key_hash[:half] + _HIGH_NIBBLE_BYTES[key_hash[half]]
    return _DEPTH_BYTES[depth] + key_hash[:half]


def _nibble(key_hash: bytes, depth: int) -> int:
    byte = key_hash[depth >> 1]
    return byte & 0x0F if depth & 1 else byte >> 4


def _hash_node(bitmap: int, hashes: bytes) -> bytes:
    return _sha256(NODE_TAG + bitmap.to_bytes(2, "big") + hashes).digest()


def _replace_slot(
    node: _Node,
    bit: int,
    entry_offset: int,
    old_entry_bytes: int,
    hash_offset: int,
    new_entry: bytes,
    new_hash: bytes,
) -> _Node:
    """``node`` with the slot ``bit`` holding ``new_entry`` (a leaf's 64 bytes, a child's
    32-byte hash, or nothing to empty it) whose hash is ``new_hash``."""
    bitmap, leaf_bitmap, entries, hashes = node
    old_hash_bytes = _HASH_BYTES if old_entry_bytes else 0
    entries = entries[:entry_offset] + new_entry + entries[entry_offset + old_entry_bytes :]
    hashes = hashes[:hash_offset] + new_hash + hashes[hash_offset + old_hash_bytes :]
    if not new_entry:
        bitmap &= ~bit
        leaf_bitmap &= ~bit
    elif len(new_entry) == _LEAF_BYTES:
        bitmap |= bit
        leaf_bitmap |= bit
    else:
        bitmap |= bit
        leaf_bitmap &= ~bit
    return (bitmap, leaf_bitmap, entries, hashes)


def _serialize(node: _Node) -> bytes:
    return (node[0] << 16 | node[1]).to_bytes(4, "big") + node[2]


def _parse(path: bytes, row: bytes) -> _Node:
    """The node stored as ``row``; raise ``StateTreeError`` if it is malformed."""
    bitmap = int.from_bytes(row[0:2], "big")
    leaf_bitmap = int.from_bytes(row[2:4], "big")
    entries = row[4:]
    leaf_count = leaf_bitmap.bit_count()
    entries_bytes = _LEAF_BYTES * leaf_count + _HASH_BYTES * (bitmap.bit_count() - leaf_count)
    if len(row) < 4 or len(entries) != entries_bytes or leaf_bitmap & ~bitmap:
        raise StateTreeError(f"malformed tree node at path {path.hex()}")
    if not leaf_bitmap:
        return (bitmap, 0, entries, entries)
    hashes: list[bytes] = []
    offset = 0
    remaining = bitmap
    while remaining:
        bit = remaining & -remaining
        remaining ^= bit
        if leaf_bitmap & bit:
            hashes.append(_sha256(LEAF_TAG + entries[offset : offset + _LEAF_BYTES]).digest())
            offset += _LEAF_BYTES
        else:
            hashes.append(entries[offset : offset + _HASH_BYTES])
            offset += _HASH_BYTES
    return (bitmap, leaf_bitmap, entries, _EMPTY.join(hashes))


class PendingUpdate:
    """A new tree computed by ``StateTree.prepare``: its root and the node rows to write."""

    __slots__ = ("_deleted_paths", "_root", "_written", "base_root_hash", "root_hash")

    def __init__(
        self,
        base_root_hash: bytes,
        root_hash: bytes,
        root: _Node,
        written: list[tuple[bytes, _Node]],
        deleted_paths: list[bytes],
    ) -> None:
        self.base_root_hash = base_root_hash
        self.root_hash = root_hash
        self._root = root
        # Both in path order, which keeps SQLite's writes local.
        self._written = written
        self._deleted_paths = deleted_paths

    def __repr__(self) -> str:
        return (
            f"PendingUpdate(root_hash={self.root_hash.hex()}, "
            f"nodes_written={len(self._written)}, nodes_deleted={len(self._deleted_paths)})"
        )


class StateTree:
    """The state tree on one SQLite connection, with the committed nodes cached in memory.

    The nodes of the top levels (depths 0 to 4: at most 69,905) stay in memory once
    loaded (``load_top`` loads them all at once). ``cache_nodes_max`` bounds the deeper
    nodes held besides: when they are too many, those least recently written or loaded
    are evicted, an eighth of the cache at a time, and reloaded on demand. A cached node
    takes about 560 bytes (a 1,000,000-leaf tree has about 360,000 nodes).
    """

    def __init__(self, connection: sqlite3.Connection, *, cache_nodes_max: int = 200_000) -> None:
        if cache_nodes_max < 1:
            raise ValueError(f"cache_nodes_max must be at least 1, got {cache_nodes_max}")
        self._connection = connection
        self._cache_nodes_max = cache_nodes_max
        self._pinned: dict[bytes, _Node] = {}
        self._cache: dict[bytes, _Node] = {}
        self._root: _Node | None = None
        self._root_hash = EMPTY_ROOT_HASH
        # Nodes read ahead for the running ``prepare`` (checked against their parents when
        # used, as any loaded node), and how many nodes the last one found not in memory
        # (at first none is in memory).
        self._ahead: dict[bytes, _Node] = {}
        self._cold_loads = 1
        # Whether the top levels were loaded in one scan since the memory was last emptied.
        self._top_loaded = False
        # The nodes ``apply`` changed since the last ``save``, by path (``None``: deleted):
        # the committed tree is the stored rows overlaid with these.
        self._unsaved: dict[bytes, _Node | None] = {}
        connection.execute(_CREATE_TABLE)

    # Reading committed nodes.

    def _committed_root(self) -> _Node:
        root = self._root
        if root is None:
            row = self._connection.execute(_SELECT_NODE, (_ROOT_PATH,)).fetchone()
            root = _EMPTY_NODE if row is None else _parse(_ROOT_PATH, row[0])
            self._root = root
            self._root_hash = _hash_node(root[0], root[3])
        return root

    def _load(self, path: bytes, expected_hash: bytes) -> _Node:
        """The committed node at ``path``, which its parent says hashes to ``expected_hash``."""
        pinned = path[0] <= _PINNED_DEPTH_MAX
        node = (self._pinned if pinned else self._cache).get(path)
        if node is not None:
            return node
        # A node evicted from the cache before it was saved is in ``_unsaved``: what
        # ``apply`` made, newer than its row on disk.
        node = self._unsaved.get(path)
        if node is None:
            self._cold_loads += 1
            node = self._ahead.pop(path, None)
            if node is None:
                row = self._connection.execute(_SELECT_NODE, (path,)).fetchone()
                if row is None:
                    raise StateTreeError(f"missing tree node at path {path.hex()}")
                node = _parse(path, row[0])
            if _hash_node(node[0], node[3]) != expected_hash:
                raise StateTreeError(f"tree node at path {path.hex()} does not match its parent")
        if pinned:
            self._pinned[path] = node
            return node
        if len(self._cache) >= self._cache_nodes_max:
            self._evict()
        self._cache[path] = node
        return node

    def _evict(self) -> None:
        cache = self._cache
        count = len(cache) - self._cache_nodes_max + self._cache_nodes_max // _EVICTION_DIVISOR
        for path in list(islice(cache, max(1, count))):
            del cache[path]

    def load_top(self) -> None:
        """Load the nodes kept in memory anyway (depths 1 to 4) in one scan of their rows,
        which are contiguous (a path starts with its depth), each checked against its
        parent as ``_load`` does. The first ``prepare`` calls it: a node just opened then
        updates without reading them one at a time as blocks first touch them (at a
        million keys, about 70,000 reads)."""
        if self._unsaved:
            raise StateTreeError("the top levels loaded from disk over unsaved nodes")
        self._top_loaded = True
        root = self._committed_root()
        pinned: dict[bytes, _Node] = {}
        rows = self._connection.execute(
            "SELECT path, node FROM tree_nodes WHERE path > ? AND path < ? ORDER BY path",
            (_ROOT_PATH, _DEPTH_BYTES[_PINNED_DEPTH_MAX + 1]),
        )
        for stored_path, row in rows:
            path = bytes(stored_path)
            depth = path[0]
            node = _parse(path, bytes(row))
            # The parent's path and the slot this node fills in it.
            last = depth - 1
            byte = path[1 + (last >> 1)]
            slot = byte & 0x0F if last & 1 else byte >> 4
            parent_path = _DEPTH_BYTES[last] + path[1 : 1 + (last >> 1)]
            if last & 1:
                parent_path += _HIGH_NIBBLE_BYTES[byte]
            parent = root if last == 0 else pinned.get(parent_path)
            bit = 1 << slot
            if parent is None or not parent[0] & bit or parent[1] & bit:
                raise StateTreeError(f"tree node at path {path.hex()} has no parent node")
            offset = (parent[0] & (bit - 1)).bit_count() << 5
            if _hash_node(node[0], node[3]) != parent[3][offset : offset + _HASH_BYTES]:
                raise StateTreeError(f"tree node at path {path.hex()} does not match its parent")
            pinned[path] = node
        self._pinned = pinned

    def trim_cache(self, nodes_max: int) -> None:
        """Keep at most ``nodes_max`` of the deeper nodes in memory, the most recent (a bulk
        import, whose chunks seldom write the same deep nodes again, bounds its memory)."""
        cache = self._cache
        for path in list(islice(cache, max(0, len(cache) - nodes_max))):
            del cache[path]

    def root_hash(self) -> bytes:
        """The root of the committed tree."""
        self._committed_root()
        return self._root_hash

    def discard_cache(self) -> None:
        """Forget every node held in memory, unsaved ones too: the committed tree is again
        the one on disk (call it after rolling back a ``save``)."""
        self._unsaved = {}
        self._pinned = {}
        self._cache = {}
        self._ahead = {}
        self._top_loaded = False
        self._root = None

    # Updating.

    def prepare(self, writes: Mapping[bytes, bytes | None]) -> PendingUpdate:
        """The tree after ``writes`` (key -> new value, ``None`` deletes), without applying it.

        Only the nodes on the paths of written keys are copied and rehashed, each once,
        bottom-up. The committed tree is untouched (though nodes may be loaded into the
        cache); deleting an absent key, or writing a key's current value, changes nothing.
        """
        if not self._top_loaded:
            self.load_top()
        base = self._committed_root()
        base_hash = self._root_hash
        batch = _Batch(writes, self._load)
        # Read ahead only while updates find nodes missing from memory: a tree that fits in
        # the cache would pay for the walk and read nothing.
        if self._cold_loads:
            self._read_ahead(base, batch.key_hashes)
        self._cold_loads = 0
        try:
            result = batch.update(base, 0, 0, len(batch.key_hashes), _ROOT_PATH)
        finally:
            self._ahead = {}
        if result is None:
            return PendingUpdate(base_hash, base_hash, base, [], [])
        written = [item for level in batch.written for item in level]
        deleted_paths = [path for level in batch.deleted for path in level]
        return PendingUpdate(base_hash, result[1], written[0][1], written, deleted_paths)

    def _read_ahead(self, root: _Node, key_hashes: list[bytes]) -> None:
        """Read the stored nodes on the paths of ``key_hashes`` (sorted) that are not in
        memory, a level at a time, each level in one query per chunk of paths (in path
        order, so that SQLite walks its B-tree forwards), for ``prepare`` to take from
        ``_ahead`` instead of one query per node."""
        pinned = self._pinned
        cache = self._cache
        unsaved = self._unsaved
        ahead = self._ahead
        # Where each key's descent stopped: its hash, and the depth of the node that was
        # not in memory (0: start from the root).
        frontier = [(hashed_key, 0) for hashed_key in key_hashes]
        for _ in range(_READ_AHEAD_LEVELS):
            wanted: dict[bytes, None] = {}
            waiting: list[tuple[bytes, int]] = []
            for hashed_key, depth in frontier:
                node: _Node | None
                if depth:
                    node = ahead.get(_path(hashed_key, depth))
                else:
                    # Start from the deepest level kept in memory when the key's node there
                    # is (a node's ancestors all exist), else from the root.
                    node = pinned.get(_path(hashed_key, _PINNED_DEPTH_MAX))
                    if node is None:
                        node = root
                    else:
                        depth = _PINNED_DEPTH_MAX
                while node is not None:
                    bit = 1 << _nibble(hashed_key, depth)
                    if not node[0] & bit or node[1] & bit:
                        break  # an empty slot or a leaf: the path ends here
                    depth += 1
                    path = _path(hashed_key, depth)
                    node = (pinned if depth <= _PINNED_DEPTH_MAX else cache).get(path)
                    if node is None:
                        node = unsaved.get(path) or ahead.get(path)
                        if node is None:
                            wanted[path] = None
                            waiting.append((hashed_key, depth))
            if not wanted:
                return
            paths = sorted(wanted)
            for start in range(0, len(paths), _IN_CHUNK_MAX):
                chunk = paths[start : start + _IN_CHUNK_MAX]
                marks = ",".join("?" * len(chunk))
                rows = self._connection.execute(
                    f"SELECT path, node FROM tree_nodes WHERE path IN ({marks})", chunk
                )
                for stored_path, row in rows:
                    stored_path = bytes(stored_path)
                    ahead[stored_path] = _parse(stored_path, bytes(row))
            frontier = waiting

    def apply(self, update: PendingUpdate) -> None:
        """Make ``update`` the committed tree, in memory: its nodes are unsaved until
        ``save`` writes them.

        Raise ``StateTreeError`` if ``update`` was not prepared against the committed root.
        """
        if update.base_root_hash != self.root_hash():
            raise StateTreeError(
                f"update prepared against root {update.base_root_hash.hex()}, "
                f"but the committed root is {self.root_hash().hex()}"
            )
        written = update._written
        deleted_paths = update._deleted_paths
        pinned = self._pinned
        cache = self._cache
        unsaved = self._unsaved
        for path in deleted_paths:
            (pinned if path[0] <= _PINNED_DEPTH_MAX else cache).pop(path, None)
            unsaved[path] = None
        for path, node in written:
            unsaved[path] = node
            if path[0] <= _PINNED_DEPTH_MAX:
                pinned[path] = node
            else:
                # Written nodes move to the young end of the cache.
                cache.pop(path, None)
                cache[path] = node
        pinned.pop(_ROOT_PATH, None)
        self._root = update._root
        self._root_hash = update.root_hash
        if len(cache) > self._cache_nodes_max:
            self._evict()

    @property
    def unsaved_nodes(self) -> int:
        """How many node rows the next ``save`` writes or deletes."""
        return len(self._unsaved)

    def save(self) -> None:
        """Write every node changed since the last save (each once, in path order, so that
        SQLite's writes stay local) inside the caller's open transaction. If that
        transaction is rolled back, call ``discard_cache``."""
        unsaved = sorted(self._unsaved.items())
        self._unsaved = {}
        connection = self._connection
        connection.executemany(_DELETE_NODE, [(path,) for path, node in unsaved if node is None])
        connection.executemany(
            _UPSERT_NODE,
            [(path, _serialize(node)) for path, node in unsaved if node is not None],
        )

    # Proving.

    def prove(self, key: bytes, value: bytes | None) -> StateProof:
        """A proof against ``root_hash()`` that ``key`` holds ``value`` (``None``: absent).

        ``value`` is what the caller's own table holds; raise ``ValueError`` if the tree
        disagrees.
        """
        hashed_key = _sha256(key).digest()
        expected_leaf = None if value is None else hashed_key + _sha256(value).digest()
        bitmap, leaf_bitmap, entries, hashes = self._committed_root()
        nodes: list[ProofNode] = []
        depth = 0
        while True:
            slot_hashes = [
                hashes[offset : offset + _HASH_BYTES]
                for offset in range(0, len(hashes), _HASH_BYTES)
            ]
            nodes.append(ProofNode(bitmap=bitmap, hashes=slot_hashes))
            bit = 1 << _nibble(hashed_key, depth)
            below = bitmap & (bit - 1)
            hash_offset = below.bit_count() << 5
            entry_offset = hash_offset + ((leaf_bitmap & below).bit_count() << 5)
            if leaf_bitmap & bit:
                entry = entries[entry_offset : entry_offset + _LEAF_BYTES]
                break
            if not bitmap & bit:
                entry = _EMPTY
                break
            depth += 1
            child_hash = hashes[hash_offset : hash_offset + _HASH_BYTES]
            bitmap, leaf_bitmap, entries, hashes = self._load(_path(hashed_key, depth), child_hash)
        if entry == expected_leaf or (not entry and expected_leaf is None):
            return StateProof(key=key, value=value, nodes=nodes)
        if expected_leaf is None and not entry.startswith(hashed_key):
            other_leaf = OtherLeaf(key_hash=entry[:_HASH_BYTES], value_hash=entry[_HASH_BYTES:])
            return StateProof(key=key, value=None, nodes=nodes, other_leaf=other_leaf)
        raise ValueError(f"the state tree disagrees with the value given for key {key.hex()}")


class _Batch:
    """One ``prepare``: the writes sorted by key hash, and the nodes written and deleted.

    The writes under a node are a run ``[start, stop)`` of the sorted key hashes; the run
    under each of its slots is found by bisecting the key hashes read as integers.
    ``update`` takes a node and a run of two or more writes, ``update_one`` a node and a
    single write (the common case below the top levels). Nodes are immutable: a changed
    node is a new tuple, recorded in ``written`` with its path, so the committed tree is
    never touched. Both answer what the parent's slot now holds, ``(entry, hash)`` (both
    ``b""`` when it is empty), or ``None`` when nothing changed. ``stored_path`` is the
    node's path when it is a row of the committed tree (so collapsing it deletes the row),
    ``None`` when the node is being built: empty, or a leaf pushed one level down.
    """

    __slots__ = ("deleted", "key_hashes", "key_numbers", "leaves", "load", "written")

    def __init__(
        self,
        writes: Mapping[bytes, bytes | None],
        load: Callable[[bytes, bytes], _Node],
    ) -> None:
        sha256 = _sha256
        key_hashes = [sha256(key).digest() for key in writes]
        leaf_by_key_hash = {
            hashed_key: None if value is None else hashed_key + sha256(value).digest()
            for hashed_key, value in zip(key_hashes, writes.values(), strict=True)
        }
        key_hashes.sort()
        self.key_hashes = key_hashes
        # A leaf entry ``key_hash || value_hash``, or ``None`` to delete.
        self.leaves = [leaf_by_key_hash[hashed_key] for hashed_key in key_hashes]
        self.key_numbers = [int.from_bytes(hashed_key, "big") for hashed_key in key_hashes]
        self.load = load
        # Nodes written and paths deleted, by depth: each list fills in path order.
        self.written: list[list[tuple[bytes, _Node]]] = [[] for _ in range(KEY_NIBBLES)]
        self.deleted: list[list[bytes]] = [[] for _ in range(KEY_NIBBLES)]

    def update(
        self, node: _Node, depth: int, start: int, stop: int, stored_path: bytes | None
    ) -> tuple[bytes, bytes] | None:
        key_numbers = self.key_numbers
        key_hashes = self.key_hashes
        leaves = self.leaves
        bitmap, leaf_bitmap, entries, hashes = node
        changed = False
        shift = _FIRST_NIBBLE_SHIFT - 4 * depth
        index = start
        while index < stop:
            first = index
            prefix = key_numbers[first] >> shift
            index = bisect_left(key_numbers, (prefix + 1) << shift, first + 1, stop)
            single = index - first == 1
            bit = 1 << (prefix & 0x0F)
            below = bitmap & (bit - 1)
            hash_offset = below.bit_count() << 5
            entry_offset = hash_offset + ((leaf_bitmap & below).bit_count() << 5)
            if leaf_bitmap & bit:
                old_entry_bytes = _LEAF_BYTES
                entry = entries[entry_offset : entry_offset + _LEAF_BYTES]
                leaf = leaves[first]
                if single and leaf == entry:
                    continue
                if single and entry.startswith(key_hashes[first]):
                    if leaf is None:
                        new_entry = new_hash = _EMPTY
                    else:
                        new_entry = leaf
                        new_hash = _sha256(LEAF_TAG + leaf).digest()
                else:
                    # The slot's leaf and the writes under it: settle them one level down.
                    leaf_bit = 1 << _nibble(entry, depth + 1)
                    leaf_hash = hashes[hash_offset : hash_offset + _HASH_BYTES]
                    seed = (leaf_bit, leaf_bit, entry, leaf_hash)
                    if single:
                        result = self.update_one(seed, depth + 1, first, None)
                    else:
                        result = self.update(seed, depth + 1, first, index, None)
                    if result is None:
                        continue
                    new_entry, new_hash = result
            elif bitmap & bit:
                old_entry_bytes = _HASH_BYTES
                child_hash = hashes[hash_offset : hash_offset + _HASH_BYTES]
                child_path = _path(key_hashes[first], depth + 1)
                child = self.load(child_path, child_hash)
                if single:
                    result = self.update_one(child, depth + 1, first, child_path)
                else:
                    result = self.update(child, depth + 1, first, index, child_path)
                if result is None:
                    continue
                new_entry, new_hash = result
            else:
                old_entry_bytes = 0
                if single:
                    leaf = leaves[first]
                    if leaf is None:
                        continue
                    new_entry = leaf
                    new_hash = _sha256(LEAF_TAG + leaf).digest()
                else:
                    result = self.update(_EMPTY_NODE, depth + 1, first, index, None)
                    if result is None:
                        continue
                    new_entry, new_hash = result
            bitmap, leaf_bitmap, entries, hashes = _replace_slot(
                (bitmap, leaf_bitmap, entries, hashes),
                bit,
                entry_offset,
                old_entry_bytes,
                hash_offset,
                new_entry,
                new_hash,
            )
            changed = True
        if not changed:
            return None
        return self._settle(depth, bitmap, leaf_bitmap, entries, hashes, stored_path, start)

    def update_one(
        self, node: _Node, depth: int, index: int, stored_path: bytes | None
    ) -> tuple[bytes, bytes] | None:
        bitmap, leaf_bitmap, entries, hashes = node
        leaf = self.leaves[index]
        bit = 1 << ((self.key_numbers[index] >> (_FIRST_NIBBLE_SHIFT - 4 * depth)) & 0x0F)
        below = bitmap & (bit - 1)
        hash_offset = below.bit_count() << 5
        entry_offset = hash_offset + ((leaf_bitmap & below).bit_count() << 5)
        if leaf_bitmap & bit:
            old_entry_bytes = _LEAF_BYTES
            entry = entries[entry_offset : entry_offset + _LEAF_BYTES]
            if leaf == entry:
                return None
            if entry.startswith(self.key_hashes[index]):
                if leaf is None:
                    new_entry = new_hash = _EMPTY
                else:
                    new_entry = leaf
                    new_hash = _sha256(LEAF_TAG + leaf).digest()
            elif leaf is None:
                return None  # deleting an absent key
            else:
                leaf_bit = 1 << _nibble(entry, depth + 1)
                leaf_hash = hashes[hash_offset : hash_offset + _HASH_BYTES]
                result = self.update_one(
                    (leaf_bit, leaf_bit, entry, leaf_hash), depth + 1, index, None
                )
                if result is None:
                    return None
                new_entry, new_hash = result
        elif bitmap & bit:
            old_entry_bytes = _HASH_BYTES
            child_hash = hashes[hash_offset : hash_offset + _HASH_BYTES]
            child_path = _path(self.key_hashes[index], depth + 1)
            result = self.update_one(
                self.load(child_path, child_hash), depth + 1, index, child_path
            )
            if result is None:
                return None
            new_entry, new_hash = result
        else:
            if leaf is None:
                return None
            old_entry_bytes = 0
            new_entry = leaf
            new_hash = _sha256(LEAF_TAG + leaf).digest()
        bitmap, leaf_bitmap, entries, hashes = _replace_slot(
            (bitmap, leaf_bitmap, entries, hashes),
            bit,
            entry_offset,
            old_entry_bytes,
            hash_offset,
            new_entry,
            new_hash,
        )
        return self._settle(depth, bitmap, leaf_bitmap, entries, hashes, stored_path, index)

    def _settle(
        self,
        depth: int,
        bitmap: int,
        leaf_bitmap: int,
        entries: bytes,
        hashes: bytes,
        stored_path: bytes | None,
        index: int,
    ) -> tuple[bytes, bytes]:
        """Keep the changed node (``index``: one of its writes), or collapse it."""
        if depth and not bitmap & ~leaf_bitmap and not bitmap & (bitmap - 1):
            # At most one leaf and no child node: the node goes and its leaf (if any)
            # moves up; ``entries`` and ``hashes`` are then that leaf's, or empty.
            if stored_path is not None:
                self.deleted[depth].append(stored_path)
            return entries, hashes
        node_hash = _sha256(NODE_TAG + bitmap.to_bytes(2, "big") + hashes).digest()
        if stored_path is None:
            stored_path = _path(self.key_hashes[index], depth)
        self.written[depth].append((stored_path, (bitmap, leaf_bitmap, entries, hashes)))
        return node_hash, node_hash
