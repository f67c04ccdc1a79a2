"""Fund tracing: follow money from an account through later transfers, hop by hop.

Pure: the shell reads the events of the chain (``assets/transferred``, ``assets/minted``,
...) in order, turns them into ``Movement`` records with ``movements_from_events`` and
hands them to ``trace_funds``.

**Attribution is first in, first out.** Every account the tracer sees keeps a queue of
lots, in the order they arrived after ``after_height``, each tagged with the hop at which
traced money reached it, or untraced. An outflow takes lots from the head of the queue:
the traced part of what it takes is followed to the recipient, one hop further. The
origin account is the source: every outflow of it after ``after_height`` is traced in
full, at hop 1. Money returning to the origin stops there.

What the tracer cannot see is not in the queues: a balance held before ``after_height``
(the state then is not replayed). An outflow larger than the queue takes the excess from
that unseen balance, as untraced money. So the tracer treats an account's older balance
as spent *after* what it received in the window, which may follow traced money a little
earlier than strict FIFO over the whole balance would: it may over-follow, never lose
traced money from the report.

**Bounds.** ``hops_max`` (at most ``TRACE_HOPS_MAX``): money is not followed further from
an account it reached at that hop (it is reported at rest there). ``fanout_max`` (at most
``TRACE_FANOUT_MAX``): at most that many traced outflows are followed from one account;
later ones still leave the queue but are not followed. The shell reads at most
``TRACE_MOVEMENTS_MAX`` movements of the asset and at most ``TRACE_EVENTS_SCANNED_MAX``
stored events in all (its scan budget). Any bound that cut the trace sets ``truncated``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import Event
from originledger.modules.assets.types import (
    Burned,
    ClawedBack,
    ForcedTransfer,
    HoldPosted,
    Minted,
    Recovered,
    Transferred,
)

__all__ = [
    "TRACE_EVENTS_SCANNED_MAX",
    "TRACE_FANOUT_MAX",
    "TRACE_HOPS_MAX",
    "TRACE_MOVEMENTS_MAX",
    "Hop",
    "Movement",
    "Trace",
    "movements_from_events",
    "trace_funds",
]

TRACE_HOPS_MAX = 8
TRACE_FANOUT_MAX = 100  # traced outflows followed from one account
TRACE_MOVEMENTS_MAX = 200_000  # movements one trace reads
# Stored events one trace may read (of any kind and asset), whatever it finds: the scan
# budget. A trace cut at the budget says so and gives the cursor it reached.
TRACE_EVENTS_SCANNED_MAX = 200_000
TRACE_HOPS_LISTED_MAX = 1_000  # hops one answer lists


class Movement(msgspec.Struct, frozen=True):
    """Units of one asset moving: ``sender`` None for a mint, ``recipient`` None for a
    burn or clawback. ``height`` and ``index`` are the event's cursor."""

    height: int
    index: int
    kind: str
    symbol: str
    sender: Address | None
    recipient: Address | None
    amount: Amount


class Hop(msgspec.Struct, frozen=True):
    """One followed outflow: ``traced`` of its ``amount`` is attributed to the origin's
    money; ``hop`` is 1 for the origin's own outflows. A recipient None means the money
    left circulation (burned or clawed back)."""

    hop: int
    height: int
    index: int
    kind: str
    sender: Address
    recipient: Address | None
    amount: Amount
    traced: Amount


class AtRest(msgspec.Struct, frozen=True):
    account: Address
    amount: Amount


class Trace(msgspec.Struct, frozen=True):
    account: Address
    symbol: str
    after_height: int
    hops_max: int
    fanout_max: int
    hops: list[Hop]
    at_rest: list[AtRest]  # traced money still held, by account (sorted by amount, then account)
    sent: Amount  # total the origin sent after ``after_height``
    truncated: bool


def movements_from_events(records: Iterable[tuple[int, int, Event]]) -> Iterator[Movement]:
    """Movements of units from ``(height, index, event)`` in chain order."""
    for height, index, event in records:
        if isinstance(event, Transferred):
            yield Movement(
                height, index, "transfer", event.symbol, event.sender, event.recipient, event.amount
            )
        elif isinstance(event, ForcedTransfer):
            yield Movement(
                height, index, "forced_transfer", event.symbol, event.sender, event.recipient,
                event.amount,
            )  # fmt: skip
        elif isinstance(event, HoldPosted):
            yield Movement(
                height, index, "hold_posted", event.symbol, event.payer, event.payee, event.amount
            )
        elif isinstance(event, Recovered):
            yield Movement(
                height, index, "recovered", event.symbol, event.lost, event.new, event.amount
            )
        elif isinstance(event, Minted):
            yield Movement(height, index, "mint", event.symbol, None, event.recipient, event.amount)
        elif isinstance(event, Burned):
            yield Movement(height, index, "burn", event.symbol, event.holder, None, event.amount)
        elif isinstance(event, ClawedBack):
            yield Movement(
                height, index, "clawback", event.symbol, event.account, None, event.amount
            )


