"""The demo's ending: balances proven against the validator-signed header, and a receipt
verified offline."""

from __future__ import annotations

from rich.table import Table

from originledger.core.amounts import format_units
from originledger.demo.context import DECIMALS, SYMBOL, DemoContext

__all__ = ["prove_balances"]


def prove_balances(ctx: DemoContext) -> None:
    summary = ctx.summary
    payment = next(s for s in summary["steps"] if s["step"].startswith("alice pays"))
    table = Table(title=f"{SYMBOL} balances, each proven against a signed header")
    for column in ("account", "address", "balance", "block"):
        table.add_column(column)
    balances = {}
    for name, key in (("alice", ctx.alice), ("bob", ctx.bob), ("carol", ctx.carol)):
        amount, height = ctx.client.verified_balance(key.address, SYMBOL)
        balances[name] = format_units(amount, DECIMALS)
        table.add_row(name, str(key.address), balances[name], str(height))
    summary["balances"] = balances
    ctx.say(table)
    _, verified = ctx.client.verified_receipt(payment["hash"])
    ctx.say(
        f"[green]✓[/] receipt of alice's payment verified offline: in block "
        f"{verified.height} at index {verified.index}, under the validator's signature"
    )
