"""What the user typed, parsed: amounts and 32-byte ids (a usage error, exit 2, if not),
and the files it names (exit 6 when one cannot be read)."""

from __future__ import annotations

from pathlib import Path

from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.core.amounts import Amount, parse_units

__all__ = ["parse_amount", "parse_id", "read_file"]


def parse_amount(text: str, decimals: int) -> Amount:
    try:
        return parse_units(text, decimals)
    except ValueError as error:
        raise CliError(ExitCode.USAGE_ERROR, "invalid_amount", str(error)) from None


def parse_id(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 32:
        raise CliError(ExitCode.USAGE_ERROR, "invalid_id", f"{text!r} is not a 32-byte hex id")
    return value


def read_file(path: Path, what: str) -> bytes:
    """The bytes of a file the user named (``what`` says which, e.g. "the lock file")."""
    try:
        return path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise CliError(
            ExitCode.SETUP_ERROR, "unreadable_file", f"cannot read {what} {path}: {reason}"
        ) from None
