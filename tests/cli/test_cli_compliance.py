"""`origin compliance` against a dev node (whose genesis carries the CN, HK and US packs):
explain a refusal by a pack rule, by another module, and a success; trace; packs."""

from __future__ import annotations

from originledger.cli import ExitCode
from originledger.core.amounts import Amount
from originledger.keystore import load_keystore
from originledger.modules.assets.types import Issue, Transfer
from originledger.node.home import DEV_PASSPHRASE
from originledger.sdk import Client, TxBuilder

from .helpers import DevNode


def _submit(node: DevNode, signer: str, message) -> str:
    key = load_keystore(node.home / "keys" / f"{signer}.json", DEV_PASSPHRASE)
    tx = TxBuilder("origin-local").build([message], [key])
    with Client(node.url) as client:
        result = client.submit(tx, wait_ms=10_000)
    assert result.status == "committed", result
    return tx.hash.hex()


def _address(node: DevNode, name: str):
    from originledger.core.address import Address

    return Address.from_text(node.addresses[name])


def test_explain_refusal_by_a_pack_rule(dev_node: DevNode) -> None:
    admin = _address(dev_node, "admin")
    issue = Issue(admin, "CNYX", "Yuan coin", 2, "payment", Amount(10**9), peg="CNY")
    tx_hash = _submit(dev_node, "admin", issue)
    answer = dev_node.cli.json("compliance", "explain", tx_hash)
    assert answer["refused"] is True
    assert (answer["codespace"], answer["code"], answer["name"]) == (
        "compliance",
        21,
        "APPROVAL_MISSING",
    )
    assert answer["message_type"] == "assets/issue" and answer["message_index"] == 0
    rule = answer["rule"]
    assert (rule["jurisdiction"], rule["rule"]["id"], rule["kind"]) == (
        "CN",
        "CN-1",
        "issuance_approval",
    )
    assert "RMB-pegged stablecoin" in rule["rule"]["cites"]["quote"]
    shown = dev_node.cli("compliance", "explain", tx_hash)
    assert shown.exit_code == 0, shown.output
    for text in ("APPROVAL_MISSING", "CN-1", "Yinfa [2026] No. 42", "consent"):
        assert text in shown.stdout, text


def test_explain_refusal_by_another_module(dev_node: DevNode) -> None:
    carol, bob = _address(dev_node, "carol"), _address(dev_node, "bob")
    tx_hash = _submit(dev_node, "carol", Transfer(carol, bob, "USDD", Amount(10**15)))
    answer = dev_node.cli.json("compliance", "explain", tx_hash)
    assert (answer["codespace"], answer["name"], answer["rule"]) == (
        "assets",
        "INSUFFICIENT_BALANCE",
        None,
    )
    assert (
        "assets INSUFFICIENT_BALANCE (15)" in dev_node.cli("compliance", "explain", tx_hash).stdout
    )


def test_explain_success_and_bad_hash(dev_node: DevNode) -> None:
    alice, carol = _address(dev_node, "alice"), _address(dev_node, "carol")
    tx_hash = _submit(dev_node, "alice", Transfer(alice, carol, "USDD", Amount(1)))
    assert dev_node.cli.json("compliance", "explain", tx_hash)["refused"] is False
    assert "no rule refused it" in dev_node.cli("compliance", "explain", tx_hash).stdout
    bad = dev_node.cli.json("compliance", "explain", "12", expect=ExitCode.USAGE_ERROR)
    assert bad["error"]["code"] == "invalid_hash"
    missing = dev_node.cli.json("compliance", "explain", "ab" * 32, expect=ExitCode.NOT_FOUND)
    assert missing["error"]["code"] == "tx_not_found"


def test_trace_from_an_account(dev_node: DevNode) -> None:
    bob, carol = _address(dev_node, "bob"), _address(dev_node, "carol")
    _submit(dev_node, "bob", Transfer(bob, carol, "USDD", Amount(250)))
    answer = dev_node.cli.json("compliance", "trace", "bob", "USDD")
    first = answer["trace"]["hops"][0]
    assert (first["hop"], first["recipient"], first["traced"]) == (1, str(carol), "250")
    shown = dev_node.cli("compliance", "trace", "bob", "USDD", "--hops", "2")
    assert shown.exit_code == 0, shown.output
    assert "2.50" in shown.stdout and "at rest" in shown.stdout
    usage = dev_node.cli("compliance", "trace", "bob", "USDD", "--hops", "9")
    assert usage.exit_code == ExitCode.USAGE_ERROR


def test_packs_lists_rules_with_citations(dev_node: DevNode) -> None:
    answer = dev_node.cli.json("compliance", "packs")
    assert [pack["jurisdiction"] for pack in answer["packs"]] == ["CN", "HK", "US"]
    rules = {rule["id"]: rule for pack in answer["packs"] for rule in pack["rules"]}
    assert rules["HK-1"]["kind"] == "issuance_approval"
    assert "Securities and Futures Commission" in rules["HK-1"]["cites"]["quote"]
    shown = dev_node.cli("compliance", "packs")
    assert shown.exit_code == 0 and "US-1" in shown.stdout and "reserve_backing" in shown.stdout


def test_init_policy_option(cli, tmp_path) -> None:
    import json

    answer = cli.json("init", "--home", str(tmp_path / "hk"), "--policy", "HK")
    assert answer
    genesis = json.loads((tmp_path / "hk" / "genesis.json").read_text())
    assert [p["jurisdiction"] for p in genesis["app_state"]["compliance"]["packs"]] == ["HK"]
    cli.json("init", "--home", str(tmp_path / "none"), "--policy", "none")
    genesis = json.loads((tmp_path / "none" / "genesis.json").read_text())
    assert "compliance" not in genesis["app_state"]
    bad = cli.json(
        "init", "--home", str(tmp_path / "bad"), "--policy", "XX", expect=ExitCode.USAGE_ERROR
    )
    assert bad["error"]["code"] == "invalid_policy"
