"""The SQLite store: committed state, the state tree, blocks, transactions and events.

One writer connection, used by the driver's thread for execution reads and for commits;
each block commits in one SQLite transaction (WAL, ``synchronous=FULL``), so a crash at any
moment leaves either the whole block or none of it. API threads read through connections
of their own (WAL gives each read a consistent snapshot); proofs take the writer's lock so
that the value and the tree they are proven against belong to the same height.

The state tree's nodes are saved every ``tree_save_keys`` written keys rather than every
block (a block at a million accounts rewrites as many scattered node rows as it writes
keys, and the blocks between two saves rewrite the top levels again and again); each block
between saves records the keys it wrote in ``tree_unsaved``, in the block's transaction,
and opening the store replays them onto the saved tree and checks the result against the
committed state root.

``SqliteStore(None)`` keeps everything in memory (tests, replays): the same code, with one
connection shared under the lock.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import msgspec

from originledger.app import BlockOutcome, ChainMeta, GenesisSink
from originledger.core.block import BlockHeader, CommitSignature, ResultLeaf, SignedHeader
from originledger.core.codec import decode, encode
from originledger.core.context import Event, StateReader
from originledger.core.crypto import sha256
from originledger.core.tx import SPENT_PREFIX, split_spent_record
from originledger.store.records import EventRow, ProvenValue, StoredBlock, StoredTx
from originledger.store.tree import PendingUpdate, StateTree, StateTreeError

__all__ = ["SqliteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS state (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
    height INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,
    header BLOB NOT NULL,
    signatures BLOB NOT NULL
);
-- Every transaction of every block, in order. A hash may appear more than once (a block
-- may carry a duplicate, or a broken copy); it is *spent* once, by the occurrence that
-- passed the envelope checks (see TxResult.spends_hash), and the unique index says so.
-- Each row is in one index by hash: the spending ones in ``txs_spent``, the others (rare)
-- in ``txs_unspent``. A random-keyed index costs a page written a transaction, so a second
-- one over every row (``txs_by_hash``, dropped) doubled that for no read's benefit.
CREATE TABLE IF NOT EXISTS txs (
    height INTEGER NOT NULL,
    position INTEGER NOT NULL,
    hash BLOB NOT NULL,
    spent INTEGER NOT NULL,
    raw BLOB NOT NULL,
    result_leaf BLOB NOT NULL,
    PRIMARY KEY (height, position)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS txs_spent ON txs (hash) WHERE spent = 1;
CREATE INDEX IF NOT EXISTS txs_unspent ON txs (hash) WHERE spent = 0;
DROP INDEX IF EXISTS txs_by_hash;
-- On a store restored from a snapshot: the hashes of the ``tx/spent/`` state records it
-- restored (core/tx.py), whose transactions are not in ``txs``. With the spending rows of
-- ``txs`` they answer "is this hash spent" (``spent_tx_hashes``).
CREATE TABLE IF NOT EXISTS spent_hashes (hash BLOB PRIMARY KEY) WITHOUT ROWID;
-- The keys each block wrote since the state tree's nodes (tree_nodes) were last saved, by
-- block: opening the store replays them onto the saved tree.
CREATE TABLE IF NOT EXISTS tree_unsaved (height INTEGER PRIMARY KEY, keys BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    height INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    tx_index INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (height, seq)
) WITHOUT ROWID;
"""

_IN_CHUNK_MAX = 500
# 64 MiB of 4 KiB pages: a block of 5,000 transfers at 10,000 accounts writes about 7 MiB.
_WAL_CHECKPOINT_PAGES = 16_384
_WAL_SIZE_LIMIT_BYTES = 2 * _WAL_CHECKPOINT_PAGES * 4_096
_encode_keys = msgspec.msgpack.Encoder().encode
_decode_keys = msgspec.msgpack.Decoder(list[bytes]).decode
T = TypeVar("T")

# CPython's sqlite3 binds int, float, str and bytearray parameters as they are, but looks
# any other type up among the registered adapters first (a tuple built, a dictionary
# missed, two attribute lookups): every key, value, hash and raw transaction is ``bytes``,
# and a block binds about fifteen a transaction. With the identity registered the lookup
# hits at once. Binding is unchanged: ``bytes(b)`` is ``b`` itself, ``int(flag)`` 0 or 1.
# (Adapters are the module's, so this holds for every connection of the process.)
sqlite3.register_adapter(bytes, bytes)
sqlite3.register_adapter(bool, int)


