"""The embedded driver: one validator in the node's process.

It checks submitted transactions into the mempool, and on a fixed interval, whenever
transactions are waiting (never while idle), it proposes, executes, signs and commits a
block. Block time is the wall clock in milliseconds, kept strictly increasing. A block
reaches the disk (one SQLite transaction) before anyone is told it committed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from originledger.app import (
    Application,
    BlockOutcome,
    BlockRequest,
    GenesisProgress,
    Registry,
    parse_genesis,
)
from originledger.core.block import CommitSignature, SignedHeader, header_signing_digest
from originledger.core.codec import CodecError
from originledger.core.codes import TxCode, TxResult
from originledger.core.crypto import SigningKey, sha256
from originledger.core.limits import (
    BLOCK_BYTES_MAX,
    BLOCK_TXS_MAX,
    MEMPOOL_UNREGISTERED_PER_SIGNER_MAX,
    MEMPOOL_UNREGISTERED_TXS_MAX,
)
from originledger.core.tx import Tx
from originledger.driver.answers import SubmitAnswer
from originledger.node.chain import StoreChainView
from originledger.node.log import log_block
from originledger.node.mempool import (
    Admission,
    Mempool,
    committed_standing,
    committed_standings,
)
from originledger.node.verifier import ParallelVerifier
from originledger.store.sqlite import SqliteStore

__all__ = ["EmbeddedNode", "NodeSettings"]

log = logging.getLogger("originledger.node")


@dataclass(frozen=True)
class NodeSettings:
    block_interval_ms: int = 200
    block_txs_max: int = BLOCK_TXS_MAX
    block_bytes_max: int = BLOCK_BYTES_MAX
    mempool_txs_max: int = 200_000
    mempool_txs_per_signer_max: int = 50_000
    verify_workers: int | None = None
    # Who may place transactions in the mempool (node/mempool.py's Admission).
    mempool_admission: str = Admission.QUOTA.value
    mempool_unregistered_txs_max: int = MEMPOOL_UNREGISTERED_TXS_MAX
    mempool_unregistered_per_signer_max: int = MEMPOOL_UNREGISTERED_PER_SIGNER_MAX
    # Web origins whose pages may call the API (CORS); none by default.
    api_cors_origins: tuple[str, ...] = ()
    # API worker processes in front of the node (server/ingress.py): 0 none (the default:
    # on 2 cores they cost throughput, see docs/performance.md); -1 one per core.
    api_workers: int = 0


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class EmbeddedNode:
    def __init__(
        self,
        store: SqliteStore,
        genesis_raw: bytes,
        validator_key: SigningKey,
        settings: NodeSettings | None = None,
        *,
        clock_ms: Callable[[], int] = wall_clock_ms,
        registry: Registry | None = None,
        genesis_progress: GenesisProgress | None = None,
    ) -> None:
        self.settings = settings or NodeSettings()
        self.store = store
        self.validator_key = validator_key
        self.clock_ms = clock_ms
        self.verifier = ParallelVerifier(self.settings.verify_workers)
        self.app = Application(store, registry, verifier=self.verifier)
        self.chain = StoreChainView(store, self.app)
        meta = store.chain_meta()
        if meta is None:
            self.app.init_chain(genesis_raw, progress=genesis_progress)
        elif meta.genesis_hash != sha256(genesis_raw):  # not the stored copy: 200 MB at 1M
            raise ValueError("the store holds another chain than this genesis.json")
        else:  # a restart: this process may run other versions than the last one
            self.app.check_consensus_versions(parse_genesis(genesis_raw))
        self.mempool = Mempool(
            self.settings.mempool_txs_max,
            self.settings.mempool_txs_per_signer_max,
            admission=Admission(self.settings.mempool_admission),
            standing=committed_standing(store.read_state),
            standings=committed_standings(store.read_states),
            unregistered_txs_max=self.settings.mempool_unregistered_txs_max,
            unregistered_per_signer_max=self.settings.mempool_unregistered_per_signer_max,
        )
        self._listeners: list[Callable[[BlockOutcome], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._produce_lock = threading.Lock()
        self.failure: BaseException | None = None

    # -- submission -----------------------------------------------------------------------

    def submit(self, raws: Sequence[bytes]) -> list[SubmitAnswer]:
        """Check transactions and queue those that pass. Safe to call from any thread."""
        if self.failure is not None:
            raise RuntimeError("the node stopped after a failure") from self.failure
        checks = self.app.check_txs(raws, self.clock_ms())
        # A check carries its transaction when (and only when) the transaction passed.
        passed = [check.tx for check in checks if check.tx is not None]
        refusals = iter(self.mempool.add_many(passed))
        answers: list[SubmitAnswer] = []
        for raw, check in zip(raws, checks, strict=True):
            if check.tx is not None:
                refusal = next(refusals)
                if refusal is None:
                    answers.append(SubmitAnswer(check.hash, "accepted", check.result))
                else:
                    answers.append(SubmitAnswer(check.hash, "rejected", TxResult.failure(refusal)))
            elif check.result.code == TxCode.ALREADY_COMMITTED and check.hash is not None:
                answers.append(self._committed_answer(check.hash, check.result))
            elif check.hash is not None and self.mempool.holds(check.hash, raw):
                answers.append(SubmitAnswer(check.hash, "accepted", TxResult.success()))
            else:
                # Also when a transaction of the same hash waits: these bytes failed (a
                # forged signature, say), and the answer is about them.
                answers.append(SubmitAnswer(check.hash, "rejected", check.result))
        return answers

    def submit_verified(self, raws: Sequence[bytes]) -> list[SubmitAnswer]:
        """``submit``, for transactions one of this node's API worker processes decoded
        (with every check of ``TxDecoder.decode``) and whose every signature it verified
        (``server/ingress.py``): they are decoded here once more, without those checks
        (``TxDecoder.decode_checked``), into the application's cache of verified
        transactions, and not verified again. Only for the workers' own connections: the
        hub checks any other in full (``submit``)."""
        decoder = self.app.registry.tx_decoder
        checked: list[Tx] = []
        for raw in raws:
            # Bytes that do not decode are not what a worker sends: ``submit`` checks them.
            with contextlib.suppress(CodecError):
                checked.append(decoder.decode_checked(raw))
        self.app.remember_verified(checked)
        return self.submit(raws)

    def _committed_answer(self, tx_hash: bytes, refusal: TxResult) -> SubmitAnswer:
        stored = self.store.tx(tx_hash)
        if stored is None:  # spent in state, but its block is not in this store
            return SubmitAnswer(tx_hash, "rejected", refusal)
        return SubmitAnswer(tx_hash, "committed", stored.result, stored.height)

    def status(self, tx_hash: bytes) -> str | None:
        if self.mempool.contains(tx_hash):
            return "accepted"
        return "committed" if self.store.tx(tx_hash) is not None else None

    # -- proofs ---------------------------------------------------------------------------

    def signed_header(self, height: int) -> SignedHeader | None:
        """The header of block ``height`` with this validator's signature."""
        stored = self.store.block(height)
        return None if stored is None else stored.signed_header

    def consensus_signed_header(self, height: int) -> dict[str, Any] | None:
        """None: an embedded node signs Origin's own headers (no CometBFT)."""
        return None

    def consensus_layout(self, height: int) -> list[int] | None:
        """None: no CometBFT transactions in embedded mode."""
        return None

    # -- blocks ---------------------------------------------------------------------------

    def add_listener(self, listener: Callable[[BlockOutcome], None]) -> None:
        """Call ``listener(outcome)`` after each block is durably committed."""
        self._listeners.append(listener)

    def produce_block(self) -> BlockOutcome | None:
        """Propose, execute, sign and commit one block from the mempool (None when empty)."""
        with self._produce_lock:
            started = time.perf_counter()
            meta = self.store.chain_meta()
            if meta is None:
                raise RuntimeError("no chain")
            time_ms = max(self.clock_ms(), meta.time_ms + 1)
            taken = self.mempool.take(self.settings.block_txs_max, self.settings.block_bytes_max)
            if not taken:
                return None
            # Transactions that expired while they waited are dropped, not committed.
            live = [tx for tx in taken if tx.body.expires_at_ms > time_ms]
            dropped = [tx for tx in taken if tx.body.expires_at_ms <= time_ms]
            if dropped:
                self.mempool.done(dropped)
                log.info("dropped %d expired transactions", len(dropped))
            if not live:
                return None
            raws = self.app.prepare_proposal([tx.raw for tx in live], self.settings.block_bytes_max)
            request = BlockRequest(meta.height + 1, time_ms, self.validator_key.public_key, raws)
            if not self.app.process_proposal(request.txs):
                raise RuntimeError("the node's own proposal was refused")
            outcome = self.app.finalize_block(request)
            signature = self.validator_key.sign(header_signing_digest(outcome.header))
            self.app.commit([CommitSignature(self.validator_key.public_key, signature)])
            self.mempool.done(taken)
        log_block(outcome, time.perf_counter() - started)
        for listener in self._listeners:
            try:
                listener(outcome)
            except Exception:  # a listener's bug must not stop the chain
                log.exception("block listener failed")
        return outcome

    def _run(self) -> None:
        interval_s = self.settings.block_interval_ms / 1000
        last_start = 0.0
        try:
            while not self._stop.is_set():
                if not self.mempool.wait_for_txs(0.1):
                    continue
                pause = last_start + interval_s - time.monotonic()
                if pause > 0 and self._stop.wait(pause):
                    break
                last_start = time.monotonic()
                self.produce_block()
        except BaseException as error:  # a bug: stop producing rather than write bad state
            self.failure = error
            log.critical("block production stopped: %r", error, exc_info=True)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="block-producer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.verifier.close()

    def __enter__(self) -> EmbeddedNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ += ["wall_clock_ms"]
