"""Benchmark of the state tree: block updates, root computation, proofs, memory.

Grows a tree on an SQLite file to each size in turn (10k, 100k, 1M leaves, up to
``--leaves``), then at each size times blocks of ``--block-writes`` leaf writes:

- ``update``: every write gives an existing key a new value (a block of transfers);
- ``warm``: the keys of the ``update`` blocks again, every node they touch in memory (the
  tree's own cost a key, without reads from disk);
- ``mixed``: 80 % updates, 10 % new keys, 10 % deletions of existing keys.

For each, ``prepare`` (computing the new root: "root ms"), ``apply`` with the save of the
changed nodes when one is due ("apply ms": every block by default, every
``--save-every-keys`` written keys as the node does) and the SQLite commit are timed
apart; "writes/s" divides the block's writes by the three together (medians; "mean ms"
is the mean total, which counts a periodic save in full). Then it reports the encoded
size of proofs and the peak memory of the process (``ru_maxrss``).

    python benchmarks/bench_tree.py --leaves 1000000
    python benchmarks/bench_tree.py --leaves 1000000 --save-every-keys 65536  # as the node
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from originledger.core.codec import encode
from originledger.core.state_proof import verify_state_proof
from originledger.store.tree import StateTree

SIZES_LEAVES = (10_000, 100_000, 1_000_000)
BUILD_BATCH_LEAVES = 100_000


def _key(index: int) -> bytes:
    return b"accounts/balance/" + index.to_bytes(8, "big")


def _value(rng: random.Random) -> bytes:
    return rng.getrandbits(128).to_bytes(16, "big")


def _peak_memory_mib() -> float:
    """The process's peak resident memory (``ru_maxrss``: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _cached_nodes(tree: StateTree) -> int:
    return len(tree._pinned) + len(tree._cache)  # benchmark only: private counters


def _connect(path: Path, args: argparse.Namespace) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA page_size={args.page_size}")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={args.synchronous}")
    connection.execute(f"PRAGMA cache_size=-{args.sqlite_cache_mib * 1024}")
    connection.execute(f"PRAGMA wal_autocheckpoint={args.wal_autocheckpoint}")
    return connection


class Bench:
    def __init__(
        self, connection: sqlite3.Connection, cache_nodes_max: int, seed: int, save_keys: int
    ) -> None:
        self.connection = connection
        self.tree = StateTree(connection, cache_nodes_max=cache_nodes_max)
        self.save_keys = save_keys
        self.unsaved_keys = 0
        self.rng = random.Random(seed)
        self.live: list[int] = []  # indexes of the keys present
        self.next_index = 0

    def commit(self, writes: dict[bytes, bytes | None]) -> tuple[float, float, float]:
        started = time.perf_counter()
        update = self.tree.prepare(writes)
        prepared = time.perf_counter()
        self.connection.execute("BEGIN IMMEDIATE")
        self.tree.apply(update)
        self.unsaved_keys += len(writes)
        if self.unsaved_keys >= self.save_keys:
            self.tree.save()
            self.unsaved_keys = 0
        applied = time.perf_counter()
        self.connection.execute("COMMIT")
        committed = time.perf_counter()
        return prepared - started, applied - prepared, committed - applied

    def grow(self, leaves: int) -> float:
        started = time.perf_counter()
        while len(self.live) < leaves:
            count = min(BUILD_BATCH_LEAVES, leaves - len(self.live))
            indexes = range(self.next_index, self.next_index + count)
            self.commit({_key(index): _value(self.rng) for index in indexes})
            self.live.extend(indexes)
            self.next_index += count
        return time.perf_counter() - started

    def block(self, writes_count: int, mixed: bool) -> dict[bytes, bytes | None]:
        rng = self.rng
        writes: dict[bytes, bytes | None] = {}
        if not mixed:
            for index in rng.sample(self.live, writes_count):
                writes[_key(index)] = _value(rng)
            return writes
        tenth = writes_count // 10
        chosen = rng.sample(range(len(self.live)), writes_count - tenth)
        for position in chosen[:tenth]:
            writes[_key(self.live[position])] = None
        for position in chosen[tenth:]:
            writes[_key(self.live[position])] = _value(rng)
        for position in sorted(chosen[:tenth], reverse=True):
            self.live[position] = self.live[-1]
            self.live.pop()
        for index in range(self.next_index, self.next_index + tenth):
            writes[_key(index)] = _value(rng)
            self.live.append(index)
        self.next_index += tenth
        return writes


def _milliseconds(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f}"


