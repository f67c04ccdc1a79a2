"""`origin` commands that need no node: init, keys, verify-chain's errors, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from originledger import __version__
from originledger.cli import ExitCode
from originledger.node.home import DEV_PASSPHRASE
from originledger.sdk import load_keystore

from .helpers import PLAIN_ENV, Cli, free_port


@pytest.fixture(scope="module")
def dev_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dev home whose node never ran; the tests using it must not change it."""
    home = tmp_path_factory.mktemp("dev") / "home"
    result = Cli(dict(PLAIN_ENV))(
        "init", "--home", str(home), "--dev", "--api", f"127.0.0.1:{free_port()}"
    )
    assert result.exit_code == 0, result.output
    return home


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"origin {__version__}"


def test_init_dev_writes_keys_and_says_so(tmp_path: Path, cli: Cli) -> None:
    home = tmp_path / "home"
    result = cli(
        "init", "--home", str(home), "--dev", "--chain-id", "test-1", "--block-interval-ms", "50"
    )
    assert result.exit_code == 0, result.output
    for name in ("admin", "alice", "bob", "carol", "validator"):
        assert name in result.stdout
    assert f"passphrase {DEV_PASSPHRASE}" in result.stdout
    assert json.loads((home / "genesis.json").read_text())["chain_id"] == "test-1"
    assert "block_interval_ms = 50" in (home / "config.toml").read_text()
    alice = load_keystore(home / "keys" / "alice.json", DEV_PASSPHRASE)
    assert str(alice.address) in result.stdout


def test_init_json(tmp_path: Path, cli: Cli) -> None:
    home = tmp_path / "home"
    answer = cli.json("init", "--home", str(home), "--api", "127.0.0.1:9999")
    assert answer["home"] == str(home)
    assert answer["api"] == "127.0.0.1:9999"
    assert answer["dev_passphrase"] is None
    assert set(answer["keys"]) == {"validator"}
    assert not (home / "keys" / "alice.json").exists()


def test_invalid_init_existing_home(dev_home: Path, cli: Cli) -> None:
    result = cli("init", "--home", str(dev_home))
    assert result.exit_code == ExitCode.SETUP_ERROR
    assert "already holds a node" in result.stderr
    assert result.stdout == ""
    answer = cli.json("init", "--home", str(dev_home), expect=ExitCode.SETUP_ERROR)
    assert answer["error"]["code"] == "home_error"


def test_invalid_init_api_address(tmp_path: Path, cli: Cli) -> None:
    result = cli("init", "--home", str(tmp_path / "home"), "--api", "localhost")
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "HOST:PORT" in result.output
    assert not (tmp_path / "home").exists()


def test_keys_new_list_show(tmp_path: Path, cli: Cli) -> None:
    home = str(tmp_path / "home")
    created = cli.json("keys", "new", "treasury", "--home", home, ORIGIN_PASSPHRASE="s3cret")
    key = load_keystore(Path(created["path"]), "s3cret")
    assert str(key.address) == created["address"]
    listed = cli.json("keys", "list", "--home", home)
    assert listed == {
        "keys": [
            {"name": "treasury", "address": created["address"], "public_key": created["public_key"]}
        ]
    }
    shown = cli("keys", "show", "treasury", "--home", home)
    assert shown.exit_code == 0
    assert created["address"] in shown.stdout
    assert created["public_key"] in shown.stdout
    table = cli("keys", "list", "--home", home)
    assert table.exit_code == 0
    assert "treasury" in table.stdout and created["address"] in table.stdout


def test_keys_new_passphrase_from_file_and_prompt(tmp_path: Path, cli: Cli) -> None:
    home = str(tmp_path / "home")
    secret = tmp_path / "passphrase.txt"
    secret.write_text("from-a-file\n")
    from_file = cli.json("keys", "new", "one", "--home", home, "--passphrase-file", str(secret))
    load_keystore(Path(from_file["path"]), "from-a-file")
    prompted = cli("keys", "new", "two", "--home", home, "--json", input="typed\ntyped\n")
    assert prompted.exit_code == 0, prompted.output
    load_keystore(Path(json.loads(prompted.stdout)["path"]), "typed")


def test_keys_list_empty(tmp_path: Path, cli: Cli) -> None:
    assert cli.json("keys", "list", "--home", str(tmp_path)) == {"keys": []}
    result = cli("keys", "list", "--home", str(tmp_path))
    assert result.exit_code == 0
    assert "no keys" in result.stdout


def test_invalid_keys_new_existing_name(dev_home: Path, cli: Cli) -> None:
    result = cli("keys", "new", "alice", "--home", str(dev_home), ORIGIN_PASSPHRASE="x")
    assert result.exit_code == ExitCode.SETUP_ERROR
    assert "already exists" in result.stderr


def test_invalid_keys_new_without_passphrase(tmp_path: Path, cli: Cli) -> None:
    answer = cli.json("keys", "new", "k", "--home", str(tmp_path), expect=ExitCode.SETUP_ERROR)
    assert answer["error"]["code"] == "no_passphrase"
    assert not (tmp_path / "keys" / "k.json").exists()


def test_invalid_keys_new_empty_passphrase(tmp_path: Path, cli: Cli) -> None:
    result = cli("keys", "new", "k", "--home", str(tmp_path), ORIGIN_PASSPHRASE="")
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "must not be empty" in result.stderr


def test_invalid_keys_name(tmp_path: Path, cli: Cli) -> None:
    result = cli("keys", "new", "../evil", "--home", str(tmp_path), ORIGIN_PASSPHRASE="x")
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "not a key name" in result.stderr
    assert not (tmp_path / "evil.json").exists()


