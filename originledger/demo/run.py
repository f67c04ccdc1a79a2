"""``origin demo``: tokenized money on a fresh embedded node, end to end over HTTP.

It starts its own node in a temporary home (``node.py``) and plays the scenes of
``scenes/`` in order, printing the time each step took. It ends with balances proven
against the validator-signed header and a receipt verified offline (``proof.py``), then
keeps serving the API until Ctrl-C or SIGTERM (or stops, with --no-serve).
"""

from __future__ import annotations

import threading
from typing import Any

from rich.console import Console

from originledger.core.codec import to_json
from originledger.demo.context import DemoContext
from originledger.demo.node import DemoError, DemoNode, demo_node
from originledger.demo.proof import prove_balances
from originledger.demo.scenes import SCENES
from originledger.node.home import DEV_PASSPHRASE
from originledger.sdk import Client, load_keystore

__all__ = ["run_demo"]

DEV_KEYS = ("admin", "alice", "bob", "carol")


def run_demo(
    *,
    api: str = "127.0.0.1:8700",
    serve: bool = True,
    json_output: bool = False,
    console: Console | None = None,
) -> int:
    """Play every scene on the demo's own node; 0 when each step went as it should."""
    console = console or Console()
    say = (lambda *args, **kwargs: None) if json_output else console.print
    try:
        with demo_node(api, say) as node:
            ctx = _context(node, say, show_qr=not json_output)
            serving = f"a node is serving on [cyan]{node.url}[/] (home {node.home})"
            say(f"[bold]Origin demo[/] — {serving}")
            for scene in SCENES:
                scene(ctx)
            prove_balances(ctx)
            ctx.summary["api"] = node.url
            ctx.summary["receipt_verified"] = True
            if json_output:
                console.print_json(to_json(ctx.summary).decode())
            if serve:
                _serve(node, say)
            return 0
    except DemoError as error:
        console.print(f"[red]origin demo: {error}[/]")
        return 1


def _context(node: DemoNode, say: Any, *, show_qr: bool) -> DemoContext:
    keys = {
        name: load_keystore(node.home / "keys" / f"{name}.json", DEV_PASSPHRASE)
        for name in DEV_KEYS
    }
    client = Client(node.url, genesis=node.genesis)
    builder = client.tx_builder()
    return DemoContext(client=client, builder=builder, keys=keys, say=say, show_qr=show_qr)


def _serve(node: DemoNode, say: Any) -> None:
    say(
        f"\nThe API stays up on [cyan]{node.url}[/] — try "
        f"[bold]curl {node.url}/v1/blocks/latest[/]. Ctrl-C to stop."
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        say("\nstopping")
