"""The simulator's command line: ``python3 -m originledger.testing.sim`` (and ``origin sim``).

Runs one seed, a number of consecutive seeds, or consecutive seeds for a time budget, and
prints what ran (seeds, blocks, transactions, messages by type with their outcomes) and
every distinct failure with its shrunk reproduction. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from originledger.testing.engine import SimConfig, run_reproduction, run_seeds

__all__ = ["add_arguments", "main", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=1, help="the (first) seed (default 1)")
    parser.add_argument("--blocks", type=int, default=40, help="blocks per seed (default 40)")
    parser.add_argument(
        "--seeds", type=int, default=None, help="how many consecutive seeds (default 1)"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="run consecutive seeds from --seed until this many seconds have passed",
    )
    parser.add_argument("--txs-per-block", type=int, default=12, help="most txs in a block")
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        metavar="PACKAGE.MODULE:ATTRIBUTE",
        help="add a module (a test-only one) to the registry",
    )
    parser.add_argument(
        "--focus",
        action="append",
        default=[],
        metavar="PREFIX",
        help="message types whose tag starts with PREFIX: always on, ten times the weight",
    )
    parser.add_argument(
        "--exclude-known-bugs",
        action="store_true",
        help="steer around the known bugs (originledger/testing/exclusions.py)",
    )
    parser.add_argument(
        "--fees", action="store_true", help="a world whose chain charges transaction fees"
    )
    parser.add_argument("--no-drivers", action="store_true", help="skip the ABCI/embedded replays")
    parser.add_argument("--no-hash-seeds", action="store_true", help="skip subprocess replays")
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="PATH",
        help="also replay under this Python (another Unicode version shows text-rule forks)",
    )
    parser.add_argument("--no-shrink", action="store_true", help="report failures unshrunk")
    parser.add_argument("--shrink-seconds", type=float, default=60.0)
    parser.add_argument("--quiet", action="store_true", help="no line per seed")
    parser.add_argument(
        "--reproduction",
        metavar="FILE",
        default=None,
        help="execute a printed reproduction (its JSON) again instead of drawing blocks",
    )


def run(arguments: argparse.Namespace) -> int:
    config = SimConfig(
        seed=arguments.seed,
        blocks=arguments.blocks,
        txs_per_block_max=arguments.txs_per_block,
        extra_modules=tuple(arguments.module),
        focus=tuple(getattr(arguments, "focus", None) or ()),
        interpreters=tuple(getattr(arguments, "python", None) or ()),
        exclude_known_bugs=arguments.exclude_known_bugs,
        drivers=not arguments.no_drivers,
        hash_seeds=() if arguments.no_hash_seeds else SimConfig(0).hash_seeds,
        shrink=not arguments.no_shrink,
        shrink_seconds=arguments.shrink_seconds,
        fees=bool(getattr(arguments, "fees", False)),
    )
    seeds = None
    if arguments.seconds is None:
        count = arguments.seeds or 1
        seeds = list(range(arguments.seed, arguments.seed + count))

    def progress(line: str) -> None:
        if not arguments.quiet:
            print(line, file=sys.stderr, flush=True)

    if getattr(arguments, "reproduction", None):
        document = json.loads(Path(arguments.reproduction).read_text())
        result = run_reproduction(config, document)
        print(result.finding.describe() if result.finding else "no failure")
        return 1 if result.finding else 0
    report = run_seeds(config, seeds, arguments.seconds, progress)
    print(report.render())
    return 1 if report.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m originledger.testing.sim",
        description="Seeded swarm simulation of the ledger (docs/simulator.md).",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
