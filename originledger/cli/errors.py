"""Expected failures: one line for the user (or a JSON object), a stable code and an exit
code (see exit_codes.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from originledger.cli.exit_codes import ExitCode
from originledger.cli.output import Output
from originledger.node.home import HomeError
from originledger.sdk import ClientError, KeystoreError, VerificationError

__all__ = ["CliError", "reports_errors"]

Function = TypeVar("Function", bound=Callable[..., Any])


class CliError(Exception):
    """An expected failure: one line for the user, a stable code and an exit code."""

    def __init__(self, exit_code: ExitCode, code: str, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.code = code
        self.message = message


def _as_cli_error(error: Exception) -> CliError:
    if isinstance(error, CliError):
        return error
    if isinstance(error, ClientError):
        if error.status == 404:
            return CliError(ExitCode.NOT_FOUND, error.code, error.message)
        message = error.message
        if error.status == 0:
            message += " (is the node running? `origin start`, or pass --node URL)"
        return CliError(ExitCode.NODE_ERROR, error.code, message)
    if isinstance(error, VerificationError):
        return CliError(ExitCode.VERIFICATION_FAILED, "verification_failed", str(error))
    if isinstance(error, KeystoreError):
        return CliError(ExitCode.SETUP_ERROR, "keystore_error", str(error))
    return CliError(ExitCode.SETUP_ERROR, "home_error", str(error))


def reports_errors(function: Function) -> Function:
    """Turn expected errors into one line (or a JSON object) and their exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (CliError, ClientError, VerificationError, HomeError, KeystoreError) as error:
            failure = _as_cli_error(error)
            if kwargs.get("json_output"):
                Output.emit_json({"error": {"code": failure.code, "message": failure.message}})
            else:
                Console(stderr=True, highlight=False, soft_wrap=True).print(
                    f"[bold red]error:[/] {escape(failure.message)}"
                )
            raise typer.Exit(failure.exit_code) from None

    return wrapper  # type: ignore[return-value]
