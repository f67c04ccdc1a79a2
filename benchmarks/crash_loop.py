"""kill -9 under load, many times: the long form of tests/node/test_crash.py.

Starts a node process (``python -m originledger.server``, its indexer included) on a fresh
home with funded benchmark accounts, then ``--rounds`` times loads it with transfers and
SIGKILLs it at a random moment; finally restarts it and checks that every transaction it
answered "committed" has its receipt, that ``origin verify-chain`` replays to the
committed state root, and that the index caught up equal to the ledger. Prints what it
did and exits 1 on any loss.

    python benchmarks/crash_loop.py --rounds 20 --seed 7
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.node

from originledger.bench.accounts import bench_public_keys, write_funded_genesis
from originledger.node.home import init_home
from tests.node.conftest import ACCOUNTS, NodeProcess, free_port
from tests.node.test_crash import check_nothing_lost, kill_under_load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="how many kill -9 (10)")
    parser.add_argument("--seed", type=int, default=1, help="where the kills fall (1)")
    parser.add_argument("--per-round", type=int, default=2_000, help="transfers offered a round")
    parser.add_argument("--keep", action="store_true", help="keep the node's home")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="origin-crash-loop-"))
    home = root / "home"
    keys = bench_public_keys(ACCOUNTS)
    init_home(home, chain_id="origin-bench", block_interval_ms=50)
    write_funded_genesis(home, keys)
    node = NodeProcess(home, free_port())
    started = time.monotonic()
    try:
        committed = kill_under_load(
            node, keys, args.rounds, seed=args.seed, per_round=args.per_round
        )
        height = check_nothing_lost(node, keys, committed)
    except AssertionError as error:
        print(f"LOSS after {args.rounds} kills (seed {args.seed}): {error}")
        print(f"the node's home is kept in {home}")
        return 1
    finally:
        node.stop()
    elapsed = time.monotonic() - started
    print(
        f"OK: {args.rounds} kills (seed {args.seed}) in {elapsed:.0f} s; "
        f"{len(committed)} transactions reported committed, all with receipts; "
        f"height {height}, the replay gives the committed state root, the index equals "
        "the ledger"
    )
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