@dataclass
class _Lot:
    amount: int
    hop: int  # 0: untraced


@dataclass
class _Account:
    lots: deque[_Lot] = field(default_factory=deque)
    followed: int = 0  # traced outflows followed from it


def _take(account: _Account, amount: int) -> list[_Lot]:
    """Take ``amount`` from the head of the queue; the excess over the queue is untraced."""
    taken: list[_Lot] = []
    left = amount
    while left and account.lots:
        head = account.lots[0]
        part = min(head.amount, left)
        taken.append(_Lot(part, head.hop))
        head.amount -= part
        left -= part
        if head.amount == 0:
            account.lots.popleft()
    if left:
        taken.append(_Lot(left, 0))
    return taken


@dataclass
class _Walk:
    """One trace as it reads the movements: the accounts' queues, the hops followed, the
    total the origin sent, and whether a bound cut the trace."""

    origin: Address
    hops_max: int
    fanout_max: int
    truncated: bool
    accounts: dict[Address, _Account] = field(default_factory=dict)
    hops: list[Hop] = field(default_factory=list)
    sent: int = 0


def trace_funds(
    movements: Iterable[Movement],
    account: Address,
    symbol: str,
    *,
    after_height: int = 0,
    hops_max: int = 4,
    fanout_max: int = 32,
    truncated: bool = False,
) -> Trace:
    """Follow ``symbol`` money sent by ``account`` after ``after_height`` (see the module
    docstring for the attribution rule and the bounds). ``truncated`` comes in set when
    the caller already cut the movements short."""
    if not 1 <= hops_max <= TRACE_HOPS_MAX:
        raise ValueError(f"hops_max is 1 to {TRACE_HOPS_MAX}")
    if not 1 <= fanout_max <= TRACE_FANOUT_MAX:
        raise ValueError(f"fanout_max is 1 to {TRACE_FANOUT_MAX}")
    walk = _Walk(account, hops_max, fanout_max, truncated)
    for movement in movements:
        if movement.symbol != symbol or movement.height <= after_height:
            continue
        _move(walk, movement)
    at_rest = [
        AtRest(address, Amount(total))
        for address, state in walk.accounts.items()
        if (total := sum(lot.amount for lot in state.lots if lot.hop))
    ]
    at_rest.sort(key=lambda item: (-item.amount, bytes(item.account)))
    return Trace(
        account,
        symbol,
        after_height,
        hops_max,
        fanout_max,
        walk.hops,
        at_rest,
        Amount(walk.sent),
        walk.truncated,
    )


def _move(walk: _Walk, movement: Movement) -> None:
    """Apply one movement of the traced asset: a mint queues untraced money at its
    recipient; an outflow takes its portions from the sender's queue (the origin's is
    traced in full, at hop 1), is followed if traced and within the bounds, and queues at
    its recipient (unless it burns the money or brings it back to the origin)."""
    sender, recipient = movement.sender, movement.recipient
    if sender is None:  # a mint: untraced money arrives
        if recipient is not None and recipient != walk.origin:
            walk.accounts.setdefault(recipient, _Account()).lots.append(_Lot(movement.amount, 0))
        return
    source = walk.accounts.setdefault(sender, _Account())
    if sender == walk.origin:
        walk.sent += movement.amount
        portions = [_Lot(movement.amount, 0)]
        traced: int = int(movement.amount)
        hop = 1
    else:
        portions = _take(source, movement.amount)
        traced = sum(lot.amount for lot in portions if lot.hop)
        hop = min([lot.hop for lot in portions if lot.hop], default=-1) + 1
    hop = _follow(walk, source, sender, movement, hop, traced)
    if recipient is None or recipient == walk.origin:
        return
    queue = walk.accounts.setdefault(recipient, _Account()).lots
    if sender == walk.origin:
        queue.append(_Lot(movement.amount, 1 if hop else 0))
        return
    for lot in portions:
        queue.append(_Lot(lot.amount, lot.hop + 1 if lot.hop and hop else 0))


def _follow(
    walk: _Walk, source: _Account, sender: Address, movement: Movement, hop: int, traced: int
) -> int:
    """Follow an outflow of ``sender`` carrying ``traced`` of the origin's money at
    ``hop`` (0: none), if the hop and fan-out bounds allow: count it and list it as a
    ``Hop`` (while the list has room). A bound that stops it truncates the trace. Returns
    the hop it is followed at, 0 when it is not."""
    if hop and (source.followed >= walk.fanout_max or hop > walk.hops_max):
        walk.truncated = True
        hop = 0  # the money still leaves the queue, but is not followed
    if hop:
        source.followed += 1
        if len(walk.hops) < TRACE_HOPS_LISTED_MAX:
            walk.hops.append(
                Hop(
                    hop,
                    movement.height,
                    movement.index,
                    movement.kind,
                    sender,
                    movement.recipient,
                    movement.amount,
                    Amount(traced),
                )
            )
        else:
            walk.truncated = True
    return hop
