"""The mempool: checked transactions waiting for a block, first in, first out.

Bounded in total and per signer (the first signer of a transaction is the one charged).
Adding a transaction that is already waiting is not an error: it answers as the first
submission did. Transactions taken for a block stay visible (``in_flight``) until the
block commits, so a status query never loses sight of them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from originledger.core.codes import TxCode
from originledger.core.limits import MEMPOOL_TXS_MAX, MEMPOOL_TXS_PER_SIGNER_MAX
from originledger.core.tx import Tx

__all__ = ["Mempool"]


class Mempool:
    def __init__(
        self,
        txs_max: int = MEMPOOL_TXS_MAX,
        txs_per_signer_max: int = MEMPOOL_TXS_PER_SIGNER_MAX,
    ) -> None:
        self.txs_max = txs_max
        self.txs_per_signer_max = txs_per_signer_max
        self._waiting: OrderedDict[bytes, Tx] = OrderedDict()
        self._in_flight: dict[bytes, Tx] = {}
        self._per_signer: dict[bytes, int] = {}
        self._lock = threading.Lock()
        self.not_empty = threading.Condition(self._lock)

    def __len__(self) -> int:
        return len(self._waiting)

    def contains(self, tx_hash: bytes) -> bool:
        return tx_hash in self._waiting or tx_hash in self._in_flight

    def add(self, tx: Tx) -> TxCode | None:
        """Queue ``tx``; ``None`` when queued or already waiting, else the reason refused."""
        with self._lock:
            if tx.hash in self._waiting or tx.hash in self._in_flight:
                return None
            if len(self._waiting) + len(self._in_flight) >= self.txs_max:
                return TxCode.MEMPOOL_FULL
            signer = tx.signers[0]
            count = self._per_signer.get(signer, 0)
            if count >= self.txs_per_signer_max:
                return TxCode.SIGNER_QUOTA
            self._per_signer[signer] = count + 1
            self._waiting[tx.hash] = tx
            self.not_empty.notify()
            return None

    def take(self, txs_max: int, bytes_max: int) -> list[Tx]:
        """Move up to ``txs_max`` transactions (and ``bytes_max`` bytes) to in-flight."""
        taken: list[Tx] = []
        size = 0
        with self._lock:
            while self._waiting and len(taken) < txs_max:
                tx_hash, tx = next(iter(self._waiting.items()))
                if size + len(tx.raw) > bytes_max:
                    break
                del self._waiting[tx_hash]
                self._in_flight[tx_hash] = tx
                taken.append(tx)
                size += len(tx.raw)
        return taken

    def done(self, txs: list[Tx]) -> None:
        """The block holding ``txs`` committed (or they were dropped): forget them."""
        with self._lock:
            for tx in txs:
                if self._in_flight.pop(tx.hash, None) is None:
                    continue
                signer = tx.signers[0]
                remaining = self._per_signer[signer] - 1
                if remaining:
                    self._per_signer[signer] = remaining
                else:
                    del self._per_signer[signer]

    def wait_for_txs(self, timeout_s: float) -> bool:
        with self._lock:
            if self._waiting:
                return True
            return self.not_empty.wait(timeout_s) and bool(self._waiting)
