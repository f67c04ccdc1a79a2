"""#13, the first hour of a new user: errors that say what is wrong, no getpass warning
without a terminal, unreadable files as errors, the ledger's clock for holds."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from originledger.cli import ExitCode
from originledger.cli.output import counted
from originledger.core.address import account_address
from originledger.node.home import DEV_PASSPHRASE, init_home, load_validator_key
from originledger.node.runner import open_node
from originledger.sdk import load_keystore
from originledger.server.background import BackgroundServer

from .helpers import PLAIN_ENV, Cli, DevNode, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dev home whose node never ran; the tests using it must not change it."""
    home = tmp_path_factory.mktemp("dev") / "home"
    init_home(home, dev=True, api=f"127.0.0.1:{free_port()}")
    return home


def test_regression_mistyped_address_says_bad_checksum(home: Path, cli: Cli) -> None:
    bob = load_keystore(home / "keys" / "bob.json", DEV_PASSPHRASE).address
    text = str(bob)
    mistyped = text[:-1] + ("q" if text[-1] != "q" else "p")
    result = cli("transfer", "1", "USDD", "--to", mistyped, "--from", "alice", "--home", str(home))
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert f"{mistyped!r} is not a valid address: bad checksum" in result.stderr
    assert "neither an address nor a key" not in result.stderr
    answer = cli.json("query", "balance", mistyped, "USDD", "--home", str(home), expect=2)
    assert answer["error"]["code"] == "invalid_address"


def test_regression_address_with_a_character_addresses_never_use(home: Path, cli: Cli) -> None:
    result = cli("query", "balance", "og1bbbbbbbbbbbbbbb", "USDD", "--home", str(home))
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "invalid character 'b'" in result.stderr


def test_regression_unknown_key_name_lists_the_keys(home: Path, cli: Cli) -> None:
    result = cli("transfer", "1", "USDD", "--to", "bobby", "--from", "alice", "--home", str(home))
    assert result.exit_code == ExitCode.SETUP_ERROR
    assert f"no key named 'bobby' in {home / 'keys'}" in result.stderr
    assert "(keys: admin, alice, bob, carol)" in result.stderr


def test_regression_missing_home_says_no_home(tmp_path: Path, cli: Cli) -> None:
    missing = tmp_path / "nowhere"
    for args in (
        ("transfer", "1", "USDD", "--to", "bob", "--from", "alice"),
        ("query", "balance", "bob", "USDD"),
        ("query", "block"),
    ):
        result = cli(*args, "--home", str(missing), ORIGIN_PASSPHRASE="dev")
        assert result.exit_code == ExitCode.SETUP_ERROR, (args, result.output)
        assert f"no home at {missing} (run `origin init --home {missing}`" in result.stderr
        assert "neither an address nor a key" not in result.stderr
    for args in (("start",), ("verify-chain",)):
        result = cli(*args, "--home", str(missing))
        assert result.exit_code == ExitCode.SETUP_ERROR, (args, result.output)
        assert f"no home at {missing}" in result.stderr
    assert not missing.exists()


