"""``origin net``: a network of validators on CometBFT, on this machine (docs/network.md).

origin net setup                           build the pinned CometBFT, generate ABCI classes
origin net up --validators 4 --dir DIR     create (first time) and start the network
origin net status --dir DIR                heights, app hashes, peers
origin net down --dir DIR                  stop exactly the processes `up` recorded
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from originledger.cli.command import OriginTyper
from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.options import JsonOption
from originledger.cli.output import Output, counted
from originledger.comet.protos import abci_types
from originledger.comet.tools import COMETBFT_VERSION, ToolchainError, tools_dir
from originledger.node.network import (
    DEFAULT_BASE_PORT,
    DEFAULT_SNAPSHOT_INTERVAL_BLOCKS,
    NetworkError,
    NetworkPlan,
    add_node,
    create_network,
    load_plan,
    network_status,
    recorded_pids,
    start_network,
    start_validator,
    stop_network,
)
from originledger.node.toolchain import check_cometbft, ensure_toolchain

__all__ = ["net_app"]

net_app = OriginTyper(help="A network of validators on CometBFT, on this machine.")

Function = TypeVar("Function", bound=Callable[..., Any])

DirOption = Annotated[
    Path, typer.Option("--dir", help="The network's directory (homes, logs, pid files).")
]


def _converts_errors(function: Function) -> Function:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ToolchainError as error:
            raise CliError(ExitCode.SETUP_ERROR, "toolchain", str(error)) from None
        except NetworkError as error:
            raise CliError(ExitCode.NODE_ERROR, "network", str(error)) from None

    return wrapper  # type: ignore[return-value]


@net_app.command("setup")
@_converts_errors
def setup(json_output: JsonOption = False) -> None:
    """Build CometBFT v0.38.25 with Go and generate the ABCI classes (idempotent)."""
    out = Output(json_output)
    with out.progress("checking the toolchain") as bar:

        def log(line: str) -> None:
            bar.describe(line)
            out.say(f"… {line}")

        path = ensure_toolchain(log)
        abci_types()
    out.result(
        {"cometbft": str(path), "version": COMETBFT_VERSION, "tools": str(tools_dir())},
        f"[green]✔[/] CometBFT {COMETBFT_VERSION} at {path}; ABCI classes in {tools_dir()}",
    )


@net_app.command("up")
@_converts_errors
def up(
    directory: DirOption,
    validators: Annotated[
        int, typer.Option("--validators", min=1, max=200, help="How many validators.")
    ] = 4,
    chain_id: Annotated[str, typer.Option("--chain-id", help="The chain's id.")] = "origin-net",
    base_port: Annotated[
        int,
        typer.Option("--base-port", help="P2P port; RPC is +1, the API +2 (on each address)."),
    ] = DEFAULT_BASE_PORT,
    block_interval_ms: Annotated[
        int,
        typer.Option("--block-interval-ms", min=1, max=60_000, help="CometBFT timeout_commit."),
    ] = 500,
    timeout_s: Annotated[
        float, typer.Option("--timeout-s", min=1, help="How long to wait for block 1.")
    ] = 60.0,
    snapshot_interval_blocks: Annotated[
        int,
        typer.Option(
            "--snapshot-interval-blocks",
            min=0,
            help="Each app's state-sync snapshots: every N blocks (0: none).",
        ),
    ] = DEFAULT_SNAPSHOT_INTERVAL_BLOCKS,
    index: Annotated[
        bool,
        typer.Option(
            "--index/--no-index",
            help="Each app runs its node's indexer (the explorer's search and history).",
        ),
    ] = True,
    cometbft_events: Annotated[
        bool,
        typer.Option(
            "--cometbft-events",
            help="Hand transactions' events to CometBFT too (its tx indexer, subscribers).",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Create the network in DIR (the first time) and start every validator."""
    check_cometbft()
    abci_types()
    directory = directory.expanduser()
    created = not (directory / "network.json").exists()
    if created:
        create_network(
            directory,
            validators,
            chain_id=chain_id,
            base_port=base_port,
            block_interval_ms=block_interval_ms,
            snapshot_interval_blocks=snapshot_interval_blocks,
            index=index,
            cometbft_events=cometbft_events,
        )
    plan = start_network(directory, timeout_s=timeout_s)
    _report_up(Output(json_output), directory, plan, created=created)


