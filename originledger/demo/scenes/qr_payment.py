"""Paying a merchant abroad by QR code (issue #4): a tourist pays a shop's payment request
with the dollar stablecoin, gets a partial refund, and the shop redeems the day's takings
with the issuer. Each step prints how long it took to be final."""

from __future__ import annotations

import time

from originledger.core.amounts import Amount, format_units
from originledger.demo.context import DECIMALS, SYMBOL, DemoContext
from originledger.modules.assets.types import AttestReserves, Burn, Mint, Transfer
from originledger.modules.payments.types import CreateRequest, Refund
from originledger.sdk.payments import (
    PaymentUri,
    build_payment_uri,
    checked_pay_message,
    new_id,
    parse_payment_uri,
    pay_message,
    qr_terminal,
)

__all__ = ["play"]

BANKS = ("bank-a", "bank-b", "bank-c")


def _fund_the_payers(ctx: DemoContext) -> None:
    issuer, custodian, units = ctx.admin, ctx.party("vault"), ctx.units
    ctx.say("\n[bold]Paying a merchant abroad by QR code[/]")
    ctx.step(
        "the vault attests reserves of 20,000.00 USD for USDO",
        custodian,
        AttestReserves(custodian.address, SYMBOL, units("20000"), ctx.now_ms()),
    )
    ctx.step(
        "mint USDO to a tourist, an importer, an EV owner and three banks",
        issuer,
        Mint(issuer.address, SYMBOL, ctx.party("tourist").address, units("500")),
        Mint(issuer.address, SYMBOL, ctx.party("importer").address, units("1000")),
        Mint(issuer.address, SYMBOL, ctx.party("ev-owner").address, units("20")),
        *(Mint(issuer.address, SYMBOL, ctx.party(bank).address, units("2000")) for bank in BANKS),
    )


def play(ctx: DemoContext) -> None:
    timings = ctx.timings
    chain_id = ctx.client.status()["chain_id"]
    _fund_the_payers(ctx)
    issuer, tourist, shop, units = ctx.admin, ctx.party("tourist"), ctx.party("shop"), ctx.units
    request_id = new_id()
    expires_at_ms = ctx.now_ms() + 15 * 60 * 1000
    order = CreateRequest(
        shop.address, SYMBOL, units("50"), expires_at_ms, "order-1042", request_id=request_id
    )
    ctx.step("the shop shows a payment request for 50.00 USDO, order-1042", shop, order)
    uri = build_payment_uri(
        PaymentUri(
            chain_id, shop.address, request_id, SYMBOL, units("50"), expires_at_ms, "order-1042"
        )
    )
    ctx.say(f"  [cyan]{uri}[/]")
    if ctx.show_qr:
        ctx.say(qr_terminal(uri))
    scanned = parse_payment_uri(uri)  # the wallet checks the checksum and the chain
    started = time.perf_counter()
    paid = ctx.step(
        "the tourist scans the code and pays 50.00 USDO",
        tourist,
        # The wallet checks the request on the ledger against the code before signing.
        checked_pay_message(ctx.client, scanned, tourist.address),
    )
    timings["qr_payment_final"] = round((time.perf_counter() - started) * 1000, 1)
    ctx.say(
        f"  the shop sees it final in block {paid.height}, "
        f"{timings['qr_payment_final']:.0f} ms after the scan: it ships"
    )
    ctx.refused(
        "the tourist's wallet pays the same code twice",
        tourist,
        pay_message(scanned, tourist.address),
    )
    started = time.perf_counter()
    ctx.step(
        "one item is out of stock: the shop refunds 5.00 USDO of order-1042",
        shop,
        Refund(shop.address, request_id, units("5"), "item out of stock"),
    )
    timings["refund_final"] = round((time.perf_counter() - started) * 1000, 1)
    ctx.refused(
        "the shop refunds 45.01 more (more than was paid)",
        shop,
        Refund(shop.address, request_id, units("45.01")),
    )
    takings = ctx.balance(shop)
    ctx.step(
        f"end of day: the shop redeems its {ctx.money(takings)} with the issuer",
        shop,
        Transfer(shop.address, issuer.address, SYMBOL, Amount(takings)),
    )
    ctx.step(
        "the issuer burns the redeemed USDO (the dollars leave its reserve account)",
        issuer,
        Burn(issuer.address, SYMBOL, Amount(takings)),
    )
    ctx.summary["tourist_balance"] = format_units(Amount(ctx.balance(tourist)), DECIMALS)
