"""Keystores and private files: Argon2id cost, file modes, and the passphrase variable."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from originledger.cli import home as cli_home
from originledger.keystore import (
    KDF_INTERACTIVE,
    KDF_MODERATE,
    PASSPHRASE_ENV,
    child_environment,
    generate_key,
    load_keystore,
    save_keystore,
    write_private_file,
)
from originledger.node.home import DEV_PASSPHRASE, _write_private, init_home


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_regression_keystore_written_over_a_wider_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "treasury.json"
    path.parent.mkdir()
    path.write_text("{}")
    path.chmod(0o644)
    # A stale temporary file from a crash, readable by all: it must not lend its mode.
    stale = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    stale.write_text("old")
    stale.chmod(0o666)
    key = generate_key("treasury")
    save_keystore(key, path, "s3cret", opslimit=KDF_INTERACTIVE[0], memlimit=KDF_INTERACTIVE[1])
    assert _mode(path) == 0o600
    assert not stale.exists()
    assert load_keystore(path, "s3cret").address == key.address


def test_regression_validator_key_written_over_a_wider_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "validator_key.json"
    path.write_text("old")
    path.chmod(0o644)
    _write_private(path, "new")
    assert _mode(path) == 0o600 and path.read_text() == "new"
    write_private_file(path, "newer")
    assert _mode(path) == 0o600 and path.read_text() == "newer"
    assert [p.name for p in tmp_path.iterdir()] == ["validator_key.json"]  # no temporaries


def test_keystore_uses_moderate_argon2id_by_default(tmp_path: Path) -> None:
    path = tmp_path / "admin.json"
    save_keystore(generate_key("admin"), path, "s3cret")
    crypto = json.loads(path.read_text())["crypto"]
    assert (crypto["opslimit"], crypto["memlimit"]) == KDF_MODERATE
    assert KDF_MODERATE[1] > KDF_INTERACTIVE[1]
    assert load_keystore(path, "s3cret").name == "admin"


def test_dev_keys_use_the_fast_derivation(tmp_path: Path) -> None:
    init_home(tmp_path / "home", dev=True, policies=[])
    path = tmp_path / "home" / "keys" / "admin.json"
    crypto = json.loads(path.read_text())["crypto"]
    assert (crypto["opslimit"], crypto["memlimit"]) == KDF_INTERACTIVE
    assert load_keystore(path, DEV_PASSPHRASE).name == "admin"
    assert _mode(path) == 0o600
    assert _mode(tmp_path / "home" / "validator_key.json") == 0o600


def test_regression_passphrase_variable_is_not_inherited_by_child_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "s3cret")
    cli_home.take_environment_passphrase()  # what the `origin` root callback does first
    try:
        assert PASSPHRASE_ENV not in os.environ
        assert cli_home.read_passphrase(None) == "s3cret"
        assert cli_home.read_passphrase(None) == "s3cret"  # read again in the same command
        child = subprocess.run(
            [sys.executable, "-c", f"import os; print(os.environ.get({PASSPHRASE_ENV!r}))"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert child.stdout.strip() == "None"
    finally:
        cli_home._environment_passphrase[0] = None


def test_child_environment_never_carries_the_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "s3cret")
    monkeypatch.setenv("ORIGIN_OTHER", "kept")
    environment = child_environment()
    assert PASSPHRASE_ENV not in environment
    assert environment["ORIGIN_OTHER"] == "kept"
