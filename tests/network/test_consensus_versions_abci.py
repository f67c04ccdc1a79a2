"""Network mode refuses a chain that declares other consensus versions than the node runs:
at InitChain (joining from genesis), at a restart, and in state sync (the genesis arrives in
the snapshot's first chunk); it accepts the chain when the versions are its own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from originledger.app import Application, default_consensus_versions
from originledger.comet.protos import abci_types
from originledger.core.codec import to_builtins
from originledger.core.consensus import ConsensusVersionError
from originledger.core.crypto import sha256
from originledger.node.abci import AbciApp
from originledger.node.snapshots import Snapshots
from originledger.store.sqlite import SqliteStore
from tests.network.test_abci import (
    CHAIN_ID,
    GENESIS_TIME_MS,
    VALIDATOR,
    _finalize,
    _genesis_raw,
    _transfer,
)


def _declaring(**changes: Any) -> bytes:
    document = json.loads(_genesis_raw())
    document["consensus_versions"] = {**to_builtins(default_consensus_versions()), **changes}
    return json.dumps(document).encode()


def _init_request(pb: Any, genesis_raw: bytes) -> Any:
    request = pb.RequestInitChain(chain_id=CHAIN_ID, app_state_bytes=genesis_raw, initial_height=1)
    request.time.FromMilliseconds(GENESIS_TIME_MS)
    update = request.validators.add(power=1)
    update.pub_key.ed25519 = VALIDATOR.key.public_key
    return pb.Request(init_chain=request)


class _Direct:
    """Calls an AbciApp in-process, as the test client's ``call`` does over the socket."""

    def __init__(self, handler: AbciApp) -> None:
        self.handler = handler
        self.pb = handler.pb

    def call(self, **request: Any) -> Any:
        return self.handler.handle(self.pb.Request(**request))


@pytest.fixture
def pb(toolchain: Path) -> Any:
    return abci_types()


@pytest.fixture
def source(pb: Any) -> Iterator[AbciApp]:
    """A chain that declares this node's versions, with one committed block."""
    store = SqliteStore(None)
    handler = AbciApp(Application(store), store, clock_ms=lambda: GENESIS_TIME_MS + 1_000)
    answer = handler.handle(_init_request(pb, _declaring()))
    assert answer.WhichOneof("value") == "init_chain"
    _finalize(_Direct(handler), 1, [_transfer(100, 1)])  # type: ignore[arg-type]
    handler.handle(pb.Request(commit=pb.RequestCommit()))
    yield handler
    store.close()


def test_init_chain_refuses_other_consensus_versions(pb: Any) -> None:
    store = SqliteStore(None)
    handler = AbciApp(Application(store), store)
    answer = handler.handle(_init_request(pb, _declaring(pynacl="1.5.0")))
    assert answer.WhichOneof("value") == "exception"
    assert "pynacl: the chain declares 1.5.0" in answer.exception.error
    assert store.chain_meta() is None
    store.close()


def test_restart_refuses_other_consensus_versions(
    pb: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteStore(tmp_path / "ledger.sqlite")
    handler = AbciApp(Application(store), store)
    assert handler.handle(_init_request(pb, _declaring())).WhichOneof("value") == "init_chain"
    store.close()
    monkeypatch.setattr(msgspec, "__version__", "9.9.9")
    store = SqliteStore(tmp_path / "ledger.sqlite")
    with pytest.raises(ConsensusVersionError, match="msgspec"):
        AbciApp(Application(store), store)
    store.close()


@pytest.mark.parametrize("same_versions", [True, False])
def test_state_sync_joins_only_a_chain_with_the_same_consensus_versions(
    pb: Any,
    source: AbciApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    same_versions: bool,
) -> None:
    snapshots = Snapshots(tmp_path / "snapshots", 1)
    taken = snapshots.take(source.store)
    source.snapshots = snapshots
    listed = source.handle(pb.Request(list_snapshots=pb.RequestListSnapshots()))
    offered = listed.list_snapshots.snapshots[0]
    meta = source.store.chain_meta()
    assert meta is not None
    if not same_versions:
        monkeypatch.setattr(msgspec, "__version__", "9.9.9")
    genesis_raw = source.store.genesis()
    assert genesis_raw is not None
    store = SqliteStore(None)
    # State sync takes only the configured genesis: this one, whatever its versions.
    fresh = AbciApp(Application(store), store, genesis_hash=sha256(genesis_raw))
    offer = pb.RequestOfferSnapshot(snapshot=offered, app_hash=meta.app_hash)
    assert fresh.handle(pb.Request(offer_snapshot=offer)).offer_snapshot.result == (
        pb.ResponseOfferSnapshot.ACCEPT
    )
    results = []
    for index in range(taken.chunks):
        chunk = source.handle(
            pb.Request(
                load_snapshot_chunk=pb.RequestLoadSnapshotChunk(
                    height=1, format=offered.format, chunk=index
                )
            )
        ).load_snapshot_chunk.chunk
        request = pb.RequestApplySnapshotChunk(index=index, chunk=chunk, sender="peer")
        results.append(fresh.handle(pb.Request(apply_snapshot_chunk=request)).apply_snapshot_chunk)
        if results[-1].result != pb.ResponseApplySnapshotChunk.ACCEPT:
            break
    if same_versions:
        assert [r.result for r in results] == [pb.ResponseApplySnapshotChunk.ACCEPT] * taken.chunks
        assert store.chain_meta() is not None
    else:
        assert [r.result for r in results] == [pb.ResponseApplySnapshotChunk.ABORT]
        assert store.chain_meta() is None
    store.close()
