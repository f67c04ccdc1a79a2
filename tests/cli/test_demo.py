"""``origin demo`` end to end on a real node: every scene runs and says what it should."""

from __future__ import annotations

import io
import json
import socket

from rich.console import Console

from originledger.demo import run_demo


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_runs_every_scene() -> None:
    output = io.StringIO()
    console = Console(file=output, width=200)
    code = run_demo(api=f"127.0.0.1:{_free_port()}", serve=False, json_output=True, console=console)
    assert code == 0
    summary = json.loads(output.getvalue())
    steps = {step["step"]: step for step in summary["steps"]}

    def outcome(prefix: str) -> tuple[str, int]:
        found = [step for title, step in steps.items() if title.startswith(prefix)]
        assert len(found) == 1, prefix
        return found[0]["codespace"], found[0]["code"]

    # Reserves cap the stablecoin: up to them, and not a cent more.
    assert outcome("mint 4,000.00 more") == ("tx", 0)
    assert outcome("mint 0.01 more than the reserves") == ("assets", 47)
    # Holds: placed, partly posted, voided; a settled hold does not settle twice.
    assert outcome("alice places a hold") == ("tx", 0)
    assert outcome("bob ships part of the order") == ("tx", 0)
    assert outcome("bob voids the deposit hold") == ("tx", 0)
    assert outcome("bob tries to post the settled order again") == ("assets", 52)
    # Hong Kong: no fund before approval; after it, only KYC'd buyers.
    assert outcome("the manager issues the fund before any approval") == ("compliance", 21)
    assert outcome("alice subscribes") == ("tx", 0)
    assert outcome("alice sells 100.00 units to bob") == ("compliance", 30)
    # China: an unapproved CNY stablecoin is refused.
    assert outcome("the issuer launches a CNY-pegged stablecoin") == ("compliance", 21)
    # Every step that should pass did; proven balances add up to what was paid.
    assert summary["balances"] == {"alice": "4694.50", "bob": "1263.50", "carol": "4042.00"}
    assert summary["receipt_verified"] is True
    # Payments (issue #4): the QR payment settles once, refunds stop at what was paid.
    assert outcome("the tourist scans the code and pays 50.00 USDO") == ("tx", 0)
    assert outcome("the tourist's wallet pays the same code twice") == ("payments", 24)
    assert outcome("one item is out of stock") == ("tx", 0)
    assert outcome("the shop refunds 45.01 more") == ("payments", 35)
    assert outcome("end of day: the shop redeems") == ("tx", 0)
    assert outcome("the hotel tries to capture 1.00 after closing it") == ("payments", 31)
    assert outcome("someone presents a forged bill of lading") == ("payments", 44)
    assert outcome("the escrow is released a second time") == ("payments", 41)
    assert outcome("the station redeems the latest claim") == ("tx", 0)
    # 500.00 minted, 50.00 paid, 5.00 refunded (before the hotel scene).
    assert summary["tourist_balance"] == "455.00"
    assert summary["clearing"] == {
        "gross": "405000",
        "net": "15000",
        "saved_bps": 9629,
        "status": "settled",
    }
    assert set(summary["timings_ms"]) >= {"qr_payment_final", "refund_final", "netting_settlement"}
