"""``origin sim``: the seeded swarm simulator (``originledger/testing``, docs/simulator.md)."""

from __future__ import annotations

import argparse
from typing import Annotated

import typer

__all__ = ["sim"]


def sim(
    seed: Annotated[int, typer.Option("--seed", help="The (first) seed.")] = 1,
    blocks: Annotated[int, typer.Option("--blocks", min=1, help="Blocks per seed.")] = 40,
    seeds: Annotated[
        int | None, typer.Option("--seeds", min=1, help="How many consecutive seeds (default 1).")
    ] = None,
    seconds: Annotated[
        float | None,
        typer.Option("--seconds", help="Run consecutive seeds from --seed for this long."),
    ] = None,
    txs_per_block: Annotated[
        int, typer.Option("--txs-per-block", min=0, help="Most transactions in a block.")
    ] = 12,
    module: Annotated[
        list[str] | None,
        typer.Option("--module", metavar="PACKAGE.MODULE:ATTRIBUTE", help="Add a module."),
    ] = None,
    focus: Annotated[
        list[str] | None,
        typer.Option("--focus", metavar="PREFIX", help="Favour message types with this prefix."),
    ] = None,
    exclude_known_bugs: Annotated[
        bool, typer.Option("--exclude-known-bugs", help="Steer around the known bugs.")
    ] = False,
    fees: Annotated[
        bool, typer.Option("--fees", help="A world whose chain charges transaction fees.")
    ] = False,
    no_drivers: Annotated[
        bool, typer.Option("--no-drivers", help="Skip the ABCI and embedded replays.")
    ] = False,
    no_hash_seeds: Annotated[
        bool, typer.Option("--no-hash-seeds", help="Skip the PYTHONHASHSEED replays.")
    ] = False,
    python: Annotated[
        list[str] | None,
        typer.Option("--python", metavar="PATH", help="Also replay under this Python."),
    ] = None,
    no_shrink: Annotated[bool, typer.Option("--no-shrink", help="Do not shrink.")] = False,
    shrink_seconds: Annotated[float, typer.Option("--shrink-seconds")] = 60.0,
    quiet: Annotated[bool, typer.Option("--quiet", help="No line per seed.")] = False,
) -> None:
    """Run the deterministic simulator: random blocks of every message type from a seed,
    checked after every block and replayed; exit 1 with a shrunk reproduction on failure."""
    from originledger.testing.sim import run

    arguments = argparse.Namespace(
        seed=seed,
        blocks=blocks,
        seeds=seeds,
        seconds=seconds,
        txs_per_block=txs_per_block,
        module=module or [],
        focus=focus or [],
        python=python or [],
        exclude_known_bugs=exclude_known_bugs,
        fees=fees,
        no_drivers=no_drivers,
        no_hash_seeds=no_hash_seeds,
        no_shrink=no_shrink,
        shrink_seconds=shrink_seconds,
        quiet=quiet,
    )
    raise typer.Exit(run(arguments))
