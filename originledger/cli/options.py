"""The options and arguments many commands share, each declared once here (the help text,
the environment variable, the default shown) and reused by name in the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "DEFAULT_HOME",
    "DEFAULT_WAIT_MS",
    "PASSPHRASE_ENV",
    "WAIT_MS_MAX",
    "AmountArgument",
    "FromOption",
    "GenesisHashOption",
    "GenesisOption",
    "HomeOption",
    "IdArgument",
    "JsonOption",
    "MinorOption",
    "NodeOption",
    "PassphraseFileOption",
    "RefOption",
    "SymbolArgument",
    "ToOption",
    "WaitOption",
]

DEFAULT_HOME = Path("~/.origin")
DEFAULT_WAIT_MS = 10_000
WAIT_MS_MAX = 30_000  # the API waits at most this long for a commit
PASSPHRASE_ENV = "ORIGIN_PASSPHRASE"

# Where the command runs: the home, the node, the output ---------------------------------

HomeOption = Annotated[
    Path,
    typer.Option(
        "--home",
        envvar="ORIGIN_HOME",
        show_default="$ORIGIN_HOME or ~/.origin",
        help="The node's home: keystores in HOME/keys, the API address in HOME/config.toml.",
    ),
]
NodeOption = Annotated[
    str | None,
    typer.Option(
        "--node",
        envvar="ORIGIN_NODE",
        show_default="[api] listen of HOME/config.toml",
        help="The node's API URL, e.g. http://127.0.0.1:8700.",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON on stdout, and nothing else.")
]
PassphraseFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        show_default=False,
        help=f"Read the passphrase from this file (else ${PASSPHRASE_ENV}, else a prompt).",
    ),
]

# Verifying answers (--prove) ------------------------------------------------------------

GenesisOption = Annotated[
    Path | None,
    typer.Option(
        "--genesis",
        show_default="HOME/genesis.json",
        help="With --prove: the genesis.json you trust (never taken from the node).",
    ),
]
GenesisHashOption = Annotated[
    str | None,
    typer.Option(
        "--genesis-hash",
        show_default=False,
        help="With --prove: the SHA-256 (hex) of the genesis you trust; the node's genesis "
        "must have it.",
    ),
]

# Signing and submitting a transaction ---------------------------------------------------

FromOption = Annotated[
    str,
    typer.Option("--from", help="The name of the signing key in HOME/keys.", show_default=False),
]
ToOption = Annotated[
    str,
    typer.Option(
        "--to",
        help="The recipient: an address, or the name of a key in HOME/keys.",
        show_default=False,
    ),
]
WaitOption = Annotated[
    int,
    typer.Option(
        "--wait-ms", min=0, max=WAIT_MS_MAX, help="How long to wait for the commit (0: don't)."
    ),
]
MinorOption = Annotated[
    bool,
    typer.Option(
        "--minor", help="AMOUNT is in minor units (an integer), not in the asset's units."
    ),
]
AmountArgument = Annotated[
    str, typer.Argument(help="In the asset's units, e.g. 12.50 (or in minor units with --minor).")
]
SymbolArgument = Annotated[str, typer.Argument(help="The asset's symbol, e.g. USDD.")]

# Payments and clearing ------------------------------------------------------------------

IdArgument = Annotated[str, typer.Argument(help="The id, 64 hex characters.")]
RefOption = Annotated[
    str, typer.Option("--ref", help="An order or invoice number (no personal data).")
]
