"""The store's records as plain data (msgspec structs): what a reader of the chain gets
back from the store (``store/sqlite.py``) and, through the driver seam (``driver/``), the
API and the indexer. No behaviour here, and nothing of SQLite."""

from __future__ import annotations

import msgspec

from originledger.core.block import ResultLeaf, SignedHeader
from originledger.core.codes import TxResult
from originledger.core.state_proof import StateProof

__all__ = ["EventRow", "ProvenValue", "StoredBlock", "StoredTx"]


class StoredBlock(msgspec.Struct, frozen=True):
    height: int
    hash: bytes
    signed_header: SignedHeader


class StoredTx(msgspec.Struct, frozen=True):
    hash: bytes
    height: int
    position: int
    raw: bytes
    result_leaf: ResultLeaf

    @property
    def result(self) -> TxResult:
        leaf = self.result_leaf
        return TxResult(leaf.codespace, leaf.code, leaf.message, leaf.message_index)


class EventRow(msgspec.Struct, frozen=True):
    height: int
    seq: int
    tx_index: int
    data: bytes


class ProvenValue(msgspec.Struct, frozen=True):
    """A committed value with its proof against the state root of block ``height``."""

    key: bytes
    value: bytes | None
    height: int
    proof: StateProof
