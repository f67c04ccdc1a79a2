"""The node's end of the API workers' socket (``server/ingress.py``'s ``IngressHub``): it
takes transactions as checked from its own workers only; frames from any other process
are checked in full, so that the node refuses all that a worker would have refused."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

import msgspec
import pytest

from originledger.core.amounts import Amount
from originledger.core.codec import decode, encode
from originledger.core.codes import TxCode
from originledger.core.tx import SignedTx
from originledger.modules.assets.types import Transfer
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.sdk import TxBuilder
from originledger.server.ingress import (
    Handshake,
    HubAnswer,
    IngressHub,
    Submission,
    peer_pid,
    read_frame,
    write_frame,
)
from originledger.store.sqlite import SqliteStore

from .test_embedded import ALICE, BOB, CHAIN, VALIDATOR, Clock, _genesis, _transfer


@pytest.fixture
def node() -> Iterator[EmbeddedNode]:
    node = EmbeddedNode(SqliteStore(None), _genesis(), VALIDATOR, NodeSettings(), clock_ms=Clock())
    yield node
    node.stop()


def _hub_client(
    node: EmbeddedNode, path: Path, workers: Callable[[], Collection[int]]
) -> tuple[IngressHub, socket.socket]:
    hub = IngressHub(node, path, workers).start()
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(str(path))
    assert msgspec.msgpack.decode(read_frame(client), type=Handshake).chain_id == CHAIN
    return hub, client


def _send(client: socket.socket, raws: list[bytes]) -> HubAnswer:
    write_frame(client, msgspec.msgpack.encode(Submission(raws)))
    return msgspec.msgpack.decode(read_frame(client), type=HubAnswer)


def _bin16(data: bytes) -> bytes:
    return b"\xc5" + len(data).to_bytes(2, "big") + data


def _forged(clock: Clock) -> dict[TxCode, bytes]:
    """Transactions a worker refuses, by the code it refuses them with."""
    good = _transfer(clock, client_id=7)
    envelope = decode(good.raw, SignedTx)
    # The same body and valid signature, the body's bytes under a wider header than the
    # canonical one: it decodes, but only ``TxDecoder.decode`` sees it is not canonical.
    wide = (
        b"\x82\xa4body"
        + _bin16(envelope.body)
        + b"\xaasignatures\x91\xc4\x40"
        + envelope.signatures[0]
    )
    assert decode(wide, SignedTx) == envelope
    transfer = Transfer(ALICE.address, BOB.address, "TOK", Amount(1))
    other_chain = TxBuilder("other-chain").build(
        [transfer], [ALICE], expires_at_ms=clock.now_ms + 60_000
    )
    return {
        TxCode.MALFORMED: wide,
        TxCode.SIGNATURE_INVALID: encode(SignedTx(envelope.body, [bytes(64)])),
        TxCode.WRONG_CHAIN: other_chain.raw,
    }


def test_peer_pid_is_the_connecting_process() -> None:
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert peer_pid(left) == os.getpid()


def test_hub_refuses_forged_frames_from_another_process(node: EmbeddedNode, tmp_path: Path) -> None:
    # The test process is not one of the node's workers: its frames are checked in full.
    clock = Clock()
    forged = _forged(clock)
    hub, client = _hub_client(node, tmp_path / "hub.sock", lambda: {os.getpid() + 1})
    try:
        answer = _send(client, list(forged.values()))
    finally:
        client.close()
        hub.close()
    assert answer.error is None
    codes = [(a.status, a.result.code) for a in answer.answers]
    assert codes == [("rejected", code) for code in forged]
    assert len(node.mempool) == 0
    assert node.produce_block() is None


def test_hub_takes_its_workers_transactions_as_checked(node: EmbeddedNode, tmp_path: Path) -> None:
    def no_verification(checks: object) -> list[bool]:
        raise AssertionError("a worker's transactions are verified again")

    node.app.verifier = no_verification
    clock = Clock()
    raws = [_transfer(clock, client_id=n).raw for n in range(3)]
    hub, client = _hub_client(node, tmp_path / "hub.sock", lambda: {os.getpid()})
    try:
        answer = _send(client, raws)
    finally:
        client.close()
        hub.close()
    assert [a.status for a in answer.answers] == ["accepted"] * 3
    outcome = node.produce_block()
    assert outcome is not None and [o.result.code for o in outcome.txs] == [0, 0, 0]


def test_decode_checked_is_decode_for_what_decode_accepts(node: EmbeddedNode) -> None:
    decoder = node.app.registry.tx_decoder
    clock = Clock()
    for n in range(3):
        raw = _transfer(clock, amount=n + 1, client_id=n).raw
        assert decoder.decode_checked(raw) == decoder.decode(raw, CHAIN)
