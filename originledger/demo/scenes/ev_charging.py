"""Machine payments: an EV pays a charging station by the minute over a channel."""

from __future__ import annotations

import time

from originledger.demo.context import SYMBOL, DemoContext
from originledger.modules.payments.types import ClaimChannel, CloseChannel, OpenChannel
from originledger.sdk.payments import new_id, sign_claim, verify_claim

__all__ = ["play"]

CLAIMS = 200


def play(ctx: DemoContext) -> None:
    device_owner, device = ctx.party("ev-owner"), ctx.party("ev-device")
    station = ctx.party("charging-station")
    chain_id = ctx.client.status()["chain_id"]
    ctx.say("\n[bold]Machine payments: an EV pays a charging station by the minute[/]")
    channel_id = new_id()
    ctx.step(
        "the EV owner opens a channel of 10.00 to the station, claims signed by the car",
        device_owner,
        OpenChannel(
            device_owner.address,
            station.address,
            SYMBOL,
            ctx.units("10"),
            device.public_key,
            60_000,
            channel_id,
        ),
    )
    started = time.perf_counter()
    latest = None
    for tick in range(1, CLAIMS + 1):
        latest = sign_claim(device, chain_id, channel_id, tick * 3)  # 0.03 per tick
        if not verify_claim(device.public_key, chain_id, latest):
            raise RuntimeError("a claim did not verify")
    elapsed_ms = (time.perf_counter() - started) * 1000
    ctx.timings["off_ledger_claims"] = round(elapsed_ms, 1)
    ctx.say(
        f"  {CLAIMS} claims signed by the car and checked by the station off the ledger in "
        f"{elapsed_ms:.0f} ms ({CLAIMS / max(elapsed_ms, 0.001) * 1000:,.0f} per second)"
    )
    if latest is None:
        raise RuntimeError("no claim was signed")
    ctx.step(
        f"the station redeems the latest claim ({ctx.money(latest.amount)}) and closes the channel",
        station,
        ClaimChannel(station.address, channel_id, latest.amount, latest.signature),
        CloseChannel(station.address, channel_id),
    )
    ctx.refused(
        "the station redeems an old claim again",
        station,
        ClaimChannel(station.address, channel_id, latest.amount, latest.signature),
    )
