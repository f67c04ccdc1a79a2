"""A consumer abroad pays a merchant's QR code with a dollar stablecoin; the merchant sees
it final, ships, refunds $5 later and redeems at the end of the day; three banks net a
day's obligations. Timings are printed for each step.

Run it from a checkout (it starts its own node in a temporary directory):

    python examples/cross_border_merchant.py            # API on 127.0.0.1:8711
    python examples/cross_border_merchant.py --api 127.0.0.1:9000

Everything goes through the public SDK: ``TxBuilder`` and ``Client`` over HTTP, and
``originledger.sdk.payments`` for the payment URI, its QR code and its checksum.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from originledger.core.amounts import Amount, format_units, parse_units
from originledger.core.tx import Msg
from originledger.modules.accounts.types import GrantRole
from originledger.modules.assets.types import AttestReserves, Burn, Issue, Mint, Transfer
from originledger.modules.clearing.types import CloseCycle, OpenCycle, SubmitObligation
from originledger.modules.payments.types import CreateRequest, Refund
from originledger.node.home import DEV_PASSPHRASE, init_home
from originledger.node.runner import open_node
from originledger.sdk import Client, Key, generate_key, load_keystore
from originledger.sdk.payments import (
    PaymentUri,
    build_payment_uri,
    checked_pay_message,
    new_id,
    parse_payment_uri,
    qr_terminal,
)
from originledger.server.background import BackgroundServer

SYMBOL = "USDX"
DECIMALS = 2


def dollars(text: str) -> Amount:
    return parse_units(text, DECIMALS)


def shown(amount: int) -> str:
    return f"${format_units(Amount(amount), DECIMALS)}"


def run(api: str) -> dict[str, Any]:
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="origin-merchant-") as directory:
        home = Path(directory)
        init_home(home, chain_id="origin-merchant", dev=True, api=api, block_interval_ms=100)
        node = open_node(home)
        server = BackgroundServer(node, api).start()
        try:
            client = Client(server.url)
            chain_id = client.status()["chain_id"]
            builder = client.tx_builder()  # on the node's clock
            admin = load_keystore(home / "keys" / "admin.json", DEV_PASSPHRASE)
            custodian, consumer, merchant = (generate_key(n) for n in ("bank", "consumer", "shop"))
            banks = [generate_key(f"bank-{letter}") for letter in "ABC"]

            def submit(label: str, signer: Key, *messages: Msg) -> Any:
                started = time.perf_counter()
                result = client.submit(builder.build(list(messages), [signer]), wait_ms=10_000)
                elapsed_ms = (time.perf_counter() - started) * 1000
                timings[label] = round(elapsed_ms, 1)
                mark = "ok " if result.ok else "REFUSED"
                print(
                    f"{mark} {label}: block {result.height}, {elapsed_ms:.0f} ms ({result.message})"
                )
                return result

            def balance(key: Key) -> int:
                answer = client.query("assets", "balance", account=str(key.address), symbol=SYMBOL)
                return int(answer["result"]["amount"])

            print(f"A node serves on {server.url}\n")
            submit(
                "issue a dollar stablecoin reserved at a custodian bank",
                admin,
                GrantRole(admin.address, custodian.address, "custodian"),
                Issue(
                    admin.address,
                    SYMBOL,
                    "Example Dollar",
                    DECIMALS,
                    "payment",
                    dollars("1000000"),
                    custodian=custodian.address,
                    peg="USD",
                ),
            )
            submit(
                "the custodian attests $100,000 of reserves",
                custodian,
                AttestReserves(
                    custodian.address, SYMBOL, dollars("100000"), client.status()["time_ms"]
                ),
            )
            submit(
                "mint $200 to the consumer and $5,000 to each bank",
                admin,
                Mint(admin.address, SYMBOL, consumer.address, dollars("200")),
                *(Mint(admin.address, SYMBOL, bank.address, dollars("5000")) for bank in banks),
            )

            print("\nThe shop shows its QR code for order A-1042:")
            request_id = new_id()
            expires_at_ms = client.status()["time_ms"] + 15 * 60 * 1000
            submit(
                "the shop creates a $50.00 payment request",
                merchant,
                CreateRequest(
                    merchant.address,
                    SYMBOL,
                    dollars("50"),
                    expires_at_ms,
                    "A-1042",
                    request_id=request_id,
                ),
            )
            uri = build_payment_uri(
                PaymentUri(
                    chain_id,
                    merchant.address,
                    request_id,
                    SYMBOL,
                    dollars("50"),
                    expires_at_ms,
                    "A-1042",
                )
            )
            print(uri)
            print(qr_terminal(uri))
            scanned = parse_payment_uri(uri)  # the consumer's wallet: checksum, fields
            # ... then the request on the ledger must be the one the code shows (merchant,
            # amount, asset, expiry, still open) before the wallet signs.
            message = checked_pay_message(client, scanned, consumer.address)
            paid = submit("the consumer scans and pays", consumer, message)
            receipt = client.receipt(paid.hash)
            print(
                f"    the shop's receipt carries an inclusion proof: {receipt['proof'] is not None}"
            )
            submit(
                "later: the shop refunds $5.00",
                merchant,
                Refund(merchant.address, request_id, dollars("5"), "damaged item"),
            )
            takings = balance(merchant)
            submit(
                f"end of day: the shop sends its {shown(takings)} to the issuer to redeem",
                merchant,
                Transfer(merchant.address, admin.address, SYMBOL, Amount(takings)),
            )
            submit(
                "the issuer burns them and wires dollars",
                admin,
                Burn(admin.address, SYMBOL, Amount(takings)),
            )

            print("\nThree banks net a day's obligations:")
            opened = submit(
                "open the day's clearing cycle",
                admin,
                OpenCycle(
                    admin.address,
                    "day",
                    client.status()["time_ms"] + 3_600_000,
                    [b.address for b in banks],
                ),
            )
            cycle_id = next(
                int(event["data"]["cycle_id"])
                for event in client.receipt(opened.hash)["events"]
                if event["type"] == "clearing/cycle_opened"
            )
            for payer, payee, amount in (
                (0, 1, "1200"),
                (1, 2, "900"),
                (2, 0, "1000"),
                (0, 2, "300"),
            ):
                submit(
                    f"bank {'ABC'[payer]} owes bank {'ABC'[payee]} ${amount}",
                    banks[payer],
                    SubmitObligation(
                        banks[payer].address,
                        cycle_id,
                        banks[payee].address,
                        SYMBOL,
                        dollars(amount),
                    ),
                )
            submit(
                "close: net positions settle atomically", admin, CloseCycle(admin.address, cycle_id)
            )
            report = client.query("clearing", "report", id=str(cycle_id))["result"]
            (totals,) = report["totals"]
            bps = int(totals["saved_bps"])
            print(
                f"    gross {shown(int(totals['gross']))}, net {shown(int(totals['net']))}, "
                f"liquidity saved {bps // 100}.{bps % 100:02d} %"
            )
            result = {
                "consumer": format_units(Amount(balance(consumer)), DECIMALS),
                "merchant": format_units(Amount(balance(merchant)), DECIMALS),
                "gross": totals["gross"],
                "net": totals["net"],
                "saved_bps": bps,
                "timings_ms": timings,
            }
            print("\nTimings (submit to final, ms):")
            for label, elapsed in timings.items():
                print(f"  {elapsed:8.1f}  {label}")
            return result
        finally:
            server.stop()
            node.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default="127.0.0.1:8711", help="HOST:PORT for the node's API")
    run(parser.parse_args().api)


if __name__ == "__main__":
    main()
