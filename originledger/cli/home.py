"""The home on this machine: key names, keystores and their passphrases, and accounts
named by a key instead of an address."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.options import PASSPHRASE_ENV
from originledger.core.address import Address, AddressError
from originledger.keystore import (
    load_keystore,
    pop_environment_passphrase,
    read_keystore_public,
)
from originledger.sdk import Key

__all__ = [
    "home_path",
    "keystore_path",
    "load_key",
    "read_passphrase",
    "resolve_address",
    "take_environment_passphrase",
]

_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def home_path(home: Path) -> Path:
    return home.expanduser()


def keystore_path(home: Path, name: str) -> Path:
    if _KEY_NAME.fullmatch(name) is None:
        raise CliError(
            ExitCode.USAGE_ERROR,
            "invalid_key_name",
            f"{name!r} is not a key name: letters, digits, '_', '.', '-' (at most 64)",
        )
    return home_path(home) / "keys" / f"{name}.json"


_environment_passphrase: list[str | None] = [None]


def take_environment_passphrase() -> None:
    """Take ``$ORIGIN_PASSPHRASE`` out of the environment at the start of a command (the
    root callback), before anything can start a child process that would inherit it; the
    command's ``read_passphrase`` answers it from memory."""
    _environment_passphrase[0] = pop_environment_passphrase()


def read_passphrase(passphrase_file: Path | None, *, confirm: bool = False) -> str:
    """From --passphrase-file, else $ORIGIN_PASSPHRASE, else a hidden prompt."""
    if passphrase_file is not None:
        try:
            return passphrase_file.read_text().rstrip("\r\n")
        except OSError as error:
            raise CliError(
                ExitCode.SETUP_ERROR, "passphrase_file", f"cannot read the passphrase file: {error}"
            ) from None
    from_environment = _environment_passphrase[0]
    if from_environment is None:  # not taken at the start of this command (a direct call)
        from_environment = pop_environment_passphrase()
    if from_environment is not None:
        return from_environment
    try:
        return str(
            typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
        )
    except typer.Abort:
        raise CliError(
            ExitCode.SETUP_ERROR,
            "no_passphrase",
            f"no passphrase given (use --passphrase-file or ${PASSPHRASE_ENV})",
        ) from None


def load_key(home: Path, name: str, passphrase_file: Path | None) -> Key:
    path = keystore_path(home, name)
    if not path.exists():
        raise CliError(
            ExitCode.SETUP_ERROR,
            "key_not_found",
            f"no key named {name!r} in {path.parent} (see `origin keys list`)",
        )
    return load_keystore(path, read_passphrase(passphrase_file))


def resolve_address(text: str, home: Path) -> Address:
    """An address given as text, or the address of a key in HOME/keys."""
    try:
        return Address.from_text(text)
    except AddressError:
        pass
    path = home_path(home) / "keys" / f"{text}.json"
    if _KEY_NAME.fullmatch(text) is None or not path.exists():
        raise CliError(
            ExitCode.SETUP_ERROR,
            "key_not_found",
            f"{text!r} is neither an address nor a key in {path.parent}",
        )
    return Address.from_text(read_keystore_public(path)["address"])
