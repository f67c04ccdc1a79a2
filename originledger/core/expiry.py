"""Deadlines: a module's records that close at a time, closed in bounded work per block.

A module whose records end at a deadline (assets holds, payments card authorizations;
to come: loans past due, market orders good until a time, governance proposals whose vote
closes) declares one ``ExpiryIndex`` under its own state prefix and uses it three ways:

- ``insert(state, due_ms, entry_id, time_ms=...)`` when a record opens (in a handler);
  ``due_ms`` must lie after the block time, so an entry is never due in the block that
  made it;
- ``remove(state, due_ms, entry_id, time_ms=...)`` when the record closes before it is
  due (posted, captured, voided, cancelled);
- ``walk(state, time_ms, expire, entries_max=..., buckets_max=...)`` in the module's
  end-of-block hook: ``expire(entry_id, due_ms)`` closes each due record (writing what
  the module writes and returning the events it caused), and the index drops the entry.

State layout, under the module's prefix (the module's keys, in its README's state table):

- ``<prefix><due_ms: 8 bytes big-endian><entry_id>`` -> ``0x01``: one entry per open
  deadline, in order of due time, then id;
- ``<cursor_key>`` -> the module's cursor struct: two integer fields, in this order, the
  first bucket that may still hold due entries and the number of entries open. Each
  module names the count after what it counts (``ExpiryCursor { bucket, open_holds }``);
  a new module declares its own two-field struct the same way. The cursor is written
  only while something is or was open: a chain that never opens one never writes it.

A bucket is a due time without its low ``bucket_bits`` bits (16: about 65 s); with a
whole number of bytes dropped, a bucket is one key prefix, so the walk reads one bucket
with one prefix scan and never the whole index.

Bounded work per block: the walk starts at the cursor's bucket and reads at most
``buckets_max`` buckets up to the block time's bucket, and closes at most
``entries_max`` entries, oldest first (due time, then id); what it leaves waits for the
next block, where it resumes from the first bucket it did not finish. When nothing is
open it reads one key. It scans committed state (``BlockState.reader``): an entry
inserted in this block is not due yet, and one removed earlier in this block is skipped
(its key is gone from the block's state).

An open count below zero is a state that cannot be: the index raises ``InvariantBroken``
and the node halts.

Contract: the record keeps its due time (``remove`` needs the same ``due_ms`` the entry
was inserted with; to move a deadline, remove and insert again); an id is unique among
the module's open entries; ``time_ms`` is the block time (when nothing was open, the
cursor restarts at its bucket). The walk's bounds are the hook's budget: name them as
constants in the module's ``types.py`` and its README, as both modules do.

A new module (a sketch: loans that default when due)::

    class LoanDueCursor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
        bucket: int
        open_loans: int

    LOANS_DUE = ExpiryIndex(b"loans/due/", b"loans/due_cursor", LoanDueCursor)  # keys.py

    # in handlers: opened, then repaid before it is due
    LOANS_DUE.insert(ctx.state, loan.due_ms, loan_id, time_ms=ctx.block.time_ms)
    LOANS_DUE.remove(ctx.state, loan.due_ms, loan_id, time_ms=ctx.block.time_ms)

    def default_loans(block: BlockContext, state: BlockState) -> list[Event]:  # end_block
        def default(loan_id: bytes, due_ms: int) -> list[Event]:
            ...  # mark the loan defaulted, move its collateral; return its events

        return LOANS_DUE.walk(
            state, block.time_ms, default,
            entries_max=LOAN_DEFAULTS_PER_BLOCK_MAX, buckets_max=LOAN_BUCKETS_PER_BLOCK_MAX,
        )
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, runtime_checkable

import msgspec

from originledger.core.codec import decode, encode
from originledger.core.context import BlockState, Event, StateGetter, StateView
from originledger.core.module import InvariantBroken

__all__ = [
    "DUE_BYTES",
    "Expire",
    "ExpiryIndex",
]

DUE_BYTES = 8
"""A due time in a key: milliseconds, 8 bytes big-endian (so keys sort by time)."""

C = TypeVar("C", bound=msgspec.Struct)

Expire = Callable[[bytes, int], Sequence[Event]]
"""``expire(entry_id, due_ms) -> events``: close the record of a due entry (the walk
drops the entry itself: ``expire`` must not call ``remove``)."""


@runtime_checkable
class _Scanner(Protocol):
    def scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]: ...


@dataclass(frozen=True)
class ExpiryIndex(Generic[C]):
    """One module's deadlines: where its entries and cursor live, and its buckets.

    ``prefix``: the entries' key prefix (ends with ``/``); ``cursor_key``: the cursor's
    key, outside ``prefix``; ``cursor``: the module's cursor struct (two integer fields:
    bucket, then open count); ``bucket_bits``: the low bits of a due time a bucket drops,
    a multiple of 8 below 64."""

    prefix: bytes
    cursor_key: bytes
    cursor: type[C]
    bucket_bits: int = 16

    def __post_init__(self) -> None:
        if self.cursor_key.startswith(self.prefix):
            raise ValueError("the cursor key must lie outside the entries' prefix")
        if self.bucket_bits % 8 or not 0 < self.bucket_bits < DUE_BYTES * 8:
            raise ValueError("bucket_bits must be a multiple of 8 between 8 and 56")
        if len(msgspec.structs.fields(self.cursor)) != 2:
            raise ValueError("the cursor struct has two fields: bucket, open count")

    # Keys ---------------------------------------------------------------------------------

    def key(self, due_ms: int, entry_id: bytes) -> bytes:
        """The key of one entry: ``<prefix><due_ms: 8 bytes BE><entry_id>``."""
        return self.prefix + due_ms.to_bytes(DUE_BYTES, "big") + entry_id

    def split(self, key: bytes) -> tuple[int, bytes]:
        """``(due_ms, entry_id)`` of an entry's key."""
        body = key[len(self.prefix) :]
        return int.from_bytes(body[:DUE_BYTES], "big"), body[DUE_BYTES:]

    def bucket_of(self, time_ms: int) -> int:
        return time_ms >> self.bucket_bits

    def bucket_prefix(self, bucket: int) -> bytes:
        """The prefix of every entry whose due time falls in ``bucket``."""
        return self.prefix + bucket.to_bytes(DUE_BYTES - self.bucket_bits // 8, "big")

    # The cursor ---------------------------------------------------------------------------

    def load_cursor(self, state: StateGetter) -> C | None:
        """The module's cursor struct, or ``None`` when none was ever written."""
        raw = state.get(self.cursor_key)
        return None if raw is None else decode(raw, self.cursor)

    def position(self, state: StateGetter) -> tuple[int, int] | None:
        """``(bucket, open count)`` of the cursor, or ``None`` when none was written."""
        cursor = self.load_cursor(state)
        if cursor is None:
            return None
        bucket, count = msgspec.structs.astuple(cursor)
        return int(bucket), int(count)

    def _write_position(self, state: StateView, bucket: int, count: int) -> None:
        if count < 0:
            raise InvariantBroken(f"invariant broken: fewer than zero entries in {self._name}")
        state.set(self.cursor_key, encode(self.cursor(bucket, count)))

    @property
    def _name(self) -> str:
        return self.prefix.decode(errors="replace")

    def _count(self, state: StateView, delta: int, time_ms: int) -> None:
        position = self.position(state)
        if position is None or position[1] == 0:
            # Nothing is open: the walk may start from the present bucket.
            position = (self.bucket_of(time_ms), 0)
        self._write_position(state, position[0], position[1] + delta)

    # Scheduling ---------------------------------------------------------------------------

    def insert(self, state: StateView, due_ms: int, entry_id: bytes, *, time_ms: int) -> None:
        """Schedule ``entry_id`` for ``due_ms`` (after ``time_ms``, the block time)."""
        state.set(self.key(due_ms, entry_id), b"\x01")
        self._count(state, +1, time_ms)

    def remove(self, state: StateView, due_ms: int, entry_id: bytes, *, time_ms: int) -> None:
        """Drop an open entry whose record closed before it was due."""
        state.delete(self.key(due_ms, entry_id))
        self._count(state, -1, time_ms)

    # Expiring -----------------------------------------------------------------------------

    def walk(
        self,
        state: BlockState,
        time_ms: int,
        expire: Expire,
        *,
        entries_max: int,
        buckets_max: int,
    ) -> list[Event]:
        """Close the entries due at ``time_ms`` (due time at or before it), oldest first,
        at most ``entries_max`` of them and reading at most ``buckets_max`` buckets; the
        events ``expire`` returned, in order. See the module docstring."""
        position = self.position(state)
        if position is None or position[1] == 0:
            return []
        committed = state.reader
        if not isinstance(committed, _Scanner):
            raise TypeError("an expiry walk needs a committed-state reader that can scan")
        start, open_count = position
        now_bucket = self.bucket_of(time_ms)
        bucket = start
        events: list[Event] = []
        expired = 0
        walked = 0
        while bucket <= now_bucket and walked < buckets_max:
            walked += 1
            finished = True
            for key, _ in committed.scan(self.bucket_prefix(bucket)):
                due_ms, entry_id = self.split(key)
                if due_ms > time_ms:
                    finished = False
                    break
                if state.get(key) is None:
                    continue  # removed earlier in this block
                if expired >= entries_max:
                    finished = False
                    break
                events.extend(expire(entry_id, due_ms))
                state.delete(key)
                expired += 1
            if not finished or bucket == now_bucket:
                break
            bucket += 1
        if (bucket, open_count - expired) != (start, open_count):
            self._write_position(state, bucket, open_count - expired)
        return events
