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
from originledger.modules.accounts.types import GrantRole
from originledger.modules.assets.types import AttestReserves, Issue, Mint, Transfer
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

            def step(title: str, signer: Key, *messages: Any) -> None:
                started = time.perf_counter()
                tx = builder.build(list(messages), [signer])
                result = client.submit(tx, wait_ms=10_000)
                elapsed_ms = (time.perf_counter() - started) * 1000
                summary["steps"].append(
                    {
                        "step": title,
                        "hash": result.hash,
                        "status": result.status,
                        "code": result.code,
                        "height": result.height,
                        "ms": round(elapsed_ms, 1),
                    }
                )
                mark = "[green]✓[/]" if result.ok else "[red]✗[/]"
                say(
                    f"{mark} {title}: {result.status} in block {result.height} "
                    f"({elapsed_ms:.0f} ms, code {result.code}: {result.message})"
                )
                if not result.ok:
                    raise RuntimeError(f"demo step failed: {title}: {result.message}")

            admin, alice, bob, carol = (keys[n] for n in ("admin", "alice", "bob", "carol"))

            def units(text: str) -> Amount:
                return parse_units(text, DECIMALS)

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
                "attest reserves of 10,000.00 USD for USDO (custodian role, then statement)",
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
                "alice pays bob 125.50 USDO",
                alice,
                Transfer(alice.address, bob.address, SYMBOL, units("125.50")),
            )
            step(
                "bob pays carol 42.00 USDO",
                bob,
                Transfer(bob.address, carol.address, SYMBOL, units("42")),
            )

            # A payment that must fail, and change nothing.
            tx = builder.build(
                [Transfer(carol.address, alice.address, SYMBOL, units("1000"))], [carol]
            )
            refused = client.submit(tx, wait_ms=10_000)
            say(
                f"[yellow]![/] carol tries to pay 1,000.00 with 42.00: {refused.status}, "
                f"{refused.codespace} code {refused.code} ({refused.message})"
            )

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
            receipt = client.receipt(summary["steps"][3]["hash"])
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
