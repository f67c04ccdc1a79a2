"""Fund tracing as a pure function: hand-computed traces (FIFO attribution, mints, burns,
money coming back, the hop and fan-out bounds), events turned into movements, and a
property: without truncation, every traced unit is at rest, out of circulation or back
at the origin."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from originledger.core.amounts import Amount
from originledger.modules.assets.types import (
    Burned,
    ClawedBack,
    ForcedTransfer,
    HoldPosted,
    Minted,
    Recovered,
    Transferred,
)
from originledger.modules.compliance.tracing import (
    Movement,
    movements_from_events,
    trace_funds,
)
from tests.conftest import party

A, B, C, D, E = (party(name).address for name in ("a", "b", "c", "d", "e"))
NAMES = {A: "A", B: "B", C: "C", D: "D", E: "E", None: "-"}


def move(height: int, sender: object, recipient: object, amount: int, index: int = 0) -> Movement:
    kind = "mint" if sender is None else "burn" if recipient is None else "transfer"
    return Movement(height, index, kind, "USD", sender, recipient, Amount(amount))  # type: ignore[arg-type]


STORY = [
    move(1, A, B, 999),  # at or before after_height: not traced
    move(2, A, B, 50),  # hop 1: B holds [50 traced@1]
    move(2, None, B, 30, index=1),  # a mint: B holds [50 t1, 30 u]
    move(3, C, B, 20),  # C's unseen balance: B holds [50 t1, 30 u, 20 u]
    move(3, E, C, 1, index=1),  # E's unseen balance: C holds [1 u]
    move(4, B, C, 60),  # takes 50 t1 + 10 u: hop 2, traced 50; C holds [1 u, 50 t2, 10 u]
    move(5, B, D, 40),  # takes 20 u + 20 u: nothing traced
    move(6, C, D, 31),  # takes 1 u + 30 t2: hop 3, traced 30; D holds [40 u, 1 u, 30 t3]
    move(7, C, None, 25),  # a burn: takes 20 t2 + 5 u: hop 3, traced 20, out of circulation
    move(8, D, A, 35),  # back to the origin: takes 35 u; D holds [5 u, 1 u, 30 t3]
    move(9, D, E, 10),  # takes 5 u + 1 u + 4 t3: hop 4, traced 4; E holds [5 u, 1 u, 4 t4]
    move(9, D, E, 10, index=1),  # takes 10 t3: hop 4, traced 10; D keeps 16 t3
]


def shape(trace) -> list[tuple[int, int, str, str, int, int]]:
    return [
        (hop.hop, hop.height, NAMES[hop.sender], NAMES[hop.recipient], hop.amount, hop.traced)
        for hop in trace.hops
    ]


def test_trace_funds_fifo_hand_computed() -> None:
    trace = trace_funds(STORY, A, "USD", after_height=1)
    assert shape(trace) == [
        (1, 2, "A", "B", 50, 50),
        (2, 4, "B", "C", 60, 50),
        (3, 6, "C", "D", 31, 30),
        (3, 7, "C", "-", 25, 20),
        (4, 9, "D", "E", 10, 4),
        (4, 9, "D", "E", 10, 10),
    ]
    assert sorted((NAMES[item.account], item.amount) for item in trace.at_rest) == [
        ("D", 16),
        ("E", 14),
    ]
    assert (trace.sent, trace.truncated) == (50, False)


def test_trace_funds_hops_bound() -> None:
    trace = trace_funds(STORY, A, "USD", after_height=1, hops_max=3)
    assert [hop.hop for hop in trace.hops] == [1, 2, 3, 3]
    assert trace.truncated  # the D -> E hops were cut
    # The cut money left D untraced: E holds none of it.
    assert [(NAMES[item.account], item.amount) for item in trace.at_rest] == [("D", 16)]


def test_trace_funds_fanout_bound() -> None:
    movements = [move(2, A, B, 10), move(3, B, C, 3), move(4, B, D, 3), move(5, B, E, 3)]
    trace = trace_funds(movements, A, "USD", fanout_max=2)
    assert [(NAMES[h.sender], NAMES[h.recipient]) for h in trace.hops] == [
        ("A", "B"),
        ("B", "C"),
        ("B", "D"),
    ]
    assert trace.truncated
    origin_bound = trace_funds([*movements[:1], move(6, A, C, 1)], A, "USD", fanout_max=1)
    assert len(origin_bound.hops) == 1 and origin_bound.truncated


def test_trace_funds_other_symbol_and_nothing_sent() -> None:
    other = [Movement(2, 0, "transfer", "EUR", A, B, Amount(5))]
    trace = trace_funds(other, A, "USD")
    assert (trace.hops, trace.at_rest, trace.sent, trace.truncated) == ([], [], 0, False)


@pytest.mark.parametrize(("hops", "fanout"), [(0, 1), (9, 1), (1, 0), (1, 101)])
def test_invalid_trace_funds_bounds(hops: int, fanout: int) -> None:
    with pytest.raises(ValueError):
        trace_funds([], A, "USD", hops_max=hops, fanout_max=fanout)


def test_movements_from_events() -> None:
    hold = bytes(32)
    events = [
        Transferred("USD", A, B, Amount(1)),
        ForcedTransfer("USD", E, B, C, Amount(2)),
        HoldPosted(hold, "USD", C, D, Amount(3), Amount(0)),
        Recovered("USD", E, D, E, Amount(4)),
        Minted("USD", A, Amount(5), Amount(5)),
        Burned("USD", A, Amount(6), Amount(0)),
        ClawedBack("USD", B, Amount(7), Amount(0)),
    ]
    moved = list(movements_from_events((3, index, event) for index, event in enumerate(events)))
    assert [(m.kind, NAMES[m.sender], NAMES[m.recipient], m.amount) for m in moved] == [
        ("transfer", "A", "B", 1),
        ("forced_transfer", "B", "C", 2),
        ("hold_posted", "C", "D", 3),
        ("recovered", "D", "E", 4),
        ("mint", "-", "A", 5),
        ("burn", "A", "-", 6),
        ("clawback", "B", "-", 7),
    ]
    assert [(m.height, m.index) for m in moved] == [(3, i) for i in range(7)]


ACCOUNTS = [A, B, C, D, E, None]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(ACCOUNTS), st.integers(1, 50)).filter(
            lambda t: t[0] != t[1] and (t[0], t[1]) != (None, None)
        ),
        max_size=40,
    )
)
def test_trace_funds_conserves_traced_money(steps: list[tuple[object, object, int]]) -> None:
    movements = [move(height + 1, s, r, amount) for height, (s, r, amount) in enumerate(steps)]
    trace = trace_funds(movements, A, "USD", hops_max=8, fanout_max=100)
    for hop in trace.hops:
        assert 0 < hop.traced <= hop.amount and 1 <= hop.hop <= 8
    at_rest = sum(item.amount for item in trace.at_rest)
    left = sum(h.traced for h in trace.hops if h.recipient in (None, A))
    if trace.truncated:
        assert at_rest + left <= trace.sent
    else:
        assert at_rest + left == trace.sent
