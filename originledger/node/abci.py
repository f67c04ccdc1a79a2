"""The CometBFT driver's application: ABCI requests mapped to the Application (CometBFT v0.38).

CometBFT calls the app on four connections (consensus, mempool, query, snapshot); the
socket server (``node/abci_process.py``) hands each request to :class:`AbciApp`, whose
one lock makes the Application see one call at a time (it was written for one driver
thread). The messages are CometBFT's own protobuf classes (``comet/protos.py``).

The mapping (see docs/network.md for the whole protocol):

- ``Info``: the last committed height and app hash, so that CometBFT's handshake replays
  the blocks the app lacks after a crash (a block is committed in one SQLite transaction:
  the app is always exactly at some height).
- ``InitChain``: the Origin genesis document is CometBFT's genesis ``app_state``; its chain
  id, initial height and validators must agree with CometBFT's. Answers the genesis app
  hash. Idempotent for the same document (a crash between InitChain and CometBFT saving
  its state makes CometBFT ask again).
- Transactions: a CometBFT transaction is one Origin transaction or a *batch* of them
  (``core/batch.py``): the API hands each submitted batch to CometBFT as one, so that
  CometBFT's per-transaction work (CheckTx round trip, gossip, recheck) is paid once per
  batch. Every call below flattens batches first; the Application sees Origin
  transactions only.
- ``CheckTx``: ``Application.check_txs`` against the wall clock (the mempool is local and
  need not be deterministic). A batch passes when at least one of its transactions does
  and none fails for a reason other than being expired or committed already. A recheck
  (after each block, of what is still waiting) is ``Application.recheck_txs``: a
  transaction checked before is a cache hit and an expiry check, and bytes committed
  meanwhile (alone or in a batch) take the full check, which finds them committed; a
  batch stays while one of its transactions may still commit. New and rechecked
  transactions then pass the node's mempool admission policy (``[mempool] admission``,
  ``node/mempool.py``): ``accounts`` and ``roles`` from committed state, ``quota`` with
  the app's count of unregistered signers' waiting transactions (``WaitingUnregistered``).
- ``PrepareProposal``: drops what no longer passes the checks at the block's time (expired,
  committed meanwhile, twice in the proposal), rewriting a batch that lost some of its
  transactions, within ``max_tx_bytes`` and ``BLOCK_TXS_MAX``.
- ``ProcessProposal``: limits and well-formed batches only (deterministic).
- ``FinalizeBlock``: executes; answers, for each CometBFT transaction, the code, message
  and events of what it carried and, as ``data``, the Merkle root of their result leaves
  (``core.batch.exec_result_fields``); the block's events; the app hash (the state root).
  Persists nothing.
- ``Commit``: persists the finalized block (state, tree, block, transactions, events).
- ``Query``: ``/state`` (data: the raw key) and ``/query/MODULE/NAME`` (data: a JSON object
  of parameters), with ``prove``: one proof op per key read, type ``origin/state``,
  holding the msgpack ``ProvenValue``; it proves against the state root of ``height``,
  which CometBFT's header ``height + 1`` carries as its app hash.
- ``ExtendVote``/``VerifyVoteExtension``: empty extension / accept.
- Snapshots (state sync): ``ListSnapshots``, ``LoadSnapshotChunk``, ``OfferSnapshot`` and
  ``ApplySnapshotChunk`` serve and restore the app's snapshots (``node/snapshots.py``).

``python -m originledger.server --home HOME --abci unix:///path/to/app.sock`` serves it
(``node/abci_process.py``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from originledger import __version__
from originledger.app import (
    Application,
    BlockOutcome,
    BlockRequest,
    CheckResult,
    parse_genesis,
)
from originledger.comet.framing import encode_uvarint
from originledger.comet.protos import abci_types
from originledger.comet.validators import validator_address
from originledger.core.address import Address, account_address
from originledger.core.amounts import Amount
from originledger.core.batch import BATCH_MARKER, encode_batch, exec_result_fields, flatten
from originledger.core.block import Genesis
from originledger.core.codec import encode, to_json
from originledger.core.codes import TxCode, TxResult
from originledger.core.context import Event
from originledger.core.crypto import sha256
from originledger.core.limits import (
    BLOCK_TXS_MAX,
    MEMPOOL_UNREGISTERED_PER_SIGNER_MAX,
    MEMPOOL_UNREGISTERED_TXS_MAX,
)
from originledger.core.module import QueryError
from originledger.modules.accounts.keys import account_key
from originledger.modules.validators import load_validators
from originledger.node.log import BlockTimer
from originledger.node.mempool import Admission, Standing, committed_standings
from originledger.node.snapshots import Restore, Snapshots
from originledger.store.sqlite import SqliteStore

__all__ = [
    "APP_VERSION",
    "QUERY_PROOF_TYPE",
    "AbciApp",
    "ValidatorUpdate",
    "timestamp_ms",
]

log = logging.getLogger("originledger.node.abci")

APP_VERSION = 1  # the app protocol version CometBFT records in its headers
QUERY_PROOF_TYPE = "origin/state"
_QUERY_CODESPACE = "query"
_ADDRESS_TEXTS_MAX = 100_000
_STANDINGS_CACHED_MAX = 100_000
_EXPIRY_SWEEP_BLOCKS = 16  # how often the waiting count forgets expired transactions


class QueryCode:
    OK = 0
    UNKNOWN_PATH = 1
    INVALID = 2
    NOT_FOUND = 3
    HEIGHT_UNAVAILABLE = 4


@dataclass(frozen=True)
class ValidatorUpdate:
    """A change of the validator set: an Ed25519 key and its new power (0 removes it)."""

    public_key: bytes
    power: int


def timestamp_ms(stamp: Any) -> int:
    return int(stamp.seconds) * 1000 + int(stamp.nanos) // 1_000_000


def _stale(check: CheckResult) -> bool:
    """A transaction that cannot commit any more but does not spoil a batch carrying it."""
    return check.result.code in (TxCode.EXPIRED, TxCode.ALREADY_COMMITTED)


def _carrier_passes(carried: list[CheckResult], recheck: bool) -> bool:
    """Whether CheckTx keeps a CometBFT transaction carrying these checks: a plain one
    when it passed; a batch when one of its transactions passed and (unless rechecked)
    none failed for a reason other than being stale."""
    live = any(check.ok for check in carried)
    spoiled = any(not check.ok and not _stale(check) for check in carried)
    return live and (recheck or not spoiled)


class WaitingUnregistered:
    """The ``quota`` admission's count, in network mode, of the transactions of
    unregistered signers waiting in CometBFT's mempool: charged when CheckTx accepts one,
    released when it commits, when a recheck drops it (or finds its signer registered),
    and at its expiry (a transaction CometBFT dropped without telling the app cannot
    hold its place longer than it could wait)."""

    def __init__(self, txs_max: int, per_signer_max: int) -> None:
        self.txs_max = txs_max
        self.per_signer_max = per_signer_max
        self.charged: dict[bytes, tuple[bytes, int]] = {}  # tx hash: (signer, expiry)
        self.per_signer: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self.charged)

    def room(self, signer: bytes, extra: dict[bytes, int], extra_total: int) -> bool:
        """Whether one more transaction of ``signer`` fits, counting ``extra`` (charges
        not made yet, by signer; ``extra_total`` in all) with those made."""
        mine = self.per_signer.get(signer, 0) + extra.get(signer, 0)
        return len(self.charged) + extra_total < self.txs_max and mine < self.per_signer_max

    def charge(self, tx_hash: bytes, signer: bytes, expires_at_ms: int) -> None:
        if tx_hash not in self.charged:
            self.charged[tx_hash] = (signer, expires_at_ms)
            self.per_signer[signer] = self.per_signer.get(signer, 0) + 1

    def release(self, tx_hash: bytes) -> None:
        found = self.charged.pop(tx_hash, None)
        if found is None:
            return
        signer = found[0]
        remaining = self.per_signer[signer] - 1
        if remaining:
            self.per_signer[signer] = remaining
        else:
            del self.per_signer[signer]

    def release_expired(self, now_ms: int) -> None:
        for tx_hash in [h for h, (_, expiry) in self.charged.items() if expiry <= now_ms]:
            self.release(tx_hash)

    def clear(self) -> None:
        self.charged.clear()
        self.per_signer.clear()


class WaitingTxs:
    """The Origin transactions waiting in the local CometBFT's mempool, as the app saw
    them pass: a transaction counts from the moment CheckTx keeps a new carrier of it
    (submitted here or gossiped) until it commits, a recheck drops it, or its expiry
    passes (CometBFT may drop a carrier without telling the app). What the API's
    admission budget (``NetworkNode.budget``) is measured against: the mempools of all
    validators hold about the same transactions, so this is the network's backlog."""

    def __init__(self) -> None:
        self.expiry_ms: dict[bytes, int] = {}  # tx hash: expiry

    def __len__(self) -> int:
        return len(self.expiry_ms)

    def add(self, check: CheckResult) -> None:
        tx = check.tx
        if check.ok and tx is not None:
            self.expiry_ms[tx.hash] = tx.body.expires_at_ms

    def remove(self, tx_hash: bytes | None) -> None:
        if tx_hash is not None:
            self.expiry_ms.pop(tx_hash, None)

    def release_expired(self, now_ms: int) -> None:
        for tx_hash in [h for h, expiry in self.expiry_ms.items() if expiry <= now_ms]:
            del self.expiry_ms[tx_hash]


