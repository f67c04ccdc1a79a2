"""The module protocol: a module is declared as data and composed in ``app.py``.

A module owns the state keys under its prefix, a set of messages with their handlers,
read-only queries, invariants that must hold after every block, its genesis, and a
version. Handlers are pure: they read and write state through the context, emit events,
and return ``None`` on success or a ``Failure`` with one of the module's result codes.

Two kinds of invariants: ``invariants`` read the whole module state (replays and tests
run them: they cost a scan); ``block_invariants`` are cheap checks of what one block (or
one transaction) wrote against the state before it, and the node runs them on every
block. A breach of either halts the node (``InvariantBroken``, a ``HaltNode``): that is
the one right halt. A module that finds a state that cannot be in what it reads (a record
its index names is missing, a count below zero) raises ``InvariantBroken`` too.

An exception a handler, guard or hook raises is a bug. The kernel's execution barrier
contains it: a transaction fails with ``tx/INTERNAL`` and nothing it did is kept; an
end-of-block hook's writes are dropped for that block. Only ``HaltNode`` (and errors that
are not deterministic, such as ``MemoryError``) pass the barrier and stop the node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import msgspec

from originledger.core.address import Address
from originledger.core.codes import ResultCode
from originledger.core.context import (
    BlockContext,
    BlockState,
    Event,
    Movement,
    StateGetter,
    StateReader,
    TxContext,
)
from originledger.core.index import ModuleIndex
from originledger.core.tx import Failure, Msg

__all__ = [
    "BLOCK_TIME_PARAMETER",
    "BlockHook",
    "BlockInvariant",
    "EndBlockFailed",
    "GenesisInit",
    "GenesisSteps",
    "GenesisStream",
    "Guard",
    "HaltNode",
    "Handler",
    "Invariant",
    "InvariantBroken",
    "Module",
    "MovementWatch",
    "Prefetch",
    "Query",
]

Handler = Callable[[TxContext, Any], Failure | None]
"""``handler(ctx, message) -> None | Failure``."""

Guard = Callable[[TxContext, Any], Failure | None]
"""``guard(ctx, message) -> None | Failure``: a check that one module runs before another
module's handler executes a message (compliance rules, transfer restrictions). Guards are
pure like handlers, see the state as the handler will, may emit events, and a failure
rejects the whole transaction with the guarding module's code."""

Query = Callable[[StateReader, Mapping[str, str]], Any]
"""``query(state, params) -> result`` (a struct or plain data); raises ``QueryError``.
The shell adds ``BLOCK_TIME_PARAMETER`` to ``params``: the time of the block whose state
the query reads (queries get no context, and state holds no clock)."""

BLOCK_TIME_PARAMETER = "block_time_ms"

Invariant = Callable[[StateReader], str | None]
"""``invariant(state) -> None`` when it holds, else a description of the breach."""

BlockInvariant = Callable[[StateGetter, Mapping[bytes, bytes | None]], str | None]
"""``invariant(before, writes) -> None`` when it holds, else a description of the breach.

``before`` is the state before the writes (committed state for a block, the block's state
so far for one transaction); ``writes`` maps each key written to its new value (``None``:
deleted). It must cost in proportion to ``writes``, never scan: the node runs it on every
block. It must hold for every transaction's writes alone, and so for any block's."""

GenesisInit = Callable[[BlockState, Any], list[Event]]
"""``init(state, section) -> events``: writes the module's genesis state."""

GenesisSteps = Callable[[BlockState, Any, Iterable[Any]], Iterator[list[Event]]]
"""``steps(state, section, records)``: the module's genesis over its section's one long list
given apart (``records``, read once, in order), as a generator of the events of each step.
Between two steps the caller may flush ``state.writes`` into committed state (and empty
them): a step reads what earlier steps wrote through ``state.get`` only. Its writes and
events, in order, are those of ``genesis_init`` over the whole section."""


@dataclass(frozen=True)
class GenesisStream:
    """How a section too long to hold decoded (a million accounts or balances) is imported
    in chunks: ``field`` names its long list, of ``record_type``; ``steps`` applies it."""

    field: str
    record_type: type[msgspec.Struct]
    steps: GenesisSteps


BlockHook = Callable[[BlockContext, BlockState], list[Event]]
"""Runs at the end of every block (expiries, schedules); returns the events it caused."""