def _origin(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    """`origin` in its own session: no controlling terminal, as under cron or CI."""
    env = {k: v for k, v in os.environ.items() if k not in ("ORIGIN_PASSPHRASE", "ORIGIN_HOME")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", "from originledger.cli.main import main; main()", *args],
        input=stdin,
        capture_output=True,
        env={**env, "NO_COLOR": "1", "COLUMNS": "200"},
        start_new_session=True,
        timeout=120,
        check=False,
    )


def test_regression_no_getpass_warning_without_a_terminal(tmp_path: Path) -> None:
    refused = _origin("keys", "new", "k", "--home", str(tmp_path), stdin=b"")
    assert refused.returncode == ExitCode.SETUP_ERROR
    stderr = refused.stderr.decode()
    assert "GetPassWarning" not in stderr and "may be echoed" not in stderr
    assert "--passphrase-file" in stderr and "ORIGIN_PASSPHRASE" in stderr
    assert not (tmp_path / "keys" / "k.json").exists()
    piped = _origin("keys", "new", "k", "--home", str(tmp_path), stdin=b"piped secret\n")
    assert piped.returncode == 0, piped.stderr
    assert "GetPassWarning" not in piped.stderr.decode()
    assert load_keystore(tmp_path / "keys" / "k.json", "piped secret").address


def test_regression_escrow_unreadable_lock_and_preimage_files(
    home: Path, tmp_path: Path, cli: Cli
) -> None:
    unreadable = tmp_path / "a-directory"
    unreadable.mkdir()
    missing = tmp_path / "missing.txt"
    created = cli(
        "escrow", "create", "1", "USDD", "--to", "bob", "--from", "alice",
        "--lock-file", str(missing), "--home", str(home),
    )  # fmt: skip
    assert created.exit_code == ExitCode.SETUP_ERROR, created.output
    assert f"cannot read the lock file {missing}: No such file" in created.stderr
    released = cli.json(
        "escrow", "release", "00" * 32, "--from", "bob", "--preimage-file", str(unreadable),
        "--home", str(home), expect=ExitCode.SETUP_ERROR,
    )  # fmt: skip
    assert released["error"]["code"] == "unreadable_file"
    assert "cannot read the preimage file" in released["error"]["message"]


AHEAD_MS = 5 * 60_000


@pytest.fixture
def ahead_node(tmp_path: Path) -> Iterator[tuple[Path, Cli]]:
    """A node whose ledger clock runs 5 minutes ahead of this machine's (within the
    transactions' 10-minute time to live the SDK gives them)."""
    home = tmp_path / "home"
    init_home(home, dev=True, api="127.0.0.1:0", block_interval_ms=20)
    node = open_node(home)
    node.clock_ms = lambda: time.time_ns() // 1_000_000 + AHEAD_MS
    server = BackgroundServer(node, "127.0.0.1:0").start()
    try:
        yield home, Cli({**PLAIN_ENV, "ORIGIN_NODE": server.url, "ORIGIN_PASSPHRASE": "dev"})
    finally:
        server.stop()
        node.stop()


def test_regression_hold_place_expires_by_the_ledgers_clock(
    ahead_node: tuple[Path, Cli],
) -> None:
    home, cli = ahead_node
    cli.json("transfer", "1", "USDD", "--to", "bob", "--from", "carol", "--home", str(home))
    placed = cli.json(
        "hold", "place", "1", "USDD", "--to", "bob", "--from", "alice", "--expires-in-s", "60",
        "--home", str(home),
    )  # fmt: skip
    assert placed["ok"] is True, placed  # by this machine's clock, it expired 4 minutes ago
    receipt = cli.json("query", "tx", placed["hash"], "--home", str(home))
    event = next(e["data"] for e in receipt["events"] if e["type"] == "assets/hold_placed")
    header = cli.json("query", "block", str(receipt["height"]), "--home", str(home))
    block_ms = int(header["signed_header"]["header"]["time_ms"])
    assert block_ms > time.time_ns() // 1_000_000 + 60_000  # the ledger runs ahead
    assert block_ms < int(event["expires_at_ms"]) <= block_ms + 60_000


def test_counted_plurals() -> None:
    assert counted(1, "block") == "1 block"
    assert [counted(n, "block") for n in (0, 2, 12_345)] == [
        "0 blocks",
        "2 blocks",
        "12,345 blocks",
    ]
    assert counted(1, "process", "processes") == "1 process"
    assert counted(3, "process", "processes") == "3 processes"


def test_regression_refused_transfer_in_units_and_one_transaction(dev_node: DevNode) -> None:
    cli = dev_node.cli
    refused = cli.json(
        "transfer", "99999999", "USDD", "--to", "bob", "--from", "carol",
        expect=ExitCode.TX_REFUSED,
    )  # fmt: skip
    assert refused["message"].startswith("the balance is lower than the amount: ")
    assert refused["message"].endswith(" < 99999999.00 USDD"), refused["message"]
    receipt = cli("query", "tx", refused["hash"])
    assert receipt.exit_code == 0, receipt.output
    assert "amount=99999999.00 USDD" in receipt.stdout
    assert "events" not in receipt.stdout  # no empty table
    block = cli("query", "block", str(refused["height"]))
    assert block.exit_code == 0, block.output
    assert re.search(r"^1 transaction *$", block.stdout, re.MULTILINE), block.stdout
    assert "1 transactions" not in block.stdout
    sent = cli.json("transfer", "2.5", "USDD", "--to", "bob", "--from", "carol")
    shown = cli("query", "tx", sent["hash"]).stdout
    assert shown.count("amount=2.50 USDD") == 2, shown  # the message and its event
    validator = account_address(load_validator_key(dev_node.home).public_key)
    assert f"proposer      {validator}" in block.stdout


def test_verify_chain_progress_bar_on_a_terminal_only(dev_node: DevNode) -> None:
    cli = dev_node.cli
    cli.json("transfer", "1", "USDD", "--to", "bob", "--from", "alice")
    shown = cli("verify-chain", TTY_COMPATIBLE="1", FORCE_COLOR="1")  # as on a terminal
    assert shown.exit_code == 0, shown.output
    assert "replaying blocks" in shown.stderr
    assert "replaying blocks" not in shown.stdout
    quiet = cli("verify-chain", "--json", TTY_COMPATIBLE="1", FORCE_COLOR="1")
    assert quiet.exit_code == 0, quiet.output
    assert "replaying" not in quiet.stderr and json.loads(quiet.stdout)["ok"] is True
    piped = cli("verify-chain", TTY_COMPATIBLE="0")  # off a terminal: no bar
    assert piped.exit_code == 0 and "replaying" not in piped.stderr


def test_bench_setup_phases_show_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from originledger.bench.transfers import _setup_phases

    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    with _setup_phases(False, 2) as step:
        step("signing 5 transfers")
        step("importing the genesis state")
    drawn = capsys.readouterr().err
    assert "━" in drawn and "1/2" in drawn  # the bar, one phase of two done
    with _setup_phases(True, 2) as step:  # --json
        step("signing 5 transfers")
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    with _setup_phases(False, 2) as step:  # piped
        step("signing 5 transfers")
    assert capsys.readouterr().err == ""
