"""Holds: funds reserved for a payee, then settled in part or released."""

from __future__ import annotations

from originledger.core.crypto import sha256
from originledger.demo.context import SYMBOL, DemoContext
from originledger.modules.assets import client_hold_id
from originledger.modules.assets.types import PlaceHold, PostHold, VoidHold

__all__ = ["play"]


def play(ctx: DemoContext) -> None:
    alice, bob, units = ctx.alice, ctx.bob, ctx.units
    ctx.say("\n[bold]Holds: reserve, then settle part or release[/]")
    expires_at_ms = ctx.now_ms() + 600_000
    order_ref = sha256(b"demo: alice's order at bob's shop")
    deposit_ref = sha256(b"demo: alice's refundable deposit at bob's shop")
    ctx.step(
        "alice places a hold of 300.00 for bob's order and one of 50.00 as a deposit",
        alice,
        PlaceHold(alice.address, bob.address, SYMBOL, units("300"), expires_at_ms, order_ref),
        PlaceHold(alice.address, bob.address, SYMBOL, units("50"), expires_at_ms, deposit_ref),
    )
    # alice's chosen ids live in her namespace: the ledger stores each hold under
    # client_hold_id(alice, chosen id), which bob posts or voids.
    order = client_hold_id(alice.address, order_ref)
    deposit = client_hold_id(alice.address, deposit_ref)
    ctx.say(f"  alice's available balance while the holds are open: {ctx.available(alice)}")
    ctx.step(
        "bob ships part of the order and posts 180.00 (the other 120.00 returns)",
        bob,
        PostHold(bob.address, order, units("180")),
    )
    ctx.step("bob voids the deposit hold", bob, VoidHold(bob.address, deposit))
    ctx.refused(
        "bob tries to post the settled order again",
        bob,
        PostHold(bob.address, order, units("1")),
    )
    ctx.say(f"  alice's available balance after settlement: {ctx.available(alice)}")
