"""The mempool: checked transactions waiting for a block, first in, first out.

Bounded in total and per signer (the first signer of a transaction is the one charged).
Adding a transaction that is already waiting is not an error: it answers as the first
submission did. Transactions taken for a block stay visible (``in_flight``) until the
block commits, so a status query never loses sight of them.

**Admission** (a node option, ``[mempool] admission``; see docs/operations.md). Origin
charges no fees, and a new key costs nothing, so a per-signer quota alone is evaded by
signing with ever new keys. A signer is *registered* when its account exists in state
(created at genesis, by ``accounts/create``, by a role grant, or by a committed first
transaction); the policy decides what an unregistered signer may do:

- ``quota`` (the default): registered signers get the per-signer quota; all unregistered
  signers together share ``unregistered_txs_max`` places, at most
  ``unregistered_per_signer_max`` each. Spam from new keys cannot take more than that
  share of the mempool; registered accounts always find room.
- ``accounts``: only registered signers may submit (``SIGNER_NOT_ADMITTED``); a new
  account is created for its owner by a registered one (``accounts/create``).
- ``roles``: only signers whose account carries a role may submit.
- ``open``: anyone, with the per-signer quota only (a test or a public demo chain).

Standing is read from committed state, at most once per signer per block. In network mode
the same policy runs in the ABCI app's CheckTx (``node/abci.py``), with this module's
``Standing`` and ``committed_standings``.
"""

from __future__ import annotations

import enum
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

from originledger.core.address import account_address
from originledger.core.codes import TxCode
from originledger.core.context import StateGetter
from originledger.core.limits import (
    MEMPOOL_TXS_MAX,
    MEMPOOL_TXS_PER_SIGNER_MAX,
    MEMPOOL_UNREGISTERED_PER_SIGNER_MAX,
    MEMPOOL_UNREGISTERED_TXS_MAX,
)
from originledger.core.tx import Tx
from originledger.modules.accounts import load_account
from originledger.modules.accounts.keys import account_key

__all__ = [
    "Admission",
    "Mempool",
    "Standing",
    "committed_standing",
    "committed_standings",
    "standing_in",
]

_STANDINGS_CACHED_MAX = 100_000


class Admission(enum.StrEnum):
    """Who may place transactions in the mempool (see the module's docstring)."""

    QUOTA = "quota"
    ACCOUNTS = "accounts"
    ROLES = "roles"
    OPEN = "open"


class Standing(enum.IntEnum):
    """What committed state says of a signer."""

    UNREGISTERED = 0
    REGISTERED = 1
    HAS_ROLE = 2


def standing_in(state: StateGetter, public_key: bytes) -> Standing:
    """The standing of the signer with ``public_key`` in ``state``."""
    record = load_account(state, account_address(public_key))
    if record is None:
        return Standing.UNREGISTERED
    return Standing.HAS_ROLE if record.roles else Standing.REGISTERED


class _Committed:
    """Committed state read through the store's reader connections: never through the
    execution's cache, which only the block producer may fill."""

    def __init__(self, read_state: Callable[[bytes], bytes | None]) -> None:
        self.get = read_state


def committed_standing(read_state: Callable[[bytes], bytes | None]) -> Callable[[bytes], Standing]:
    """Standing read from committed state (``SqliteStore.read_state``)."""
    state = _Committed(read_state)
    return lambda public_key: standing_in(state, public_key)


def committed_standings(
    read_states: Callable[[Sequence[bytes]], Mapping[bytes, bytes]],
) -> Callable[[Sequence[bytes]], dict[bytes, Standing]]:
    """The standings of many signers read from committed state in one query
    (``SqliteStore.read_states``): what a submission of many transactions needs."""

    def standings(public_keys: Sequence[bytes]) -> dict[bytes, Standing]:
        keys = {public_key: account_key(account_address(public_key)) for public_key in public_keys}
        found = read_states(list(keys.values()))
        state = _Committed(found.get)
        return {public_key: standing_in(state, public_key) for public_key in keys}

    return standings


