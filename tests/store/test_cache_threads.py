"""The store's value cache is shared by the driver's thread and the API's and submissions'
(``read_with_proofs``, admission checks): on a free-threaded build, a thread that iterates
it (eviction) while another inserts raises, and a commit must not let a reader under the
lock see the new rows with the old cache or height. So every change of the cache, and the
commit's update of the cache and of ``chain_meta``, happen under the store's lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from originledger.app import BlockOutcome
from originledger.core.block import BlockHeader
from originledger.core.merkle import list_root
from originledger.store import SqliteStore


class _LockCheckedCache(dict[bytes, bytes | None]):
    """Counts the changes made without the store's lock held."""

    def __init__(self, store: SqliteStore) -> None:
        super().__init__()
        self.store = store
        self.unlocked = 0

    def _check(self) -> None:
        self.unlocked += not self.store._lock._is_owned()  # type: ignore[attr-defined]

    def __setitem__(self, key: bytes, value: bytes | None) -> None:
        self._check()
        super().__setitem__(key, value)

    def __delitem__(self, key: bytes) -> None:
        self._check()
        super().__delitem__(key)


def _header(height: int, root: bytes) -> BlockHeader:
    empty = list_root([])
    return BlockHeader("test", height, height, bytes(32), empty, empty, root, 0, b"")


def _commit(store: SqliteStore, height: int, writes: dict[bytes, bytes | None]) -> None:
    pending: Any = store.prepare_root(writes)
    outcome = BlockOutcome(_header(height, pending.root_hash), [], [], writes, pending)
    if height == 0:
        store.commit_genesis(b"{}", outcome)
    else:
        store.commit_block(outcome, [])


def test_the_cache_changes_under_the_lock_only(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ledger.sqlite", cache_entries_max=8)
    keys = [b"key-%d" % index for index in range(40)]
    _commit(store, 0, {key: b"0" for key in keys})
    cache = _LockCheckedCache(store)
    store._cache = cache
    for key in keys[:20]:  # misses, and evictions
        assert store.get(key) == b"0"
    store._cold_reads = 1
    store.prefetch(keys[10:])  # evicts, then fills
    assert store.get(keys[-1]) == b"0"
    _commit(store, 1, {key: b"1" for key in keys})
    assert store.get(keys[-1]) == b"1"
    assert store.chain_meta() is not None and store.chain_meta().height == 1  # type: ignore[union-attr]
    assert cache.unlocked == 0
    store.close()
