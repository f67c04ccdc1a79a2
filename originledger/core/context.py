"""What a handler sees: the block it runs in, a state view, and a place to emit events.

State is a map from bytes keys to bytes values. Reads go through layers: the writes of the
current transaction, then those of earlier transactions in the block, then the committed
state (a ``StateReader`` that the shell provides: a read-only function of committed
state, so handlers stay deterministic). A transaction's writes and events reach the block
only when every message of it succeeded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import msgspec

from originledger.core.address import Address
from originledger.core.codec import decode, encode
from originledger.core.limits import STATE_KEY_BYTES_MAX, STATE_VALUE_BYTES_MAX

__all__ = [
    "BlockContext",
    "BlockState",
    "Event",
    "Movement",
    "NestedBlockState",
    "StateGetter",
    "StateReader",
    "StateView",
    "TxContext",
    "TxState",
]

T = TypeVar("T")


class Event(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type", gc=False):
    """Base of every event. Subclasses set ``tag="module/name"``."""


class StateGetter(Protocol):
    """Anything state can be read from by key: committed state or a view with writes."""

    def get(self, key: bytes) -> bytes | None: ...


class StateReader(StateGetter, Protocol):
    """Read access to committed state; ``scan`` yields ``(key, value)`` in key order."""

    def scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]: ...


class Movement(msgspec.Struct, frozen=True, gc=False):
    """Units of an asset that went from one account to another (recorded by the assets
    module's move path, read by the modules that watch movements, such as monitoring)."""

    symbol: str
    sender: Address
    recipient: Address
    amount: int


class StateView(StateGetter, Protocol):
    def set(self, key: bytes, value: bytes) -> None: ...

    def delete(self, key: bytes) -> None: ...

    def note_movement(self, movement: Movement) -> None:
        """Record a movement of units written to this view; it shares the fate of the
        view's writes (kept when they are, dropped when they are)."""


def _check_write(key: bytes, value: bytes | None) -> None:
    # Limits are a kernel contract with the modules: breaking one is a bug, so it raises.
    if not key or len(key) > STATE_KEY_BYTES_MAX:
        raise ValueError(f"state key of {len(key)} bytes is outside the limit")
    if value is not None and len(value) > STATE_VALUE_BYTES_MAX:
        raise ValueError(f"state value of {len(value)} bytes exceeds the limit")


class _WriteLayer:
    """Writes over a lower layer; ``None`` marks a deletion. ``movements``: the movements
    of units these writes made, in order."""

    __slots__ = ("movements", "writes")

    def __init__(self) -> None:
        self.writes: dict[bytes, bytes | None] = {}
        self.movements: list[Movement] = []

    def note_movement(self, movement: Movement) -> None:
        self.movements.append(movement)

    def set(self, key: bytes, value: bytes) -> None:
        # ``_check_write``'s test inline (every transaction writes); it raises, naming the limit.
        if not key or len(key) > STATE_KEY_BYTES_MAX or len(value or b"") > STATE_VALUE_BYTES_MAX:
            _check_write(key, value)
        self.writes[key] = value

    def delete(self, key: bytes) -> None:
        _check_write(key, None)
        self.writes[key] = None


class BlockState(_WriteLayer):
    """The writes of a block so far, over committed state. ``below``: what reads fall
    through to when the key is not among these writes (here the committed state's
    ``get``); a transaction's layer reads these writes, then ``below``, directly."""

    __slots__ = ("below", "reader")

    def __init__(self, reader: StateGetter) -> None:
        super().__init__()
        self.reader = reader
        self.below: Callable[[bytes], bytes | None] = reader.get

    def get(self, key: bytes) -> bytes | None:
        writes = self.writes
        if key in writes:
            return writes[key]
        return self.below(key)


class NestedBlockState(BlockState):
    """Writes over a block's writes, kept apart until ``commit`` folds them into the block:
    what an end-of-block hook runs in, so that a hook that raises leaves nothing behind.
    ``reader`` is still committed state (hooks scan it), reads see the block's writes."""

    __slots__ = ("block",)

    def __init__(self, block: BlockState) -> None:
        super().__init__(block.reader)
        self.block = block
        self.below = block.get

    def commit(self) -> None:
        self.block.writes.update(self.writes)
        self.writes = {}


class TxState(_WriteLayer):
    """One transaction's writes over the block's; ``commit`` folds them into the block.

    A read looks in this transaction's writes, then in the block's, then below the block
    (committed state): one call, not one per layer; a transfer reads some seven keys."""

    __slots__ = ("below", "block")

    def __init__(self, block: BlockState) -> None:
        self.writes: dict[bytes, bytes | None] = {}
        self.movements: list[Movement] = []
        self.block = block
        self.below = block.below

    def get(self, key: bytes) -> bytes | None:
        writes = self.writes
        if key in writes:
            return writes[key]
        writes = self.block.writes
        if key in writes:
            return writes[key]
        return self.below(key)

    def get_record(self, key: bytes, kind: type[T]) -> T | None:
        raw = self.get(key)
        return None if raw is None else decode(raw, kind)

    def put_record(self, key: bytes, record: msgspec.Struct) -> None:
        self.set(key, encode(record))

    def commit(self) -> None:
        self.block.writes.update(self.writes)
        self.writes = {}
        self.movements = []  # watched before the commit (see ``Module.watch_movements``)


@dataclass(frozen=True, slots=True)
class BlockContext:
    """The block being executed: the only source of time and height for the modules."""

    chain_id: str
    height: int
    time_ms: int
    proposer: bytes


@dataclass(slots=True)
class TxContext:
    """What a message handler gets: the block, the transaction's signers, state, events."""

    block: BlockContext
    tx_hash: bytes
    signers: tuple[Address, ...]
    state: TxState
    events: list[Event] = field(default_factory=list)

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def signed_by(self, address: Address) -> bool:
        return address in self.signers
