"""The node object the HTTP API serves, for a validator driven by CometBFT.

It satisfies the API's driver interface (``originledger.driver.LedgerNode``), as
``EmbeddedNode`` does, so the API works in network mode as in embedded mode. What differs:

- submission: the transactions of one submission that pass the app's checks and the
  node's admission policy (``[mempool] admission``, applied again by CheckTx) are handed
  to the local CometBFT's mempool as one batch (``core/batch.py``; ``broadcast_tx_async``),
  which gossips it to the other validators; each commits when a block holding it is
  final;
- proofs: Origin's own headers are not what the validators sign, so the API attaches
  CometBFT's signed headers (header and commit, from the local RPC's ``/commit``).
"""

from __future__ import annotations

import base64
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from originledger.app import Application, BlockOutcome
from originledger.core.batch import BATCH_TXS_MAX, batch_bytes, encode_batch, flatten
from originledger.core.block import SignedHeader
from originledger.core.codes import TxCode, TxResult
from originledger.core.crypto import SigningKey
from originledger.core.limits import TX_TTL_MS_MAX
from originledger.driver.answers import NodeOverloaded, SubmitAnswer
from originledger.node.abci import AbciApp
from originledger.node.chain import StoreChainView
from originledger.node.embedded import wall_clock_ms
from originledger.store.sqlite import SqliteStore

__all__ = ["RPC_BATCH_MAX", "NetworkNode", "PendingBudget", "PendingTxs"]

_RPC_TIMEOUT_S = 15.0
HEADER_WAIT_S = 5.0  # how long a proof waits for the next block's signed header
_HEADERS_CACHED_MAX = 1024
RPC_BATCH_MAX = 500  # broadcasts per JSON-RPC batch (CometBFT's max_request_batch_size)
# One CometBFT transaction at most: CometBFT's mempool drops, without an answer to an
# asynchronous broadcast, a transaction larger than a block; a batch stays well below.
CARRIED_BYTES_MAX = 64 * 1024
_LAYOUTS_CACHED_MAX = 4096
# The API's admission budget (``PendingBudget``): a submission is refused whole (503
# ``overloaded``) while the local CometBFT's mempool holds as many Origin transactions
# (``AbciApp.waiting``, the network's backlog) as the network commits in
# ``PENDING_WAIT_MS``, measured over the last ``PENDING_RATE_WINDOW_MS``, and never fewer
# than ``PENDING_TXS_MIN`` (a load that starts from idle) nor more than ``PENDING_TXS_MAX``.
# By Little's law the backlog's own wait then stays near PENDING_WAIT_MS whatever the
# machine's capacity, instead of growing without bound when the load exceeds it.
PENDING_WAIT_MS = 2_000
PENDING_RATE_WINDOW_MS = 3_000
PENDING_TXS_MIN = 1_500
PENDING_TXS_MAX = 20_000
RETRY_AFTER_S = 1


