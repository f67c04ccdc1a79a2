"""``origin clearing``: open a cycle, submit obligations, close (net and settle), report."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from originledger.cli.common import (
    DEFAULT_HOME,
    DEFAULT_WAIT_MS,
    AmountArgument,
    FromOption,
    HomeOption,
    JsonOption,
    MinorOption,
    NodeOption,
    OriginTyper,
    Output,
    PassphraseFileOption,
    SymbolArgument,
    WaitOption,
    fields,
    load_key,
    open_client,
    resolve_address,
    submit_messages,
)
from originledger.cli.payments import RefOption, chain_time_ms, shown, units
from originledger.modules.clearing.types import CloseCycle, OpenCycle, SubmitObligation
from originledger.sdk import Client

__all__ = ["clearing_app", "report_table"]

clearing_app = OriginTyper(help="Clearing cycles: obligations, multilateral netting, settlement.")

CycleArgument = Annotated[int, typer.Argument(help="The cycle's id.", min=1)]


@clearing_app.command("open")
def clearing_open(
    name: Annotated[str, typer.Argument(help="The cycle's name, e.g. 'day 2026-11-23'.")],
    participants: Annotated[
        list[str], typer.Option("--participant", help="An address or key name (repeatable).")
    ],
    from_key: FromOption,
    closes_in: Annotated[
        int, typer.Option("--closes-in", min=1, help="Seconds until submissions close.")
    ] = 3600,
    rule: Annotated[
        str, typer.Option("--rule", help="Default rule: exclude (recompute) or reject.")
    ] = "exclude",
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Open a clearing cycle among participants (you are its operator)."""
    addresses = [resolve_address(text, home) for text in participants]
    with open_client(home, node) as client:
        signer = load_key(home, from_key, passphrase_file)
        message = OpenCycle(
            signer.address, name, chain_time_ms(client) + closes_in * 1000, addresses, rule
        )
        submit_messages(Output(json_output), client, [message], [signer], wait_ms, f"open {name}")


@clearing_app.command("submit")
def clearing_submit(
    cycle_id: CycleArgument,
    amount: AmountArgument,
    symbol: SymbolArgument,
    to: Annotated[str, typer.Option("--to", help="The payee: address or key name.")],
    from_key: FromOption,
    reference: RefOption = "",
    minor: MinorOption = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Record an obligation you owe in the cycle."""
    payee = resolve_address(to, home)
    with open_client(home, node) as client:
        owed = units(client, symbol, amount, minor)
        signer = load_key(home, from_key, passphrase_file)
        message = SubmitObligation(signer.address, cycle_id, payee, symbol, owed, reference)
        submit_messages(
            Output(json_output), client, [message], [signer], wait_ms, f"owe {amount} {symbol}"
        )


@clearing_app.command("close")
def clearing_close(
    cycle_id: CycleArgument,
    from_key: FromOption,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Net the cycle and settle it in one transaction; then print the report."""
    out = Output(json_output)
    with open_client(home, node) as client:
        signer = load_key(home, from_key, passphrase_file)
        message = CloseCycle(signer.address, cycle_id)
        submit_messages(out, client, [message], [signer], wait_ms, f"close cycle {cycle_id}")
        if wait_ms and not json_output:
            report = client.query("clearing", "report", id=str(cycle_id))["result"]
            out.say(report_table(client, report))


def report_table(client: Client, report: dict[str, Any]) -> Table:
    """Gross versus net per asset, and the excluded participants."""
    table = Table(title=f"cycle {report['cycle_id']}: {report['status']}")
    for column in ("asset", "obligations", "gross", "net", "liquidity saved"):
        table.add_column(column, justify="right")
    for totals in report["totals"]:
        symbol = totals["symbol"]
        bps = int(totals["saved_bps"])
        table.add_row(
            symbol,
            str(totals["obligations"]),
            shown(client, symbol, totals["gross"]),
            shown(client, symbol, totals["net"]),
            f"{bps // 100}.{bps % 100:02d} %",
        )
    for exclusion in report["excluded"]:
        table.caption = (table.caption or "") + (
            f"excluded {exclusion['account']} ({exclusion['reason']}, "
            f"{exclusion['obligations']} obligations) "
        )
    return table


@clearing_app.command("report")
def clearing_report(
    cycle_id: CycleArgument,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """A closed cycle's report: gross versus net, positions, exclusions."""
    with open_client(home, node) as client:
        report = client.query("clearing", "report", id=str(cycle_id))["result"]
        Output(json_output).result(report, report_table(client, report))


@clearing_app.command("show")
def clearing_show(
    cycle_id: CycleArgument,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """A cycle; while open, the netting of what was submitted so far."""
    with open_client(home, node) as client:
        view = client.query("clearing", "cycle", id=str(cycle_id))["result"]
        cycle = view["cycle"]
        rows: list[tuple[str, object]] = [
            ("cycle", cycle["cycle_id"]),
            ("name", cycle["name"]),
            ("status", cycle["status"]),
            ("operator", cycle["operator"]),
            ("closes at", cycle["closes_at_ms"]),
            ("rule", cycle["default_rule"]),
            ("obligations", cycle["obligations"]),
        ]
        for totals in view["preview_totals"] or []:
            symbol = totals["symbol"]
            rows.append(
                (
                    f"{symbol} so far",
                    f"gross {shown(client, symbol, totals['gross'])}, "
                    f"net {shown(client, symbol, totals['net'])}",
                )
            )
        Output(json_output).result(view, fields(rows))
