"""Opening a home's embedded node (what `origin start` serves: ``server/serve.py``), and
reading a ``HOST:PORT`` listen address."""

from __future__ import annotations

import logging
from pathlib import Path

from originledger.app import GenesisProgress
from originledger.core.numbers import parse_decimal
from originledger.node.embedded import EmbeddedNode
from originledger.node.home import HomeError, load_config, load_validator_key
from originledger.store.sqlite import SqliteStore

__all__ = ["open_node", "parse_listen"]

log = logging.getLogger("originledger.node")


def open_node(home: Path, *, genesis_progress: GenesisProgress | None = None) -> EmbeddedNode:
    """The embedded node of ``home``: its store, genesis, key and settings. On the first
    start it imports the genesis; ``genesis_progress`` hears how the long lists go (by
    default the log says, every tenth of each)."""
    config = load_config(home)
    key = load_validator_key(home)
    try:
        genesis_raw = (home / "genesis.json").read_bytes()
    except FileNotFoundError:
        raise HomeError(f"{home}/genesis.json is missing") from None
    store = SqliteStore(home / "data" / "ledger.sqlite")
    try:
        return EmbeddedNode(
            store,
            genesis_raw,
            key,
            config.settings(),
            genesis_progress=genesis_progress or _log_genesis_progress(),
        )
    except ValueError as error:
        store.close()
        raise HomeError(str(error)) from error


def _log_genesis_progress() -> GenesisProgress:
    """A progress callback that logs each long genesis list at every tenth of it."""
    logged: dict[str, int] = {}

    def progress(section: str, done: int, total: int) -> None:
        tenth = 10 * done // total if total else 10
        if logged.get(section, -1) < tenth:
            logged[section] = tenth
            log.info("genesis import: %s %d of %d", section, done, total)

    return progress


def parse_listen(text: str) -> tuple[str, int]:
    host, _, port_text = text.rpartition(":")
    port = parse_decimal(port_text, 0, 65535)
    if not host or port is None:
        raise HomeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]"), port
