"""What the user typed, parsed: amounts and 32-byte ids (a usage error, exit 2, if not)."""

from __future__ import annotations

from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.core.amounts import Amount, parse_units

__all__ = ["parse_amount", "parse_id"]


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
