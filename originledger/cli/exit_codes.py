"""The exit codes of ``origin``: defined once here, documented in docs/cli.md."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    OK = 0
    TX_REFUSED = 1  # the ledger rejected the transaction, or committed it with a non-zero code
    USAGE_ERROR = 2  # bad arguments (Typer's own code for usage errors)
    NODE_ERROR = 3  # the node is unreachable or its API answered with an error
    VERIFICATION_FAILED = 4  # a proof, a receipt or the chain replay does not verify
    NOT_FOUND = 5  # the node (or the home) has no such thing
    SETUP_ERROR = 6  # missing or invalid home or keystore, wrong passphrase
