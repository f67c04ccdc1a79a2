"""``origin clearing``: open a cycle, submit obligations, close (net and settle), report."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from originledger.cli.command import NodeCommand, OriginTyper
from originledger.cli.options import (
    AmountArgument,
    FromOption,
    MinorOption,
    RefOption,
    SymbolArgument,
)
from originledger.cli.output import counted, fields
from originledger.cli.signing import SignedCommand
from originledger.modules.clearing.types import CloseCycle, OpenCycle, SubmitObligation

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
    *,
    cmd: SignedCommand,
) -> None:
    """Open a clearing cycle among participants (you are its operator)."""
    addresses = [cmd.address(text) for text in participants]
    cmd.connect()
    signer = cmd.key(from_key)
    closes_at_ms = cmd.chain_time_ms() + closes_in * 1000
    message = OpenCycle(signer.address, name, closes_at_ms, addresses, rule)
    cmd.submit(message, signer, f"open {name}")


@clearing_app.command("submit")
def clearing_submit(
    cycle_id: CycleArgument,
    amount: AmountArgument,
    symbol: SymbolArgument,
    to: Annotated[str, typer.Option("--to", help="The payee: address or key name.")],
    from_key: FromOption,
    reference: RefOption = "",
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Record an obligation you owe in the cycle."""
    payee = cmd.address(to)
    owed = cmd.amount(symbol, amount, minor)
    signer = cmd.key(from_key)
    message = SubmitObligation(signer.address, cycle_id, payee, symbol, owed, reference)
    cmd.submit(message, signer, f"owe {amount} {symbol}")


@clearing_app.command("close")
def clearing_close(cycle_id: CycleArgument, from_key: FromOption, *, cmd: SignedCommand) -> None:
    """Net the cycle and settle it in one transaction; then print the report."""
    cmd.connect()
    signer = cmd.key(from_key)
    cmd.submit(CloseCycle(signer.address, cycle_id), signer, f"close cycle {cycle_id}")
    if cmd.wait_ms and not cmd.out.json:
        report = cmd.client.query("clearing", "report", id=str(cycle_id))["result"]
        cmd.out.say(report_table(cmd, report))


def report_table(cmd: NodeCommand, report: dict[str, Any]) -> Table:
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
            cmd.shown(symbol, totals["gross"]),
            cmd.shown(symbol, totals["net"]),
            f"{bps // 100}.{bps % 100:02d} %",
        )
    for exclusion in report["excluded"]:
        table.caption = (table.caption or "") + (
            f"excluded {exclusion['account']} ({exclusion['reason']}, "
            f"{counted(int(exclusion['obligations']), 'obligation')}) "
        )
    return table


@clearing_app.command("report")
def clearing_report(cycle_id: CycleArgument, *, cmd: NodeCommand) -> None:
    """A closed cycle's report: gross versus net, positions, exclusions."""
    report = cmd.client.query("clearing", "report", id=str(cycle_id))["result"]
    cmd.out.result(report, report_table(cmd, report))


@clearing_app.command("show")
def clearing_show(cycle_id: CycleArgument, *, cmd: NodeCommand) -> None:
    """A cycle; while open, the netting of what was submitted so far."""
    view = cmd.client.query("clearing", "cycle", id=str(cycle_id))["result"]
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
        gross, net = cmd.shown(symbol, totals["gross"]), cmd.shown(symbol, totals["net"])
        rows.append((f"{symbol} so far", f"gross {gross}, net {net}"))
    cmd.out.result(view, fields(rows))
