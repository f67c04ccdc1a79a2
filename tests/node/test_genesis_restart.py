"""A restarted node checks its genesis.json against the stored chain's genesis hash (not
against the stored copy: 200 MB at a million accounts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.store.sqlite import SqliteStore
from tests.conftest import VALIDATOR, genesis_builder


def _open(path: Path, genesis_raw: bytes) -> EmbeddedNode:
    return EmbeddedNode(SqliteStore(path), genesis_raw, VALIDATOR.key, NodeSettings())


def test_restart_with_its_genesis_and_refused_with_another(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ours = genesis_builder().build()
    heard: list[tuple[str, int, int]] = []
    first = EmbeddedNode(
        SqliteStore(path),
        ours,
        VALIDATOR.key,
        NodeSettings(),
        genesis_progress=lambda *report: heard.append(report),
    )
    assert heard == [("accounts.accounts", 0, 0), ("assets.balances", 0, 0)]
    root = first.store.chain_meta()
    first.store.close()
    again = _open(path, ours)
    assert again.store.chain_meta() == root
    again.store.close()
    other = genesis_builder("another-chain").build()
    with pytest.raises(ValueError, match="another chain than this genesis"):
        _open(path, other)
    with pytest.raises(ValueError, match="another chain than this genesis"):
        _open(path, ours + b" ")
