"""``origin demo``: a USD stablecoin on a fresh embedded node, end to end over HTTP.

It starts a node in a temporary home, issues a stablecoin, funds accounts, makes
payments, and prints a balance proven against the validator-signed header, with the time
each step took; then it keeps serving the API until Ctrl-C (or stops, with --no-serve).
Later issues add their scenarios here.
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
from originledger.modules.accounts.types import GrantRole
from originledger.modules.assets.types import (
    AttestReserves,
    Issue,
    Mint,
    PlaceHold,
    PostHold,
    Transfer,
    VoidHold,
)
from originledger.node.background import BackgroundServer
from originledger.node.home import DEV_PASSPHRASE, init_home
from originledger.node.runner import open_node
from originledger.sdk import Client, Key, TxBuilder, load_keystore, verify_receipt

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
            client = Client(server.url)
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
                say(
                    f"[green]✓[/] {title}: {result.status} in block {result.height} "
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

            say("\n[bold]A stablecoin minted against attested reserves[/]")
            step(
                "issue USDO, a USD stablecoin (payment class, cap 1bn)",
                admin,
                Issue(
                    admin.address,
                    SYMBOL,
                    "Origin Demo Dollar",
                    DECIMALS,
                    "payment",
                    units("1000000000"),
                ),
            )
            # A payment asset mints only against its custodian's reserve attestation; in
            # the demo the admin is also the custodian (a real one is a separate firm).
            step(
                "the custodian attests reserves of 10,000.00 USD for USDO",
                admin,
                GrantRole(admin.address, admin.address, "custodian"),
                AttestReserves(admin.address, SYMBOL, units("10000"), client.status()["time_ms"]),
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
            order = sha256(b"demo: alice's order at bob's shop")
            deposit = sha256(b"demo: alice's refundable deposit at bob's shop")
            step(
                "alice places a hold of 300.00 for bob's order and one of 50.00 as a deposit",
                alice,
                PlaceHold(alice.address, bob.address, SYMBOL, units("300"), expires_at_ms, order),
                PlaceHold(alice.address, bob.address, SYMBOL, units("50"), expires_at_ms, deposit),
            )
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
            receipt = client.receipt(payment["hash"])
            verified = verify_receipt(client.trust(), receipt)
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
