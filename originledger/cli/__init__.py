"""The ``origin`` command line (Typer + Rich), a thin layer over the SDK and the node."""

from originledger.cli.exit_codes import ExitCode
from originledger.cli.main import app, main

__all__ = ["ExitCode", "app", "main"]