def _write_rows(connection: sqlite3.Connection, writes: Mapping[bytes, bytes | None]) -> None:
    """The state rows of ``writes``: set, or deleted where the value is None."""
    connection.executemany(
        "INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)",
        [(key, value) for key, value in writes.items() if value is not None],
    )
    connection.executemany(
        "DELETE FROM state WHERE key = ?",
        [(key,) for key, value in writes.items() if value is None],
    )


def _select_states(connection: sqlite3.Connection, keys: Sequence[bytes]) -> dict[bytes, bytes]:
    """The stored values of those of ``keys`` that exist, in one query per chunk."""
    found: dict[bytes, bytes] = {}
    for start in range(0, len(keys), _IN_CHUNK_MAX):
        chunk = keys[start : start + _IN_CHUNK_MAX]
        marks = ",".join("?" * len(chunk))
        rows = connection.execute(f"SELECT key, value FROM state WHERE key IN ({marks})", chunk)
        found.update((bytes(key), bytes(value)) for key, value in rows)
    return found


class SqliteStore:
    def __init__(
        self,
        path: str | Path | None,
        *,
        cache_pages_kib: int = 65_536,
        cache_entries_max: int = 500_000,
        tree_save_keys: int = 65_536,
    ) -> None:
        self.path = None if path is None else Path(path)
        target = ":memory:" if self.path is None else str(self.path)
        self._lock = threading.RLock()
        self._cache_pages_kib = cache_pages_kib
        self._writer = self._connect(target)
        self._writer.executescript(_SCHEMA)
        self.tree = StateTree(self._writer)
        self._local = threading.local()
        # The readers' connections, by the thread each belongs to.
        self._readers: dict[threading.Thread, sqlite3.Connection] = {}
        self._meta: ChainMeta | None = None
        # Whether this store committed anything (a store opened only to read another
        # process's ledger, such as ``verify-chain``'s, never writes to it, not even at close).
        self._wrote = False
        # Save the tree's nodes once the blocks since the last save wrote this many keys
        # (counted per block): it bounds both the unsaved nodes held in memory (about 2.6
        # a key at a million accounts) and the replay on opening (about 2 s at 65,536).
        self._tree_save_keys = tree_save_keys
        self._tree_unsaved_keys = 0
        self._replay_tree()
        # Whether ``spent_hashes`` holds anything (a store restored from a snapshot).
        self._restored_spent = (
            self._writer.execute("SELECT 1 FROM spent_hashes LIMIT 1").fetchone() is not None
        )
        # Committed values (and absences) by key, for execution reads. Filled on reads,
        # updated only after a block is durably committed; evicted oldest first.
        self._cache: dict[bytes, bytes | None] = {}
        self._cache_entries_max = cache_entries_max
        # Keys found missing from the cache since the last ``prefetch`` (by it or by
        # ``get``): while none is, prefetching would read nothing (at first none is cached).
        self._cold_reads = 1

    def _connect(self, target: str) -> sqlite3.Connection:
        connection = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        if target != ":memory:":
            connection.execute("PRAGMA journal_mode=WAL")
            # Copy the WAL back into the database every ``_WAL_CHECKPOINT_PAGES`` pages
            # rather than every 1,000 (SQLite's default, less than one block of thousands of
            # transactions): the pages a block rewrites (the state tree's top, hot
            # accounts) are copied once for several blocks. Durability is the WAL's fsync
            # at each commit either way.
            connection.execute(f"PRAGMA wal_autocheckpoint={_WAL_CHECKPOINT_PAGES}")
            # A WAL that once grew large (a genesis import is one transaction) is cut back
            # to this size when a checkpoint lets it start over, rather than kept on disk.
            connection.execute(f"PRAGMA journal_size_limit={_WAL_SIZE_LIMIT_BYTES}")
        # FULL: a commit is on disk (fsync of the WAL) before it returns, so a block
        # reported committed survives power loss.
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(f"PRAGMA cache_size=-{self._cache_pages_kib}")
        connection.execute("PRAGMA temp_store=MEMORY")
        return connection

    def close(self) -> None:
        """Close every connection, the readers' first: the last one to close copies the WAL
        into the database and removes it."""
        with self._lock:
            if self._wrote and self.tree.unsaved_nodes:
                with self._transaction():
                    self._save_tree()
            readers, self._readers = self._readers, {}
            for connection in readers.values():
                connection.close()
            self._writer.close()

    # -- reads for execution (writer connection; driver thread) --------------------------

    def get(self, key: bytes) -> bytes | None:
        # Not only the driver's thread reads through here: API reads (``read_with_proofs``)
        # and submission checks (fees, multisig signers) do too. So the cache changes
        # (insertion, eviction) only under the lock, and a hit is one lookup, not ``in``
        # then ``[]``: without the GIL, another thread's eviction may come in between.
        cache = self._cache
        try:
            return cache[key]
        except KeyError:
            pass
        self._cold_reads += 1  # a hint (see ``prefetch``): a lost update is harmless
        with self._lock:
            row = self._writer.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
            value = None if row is None else bytes(row[0])
            # Under the lock that read it: a block committing meanwhile (under the lock)
            # would otherwise find the key not cached yet, and this stale value would stay.
            if len(cache) >= self._cache_entries_max:
                self._evict()
            cache[key] = value
        return value

    def prefetch(self, keys: Iterable[bytes]) -> None:
        """Read the committed values of ``keys`` not in memory, in key order, in one query
        per chunk, so that execution finds them in the cache. Changes no result: what is
        read is what ``get`` would read. While every key asked for since the last call was
        in memory, ``keys`` is not even iterated (a state that fits in the cache)."""
        if not self._cold_reads:
            return
        cache = self._cache
        missing = sorted({key for key in keys if key not in cache})
        self._cold_reads = len(missing)
        if not missing:
            return
        for start in range(0, len(missing), _IN_CHUNK_MAX):
            # The lock a chunk at a time: submissions' lookups (spent hashes) wait for
            # one chunk, not for a whole cold block's reads. The cache changes under the
            # lock only (see ``get``): room for every missing key is made with the first.
            chunk = missing[start : start + _IN_CHUNK_MAX]
            with self._lock:
                if not start and len(cache) + len(missing) > self._cache_entries_max:
                    self._evict()
                found = _select_states(self._writer, chunk)
                for key in chunk:
                    cache[key] = found.get(key)

    def _evict(self) -> None:
        """Drop the older half of the cache. The caller holds the lock: this iterates the
        cache, which another thread inserting into would break ("dictionary changed size
        during iteration" on a free-threaded build)."""
        cache = self._cache
        for key in list(itertools.islice(cache, len(cache) // 2)):
            del cache[key]

    def _cache_writes(self, writes: Mapping[bytes, bytes | None]) -> None:
        """The committed values of cached keys. The caller holds the lock, from before the
        commit: readers under the lock (``read_with_proofs``, ``get``'s misses) see the
        rows, the tree, the cache and ``_meta`` all of one height, and the cache changes
        under the lock only (see ``get``)."""
        cache = self._cache
        for key, value in writes.items():
            if key in cache:
                cache[key] = value

    def scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        with self._lock:
            rows = self._scan_rows(self._writer, prefix)
        for key, value in rows:
            yield bytes(key), bytes(value)

    @staticmethod
    def _scan_rows(connection: sqlite3.Connection, prefix: bytes) -> list[tuple[bytes, bytes]]:
        upper = _prefix_upper_bound(prefix)
        if upper is None:
            return connection.execute(
                "SELECT key, value FROM state WHERE key >= ? ORDER BY key", (prefix,)
            ).fetchall()
        return connection.execute(
            "SELECT key, value FROM state WHERE key >= ? AND key < ? ORDER BY key", (prefix, upper)
        ).fetchall()

    def prepare_root(self, writes: Mapping[bytes, bytes | None]) -> PendingUpdate:
        with self._lock:
            return self.tree.prepare(writes)

    def spent_tx_hashes(self, hashes: Sequence[bytes]) -> set[bytes]:
        """Which of ``hashes`` spent their hash in a committed block: the transaction table's
        spending occurrences, and on a store restored from a snapshot the hashes of the
        ``tx/spent/`` records it restored (``spent_hashes``). For a transaction not yet
        expired this is exactly "its hash is in an unpruned ``tx/spent/`` record": a record
        is pruned only once every transaction in it has expired."""
        found: set[bytes] = set()
        with self._lock:
            for start in range(0, len(hashes), _IN_CHUNK_MAX):
                chunk = hashes[start : start + _IN_CHUNK_MAX]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT hash FROM txs WHERE spent = 1 AND hash IN ({marks})"
                if self._restored_spent:
                    query += f" UNION ALL SELECT hash FROM spent_hashes WHERE hash IN ({marks})"
                    chunk = [*chunk, *chunk]
                rows = self._writer.execute(query, chunk)
                found.update(bytes(row[0]) for row in rows)
        return found

    def scan_range(self, start: bytes, end: bytes, limit: int) -> list[tuple[bytes, bytes]]:
        """Committed rows with ``start <= key < end``, in key order, at most ``limit``."""
        with self._lock:
            rows = self._writer.execute(
                "SELECT key, value FROM state WHERE key >= ? AND key < ? ORDER BY key LIMIT ?",
                (start, end, limit),
            ).fetchall()
        return [(bytes(key), bytes(value)) for key, value in rows]

    def committed_tx_hashes(self, hashes: Sequence[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        with self._lock:
            for start in range(0, len(hashes), _IN_CHUNK_MAX):
                chunk = hashes[start : start + _IN_CHUNK_MAX]
                marks = ",".join("?" * len(chunk))
                rows = self._writer.execute(
                    f"SELECT hash FROM txs WHERE spent = 1 AND hash IN ({marks})", chunk
                )
                found.update(bytes(row[0]) for row in rows)
        return found

    def chain_meta(self) -> ChainMeta | None:
        return self._meta

    def _load_meta(self) -> ChainMeta | None:
        row = self._writer.execute("SELECT value FROM meta WHERE name = 'chain'").fetchone()
        return None if row is None else decode(bytes(row[0]), ChainMeta)

    def genesis(self) -> bytes | None:
        with self._lock:
            row = self._writer.execute("SELECT value FROM meta WHERE name = 'genesis'").fetchone()
        return None if row is None else bytes(row[0])

    # -- commits --------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            connection = self._writer
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                self.tree.discard_cache()
                self._replay_tree()
                raise
            connection.execute("COMMIT")
            self._wrote = True

    def _replay_tree(self) -> None:
        """Read the committed chain position and bring the tree from its last save to it:
        the committed values of the keys written since (``tree_unsaved``), applied in
        memory, must give the committed state root, or the store is corrupt and this
        raises. All of it in one read transaction: another process may be committing
        blocks to the same database (a ``verify-chain`` beside a running node)."""
        with self._lock:
            connection = self._writer
            connection.execute("BEGIN")
            try:
                self._meta = meta = self._load_meta()
                written = connection.execute("SELECT keys FROM tree_unsaved").fetchall()
                self._tree_unsaved_keys = 0
                if not written:
                    return
                keys: set[bytes] = set()
                for (packed,) in written:
                    unpacked = _decode_keys(packed)
                    self._tree_unsaved_keys += len(unpacked)
                    keys.update(unpacked)
                found = _select_states(connection, sorted(keys))
                update = self.tree.prepare({key: found.get(key) for key in keys})
                if meta is None or update.root_hash != meta.app_hash:
                    expected = "no chain" if meta is None else meta.app_hash.hex()
                    raise StateTreeError(
                        f"the saved state tree with the {len(keys)} keys written since gives "
                        f"the root {update.root_hash.hex()}, not the committed state root "
                        f"{expected}"
                    )
                self.tree.apply(update)
            finally:
                connection.execute("COMMIT")

    def _save_tree(self) -> None:
        """Write the tree's unsaved nodes; the keys noted since the last save are then done
        with (inside the caller's transaction)."""
        self.tree.save()
        self._writer.execute("DELETE FROM tree_unsaved")
        self._tree_unsaved_keys = 0

    def _write_state(self, connection: sqlite3.Connection, outcome: BlockOutcome) -> None:
        """The block's state rows, and its tree applied in memory."""
        _write_rows(connection, outcome.writes)
        if not isinstance(outcome.pending_root, PendingUpdate):
            raise TypeError("the block was finalized against another store")
        self.tree.apply(outcome.pending_root)

    def _save_tree_or_note_keys(
        self, connection: sqlite3.Connection, outcome: BlockOutcome
    ) -> None:
        """Save the tree once enough keys were written since the last save, else note the
        block's keys for the replay."""
        writes = outcome.writes
        self._tree_unsaved_keys += len(writes)
        if self._tree_unsaved_keys >= self._tree_save_keys:
            self._save_tree()
        elif writes:
            connection.execute(
                "INSERT INTO tree_unsaved (height, keys) VALUES (?, ?)",
                (outcome.header.height, _encode_keys(list(writes))),
            )

    def _write_events(self, connection: sqlite3.Connection, outcome: BlockOutcome) -> None:
        """The block's events in ``event_records`` order, from the encodings execution made
        (the block's own events are encoded here)."""
        height = outcome.header.height
        seq = itertools.count()
        rows = [
            (height, next(seq), tx.index, data) for tx in outcome.txs for data in tx.event_encodings
        ]
        rows.extend((height, next(seq), -1, encode(event)) for event in outcome.block_events)
        connection.executemany(
            "INSERT INTO events (height, seq, tx_index, data) VALUES (?, ?, ?, ?)", rows
        )

    def _set_meta(self, connection: sqlite3.Connection, meta: ChainMeta) -> None:
        connection.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES ('chain', ?)", (encode(meta),)
        )

    def commit_genesis(self, genesis_raw: bytes, outcome: BlockOutcome) -> None:
        header = outcome.header
        genesis_hash = sha256(genesis_raw)
        meta = ChainMeta(
            header.chain_id,
            genesis_hash,
            header.height,
            genesis_hash,
            header.state_root,
            header.time_ms,
        )
        with self._lock:  # until the cache and ``_meta`` follow (see ``_cache_writes``)
            with self._transaction() as connection:
                if self._load_meta() is not None:
                    raise RuntimeError("the store already holds a chain")
                self._write_state(connection, outcome)
                self._save_tree()
                self._write_events(connection, outcome)
                connection.execute(
                    "INSERT INTO meta (name, value) VALUES ('genesis', ?)", (genesis_raw,)
                )
                self._set_meta(connection, meta)
            self._cache_writes(outcome.writes)
            self._meta = meta

    @contextmanager
    def import_genesis(self, genesis_raw: bytes, height: int) -> Iterator[GenesisSink]:
        """A genesis imported in chunks (``Application.init_chain``), all in one transaction:
        a crash or an error leaves no chain. Its reads bypass the value cache."""
        # A smaller page cache while importing: the chunks' keys are random, so pages are
        # seldom met again, and the transaction spills to the WAL as it grows.
        self._writer.execute(f"PRAGMA cache_size=-{_IMPORT_CACHE_PAGES_KIB}")
        try:
            with self._transaction() as connection:
                if self._load_meta() is not None:
                    raise RuntimeError("the store already holds a chain")
                sink = _GenesisImport(self, connection, genesis_raw, height)
                try:
                    yield sink
                finally:
                    self._cache.clear()
                    self._cold_reads = 1
                if sink.meta is None:
                    raise RuntimeError("the genesis import ended unfinished")
        finally:
            self._writer.execute(f"PRAGMA cache_size=-{self._cache_pages_kib}")
        self._meta = sink.meta
        # The import's WAL holds the whole state (800 MiB at a million accounts): copy it
        # into the database now and empty it, rather than have the first block's commit
        # copy it and every restart until then read it through.
        self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def commit_block(self, outcome: BlockOutcome, signatures: Sequence[CommitSignature]) -> None:
        header = outcome.header
        block_hash = outcome.hash
        current = self._meta
        if current is None or header.height != current.height + 1:
            raise RuntimeError(f"commit of block {header.height} out of order")
        meta = ChainMeta(
            current.chain_id,
            current.genesis_hash,
            header.height,
            block_hash,
            header.state_root,
            header.time_ms,
        )
        # The lock (reentrant) until the cache and ``_meta`` follow the commit: without the
        # GIL a reader waiting for the lock runs as soon as COMMIT releases it, and would
        # see the new rows and tree with the old cache and height (see ``_cache_writes``).
        with self._lock:
            with self._transaction() as connection:
                self._write_state(connection, outcome)
                self._save_tree_or_note_keys(connection, outcome)
                connection.execute(
                    "INSERT INTO blocks (height, hash, header, signatures) VALUES (?, ?, ?, ?)",
                    (header.height, block_hash, encode(header), encode(list(signatures))),
                )
                connection.executemany(
                    "INSERT INTO txs (height, position, hash, spent, raw, result_leaf) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (header.height, tx.index, tx.hash, tx.result.spends_hash, tx.raw, leaf)
                        for tx, leaf in zip(outcome.txs, outcome.result_leaves, strict=True)
                    ],
                )
                self._write_events(connection, outcome)
                self._set_meta(connection, meta)
            self._cache_writes(outcome.writes)
            self._meta = meta

    def add_signatures(self, height: int, signatures: Sequence[CommitSignature]) -> None:
        """Replace a stored block's signatures (a driver that learns them after commit)."""
        with self._transaction() as connection:
            connection.execute(
                "UPDATE blocks SET signatures = ? WHERE height = ?",
                (encode(list(signatures)), height),
            )

    # -- snapshots (state sync) -----------------------------------------------------------

    def snapshot_rows(self, batch_rows: int = 10_000) -> Iterator[list[tuple[bytes, bytes]]]:
        """Every state row in key order, in batches, read under the writer's lock (the
        caller holds the driver's lock too, so no block commits meanwhile)."""
        last: bytes | None = None
        while True:
            with self._lock:
                if last is None:
                    rows = self._writer.execute(
                        "SELECT key, value FROM state ORDER BY key LIMIT ?", (batch_rows,)
                    ).fetchall()
                else:
                    rows = self._writer.execute(
                        "SELECT key, value FROM state WHERE key > ? ORDER BY key LIMIT ?",
                        (last, batch_rows),
                    ).fetchall()
            if not rows:
                return
            yield [(bytes(key), bytes(value)) for key, value in rows]
            last = bytes(rows[-1][0])

    def restore_snapshot(
        self,
        genesis_raw: bytes,
        meta: ChainMeta,
        rows: Mapping[bytes, bytes],
    ) -> None:
        """Fill an empty store from a snapshot: state (with the spent hashes of replay
        protection), tree, genesis and the chain's position, in one transaction. Raises
        (and writes nothing) when the rebuilt state root is not ``meta.app_hash`` or the
        genesis is not ``meta.genesis_hash``'s. The store holds no block or transaction
        before the snapshot's height."""
        if sha256(genesis_raw) != meta.genesis_hash:
            raise ValueError("the snapshot's genesis does not hash to its chain's genesis hash")
        with self._transaction() as connection:
            if self._load_meta() is not None:
                raise RuntimeError("the store already holds a chain")
            connection.executemany(
                "INSERT OR IGNORE INTO spent_hashes (hash) VALUES (?)",
                [
                    (tx_hash,)
                    for key, value in rows.items()
                    if key.startswith(SPENT_PREFIX)
                    for tx_hash in split_spent_record(value)
                ],
            )
            connection.executemany(
                "INSERT INTO state (key, value) VALUES (?, ?)", list(rows.items())
            )
            update = self.tree.prepare(dict(rows))
            if update.root_hash != meta.app_hash:
                raise ValueError(
                    f"the snapshot's state root {update.root_hash.hex()} is not its app hash "
                    f"{meta.app_hash.hex()}"
                )
            self.tree.apply(update)
            self._save_tree()
            _write_blob(connection, "genesis", genesis_raw)
            self._set_meta(connection, meta)
        self._cache.clear()
        self._cold_reads = 1
        self._meta = meta
        self._restored_spent = True

    # -- reads for the API (their own connections) ---------------------------------------

    @contextmanager
    def reader(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading committed data from any thread."""
        if self.path is None:
            with self._lock:
                yield self._writer
            return
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA query_only=ON")
            self._local.connection = connection
            with self._lock:
                # Those of threads that have ended are closed here (nothing else reaches
                # them), so that a pool whose threads come and go holds no more than it has.
                for thread in [thread for thread in self._readers if not thread.is_alive()]:
                    self._readers.pop(thread).close()
                self._readers[threading.current_thread()] = connection
        yield connection

    def read_state(self, key: bytes) -> bytes | None:
        with self.reader() as connection:
            row = connection.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def read_states(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """The committed values of those of ``keys`` that exist, in one query per chunk."""
        with self.reader() as connection:
            return _select_states(connection, keys)

    def read_scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        with self.reader() as connection:
            rows = self._scan_rows(connection, prefix)
        for key, value in rows:
            yield bytes(key), bytes(value)

    def block(self, height: int) -> StoredBlock | None:
        with self.reader() as connection:
            row = connection.execute(
                "SELECT hash, header, signatures FROM blocks WHERE height = ?", (height,)
            ).fetchone()
        if row is None:
            return None
        header = decode(bytes(row[1]), BlockHeader)
        signatures = decode(bytes(row[2]), list[CommitSignature])
        return StoredBlock(height, bytes(row[0]), SignedHeader(header, signatures))

    def latest_height(self) -> int:
        meta = self._meta
        return 0 if meta is None else meta.height

    def tx(self, tx_hash: bytes) -> StoredTx | None:
        """The occurrence of ``tx_hash`` that spent it, else its first occurrence."""
        with self.reader() as connection:
            row = connection.execute(
                "SELECT height, position, raw, result_leaf FROM txs WHERE hash = ? AND spent = 1",
                (tx_hash,),
            ).fetchone()
            if row is None:
                row = connection.execute(
                    "SELECT height, position, raw, result_leaf FROM txs "
                    "WHERE hash = ? AND spent = 0 ORDER BY height, position LIMIT 1",
                    (tx_hash,),
                ).fetchone()
        if row is None:
            return None
        return StoredTx(tx_hash, row[0], row[1], bytes(row[2]), decode(bytes(row[3]), ResultLeaf))

    def block_txs(self, height: int) -> list[StoredTx]:
        with self.reader() as connection:
            rows = connection.execute(
                "SELECT hash, position, raw, result_leaf FROM txs WHERE height = ? "
                "ORDER BY position",
                (height,),
            ).fetchall()
        return [
            StoredTx(bytes(r[0]), height, r[1], bytes(r[2]), decode(bytes(r[3]), ResultLeaf))
            for r in rows
        ]

    def block_tx_leaves(self, height: int) -> tuple[list[bytes], list[bytes]]:
        """The tx hashes and encoded result leaves of a block, in order (for proofs)."""
        with self.reader() as connection:
            rows = connection.execute(
                "SELECT hash, result_leaf FROM txs WHERE height = ? ORDER BY position", (height,)
            ).fetchall()
        return [bytes(r[0]) for r in rows], [bytes(r[1]) for r in rows]

    def tx_events(self, height: int, tx_index: int) -> list[EventRow]:
        with self.reader() as connection:
            rows = connection.execute(
                "SELECT seq, data FROM events WHERE height = ? AND tx_index = ? ORDER BY seq",
                (height, tx_index),
            ).fetchall()
        return [EventRow(height, r[0], tx_index, bytes(r[1])) for r in rows]

    def events_after(self, height: int, seq: int, limit: int) -> list[EventRow]:
        """Events strictly after the cursor ``(height, seq)``, in order, at most ``limit``."""
        with self.reader() as connection:
            rows = connection.execute(
                "SELECT height, seq, tx_index, data FROM events "
                "WHERE (height = ? AND seq > ?) OR height > ? ORDER BY height, seq LIMIT ?",
                (height, seq, height, limit),
            ).fetchall()
        return [EventRow(r[0], r[1], r[2], bytes(r[3])) for r in rows]

    def prove(self, key: bytes) -> ProvenValue:
        """The committed value of ``key`` (or its absence) with a proof, under the lock."""
        with self._lock:
            meta = self._meta
            if meta is None:
                raise RuntimeError("no chain")
            row = self._writer.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
            value = None if row is None else bytes(row[0])
            proof = self.tree.prove(key, value)
            return ProvenValue(key, value, meta.height, proof)

    def read_with_proofs(
        self, reader_function: Callable[[StateReader], T], prove: bool
    ) -> tuple[T, int, list[ProvenValue]]:
        """Run a read over committed state and, with ``prove``, prove every key it read.

        The read and the proofs happen under the writer's lock: all at one height.
        """
        with self._lock:
            meta = self._meta
            if meta is None:
                raise RuntimeError("no chain")
            recorder = _RecordingReader(self)
            result = reader_function(recorder)
            proofs = [self.prove(key) for key in recorder.keys] if prove else []
            return result, meta.height, proofs

    def all_blocks(self, start: int = 1) -> Iterator[tuple[StoredBlock, list[bytes]]]:
        """Every stored block from ``start``, with its transactions (for replays)."""
        height = start
        while True:
            stored = self.block(height)
            if stored is None:
                return
            yield stored, [tx.raw for tx in self.block_txs(height)]
            height += 1


_BLOB_PIECE_BYTES = 1 << 20
# Deep tree nodes kept in memory between chunks of a genesis import (besides the top
# levels): chunks of random keys seldom meet the same deep nodes again.
_IMPORT_TREE_NODES_MAX = 40_000
_IMPORT_CACHE_PAGES_KIB = 16_384


def _write_blob(connection: sqlite3.Connection, name: str, value: bytes) -> None:
    """Insert ``value`` as meta ``name`` a piece at a time: binding it whole would copy it
    (a genesis of a million accounts is over 200 MB)."""
    cursor = connection.execute(
        "INSERT INTO meta (name, value) VALUES (?, zeroblob(?))", (name, len(value))
    )
    with connection.blobopen("meta", "value", cursor.lastrowid or 0) as blob:
        view = memoryview(value)
        for start in range(0, len(value), _BLOB_PIECE_BYTES):
            blob.write(view[start : start + _BLOB_PIECE_BYTES])


class _GenesisImport:
    """``GenesisSink`` of ``SqliteStore.import_genesis``: chunks written into the open
    transaction, the tree updated chunk by chunk, events numbered on."""

    def __init__(
        self, store: SqliteStore, connection: sqlite3.Connection, raw: bytes, height: int
    ) -> None:
        self._store = store
        self._connection = connection
        self._raw = raw
        self._height = height
        self._events = 0
        self.meta: ChainMeta | None = None
        self.chunks = 0

    def get(self, key: bytes) -> bytes | None:
        row = self._connection.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        for key, value in SqliteStore._scan_rows(self._connection, prefix):
            yield bytes(key), bytes(value)

    def write(self, writes: Mapping[bytes, bytes | None], events: Sequence[Event]) -> None:
        if self.meta is not None:
            raise RuntimeError("the genesis import is finished")
        connection = self._connection
        _write_rows(connection, writes)
        tree = self._store.tree
        tree.apply(tree.prepare(writes))
        tree.save()
        tree.trim_cache(_IMPORT_TREE_NODES_MAX)
        first = self._events
        height = self._height
        connection.executemany(
            "INSERT INTO events (height, seq, tx_index, data) VALUES (?, ?, ?, ?)",
            [(height, first + i, -1, encode(event)) for i, event in enumerate(events)],
        )
        self._events += len(events)
        self.chunks += 1

    def root_hash(self) -> bytes:
        return self._store.tree.root_hash()

    def finish(self, header: BlockHeader) -> None:
        genesis_hash = sha256(self._raw)
        meta = ChainMeta(
            header.chain_id,
            genesis_hash,
            header.height,
            genesis_hash,
            header.state_root,
            header.time_ms,
        )
        if header.height != self._height or header.state_root != self.root_hash():
            raise RuntimeError("the genesis header's state root is not the imported tree's")
        _write_blob(self._connection, "genesis", self._raw)
        self._store._set_meta(self._connection, meta)
        self.meta = meta


class _RecordingReader:
    """A committed-state reader that remembers the keys it returned (for proofs)."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self.keys: list[bytes] = []
        self._seen: set[bytes] = set()

    def _note(self, key: bytes) -> None:
        if key not in self._seen:
            self._seen.add(key)
            self.keys.append(key)

    def get(self, key: bytes) -> bytes | None:
        self._note(key)
        return self._store.get(key)

    def scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        for key, value in self._store.scan(prefix):
            self._note(key)
            yield key, value


def _prefix_upper_bound(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with ``prefix``."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1])
