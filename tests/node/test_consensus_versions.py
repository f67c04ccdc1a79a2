"""A node refuses a chain whose genesis declares other consensus versions than it runs
(protocol, msgspec, PyNaCl, module versions), and accepts one that declares its own.

Validators on different library versions can disagree on what decodes, what is canonical
or which signature verifies: they would fork at the first such message. Refusing at start
turns that fork into a clear error before any block."""

from __future__ import annotations

import base64
import json
import tomllib
from pathlib import Path
from typing import Any

import msgspec
import nacl
import pytest

from originledger.app import Application, default_consensus_versions
from originledger.core.codec import to_builtins
from originledger.core.consensus import (
    PROTOCOL_VERSION,
    ConsensusVersionError,
    ConsensusVersions,
    version_differences,
)
from originledger.core.crypto import SigningKey
from originledger.node.embedded import EmbeddedNode
from originledger.node.home import init_home
from originledger.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = SigningKey(bytes(range(32)))


def _genesis(versions: dict[str, Any] | None) -> bytes:
    document: dict[str, Any] = {
        "chain_id": "versions-test",
        "genesis_time_ms": 1_000,
        "validators": [{"public_key": base64.b64encode(VALIDATOR.public_key).decode()}],
    }
    if versions is not None:
        document["consensus_versions"] = versions
    return json.dumps(document).encode()


def _ours() -> dict[str, Any]:
    declared: dict[str, Any] = to_builtins(default_consensus_versions())
    return declared


def _other(**changes: Any) -> dict[str, Any]:
    return {**_ours(), **changes}


def test_consensus_versions_are_this_process_versions() -> None:
    versions = default_consensus_versions()
    assert versions.protocol == PROTOCOL_VERSION
    assert versions.msgspec == msgspec.__version__
    assert versions.pynacl == nacl.__version__
    assert versions.modules["assets"] >= 1 and "validators" in versions.modules


def test_consensus_libraries_are_pinned_exactly() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {entry.split("==")[0].lower(): entry for entry in project["dependencies"]}
    assert pins["msgspec"] == f"msgspec=={msgspec.__version__}"
    assert pins["pynacl"] == f"pynacl=={nacl.__version__}"


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"msgspec": "0.18.6"}, r"msgspec: the chain declares 0\.18\.6"),
        ({"pynacl": "1.5.0"}, r"pynacl: the chain declares 1\.5\.0"),
        ({"protocol": PROTOCOL_VERSION + 1}, "protocol"),
        ({"modules": {**_ours()["modules"], "assets": 99}}, "module assets"),
        ({"modules": {**_ours()["modules"], "lending": 1}}, "module lending"),
    ],
)
def test_invalid_init_chain_with_other_consensus_versions(
    changes: dict[str, Any], named: str
) -> None:
    store = SqliteStore(None)
    with pytest.raises(ConsensusVersionError, match=named):
        Application(store).init_chain(_genesis(_other(**changes)))
    assert store.chain_meta() is None  # nothing was written
    store.close()


@pytest.mark.parametrize("versions", [_ours(), None], ids=["declared", "undeclared"])
def test_init_chain_with_own_or_no_consensus_versions(versions: dict[str, Any] | None) -> None:
    store = SqliteStore(None)
    Application(store).init_chain(_genesis(versions))
    assert store.chain_meta() is not None
    store.close()


def test_embedded_node_refuses_a_restart_on_other_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    genesis = _genesis(_ours())
    store = SqliteStore(tmp_path / "ledger.sqlite")
    EmbeddedNode(store, genesis, VALIDATOR).stop()
    store.close()
    # The operator upgrades msgspec under a running chain: the node must not start.
    monkeypatch.setattr(msgspec, "__version__", "9.9.9")
    store = SqliteStore(tmp_path / "ledger.sqlite")
    with pytest.raises(ConsensusVersionError, match=r"msgspec: the chain declares .* runs 9\.9\.9"):
        EmbeddedNode(store, genesis, VALIDATOR)
    store.close()
    monkeypatch.undo()
    store = SqliteStore(tmp_path / "ledger.sqlite")
    EmbeddedNode(store, genesis, VALIDATOR).stop()  # back on the declared versions: starts
    store.close()


def test_init_home_declares_the_consensus_versions(tmp_path: Path) -> None:
    init_home(tmp_path / "home", policies=[])
    genesis = json.loads((tmp_path / "home" / "genesis.json").read_text())
    declared = msgspec.convert(genesis["consensus_versions"], ConsensusVersions)
    assert declared == default_consensus_versions()


def test_version_differences_lists_each_difference() -> None:
    ours = default_consensus_versions()
    theirs = msgspec.structs.replace(ours, msgspec="0.1.0", modules={})
    differences = version_differences(theirs, ours)
    assert differences[0] == f"msgspec: the chain declares 0.1.0, this node runs {ours.msgspec}"
    assert len(differences) == 1 + len(ours.modules)
    assert version_differences(ours, ours) == []


def test_net_join_refuses_a_network_with_other_consensus_versions() -> None:
    from originledger.node.network import NetworkError, _require_consensus_versions

    with pytest.raises(NetworkError, match=r"pynacl: the chain declares 1\.5\.0"):
        _require_consensus_versions(_genesis(_other(pynacl="1.5.0")).decode())
    _require_consensus_versions(_genesis(_ours()).decode())  # its own versions: joins


def test_origin_start_refuses_a_home_whose_genesis_declares_other_versions(
    tmp_path: Path,
) -> None:
    from originledger.node.home import HomeError
    from originledger.node.runner import open_node

    home = tmp_path / "home"
    init_home(home, policies=[])
    genesis = json.loads((home / "genesis.json").read_text())
    genesis["consensus_versions"]["pynacl"] = "1.5.0"
    (home / "genesis.json").write_text(json.dumps(genesis))
    with pytest.raises(HomeError, match=r"pynacl: the chain declares 1\.5\.0"):
        open_node(home)
