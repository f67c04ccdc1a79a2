"""The ``origin`` command: a thin layer over the SDK and the node (see docs/cli.md)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import typer

from originledger import __version__
from originledger.cli.channels import channel_app
from originledger.cli.clearing import clearing_app
from originledger.cli.command import OriginTyper
from originledger.cli.compliance import compliance_app
from originledger.cli.controls import hold_app
from originledger.cli.escrow import escrow_app
from originledger.cli.home import take_environment_passphrase
from originledger.cli.indexer import indexer_app
from originledger.cli.keys import keys_app
from originledger.cli.net import net_app
from originledger.cli.node import init, start, verify_chain_command
from originledger.cli.options import JsonOption
from originledger.cli.output import Output
from originledger.cli.pay import pay_app
from originledger.cli.query import query_app
from originledger.cli.requests import request_app
from originledger.cli.sim import sim
from originledger.cli.transactions import account_app, asset_app, transfer

__all__ = ["app", "main"]

app = OriginTyper(
    name="origin",
    help="Origin: a verifiable ledger for tokenized money and assets.",
    epilog="Exit codes: 0 ok, 1 refused by the ledger, 2 usage, 3 node or API error, "
    "4 verification failed, 5 not found, 6 local setup (home, keystore, passphrase).",
)
bench_app = OriginTyper(help="Measure a real node.")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"origin {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Origin: a verifiable ledger for tokenized money and assets."""
    take_environment_passphrase()  # no child process inherits $ORIGIN_PASSPHRASE


app.command("init")(init)
app.command("start")(start)
app.command("verify-chain")(verify_chain_command)
app.command("transfer")(transfer)
app.add_typer(keys_app, name="keys")
app.add_typer(asset_app, name="asset")
app.add_typer(account_app, name="account")
app.add_typer(query_app, name="query")
app.add_typer(compliance_app, name="compliance")
app.add_typer(hold_app, name="hold")
app.add_typer(bench_app, name="bench")
app.add_typer(net_app, name="net")
app.add_typer(indexer_app, name="indexer")
app.add_typer(request_app, name="request")
app.add_typer(pay_app, name="pay")
app.add_typer(escrow_app, name="escrow")
app.add_typer(channel_app, name="channel")
app.add_typer(clearing_app, name="clearing")
app.command("sim")(sim)


@app.command("demo")
def demo(
    api: Annotated[
        str, typer.Option("--api", metavar="HOST:PORT", help="Where the demo node's API listens.")
    ] = "127.0.0.1:8700",
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after the demo instead of serving the API.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """A USD stablecoin on a fresh node, end to end, in a temporary home."""
    from originledger.demo import run_demo

    code = run_demo(
        api=api, serve=not no_serve, json_output=json_output, console=Output(json_output).console
    )
    raise typer.Exit(code)


# The long options of ``origin bench transfers``.
_BenchHomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        show_default="a temporary directory",
        help="A scratch home for the benchmark's node: it is OVERWRITTEN.",
    ),
]
_BenchNetworkOption = Annotated[
    Path | None,
    typer.Option(
        "--network",
        help="Run on a local CometBFT network created in this directory (OVERWRITTEN; "
        "needs `origin net setup`), spreading the load over the validators' APIs.",
    ),
]
_BenchValidatorsOption = Annotated[
    int,
    typer.Option("--validators", min=0, help="With --network (or alone): validators (default 4)."),
]
_BenchApiWorkersOption = Annotated[
    int,
    typer.Option(
        "--api-workers",
        min=-1,
        help="Embedded: API worker processes in front of the measured node (0 none, "
        "-1 one per core).",
    ),
]


@bench_app.command("transfers")
def bench_transfers(
    accounts: Annotated[int, typer.Option("--accounts", min=2, help="Funded accounts.")] = 10_000,
    txs: Annotated[int, typer.Option("--txs", min=1, help="Transfers to submit.")] = 100_000,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Transfers per request.")] = 1_000,
    rate: Annotated[
        int,
        typer.Option("--rate", min=0, help="Transfers per second to send; 0 floods the node."),
    ] = 0,
    senders: Annotated[
        int, typer.Option("--senders", min=1, help="Concurrent HTTP clients submitting.")
    ] = 2,
    block_interval_ms: Annotated[
        int, typer.Option("--block-interval-ms", min=1, help="The node's block interval.")
    ] = 200,
    home: _BenchHomeOption = None,
    network: _BenchNetworkOption = None,
    validators: _BenchValidatorsOption = 0,
    api_workers: _BenchApiWorkersOption = 0,
    json_output: JsonOption = False,
) -> None:
    """Signed transfers end to end over HTTP: throughput and submit-to-commit latency.

    With --network or --validators: on a local network of CometBFT validators (finality
    latency; defaults 512 accounts, 8,000 transfers, batches of 250, 100 ms timeout_commit)."""
    if network is not None or validators:
        code = _bench_transfers_on_network(
            network,
            validators,
            json_output,
            accounts=accounts,
            txs=txs,
            batch=batch,
            block_interval_ms=block_interval_ms,
            rate=rate,
        )
        raise typer.Exit(code)
    from originledger.bench import run_transfer_bench

    code = run_transfer_bench(
        accounts=accounts,
        txs=txs,
        batch=batch,
        rate=rate,
        senders=senders,
        block_interval_ms=block_interval_ms,
        home=home,
        api_workers=api_workers,
        json_output=json_output,
        console=Output(json_output).console,
    )
    raise typer.Exit(code)


def _bench_transfers_on_network(
    network: Path | None, validators: int, json_output: bool, **given: int
) -> int:
    """Run ``bench transfers`` on a local CometBFT network; its exit code."""
    from originledger.bench.network import run_network_transfer_bench

    # The network's own defaults apply unless an option differs from the embedded one
    # (the command's own default).
    defaults = inspect.signature(bench_transfers).parameters
    options = {name: value for name, value in given.items() if value != defaults[name].default}
    return run_network_transfer_bench(
        network,
        validators=validators or 4,
        json_output=json_output,
        console=Output(json_output).console,
        **options,
    )


def main() -> None:
    app()
