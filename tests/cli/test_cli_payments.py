"""`origin request`, `origin pay`, `origin escrow`, `origin channel`, `origin clearing`
against a dev node (USDD: alice, bob and carol hold 1,000,000.00 each), with --json; and
the payment routes of the API (a request's URI and QR code)."""

from __future__ import annotations

import httpx
import msgspec

from originledger.cli import ExitCode
from originledger.core.address import Address
from originledger.sdk.payments import build_payment_uri, parse_payment_uri

from .helpers import DevNode


def _query(node: DevNode, module: str, name: str, **params: str) -> dict:
    answer = httpx.get(f"{node.url}/v1/query/{module}/{name}", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def test_request_create_pay_refund_by_uri(dev_node: DevNode) -> None:
    cli = dev_node.cli
    created = cli.json("request", "create", "50.00", "USDD", "--from", "bob", "--ref", "order-42")
    assert created["ok"] and created["status"] == "committed"
    uri, request_id = created["uri"], created["request_id"]
    assert parse_payment_uri(uri).reference == "order-42"
    shown = cli("request", "show", request_id)
    assert shown.exit_code == 0 and uri in shown.stdout and "█" in shown.stdout
    paid = cli.json("pay", "uri", uri, "--from", "alice")
    assert paid["ok"] and paid["request_id"] == request_id
    # The wallet fetches the request first: a paid one is refused before signing.
    again = cli.json("pay", "uri", uri, "--from", "carol", expect=ExitCode.USAGE_ERROR)
    assert again["error"]["code"] == "request_mismatch" and "paid" in again["error"]["message"]
    refund = cli.json("pay", "refund", request_id, "5.00", "--from", "bob", "--reason", "late")
    assert refund["ok"]
    payment = cli.json("pay", "show", request_id)
    assert (payment["settled"], payment["refunded"], payment["refundable"]) == (
        "5000",
        "500",
        "4500",
    )
    tampered = uri.replace("amount=5000", "amount=5")
    bad = cli("pay", "uri", tampered, "--from", "alice")
    assert bad.exit_code == ExitCode.USAGE_ERROR and "checksum" in bad.output
    with httpx.Client(base_url=dev_node.url) as http:
        answer = http.get(f"/v1/payments/requests/{request_id}/uri").json()
        assert answer["uri"] == uri and answer["state"] == "paid"
        svg = http.get(f"/v1/payments/requests/{request_id}/qr.svg")
        assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
        png = http.get(f"/v1/payments/requests/{request_id}/qr.png?scale=2")
        assert png.content.startswith(b"\x89PNG")
        assert http.get(f"/v1/payments/requests/{'00' * 32}/qr.svg").status_code == 404
        assert http.get("/v1/payments/requests/zz/uri").status_code == 400
        assert http.get(f"/v1/payments/requests/{request_id}/qr.png?scale=99").status_code == 400


def test_regression_pay_uri_refuses_a_squatted_request(dev_node: DevNode) -> None:
    """Bob's code names bob and an id that carol registered first (squatting): the CLI
    fetches the request, sees another merchant, and signs nothing."""
    cli = dev_node.cli
    created = cli.json("request", "create", "50.00", "USDD", "--from", "carol")
    squatted = parse_payment_uri(created["uri"])
    bobs = msgspec.structs.replace(squatted, merchant=Address.from_text(dev_node.addresses["bob"]))
    refused = cli.json(
        "pay", "uri", build_payment_uri(bobs), "--from", "alice", expect=ExitCode.USAGE_ERROR
    )
    assert refused["error"]["code"] == "request_mismatch"
    assert "belongs to" in refused["error"]["message"]
    request = _query(dev_node, "payments", "request", id=created["request_id"])
    assert request["state"] == "open"


def test_authorize_capture_void(dev_node: DevNode) -> None:
    cli = dev_node.cli
    authorized = cli.json("pay", "authorize", "100", "USDD", "--to", "bob", "--from", "alice")
    authorization_id = authorized["authorization_id"]
    assert cli.json("pay", "capture", authorization_id, "30", "--from", "bob")["ok"]
    refused = cli.json(
        "pay", "capture", authorization_id, "80", "--from", "bob", expect=ExitCode.TX_REFUSED
    )
    assert (refused["codespace"], refused["code"]) == ("payments", 33)
    assert cli.json("pay", "void", authorization_id, "--from", "bob")["ok"]
    result = _query(dev_node, "payments", "authorization", id=authorization_id)
    assert result["state"] == "voided" and result["authorization"]["captured"] == "3000"


def test_escrow_hash_lock_release(dev_node: DevNode, tmp_path) -> None:
    cli = dev_node.cli
    bill = tmp_path / "bill-of-lading.txt"
    bill.write_text("B/L 0042: 40 cartons of tea")
    created = cli.json(
        "escrow",
        "create",
        "250",
        "USDD",
        "--to",
        "carol",
        "--from",
        "alice",
        "--lock-file",
        str(bill),
        "--cancel-in",
        "3600",
    )
    escrow_id = created["escrow_id"]
    wrong = cli.json(
        "escrow",
        "release",
        escrow_id,
        "--from",
        "carol",
        "--preimage",
        "forged",
        expect=ExitCode.TX_REFUSED,
    )
    assert wrong["code"] == 44
    assert cli.json(
        "escrow", "release", escrow_id, "--from", "carol", "--preimage-file", str(bill)
    )["ok"]
    assert cli.json("escrow", "show", escrow_id)["escrow"]["status"] == "released"


def test_channel_sign_verify_claim_close(dev_node: DevNode) -> None:
    cli = dev_node.cli
    opened = cli.json("channel", "open", "10", "USDD", "--to", "bob", "--from", "alice")
    channel_id = opened["channel_id"]
    claim = cli.json("channel", "sign", channel_id, "0.37", "--from", "alice")["claim"]
    assert cli.json("channel", "verify", claim)["valid"] is True
    over = cli.json("channel", "sign", channel_id, "10.01", "--from", "alice")["claim"]
    assert (
        cli.json("channel", "verify", over, expect=ExitCode.VERIFICATION_FAILED)["covered"] is False
    )
    assert cli.json("channel", "claim", claim, "--from", "bob", "--close")["ok"]
    shown = cli.json("channel", "show", channel_id)
    assert shown["state"] == "closed" and shown["channel"]["paid"] == "37"


def test_atomic_payment_all_or_nothing(dev_node: DevNode) -> None:
    cli = dev_node.cli
    good = cli.json(
        "pay",
        "atomic",
        "--leg",
        "alice>bob:1.00:USDD",
        "--leg",
        "bob>alice:0.50:USDD",
        "--from",
        "alice",
        "--from",
        "bob",
    )
    assert good["ok"]
    bad = cli.json(
        "pay",
        "atomic",
        "--leg",
        "alice>bob:1.00:USDD",
        "--leg",
        "bob>alice:99999999:USDD",
        "--from",
        "alice",
        "--from",
        "bob",
        expect=ExitCode.TX_REFUSED,
    )
    assert (bad["codespace"], bad["code"], bad["message_index"]) == ("assets", 15, 0)


def test_clearing_cycle_end_to_end(dev_node: DevNode) -> None:
    cli = dev_node.cli
    opened = cli.json(
        "clearing",
        "open",
        "day 1",
        "--participant",
        "alice",
        "--participant",
        "bob",
        "--participant",
        "carol",
        "--from",
        "admin",
    )
    assert opened["ok"]
    assert _query(dev_node, "clearing", "cycle", id="1")["cycle"]["status"] == "open"
    for payer, payee, amount in (
        ("alice", "bob", "100"),
        ("bob", "carol", "80"),
        ("carol", "alice", "90"),
    ):
        assert cli.json("clearing", "submit", "1", amount, "USDD", "--to", payee, "--from", payer)[
            "ok"
        ]
    closed = cli("clearing", "close", "1", "--from", "admin")
    assert closed.exit_code == 0, closed.output
    assert "liquidity saved" in closed.stdout
    report = cli.json("clearing", "report", "1")
    (totals,) = report["totals"]
    assert (totals["gross"], totals["net"], totals["saved_bps"]) == ("27000", "2000", 9259)
