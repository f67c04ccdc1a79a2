"""Reaching the node: its API URL (from --node or the home's config), the client, and the
light client's trust (the genesis you pin, the validator sets it proved)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.home import home_path, require_home
from originledger.node.home import load_config
from originledger.node.runner import parse_listen
from originledger.sdk import Client, VerificationError

__all__ = ["asset_record", "node_url", "open_client", "save_trust", "trusted_client"]

TRUST_STATE_FILE = "light-client.json"


def node_url(home: Path, node: str | None) -> str:
    if node:
        return node
    require_home(home)
    host, port = parse_listen(load_config(home_path(home)).api.listen)
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def open_client(home: Path, node: str | None) -> Client:
    return Client(node_url(home, node))


def asset_record(client: Client, symbol: str) -> dict[str, Any]:
    """The asset's record from the node (404, exit 5, when there is none)."""
    return client.query("assets", "asset", symbol=symbol)["result"]["asset"]  # type: ignore[no-any-return]


def _pinned_hash(genesis_hash: str | None) -> bytes | None:
    if genesis_hash is None:
        return None
    try:
        pinned = bytes.fromhex(genesis_hash)
    except ValueError:
        pinned = b""
    if len(pinned) != 32:
        raise CliError(
            ExitCode.USAGE_ERROR, "invalid_genesis_hash", "a genesis hash is 64 hex characters"
        )
    return pinned


def trusted_client(
    client: Client, genesis: Path | None, home: Path, genesis_hash: str | None = None
) -> Client:
    """Pin the chain the client verifies against: ``genesis`` (a file you hold), else
    ``genesis_hash`` (the node's genesis must hash to it), else HOME/genesis.json (your own
    node's). Never the node's own word. Resumes the light client's state saved in HOME."""
    pinned = _pinned_hash(genesis_hash)
    path = genesis
    if path is None and pinned is None:
        path = home_path(home) / "genesis.json"
        if not path.exists():
            raise CliError(
                ExitCode.SETUP_ERROR,
                "no_trusted_genesis",
                f"--prove needs the genesis you trust: no {path}; pass --genesis FILE or "
                "--genesis-hash HEX (the node being checked cannot vouch for itself)",
            )
    try:
        trusted = client.trust(path.read_bytes() if path else None, genesis_hash=pinned)
    except OSError as error:
        raise CliError(
            ExitCode.SETUP_ERROR, "genesis_file", f"cannot read {path}: {error}"
        ) from None
    except VerificationError:
        raise
    except ValueError as error:  # a document that does not decode as a genesis
        raise CliError(ExitCode.SETUP_ERROR, "genesis_file", f"{path}: {error}") from error
    client.check_genesis()
    state_file = home_path(home) / TRUST_STATE_FILE
    with contextlib.suppress(OSError, ValueError):
        trusted.restore(json.loads(state_file.read_text()))
    return client


def save_trust(client: Client, home: Path) -> None:
    """Keep the light client's state (the validator sets it proved) for the next command."""
    directory = home_path(home)
    if directory.is_dir():
        with contextlib.suppress(OSError):
            (directory / TRUST_STATE_FILE).write_text(json.dumps(client.trust().export()))