def test_keys_show_not_found(dev_home: Path, cli: Cli) -> None:
    answer = cli.json("keys", "show", "nobody", "--home", str(dev_home), expect=ExitCode.NOT_FOUND)
    assert answer == {
        "error": {
            "code": "key_not_found",
            "message": f"no key named 'nobody' in {dev_home / 'keys'} "
            "(keys: admin, alice, bob, carol)",
        }
    }


def test_invalid_verify_chain_node_never_ran(dev_home: Path, cli: Cli) -> None:
    result = cli("verify-chain", "--home", str(dev_home))
    assert result.exit_code == ExitCode.SETUP_ERROR
    assert "has never run" in result.stderr
    assert "Traceback" not in result.output


def test_invalid_verify_chain_not_a_home(tmp_path: Path, cli: Cli) -> None:
    answer = cli.json("verify-chain", "--home", str(tmp_path), expect=ExitCode.SETUP_ERROR)
    assert answer["error"]["code"] == "no_ledger"
    assert "not a node's home" in answer["error"]["message"]


def test_invalid_start_without_home(tmp_path: Path, cli: Cli) -> None:
    result = cli("start", "--home", str(tmp_path / "missing"))
    assert result.exit_code == ExitCode.SETUP_ERROR
    assert "origin init" in result.stderr


def test_node_unreachable(dev_home: Path, cli: Cli) -> None:
    node = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = cli("query", "block", "--home", str(dev_home), "--node", node)
    assert result.exit_code == ExitCode.NODE_ERROR
    assert "is the node running?" in result.stderr
    answer = cli.json("query", "block", "--home", str(dev_home), expect=ExitCode.NODE_ERROR)
    assert answer["error"]["code"] == "unreachable"


def test_invalid_node_address_without_home(tmp_path: Path, cli: Cli) -> None:
    result = cli("query", "asset", "USDD", "--home", str(tmp_path))
    assert result.exit_code == ExitCode.SETUP_ERROR
    assert "config.toml is missing" in result.stderr


def test_invalid_wrong_passphrase(dev_home: Path, cli: Cli) -> None:
    # issue signs before it needs the node, so a wrong passphrase is the first failure.
    result = cli(
        "asset",
        "issue",
        "GOLD",
        "--name",
        "Gold",
        "--decimals",
        "3",
        "--class",
        "reserve",
        "--max-supply",
        "10",
        "--from",
        "admin",
        "--home",
        str(dev_home),
        ORIGIN_PASSPHRASE="wrong",
    )
    assert result.exit_code == ExitCode.SETUP_ERROR
    assert "wrong passphrase" in result.stderr


def test_invalid_missing_signing_key(dev_home: Path, cli: Cli) -> None:
    result = cli(
        "account",
        "grant",
        "issuer",
        "--to",
        "alice",
        "--from",
        "mallory",
        "--home",
        str(dev_home),
        ORIGIN_PASSPHRASE="dev",
    )
    assert result.exit_code == ExitCode.SETUP_ERROR
    assert "no key named 'mallory'" in result.stderr


def test_invalid_recipient(dev_home: Path, cli: Cli) -> None:
    result = cli(
        "transfer", "1", "USDD", "--to", "og1nothing", "--from", "alice", "--home", str(dev_home)
    )
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "'og1nothing' is not a valid address" in result.stderr


def test_invalid_tx_hash(dev_home: Path, cli: Cli) -> None:
    result = cli("query", "tx", "abc", "--home", str(dev_home))
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "64 hex characters" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["transfer", "1", "USDD"],  # no --to / --from
        [
            "asset",
            "issue",
            "X",
            "--name",
            "X",
            "--decimals",
            "99",
            "--class",
            "payment",
            "--max-supply",
            "1",
            "--from",
            "admin",
        ],  # decimals out of range
        [
            "asset",
            "issue",
            "X",
            "--name",
            "X",
            "--decimals",
            "2",
            "--class",
            "nonsense",
            "--max-supply",
            "1",
            "--from",
            "admin",
        ],  # unknown class
        ["account", "grant", "emperor", "--to", "bob", "--from", "admin"],  # unknown role
        ["transfer", "1", "USDD", "--to", "bob", "--from", "alice", "--wait-ms", "-1"],
        ["query", "balance"],
        ["no-such-command"],
    ],
)
def test_invalid_usage(args: list[str], cli: Cli) -> None:
    result = cli(*args)
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "Usage" in result.output or "Error" in result.output


def test_demo_and_bench_are_wired(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    import originledger.bench
    import originledger.demo

    calls: dict[str, dict[str, object]] = {}

    def fake_demo(**kwargs: object) -> int:
        calls["demo"] = kwargs
        return 0

    def fake_bench(**kwargs: object) -> int:
        calls["bench"] = kwargs
        return 4

    monkeypatch.setattr(originledger.demo, "run_demo", fake_demo)
    monkeypatch.setattr(originledger.bench, "run_transfer_bench", fake_bench)
    assert cli("demo", "--api", "127.0.0.1:9", "--no-serve", "--json").exit_code == 0
    assert calls["demo"]["api"] == "127.0.0.1:9"
    assert calls["demo"]["serve"] is False and calls["demo"]["json_output"] is True
    result = cli(
        "bench", "transfers", "--accounts", "3", "--txs", "5", "--batch", "2", "--rate", "7"
    )
    assert result.exit_code == 4
    keys = ("accounts", "txs", "batch", "rate", "home", "json_output")
    assert {k: calls["bench"][k] for k in keys} == {
        "accounts": 3,
        "txs": 5,
        "batch": 2,
        "rate": 7,
        "home": None,
        "json_output": False,
    }
