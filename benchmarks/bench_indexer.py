"""Benchmark of the indexer: how many transfers a second it indexes into SQLite.

Builds a ledger of ``--blocks`` blocks of ``--per-block`` transfers between 64 funded
accounts with an embedded node (no indexer), then times one indexer catching up from
genesis into a fresh SQLite file, ``--runs`` times (a fresh index each run), and prints
the best and median rates, by the wall clock and per CPU second of the process (steadier
on a shared machine).

    python benchmarks/bench_indexer.py --blocks 10 --per-block 2000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from originledger.bench.accounts import bench_public_keys, fund_accounts, sign_transfers
from originledger.core.crypto import SigningKey
from originledger.genesis import GenesisBuilder
from originledger.indexer import Indexer, StoreSource, open_engine
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.store.sqlite import SqliteStore

ACCOUNTS = 64
VALIDATOR = SigningKey(bytes(range(3, 35)))


def _genesis(public_keys: list[bytes]) -> bytes:
    genesis = GenesisBuilder("origin-bench", genesis_time_ms=1_000).validator(VALIDATOR.public_key)
    return fund_accounts(genesis, public_keys, register=False).build()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--per-block", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    keys = bench_public_keys(ACCOUNTS)
    root = Path(tempfile.mkdtemp(prefix="origin-bench-indexer-"))
    try:
        store = SqliteStore(root / "ledger.sqlite")
        node = EmbeddedNode(store, _genesis(keys), VALIDATOR, NodeSettings(block_interval_ms=10))
        total = args.blocks * args.per_block
        raws = sign_transfers(keys, 0, total, time.time_ns() // 1_000_000 + 3_600_000)
        for start in range(0, total, args.per_block):
            node.submit(raws[start : start + args.per_block])
            node.produce_block()
        rates: list[float] = []
        cpu_rates: list[float] = []
        for run in range(args.runs):
            engine = open_engine(f"sqlite:///{root / f'index-{run}.sqlite'}")
            indexer = Indexer(engine, StoreSource(store, node.app.registry))
            started, cpu_started = time.perf_counter(), time.process_time()
            indexer.catch_up()
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            engine.dispose()
            rates.append(total / elapsed)
            cpu_rates.append(total / cpu)
            print(
                f"run {run + 1}: {total} transfers in {elapsed:.2f} s ({cpu:.2f} CPU s), "
                f"{total / elapsed:,.0f}/s ({total / cpu:,.0f} per CPU second)"
            )
        print(
            f"best {max(rates):,.0f}/s, median {statistics.median(rates):,.0f}/s; "
            f"per CPU second best {max(cpu_rates):,.0f}, median {statistics.median(cpu_rates):,.0f}"
        )
        node.stop()
        store.close()

    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
