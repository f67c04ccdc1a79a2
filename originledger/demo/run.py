"""``origin demo``: tokenized money on a fresh embedded node, end to end over HTTP.

It starts a node in a temporary home and plays scenes, printing the time each step took:
a dollar stablecoin minted against a custodian's attested reserves and no further;
payments; holds placed, partly posted and voided; a Hong Kong money-market fund approved
by the regulator and sold only to KYC'd buyers; a CNY stablecoin refused under China's
policy pack (with the rule and its citation); a tourist paying a shop's QR code, a refund
and the day's redemption, a hotel authorization, a trade escrow released by a bill of
lading, a car paying a charging station over a channel, three banks netting a day
(``demo_payments.py``). It ends with balances proven against the
validator-signed header and a receipt verified offline, then keeps serving the API until
Ctrl-C (or stops, with --no-serve). Later issues add their scenes here.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from originledger.core.amounts import Amount, format_units, parse_units
from originledger.core.codec import to_json
from originledger.core.crypto import sha256
from originledger.demo_payments import play_payment_scenes
from originledger.modules.accounts.types import GrantRole
from originledger.modules.assets import client_hold_id
from originledger.modules.assets.types import (
    AttestReserves,
    Authorize,
    Issue,
    Mint,
    Pause,
    PlaceHold,
    PostHold,
    Transfer,
    VoidHold,
)
from originledger.modules.attest import asset_scope, schema_id_of
from originledger.modules.attest.types import Attest, Field, RegisterSchema, SetTrusted, UintValue
from originledger.modules.compliance import rule_id_of
from originledger.modules.compliance.types import AppointRegulator, DecideIssuance, SetLicense
from originledger.node.background import BackgroundServer
from originledger.node.home import DEV_PASSPHRASE, init_home
from originledger.node.runner import open_node
from originledger.sdk import Client, Key, TxBuilder, load_keystore
from originledger.sdk.wallet import generate_key

__all__ = ["run_demo"]

SYMBOL = "USDO"
DECIMALS = 2


def run_demo(
    *,
    api: str = "127.0.0.1:8700",
    serve: bool = True,
    json_output: bool = False,
    console: Console | None = None,
) -> int:
    console = console or Console()
    say = (lambda *args, **kwargs: None) if json_output else console.print
    summary: dict[str, Any] = {"steps": []}
    with tempfile.TemporaryDirectory(prefix="origin-demo-") as directory:
        home = Path(directory)
        init_home(home, chain_id="origin-demo", dev=True, api=api, block_interval_ms=100)
        node = open_node(home)
        server = BackgroundServer(node, api).start()
        try:
            keys = {
                name: load_keystore(home / "keys" / f"{name}.json", DEV_PASSPHRASE)
                for name in ("admin", "alice", "bob", "carol")
            }
            client = Client(server.url, genesis=(home / "genesis.json").read_bytes())
            builder = TxBuilder(client.status()["chain_id"])
            say(f"[bold]Origin demo[/] — a node is serving on [cyan]{server.url}[/] (home {home})")

            def submit(signer: Key, messages: tuple[Any, ...]) -> tuple[Any, float]:
                started = time.perf_counter()
                result = client.submit(builder.build(list(messages), [signer]), wait_ms=10_000)
                return result, (time.perf_counter() - started) * 1000

            def record(title: str, result: Any, elapsed_ms: float, expected: bool) -> None:
                summary["steps"].append(
                    {
                        "step": title,
                        "hash": result.hash,
                        "status": result.status,
                        "codespace": result.codespace,
                        "code": result.code,
                        "height": result.height,
                        "ms": round(elapsed_ms, 1),
                    }
                )
                if result.ok != expected:
                    raise RuntimeError(f"demo step went wrong: {title}: {result.message}")

            def step(title: str, signer: Key, *messages: Any) -> Any:
                result, elapsed_ms = submit(signer, messages)
                mark = "[green]✓[/]" if result.ok else "[red]✗[/]"
                say(
                    f"{mark} {title}: {result.status} in block {result.height} "
                    f"({elapsed_ms:.0f} ms, code {result.code}: {result.message})"
                )
                record(title, result, elapsed_ms, expected=True)
                return result

            def refused(title: str, signer: Key, *messages: Any) -> Any:
                """A step that the ledger must refuse, changing nothing."""
                result, elapsed_ms = submit(signer, messages)
                say(
                    f"[yellow]✗[/] {title}: refused as it should be, "
                    f"{result.codespace} code {result.code} ({result.message})"
                )
                record(title, result, elapsed_ms, expected=False)
                return result

            admin, alice, bob, carol = (keys[n] for n in ("admin", "alice", "bob", "carol"))

            def units(text: str) -> Amount:
                return parse_units(text, DECIMALS)

            def available(key: Key) -> str:
                line = client.query("assets", "balance", account=str(key.address), symbol=SYMBOL)
                return format_units(Amount(int(line["result"]["available"])), DECIMALS)

            def fund_issue(manager: Key, fund: str) -> Issue:
                return Issue(
                    manager.address,
                    fund,
                    "HKD Money Market Fund, tokenized",
                    DECIMALS,
                    "security",
                    units("100000000"),
                    jurisdiction="HK",
                    required_claims=["kyc_level"],
                )

            def explain(result: Any) -> None:
                """What ``origin compliance explain`` says of a refusal by a pack rule."""
                rule_id = rule_id_of(result.message)
                if result.codespace != "compliance" or rule_id is None:
                    return
                rule = client.query("compliance", "rule", id=rule_id)["result"]
                cites = rule["rule"]["cites"]
                say(
                    f"  rule {rule_id} of the {rule['jurisdiction']} pack: "
                    f"{rule['rule']['summary']}\n  cites {cites['document']}, "
                    f"{cites['section']}: “{cites['quote']}”"
                )

            say("\n[bold]A dollar stablecoin minted against attested reserves[/]")
            vault = generate_key("vault")  # a custodian bank: a firm apart from the issuer
            step(
                "the admin grants the custodian role to a vault (a custodian bank)",
                admin,
                GrantRole(admin.address, vault.address, "custodian"),
            )
            step(
                "issue USDO, pegged to USD, at home in the US, reserves held by the vault",
                admin,
                Issue(
                    admin.address,
                    SYMBOL,
                    "Origin Demo Dollar",
                    DECIMALS,
                    "payment",
                    units("1000000000"),
                    custodian=vault.address,
                    peg="USD",
                    jurisdiction="US",
                ),
            )
            step(
                "the vault attests reserves of 10,000.00 USD for USDO",
                vault,
                AttestReserves(vault.address, SYMBOL, units("10000"), client.status()["time_ms"]),
            )
            step(
                "mint 5,000.00 USDO to alice and 1,000.00 to bob",
                admin,
                Mint(admin.address, SYMBOL, alice.address, units("5000")),
                Mint(admin.address, SYMBOL, bob.address, units("1000")),
            )
            step(
                "mint 4,000.00 more to carol: supply reaches the reserves exactly",
                admin,
                Mint(admin.address, SYMBOL, carol.address, units("4000")),
            )
            refused(
                "mint 0.01 more than the reserves",
                admin,
                Mint(admin.address, SYMBOL, carol.address, units("0.01")),
            )

            say("\n[bold]Payments[/]")
            step(
                "alice pays bob 125.50 USDO",
                alice,
                Transfer(alice.address, bob.address, SYMBOL, units("125.50")),
            )
            step(
                "bob pays carol 42.00 USDO",
                bob,
                Transfer(bob.address, carol.address, SYMBOL, units("42")),
            )
            refused(
                "carol tries to pay 5,000.00 with 4,042.00",
                carol,
                Transfer(carol.address, alice.address, SYMBOL, units("5000")),
            )

            say("\n[bold]Holds: reserve, then settle part or release[/]")
            expires_at_ms = client.status()["time_ms"] + 600_000
            order_ref = sha256(b"demo: alice's order at bob's shop")
            deposit_ref = sha256(b"demo: alice's refundable deposit at bob's shop")
            step(
                "alice places a hold of 300.00 for bob's order and one of 50.00 as a deposit",
                alice,
                PlaceHold(
                    alice.address, bob.address, SYMBOL, units("300"), expires_at_ms, order_ref
                ),
                PlaceHold(
                    alice.address, bob.address, SYMBOL, units("50"), expires_at_ms, deposit_ref
                ),
            )
            # alice's chosen ids live in her namespace: the ledger stores each hold under
            # client_hold_id(alice, chosen id), which bob posts or voids.
            order = client_hold_id(alice.address, order_ref)
            deposit = client_hold_id(alice.address, deposit_ref)
            say(f"  alice's available balance while the holds are open: {available(alice)}")
            step(
                "bob ships part of the order and posts 180.00 (the other 120.00 returns)",
                bob,
                PostHold(bob.address, order, units("180")),
            )
            step("bob voids the deposit hold", bob, VoidHold(bob.address, deposit))
            refused(
                "bob tries to post the settled order again",
                bob,
                PostHold(bob.address, order, units("1")),
            )
            say(f"  alice's available balance after settlement: {available(alice)}")

            say("\n[bold]A tokenized money-market fund in Hong Kong[/]")
            sfc = generate_key("hk-regulator")
            manager = generate_key("fund-manager")
            kyc = generate_key("kyc-provider")
            fund = "HKMMF"
            step(
                "the admin makes the SFC Hong Kong's regulator and the manager an issuer",
                admin,
                GrantRole(admin.address, sfc.address, "regulator"),
                AppointRegulator(admin.address, "HK", sfc.address, True),
                GrantRole(admin.address, manager.address, "issuer"),
            )
            explain(
                refused(
                    "the manager issues the fund before any approval",
                    manager,
                    fund_issue(manager, fund),
                )
            )
            step(
                "the SFC licenses the manager and approves the tokenized fund",
                sfc,
                SetLicense(sfc.address, "HK", manager.address, "licensed_fi", True),
                DecideIssuance(sfc.address, "HK", fund, manager.address, True, "MMF, approved"),
            )
            step(
                "the manager issues it (paused at first), trusts a KYC provider, opens it",
                manager,
                fund_issue(manager, fund),
                SetTrusted(manager.address, asset_scope(fund), "kyc_level", kyc.address, True),
                Authorize(manager.address, fund, alice.address, True),
                Authorize(manager.address, fund, bob.address, True),
                Pause(manager.address, fund, False),
            )
            kyc_fields = [Field("level", "uint")]
            step(
                "the KYC provider attests alice's KYC level (a level, no personal data)",
                kyc,
                RegisterSchema(kyc.address, "KYC level", kyc_fields, True, "kyc_level"),
                Attest(
                    kyc.address,
                    schema_id_of("KYC level", kyc_fields, True, "kyc_level"),
                    alice.address,
                    [UintValue(Amount(2))],
                ),
            )
            step(
                "alice subscribes: the manager mints her 1,000.00 fund units",
                manager,
                Mint(manager.address, fund, alice.address, units("1000")),
            )
            explain(
                refused(
                    "alice sells 100.00 units to bob, who has no KYC attestation",
                    alice,
                    Transfer(alice.address, bob.address, fund, units("100")),
                )
            )

            say("\n[bold]A CNY stablecoin without China's consent[/]")
            explain(
                refused(
                    "the issuer launches a CNY-pegged stablecoin in Hong Kong, unapproved",
                    admin,
                    Issue(
                        admin.address,
                        "CNYO",
                        "Offshore yuan coin",
                        DECIMALS,
                        "payment",
                        units("1000000"),
                        custodian=vault.address,
                        peg="CNY",
                        jurisdiction="HK",
                    ),
                )
            )

            play_payment_scenes(
                client=client,
                symbol=SYMBOL,
                decimals=DECIMALS,
                issuer=admin,
                custodian=vault,
                say=say,
                step=step,
                refused=refused,
                summary=summary,
                show_qr=not json_output,
            )

            payment = next(s for s in summary["steps"] if s["step"].startswith("alice pays"))
            table = Table(title=f"{SYMBOL} balances, each proven against a signed header")
            for column in ("account", "address", "balance", "block"):
                table.add_column(column)
            balances = {}
            for name, key in (("alice", alice), ("bob", bob), ("carol", carol)):
                amount, height = client.verified_balance(key.address, SYMBOL)
                balances[name] = format_units(amount, DECIMALS)
                table.add_row(name, str(key.address), balances[name], str(height))
            summary["balances"] = balances
            say(table)
            _, verified = client.verified_receipt(payment["hash"])
            say(
                f"[green]✓[/] receipt of alice's payment verified offline: in block "
                f"{verified.height} at index {verified.index}, under the validator's signature"
            )
            summary["api"] = server.url
            summary["receipt_verified"] = True
            if json_output:
                console.print_json(to_json(summary).decode())
            if serve:
                say(
                    f"\nThe API stays up on [cyan]{server.url}[/] — try "
                    f"[bold]curl {server.url}/v1/blocks/latest[/]. Ctrl-C to stop."
                )
                try:
                    threading.Event().wait()
                except KeyboardInterrupt:
                    say("\nstopping")
            return 0
        finally:
            server.stop()
            node.store.close()
