"""A hotel authorization, captured in part and closed."""

from __future__ import annotations

from originledger.demo.context import SYMBOL, DemoContext
from originledger.modules.payments.types import Authorize, Capture
from originledger.sdk.payments import new_id

__all__ = ["play"]


def play(ctx: DemoContext) -> None:
    tourist, shop, units = ctx.party("tourist"), ctx.party("shop"), ctx.units
    ctx.say("\n[bold]A hotel authorization, captured in part[/]")
    authorization_id = new_id()
    ctx.step(
        "the tourist authorizes the hotel (the shop's sister account) for 120.00",
        tourist,
        Authorize(
            tourist.address,
            shop.address,
            SYMBOL,
            units("120"),
            ctx.now_ms() + 86_400_000,
            "room 12",
            authorization_id,
        ),
    )
    ctx.step(
        "check-out: the hotel captures 80.00 now",
        shop,
        Capture(shop.address, authorization_id, units("80")),
    )
    ctx.step(
        "the minibar: the hotel captures 15.00 more and releases the rest",
        shop,
        Capture(shop.address, authorization_id, units("15"), final=True),
    )
    ctx.refused(
        "the hotel tries to capture 1.00 after closing it",
        shop,
        Capture(shop.address, authorization_id, units("1")),
    )
