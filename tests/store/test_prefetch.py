"""Reading ahead: a block's values in one query (``SqliteStore.prefetch``) and the state
tree's missing nodes a level at a time (``StateTree.prepare``). Hints only: the same
values, roots and checks as reading one at a time."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from originledger.core.amounts import Amount
from originledger.modules.accounts.keys import account_key
from originledger.modules.assets.keys import balance_key
from originledger.modules.assets.types import Transfer
from originledger.store import SqliteStore
from originledger.store.tree import StateTree, StateTreeError
from tests.conftest import ALICE, BOB, Chain
from tests.store.test_tree import reference_root


def _tree_with(path: Path, count: int) -> tuple[sqlite3.Connection, dict[bytes, bytes]]:
    connection = sqlite3.connect(path, isolation_level=None)
    tree = StateTree(connection)
    state = {b"key-%d" % index: b"value-%d" % index for index in range(count)}
    update = tree.prepare(state)
    connection.execute("BEGIN")
    tree.apply(update)
    tree.save()
    connection.execute("COMMIT")
    return connection, state


def _statements(connection: sqlite3.Connection) -> list[str]:
    seen: list[str] = []
    connection.set_trace_callback(seen.append)
    return seen


def test_tree_reads_missing_nodes_a_level_at_a_time(tmp_path: Path) -> None:
    connection, state = _tree_with(tmp_path / "tree.sqlite", 5_000)
    # A tree opened afresh holds no node in memory: its first update reads ahead.
    tree = StateTree(connection, cache_nodes_max=10)
    writes: dict[bytes, bytes | None] = {b"key-%d" % i: b"new" for i in range(0, 5_000, 7)}
    writes[b"absent"] = None
    writes[b"fresh"] = b"x"
    seen = _statements(connection)
    update = tree.prepare(writes)
    # The root is read alone (the tree's first read); every other node a level at a time.
    point_reads = [text for text in seen if "WHERE path = " in text and "x'00'" not in text]
    level_reads = [text for text in seen if "WHERE path IN" in text]
    assert not point_reads
    assert 1 <= len(level_reads) <= 8
    for key, value in writes.items():
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
    assert update.root_hash == reference_root(state)


def test_tree_reads_ahead_only_while_nodes_are_missing(tmp_path: Path) -> None:
    connection, state = _tree_with(tmp_path / "tree.sqlite", 300)
    tree = StateTree(connection)
    tree.prepare({b"key-1": b"a"})  # loads the path of key-1 (reading ahead: nothing cached)
    seen = _statements(connection)
    tree.prepare({b"key-1": b"b"})  # every node in memory now: no query at all
    assert seen == []
    state[b"key-1"] = b"b"
    assert tree.prepare({b"key-1": b"b"}).root_hash == reference_root(state)


def test_tree_checks_nodes_read_ahead(tmp_path: Path) -> None:
    connection, _ = _tree_with(tmp_path / "tree.sqlite", 300)
    # Corrupt a node below the root: one slot's hash of the first depth-1 node.
    path, row = connection.execute(
        "SELECT path, node FROM tree_nodes WHERE length(path) = 2 ORDER BY path LIMIT 1"
    ).fetchone()
    corrupted = row[:4] + bytes([row[4] ^ 1]) + row[5:]
    connection.execute("UPDATE tree_nodes SET node = ? WHERE path = ?", (corrupted, path))
    tree = StateTree(connection)
    writes = {b"key-%d" % index: b"new" for index in range(300)}
    with pytest.raises(StateTreeError, match="does not match its parent"):
        tree.prepare(writes)


class _Counted:
    """An iterable of keys that records whether it was iterated."""

    def __init__(self, keys: list[bytes]) -> None:
        self.keys = keys
        self.iterated = False

    def __iter__(self) -> Iterator[bytes]:
        self.iterated = True
        return iter(self.keys)


def test_store_prefetch_reads_what_get_reads(funded_chain: Chain) -> None:
    chain = funded_chain
    chain.block([chain.tx(Transfer(ALICE.address, BOB.address, "USD", Amount(5)), ALICE)])
    store = chain.store
    keys = [
        account_key(ALICE.address),
        balance_key(ALICE.address, "USD"),
        balance_key(BOB.address, "USD"),
        b"absent/key",
    ]
    fresh = SqliteStore(None)
    expected = {key: store.read_state(key) for key in keys}
    store._cache.clear()
    store._cold_reads = 1
    seen = _statements(store._writer)
    store.prefetch(_Counted([*keys, *keys]))
    assert len([text for text in seen if "IN (" in text]) == 1
    seen.clear()
    assert {key: store.get(key) for key in keys} == expected
    assert seen == []  # all answered from memory, the absent key too
    # A prefetch that finds every key in memory...
    warm = _Counted(keys)
    store.prefetch(warm)
    assert warm.iterated
    # ...and no cold read since: the next one does not even list its keys.
    skipped = _Counted(keys)
    store.prefetch(skipped)
    assert not skipped.iterated
    # A key read cold since then makes the next prefetch read again.
    assert store.get(b"another/absent") is None
    again = _Counted([*keys, b"third/absent"])
    store.prefetch(again)
    assert again.iterated
    fresh.close()


def test_a_transfers_declared_keys_are_read_before_it_executes(funded_chain: Chain) -> None:
    chain = funded_chain
    store = chain.store
    store._cache.clear()
    store._cold_reads = 1
    raw = chain.tx(Transfer(ALICE.address, BOB.address, "USD", Amount(5)), ALICE)
    seen = _statements(store._writer)
    outcome = chain.block([raw])
    assert outcome.txs[0].result.code == 0
    declared = [
        account_key(ALICE.address),
        balance_key(ALICE.address, "USD"),
        balance_key(BOB.address, "USD"),
    ]
    point_reads = [text for text in seen if "FROM state WHERE key = " in text]
    for key in declared:
        assert not [text for text in point_reads if key.hex() in text]
    assert any("FROM state WHERE key IN" in text for text in seen)


def test_the_first_update_loads_the_top_levels_checked(tmp_path: Path) -> None:
    connection, state = _tree_with(tmp_path / "tree.sqlite", 3_000)
    tree = StateTree(connection)
    seen = _statements(connection)
    writes: dict[bytes, bytes | None] = {b"key-%d" % i: b"new" for i in range(0, 3_000, 3)}
    update = tree.prepare(writes)
    # One scan of the top levels; nodes read by path are only those below them (a path
    # starts with its depth).
    assert len([text for text in seen if "ORDER BY path" in text]) == 1
    by_path = " ".join(text for text in seen if "WHERE path IN" in text or "path = " in text)
    assert not re.search(r"x'0[1-4]", by_path)
    state.update({key: value for key, value in writes.items() if value is not None})
    assert update.root_hash == reference_root(state)
    # A damaged row among them stops the loading.
    path, row = connection.execute(
        "SELECT path, node FROM tree_nodes WHERE length(path) = 3 ORDER BY path LIMIT 1"
    ).fetchone()
    corrupted = row[:4] + bytes([row[4] ^ 1]) + row[5:]
    connection.execute("UPDATE tree_nodes SET node = ? WHERE path = ?", (corrupted, path))
    with pytest.raises(StateTreeError, match="does not match its parent"):
        StateTree(connection).load_top()


class _CountingLock:
    """The store's lock, counting how often it is taken."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock
        self.taken = 0

    def __enter__(self) -> None:
        self.lock.__enter__()
        self.taken += 1

    def __exit__(self, *exc: object) -> None:
        self.lock.__exit__(*exc)


def test_store_prefetch_takes_the_lock_a_chunk_at_a_time() -> None:
    """Regression: the prefetch of a cold block held the store's lock over all its chunks,
    so submissions (their spent-hash lookups take the same lock) stalled for the whole
    read at a million accounts, and blocks came out half as large."""
    store = SqliteStore(None)
    store._cold_reads = 1
    lock = _CountingLock(store._lock)
    store._lock = lock  # type: ignore[assignment]
    keys = [b"absent/" + i.to_bytes(4, "big") for i in range(1_200)]
    store.prefetch(keys)
    assert lock.taken == 3  # 500 + 500 + 200 keys
    assert all(store._cache[key] is None for key in keys)