class AbciApp:
    """Maps ABCI requests to the Application. Thread-safe: one call at a time."""

    def __init__(
        self,
        app: Application,
        store: SqliteStore,
        *,
        clock_ms: Callable[[], int] | None = None,
        wrong_app_hash_from: int | None = None,
        validator_updates: Callable[[BlockOutcome], list[ValidatorUpdate]] | None = None,
        snapshots: Snapshots | None = None,
        genesis_hash: bytes | None = None,
        admission: Admission = Admission.OPEN,
        unregistered_txs_max: int = MEMPOOL_UNREGISTERED_TXS_MAX,
        unregistered_per_signer_max: int = MEMPOOL_UNREGISTERED_PER_SIGNER_MAX,
        cometbft_events: bool = True,
    ) -> None:
        self.pb = abci_types()
        self.app = app
        self.store = store
        self.clock_ms = clock_ms or (lambda: time.time_ns() // 1_000_000)
        # Test-only fault: from this height on, answer a wrong app hash (a validator that
        # computes a wrong state). Never set outside the fault tests.
        self.wrong_app_hash_from = wrong_app_hash_from
        # What a block changes in the validator set comes from the block's outcome (the
        # validators module's messages); CometBFT applies it two heights later. A test may
        # give its own function instead.
        self.validator_updates = validator_updates
        # State sync: the snapshots this app takes and serves, and one being restored.
        self.snapshots = snapshots
        # The sha256 of the chain's genesis document, as configured: a snapshot (state
        # sync) must carry exactly that genesis. None: no state sync. (InitChain's genesis
        # comes from the local CometBFT's genesis file, which the operator wrote.)
        self.genesis_hash = genesis_hash
        self._restore: Restore | None = None
        # The mempool's admission policy (``[mempool] admission``, node/mempool.py), applied
        # in CheckTx: standings are read from committed state, once per signer per block.
        self.admission = admission
        self.waiting_unregistered = WaitingUnregistered(
            unregistered_txs_max, unregistered_per_signer_max
        )
        self.waiting = WaitingTxs()
        self._read_standings = committed_standings(store.read_states)
        # Standings stay known across blocks: a block forgets only those of the signers
        # whose account record it wrote (``_standing_keys``: account key -> signer).
        self._standings: dict[bytes, Standing] = {}
        self._standing_keys: dict[bytes, bytes] = {}
        # Whether FinalizeBlock hands CometBFT the events (as attributes): for CometBFT's
        # indexer and its subscribers; Origin's API serves them from the app's own store.
        self.cometbft_events = cometbft_events
        self.lock = threading.Lock()
        # Called with each block's outcome once it is durably committed (the API's waiters).
        self.listeners: list[Callable[[BlockOutcome], None]] = []
        self.block_timer = BlockTimer()  # the block log's time: FinalizeBlock to Commit
        # The first error of the consensus path (a bug): the node reports itself unhealthy.
        self.failure: BaseException | None = None
        self._proposers: dict[bytes, bytes] = {}
        self._address_texts: dict[Address, str] = {}
        self._handlers = self._handler_table()
        # The genesis validators' keys, once known (the genesis document is read and parsed
        # once: at a million accounts it is 224 MB).
        self._genesis_keys: list[bytes] | None = None
        self._check_stored_genesis()

    def _handler_table(self) -> dict[str, Callable[[Any], Any]]:
        """The method answering each kind of ABCI ``Request``."""
        return {
            "echo": lambda r: self.pb.ResponseEcho(message=r.message),
            "flush": lambda r: self.pb.ResponseFlush(),
            "info": self.info,
            "init_chain": self.init_chain,
            "query": self.query,
            "check_tx": self.check_tx,
            "commit": self.commit,
            "list_snapshots": self.list_snapshots,
            "offer_snapshot": self.offer_snapshot,
            "load_snapshot_chunk": self.load_snapshot_chunk,
            "apply_snapshot_chunk": self.apply_snapshot_chunk,
            "prepare_proposal": self.prepare_proposal,
            "process_proposal": self.process_proposal,
            "extend_vote": lambda r: self.pb.ResponseExtendVote(),
            "verify_vote_extension": lambda r: self.pb.ResponseVerifyVoteExtension(
                status=self.pb.ResponseVerifyVoteExtension.ACCEPT
            ),
            "finalize_block": self.finalize_block,
        }

    def _check_stored_genesis(self) -> None:
        """On a restart, refuse a chain whose genesis declares other consensus versions,
        and learn the genesis validators."""
        raw = self.store.genesis()
        if raw is not None:
            genesis = parse_genesis(raw)
            del raw
            self.app.check_consensus_versions(genesis)
            self._load_proposers(genesis)

    # -- dispatch -------------------------------------------------------------------------

    def handle(self, request: Any) -> Any:
        """The ``Response`` to one ``Request``; an exception answers ``ResponseException``
        (CometBFT stops on it: it is a bug, or a disagreement about genesis)."""
        kind = request.WhichOneof("value")
        handler = self._handlers.get(kind or "")
        response = self.pb.Response()
        if handler is None:
            response.exception.error = f"unknown ABCI request {kind!r}"
            return response
        try:
            if kind in ("echo", "flush"):
                answer = handler(getattr(request, kind))
            else:
                with self.lock:
                    answer = handler(getattr(request, kind))
        except Exception as error:
            log.critical("ABCI %s failed: %r", kind, error, exc_info=True)
            if kind in ("finalize_block", "commit") and self.failure is None:
                self.failure = error
            response.exception.error = f"{kind}: {error!r}"
            return response
        getattr(response, kind).CopyFrom(answer)
        return response

    def handle_many(self, requests: list[Any]) -> list[Any]:
        """The responses to pipelined requests, in order. Consecutive CheckTx requests
        (CometBFT sends them in bursts: new, gossiped and rechecked transactions) are
        checked together: one committed-hash lookup, and signatures verified before taking
        the lock (even for one request: a gossiped batch carries many signatures)."""
        responses: list[Any] = []
        index = 0
        while index < len(requests):
            end = index
            while end < len(requests) and requests[end].WhichOneof("value") == "check_tx":
                end += 1
            if end > index:
                responses.extend(self._check_tx_batch(requests[index:end]))
                index = end
            else:
                responses.append(self.handle(requests[index]))
                index += 1
        return responses

    def _check_tx_batch(self, requests: list[Any]) -> list[Any]:
        flat, layout = flatten([bytes(request.check_tx.tx) for request in requests])
        recheck = all(request.check_tx.type == self.pb.RECHECK for request in requests)
        try:
            if not recheck:  # signatures first, without the lock: blocks go on meanwhile
                self.app.verify_ahead(flat)
            with self.lock:
                answers = self._check(flat, layout, recheck)
        except Exception:  # answer each alone, so that an error names its request
            log.exception("a batch of CheckTx failed; checking one by one")
            return [self.handle(request) for request in requests]
        return [self.pb.Response(check_tx=answer) for answer in answers]

    # -- info and genesis -----------------------------------------------------------------

    def info(self, request: Any) -> Any:
        info = self.app.info()
        answer = self.pb.ResponseInfo(
            data="originledger", version=__version__, app_version=APP_VERSION
        )
        if info is not None and info.height > 0:
            answer.last_block_height = info.height
            answer.last_block_app_hash = self._app_hash(info.height, info.app_hash)
        return answer

    def init_chain(self, request: Any) -> Any:
        raw = bytes(request.app_state_bytes)
        genesis = parse_genesis(raw)
        if genesis.chain_id != request.chain_id:
            raise ValueError(
                f"CometBFT's chain id {request.chain_id!r} differs from app_state's "
                f"{genesis.chain_id!r}"
            )
        if request.initial_height and genesis.initial_height != request.initial_height:
            raise ValueError(
                f"CometBFT's initial height {request.initial_height} differs from "
                f"app_state's {genesis.initial_height}"
            )
        theirs = sorted(
            (bytes(update.pub_key.ed25519), int(update.power)) for update in request.validators
        )
        ours = sorted((v.public_key, v.power) for v in genesis.validators)
        if theirs != ours:
            raise ValueError(
                "CometBFT's genesis validators differ from app_state's (keys and powers)"
            )
        meta = self.store.chain_meta()
        if meta is None:
            app_hash = self.app.init_chain(raw)
        elif self.store.genesis() == raw and meta.height == genesis.initial_height - 1:
            app_hash = meta.app_hash  # asked again after a crash: same answer
        else:
            raise RuntimeError("the store already holds another chain, or a later height")
        self._load_proposers(genesis)
        return self.pb.ResponseInitChain(app_hash=app_hash)

    def _load_proposers(self, genesis: Genesis | None = None) -> None:
        """Validators' keys by CometBFT address: the genesis set (from ``genesis``, or the
        store's genesis read the first time) and the current one."""
        if self._genesis_keys is None:
            if genesis is None:
                raw = self.store.genesis()
                if raw is None:
                    return
                genesis = parse_genesis(raw)
            self._genesis_keys = [v.public_key for v in genesis.validators]
        keys = self._genesis_keys + [record.public_key for record in load_validators(self.store)]
        for key in keys:
            self._proposers[validator_address(key)] = key

    # -- mempool --------------------------------------------------------------------------

    def check_tx(self, request: Any) -> Any:
        flat, layout = flatten([bytes(request.tx)])
        return self._check(flat, layout, request.type == self.pb.RECHECK)[0]

    def _check(self, flat: list[bytes], layout: list[int], recheck: bool) -> list[Any]:
        """The ``ResponseCheckTx`` of each CometBFT transaction (plain or batch), given
        them flattened (``core.batch.flatten``)."""
        now_ms = self.clock_ms()
        checks = self.app.recheck_txs(flat, now_ms) if recheck else self.app.check_txs(flat, now_ms)
        if self.admission is not Admission.OPEN:
            checks = self._admitted(checks, layout, recheck=recheck, charge=True)
        answers: list[Any] = []
        waiting = self.waiting
        start = 0
        for count in layout:
            carried = checks[start : start + count]
            start += count
            if count == 1:
                check = carried[0]
                answers.append(self._check_answer(check))
                if check.ok:
                    waiting.add(check)
                elif recheck or _stale(check):  # a new copy refused is no news of the old
                    waiting.remove(check.hash)
                continue
            live = [check for check in carried if check.ok]
            spoiled = [check for check in carried if not check.ok and not _stale(check)]
            if live and (recheck or not spoiled):
                answers.append(self._check_answer(live[0]))
                for check in carried:
                    if check.ok:
                        waiting.add(check)
                    else:
                        waiting.remove(check.hash)
            else:
                answers.append(self._check_answer((spoiled or carried)[0]))
                if recheck:
                    for check in carried:
                        waiting.remove(check.hash)
        return answers

    # -- admission ------------------------------------------------------------------------

    def admission_checks(self, checks: list[CheckResult]) -> list[CheckResult]:
        """``checks`` (of ``Application.check_txs``) with the admission policy applied, as
        CheckTx will apply it, without charging the quota: what the API answers at once,
        since the broadcast to CometBFT does not wait for CheckTx. Call under ``lock``."""
        if self.admission is Admission.OPEN:
            return checks
        return self._admitted(checks, [len(checks)], recheck=False, charge=False)

    def _standings_of(self, signers: list[bytes]) -> dict[bytes, Standing]:
        """Signers' standings in committed state, read once per signer per block."""
        unknown = [signer for signer in dict.fromkeys(signers) if signer not in self._standings]
        if unknown:
            if len(self._standings) + len(unknown) > _STANDINGS_CACHED_MAX:
                self._forget_standings()
            self._standings.update(self._read_standings(unknown))
            for signer in unknown:
                self._standing_keys[account_key(account_address(signer))] = signer
        return {signer: self._standings[signer] for signer in signers}

    def _forget_standings(self, writes: Iterable[bytes] | None = None) -> None:
        """Forget the standings whose account record ``writes`` (a block's written keys)
        touch; all of them without ``writes``."""
        if writes is None:
            self._standings.clear()
            self._standing_keys.clear()
            return
        keys = self._standing_keys
        for key in writes:
            signer = keys.pop(key, None)
            if signer is not None:
                self._standings.pop(signer, None)

    def _admitted(
        self, checks: list[CheckResult], layout: list[int], *, recheck: bool, charge: bool
    ) -> list[CheckResult]:
        """Apply the admission policy to the passing checks: ``accounts`` and ``roles``
        refuse signers without the standing (``SIGNER_NOT_ADMITTED``); ``quota`` refuses
        an unregistered signer's transaction when the shared places or the signer's own
        are taken (``SIGNER_QUOTA``). With ``charge``, a new transaction of an unregistered
        signer that a kept CometBFT transaction carries takes a place, and a recheck
        releases the places of what it drops and of signers registered meanwhile."""
        passing = [check.tx for check in checks if check.ok and check.tx is not None]
        standings = self._standings_of([tx.signers[0] for tx in passing])
        quota = self.waiting_unregistered
        needed = Standing.HAS_ROLE if self.admission is Admission.ROLES else Standing.REGISTERED
        out = list(checks)
        extra: dict[bytes, int] = {}
        counted: set[bytes] = set()
        start = 0
        for count in layout:
            charges: list[tuple[bytes, bytes, int]] = []
            for position in range(start, start + count):
                check = checks[position]
                tx = check.tx
                if not check.ok or tx is None:
                    if charge and recheck and check.hash is not None:
                        quota.release(check.hash)
                    continue
                signer = tx.signers[0]
                standing = standings[signer]
                refusal: TxCode | None = None
                if self.admission is not Admission.QUOTA:
                    if standing < needed:
                        refusal = TxCode.SIGNER_NOT_ADMITTED
                elif standing >= Standing.REGISTERED:
                    if charge:
                        quota.release(tx.hash)  # registered since it was charged
                elif not recheck and tx.hash not in quota.charged and tx.hash not in counted:
                    if quota.room(signer, extra, len(counted)):
                        extra[signer] = extra.get(signer, 0) + 1
                        counted.add(tx.hash)  # twice in a submission: one place
                        charges.append((tx.hash, signer, tx.body.expires_at_ms))
                    else:
                        refusal = TxCode.SIGNER_QUOTA
                if refusal is not None:
                    out[position] = CheckResult(tx.hash, TxResult.failure(refusal))
                    if charge and recheck:
                        quota.release(tx.hash)
            if charge:
                kept = _carrier_passes(out[start : start + count], recheck)
                if kept:
                    for tx_hash, signer, expires_at_ms in charges:
                        quota.charge(tx_hash, signer, expires_at_ms)
                elif recheck:
                    for check in out[start : start + count]:
                        if check.hash is not None:
                            quota.release(check.hash)
                extra, counted = {}, set()
            start += count
        return out

    def _check_answer(self, check: CheckResult) -> Any:
        result = check.result
        return self.pb.ResponseCheckTx(
            code=result.code, codespace="" if check.ok else result.codespace, log=result.message
        )

    # -- proposals ------------------------------------------------------------------------

    def prepare_proposal(self, request: Any) -> Any:
        """What passes the checks at the block's time, in CometBFT's order, each transaction
        once, within ``max_tx_bytes`` (counted as CometBFT counts them, with protobuf field
        overhead) and ``BLOCK_TXS_MAX``. A batch that lost transactions is rewritten; an
        intact one keeps its bytes, so that the mempools drop it once it is committed."""
        datas = [bytes(tx) for tx in request.txs]
        flat, layout = flatten(datas)
        checks = self.app.check_txs(flat, timestamp_ms(request.time))
        byte_budget, tx_budget = int(request.max_tx_bytes), BLOCK_TXS_MAX
        chosen: list[bytes] = []
        seen: set[bytes] = set()
        start = 0
        for data, count in zip(datas, layout, strict=True):
            live: list[int] = []
            for position in range(start, start + count):
                tx_hash = checks[position].hash
                if checks[position].ok and tx_hash is not None and tx_hash not in seen:
                    live.append(position)
                    seen.add(tx_hash)
            start += count
            if not live:
                continue
            if len(live) == count:
                carried = data
            elif len(live) == 1:
                carried = flat[live[0]]
            else:
                carried = encode_batch([flat[position] for position in live])
            size = 1 + len(encode_uvarint(len(carried))) + len(carried)
            if size > byte_budget or len(live) > tx_budget:
                break
            byte_budget -= size
            tx_budget -= len(live)
            chosen.append(carried)
        return self.pb.ResponsePrepareProposal(txs=chosen)

    def process_proposal(self, request: Any) -> Any:
        """Accepts a block within limits whose batches are well formed (a malformed or
        nested batch is something no honest proposer builds)."""
        flat, _ = flatten([bytes(tx) for tx in request.txs])
        accepted = not any(raw.startswith(BATCH_MARKER) for raw in flat)
        accepted = accepted and self.app.process_proposal(flat)
        status = self.pb.ResponseProcessProposal
        return status(status=status.ACCEPT if accepted else status.REJECT)

    # -- execution ------------------------------------------------------------------------

    def finalize_block(self, request: Any) -> Any:
        self.block_timer.start()
        proposer = bytes(request.proposer_address)
        if proposer not in self._proposers:
            self._load_proposers()  # a validator that joined since
        flat, layout = flatten([bytes(tx) for tx in request.txs])
        block = BlockRequest(
            height=int(request.height),
            time_ms=timestamp_ms(request.time),
            proposer=self._proposers.get(proposer, proposer),
            txs=flat,
        )
        self.app.discard()  # a block finalized but never committed (a new round) is dropped
        outcome = self.app.finalize_block(block)
        answer = self.pb.ResponseFinalizeBlock(
            app_hash=self._app_hash(block.height, outcome.app_hash)
        )
        # Each CometBFT transaction's ``code`` and ``data`` (the root of the result leaves
        # of what it carried) are what CometBFT's ``last_results_hash`` commits to, so a
        # receipt's result is proven by the validators' signed header H + 1.
        start = 0
        for count in layout:
            carried = outcome.txs[start : start + count]
            code, data = exec_result_fields(
                outcome.result_leaves[start : start + count], [tx.result.code for tx in carried]
            )
            start += count
            if count == 1:
                result = carried[0].result
                codespace, message = ("" if result.ok else result.codespace), result.message
            else:
                succeeded = sum(1 for tx in carried if tx.result.ok)
                codespace, message = "", f"{succeeded} of {count} transactions succeeded"
            item = answer.tx_results.add(code=code, codespace=codespace, log=message, data=data)
            if self.cometbft_events:
                for tx in carried:
                    for event in tx.events:
                        self._add_event(item.events, event)
        if self.cometbft_events:
            for event in outcome.block_events:
                self._add_event(answer.events, event)
        updates = [ValidatorUpdate(key, power) for key, power in outcome.validator_updates]
        if self.validator_updates is not None:  # a test's override
            updates = self.validator_updates(outcome)
        for update in updates:
            if len(update.public_key) != 32 or update.power < 0:
                raise ValueError(f"invalid validator update {update!r}")
            added = answer.validator_updates.add(power=update.power)
            added.pub_key.ed25519 = update.public_key
            self._proposers[validator_address(update.public_key)] = update.public_key
        return answer

    def _add_event(self, container: Any, event: Event) -> None:
        fields = msgspec.to_builtins(event, enc_hook=self._event_value)
        added = container.add(type=str(fields.pop("type", type(event).__name__)))
        for key, value in fields.items():
            kind = type(value)
            if kind is str:
                text = value
            elif kind is int:
                text = str(value)  # what JSON would write, without the encoder
            else:
                text = json.dumps(value, separators=(",", ":"))
            added.attributes.add(key=key, value=text, index=False)

    def _event_value(self, value: Any) -> Any:
        """Event fields as text, as the API shows them (amounts in decimal, addresses in
        bech32m); address texts are remembered, since the same accounts recur."""
        if type(value) is Address:
            text = self._address_texts.get(value)
            if text is None:
                if len(self._address_texts) >= _ADDRESS_TEXTS_MAX:
                    self._address_texts.clear()
                text = self._address_texts[value] = str(value)
            return text
        if type(value) is Amount:
            return str(int(value))
        raise NotImplementedError(f"cannot show {type(value).__name__} in an event")

    def _app_hash(self, height: int, app_hash: bytes) -> bytes:
        if self.wrong_app_hash_from is not None and height >= self.wrong_app_hash_from:
            return sha256(b"origin/test/wrong-state" + app_hash)
        return app_hash

    def commit(self, request: Any) -> Any:
        outcome: BlockOutcome = self.app.commit()
        self.block_timer.committed(outcome)
        if self._standing_keys:  # the block may have registered signers, or revoked roles
            self._forget_standings(outcome.writes)
        waiting = self.waiting.expiry_ms
        if waiting:
            for tx in outcome.txs:
                waiting.pop(tx.hash, None)
            if outcome.header.height % _EXPIRY_SWEEP_BLOCKS == 0:
                self.waiting.release_expired(outcome.header.time_ms)
        if self.waiting_unregistered:
            for tx in outcome.txs:
                self.waiting_unregistered.release(tx.hash)
            self.waiting_unregistered.release_expired(outcome.header.time_ms)
        for listener in self.listeners:
            try:
                listener(outcome)
            except Exception:  # a listener's bug must not stop the chain
                log.exception("block listener failed")
        if self.snapshots is not None and self.snapshots.due(outcome.header.height):
            try:
                self.snapshots.take(self.store)
            except Exception:  # a failed snapshot must not stop the chain either
                log.exception("snapshot at height %d failed", outcome.header.height)
        return self.pb.ResponseCommit()

    # -- state sync -----------------------------------------------------------------------

    def list_snapshots(self, request: Any) -> Any:
        answer = self.pb.ResponseListSnapshots()
        for info in self.snapshots.list() if self.snapshots is not None else []:
            answer.snapshots.add(
                height=info.height,
                format=info.format,
                chunks=info.chunks,
                hash=info.hash,
                metadata=info.metadata,
            )
        return answer

    def load_snapshot_chunk(self, request: Any) -> Any:
        chunk = b""
        if self.snapshots is not None:
            chunk = self.snapshots.load_chunk(
                int(request.height), int(request.format), int(request.chunk)
            )
        return self.pb.ResponseLoadSnapshotChunk(chunk=chunk)

    def offer_snapshot(self, request: Any) -> Any:
        results = self.pb.ResponseOfferSnapshot
        snapshot = request.snapshot
        offered = Snapshots.offer(
            self.store,
            int(snapshot.height),
            int(snapshot.format),
            bytes(snapshot.metadata),
            bytes(request.app_hash),
            self.genesis_hash,
        )
        if isinstance(offered, str):
            log.error("refused snapshot at height %d: %s", snapshot.height, offered)
            refusal = results.REJECT_FORMAT if offered == "format" else results.REJECT
            return results(result=refusal)
        self._restore = offered
        return results(result=results.ACCEPT)

    def apply_snapshot_chunk(self, request: Any) -> Any:
        results = self.pb.ResponseApplySnapshotChunk
        restore = self._restore
        if restore is None:
            return results(result=results.ABORT)
        index = int(request.index)
        try:
            applied = Snapshots.apply_chunk(restore, index, bytes(request.chunk))
        except ValueError as error:  # a forged genesis, or a chunk that does not decode
            log.error("rejected the snapshot at chunk %d: %s", index, error)
            self._restore = None
            answer = results(result=results.REJECT_SNAPSHOT)
            if request.sender:
                answer.reject_senders.append(request.sender)
            return answer
        if not applied:
            log.warning("snapshot chunk %d does not match its hash: refetching", index)
            answer = results(result=results.RETRY, refetch_chunks=[index])
            if request.sender:
                answer.reject_senders.append(request.sender)
            return answer
        if index == 0:  # the chain's genesis: join it only with its consensus versions
            try:
                self.app.check_consensus_versions(parse_genesis(restore.genesis))
            except ValueError:  # ConsensusVersionError, or a genesis that does not parse
                log.exception("refusing to join this chain by state sync")
                self._restore = None
                return results(result=results.ABORT)
        try:
            done = Snapshots.finish(self.store, restore)
        except ValueError:
            log.exception("the restored state does not match the snapshot's app hash or genesis")
            self._restore = None
            return results(result=results.REJECT_SNAPSHOT)
        if done:
            self._restore = None
            self._forget_standings()
            self.waiting_unregistered.clear()
            self.waiting.expiry_ms.clear()
            self._load_proposers()
            log.warning(
                "restored the ledger at height %d from a snapshot", restore.metadata.meta.height
            )
        return results(result=results.ACCEPT)

    # -- queries --------------------------------------------------------------------------

    def query(self, request: Any) -> Any:
        answer = self.pb.ResponseQuery(codespace=_QUERY_CODESPACE)
        meta = self.store.chain_meta()
        if meta is None:
            answer.code, answer.log = QueryCode.HEIGHT_UNAVAILABLE, "the chain has no state yet"
            return answer
        if request.height not in (0, meta.height):
            answer.code = QueryCode.HEIGHT_UNAVAILABLE
            answer.log = f"only the latest height ({meta.height}) is served"
            return answer
        path = request.path.strip("/").split("/")
        data = bytes(request.data)
        if path == ["state"]:
            value, height, proofs = self.store.read_with_proofs(
                lambda state: state.get(data), bool(request.prove)
            )
            answer.key = data
            if value is None:
                answer.code, answer.log = QueryCode.NOT_FOUND, "no value at this key"
            else:
                answer.value = value
        elif len(path) == 3 and path[0] == "query":
            module = self.app.registry.by_name.get(path[1])
            query = module.queries.get(path[2]) if module else None
            if query is None:
                answer.code, answer.log = QueryCode.UNKNOWN_PATH, f"no query {path[1]}/{path[2]}"
                return answer
            try:
                params = json.loads(data or b"{}")
                if not isinstance(params, dict):
                    raise ValueError("query parameters are a JSON object")
                params = {str(k): str(v) for k, v in params.items()}
                result, height, proofs = self.store.read_with_proofs(
                    lambda state: query(state, params), bool(request.prove)
                )
            except QueryError as error:
                answer.code = QueryCode.NOT_FOUND if error.not_found else QueryCode.INVALID
                answer.log = str(error)
                return answer
            except ValueError as error:
                answer.code, answer.log = QueryCode.INVALID, str(error)
                return answer
            answer.value = to_json(result)
        else:
            answer.code = QueryCode.UNKNOWN_PATH
            answer.log = "paths: /state (data: key), /query/MODULE/NAME (data: JSON params)"
            return answer
        answer.height = height
        for proven in proofs:
            answer.proof_ops.ops.add(type=QUERY_PROOF_TYPE, key=proven.key, data=encode(proven))
        return answer
