"""The ABCI server over a real unix socket, driven as CometBFT drives it, without CometBFT:
framing, pipelining and Flush, and each request's mapping to the Application."""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from originledger.app import Application
from originledger.comet.framing import decode_uvarint, encode_uvarint
from originledger.comet.protos import abci_types
from originledger.comet.validators import validator_address
from originledger.core.amounts import Amount
from originledger.core.batch import encode_batch
from originledger.core.block import ResultLeaf
from originledger.core.codec import decode
from originledger.core.codes import TxCode
from originledger.core.crypto import SigningKey, sha256
from originledger.core.merkle import list_root
from originledger.core.state_proof import verify_state_proof
from originledger.modules.assets.keys import balance_key
from originledger.modules.assets.types import Transfer
from originledger.node.abci import QUERY_PROOF_TYPE, AbciApp, ValidatorUpdate
from originledger.node.abci_process import AbciServer
from originledger.node.mempool import Admission
from originledger.node.snapshots import Snapshots
from originledger.store.records import ProvenValue
from originledger.store.sqlite import SqliteStore
from tests.conftest import (
    ALICE,
    BOB,
    CAROL,
    CHAIN_ID,
    GENESIS_TIME_MS,
    ISSUER,
    VALIDATOR,
    Party,
    genesis_builder,
    party,
    sign_tx,
)

BLOCK_TIME_MS = GENESIS_TIME_MS + 1_000


def _genesis_raw() -> bytes:
    return (
        genesis_builder()
        .account(ISSUER.address, roles=["issuer"])
        .asset(
            "USD",
            name="US dollar",
            decimals=2,
            asset_class="payment",
            issuer=ISSUER.address,
            max_supply=10**9,
        )
        .balance(ALICE.address, "USD", 100_000)
        .build()
    )


