"""Three banks net a day's obligations; the net positions settle in one block."""

from __future__ import annotations

import time

from rich.table import Table

from originledger.demo.context import SYMBOL, DemoContext
from originledger.demo.scenes.qr_payment import BANKS
from originledger.modules.clearing.types import CloseCycle, OpenCycle, SubmitObligation

__all__ = ["play"]

# (payer, payee, amount): bank A is 0, B 1, C 2.
DAY = (
    (0, 1, "1200"),
    (1, 2, "900"),
    (2, 0, "1000"),
    (0, 2, "300"),
    (1, 0, "400"),
    (2, 1, "250"),
)


def _open_cycle(ctx: DemoContext) -> int:
    clearing_house = ctx.party("clearing-house")
    banks = [ctx.party(name) for name in BANKS]
    opened = ctx.step(
        "a clearing house opens today's cycle for banks A, B and C",
        clearing_house,
        OpenCycle(
            clearing_house.address,
            "USDO day cycle",
            ctx.now_ms() + 3_600_000,
            [bank.address for bank in banks],
        ),
    )
    receipt = ctx.client.receipt(opened.hash)
    return next(
        int(event["data"]["cycle_id"])
        for event in receipt["events"]
        if event["type"] == "clearing/cycle_opened"
    )


def _report(ctx: DemoContext, cycle_id: int, before: list[int]) -> None:
    report = ctx.client.query("clearing", "report", id=str(cycle_id))["result"]
    (totals,) = report["totals"]
    bps = int(totals["saved_bps"])
    table = Table(title=f"cycle {cycle_id}: {report['status']}")
    table.add_column("bank")
    table.add_column("net position settled", justify="right")
    for index, name in enumerate(BANKS):
        change = ctx.balance(ctx.party(name)) - before[index]
        table.add_row("ABC"[index], ("-" if change < 0 else "+") + ctx.money(abs(change)))
    ctx.say(table)
    ctx.say(
        f"  gross {ctx.money(int(totals['gross']))}, settled net "
        f"{ctx.money(int(totals['net']))}: liquidity saved {bps // 100}.{bps % 100:02d} %"
    )
    ctx.summary["clearing"] = {
        "gross": totals["gross"],
        "net": totals["net"],
        "saved_bps": bps,
        "status": report["status"],
    }


def play(ctx: DemoContext) -> None:
    ctx.say("\n[bold]Three banks net a day's obligations[/]")
    cycle_id = _open_cycle(ctx)
    banks = [ctx.party(name) for name in BANKS]
    before = [ctx.balance(bank) for bank in banks]
    for payer, payee, amount in DAY:
        ctx.step(
            f"bank {'ABC'[payer]} owes bank {'ABC'[payee]} {amount}.00",
            banks[payer],
            SubmitObligation(
                banks[payer].address, cycle_id, banks[payee].address, SYMBOL, ctx.units(amount)
            ),
        )
    started = time.perf_counter()
    ctx.step(
        "the clearing house closes the cycle: net positions settle in one block",
        ctx.party("clearing-house"),
        CloseCycle(ctx.party("clearing-house").address, cycle_id),
    )
    timings = ctx.timings
    timings["netting_settlement"] = round((time.perf_counter() - started) * 1000, 1)
    _report(ctx, cycle_id, before)
    ctx.say(
        "  timings: QR payment final in "
        f"{timings['qr_payment_final']:.0f} ms, refund {timings['refund_final']:.0f} ms, "
        f"netting and settlement {timings['netting_settlement']:.0f} ms"
    )
