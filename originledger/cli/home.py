"""The home on this machine: key names, keystores and their passphrases, and accounts
named by a key instead of an address."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import typer

from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.options import PASSPHRASE_ENV
from originledger.core.address import ADDRESS_PREFIX, Address, AddressError
from originledger.keystore import (
    load_keystore,
    pop_environment_passphrase,
    read_keystore_public,
)
from originledger.sdk import Key

__all__ = [
    "home_path",
    "key_names",
    "keystore_path",
    "load_key",
    "no_such_key",
    "read_passphrase",
    "require_home",
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
    """From --passphrase-file, else $ORIGIN_PASSPHRASE, else a hidden prompt on a terminal,
    else the first line of stdin (piped in: no prompt, no echo warning)."""
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
    if not _stdin_is_terminal():
        return _passphrase_from_stdin()
    try:
        return str(
            typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
        )
    except typer.Abort:
        raise CliError(ExitCode.SETUP_ERROR, "no_passphrase", _NO_PASSPHRASE) from None


_NO_PASSPHRASE = (
    f"no passphrase given: pass --passphrase-file FILE, set ${PASSPHRASE_ENV}, or pipe it on stdin"
)


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # replaced or closed
        return False


def _passphrase_from_stdin() -> str:
    """The first line of stdin, when it is not a terminal: Python's getpass would fall back
    to it with a warning that echo cannot be controlled (there is no echo to control)."""
    try:
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except (OSError, ValueError):
        line = ""
    if not line:
        raise CliError(ExitCode.SETUP_ERROR, "no_passphrase", _NO_PASSPHRASE)
    return line.rstrip("\r\n")


def key_names(home: Path) -> list[str]:
    """The names of the keys in HOME/keys."""
    directory = home_path(home) / "keys"
    return sorted(path.stem for path in directory.glob("*.json")) if directory.is_dir() else []


def require_home(home: Path) -> Path:
    directory = home_path(home)
    if not directory.is_dir():
        raise CliError(
            ExitCode.SETUP_ERROR,
            "no_home",
            f"no home at {directory} (run `origin init --home {home}`, or pass --home)",
        )
    return directory


def no_such_key(home: Path, name: str, exit_code: ExitCode = ExitCode.SETUP_ERROR) -> CliError:
    directory = home_path(home) / "keys"
    names = key_names(home)
    known = f"keys: {', '.join(names)}" if names else "no keys there: `origin keys new NAME`"
    return CliError(exit_code, "key_not_found", f"no key named {name!r} in {directory} ({known})")


def load_key(home: Path, name: str, passphrase_file: Path | None) -> Key:
    path = keystore_path(home, name)
    if not path.exists():
        require_home(home)
        raise no_such_key(home, name)
    return load_keystore(path, read_passphrase(passphrase_file))


def _address_problem(text: str, problem: str) -> CliError:
    if problem == "bad checksum":
        problem = "bad checksum (a character is mistyped, missing or extra)"
    elif problem.startswith("invalid character"):
        problem += " (after og1, an address has no 1, b, i or o)"
    return CliError(
        ExitCode.USAGE_ERROR, "invalid_address", f"{text!r} is not a valid address: {problem}"
    )


def resolve_address(text: str, home: Path) -> Address:
    """An address given as text, or the address of a key in HOME/keys."""
    try:
        return Address.from_text(text)
    except AddressError as error:
        problem = str(error)
    named = _KEY_NAME.fullmatch(text) is not None
    path = home_path(home) / "keys" / f"{text}.json"
    if named and path.exists():
        return Address.from_text(read_keystore_public(path)["address"])
    if text.lower().startswith(ADDRESS_PREFIX + "1") or not named:
        raise _address_problem(text, problem)
    require_home(home)
    raise no_such_key(home, text)
