"""What the route handlers depend on: one ``ApiContext`` per application, handed to each
handler by Litestar's dependency injection (the ``context`` parameter; see ``provide``).

A handler reads the node only through the driver seam (``driver/``): the node's
``LedgerNode`` face for submissions, mempool and signed headers, its ``ChainView`` for the
committed chain. A test may build a context over any ``LedgerNode`` and mount one route
module alone (``Litestar(route_handlers=..., dependencies=provide(context))``).
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeAlias

from litestar.di import NamedDependency, Provide

from originledger.api.errors import ApiError
from originledger.api.models import EventAnswer, ProvenState, ResultAnswer, SubmitAnswerItem
from originledger.core.block import Genesis, SignedHeader
from originledger.core.codec import from_json, to_builtins
from originledger.core.codes import TxResult
from originledger.driver import (
    BlockOutcome,
    ChainView,
    EventRow,
    LedgerNode,
    ProvenValue,
    SubmitAnswer,
)
from originledger.indexer.reader import IndexReader
from originledger.indexer.service import IndexService

__all__ = [
    "ApiContext",
    "Commits",
    "Context",
    "proven",
    "provide",
    "result_answer",
    "submit_item",
]


class Commits:
    """Tells the event loop about committed blocks: wakes waiters and event streams."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiters: dict[bytes, list[asyncio.Future[int]]] = {}
        self.new_block = asyncio.Event()

    def on_commit(self, outcome: BlockOutcome) -> None:  # runs in the producer thread
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._resolve, outcome)

    def _resolve(self, outcome: BlockOutcome) -> None:
        height = outcome.header.height
        for tx in outcome.txs:
            for future in self.waiters.pop(tx.hash, ()):
                if not future.done():
                    future.set_result(height)
        self.new_block.set()
        self.new_block = asyncio.Event()

    def forget(self, tx_hash: bytes, future: asyncio.Future[int]) -> None:
        futures = self.waiters.get(tx_hash)
        if futures is not None and future in futures:
            futures.remove(future)
            if not futures:
                del self.waiters[tx_hash]

    def wait_for(self, tx_hash: bytes) -> asyncio.Future[int]:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.waiters.setdefault(tx_hash, []).append(future)
        return future


class ApiContext:
    """The node a route serves, its chain, its indexer (None: the index routes answer
    503), and the commit notifications the waiting routes listen to."""

    def __init__(self, node: LedgerNode, index: IndexService | None = None) -> None:
        self.node = node
        self.chain: ChainView = node.chain
        self.index = index
        self.commits = Commits()
        node.add_listener(self.commits.on_commit)
        self._genesis: Genesis | None = None

    def genesis(self) -> Genesis | None:
        """The chain's genesis (read once); None before the chain is initialized."""
        if self._genesis is None:
            raw = self.chain.genesis()
            if raw is None:
                return None
            self._genesis = from_json(raw, Genesis)
        return self._genesis

    def event_answer(self, row: EventRow) -> EventAnswer:
        event = self.chain.registry.decode_event(row.data)
        data = to_builtins(event)
        return EventAnswer(row.height, row.seq, row.tx_index, data.pop("type"), data)

    def block_time_ms(self) -> int:
        """The time of the last committed block (what queries read at)."""
        meta = self.chain.chain_meta()
        return 0 if meta is None else meta.time_ms

    def signed_header_at(self, height: int) -> SignedHeader | None:
        return self.node.signed_header(height)

    def consensus_header_after(self, height: int) -> dict[str, Any] | None:
        return self.node.consensus_signed_header(height + 1)

    def index_reader(self) -> IndexReader:
        if self.index is None:
            raise ApiError(503, "index_disabled", "this node runs no indexer")
        return self.index.reader


Context: TypeAlias = NamedDependency[ApiContext]
"""How a handler declares its context: ``def handler(context: Context, ...)``."""


def provide(context: ApiContext) -> dict[str, Provide]:
    """The dependencies of the route handlers: ``context`` as their ``context`` parameter."""

    def get_context() -> ApiContext:
        return context

    return {"context": Provide(get_context, use_cache=True, sync_to_thread=False)}


def proven(values: list[ProvenValue]) -> list[ProvenState]:
    return [ProvenState(v.key, v.value, v.height, v.proof) for v in values]


_SUCCESS = TxResult.success()
_SUCCESS_ANSWER = ResultAnswer(
    _SUCCESS.codespace, _SUCCESS.code, _SUCCESS.message, _SUCCESS.message_index
)


def result_answer(result: TxResult) -> ResultAnswer:
    if result is _SUCCESS:  # most answers to a submission: one shared, immutable answer
        return _SUCCESS_ANSWER
    return ResultAnswer(result.codespace, result.code, result.message, result.message_index)


def submit_item(answer: SubmitAnswer) -> SubmitAnswerItem:
    return SubmitAnswerItem(
        answer.hash.hex() if answer.hash else None,
        answer.status,
        result_answer(answer.result),
        answer.height,
    )