def run(args: argparse.Namespace) -> None:
    sizes = [size for size in SIZES_LEAVES if size <= args.leaves]
    if not sizes or sizes[-1] != args.leaves:
        sizes.append(args.leaves)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(args.database or Path(directory) / "tree.sqlite")
        connection = _connect(path, args)
        bench = Bench(connection, args.cache_nodes, args.seed, args.save_every_keys)
        print(
            f"state tree: blocks of {args.block_writes} writes, median of {args.blocks} blocks, "
            f"cache_nodes_max={args.cache_nodes}, saved every {args.save_every_keys} keys; "
            f"SQLite WAL, synchronous={args.synchronous}, "
            f"page_size={args.page_size}, cache {args.sqlite_cache_mib} MiB, "
            f"wal_autocheckpoint={args.wal_autocheckpoint}"
        )
        print(
            f"{'leaves':>9} {'block':>6} {'root ms':>10} {'apply ms':>8} {'commit ms':>9}"
            f" {'total ms':>8} {'mean ms':>8} {'writes/s':>9} {'cached':>8} {'peak MiB':>8}"
        )
        for size in sizes:
            build_s = bench.grow(size)
            print(f"# grew to {size} leaves in {build_s:.1f} s", flush=True)
            for mode in ("update", "warm", "mixed"):
                mixed = mode == "mixed"
                if mode != "warm":
                    for _ in range(args.warmup_blocks):
                        bench.commit(bench.block(args.block_writes, mixed))
                    blocks = [bench.block(args.block_writes, mixed) for _ in range(args.blocks)]
                else:  # the update blocks' keys again, with new values
                    blocks = [{key: _value(bench.rng) for key in block} for block in blocks]
                timings = [bench.commit(block) for block in blocks]
                prepare = [timing[0] for timing in timings]
                apply = [timing[1] for timing in timings]
                commit = [timing[2] for timing in timings]
                total = [sum(timing) for timing in timings]
                rate = args.block_writes / statistics.median(total)
                print(
                    f"{len(bench.live):>9} {mode:>6}"
                    f" {_milliseconds(prepare):>10} {_milliseconds(apply):>8}"
                    f" {_milliseconds(commit):>9} {_milliseconds(total):>8}"
                    f" {statistics.mean(total) * 1000:>8.1f} {rate:>9.0f}"
                    f" {_cached_nodes(bench.tree):>8} {_peak_memory_mib():>8.0f}",
                    flush=True,
                )
            _report_proofs(bench, args.proofs)
        size_bytes = path.stat().st_size + Path(f"{path}-wal").stat().st_size
        print(f"# database file and WAL: {size_bytes / 2**20:.0f} MiB")
        connection.close()


def _report_proofs(bench: Bench, count: int) -> None:
    tree = bench.tree
    root = tree.root_hash()
    rng = bench.rng
    values: dict[bytes, bytes] = {}
    # The benchmark does not keep values: learn them by writing known ones.
    for index in rng.sample(bench.live, count):
        values[_key(index)] = _value(rng)
    bench.commit(dict(values))
    root = tree.root_hash()
    member_sizes: list[int] = []
    absent_sizes: list[int] = []
    started = time.perf_counter()
    for key, value in values.items():
        member_sizes.append(len(encode(tree.prove(key, value))))
    for index in range(count):
        absent_sizes.append(len(encode(tree.prove(b"absent/" + index.to_bytes(8, "big"), None))))
    proving_s = time.perf_counter() - started
    proofs = [tree.prove(key, value) for key, value in list(values.items())[:100]]
    started = time.perf_counter()
    verified = all(verify_state_proof(root, proof) for proof in proofs)
    verify_s = (time.perf_counter() - started) / len(proofs)
    print(
        f"# proofs: membership {statistics.mean(member_sizes):.0f} B mean "
        f"(max {max(member_sizes)}), non-membership {statistics.mean(absent_sizes):.0f} B mean; "
        f"prove {proving_s / (2 * count) * 1e6:.0f} us, verify {verify_s * 1e6:.0f} us"
        f"{'' if verified else '  VERIFICATION FAILED'}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000, help="largest tree size")
    parser.add_argument("--block-writes", type=int, default=10_000)
    parser.add_argument("--blocks", type=int, default=5, help="timed blocks per size")
    parser.add_argument("--warmup-blocks", type=int, default=2)
    parser.add_argument("--cache-nodes", type=int, default=200_000, help="cache_nodes_max")
    parser.add_argument("--proofs", type=int, default=1000, help="proofs sampled per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=4096, help="SQLite page_size")
    parser.add_argument("--synchronous", default="NORMAL", choices=["OFF", "NORMAL", "FULL"])
    parser.add_argument("--sqlite-cache-mib", type=int, default=64, help="SQLite cache_size")
    parser.add_argument(
        "--wal-autocheckpoint", type=int, default=1000, help="pages; 0: never checkpoint"
    )
    parser.add_argument(
        "--save-every-keys",
        type=int,
        default=1,
        help="save the changed nodes once this many keys were written (1: every block)",
    )
    parser.add_argument("--database", help="SQLite file (default: a temporary one)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