class Mempool:
    def __init__(
        self,
        txs_max: int = MEMPOOL_TXS_MAX,
        txs_per_signer_max: int = MEMPOOL_TXS_PER_SIGNER_MAX,
        *,
        admission: Admission = Admission.OPEN,
        standing: Callable[[bytes], Standing] | None = None,
        standings: Callable[[Sequence[bytes]], Mapping[bytes, Standing]] | None = None,
        unregistered_txs_max: int = MEMPOOL_UNREGISTERED_TXS_MAX,
        unregistered_per_signer_max: int = MEMPOOL_UNREGISTERED_PER_SIGNER_MAX,
    ) -> None:
        if admission is not Admission.OPEN and standing is None:
            raise ValueError(f"admission {admission.value!r} needs a way to read standing")
        self.txs_max = txs_max
        self.txs_per_signer_max = txs_per_signer_max
        self.admission = admission
        self.unregistered_txs_max = unregistered_txs_max
        self.unregistered_per_signer_max = unregistered_per_signer_max
        self._standing_of = standing
        self._standings_of = standings
        self._standings: dict[bytes, Standing] = {}  # this block's answers
        self._registered: set[bytes] = set()  # signers seen registered (for good)
        self._waiting: OrderedDict[bytes, Tx] = OrderedDict()
        self._in_flight: dict[bytes, Tx] = {}
        self._per_signer: dict[bytes, int] = {}
        self._unregistered: dict[bytes, int] = {}  # per signer, charged to the shared pool
        self._unregistered_total = 0
        self._lock = threading.Lock()
        self.not_empty = threading.Condition(self._lock)

    def __len__(self) -> int:
        return len(self._waiting)

    def contains(self, tx_hash: bytes) -> bool:
        return tx_hash in self._waiting or tx_hash in self._in_flight

    def holds(self, tx_hash: bytes, raw: bytes) -> bool:
        """Whether these exact bytes are waiting (or in flight). The hash is of the body
        only: a copy with the same hash and other signatures is another submission, and a
        forged one must be refused for its own signatures, not answered as the waiting one."""
        tx = self._waiting.get(tx_hash) or self._in_flight.get(tx_hash)
        return tx is not None and tx.raw == raw

    def _standing(self, signer: bytes) -> Standing:
        # Accounts are never deleted: once registered, a signer stays registered (kept
        # across blocks). Roles can be revoked, and an unregistered signer may register in
        # any block: those answers hold for one block.
        if signer in self._registered and self.admission is not Admission.ROLES:
            return Standing.REGISTERED
        known = self._standings.get(signer)
        if known is None and self._standing_of is not None:
            known = self._standing_of(signer)
            self._remember(signer, known)
        return Standing.REGISTERED if known is None else known

    def _remember(self, signer: bytes, standing: Standing) -> None:
        if len(self._standings) >= _STANDINGS_CACHED_MAX:
            self._standings = {}
        self._standings[signer] = standing
        if standing >= Standing.REGISTERED:
            if len(self._registered) >= _STANDINGS_CACHED_MAX:
                self._registered = set()
            self._registered.add(signer)

    def prefetch(self, txs: Sequence[Tx]) -> None:
        """Read the standings of the signers of ``txs`` not known yet in one query (when
        the node gave a batch reader), so that adding them reads no state one by one."""
        if self.admission is Admission.OPEN or self._standings_of is None:
            return
        known = self._standings
        registered = self._registered if self.admission is not Admission.ROLES else ()
        unknown = [
            signer
            for signer in dict.fromkeys([tx.body.signers[0] for tx in txs])
            if signer not in known and signer not in registered
        ]
        if unknown:
            for signer, standing in self._standings_of(unknown).items():
                self._remember(signer, standing)

    def add(self, tx: Tx) -> TxCode | None:
        """Queue ``tx``; ``None`` when queued or already waiting, else the reason refused."""
        return self.add_many([tx])[0]

    def add_many(self, txs: Sequence[Tx]) -> list[TxCode | None]:
        """Queue each of ``txs`` in order (``add``'s answer for each): the signers'
        standings are read together, the lock is taken once and the producer woken once."""
        open_admission = self.admission is Admission.OPEN
        standings: list[Standing] = []
        if not open_admission:
            self.prefetch(txs)  # state reads: outside the lock
            standing_of = self._standing
            standings = [standing_of(tx.body.signers[0]) for tx in txs]
        answers: list[TxCode | None] = []
        queued = False
        with self._lock:
            for position, tx in enumerate(txs):
                standing = Standing.REGISTERED if open_admission else standings[position]
                answer = self._queue(tx, standing)
                answers.append(answer)
                queued = queued or answer is None
            if queued:
                self.not_empty.notify()
        return answers

    def _queue(self, tx: Tx, standing: Standing) -> TxCode | None:
        """Queue one transaction under the lock."""
        if self.admission is Admission.ACCOUNTS and standing < Standing.REGISTERED:
            return TxCode.SIGNER_NOT_ADMITTED
        if self.admission is Admission.ROLES and standing < Standing.HAS_ROLE:
            return TxCode.SIGNER_NOT_ADMITTED
        if tx.hash in self._waiting or tx.hash in self._in_flight:
            return None
        if len(self._waiting) + len(self._in_flight) >= self.txs_max:
            return TxCode.MEMPOOL_FULL
        signer = tx.signers[0]
        count = self._per_signer.get(signer, 0)
        if count >= self.txs_per_signer_max:
            return TxCode.SIGNER_QUOTA
        if standing is Standing.UNREGISTERED:
            mine = self._unregistered.get(signer, 0)
            if (
                self._unregistered_total >= self.unregistered_txs_max
                or mine >= self.unregistered_per_signer_max
            ):
                return TxCode.SIGNER_QUOTA
            self._unregistered[signer] = mine + 1
            self._unregistered_total += 1
        self._per_signer[signer] = count + 1
        self._waiting[tx.hash] = tx
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
                # In flight before it leaves the waiting ones: ``contains`` and ``holds`` read
                # both without the lock (waiting first), and in parallel with this loop (no
                # GIL) must never find a transaction in neither (a receipt's 404).
                self._in_flight[tx_hash] = tx
                del self._waiting[tx_hash]
                taken.append(tx)
                size += len(tx.raw)
        return taken

    def done(self, txs: list[Tx]) -> None:
        """The block holding ``txs`` committed (or they were dropped): forget them, and
        read signers' standing afresh (the block may have registered some)."""
        with self._lock:
            self._standings = {}
            for tx in txs:
                if self._in_flight.pop(tx.hash, None) is None:
                    continue
                signer = tx.signers[0]
                remaining = self._per_signer[signer] - 1
                if remaining:
                    self._per_signer[signer] = remaining
                else:
                    del self._per_signer[signer]
                charged = self._unregistered.get(signer, 0)
                if charged:
                    self._unregistered_total -= 1
                    if charged > 1:
                        self._unregistered[signer] = charged - 1
                    else:
                        del self._unregistered[signer]

    def wait_for_txs(self, timeout_s: float) -> bool:
        with self._lock:
            if self._waiting:
                return True
            return self.not_empty.wait(timeout_s) and bool(self._waiting)
