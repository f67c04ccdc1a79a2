"""`origin asset pause|freeze|...` and `origin hold place|post|void` against a dev node."""

from __future__ import annotations

from originledger.cli import ExitCode
from originledger.core.address import Address
from originledger.core.crypto import sha256
from originledger.modules.assets import client_hold_id
from originledger.modules.assets.codes import AssetsCode

from .helpers import Cli, DevNode


def balance(node: DevNode, account: str) -> dict[str, str]:
    answer = node.cli.json("query", "balance", account, "USDD")
    return {key: str(value) for key, value in answer.items()}


def refused_transfer(node: DevNode, sender: str, recipient: str) -> int:
    answer = node.cli.json(
        "transfer", "1", "USDD", "--to", recipient, "--from", sender, expect=ExitCode.TX_REFUSED
    )
    assert answer["codespace"] == "assets"
    return int(answer["code"])


def test_freeze_account_then_lift(dev_node: DevNode) -> None:
    frozen = dev_node.cli("asset", "freeze", "USDD", "carol", "--from", "admin")
    assert frozen.exit_code == 0, frozen.output
    assert refused_transfer(dev_node, "carol", "bob") == AssetsCode.SENDER_FROZEN
    lifted = dev_node.cli.json("asset", "freeze", "USDD", "carol", "--lift", "--from", "admin")
    assert lifted["ok"] is True
    assert dev_node.cli("transfer", "1", "USDD", "--to", "bob", "--from", "carol").exit_code == 0


def test_freeze_partial_amount(dev_node: DevNode) -> None:
    before = balance(dev_node, "bob")
    answer = dev_node.cli.json(
        "asset", "freeze", "USDD", "bob", "--amount", "100", "--from", "admin"
    )
    assert answer["ok"] is True
    after = balance(dev_node, "bob")
    assert int(after["available"]) == int(before["available"]) - 100_00
    assert int(after["amount_frozen"]) == 100_00
    dev_node.cli.json("asset", "freeze", "USDD", "bob", "--lift", "--from", "admin")
    assert balance(dev_node, "bob")["available"] == before["available"]


def test_freeze_whole_asset_and_pause(dev_node: DevNode) -> None:
    assert dev_node.cli.json("asset", "freeze", "USDD", "--from", "admin")["ok"] is True
    assert refused_transfer(dev_node, "alice", "bob") == AssetsCode.ASSET_FROZEN
    assert dev_node.cli.json("asset", "freeze", "USDD", "--lift", "--from", "admin")["ok"]
    assert dev_node.cli.json("asset", "pause", "USDD", "--from", "admin")["ok"] is True
    assert refused_transfer(dev_node, "alice", "bob") == AssetsCode.PAUSED
    assert dev_node.cli.json("asset", "pause", "USDD", "--resume", "--from", "admin")["ok"]
    assert dev_node.cli("transfer", "1", "USDD", "--to", "bob", "--from", "alice").exit_code == 0


def test_invalid_freeze_whole_asset_deep(cli: Cli) -> None:
    result = cli("asset", "freeze", "USDD", "--deep", "--from", "admin")
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "one account's holding" in result.stderr


def test_invalid_hold_post_reference_without_payer(cli: Cli) -> None:
    result = cli("hold", "post", "order 17", "1", "USDD", "--from", "bob")
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "--payer" in result.stderr


def test_hold_place_post_and_void(dev_node: DevNode) -> None:
    alice, bob = balance(dev_node, "alice"), balance(dev_node, "bob")
    placed = dev_node.cli.json(
        "hold", "place", "30", "USDD", "--to", "bob", "--id", "order 17", "--from", "alice"
    )
    assert placed["ok"] is True
    alice_address = Address.from_text(dev_node.addresses["alice"])
    order = client_hold_id(alice_address, sha256(b"order 17"))
    assert placed["hold_id"] == order.hex()  # stored in alice's namespace
    deposit = dev_node.cli.json(
        "hold", "place", "5", "USDD", "--to", "bob", "--id", "deposit 17", "--from", "alice"
    )
    assert deposit["hold_id"] == client_hold_id(alice_address, sha256(b"deposit 17")).hex()
    held = balance(dev_node, "alice")
    assert int(held["held"]) == 35_00
    assert int(held["available"]) == int(alice["available"]) - 35_00
    posted = dev_node.cli("hold", "post", placed["hold_id"], "18", "USDD", "--from", "bob")
    assert posted.exit_code == 0, posted.output
    voided = dev_node.cli.json("hold", "void", "deposit 17", "--payer", "alice", "--from", "bob")
    assert voided["ok"] is True
    again = dev_node.cli.json(
        "hold", "post", "order 17", "1", "USDD", "--payer", "alice", "--from", "bob",
        expect=ExitCode.TX_REFUSED,
    )  # fmt: skip
    assert again["code"] == AssetsCode.HOLD_NOT_FOUND
    after_alice, after_bob = balance(dev_node, "alice"), balance(dev_node, "bob")
    assert int(after_alice["amount"]) == int(alice["amount"]) - 18_00
    assert int(after_alice["held"]) == 0
    assert int(after_bob["amount"]) == int(bob["amount"]) + 18_00
