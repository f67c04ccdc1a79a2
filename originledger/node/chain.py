"""The ``ChainView`` of a driver (``driver/protocol.py``): the reads the API and the
indexer make of the committed chain, over the driver's store and application. Both drivers
(``EmbeddedNode``, ``NetworkNode``) hand out one of these as their ``chain``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from originledger.app import AppInfo, Application, ChainMeta, Registry
from originledger.core.context import StateReader
from originledger.driver.answers import EventRow, ProvenValue, StoredBlock, StoredTx
from originledger.store.sqlite import SqliteStore

__all__ = ["StoreChainView"]

T = TypeVar("T")


class StoreChainView:
    """Reads ``store`` (its reader connections: safe from any thread) and ``app``."""

    def __init__(self, store: SqliteStore, app: Application) -> None:
        self._store = store
        self._app = app

    @property
    def registry(self) -> Registry:
        return self._app.registry

    def info(self) -> AppInfo | None:
        return self._app.info()

    def chain_meta(self) -> ChainMeta | None:
        return self._store.chain_meta()

    def genesis(self) -> bytes | None:
        return self._store.genesis()

    def latest_height(self) -> int:
        return self._store.latest_height()

    def block(self, height: int) -> StoredBlock | None:
        return self._store.block(height)

    def block_txs(self, height: int) -> list[StoredTx]:
        return self._store.block_txs(height)

    def block_tx_leaves(self, height: int) -> tuple[list[bytes], list[bytes]]:
        return self._store.block_tx_leaves(height)

    def tx(self, tx_hash: bytes) -> StoredTx | None:
        return self._store.tx(tx_hash)

    def tx_events(self, height: int, tx_index: int) -> list[EventRow]:
        return self._store.tx_events(height, tx_index)

    def events_after(self, height: int, seq: int, limit: int) -> list[EventRow]:
        return self._store.events_after(height, seq, limit)

    def read(
        self, read: Callable[[StateReader], T], prove: bool
    ) -> tuple[T, int, list[ProvenValue]]:
        return self._store.read_with_proofs(read, prove)