def _report_up(out: Output, directory: Path, plan: NetworkPlan, *, created: bool) -> None:
    """Tell what ``up`` started: each validator's addresses and recorded process ids."""
    pids = recorded_pids(directory)
    table = Table("validator", "api", "rpc", "p2p", "app pid", "cometbft pid", title_justify="left")
    for validator in plan.validators:
        table.add_row(
            validator.name,
            validator.api_url,
            validator.rpc_url,
            f"{validator.host}:{validator.p2p_port}",
            str(pids[validator.name]["app"]),
            str(pids[validator.name]["cometbft"]),
        )
    out.result(
        {
            "dir": str(directory),
            "created": created,
            "chain_id": plan.chain_id,
            "validators": [
                {"name": v.name, "api": v.api_url, "rpc": v.rpc_url, **pids[v.name]}
                for v in plan.validators
            ],
        },
        f"[green]●[/] {counted(len(plan.validators), 'validator')} of chain "
        f"[bold]{plan.chain_id}[/] {'is' if len(plan.validators) == 1 else 'are'} "
        f"committing blocks ({'created' if created else 'restarted'} in {directory})",
        table,
        f"dev keystores (passphrase dev) in {directory / 'keys'}"
        if (directory / "keys").exists()
        else "",
        f"stop with [bold]origin net down --dir {directory}[/]",
    )


@net_app.command("join")
@_converts_errors
def join(
    directory: DirOption,
    state_sync: Annotated[
        bool,
        typer.Option(
            "--state-sync/--block-sync",
            help="Start from a validator's snapshot, or replay every block.",
        ),
    ] = True,
    timeout_s: Annotated[
        float, typer.Option("--timeout-s", min=1, help="How long to wait for the app.")
    ] = 60.0,
    json_output: JsonOption = False,
) -> None:
    """Add a node to the running network in DIR (a new key; a validator once the admin
    gives it power with validators/set_power) and start it."""
    out = Output(json_output)
    directory = directory.expanduser()
    node = add_node(directory, state_sync=state_sync)
    start_validator(directory, node, timeout_s=timeout_s)
    out.result(
        {
            "name": node.name,
            "api": node.api_url,
            "rpc": node.rpc_url,
            "public_key": node.public_key,
            "state_sync": state_sync,
        },
        f"[green]●[/] {node.name} started ({'state sync' if state_sync else 'block sync'}); "
        f"API {node.api_url}, RPC {node.rpc_url}",
        f"its validator key (for validators/set_power): {node.public_key}",
    )


@net_app.command("down")
@_converts_errors
def down(
    directory: DirOption,
    kill: Annotated[bool, typer.Option("--kill", help="SIGKILL instead of SIGTERM.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Stop exactly the processes `net up` started in DIR (recorded in pid files)."""
    out = Output(json_output)
    directory = directory.expanduser()
    load_plan(directory)
    stopped = stop_network(directory, kill=kill)
    out.result(
        {"dir": str(directory), "stopped": stopped},
        f"stopped {counted(len(stopped), 'process', 'processes')}"
        + (f": {', '.join(map(str, stopped))}" if stopped else ""),
    )


@net_app.command("status")
@_converts_errors
def status(directory: DirOption, json_output: JsonOption = False) -> None:
    """Each validator's processes, height, app hash and peers."""
    out = Output(json_output)
    answers = network_status(directory.expanduser())
    table = Table(
        "validator", "running", "height", "app hash", "peers", "catching up", title_justify="left"
    )
    for answer in answers:
        table.add_row(
            answer.name,
            "yes" if answer.running else "no",
            "-" if answer.height is None else str(answer.height),
            "-" if answer.app_hash is None else answer.app_hash[:16],
            "-" if answer.peers is None else str(answer.peers),
            "-" if answer.catching_up is None else ("yes" if answer.catching_up else "no"),
        )
    out.result(
        [
            {
                "name": a.name,
                "rpc": a.rpc,
                "running": a.running,
                "app_pid": a.app_pid,
                "cometbft_pid": a.cometbft_pid,
                "height": a.height,
                "app_hash": a.app_hash,
                "peers": a.peers,
                "catching_up": a.catching_up,
            }
            for a in answers
        ],
        table,
    )
