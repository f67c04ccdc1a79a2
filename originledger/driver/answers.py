"""What a driver answers: plain data, no behaviour.

``SubmitAnswer`` is the driver's answer to a submitted transaction; the chain's records
(blocks, transactions, event rows, proven values) are the store's plain data types
(``store/records.py``), re-exported here so that readers of a driver (the API, the indexer)
import them from the seam, not from the store.
"""

from __future__ import annotations

import msgspec

from originledger.app import AppInfo, BlockOutcome, ChainMeta
from originledger.core.codes import TxResult
from originledger.store.records import EventRow, ProvenValue, StoredBlock, StoredTx

__all__ = [
    "AppInfo",
    "BlockOutcome",
    "ChainMeta",
    "EventRow",
    "NodeOverloaded",
    "ProvenValue",
    "StoredBlock",
    "StoredTx",
    "SubmitAnswer",
]


class NodeOverloaded(Exception):
    """A driver's refusal of a whole submission because its backlog is at its bound:
    nothing was checked or queued. The API answers it 503 ``overloaded`` with
    ``Retry-After``; resubmitting the same transactions later is safe (idempotent)."""

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_s = retry_after_s


class SubmitAnswer(msgspec.Struct, frozen=True):
    """The node's answer to one submitted transaction.

    ``status``: ``rejected`` (nothing changed), ``accepted`` (waiting in the mempool) or
    ``committed`` (in a block; ``result`` is then the committed outcome, which may itself
    be a failure: it is final either way).
    """

    hash: bytes | None
    status: str
    result: TxResult
    height: int | None = None
