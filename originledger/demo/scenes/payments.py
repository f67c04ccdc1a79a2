"""Payments between the dev accounts, and one the payer cannot cover."""

from __future__ import annotations

from originledger.demo.context import SYMBOL, DemoContext
from originledger.modules.assets.types import Transfer

__all__ = ["play"]


def play(ctx: DemoContext) -> None:
    alice, bob, carol, units = ctx.alice, ctx.bob, ctx.carol, ctx.units
    ctx.say("\n[bold]Payments[/]")
    ctx.step(
        "alice pays bob 125.50 USDO",
        alice,
        Transfer(alice.address, bob.address, SYMBOL, units("125.50")),
    )
    ctx.step(
        "bob pays carol 42.00 USDO",
        bob,
        Transfer(bob.address, carol.address, SYMBOL, units("42")),
    )
    ctx.refused(
        "carol tries to pay 5,000.00 with 4,042.00",
        carol,
        Transfer(carol.address, alice.address, SYMBOL, units("5000")),
    )
