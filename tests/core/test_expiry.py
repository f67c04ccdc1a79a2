"""The shared expiry index (core/expiry.py): what a walk closes, in what order, and how much
it may read in one block, checked against a model over random schedules."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from originledger.core.context import BlockState, Event
from originledger.core.expiry import ExpiryIndex
from originledger.core.module import InvariantBroken


class Cursor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    bucket: int
    open_things: int


class Closed(Event, frozen=True, tag="test/closed"):
    entry_id: bytes
    due_ms: int


BITS = 8  # buckets of 256 ms: schedules of a few seconds span many buckets
INDEX = ExpiryIndex(b"test/exp/", b"test/exp_cursor", Cursor, bucket_bits=BITS)


class Committed:
    """Committed state: a dict with the sorted prefix scan hooks use; counts its scans."""

    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}
        self.scans = 0

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)

    def scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        self.scans += 1
        for key in sorted(self.data):
            if key.startswith(prefix):
                yield key, self.data[key]

    def commit(self, state: BlockState) -> None:
        for key, value in state.writes.items():
            if value is None:
                self.data.pop(key, None)
            else:
                self.data[key] = value


def _walk(
    committed: Committed, state: BlockState, time_ms: int, entries_max: int, buckets_max: int
) -> tuple[list[tuple[int, bytes]], int]:
    """Walk once; the entries closed, in order, and the buckets read."""
    closed: list[tuple[int, bytes]] = []

    def expire(entry_id: bytes, due_ms: int) -> list[Event]:
        closed.append((due_ms, entry_id))
        return [Closed(entry_id, due_ms)]

    scans = committed.scans
    events = INDEX.walk(state, time_ms, expire, entries_max=entries_max, buckets_max=buckets_max)
    assert events == [Closed(entry_id, due) for due, entry_id in closed]
    return closed, committed.scans - scans


ids = st.binary(min_size=1, max_size=3)
# (delay after the block time, id): due times within 4 s, many buckets of 256 ms.
schedules = st.lists(st.tuples(st.integers(1, 4_000), ids), max_size=40, unique_by=lambda e: e[1])


@settings(max_examples=200, deadline=None)
@given(schedule=schedules, elapsed=st.integers(0, 5_000), start=st.integers(0, 2**40))
def test_walk_closes_exactly_the_due_entries_in_order(
    schedule: list[tuple[int, bytes]], elapsed: int, start: int
) -> None:
    committed = Committed()
    state = BlockState(committed)
    for delay, entry_id in schedule:
        INDEX.insert(state, start + delay, entry_id, time_ms=start)
    committed.commit(state)
    now = start + elapsed
    state = BlockState(committed)
    closed, _ = _walk(committed, state, now, entries_max=10**6, buckets_max=10**6)
    entries = sorted((start + delay, entry_id) for delay, entry_id in schedule)
    assert closed == [entry for entry in entries if entry[0] <= now]
    committed.commit(state)
    left = [entry for entry in entries if entry[0] > now]
    assert sorted(INDEX.split(key) for key in committed.data if key.startswith(INDEX.prefix)) == (
        left
    )
    position = INDEX.position(committed)
    if not schedule:
        assert position is None  # never written while nothing was ever open
        return
    assert position is not None and position[1] == len(left)
    assert all(INDEX.bucket_of(due) >= position[0] for due, _ in left)


@settings(max_examples=200, deadline=None)
@given(
    schedule=schedules,
    removed_before=st.sets(st.integers(0, 39)),
    removed_now=st.sets(st.integers(0, 39)),
    elapsed=st.integers(0, 5_000),
)
def test_removed_entries_never_close(
    schedule: list[tuple[int, bytes]], removed_before: set[int], removed_now: set[int], elapsed: int
) -> None:
    """Entries removed in an earlier block, or earlier in the walk's own block, are
    skipped; the count stays right."""
    start = 1_000_000
    committed = Committed()
    state = BlockState(committed)
    for delay, entry_id in schedule:
        INDEX.insert(state, start + delay, entry_id, time_ms=start)
    committed.commit(state)
    state = BlockState(committed)
    gone = set()
    for position, (delay, entry_id) in enumerate(schedule):
        if position in removed_before:
            INDEX.remove(state, start + delay, entry_id, time_ms=start)
            gone.add(entry_id)
    committed.commit(state)
    now = start + elapsed
    state = BlockState(committed)
    for position, (delay, entry_id) in enumerate(schedule):
        if position in removed_now and entry_id not in gone:
            INDEX.remove(state, start + delay, entry_id, time_ms=now)
            gone.add(entry_id)
    closed, _ = _walk(committed, state, now, entries_max=10**6, buckets_max=10**6)
    entries = sorted((start + delay, entry_id) for delay, entry_id in schedule)
    assert closed == [e for e in entries if e[0] <= now and e[1] not in gone]
    committed.commit(state)
    open_left = [e for e in entries if e[0] > now and e[1] not in gone]
    position = INDEX.position(committed)
    assert (0 if position is None else position[1]) == len(open_left)


@settings(max_examples=150, deadline=None)
@given(
    blocks=st.lists(
        st.tuples(st.integers(1, 3_000), schedules),  # (time step, entries opened)
        min_size=1,
        max_size=12,
    ),
    entries_max=st.integers(0, 5),
    buckets_max=st.integers(1, 6),
)
def test_bounded_work_per_block_oldest_first(
    blocks: list[tuple[int, list[tuple[int, bytes]]]], entries_max: int, buckets_max: int
) -> None:
    """Over many blocks with small budgets: each walk reads at most ``buckets_max``
    buckets and closes at most ``entries_max`` entries, always the oldest open due ones;
    it never leaves a due entry behind its cursor; and once nothing new opens, every
    entry closes in time."""
    committed = Committed()
    now = 5_000_000
    open_entries: set[tuple[int, bytes]] = set()
    taken: set[bytes] = set()

    def block(time_ms: int, opened: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
        state = BlockState(committed)
        for delay, entry_id in opened:
            if entry_id in taken:
                continue
            taken.add(entry_id)
            INDEX.insert(state, time_ms + delay, entry_id, time_ms=time_ms)
            open_entries.add((time_ms + delay, entry_id))
        due = sorted(entry for entry in open_entries if entry[0] <= time_ms)
        closed, buckets_read = _walk(committed, state, time_ms, entries_max, buckets_max)
        assert buckets_read <= buckets_max
        assert len(closed) <= entries_max
        assert closed == due[: len(closed)]  # the oldest due ones, in order
        committed.commit(state)
        open_entries.difference_update(closed)
        position = INDEX.position(committed)
        count = 0 if position is None else position[1]
        assert count == len(open_entries)
        if position is not None and open_entries:
            assert min(INDEX.bucket_of(due) for due, _ in open_entries) >= position[0]
        return closed

    for step, opened in blocks:
        now += step
        block(now, opened)
    if entries_max == 0:
        return
    # Nothing new opens: the walk catches up within a bounded number of blocks.
    now += 10_000
    budget = len(open_entries) // entries_max + (10_000 >> BITS) // buckets_max + 5
    for _ in range(budget + 50):
        now += 1
        block(now, [])
        if not open_entries:
            break
    assert not open_entries


def test_nothing_open_reads_one_key() -> None:
    committed = Committed()
    state = BlockState(committed)
    assert _walk(committed, state, 10**9, 10, 10) == ([], 0)
    assert state.writes == {}


def test_a_count_below_zero_halts() -> None:
    committed = Committed()
    state = BlockState(committed)
    INDEX.insert(state, 2_000, b"a", time_ms=1_000)
    INDEX.remove(state, 2_000, b"a", time_ms=1_000)
    with pytest.raises(InvariantBroken, match="fewer than zero"):
        INDEX.remove(state, 2_000, b"a", time_ms=1_000)


def test_layout_is_the_modules_bytes() -> None:
    """The key layout the assets and payments modules wrote before the index existed."""
    assert INDEX.key(0x0102030405060708, b"id") == b"test/exp/\x01\x02\x03\x04\x05\x06\x07\x08id"
    assert INDEX.split(b"test/exp/\x00\x00\x00\x00\x00\x00\x01\x00id") == (256, b"id")
    sixteen = ExpiryIndex(b"m/exp/", b"m/exp_cursor", Cursor)
    assert sixteen.bucket_prefix(sixteen.bucket_of(0x0102030405060708)) == (
        b"m/exp/\x01\x02\x03\x04\x05\x06"
    )
    state = BlockState(Committed())
    sixteen.insert(state, 5 << 16, b"x", time_ms=3 << 16)
    assert state.writes[b"m/exp_cursor"] == msgspec.msgpack.encode(Cursor(3, 1))


@pytest.mark.parametrize(
    ("prefix", "cursor_key", "bits"),
    [(b"m/exp/", b"m/exp/cursor", 16), (b"m/exp/", b"m/cursor", 12), (b"m/exp/", b"m/c", 64)],
)
def test_bad_declarations_are_refused(prefix: bytes, cursor_key: bytes, bits: int) -> None:
    with pytest.raises(ValueError):
        ExpiryIndex(prefix, cursor_key, Cursor, bucket_bits=bits)
