"""The payment scenes of ``origin demo`` (issue #4): a consumer abroad pays a merchant's
QR code with a dollar stablecoin, gets a partial refund, the merchant redeems at the end
of the day; a hotel authorization captured in part; a trade escrow released by a bill of
lading's hash; a device paying a charging station over a channel; three banks netting a
day's obligations. Each step prints how long it took to be final.

``run_demo`` calls ``play_payment_scenes`` with its helpers: ``step`` and ``refused``
submit one transaction and wait for its commit, returning the node's answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.table import Table

from originledger.core.amounts import Amount, format_units, parse_units
from originledger.core.crypto import sha256
from originledger.modules.assets.types import AttestReserves, Burn, Mint, Transfer
from originledger.modules.clearing.types import CloseCycle, OpenCycle, SubmitObligation
from originledger.modules.payments.types import (
    Authorize,
    Capture,
    ClaimChannel,
    CloseChannel,
    CreateEscrow,
    CreateRequest,
    OpenChannel,
    Refund,
    ReleaseEscrow,
)
from originledger.sdk import Client, Key
from originledger.sdk.payments import (
    PaymentUri,
    build_payment_uri,
    checked_pay_message,
    new_id,
    parse_payment_uri,
    pay_message,
    qr_terminal,
    sign_claim,
    verify_claim,
)
from originledger.sdk.wallet import generate_key

__all__ = ["play_payment_scenes"]

Step = Callable[..., Any]


def play_payment_scenes(
    *,
    client: Client,
    symbol: str,
    decimals: int,
    issuer: Key,
    custodian: Key,
    say: Callable[..., None],
    step: Step,
    refused: Step,
    summary: dict[str, Any],
    show_qr: bool = True,
) -> None:
    def units(text: str) -> Amount:
        return parse_units(text, decimals)

    def money(amount: int) -> str:
        return f"{format_units(Amount(amount), decimals)} {symbol}"

    def balance(key: Key) -> int:
        answer = client.query("assets", "balance", account=str(key.address), symbol=symbol)
        return int(answer["result"]["amount"])

    def now_ms() -> int:
        return int(client.status()["time_ms"])

    timings: dict[str, float] = {}
    summary["timings_ms"] = timings
    chain_id = client.status()["chain_id"]
    tourist, shop, importer, exporter = (
        generate_key(name) for name in ("tourist", "shop", "importer", "exporter")
    )
    device_owner, device, station = (
        generate_key(name) for name in ("ev-owner", "ev-device", "charging-station")
    )
    banks = [generate_key(name) for name in ("bank-a", "bank-b", "bank-c")]
    clearing_house = generate_key("clearing-house")

    say("\n[bold]Paying a merchant abroad by QR code[/]")
    step(
        "the vault attests reserves of 20,000.00 USD for USDO",
        custodian,
        AttestReserves(custodian.address, symbol, units("20000"), now_ms()),
    )
    step(
        "mint USDO to a tourist, an importer, an EV owner and three banks",
        issuer,
        Mint(issuer.address, symbol, tourist.address, units("500")),
        Mint(issuer.address, symbol, importer.address, units("1000")),
        Mint(issuer.address, symbol, device_owner.address, units("20")),
        *(Mint(issuer.address, symbol, bank.address, units("2000")) for bank in banks),
    )
    request_id = new_id()
    expires_at_ms = now_ms() + 15 * 60 * 1000
    order = CreateRequest(
        shop.address, symbol, units("50"), expires_at_ms, "order-1042", request_id=request_id
    )
    step("the shop shows a payment request for 50.00 USDO, order-1042", shop, order)
    uri = build_payment_uri(
        PaymentUri(
            chain_id, shop.address, request_id, symbol, units("50"), expires_at_ms, "order-1042"
        )
    )
    say(f"  [cyan]{uri}[/]")
    if show_qr:
        say(qr_terminal(uri))
    scanned = parse_payment_uri(uri)  # the wallet checks the checksum and the chain
    started = time.perf_counter()
    paid = step(
        "the tourist scans the code and pays 50.00 USDO",
        tourist,
        # The wallet checks the request on the ledger against the code before signing.
        checked_pay_message(client, scanned, tourist.address),
    )
    timings["qr_payment_final"] = round((time.perf_counter() - started) * 1000, 1)
    say(
        f"  the shop sees it final in block {paid.height}, "
        f"{timings['qr_payment_final']:.0f} ms after the scan: it ships"
    )
    refused(
        "the tourist's wallet pays the same code twice",
        tourist,
        pay_message(scanned, tourist.address),
    )
    started = time.perf_counter()
    step(
        "one item is out of stock: the shop refunds 5.00 USDO of order-1042",
        shop,
        Refund(shop.address, request_id, units("5"), "item out of stock"),
    )
    timings["refund_final"] = round((time.perf_counter() - started) * 1000, 1)
    refused(
        "the shop refunds 45.01 more (more than was paid)",
        shop,
        Refund(shop.address, request_id, units("45.01")),
    )
    takings = balance(shop)
    step(
        f"end of day: the shop redeems its {money(takings)} with the issuer",
        shop,
        Transfer(shop.address, issuer.address, symbol, Amount(takings)),
    )
    step(
        "the issuer burns the redeemed USDO (the dollars leave its reserve account)",
        issuer,
        Burn(issuer.address, symbol, Amount(takings)),
    )
    summary["tourist_balance"] = format_units(Amount(balance(tourist)), decimals)

    say("\n[bold]A hotel authorization, captured in part[/]")
    authorization_id = new_id()
    step(
        "the tourist authorizes the hotel (the shop's sister account) for 120.00",
        tourist,
        Authorize(
            tourist.address,
            shop.address,
            symbol,
            units("120"),
            now_ms() + 86_400_000,
            "room 12",
            authorization_id,
        ),
    )
    step(
        "check-out: the hotel captures 80.00 now",
        shop,
        Capture(shop.address, authorization_id, units("80")),
    )
    step(
        "the minibar: the hotel captures 15.00 more and releases the rest",
        shop,
        Capture(shop.address, authorization_id, units("15"), final=True),
    )
    refused(
        "the hotel tries to capture 1.00 after closing it",
        shop,
        Capture(shop.address, authorization_id, units("1")),
    )

    say("\n[bold]Cross-border trade: escrow released by the bill of lading[/]")
    bill = b"B/L SHA2026-0042: 40 cartons of tea, Shanghai to Rotterdam, shipped on board"
    escrow_id = new_id()
    step(
        "the importer pays 300.00 into escrow, locked to the bill of lading's SHA-256",
        importer,
        CreateEscrow(
            importer.address,
            exporter.address,
            symbol,
            units("300"),
            cancel_after_ms=now_ms() + 30 * 86_400_000,
            hash_lock=sha256(bill),
            reference="PO-7731",
            escrow_id=escrow_id,
        ),
    )
    refused(
        "someone presents a forged bill of lading",
        exporter,
        ReleaseEscrow(exporter.address, escrow_id, b"B/L forged"),
    )
    step(
        "the exporter ships and reveals the bill of lading: the escrow pays out",
        exporter,
        ReleaseEscrow(exporter.address, escrow_id, bill),
    )
    refused(
        "the escrow is released a second time",
        exporter,
        ReleaseEscrow(exporter.address, escrow_id, bill),
    )

    say("\n[bold]Machine payments: an EV pays a charging station by the minute[/]")
    channel_id = new_id()
    step(
        "the EV owner opens a channel of 10.00 to the station, claims signed by the car",
        device_owner,
        OpenChannel(
            device_owner.address,
            station.address,
            symbol,
            units("10"),
            device.public_key,
            60_000,
            channel_id,
        ),
    )
    started = time.perf_counter()
    claims = 200
    latest = None
    for tick in range(1, claims + 1):
        latest = sign_claim(device, chain_id, channel_id, tick * 3)  # 0.03 per tick
        if not verify_claim(device.public_key, chain_id, latest):
            raise RuntimeError("a claim did not verify")
    elapsed_ms = (time.perf_counter() - started) * 1000
    timings["off_ledger_claims"] = round(elapsed_ms, 1)
    say(
        f"  {claims} claims signed by the car and checked by the station off the ledger in "
        f"{elapsed_ms:.0f} ms ({claims / max(elapsed_ms, 0.001) * 1000:,.0f} per second)"
    )
    if latest is None:
        raise RuntimeError("no claim was signed")
    step(
        f"the station redeems the latest claim ({money(latest.amount)}) and closes the channel",
        station,
        ClaimChannel(station.address, channel_id, latest.amount, latest.signature),
        CloseChannel(station.address, channel_id),
    )
    refused(
        "the station redeems an old claim again",
        station,
        ClaimChannel(station.address, channel_id, latest.amount, latest.signature),
    )

    say("\n[bold]Three banks net a day's obligations[/]")
    opened = step(
        "a clearing house opens today's cycle for banks A, B and C",
        clearing_house,
        OpenCycle(
            clearing_house.address,
            "USDO day cycle",
            now_ms() + 3_600_000,
            [bank.address for bank in banks],
        ),
    )
    receipt = client.receipt(opened.hash)
    cycle_id = next(
        int(event["data"]["cycle_id"])
        for event in receipt["events"]
        if event["type"] == "clearing/cycle_opened"
    )
    day = [
        (0, 1, "1200"),
        (1, 2, "900"),
        (2, 0, "1000"),
        (0, 2, "300"),
        (1, 0, "400"),
        (2, 1, "250"),
    ]
    before = [balance(bank) for bank in banks]
    for payer, payee, amount in day:
        step(
            f"bank {'ABC'[payer]} owes bank {'ABC'[payee]} {amount}.00",
            banks[payer],
            SubmitObligation(
                banks[payer].address, cycle_id, banks[payee].address, symbol, units(amount)
            ),
        )
    started = time.perf_counter()
    step(
        "the clearing house closes the cycle: net positions settle in one block",
        clearing_house,
        CloseCycle(clearing_house.address, cycle_id),
    )
    timings["netting_settlement"] = round((time.perf_counter() - started) * 1000, 1)
    report = client.query("clearing", "report", id=str(cycle_id))["result"]
    (totals,) = report["totals"]
    bps = int(totals["saved_bps"])
    table = Table(title=f"cycle {cycle_id}: {report['status']}")
    table.add_column("bank")
    table.add_column("net position settled", justify="right")
    for index, bank in enumerate(banks):
        change = balance(bank) - before[index]
        table.add_row("ABC"[index], ("-" if change < 0 else "+") + money(abs(change)))
    say(table)
    say(
        f"  gross {money(int(totals['gross']))}, settled net {money(int(totals['net']))}: "
        f"liquidity saved {bps // 100}.{bps % 100:02d} %"
    )
    summary["clearing"] = {
        "gross": totals["gross"],
        "net": totals["net"],
        "saved_bps": bps,
        "status": report["status"],
    }
    say(
        "  timings: QR payment final in "
        f"{timings['qr_payment_final']:.0f} ms, refund {timings['refund_final']:.0f} ms, "
        f"netting and settlement {timings['netting_settlement']:.0f} ms"
    )