class PendingBudget:
    """How many transactions may wait for a block before the API refuses submissions:
    ``wait_ms`` of the commit rate over the last ``window_ms``, within ``[floor, ceiling]``."""

    def __init__(
        self,
        *,
        wait_ms: int = PENDING_WAIT_MS,
        window_ms: int = PENDING_RATE_WINDOW_MS,
        floor: int = PENDING_TXS_MIN,
        ceiling: int = PENDING_TXS_MAX,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        self.wait_ms = wait_ms
        self.window_s = window_ms / 1000
        self.floor = floor
        self.ceiling = ceiling
        self.clock_s = clock_s
        self._commits: deque[tuple[float, int]] = deque()  # (when, transactions)
        self._in_window = 0

    def committed(self, transactions: int) -> None:
        """A block of ``transactions`` committed now."""
        now = self.clock_s()
        self._commits.append((now, transactions))
        self._in_window += transactions
        while self._commits and self._commits[0][0] < now - self.window_s:
            self._in_window -= self._commits.popleft()[1]

    def limit(self) -> int:
        rate_per_s = self._in_window / self.window_s
        return min(self.ceiling, max(self.floor, int(rate_per_s * self.wait_ms / 1000)))


class PendingTxs:
    """Hashes this node handed to CometBFT and has not seen committed yet (for status
    answers). A hash that never commits (dropped by a recheck) is forgotten at its expiry."""

    def __init__(self) -> None:
        self._expiry_ms: dict[bytes, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiry_ms)

    def contains(self, tx_hash: bytes) -> bool:
        return tx_hash in self._expiry_ms

    def add(self, tx_hash: bytes, expires_at_ms: int, now_ms: int) -> None:
        with self._lock:
            self._expiry_ms[tx_hash] = expires_at_ms
            if len(self._expiry_ms) % 1024 == 0:
                for stale in [h for h, e in self._expiry_ms.items() if e <= now_ms]:
                    del self._expiry_ms[stale]

    def done(self, hashes: Sequence[bytes]) -> None:
        with self._lock:
            for tx_hash in hashes:
                self._expiry_ms.pop(tx_hash, None)


class NetworkNode:
    def __init__(
        self,
        abci: AbciApp,
        validator_key: SigningKey,
        rpc_url: str,
        *,
        clock_ms: Callable[[], int] = wall_clock_ms,
        budget: PendingBudget | None = None,
    ) -> None:
        self.abci = abci
        self.budget = budget or PendingBudget()
        self.app: Application = abci.app
        self.store: SqliteStore = abci.store
        self.chain = StoreChainView(self.store, self.app)
        self.validator_key = validator_key
        self.rpc_url = rpc_url
        self.clock_ms = clock_ms
        self.mempool = PendingTxs()
        self._http = httpx.Client(timeout=_RPC_TIMEOUT_S)
        # The app has just checked each transaction as CometBFT's CheckTx will: the
        # asynchronous broadcast does not wait for that second answer (CometBFT still
        # answers its own refusals: already in its cache, mempool full).
        self.broadcast_method = "broadcast_tx_async"
        self._ids = itertools.count(1)
        self._ids_lock = threading.Lock()
        self._committed = threading.Condition()
        self._headers: dict[int, dict[str, Any]] = {}
        self._layouts: dict[int, list[int]] = {}
        abci.listeners.append(self._on_commit)

    @property
    def failure(self) -> BaseException | None:
        return self.abci.failure

    def add_listener(self, listener: Callable[[BlockOutcome], None]) -> None:
        self.abci.listeners.append(listener)

    def start(self) -> None:
        """Blocks come from CometBFT: nothing to start."""

    def stop(self) -> None:
        self._http.close()

    def _on_commit(self, outcome: BlockOutcome) -> None:
        self.budget.committed(len(outcome.txs))
        self.mempool.done([tx.hash for tx in outcome.txs])
        with self._committed:
            self._committed.notify_all()

    # -- proofs ---------------------------------------------------------------------------

    def signed_header(self, height: int) -> SignedHeader | None:
        """None: Origin's headers are not signed in network mode (CometBFT's are)."""
        return None

    def consensus_signed_header(self, height: int) -> dict[str, Any] | None:
        """CometBFT's header and commit of block ``height``, from the local RPC.

        CometBFT saves a block and its commit before the app executes it, so the header
        is there once the app has committed ``height``; a proof at the latest height H
        needs header H + 1 and waits for it (at most ``HEADER_WAIT_S``)."""
        cached = self._headers.get(height)
        if cached is not None:
            return cached
        if height < 1:
            return None
        deadline = time.monotonic() + HEADER_WAIT_S
        with self._committed:
            while self.store.latest_height() < height:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._committed.wait(remaining)
        try:
            signed = self._rpc("commit", height=str(height))["signed_header"]
        except (httpx.HTTPError, KeyError, TypeError, ValueError):
            return None
        if len(self._headers) >= _HEADERS_CACHED_MAX:
            self._headers.clear()
        self._headers[height] = signed
        return dict(signed)

    def consensus_layout(self, height: int) -> list[int] | None:
        """How many Origin transactions each CometBFT transaction of block ``height``
        carried (``core.batch.flatten``), from the local RPC's ``/block``; what a receipt's
        proof needs to find its transaction's result in ``last_results_hash``."""
        cached = self._layouts.get(height)
        if cached is not None:
            return cached
        if not 1 <= height <= self.store.latest_height():
            return None
        try:
            txs = self._rpc("block", height=str(height))["block"]["data"]["txs"] or []
            layout = flatten([base64.b64decode(tx, validate=True) for tx in txs])[1]
        except (httpx.HTTPError, KeyError, TypeError, ValueError):
            return None
        if len(self._layouts) >= _LAYOUTS_CACHED_MAX:
            self._layouts.clear()
        self._layouts[height] = layout
        return layout

    def _rpc(self, method: str, **params: Any) -> Any:
        """The ``result`` of one JSON-RPC call to the local CometBFT."""
        response = self._http.post(
            self.rpc_url, json={"jsonrpc": "2.0", "id": 0, "method": method, "params": params}
        )
        response.raise_for_status()
        return response.json()["result"]

    # -- submission -----------------------------------------------------------------------

    def submit(self, raws: Sequence[bytes]) -> list[SubmitAnswer]:
        """Check transactions here, hand those that pass to CometBFT's mempool; refuse
        the whole submission (``NodeOverloaded``) while the mempool holds
        as many transactions as its ``budget`` allows."""
        if self.failure is not None:
            raise RuntimeError("the node stopped after a failure") from self.failure
        waiting, limit = len(self.abci.waiting), self.budget.limit()
        if waiting >= limit:
            # Refused before any work: the cheaper a refusal, the better it sheds load.
            raise NodeOverloaded(
                f"{waiting} transactions are waiting for a block (the bound is now {limit}, "
                f"{self.budget.wait_ms} ms of what the network commits); resubmit in "
                f"{RETRY_AFTER_S} s",
                RETRY_AFTER_S,
            )
        self.app.verify_ahead(raws)  # without the lock: blocks go on meanwhile
        now_ms = self.clock_ms()
        with self.abci.lock:
            # The admission policy as CheckTx applies it: the asynchronous broadcast would
            # not tell this submitter of CheckTx's refusal.
            checks = self.abci.admission_checks(self.app.check_txs(raws, now_ms))
        answers: list[SubmitAnswer | None] = []
        to_send: list[tuple[int, bytes, bytes, int]] = []
        for raw, check in zip(raws, checks, strict=True):
            if check.ok:
                expiry = check.tx.body.expires_at_ms if check.tx is not None else now_ms
                to_send.append((len(answers), check.hash or b"", raw, expiry))
                answers.append(None)
            elif check.result.code == TxCode.ALREADY_COMMITTED and check.hash is not None:
                answers.append(self._committed_answer(check.hash, check.result))
            else:
                answers.append(SubmitAnswer(check.hash, "rejected", check.result))
        if to_send:
            carriers = _carriers([raw for _, _, raw, _ in to_send])
            results = self._broadcast([carried for carried, _ in carriers])
            each = [
                r for (_, count), r in zip(carriers, results, strict=True) for _ in range(count)
            ]
            for (position, tx_hash, _, expiry), result in zip(to_send, each, strict=True):
                expiry = min(expiry, now_ms + TX_TTL_MS_MAX)
                answers[position] = self._answer(tx_hash, result, expiry, now_ms)
        return [answer for answer in answers if answer is not None]

    def _answer(
        self, tx_hash: bytes, result: dict[str, Any], expiry_ms: int, now_ms: int
    ) -> SubmitAnswer:
        error = result.get("error")
        if error is not None:
            text = str(error.get("data") or error.get("message"))
            if "already exists in cache" in text:
                # Submitted before (here or through another validator): idempotent.
                if self.store.tx(tx_hash) is not None:
                    return self._committed_answer(tx_hash)
                self.mempool.add(tx_hash, expiry_ms, now_ms)
                return SubmitAnswer(tx_hash, "accepted", TxResult.success())
            if "mempool is full" in text:
                return SubmitAnswer(tx_hash, "rejected", TxResult.failure(TxCode.MEMPOOL_FULL))
            raise RuntimeError(f"CometBFT refused the transaction: {text}")
        answer = result["result"]
        code = int(answer.get("code", 0))
        if code == 0:
            self.mempool.add(tx_hash, expiry_ms, now_ms)
            return SubmitAnswer(tx_hash, "accepted", TxResult.success())
        refused = TxResult(answer.get("codespace") or "tx", code, str(answer.get("log", "")))
        return SubmitAnswer(tx_hash, "rejected", refused)

    def _broadcast(self, raws: list[bytes]) -> list[dict[str, Any]]:
        """``broadcast_tx_async`` for each, in JSON-RPC batches; answers in order."""
        answers: list[dict[str, Any]] = []
        for start in range(0, len(raws), RPC_BATCH_MAX):
            answers.extend(self._broadcast_batch(raws[start : start + RPC_BATCH_MAX]))
        return answers

    def _broadcast_batch(self, raws: list[bytes]) -> list[dict[str, Any]]:
        with self._ids_lock:
            first = next(self._ids)
            self._ids = itertools.count(first + len(raws))
        batch = [
            {
                "jsonrpc": "2.0",
                "id": first + offset,
                "method": self.broadcast_method,
                "params": {"tx": base64.b64encode(raw).decode()},
            }
            for offset, raw in enumerate(raws)
        ]
        response = self._http.post(self.rpc_url, json=batch)
        response.raise_for_status()
        body = response.json()
        answers = body if isinstance(body, list) else [body]
        by_id = {answer.get("id"): answer for answer in answers}
        missing = [offset for offset in range(len(raws)) if first + offset not in by_id]
        if missing:
            raise RuntimeError(f"CometBFT did not answer the batch: {answers[:1]}")
        return [by_id[first + offset] for offset in range(len(raws))]

    def _committed_answer(self, tx_hash: bytes, refusal: TxResult | None = None) -> SubmitAnswer:
        stored = self.store.tx(tx_hash)
        if stored is None and refusal is not None:
            # Spent in authenticated state, committed before this node's snapshot: its
            # receipt is on the nodes that hold that block.
            return SubmitAnswer(tx_hash, "rejected", refusal)
        if stored is None:
            return SubmitAnswer(tx_hash, "accepted", TxResult.success())
        return SubmitAnswer(tx_hash, "committed", stored.result, stored.height)

    def status(self, tx_hash: bytes) -> str | None:
        if self.store.tx(tx_hash) is not None:
            return "committed"
        return "accepted" if self.mempool.contains(tx_hash) else None


def _carriers(raws: list[bytes]) -> list[tuple[bytes, int]]:
    """The CometBFT transactions that carry ``raws``, in order, each with how many it
    carries: batches of at most ``BATCH_TXS_MAX`` transactions and ``CARRIED_BYTES_MAX``
    bytes; a lone transaction goes plain."""
    groups: list[list[bytes]] = []
    size = 0
    for raw in raws:
        grown = batch_bytes([raw])
        if not groups or len(groups[-1]) >= BATCH_TXS_MAX or size + grown > CARRIED_BYTES_MAX:
            groups.append([])
            size = 0
        groups[-1].append(raw)
        size += grown
    return [(group[0] if len(group) == 1 else encode_batch(group), len(group)) for group in groups]
