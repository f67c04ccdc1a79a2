"""What a block's random state-row writes cost in SQLite as the table grows, and what the
alternatives give: the measurement behind docs/performance.md's "where 1.25 x stands".

    python benchmarks/bench_state_rows.py [--rows 2000000] [--block 10000] [--blocks 20]

A table shaped like the store's ``state`` (``WITHOUT ROWID``, 35-byte keys spread as
hashed addresses spread them, 40-byte values) is filled with ``--rows`` rows; then blocks of
``--block`` random keys (sorted, as the store writes them) are upserted, one transaction a
block, and the CPU time a row is printed for each variant: the store's settings (WAL,
``synchronous=FULL``, 64 MiB page cache), without the fsync, without a journal at all (what
the B-tree alone costs), a larger cache, memory-mapped I/O, and other page sizes. Random
point reads are timed too. If ``rocksdict`` (RocksDB) is importable, the same blocks as
synced write batches (it is not a dependency: ``pip install rocksdict`` to compare).
Each variant runs on a fresh copy of the filled database, in a scratch directory.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_VALUE_BYTES = 40


def _key(index: int) -> bytes:
    return b"assets/bal/" + hashlib.sha256(index.to_bytes(8, "big")).digest()[:20] + b"/USD"


def _connect(path: Path, pragmas: dict[str, str]) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    for name, value in pragmas.items():
        connection.execute(f"PRAGMA {name}={value}")
    return connection


def _fill(path: Path, rows: int, page_size: int) -> None:
    connection = _connect(path, {"page_size": str(page_size), "journal_mode": "WAL"})
    connection.execute(
        "CREATE TABLE state (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID"
    )
    connection.execute("BEGIN")
    for start in range(0, rows, 100_000):
        connection.executemany(
            "INSERT INTO state VALUES (?, ?)",
            [(_key(i), os.urandom(_VALUE_BYTES)) for i in range(start, min(rows, start + 100_000))],
        )
    connection.execute("COMMIT")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def _blocks(rows: int, block: int, count: int, seed: int) -> list[list[tuple[bytes, bytes]]]:
    rng = random.Random(seed)
    return [
        sorted((_key(rng.randrange(rows)), os.urandom(_VALUE_BYTES)) for _ in range(block))
        for _ in range(count)
    ]


def _cpu_per_row(blocks: list[list[tuple[bytes, bytes]]], run: Callable[[list], None]) -> float:
    started = time.process_time()
    for rows in blocks:
        run(rows)
    return (time.process_time() - started) / sum(len(rows) for rows in blocks) * 1e6


def _sqlite_variant(
    source: Path, scratch: Path, pragmas: dict[str, str], warm: list, blocks: list
) -> tuple[float, float]:
    path = scratch / "variant.sqlite"
    shutil.copy(source, path)
    connection = _connect(path, pragmas)

    def write(rows: list[tuple[bytes, bytes]]) -> None:
        connection.execute("BEGIN")
        connection.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", rows)
        connection.execute("COMMIT")

    def read(rows: list[tuple[bytes, bytes]]) -> None:
        for key, _ in rows:
            connection.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()

    for rows in warm:
        write(rows)
    reads = _cpu_per_row(blocks, read)
    writes = _cpu_per_row(blocks, write)
    connection.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return writes, reads


def _rocksdb(rows: int, scratch: Path, warm: list, blocks: list) -> tuple[float, float] | None:
    try:
        from rocksdict import Options, Rdict, WriteBatch, WriteOptions  # type: ignore[import-not-found]
    except ImportError:
        return None
    options = Options(raw_mode=True)
    options.create_if_missing(True)
    database = Rdict(str(scratch / "rocks"), options)
    for start in range(0, rows, 100_000):
        batch = WriteBatch(raw_mode=True)
        for i in range(start, min(rows, start + 100_000)):
            batch.put(_key(i), os.urandom(_VALUE_BYTES))
        database.write(batch)
    database.flush()
    database.compact_range(None, None)
    synced = WriteOptions()
    synced.sync = True

    def write(rows: list[tuple[bytes, bytes]]) -> None:
        batch = WriteBatch(raw_mode=True)
        for key, value in rows:
            batch.put(key, value)
        database.write(batch, synced)

    def read(rows: list[tuple[bytes, bytes]]) -> None:
        database.get([key for key, _ in rows])

    for rows in warm:
        write(rows)
    reads = _cpu_per_row(blocks, read)
    # process_time counts RocksDB's background threads (flushes, compactions) too.
    writes = _cpu_per_row(blocks, write)
    database.close()
    return writes, reads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--block", type=int, default=10_000)
    parser.add_argument("--blocks", type=int, default=20)
    args = parser.parse_args()
    store = {"journal_mode": "WAL", "wal_autocheckpoint": "16384", "synchronous": "FULL"}
    store |= {"cache_size": "-65536"}
    variants: list[tuple[str, int, dict[str, str]]] = [
        ("the store's settings", 4096, store),
        ("without the fsync (synchronous=OFF)", 4096, store | {"synchronous": "OFF"}),
        (
            "no journal at all (the B-tree alone)",
            4096,
            {"journal_mode": "OFF", "synchronous": "OFF", "cache_size": "-65536"},
        ),
        ("256 MiB page cache", 4096, store | {"cache_size": "-262144"}),
        ("memory-mapped (mmap_size 2 GB)", 4096, store | {"mmap_size": "2000000000"}),
        ("2 KiB pages", 2048, store),
        ("16 KiB pages", 16384, store),
    ]
    warm = _blocks(args.rows, args.block, 3, seed=1)
    blocks = _blocks(args.rows, args.block, args.blocks, seed=2)
    print(
        f"{args.rows:,} rows, blocks of {args.block:,} random keys, {args.blocks} blocks: "
        "CPU µs a row"
    )
    with tempfile.TemporaryDirectory(prefix="bench-state-rows-") as directory:
        scratch = Path(directory)
        filled: dict[int, Path] = {}
        for name, page_size, pragmas in variants:
            if page_size not in filled:
                filled[page_size] = scratch / f"filled-{page_size}.sqlite"
                _fill(filled[page_size], args.rows, page_size)
            writes, reads = _sqlite_variant(filled[page_size], scratch, pragmas, warm, blocks)
            print(f"  SQLite, {name:40} write {writes:5.1f}   read {reads:5.1f}")
        rocks = _rocksdb(args.rows, scratch, warm, blocks)
        if rocks is None:
            print("  RocksDB: rocksdict is not installed (pip install rocksdict), not measured")
        else:
            print(
                f"  RocksDB (rocksdict), synced batches{'':19} write {rocks[0]:5.1f}   "
                f"read {rocks[1]:5.1f}"
            )


if __name__ == "__main__":
    main()