Prefetch = Callable[[Any], Iterable[bytes]]
"""The state keys a message will (probably) read, from the message alone: pure, cheap, no
state. The node reads every key a block's messages declare in one query before it
executes the block, so that execution finds them in memory. A hint only: a key left out
is read when needed, a key declared and never read costs one row read."""

MovementWatch = Callable[[TxContext, Sequence[Movement], AbstractSet[Address]], Failure | None]
"""``watch(ctx, movements, module_accounts) -> None | Failure``: runs after a transaction's
messages all succeeded and before its writes are kept, over every movement of units they
made (the assets move path records each one, whichever module asked for it), in order.
``module_accounts``: every module account of the composition (escrow, central
counterparty), which units only pass through. Pure like a handler; may write state and
emit events (at most ``EVENTS_PER_TX_MAX`` of its own: the kernel's limit bounds the
messages' events before watchers run); a failure rejects the whole transaction."""


@dataclass(frozen=True)
class Module:
    name: str
    version: int
    codes: type[ResultCode]
    handlers: Mapping[type[Msg], Handler]
    events: Sequence[type[Event]] = ()
    queries: Mapping[str, Query] = field(default_factory=dict)
    invariants: Mapping[str, Invariant] = field(default_factory=dict)
    genesis_type: type[msgspec.Struct] | None = None
    genesis_init: GenesisInit | None = None
    # Genesis in chunks (the app's streamed import); None: ``genesis_init`` at once.
    genesis_stream: GenesisStream | None = None
    # Module accounts (which no key controls) are not counterparties of user messages: the
    # application refuses any message with one in an address field. ``module_address(name)``
    # is always one; ``accounts`` adds the module's others; ``account_fields`` names the
    # top-level fields of the module's messages that may name one of the module's own.
    accounts: Sequence[Address] = ()
    account_fields: Mapping[type[Msg], Sequence[str]] = field(default_factory=dict)
    watch_movements: MovementWatch | None = None
    end_block: BlockHook | None = None
    guards: Mapping[type[Msg], Guard] = field(default_factory=dict)
    summary: str = ""
    block_invariants: Mapping[str, BlockInvariant] = field(default_factory=dict)
    # How the indexer indexes the module's events (``core/index.py``); None: only in the
    # generic event table.
    index: ModuleIndex | None = None
    # The keys each message type will read (``Prefetch``), for reading a block's in one go.
    prefetch: Mapping[type[Msg], Prefetch] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.codes.codespace != self.name:
            raise ValueError(
                f"module {self.name!r} has codes of codespace {self.codes.codespace!r}"
            )
        for kind in self.handlers:
            tag = kind.__struct_config__.tag
            if not isinstance(tag, str) or not tag.startswith(self.name + "/"):
                raise ValueError(f"message {kind.__name__} of {self.name!r} has tag {tag!r}")
        if self.index is not None:
            listed = [*self.index.handlers, *self.index.not_indexed]
            strangers = [kind.__name__ for kind in listed if kind not in self.events]
            if strangers or len(set(listed)) != len(listed):
                raise ValueError(
                    f"{self.name!r} lists in its index events it does not declare "
                    f"({strangers}) or lists one twice"
                )


class HaltNode(RuntimeError):
    """Raised where the node must stop rather than go on: a broken invariant, a state that
    cannot be. The execution barrier lets it through; the drivers stop on it."""


class InvariantBroken(HaltNode):
    """An invariant does not hold: a registered one (the kernel checks them), or one a
    module finds broken in the records it reads (a hold the payer's line does not cover,
    an index entry without its record, a count below zero). A bug or a corrupt state,
    never a user's mistake: the node must stop rather than go on from it.

    Modules raise it (never a bare ``RuntimeError``, which the execution barrier would
    contain as ``tx/INTERNAL``) where a state cannot be."""


class EndBlockFailed(Event, frozen=True, tag="kernel/end_block_failed"):
    """A module's end-of-block hook raised: its writes and events were dropped for this
    block (the hook runs again at the next one). ``error`` is the exception's class name
    and text, as the ``tx/INTERNAL`` message records them."""

    module: str
    error: str


class QueryError(ValueError):
    """A query's parameters are wrong or what it asks for does not exist (maps to 4xx)."""

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found


__all__ += ["QueryError"]