class Client:
    """One of CometBFT's four connections: writes framed requests, reads framed answers."""

    def __init__(self, path: Path) -> None:
        self.pb = abci_types()
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socket.settimeout(10)
        self.socket.connect(str(path))
        self.buffer = bytearray()

    def send(self, *requests: Any) -> None:
        out = bytearray()
        for request in requests:
            body = request.SerializeToString()
            out += encode_uvarint(len(body)) + body
        self.socket.sendall(out)

    def receive(self) -> Any:
        while True:
            header = decode_uvarint(self.buffer, 0)
            if header is not None and len(self.buffer) >= header[1] + header[0]:
                length, start = header
                response = self.pb.Response.FromString(bytes(self.buffer[start : start + length]))
                del self.buffer[: start + length]
                return response
            chunk = self.socket.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buffer += chunk

    def call(self, **fields: Any) -> Any:
        """Send one request and a Flush, as CometBFT's synchronous calls do."""
        ((kind, value),) = fields.items()
        request = self.pb.Request()
        getattr(request, kind).CopyFrom(value)
        flush = self.pb.Request(flush=self.pb.RequestFlush())
        self.send(request, flush)
        answer = self.receive()
        assert self.receive().WhichOneof("value") == "flush"
        return answer

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def socket_path() -> Iterator[Path]:
    """A socket's path in a short directory of its own (a Unix socket's path must fit in
    about 100 bytes, which pytest's temporary paths may not), removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="abci-"))
    yield directory / "app.sock"
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def served(toolchain: Path, socket_path: Path) -> Iterator[tuple[AbciApp, Client, Path]]:
    store = SqliteStore(None)
    handler = AbciApp(Application(store), store, clock_ms=lambda: BLOCK_TIME_MS)
    path = socket_path
    server = AbciServer(handler, path).start()
    client = Client(path)
    yield handler, client, path
    client.close()
    server.stop()
    store.close()


def _init_chain(client: Client, genesis_raw: bytes | None = None, **overrides: Any) -> Any:
    pb = client.pb
    request = pb.RequestInitChain(
        chain_id=overrides.get("chain_id", CHAIN_ID),
        app_state_bytes=genesis_raw or _genesis_raw(),
        initial_height=1,
    )
    request.time.FromMilliseconds(GENESIS_TIME_MS)
    update = request.validators.add(power=overrides.get("power", 1))
    update.pub_key.ed25519 = VALIDATOR.key.public_key
    return client.call(init_chain=request)


def _transfer(amount_minor: int, client_id: int = 1) -> bytes:
    message = Transfer(ALICE.address, BOB.address, "USD", Amount(amount_minor))
    return sign_tx(
        [message], [ALICE.key], client_id=client_id, expires_at_ms=BLOCK_TIME_MS + 60_000
    )


def _finalize(client: Client, height: int, txs: list[bytes]) -> Any:
    pb = client.pb
    request = pb.RequestFinalizeBlock(
        txs=txs, height=height, proposer_address=validator_address(VALIDATOR.key.public_key)
    )
    request.time.FromMilliseconds(BLOCK_TIME_MS + height)
    return client.call(finalize_block=request).finalize_block


def _chain_with_one_committed(client: Client) -> bytes:
    """Genesis, then block 1 holding one transfer, committed; returns that transfer."""
    _init_chain(client)
    committed = _transfer(1, client_id=1)
    _finalize(client, 1, [committed])
    client.call(commit=client.pb.RequestCommit())
    return committed


def test_uvarint_round_trip() -> None:
    for value in (0, 1, 127, 128, 300, 2**21, 2**32 + 5, 2**63 - 1):
        encoded = encode_uvarint(value)
        assert decode_uvarint(b"\x00" + encoded, 1) == (value, 1 + len(encoded))
        assert decode_uvarint(encoded[:-1], 0) is None
    assert encode_uvarint(300) == b"\xac\x02"


def test_serve_pipelined_requests_in_order_on_four_connections(
    served: tuple[AbciApp, Client, Path],
) -> None:
    _, first, path = served
    pb = first.pb
    clients = [first, *(Client(path) for _ in range(3))]
    try:
        for number, client in enumerate(clients):
            requests = [pb.Request(echo=pb.RequestEcho(message=f"{number}-{i}")) for i in range(5)]
            requests.insert(2, pb.Request(info=pb.RequestInfo()))
            client.send(*requests, pb.Request(flush=pb.RequestFlush()))
        for number, client in enumerate(clients):
            kinds = [client.receive() for _ in range(7)]
            assert [k.WhichOneof("value") for k in kinds] == [
                "echo",
                "echo",
                "info",
                "echo",
                "echo",
                "echo",
                "flush",
            ]
            echoes = [k.echo.message for k in kinds if k.WhichOneof("value") == "echo"]
            assert echoes == [f"{number}-{i}" for i in range(5)]
    finally:
        for client in clients[1:]:
            client.close()


def test_info_before_genesis_answers_height_zero(served: tuple[AbciApp, Client, Path]) -> None:
    _, client, _ = served
    info = client.call(info=client.pb.RequestInfo()).info
    assert (info.last_block_height, info.last_block_app_hash) == (0, b"")
    assert info.app_version == 1


def test_init_chain_answers_genesis_app_hash_and_is_idempotent(
    served: tuple[AbciApp, Client, Path],
) -> None:
    handler, client, _ = served
    first = _init_chain(client).init_chain
    assert first.app_hash == handler.app.info().app_hash  # type: ignore[union-attr]
    assert len(first.app_hash) == 32
    again = _init_chain(client).init_chain
    assert again.app_hash == first.app_hash


def test_invalid_init_chain_validators_differ(served: tuple[AbciApp, Client, Path]) -> None:
    handler, client, _ = served
    answer = _init_chain(client, power=7)
    assert answer.WhichOneof("value") == "exception"
    assert "validators differ" in answer.exception.error
    assert handler.app.info() is None


def test_invalid_init_chain_chain_id_differs(served: tuple[AbciApp, Client, Path]) -> None:
    _, client, _ = served
    answer = _init_chain(client, chain_id="another-chain")
    assert answer.WhichOneof("value") == "exception"
    assert "chain id" in answer.exception.error


def test_check_tx_accepts_signed_transfer_and_rejects_bad_signature(
    served: tuple[AbciApp, Client, Path],
) -> None:
    _, client, _ = served
    pb = client.pb
    _init_chain(client)
    good = client.call(check_tx=pb.RequestCheckTx(tx=_transfer(100))).check_tx
    assert good.code == 0
    forged = bytearray(_transfer(100, client_id=2))
    forged[-1] ^= 1
    bad = client.call(check_tx=pb.RequestCheckTx(tx=bytes(forged))).check_tx
    assert (bad.codespace, bad.code) != ("", 0)
    recheck = client.call(check_tx=pb.RequestCheckTx(tx=_transfer(100), type=pb.RECHECK))
    assert recheck.check_tx.code == 0


def test_block_finalize_then_commit_moves_info(served: tuple[AbciApp, Client, Path]) -> None:
    handler, client, _ = served
    pb = client.pb
    _init_chain(client)
    txs = [_transfer(2_500), _transfer(100, client_id=2)]
    prepare = pb.RequestPrepareProposal(txs=txs, max_tx_bytes=1 << 20, height=1)
    prepare.time.FromMilliseconds(BLOCK_TIME_MS)
    proposed = client.call(prepare_proposal=prepare).prepare_proposal
    assert list(proposed.txs) == txs
    process = client.call(process_proposal=pb.RequestProcessProposal(txs=txs, height=1))
    assert process.process_proposal.status == pb.ResponseProcessProposal.ACCEPT
    finalized = _finalize(client, 1, txs)
    assert [r.code for r in finalized.tx_results] == [0, 0]
    events = {
        e.type: {a.key: a.value for a in e.attributes} for e in finalized.tx_results[0].events
    }
    assert events["assets/transferred"] == {
        "symbol": "USD",
        "sender": str(ALICE.address),
        "recipient": str(BOB.address),
        "amount": "2500",
    }
    assert handler.app.info().height == 0  # type: ignore[union-attr]  # nothing persisted yet
    client.call(commit=pb.RequestCommit())
    info = client.call(info=pb.RequestInfo()).info
    assert info.last_block_height == 1
    assert info.last_block_app_hash == finalized.app_hash
    header = handler.store.block(1).signed_header.header  # type: ignore[union-attr]
    assert header.proposer == VALIDATOR.key.public_key  # the address maps back to the key
    assert header.time_ms == BLOCK_TIME_MS + 1
    # What last_results_hash binds: the root of the result leaves each CometBFT tx carried.
    _, leaves = handler.store.block_tx_leaves(1)
    assert [r.data for r in finalized.tx_results] == [list_root([leaf]) for leaf in leaves]
    assert (decode(leaves[0], ResultLeaf).code, decode(leaves[0], ResultLeaf).codespace) == (
        0,
        "tx",
    )


def test_prepare_proposal_drops_committed_and_fits_max_tx_bytes(
    served: tuple[AbciApp, Client, Path],
) -> None:
    _, client, _ = served
    pb = client.pb
    _init_chain(client)
    committed = _transfer(1)
    _finalize(client, 1, [committed])
    client.call(commit=pb.RequestCommit())
    fresh = [_transfer(1, client_id=10 + i) for i in range(3)]
    budget = sum(len(tx) + 3 for tx in fresh[:2])  # room for two, with their field overhead
    prepare = pb.RequestPrepareProposal(txs=[committed, *fresh], max_tx_bytes=budget, height=2)
    prepare.time.FromMilliseconds(BLOCK_TIME_MS + 2)
    proposed = client.call(prepare_proposal=prepare).prepare_proposal
    assert list(proposed.txs) == fresh[:2]


def test_finalize_block_reports_failure_codes(served: tuple[AbciApp, Client, Path]) -> None:
    _, client, _ = served
    _init_chain(client)
    too_much = _transfer(10**8)
    finalized = _finalize(client, 1, [too_much, b"not a transaction"])
    codes = [(r.codespace, r.code) for r in finalized.tx_results]
    assert codes[0][0] == "assets" and codes[0][1] != 0
    assert codes[1] == ("tx", int(TxCode.MALFORMED))


def test_query_state_with_proof_against_app_hash(served: tuple[AbciApp, Client, Path]) -> None:
    _, client, _ = served
    pb = client.pb
    _init_chain(client)
    finalized = _finalize(client, 1, [_transfer(2_500)])
    client.call(commit=pb.RequestCommit())
    key = balance_key(BOB.address, "USD")
    answer = client.call(query=pb.RequestQuery(path="/state", data=key, prove=True)).query
    assert (answer.code, answer.height, answer.key) == (0, 1, key)
    (op,) = answer.proof_ops.ops
    assert (op.type, op.key) == (QUERY_PROOF_TYPE, key)
    proven = decode(op.data, ProvenValue)
    assert proven.value == answer.value
    assert verify_state_proof(finalized.app_hash, proven.proof)
    absent = client.call(
        query=pb.RequestQuery(path="/state", data=balance_key(BOB.address, "EUR"), prove=True)
    ).query
    assert absent.code != 0
    assert verify_state_proof(
        finalized.app_hash, decode(absent.proof_ops.ops[0].data, ProvenValue).proof
    )


def test_query_module_with_json_parameters(served: tuple[AbciApp, Client, Path]) -> None:
    _, client, _ = served
    pb = client.pb
    _init_chain(client)
    params = json.dumps({"account": str(ALICE.address), "symbol": "USD"}).encode()
    answer = client.call(
        query=pb.RequestQuery(path="/query/assets/balance", data=params, prove=True)
    ).query
    assert answer.code == 0
    assert json.loads(answer.value)["amount"] == "100000"
    assert len(answer.proof_ops.ops) >= 1


def test_invalid_query_path_and_height(served: tuple[AbciApp, Client, Path]) -> None:
    _, client, _ = served
    pb = client.pb
    _init_chain(client)
    unknown = client.call(query=pb.RequestQuery(path="/nothing")).query
    assert unknown.code != 0 and "paths" in unknown.log
    missing = client.call(query=pb.RequestQuery(path="/query/assets/nope")).query
    assert missing.code != 0
    old = client.call(query=pb.RequestQuery(path="/state", data=b"k", height=99)).query
    assert old.code != 0 and "latest height" in old.log


def test_snapshots_refused_without_offer_and_vote_extensions_empty(
    served: tuple[AbciApp, Client, Path],
) -> None:
    _, client, _ = served
    pb = client.pb
    assert len(client.call(list_snapshots=pb.RequestListSnapshots()).list_snapshots.snapshots) == 0
    offer = client.call(offer_snapshot=pb.RequestOfferSnapshot()).offer_snapshot
    assert offer.result == pb.ResponseOfferSnapshot.REJECT_FORMAT
    garbage = pb.RequestOfferSnapshot(app_hash=b"x" * 32)
    garbage.snapshot.format, garbage.snapshot.metadata = 2, b"not msgpack"
    assert client.call(offer_snapshot=garbage).offer_snapshot.result == (
        pb.ResponseOfferSnapshot.REJECT
    )
    # Format 1 carried the spent hashes outside authenticated state: no longer taken.
    garbage.snapshot.format = 1
    assert client.call(offer_snapshot=garbage).offer_snapshot.result == (
        pb.ResponseOfferSnapshot.REJECT_FORMAT
    )
    apply = client.call(apply_snapshot_chunk=pb.RequestApplySnapshotChunk()).apply_snapshot_chunk
    assert apply.result == pb.ResponseApplySnapshotChunk.ABORT
    assert client.call(extend_vote=pb.RequestExtendVote()).extend_vote.vote_extension == b""
    verify = client.call(verify_vote_extension=pb.RequestVerifyVoteExtension())
    assert verify.verify_vote_extension.status == pb.ResponseVerifyVoteExtension.ACCEPT


def test_snapshot_restores_same_state_root_and_refuses_tampering(
    served: tuple[AbciApp, Client, Path], tmp_path: Path
) -> None:
    handler, client, _ = served
    pb = client.pb
    _init_chain(client)
    _finalize(client, 1, [_transfer(100, 1), _transfer(200, 2)])
    client.call(commit=pb.RequestCommit())
    source = Snapshots(tmp_path / "snapshots", 1)
    taken = source.take(handler.store)
    meta = handler.store.chain_meta()
    assert meta is not None and taken.height == 1 and taken.chunks >= 2
    handler.snapshots = source
    listed = client.call(list_snapshots=pb.RequestListSnapshots()).list_snapshots.snapshots
    assert [(s.height, s.hash) for s in listed] == [(1, taken.hash)]

    def restore(app_hash: bytes, tamper: bool = False) -> tuple[AbciApp, list[Any]]:
        store = SqliteStore(None)
        fresh = AbciApp(Application(store), store, genesis_hash=sha256(_genesis_raw()))
        offer = pb.RequestOfferSnapshot(snapshot=listed[0], app_hash=app_hash)
        accepted = fresh.handle(pb.Request(offer_snapshot=offer)).offer_snapshot.result
        results = [accepted]
        for index in range(taken.chunks):
            chunk = client.call(
                load_snapshot_chunk=pb.RequestLoadSnapshotChunk(height=1, format=2, chunk=index)
            ).load_snapshot_chunk.chunk
            if tamper and index == 1:
                chunk = chunk[:-1] + bytes([chunk[-1] ^ 1])
            request = pb.RequestApplySnapshotChunk(index=index, chunk=chunk, sender="peer")
            answer = fresh.handle(pb.Request(apply_snapshot_chunk=request))
            results.append(answer.apply_snapshot_chunk)
        return fresh, results

    fresh, results = restore(meta.app_hash)
    assert results[0] == pb.ResponseOfferSnapshot.ACCEPT
    assert all(r.result == pb.ResponseApplySnapshotChunk.ACCEPT for r in results[1:])
    info = fresh.handle(pb.Request(info=pb.RequestInfo())).info
    assert (info.last_block_height, info.last_block_app_hash) == (1, meta.app_hash)
    # The spent hashes came along, in authenticated state: a replay is refused.
    assert fresh.app.check_tx(_transfer(100, 1), BLOCK_TIME_MS).result.code == (
        TxCode.ALREADY_COMMITTED
    )
    # A chunk that does not match its hash is refetched from another peer.
    _, tampered = restore(meta.app_hash, tamper=True)
    assert tampered[2].result == pb.ResponseApplySnapshotChunk.RETRY
    assert list(tampered[2].reject_senders) == ["peer"]
    # A snapshot whose metadata is not for the trusted app hash is refused.
    _, wrong = restore(b"\x01" * 32)
    assert wrong[0] == pb.ResponseOfferSnapshot.REJECT


def test_wrong_app_hash_switch_changes_only_later_heights(toolchain: Path) -> None:
    roots = []
    for wrong_from in (None, 2):
        store = SqliteStore(None)
        handler = AbciApp(Application(store), store, wrong_app_hash_from=wrong_from)
        pb = handler.pb
        init = pb.RequestInitChain(chain_id=CHAIN_ID, app_state_bytes=_genesis_raw())
        init.validators.add(power=1).pub_key.ed25519 = VALIDATOR.key.public_key
        handler.handle(pb.Request(init_chain=init))
        hashes = []
        for height in (1, 2):
            request = pb.RequestFinalizeBlock(height=height, txs=[])
            request.time.FromMilliseconds(BLOCK_TIME_MS + height)
            hashes.append(
                handler.handle(pb.Request(finalize_block=request)).finalize_block.app_hash
            )
            handler.handle(pb.Request(commit=pb.RequestCommit()))
        roots.append(hashes)
        store.close()
    assert roots[0][0] == roots[1][0]
    assert roots[0][1] != roots[1][1]


def test_finalize_block_returns_validator_updates_from_the_hook(toolchain: Path) -> None:
    newcomer = SigningKey(bytes(range(32)))
    store = SqliteStore(None)
    handler = AbciApp(
        Application(store),
        store,
        validator_updates=lambda outcome: (
            [ValidatorUpdate(newcomer.public_key, 5), ValidatorUpdate(VALIDATOR.key.public_key, 0)]
            if outcome.header.height == 1
            else []
        ),
    )
    pb = handler.pb
    init = pb.RequestInitChain(chain_id=CHAIN_ID, app_state_bytes=_genesis_raw())
    init.validators.add(power=1).pub_key.ed25519 = VALIDATOR.key.public_key
    handler.handle(pb.Request(init_chain=init))

    # The genesis validators are known from here on: a proposer not yet known (the
    # newcomer) does not make the node read and parse the genesis document again (224 MB
    # at a million accounts, in the block's path).
    def no_genesis_read() -> bytes:
        raise AssertionError("the genesis document was read again")

    store.genesis = no_genesis_read  # type: ignore[method-assign]
    powers = []
    for height in (1, 2):
        request = pb.RequestFinalizeBlock(
            height=height, txs=[], proposer_address=validator_address(newcomer.public_key)
        )
        request.time.FromMilliseconds(BLOCK_TIME_MS + height)
        answer = handler.handle(pb.Request(finalize_block=request)).finalize_block
        powers.append([(bytes(u.pub_key.ed25519), u.power) for u in answer.validator_updates])
        handler.handle(pb.Request(commit=pb.RequestCommit()))
    assert powers == [[(newcomer.public_key, 5), (VALIDATOR.key.public_key, 0)], []]
    # A block proposed by the newcomer names its public key in Origin's header.
    assert store.block(2).signed_header.header.proposer == newcomer.public_key  # type: ignore[union-attr]
    store.close()


def test_check_tx_burst_is_checked_as_one_batch_in_order(
    served: tuple[AbciApp, Client, Path],
) -> None:
    handler, client, _ = served
    pb = client.pb
    _init_chain(client)
    batches: list[int] = []
    check_txs = handler.app.check_txs

    def counting(raws: Any, now_ms: int) -> Any:
        batches.append(len(raws))
        return check_txs(raws, now_ms)

    handler.app.check_txs = counting  # type: ignore[method-assign]
    forged = bytearray(_transfer(3, client_id=3))
    forged[-1] ^= 1
    txs = [_transfer(1, client_id=1), bytes(forged), _transfer(2, client_id=2), b"junk"]
    client.send(
        pb.Request(echo=pb.RequestEcho(message="before")),
        *(pb.Request(check_tx=pb.RequestCheckTx(tx=tx)) for tx in txs),
        pb.Request(flush=pb.RequestFlush()),
    )
    answers = [client.receive() for _ in range(6)]
    assert [a.WhichOneof("value") for a in answers] == ["echo", *["check_tx"] * 4, "flush"]
    codes = [(a.check_tx.codespace, a.check_tx.code) for a in answers[1:5]]
    assert codes[0] == ("", 0) and codes[2] == ("", 0)
    assert codes[1] == ("tx", int(TxCode.SIGNATURE_INVALID))
    assert codes[3] == ("tx", int(TxCode.MALFORMED))
    assert batches == [4]


# -- batches: many Origin transactions in one CometBFT transaction ---------------------------


def test_batch_executes_each_transaction_and_binds_their_results(
    served: tuple[AbciApp, Client, Path],
) -> None:
    handler, client, _ = served
    pb = client.pb
    _init_chain(client)
    carried = [_transfer(100, client_id=1), _transfer(10**8, client_id=2), _transfer(5, 3)]
    plain = _transfer(7, client_id=4)
    batch = encode_batch(carried)
    check = client.call(check_tx=pb.RequestCheckTx(tx=batch)).check_tx
    assert (check.codespace, check.code) == ("", 0)  # a too-large amount is not checked here
    process = client.call(process_proposal=pb.RequestProcessProposal(txs=[batch, plain]))
    assert process.process_proposal.status == pb.ResponseProcessProposal.ACCEPT
    finalized = _finalize(client, 1, [batch, plain])
    client.call(commit=pb.RequestCommit())
    hashes, leaves = handler.store.block_tx_leaves(1)
    assert len(hashes) == 4  # Origin's block holds the four transactions, flattened
    results = [decode(leaf, ResultLeaf) for leaf in leaves]
    assert [r.code == 0 for r in results] == [True, False, True, True]
    assert results[1].codespace == "assets"  # the overdraft failed alone: not atomic
    first, second = finalized.tx_results
    assert (first.code, first.data) == (0, list_root(leaves[:3]))  # several: code 0
    assert (second.code, second.data) == (0, list_root(leaves[3:]))
    assert "2 of 3" in first.log
    transferred = [e for e in first.events if e.type == "assets/transferred"]
    assert len(transferred) == 2
    balance = handler.store.get(balance_key(BOB.address, "USD"))
    assert balance is not None


def test_batch_check_passes_stale_transactions_but_not_invalid_ones(
    served: tuple[AbciApp, Client, Path],
) -> None:
    _, client, _ = served
    pb = client.pb
    committed = _chain_with_one_committed(client)
    fresh = _transfer(2, client_id=2)
    forged = bytearray(_transfer(3, client_id=3))
    forged[-1] ^= 1

    def check(tx: bytes, kind: int = pb.NEW) -> tuple[str, int]:
        answer = client.call(check_tx=pb.RequestCheckTx(tx=tx, type=kind)).check_tx
        return answer.codespace, answer.code

    assert check(encode_batch([committed, fresh])) == ("", 0)  # one stale, one live
    assert check(encode_batch([fresh, bytes(forged)])) == ("tx", int(TxCode.SIGNATURE_INVALID))
    assert check(encode_batch([committed, committed])) == ("tx", int(TxCode.ALREADY_COMMITTED))
    # A recheck keeps a batch while one of its transactions may still commit.
    assert check(encode_batch([committed, fresh]), pb.RECHECK) == ("", 0)
    malformed = encode_batch([fresh])[:-1]
    assert check(malformed) == ("tx", int(TxCode.MALFORMED))


def test_prepare_proposal_rewrites_batches_and_drops_duplicates(
    served: tuple[AbciApp, Client, Path],
) -> None:
    _, client, _ = served
    pb = client.pb
    committed = _chain_with_one_committed(client)
    a, b, c = (_transfer(2, client_id=10 + i) for i in range(3))
    intact = encode_batch([a, b])
    spoiled = encode_batch([committed, b, c])  # b again, and a committed one
    lone = encode_batch([committed, a])  # only a duplicate left
    prepare = pb.RequestPrepareProposal(txs=[intact, spoiled, lone], max_tx_bytes=1 << 20)
    prepare.time.FromMilliseconds(BLOCK_TIME_MS + 2)
    proposed = list(client.call(prepare_proposal=prepare).prepare_proposal.txs)
    # The intact batch keeps its bytes (mempools drop it once committed); the spoiled one
    # keeps what is new, as a plain transaction; the last carries nothing new.
    assert proposed == [intact, c]


def test_prepare_proposal_counts_batches_against_max_tx_bytes(
    served: tuple[AbciApp, Client, Path],
) -> None:
    _, client, _ = served
    pb = client.pb
    _init_chain(client)
    first = encode_batch([_transfer(1, client_id=i) for i in range(1, 4)])
    second = encode_batch([_transfer(1, client_id=i) for i in range(4, 7)])
    prepare = pb.RequestPrepareProposal(txs=[first, second], max_tx_bytes=len(first) + 4)
    prepare.time.FromMilliseconds(BLOCK_TIME_MS + 1)
    assert list(client.call(prepare_proposal=prepare).prepare_proposal.txs) == [first]


def test_process_proposal_rejects_malformed_and_nested_batches(
    served: tuple[AbciApp, Client, Path],
) -> None:
    _, client, _ = served
    pb = client.pb
    _init_chain(client)
    good = encode_batch([_transfer(1, client_id=1), _transfer(1, client_id=2)])
    for txs in ([good[:-1]], [encode_batch([good])]):
        answer = client.call(process_proposal=pb.RequestProcessProposal(txs=txs, height=1))
        assert answer.process_proposal.status == pb.ResponseProcessProposal.REJECT
    answer = client.call(process_proposal=pb.RequestProcessProposal(txs=[good], height=1))
    assert answer.process_proposal.status == pb.ResponseProcessProposal.ACCEPT


def test_recheck_drops_what_committed_through_another_carrier(
    served: tuple[AbciApp, Client, Path],
) -> None:
    _, client, _ = served
    pb = client.pb
    _init_chain(client)
    a, b, c = (_transfer(2, client_id=20 + i) for i in range(3))
    waiting = [encode_batch([a, b]), c]  # what this mempool holds
    for tx in waiting:
        assert client.call(check_tx=pb.RequestCheckTx(tx=tx)).check_tx.code == 0
    _finalize(client, 1, [encode_batch([a, b, c])])  # another validator's batch commits
    client.call(commit=pb.RequestCommit())
    for tx in waiting:
        recheck = client.call(check_tx=pb.RequestCheckTx(tx=tx, type=pb.RECHECK)).check_tx
        assert (recheck.codespace, recheck.code) == ("tx", int(TxCode.ALREADY_COMMITTED))


# -- execution safety and state sync's trust --------------------------------------------


def test_regression_exception_in_handler_finalize_block_answers(toolchain: Path) -> None:
    # Before: the exception escaped FinalizeBlock; CometBFT got ResponseException and
    # replayed the same block forever.
    from tests.core.faulty import Boom, faulty_registry

    store = SqliteStore(None)
    handler = AbciApp(Application(store, faulty_registry()), store)
    pb = handler.pb
    init = pb.RequestInitChain(chain_id=CHAIN_ID, app_state_bytes=_genesis_raw())
    init.validators.add(power=1).pub_key.ed25519 = VALIDATOR.key.public_key
    handler.handle(pb.Request(init_chain=init))
    bad = sign_tx([Boom(bytes(20), "value")], [BOB.key], expires_at_ms=BLOCK_TIME_MS + 60_000)
    request = pb.RequestFinalizeBlock(
        txs=[bad, _transfer(5)],
        height=1,
        proposer_address=validator_address(VALIDATOR.key.public_key),
    )
    request.time.FromMilliseconds(BLOCK_TIME_MS)
    response = handler.handle(pb.Request(finalize_block=request))
    assert response.WhichOneof("value") == "finalize_block", response
    results = response.finalize_block.tx_results
    assert [(r.codespace, r.code) for r in results] == [("tx", TxCode.INTERNAL), ("", 0)]
    assert results[0].log.endswith(": ValueError")
    handler.handle(pb.Request(commit=pb.RequestCommit()))
    assert handler.failure is None and store.latest_height() == 1
    store.close()


def _snapshot_of_one_block(tmp_path: Path) -> tuple[SqliteStore, Snapshots, Any]:
    store = SqliteStore(None)
    handler = AbciApp(Application(store), store)
    pb = handler.pb
    init = pb.RequestInitChain(chain_id=CHAIN_ID, app_state_bytes=_genesis_raw())
    init.validators.add(power=1).pub_key.ed25519 = VALIDATOR.key.public_key
    handler.handle(pb.Request(init_chain=init))
    request = pb.RequestFinalizeBlock(
        txs=[_transfer(100, 1)],
        height=1,
        proposer_address=validator_address(VALIDATOR.key.public_key),
    )
    request.time.FromMilliseconds(BLOCK_TIME_MS)
    handler.handle(pb.Request(finalize_block=request))
    handler.handle(pb.Request(commit=pb.RequestCommit()))
    snapshots = Snapshots(tmp_path / "snapshots", 1)
    return store, snapshots, snapshots.take(store)


def _restore(
    chunks: list[bytes], metadata: bytes, app_hash: bytes, genesis_hash: bytes | None
) -> tuple[AbciApp, list[Any]]:
    store = SqliteStore(None)
    fresh = AbciApp(Application(store), store, genesis_hash=genesis_hash)
    pb = fresh.pb
    snapshot = pb.Snapshot(
        height=1, format=2, chunks=len(chunks), hash=sha256(metadata), metadata=metadata
    )
    offer = pb.RequestOfferSnapshot(snapshot=snapshot, app_hash=app_hash)
    results: list[Any] = [fresh.handle(pb.Request(offer_snapshot=offer)).offer_snapshot.result]
    if results[0] != pb.ResponseOfferSnapshot.ACCEPT:
        return fresh, results
    for index, chunk in enumerate(chunks):
        request = pb.RequestApplySnapshotChunk(index=index, chunk=chunk, sender="peer")
        answer = fresh.handle(pb.Request(apply_snapshot_chunk=request)).apply_snapshot_chunk
        results.append(answer.result)
        if answer.result != pb.ResponseApplySnapshotChunk.ACCEPT:
            break
    return fresh, results


def _forged(chunks: list[bytes], metadata: bytes) -> bytes:
    """Metadata for forged chunks: a peer can rewrite everything but height and app hash."""
    from originledger.core.codec import encode
    from originledger.node.snapshots import SnapshotMetadata

    meta = decode(metadata, SnapshotMetadata).meta
    return encode(SnapshotMetadata(meta, [sha256(chunk) for chunk in chunks]))


def test_regression_state_sync_rejects_forged_spent_set(toolchain: Path, tmp_path: Path) -> None:
    # Before: the spent set travelled in an unauthenticated chunk; a peer could leave a
    # committed transaction out of it and replay that transaction on the restored node.
    from originledger.core.codec import encode
    from originledger.core.tx import SPENT_PREFIX
    from originledger.node.snapshots import RowsChunk

    source, snapshots, taken = _snapshot_of_one_block(tmp_path)
    meta = source.chain_meta()
    assert meta is not None
    chunks = [snapshots.load_chunk(1, 2, index) for index in range(taken.chunks)]
    genesis_hash = sha256(_genesis_raw())
    fresh, results = _restore(chunks, taken.metadata, meta.app_hash, genesis_hash)
    assert set(results[1:]) == {fresh.pb.ResponseApplySnapshotChunk.ACCEPT}
    assert fresh.app.check_tx(_transfer(100, 1), BLOCK_TIME_MS).result.code == (
        TxCode.ALREADY_COMMITTED
    )
    # The forgery: the same rows without the spent records, with matching chunk hashes.
    forged = [chunks[0]]
    for chunk in chunks[1:]:
        rows = decode(chunk, RowsChunk).rows
        forged.append(encode(RowsChunk([r for r in rows if not r[0].startswith(SPENT_PREFIX)])))
    assert forged != chunks
    cheated, results = _restore(
        forged, _forged(forged, taken.metadata), meta.app_hash, genesis_hash
    )
    assert results[-1] == cheated.pb.ResponseApplySnapshotChunk.REJECT_SNAPSHOT
    assert cheated.store.chain_meta() is None, "the forged snapshot was restored"
    source.close()


def test_regression_state_sync_rejects_wrong_genesis(toolchain: Path, tmp_path: Path) -> None:
    # Before: the genesis arrived in the unauthenticated chunk and was taken as it came.
    from originledger.core.codec import encode
    from originledger.node.snapshots import FirstChunk

    source, snapshots, taken = _snapshot_of_one_block(tmp_path)
    meta = source.chain_meta()
    assert meta is not None
    chunks = [snapshots.load_chunk(1, 2, index) for index in range(taken.chunks)]
    genesis_hash = sha256(_genesis_raw())
    # No genesis hash configured: state sync is refused.
    fresh, results = _restore(chunks, taken.metadata, meta.app_hash, None)
    assert results == [fresh.pb.ResponseOfferSnapshot.REJECT]
    # Another chain's genesis hash configured: refused.
    fresh, results = _restore(chunks, taken.metadata, meta.app_hash, sha256(b"another chain"))
    assert results == [fresh.pb.ResponseOfferSnapshot.REJECT]
    # A forged genesis under the right hash in the metadata: the snapshot is rejected.
    other = _genesis_raw().replace(b'"100000"', b'"900000"')
    forged = [encode(FirstChunk(other)), *chunks[1:]]
    cheated, results = _restore(
        forged, _forged(forged, taken.metadata), meta.app_hash, genesis_hash
    )
    assert results[-1] == cheated.pb.ResponseApplySnapshotChunk.REJECT_SNAPSHOT
    assert cheated.store.chain_meta() is None
    source.close()


def test_live_invariant_breach_answers_exception_naming_it(toolchain: Path) -> None:
    # The one right halt: CometBFT stops on ResponseException; nothing is committed.
    from tests.core.faulty import Mint, faulty_registry

    store = SqliteStore(None)
    handler = AbciApp(Application(store, faulty_registry()), store)
    pb = handler.pb
    init = pb.RequestInitChain(chain_id=CHAIN_ID, app_state_bytes=_genesis_raw())
    init.validators.add(power=1).pub_key.ed25519 = VALIDATOR.key.public_key
    handler.handle(pb.Request(init_chain=init))
    bad = sign_tx([Mint(BOB.address, "USD", 3)], [BOB.key], expires_at_ms=BLOCK_TIME_MS + 60_000)
    request = pb.RequestFinalizeBlock(
        txs=[_transfer(5), bad],
        height=1,
        proposer_address=validator_address(VALIDATOR.key.public_key),
    )
    request.time.FromMilliseconds(BLOCK_TIME_MS)
    response = handler.handle(pb.Request(finalize_block=request))
    assert response.WhichOneof("value") == "exception"
    text = response.exception.error
    assert "block 1, transaction 1 (" in text and "assets.supply_moves_with_balances" in text
    assert handler.failure is not None and store.latest_height() == 0
    store.close()


# -- admission: the mempool's policy in CheckTx -------------------------------------------

DAVE = party("dave")


def _admission_handler(admission: Admission, clock: list[int], **limits: int) -> AbciApp:
    """An app at genesis where ISSUER holds a role, BOB is registered without one, and
    ALICE, CAROL and DAVE are not registered."""
    document = json.loads(_genesis_raw())
    document["app_state"]["accounts"]["accounts"].append({"address": str(BOB.address)})
    store = SqliteStore(None)
    handler = AbciApp(
        Application(store), store, clock_ms=lambda: clock[0], admission=admission, **limits
    )
    pb = handler.pb
    init = pb.RequestInitChain(chain_id=CHAIN_ID, app_state_bytes=json.dumps(document).encode())
    init.validators.add(power=1).pub_key.ed25519 = VALIDATOR.key.public_key
    handler.handle(pb.Request(init_chain=init))
    return handler


def _from(sender: Party, client_id: int, expires_at_ms: int = BLOCK_TIME_MS + 60_000) -> bytes:
    recipient = BOB if sender is not BOB else CAROL
    message = Transfer(sender.address, recipient.address, "USD", Amount(1))
    return sign_tx([message], [sender.key], client_id=client_id, expires_at_ms=expires_at_ms)


def _checked(handler: AbciApp, *txs: bytes, recheck: bool = False) -> list[int]:
    """CheckTx codes of ``txs``, sent as one burst as CometBFT sends them."""
    pb = handler.pb
    kind = pb.RECHECK if recheck else pb.NEW
    requests = [pb.Request(check_tx=pb.RequestCheckTx(tx=tx, type=kind)) for tx in txs]
    return [answer.check_tx.code for answer in handler.handle_many(requests)]


def _commit_block(
    handler: AbciApp, height: int, txs: list[bytes], time_ms: int | None = None
) -> None:
    pb = handler.pb
    request = pb.RequestFinalizeBlock(
        txs=txs, height=height, proposer_address=validator_address(VALIDATOR.key.public_key)
    )
    request.time.FromMilliseconds(time_ms or BLOCK_TIME_MS + height)
    handler.handle(pb.Request(finalize_block=request))
    handler.handle(pb.Request(commit=pb.RequestCommit()))


NOT_ADMITTED = int(TxCode.SIGNER_NOT_ADMITTED)


@pytest.mark.parametrize(
    ("admission", "codes"),
    [
        (Admission.OPEN, [0, 0, 0]),
        (Admission.QUOTA, [0, 0, 0]),
        (Admission.ACCOUNTS, [NOT_ADMITTED, 0, 0]),
        (Admission.ROLES, [NOT_ADMITTED, NOT_ADMITTED, 0]),
    ],
)
def test_regression_checktx_applies_admission_policy(
    toolchain: Path, admission: Admission, codes: list[int]
) -> None:
    # Before: CheckTx ignored [mempool] admission; any new key filled CometBFT's mempool.
    handler = _admission_handler(admission, [BLOCK_TIME_MS])
    txs = [_from(ALICE, 1), _from(BOB, 1), _from(ISSUER, 1)]  # none, registered, role
    assert _checked(handler, *txs) == codes
    assert [_checked(handler, tx)[0] for tx in txs] == codes  # alone, as on the socket
    answer = handler.handle(handler.pb.Request(check_tx=handler.pb.RequestCheckTx(tx=txs[0])))
    if codes[0]:
        assert (answer.check_tx.codespace, answer.check_tx.log) == (
            "tx",
            TxCode.SIGNER_NOT_ADMITTED.message,
        )
    # A batch carrying one signer the policy refuses is refused whole.
    batch = encode_batch([_from(ISSUER, 2), _from(ALICE, 2)])
    assert _checked(handler, batch) == [codes[0]]
    # The API's own check (network_node.submit) answers as CheckTx will.
    checks = handler.admission_checks(handler.app.check_txs(txs, BLOCK_TIME_MS))
    assert [check.result.code for check in checks] == codes
    handler.store.close()


def test_regression_checktx_applies_admission_policy_on_recheck(toolchain: Path) -> None:
    handler = _admission_handler(Admission.ACCOUNTS, [BLOCK_TIME_MS])
    # A transaction of an unregistered signer that reached the mempool otherwise (before
    # a restart, or from a node with another policy) is dropped by the recheck ...
    assert _checked(handler, _from(ALICE, 3), recheck=True) == [NOT_ADMITTED]
    assert _checked(handler, _from(BOB, 3), recheck=True) == [0]
    # ... and a signer registered by a committed block is admitted at the next check.
    _commit_block(handler, 1, [_from(ALICE, 4)])  # passed another node's policy
    assert _checked(handler, _from(ALICE, 5)) == [0]
    assert _checked(handler, _from(ALICE, 3), recheck=True) == [0]
    handler.store.close()


def test_regression_checktx_applies_admission_policy_quota_accounting(toolchain: Path) -> None:
    clock = [BLOCK_TIME_MS]
    handler = _admission_handler(
        Admission.QUOTA, clock, unregistered_txs_max=3, unregistered_per_signer_max=2
    )
    waiting = handler.waiting_unregistered
    quota = int(TxCode.SIGNER_QUOTA)
    soon = BLOCK_TIME_MS + 10
    alice = [_from(ALICE, 1, soon), _from(ALICE, 2), _from(ALICE, 3)]
    # Each unregistered signer has two places; all of them share three.
    assert _checked(handler, *alice) == [0, 0, quota]
    assert waiting.per_signer == {ALICE.key.public_key: 2}
    assert _checked(handler, _from(CAROL, 1), _from(DAVE, 1)) == [0, quota]
    assert len(waiting) == 3
    # The same transaction again holds one place; registered signers are not counted.
    assert _checked(handler, alice[0], _from(BOB, 1), _from(BOB, 2), _from(ISSUER, 1)) == [
        0,
        0,
        0,
        0,
    ]
    assert len(waiting) == 3
    # A refused batch takes no place; the API's own check counts without charging.
    assert _checked(handler, encode_batch([_from(DAVE, 2), _from(CAROL, 2)])) == [quota]
    assert len(waiting) == 3
    checks = handler.admission_checks(handler.app.check_txs([_from(DAVE, 3)], clock[0]))
    assert checks[0].result.code == quota and len(waiting) == 3
    # A recheck that drops a transaction (expired) frees its place.
    clock[0] = soon
    assert _checked(handler, alice[0], alice[1], recheck=True) == [int(TxCode.EXPIRED), 0]
    assert len(waiting) == 2
    assert _checked(handler, _from(DAVE, 4)) == [0]
    assert len(waiting) == 3
    # A committed transaction frees its place; its signer is then registered, and the
    # recheck frees the places of what it still has waiting.
    _commit_block(handler, 1, [_from(CAROL, 1)])
    assert len(waiting) == 2 and CAROL.key.public_key not in waiting.per_signer
    _commit_block(handler, 2, [_from(ALICE, 7)])  # ALICE registers by a transaction
    assert len(waiting) == 2
    assert _checked(handler, alice[1], recheck=True) == [0]
    assert waiting.per_signer == {DAVE.key.public_key: 1}
    assert _checked(handler, _from(ALICE, 8), _from(ALICE, 9), _from(ALICE, 10)) == [0, 0, 0]
    # A place held by a transaction CometBFT dropped without a recheck ends at its expiry.
    _commit_block(handler, 3, [], time_ms=BLOCK_TIME_MS + 60_000)
    assert len(waiting) == 0
    handler.store.close()


def test_regression_checktx_applies_admission_policy_of_each_home(
    toolchain: Path, tmp_path: Path, socket_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: `python -m originledger.server --abci` (what `origin net` runs for each
    # validator) read only [api] listen; the app ignored [mempool] admission and the API
    # ignored [api] cors_origins.
    from originledger.node import abci_process
    from originledger.node.home import init_home
    from originledger.server import __main__ as node_main
    from originledger.server import network as runner

    home = tmp_path / "validator-0"
    init_home(home)
    config = home / "config.toml"
    config.write_text(
        config.read_text()
        .replace('admission = "quota"', 'admission = "roles"')
        .replace("cors_origins = []", 'cors_origins = ["https://wallet.example"]')
    )
    served: dict[str, Any] = {}

    def fake_serve(node: Any, listen: str, **options: Any) -> None:
        served.update(options, admission=node.abci.admission, listen=listen)

    monkeypatch.setattr(runner, "serve", fake_serve)
    address = f"unix://{socket_path}"
    assert node_main.main(["--home", str(home), "--abci", address, "--rpc", "http://x"]) == 0
    assert served["admission"] is Admission.ROLES
    assert served["cors_origins"] == ("https://wallet.example",)
    # A home without config.toml serves ABCI only, with the default policy; a bad policy
    # is refused before anything starts.
    bare = abci_process.AbciProcess(tmp_path / "bare", address)
    assert bare.handler.admission is Admission.QUOTA
    bare.close()
    config.write_text(config.read_text().replace('"roles"', '"everyone"'))
    assert node_main.main(["--home", str(home), "--abci", address]) == 6


# -- back-pressure: the mempool's count, and events for CometBFT only when asked ----------


def test_waiting_count_follows_checktx_recheck_and_commit(
    served: tuple[AbciApp, Client, Path],
) -> None:
    handler, client, _ = served
    pb = client.pb
    _init_chain(client)
    a, b, c, d = (_transfer(2, client_id=30 + i) for i in range(4))
    forged = bytearray(_transfer(3, client_id=40))
    forged[-1] ^= 1
    for tx in (encode_batch([a, b]), c, d, encode_batch([d, bytes(forged)])):
        client.call(check_tx=pb.RequestCheckTx(tx=tx))
    assert len(handler.waiting) == 4  # a refused batch counts nothing; d once
    _finalize(client, 1, [encode_batch([a, c])])
    client.call(commit=pb.RequestCommit())
    assert len(handler.waiting) == 2  # b and d wait
    recheck = client.call(check_tx=pb.RequestCheckTx(tx=encode_batch([a, b]), type=pb.RECHECK))
    assert recheck.check_tx.code == 0  # kept for b
    hashes = [check.hash for check in handler.app.check_txs([b, d], BLOCK_TIME_MS)]
    assert sorted(handler.waiting.expiry_ms) == sorted(hashes)
    handler.waiting.release_expired(BLOCK_TIME_MS + 60_000)  # at their expiry, forgotten
    assert len(handler.waiting) == 0


def test_finalize_block_hands_events_to_cometbft_only_when_asked(
    toolchain: Path, socket_path: Path
) -> None:
    store = SqliteStore(None)
    handler = AbciApp(Application(store), store, cometbft_events=False)
    path = socket_path
    server = AbciServer(handler, path).start()
    client = Client(path)
    try:
        _init_chain(client)
        finalized = _finalize(client, 1, [_transfer(100)])
        assert [r.code for r in finalized.tx_results] == [0]
        assert list(finalized.tx_results[0].events) == []
        assert list(finalized.events) == []
        assert finalized.tx_results[0].data  # what last_results_hash binds is unchanged
    finally:
        client.close()
        server.stop()
        store.close()


def test_api_answers_503_overloaded_while_the_backlog_is_at_its_bound(
    served: tuple[AbciApp, Client, Path],
) -> None:
    import msgspec
    from litestar.testing import TestClient

    from originledger.api.server import create_app
    from originledger.node.network_node import NetworkNode, PendingBudget

    handler, client, _ = served
    pb = client.pb
    _init_chain(client)
    waiting = [_transfer(2, client_id=50 + i) for i in range(3)]
    client.call(check_tx=pb.RequestCheckTx(tx=encode_batch(waiting)))
    budget = PendingBudget(floor=3, ceiling=3)
    node = NetworkNode(handler, VALIDATOR.key, "http://127.0.0.1:9", budget=budget)
    forged = bytearray(_transfer(3, client_id=60))
    forged[-1] ^= 1
    body = msgspec.msgpack.encode([bytes(forged)])
    headers = {"content-type": "application/msgpack"}
    with TestClient(app=create_app(node, start_node=False)) as api:
        refused = api.post("/v1/txs", content=body, headers=headers)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["error"]["code"] == "overloaded"
        _finalize(client, 1, waiting[:1])  # one commits: room for a submission again
        client.call(commit=pb.RequestCommit())
        answered = api.post("/v1/txs", content=body, headers=headers)
        assert answered.status_code == 200
        assert answered.json()["answers"][0]["status"] == "rejected"  # checked as usual


def test_standings_outlive_blocks_that_leave_the_account_alone(toolchain: Path) -> None:
    handler = _admission_handler(Admission.ACCOUNTS, [BLOCK_TIME_MS])
    reads: list[list[bytes]] = []
    read = handler._read_standings

    def counted(signers: Any) -> Any:
        reads.append(list(signers))
        return read(signers)

    handler._read_standings = counted
    assert _checked(handler, _from(BOB, 1), _from(ALICE, 1)) == [0, NOT_ADMITTED]
    assert len(reads) == 1
    _commit_block(handler, 1, [_from(BOB, 2)])  # writes balances, not account records
    assert _checked(handler, _from(BOB, 3), _from(ALICE, 2)) == [0, NOT_ADMITTED]
    assert len(reads) == 1  # read once, still known
    _commit_block(handler, 2, [_from(ALICE, 4)])  # ALICE's account record is written
    assert _checked(handler, _from(BOB, 5), _from(ALICE, 5)) == [0, 0]
    assert reads[1:] == [[ALICE.key.public_key]]  # only hers is read again
    handler.store.close()


def test_pending_budget_is_seconds_of_the_commit_rate_within_bounds() -> None:
    from originledger.node.network_node import PendingBudget

    now = [100.0]
    budget = PendingBudget(
        wait_ms=2_000, window_ms=3_000, floor=1_500, ceiling=5_000, clock_s=lambda: now[0]
    )
    assert budget.limit() == 1_500  # nothing committed yet: the floor
    for _ in range(6):  # 1,200 transactions a second for three seconds
        budget.committed(600)
        now[0] += 0.5
    assert budget.limit() == 2_400  # two seconds of 1,200/s
    budget.committed(30_000)
    assert budget.limit() == 5_000  # the ceiling
    now[0] += 10
    budget.committed(0)  # the window moved on: only recent blocks count
    assert budget.limit() == 1_500
