"""`origin` against a dev node served in-process (one node for the whole module)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from originledger.cli import ExitCode
from originledger.node.home import init_home

from .helpers import DevNode


def balance_minor(node: DevNode, account: str, symbol: str = "USDD") -> int:
    return int(node.cli.json("query", "balance", account, symbol)["amount"])


def test_transfer_between_dev_accounts(dev_node: DevNode) -> None:
    alice, bob = balance_minor(dev_node, "alice"), balance_minor(dev_node, "bob")
    result = dev_node.cli("transfer", "12.50", "USDD", "--to", "bob", "--from", "alice")
    assert result.exit_code == 0, result.output
    assert "committed in block" in result.stdout
    assert "tx/0" in result.stdout
    assert balance_minor(dev_node, "alice") == alice - 1250
    assert balance_minor(dev_node, "bob") == bob + 1250


def test_transfer_to_address_in_minor_units(dev_node: DevNode) -> None:
    carol = dev_node.addresses["carol"]
    before = balance_minor(dev_node, carol)
    answer = dev_node.cli.json("transfer", "7", "USDD", "--minor", "--to", carol, "--from", "bob")
    assert (answer["status"], answer["code"], answer["ok"]) == ("committed", 0, True)
    assert answer["height"] >= 1 and len(answer["hash"]) == 64
    assert balance_minor(dev_node, carol) == before + 7


def test_transfer_refused_insufficient_balance(dev_node: DevNode) -> None:
    answer = dev_node.cli.json(
        "transfer", "5000000", "USDD", "--to", "bob", "--from", "carol", expect=ExitCode.TX_REFUSED
    )
    assert answer["status"] == "committed"
    assert (answer["codespace"], answer["code"], answer["ok"]) == ("assets", 15, False)
    assert "balance is lower" in answer["message"]
    result = dev_node.cli("transfer", "5000000", "USDD", "--to", "bob", "--from", "carol")
    assert result.exit_code == ExitCode.TX_REFUSED
    assert "refused" in result.stdout and "assets/15" in result.stdout


def test_invalid_transfer_amount_precision(dev_node: DevNode) -> None:
    result = dev_node.cli("transfer", "1.005", "USDD", "--to", "bob", "--from", "alice")
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "more than 2 decimal places" in result.stderr


def test_query_balance_prove(dev_node: DevNode) -> None:
    result = dev_node.cli("query", "balance", "alice", "USDD", "--prove")
    assert result.exit_code == 0, result.output
    assert "USDD" in result.stdout
    assert "verified against block" in result.stdout
    assert "signed by the validators" in result.stdout
    answer = dev_node.cli.json("query", "balance", "alice", "USDD", "--prove")
    assert answer["verified"] is True
    assert answer["units"] == f"{int(answer['amount']) // 100}.{int(answer['amount']) % 100:02d}"


def test_invalid_query_balance_prove_untrusted_validators(
    dev_node: DevNode, tmp_path: Path
) -> None:
    init_home(tmp_path, api="127.0.0.1:1")  # the same chain id, another validator
    answer = dev_node.cli.json(
        "query",
        "balance",
        "alice",
        "USDD",
        "--prove",
        "--genesis",
        str(tmp_path / "genesis.json"),
        expect=ExitCode.VERIFICATION_FAILED,
    )
    assert answer["error"]["code"] == "verification_failed"
    assert "not the pinned" in answer["error"]["message"]


def test_query_tx_prove(dev_node: DevNode) -> None:
    sent = dev_node.cli.json("transfer", "1", "USDD", "--to", "carol", "--from", "bob")
    result = dev_node.cli("query", "tx", sent["hash"], "--prove")
    assert result.exit_code == 0, result.output
    assert "assets/transferred" in result.stdout
    assert f"verified against block {sent['height']}" in result.stdout
    answer = dev_node.cli.json("query", "tx", sent["hash"], "--prove")
    assert answer["verified"]["height"] == sent["height"] == answer["height"]
    assert answer["result"]["code"] == 0


def test_query_tx_not_found(dev_node: DevNode) -> None:
    answer = dev_node.cli.json("query", "tx", "ab" * 32, expect=ExitCode.NOT_FOUND)
    assert answer["error"]["code"] == "tx_not_found"


def test_asset_issue_and_mint_by_admin(dev_node: DevNode) -> None:
    issued = dev_node.cli.json(
        "asset",
        "issue",
        "GOLD",
        "--name",
        "Vault gold",
        "--decimals",
        "3",
        "--class",
        "reserve",
        "--max-supply",
        "1000",
        "--from",
        "admin",
    )
    assert issued["ok"] is True
    minted = dev_node.cli("asset", "mint", "GOLD", "2.5", "--to", "alice", "--from", "admin")
    assert minted.exit_code == 0, minted.output
    assert "mint 2.5 GOLD to alice: committed" in minted.stdout
    asset = dev_node.cli.json("query", "asset", "GOLD")
    assert asset["asset"]["supply"] == "2500"
    assert asset["asset"]["max_supply"] == "1000000"
    shown = dev_node.cli("query", "asset", "GOLD")
    assert "2.500" in shown.stdout and "1000.000" in shown.stdout
    balance = dev_node.cli.json("query", "balance", "alice", "GOLD")
    assert (balance["amount"], balance["units"]) == ("2500", "2.500")
    burned = dev_node.cli.json(
        "asset", "burn", "GOLD", "1", "--from", "admin", expect=ExitCode.TX_REFUSED
    )  # the admin holds no GOLD
    assert burned["code"] == 15


def test_asset_mint_refused_not_issuer(dev_node: DevNode) -> None:
    answer = dev_node.cli.json(
        "asset", "mint", "USDD", "1", "--to", "bob", "--from", "bob", expect=ExitCode.TX_REFUSED
    )
    assert (answer["codespace"], answer["code"]) == ("assets", 13)


def test_account_grant_and_revoke(dev_node: DevNode) -> None:
    granted = dev_node.cli("account", "grant", "attester", "--to", "bob", "--from", "admin")
    assert granted.exit_code == 0, granted.output
    account = dev_node.cli.json("query", "account", "bob")
    assert "attester" in account["account"]["roles"]
    assert dev_node.cli.json("account", "revoke", "attester", "--to", "bob", "--from", "admin")[
        "ok"
    ]
    assert "attester" not in dev_node.cli.json("query", "account", "bob")["account"]["roles"]
    refused = dev_node.cli.json(
        "account", "grant", "admin", "--to", "bob", "--from", "bob", expect=ExitCode.TX_REFUSED
    )
    assert refused["codespace"] == "accounts"


def test_query_account_prove(dev_node: DevNode) -> None:
    admin = dev_node.cli("query", "account", "admin")
    assert admin.exit_code == 0, admin.output
    assert "admin, issuer" in admin.stdout
    result = dev_node.cli("query", "account", "alice", "--prove")
    assert result.exit_code == 0, result.output
    assert "USDD" in result.stdout
    assert "record and balances ✔ verified against block" in result.stdout
    answer = dev_node.cli.json("query", "account", dev_node.addresses["alice"], "--prove")
    assert answer["verified"] is True and answer["height"] >= 0
    usdd = next(balance for balance in answer["balances"] if balance["symbol"] == "USDD")
    assert int(usdd["amount"]) > 0
    admin_answer = dev_node.cli.json("query", "account", "admin", "--prove")
    assert admin_answer["account"]["roles"] == ["admin", "issuer"]


def test_query_account_not_found(dev_node: DevNode) -> None:
    answer = dev_node.cli.json(
        "query", "account", dev_node.addresses["validator"], expect=ExitCode.NOT_FOUND
    )
    assert answer["error"]["code"] == "account_not_found"


def test_query_asset_not_found(dev_node: DevNode) -> None:
    result = dev_node.cli("query", "asset", "NOPE")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "not found" in result.stderr and result.stdout == ""


def test_query_block(dev_node: DevNode) -> None:
    dev_node.cli.json("transfer", "1", "USDD", "--to", "alice", "--from", "bob")
    latest = dev_node.cli.json("query", "block", "latest")
    assert latest["height"] >= 1
    result = dev_node.cli("query", "block", str(latest["height"]))
    assert result.exit_code == 0
    assert latest["hash"] in result.stdout and "state root" in result.stdout
    missing = dev_node.cli("query", "block", "999999")
    assert missing.exit_code == ExitCode.NOT_FOUND


def test_verify_chain_after_blocks(dev_node: DevNode) -> None:
    dev_node.cli.json("transfer", "2", "USDD", "--to", "carol", "--from", "alice")
    result = dev_node.cli("verify-chain", "--home", str(dev_node.home))
    assert result.exit_code == 0, result.output
    assert "from genesis gives the committed state root" in result.stdout
    answer = dev_node.cli.json("verify-chain")
    assert answer["ok"] is True and answer["problems"] == []
    assert answer["blocks"] == answer["height"] >= 1 and answer["txs"] >= 1
    assert len(answer["state_root"]) == 64


def test_query_prove_with_pinned_genesis_hash(dev_node: DevNode) -> None:
    pinned = hashlib.sha256((dev_node.home / "genesis.json").read_bytes()).hexdigest()
    answer = dev_node.cli.json(
        "query", "balance", "alice", "USDD", "--prove", "--genesis-hash", pinned
    )
    assert answer["verified"] is True
    wrong = dev_node.cli.json(
        "query",
        "tx",
        "00" * 32,
        "--prove",
        "--genesis-hash",
        "11" * 32,
        expect=ExitCode.VERIFICATION_FAILED,
    )
    assert "not the pinned" in wrong["error"]["message"]


def test_invalid_query_prove_without_trusted_genesis(dev_node: DevNode, tmp_path: Path) -> None:
    """The node being checked never supplies the genesis it is checked against."""
    answer = dev_node.cli.json(
        "query",
        "balance",
        dev_node.addresses["alice"],
        "USDD",
        "--prove",
        "--node",
        dev_node.url,
        expect=ExitCode.SETUP_ERROR,
        ORIGIN_HOME=str(tmp_path / "empty"),
    )
    assert answer["error"]["code"] == "no_trusted_genesis"


def test_query_tx_prove_shows_only_proven_fields(dev_node: DevNode) -> None:
    sent = dev_node.cli.json("transfer", "2", "USDD", "--to", "carol", "--from", "bob")
    answer = dev_node.cli.json("query", "tx", sent["hash"], "--prove")
    [message] = answer["tx"]["messages"]
    assert message["recipient"] == dev_node.addresses["carol"]
    assert answer["index"] == answer["verified"]["index"]
    assert (dev_node.home / "light-client.json").exists()
