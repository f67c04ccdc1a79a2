"""Holds: two-phase transfers placed, posted (whole or part), voided, and expired by the
end-of-block hook; their queries and the protocol other modules use (issue #3)."""

from __future__ import annotations

import pytest

from originledger.core.amounts import Amount
from originledger.core.codec import decode, encode
from originledger.core.context import BlockState, TxState
from originledger.core.limits import AMOUNT_MAX
from originledger.core.module import QueryError
from originledger.modules.assets import (
    AssetsCode,
    available_of,
    balance_of,
    client_hold_id,
    derive_hold_id,
    load_hold,
    place_hold,
    post_hold,
    void_hold,
)
from originledger.modules.assets import logic as assets_logic
from originledger.modules.assets.keys import (
    EXPIRY_CURSOR_KEY,
    asset_key,
    balance_key,
    hold_expiry_key,
)
from originledger.modules.assets.types import (
    HOLD_DURATION_MS_MAX,
    AssetRecord,
    Authorize,
    Balance,
    ExpiryCursor,
    Freeze,
    FreezeAsset,
    HoldExpired,
    HoldPlaced,
    HoldPosted,
    HoldVoided,
    Pause,
    PlaceHold,
    PostHold,
    Transfer,
    VoidHold,
)
from tests.conftest import ALICE, BOB, CAROL, ISSUER, Chain, Party, assert_failed
from tests.modules.assets_helpers import REGULATOR, hold, hold_id_of, line_of, ok

HOLD_ID = bytes(range(32))


def post(hold_id: bytes, amount: int, payee: Party = BOB) -> PostHold:
    return PostHold(payee.address, hold_id, Amount(amount))


def void(hold_id: bytes, payee: Party = BOB) -> VoidHold:
    return VoidHold(payee.address, hold_id)


def placed(chain: Chain, amount: int, **options: object) -> bytes:
    """Place a hold from ALICE to BOB in its own block; return its id."""
    return hold_id_of(ok(chain.run(hold(chain, amount, **options), ALICE)))  # type: ignore[arg-type]


# -- place --------------------------------------------------------------------------------


def test_hold_reserves_available_not_balance(payment_chain: Chain) -> None:
    message = hold(payment_chain, 300)
    outcome = ok(payment_chain.run(message, ALICE))
    hold_id = hold_id_of(outcome)
    assert outcome.events[-1:] == [
        HoldPlaced(hold_id, "USD", ALICE.address, BOB.address, Amount(300), message.expires_at_ms)
    ]
    assert balance_of(payment_chain.store, ALICE.address, "USD") == 1_000
    assert available_of(payment_chain.store, ALICE.address, "USD") == 700
    assert line_of(payment_chain, ALICE, "USD") == Balance(Amount(1_000), held=Amount(300))
    assert payment_chain.supply("USD") == 1_500
    view = payment_chain.app.query("assets", "hold", {"id": hold_id.hex()})
    assert (view.payer, view.payee, view.amount) == (ALICE.address, BOB.address, 300)
    assert view.expires_at_ms == message.expires_at_ms


def test_hold_cannot_be_spent_twice(payment_chain: Chain) -> None:
    placed(payment_chain, 800)
    assert_failed(
        payment_chain.run(hold(payment_chain, 201), ALICE), AssetsCode.INSUFFICIENT_AVAILABLE
    )
    transfer = Transfer(ALICE.address, CAROL.address, "USD", Amount(201))
    assert_failed(payment_chain.run(transfer, ALICE), AssetsCode.INSUFFICIENT_AVAILABLE)
    ok(payment_chain.run(hold(payment_chain, 200), ALICE))
    assert available_of(payment_chain.store, ALICE.address, "USD") == 0


def test_hold_ids_derived_per_position(payment_chain: Chain) -> None:
    raw = payment_chain.tx([hold(payment_chain, 1), hold(payment_chain, 2)], ALICE)
    outcome = ok(payment_chain.block([raw]).txs[0])
    first, second = hold_id_of(outcome, 0), hold_id_of(outcome, 1)
    assert first != second
    # Each id is derived from the transaction's hash and the number of events before it.
    positions = [n for n, event in enumerate(outcome.events) if isinstance(event, HoldPlaced)]
    assert [first, second] == [derive_hold_id(outcome.hash, n) for n in positions]


def test_hold_with_given_id(payment_chain: Chain) -> None:
    outcome = ok(payment_chain.run(hold(payment_chain, 5, hold_id=HOLD_ID), ALICE))
    stored = client_hold_id(ALICE.address, HOLD_ID)
    assert hold_id_of(outcome) == stored != HOLD_ID
    assert load_hold(payment_chain.store, stored) is not None
    assert load_hold(payment_chain.store, HOLD_ID) is None
    assert_failed(
        payment_chain.run(hold(payment_chain, 5, hold_id=HOLD_ID), ALICE), AssetsCode.HOLD_EXISTS
    )
    # Another payer's choice of the same id is another id: no collision.
    other = ok(
        payment_chain.run(hold(payment_chain, 5, payer=BOB, payee=ALICE, hold_id=HOLD_ID), BOB)
    )
    assert hold_id_of(other) == client_hold_id(BOB.address, HOLD_ID) != stored


def test_client_hold_id_is_apart_from_derived_ids() -> None:
    chosen = bytes(range(32))
    assert client_hold_id(ALICE.address, chosen) != client_hold_id(BOB.address, chosen)
    assert client_hold_id(ALICE.address, chosen) != client_hold_id(ALICE.address, bytes(32))
    assert client_hold_id(ALICE.address, chosen) != derive_hold_id(chosen, 0)
    assert len(client_hold_id(ALICE.address, chosen)) == 32


def test_a_payer_may_choose_a_finished_holds_id_again(payment_chain: Chain) -> None:
    first = placed(payment_chain, 5, hold_id=HOLD_ID)
    ok(payment_chain.run(void(first), BOB))
    assert placed(payment_chain, 7, hold_id=HOLD_ID) == first
    found = load_hold(payment_chain.store, first)
    assert found is not None and found.amount == 7


def test_regression_finished_hold_id_cannot_be_reused_by_another_account(
    payment_chain: Chain,
) -> None:
    # ALICE's hold for BOB finishes; BOB then chooses the same hold_id for a hold of his
    # own. Before the fix he got ALICE's finished id; now his id is in his namespace.
    first = placed(payment_chain, 5, hold_id=HOLD_ID)
    ok(payment_chain.run(void(first), BOB))
    outcome = ok(
        payment_chain.run(hold(payment_chain, 5, payer=BOB, payee=CAROL, hold_id=HOLD_ID), BOB)
    )
    assert hold_id_of(outcome) == client_hold_id(BOB.address, HOLD_ID) != first
    assert load_hold(payment_chain.store, first) is None
    # Nor can anyone choose an id that lands on a module-derived one: choosing the bytes
    # of a finished derived id gives another id.
    derived = placed(payment_chain, 3)
    ok(payment_chain.run(void(derived), BOB))
    again = placed(payment_chain, 3, hold_id=derived)
    assert again != derived and again == client_hold_id(ALICE.address, derived)


def test_hold_expiry_bounds(payment_chain: Chain) -> None:
    ok(payment_chain.run(hold(payment_chain, 1, lifetime_ms=1), ALICE))
    ok(payment_chain.run(hold(payment_chain, 1, lifetime_ms=HOLD_DURATION_MS_MAX), ALICE))


@pytest.mark.parametrize("lifetime_ms", [0, -1, HOLD_DURATION_MS_MAX + 1])
def test_invalid_hold_expiry(payment_chain: Chain, lifetime_ms: int) -> None:
    message = hold(payment_chain, 1, lifetime_ms=lifetime_ms)
    assert_failed(payment_chain.run(message, ALICE), AssetsCode.HOLD_EXPIRY_INVALID)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"amount": Amount(0)}, AssetsCode.AMOUNT_ZERO),
        ({"payee": ALICE.address}, AssetsCode.SELF_TRANSFER),
        ({"hold_id": b"short"}, AssetsCode.INVALID_HOLD_ID),
        ({"symbol": "NOPE"}, AssetsCode.ASSET_NOT_FOUND),
        ({"amount": Amount(1_001)}, AssetsCode.INSUFFICIENT_BALANCE),
    ],
)
def test_invalid_hold(payment_chain: Chain, changes: dict[str, object], code: AssetsCode) -> None:
    base = hold(payment_chain, 1)
    message = PlaceHold(
        **{field: getattr(base, field) for field in base.__struct_fields__} | changes  # type: ignore[arg-type]
    )
    assert_failed(payment_chain.run(message, ALICE), code)


def test_invalid_hold_authorization(security_chain: Chain) -> None:
    outcome = security_chain.run(hold(security_chain, 1, payee=CAROL, symbol="FUND"), ALICE)
    assert_failed(outcome, AssetsCode.NOT_AUTHORIZED)
    ok(security_chain.run(Authorize(ISSUER.address, "FUND", ALICE.address, False), ISSUER))
    outcome = security_chain.run(hold(security_chain, 1, symbol="FUND"), ALICE)
    assert_failed(outcome, AssetsCode.NOT_AUTHORIZED)


# -- post ---------------------------------------------------------------------------------


def test_post_whole_hold(payment_chain: Chain) -> None:
    hold_id = placed(payment_chain, 300)
    outcome = ok(payment_chain.run(post(hold_id, 300), BOB))
    assert outcome.events[-1:] == [
        HoldPosted(hold_id, "USD", ALICE.address, BOB.address, Amount(300), Amount(0))
    ]
    assert (payment_chain.balance(ALICE, "USD"), payment_chain.balance(BOB, "USD")) == (700, 800)
    assert line_of(payment_chain, ALICE, "USD") == Balance(Amount(700))
    assert load_hold(payment_chain.store, hold_id) is None


def test_post_part_releases_the_rest(payment_chain: Chain) -> None:
    hold_id = placed(payment_chain, 300)
    outcome = ok(payment_chain.run(post(hold_id, 120), BOB))
    assert outcome.events[-1:] == [
        HoldPosted(hold_id, "USD", ALICE.address, BOB.address, Amount(120), Amount(180))
    ]
    assert line_of(payment_chain, ALICE, "USD") == Balance(Amount(880))
    assert payment_chain.balance(BOB, "USD") == 620
    # One hold resolves once: the remainder cannot be posted later.
    assert_failed(payment_chain.run(post(hold_id, 1), BOB), AssetsCode.HOLD_NOT_FOUND)


def test_post_to_new_holder_counts_it(payment_chain: Chain) -> None:
    outcome = ok(payment_chain.run(hold(payment_chain, 10, payee=CAROL), ALICE))
    ok(payment_chain.run(post(hold_id_of(outcome), 10, CAROL), CAROL))
    assert payment_chain.app.query("assets", "asset", {"symbol": "USD"}).asset.holders == 3


@pytest.mark.parametrize(
    ("amount", "payee", "code"),
    [
        (301, BOB, AssetsCode.POST_EXCEEDS_HOLD),
        (0, BOB, AssetsCode.AMOUNT_ZERO),
        (1, ALICE, AssetsCode.NOT_PAYEE),
        (1, CAROL, AssetsCode.NOT_PAYEE),
    ],
)
def test_invalid_post(payment_chain: Chain, amount: int, payee: Party, code: AssetsCode) -> None:
    hold_id = placed(payment_chain, 300)
    assert_failed(payment_chain.run(post(hold_id, amount, payee), payee), code)


def test_invalid_post_unknown_or_malformed_id(payment_chain: Chain) -> None:
    assert_failed(payment_chain.run(post(HOLD_ID, 1), BOB), AssetsCode.HOLD_NOT_FOUND)
    assert_failed(payment_chain.run(post(b"x" * 33, 1), BOB), AssetsCode.INVALID_HOLD_ID)


def test_invalid_post_at_expiry(payment_chain: Chain) -> None:
    message = hold(payment_chain, 300, lifetime_ms=5_000)
    hold_id = hold_id_of(ok(payment_chain.run(message, ALICE)))
    # In the block whose time reaches the expiry, posting fails and the hold is released.
    outcome = payment_chain.block(
        [payment_chain.tx(post(hold_id, 300), BOB)], time_ms=message.expires_at_ms
    )
    assert_failed(outcome.txs[0], AssetsCode.HOLD_EXPIRED)
    assert outcome.block_events == [HoldExpired(hold_id, "USD", ALICE.address, Amount(300))]
    assert line_of(payment_chain, ALICE, "USD") == Balance(Amount(1_000))


@pytest.mark.parametrize(
    ("control", "signer", "code"),
    [
        (Pause(ISSUER.address, "USD", True), ISSUER, AssetsCode.PAUSED),
        (FreezeAsset(REGULATOR.address, "USD", True), REGULATOR, AssetsCode.ASSET_FROZEN),
        (
            Freeze(ISSUER.address, "USD", ALICE.address, True, False, Amount(0)),
            ISSUER,
            AssetsCode.SENDER_FROZEN,
        ),
        (
            Freeze(REGULATOR.address, "USD", BOB.address, True, True, Amount(0)),
            REGULATOR,
            AssetsCode.RECIPIENT_FROZEN,
        ),
    ],
)
def test_invalid_post_after_a_control(
    payment_chain: Chain, control: object, signer: Party, code: AssetsCode
) -> None:
    hold_id = placed(payment_chain, 300)
    ok(payment_chain.run(control, signer))  # type: ignore[arg-type]
    assert_failed(payment_chain.run(post(hold_id, 300), BOB), code)
    # Voiding still works whatever the controls: nothing moves.
    ok(payment_chain.run(void(hold_id), BOB))
    assert line_of(payment_chain, ALICE, "USD") is not None
    assert available_of(payment_chain.store, ALICE.address, "USD") == 1_000


@pytest.mark.parametrize(("revoked", "side"), [(BOB, "recipient"), (ALICE, "sender")])
def test_invalid_post_party_deauthorized(security_chain: Chain, revoked: Party, side: str) -> None:
    hold_id = hold_id_of(ok(security_chain.run(hold(security_chain, 9, symbol="FUND"), ALICE)))
    ok(security_chain.run(Authorize(ISSUER.address, "FUND", revoked.address, False), ISSUER))
    outcome = security_chain.run(post(hold_id, 9), BOB)
    assert_failed(outcome, AssetsCode.NOT_AUTHORIZED)
    assert side in outcome.result.message


def test_invalid_post_balance_overflow() -> None:
    # Unreachable through messages (supply bounds every balance): the protocol's guard.
    chain_state = TxState(BlockState(_DictReader()))
    record = AssetRecord("X", "x", 0, "utility", ISSUER.address, Amount(AMOUNT_MAX), Amount(0), 1)
    chain_state.set(asset_key("X"), encode(record))
    chain_state.set(balance_key(ALICE.address, "X"), encode(Balance(Amount(10))))
    chain_state.set(balance_key(BOB.address, "X"), encode(Balance(Amount(AMOUNT_MAX - 5))))
    event = place_hold(
        chain_state,
        hold_id=HOLD_ID,
        payer=ALICE.address,
        payee=BOB.address,
        symbol="X",
        amount=Amount(10),
        expires_at_ms=2_000,
        time_ms=1_000,
        height=1,
    )
    assert isinstance(event, HoldPlaced)
    found = load_hold(chain_state, HOLD_ID)
    assert found is not None
    failure = post_hold(chain_state, HOLD_ID, found, Amount(6), time_ms=1_000)
    assert not isinstance(failure, HoldPosted) and failure.code == AssetsCode.BALANCE_OVERFLOW
    assert isinstance(post_hold(chain_state, HOLD_ID, found, Amount(5), time_ms=1_000), HoldPosted)


class _DictReader:
    def __init__(self) -> None:
        self.items: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        return self.items.get(key)


# -- void ---------------------------------------------------------------------------------


def test_void_releases_whole_hold(payment_chain: Chain) -> None:
    hold_id = placed(payment_chain, 300)
    outcome = ok(payment_chain.run(void(hold_id), BOB))
    assert outcome.events[-1:] == [HoldVoided(hold_id, "USD", ALICE.address, Amount(300))]
    assert line_of(payment_chain, ALICE, "USD") == Balance(Amount(1_000))
    assert_failed(payment_chain.run(void(hold_id), BOB), AssetsCode.HOLD_NOT_FOUND)
    assert_failed(payment_chain.run(post(hold_id, 1), BOB), AssetsCode.HOLD_NOT_FOUND)


@pytest.mark.parametrize(
    ("payee", "code"), [(ALICE, AssetsCode.NOT_PAYEE), (CAROL, AssetsCode.NOT_PAYEE)]
)
def test_invalid_void_not_payee(payment_chain: Chain, payee: Party, code: AssetsCode) -> None:
    hold_id = placed(payment_chain, 300)
    assert_failed(payment_chain.run(void(hold_id, payee), payee), code)


def test_invalid_void_unknown_or_malformed_id(payment_chain: Chain) -> None:
    assert_failed(payment_chain.run(void(HOLD_ID), BOB), AssetsCode.HOLD_NOT_FOUND)
    assert_failed(payment_chain.run(void(b""), BOB), AssetsCode.INVALID_HOLD_ID)


def test_void_in_expiry_block_is_not_released_twice(payment_chain: Chain) -> None:
    message = hold(payment_chain, 300, lifetime_ms=5_000)
    hold_id = hold_id_of(ok(payment_chain.run(message, ALICE)))
    outcome = payment_chain.block(
        [payment_chain.tx(void(hold_id), BOB)], time_ms=message.expires_at_ms + 10
    )
    ok(outcome.txs[0])
    assert outcome.block_events == []
    assert line_of(payment_chain, ALICE, "USD") == Balance(Amount(1_000))


# -- expiry -------------------------------------------------------------------------------


def test_expiry_releases_at_first_block_past_it(payment_chain: Chain) -> None:
    message = hold(payment_chain, 300, lifetime_ms=2_500)
    hold_id = hold_id_of(ok(payment_chain.run(message, ALICE)))
    assert payment_chain.block([]).block_events == []  # 1.5 s before the expiry
    assert payment_chain.block([]).block_events == []  # 0.5 s before
    outcome = payment_chain.block([])  # 0.5 s past
    assert outcome.block_events == [HoldExpired(hold_id, "USD", ALICE.address, Amount(300))]
    assert line_of(payment_chain, ALICE, "USD") == Balance(Amount(1_000))
    assert load_hold(payment_chain.store, hold_id) is None
    assert payment_chain.store.get(hold_expiry_key(message.expires_at_ms, hold_id)) is None
    [record] = [r for r in outcome.event_records() if isinstance(r.event, HoldExpired)]
    assert record.tx_index == -1


def test_expiry_bounded_per_block(payment_chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets_logic, "HOLD_EXPIRIES_PER_BLOCK_MAX", 2)
    messages = [hold(payment_chain, 10 + n, lifetime_ms=500 + n) for n in range(5)]
    ok(payment_chain.run(messages, ALICE))
    released = [len(payment_chain.block([]).block_events) for _ in range(4)]
    assert released == [2, 2, 1, 0]
    assert line_of(payment_chain, ALICE, "USD") == Balance(Amount(1_000))


def test_expiry_oldest_first(payment_chain: Chain) -> None:
    late = hold(payment_chain, 2, lifetime_ms=1_500)
    early = hold(payment_chain, 1, lifetime_ms=1_000)
    ok(payment_chain.run([late, early], ALICE))
    events = payment_chain.block([], time_ms=payment_chain.next_time_ms + 1_000).block_events
    assert [event.amount for event in events] == [1, 2]  # type: ignore[attr-defined]


def test_expiry_after_a_long_gap(payment_chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets_logic, "HOLD_EXPIRY_BUCKETS_PER_BLOCK_MAX", 4)
    day_ms = 24 * 3600 * 1000
    ok(payment_chain.run(hold(payment_chain, 7, lifetime_ms=day_ms), ALICE))
    released = 0
    blocks = 0
    time_ms = payment_chain.next_time_ms + 2 * day_ms
    while not released and blocks < 2_000:
        released = len(payment_chain.block([], time_ms=time_ms + blocks).block_events)
        blocks += 1
    # A day is 1,319 buckets of 2**16 ms: at 4 a block the hook needs 330 blocks.
    assert released == 1 and 300 < blocks < 400
    raw = payment_chain.store.get(EXPIRY_CURSOR_KEY)
    assert raw is not None and decode(raw, ExpiryCursor).open_holds == 0


def test_expiry_cursor_idle_without_holds(payment_chain: Chain) -> None:
    assert payment_chain.store.get(EXPIRY_CURSOR_KEY) is None
    root = payment_chain.module_state()
    payment_chain.block([], time_ms=payment_chain.next_time_ms + 10**9)
    assert payment_chain.module_state() == root  # nothing open: the hook writes nothing


# -- queries ------------------------------------------------------------------------------


def test_query_holds_by_account_paginated(payment_chain: Chain) -> None:
    messages = [hold(payment_chain, n + 1, hold_id=bytes([n]) * 32) for n in range(3)]
    messages.append(hold(payment_chain, 9, payer=BOB, payee=ALICE, hold_id=bytes([9]) * 32))
    ok(payment_chain.run(messages, [ALICE, BOB]))
    stored = {
        client_hold_id(ALICE.address, bytes([n]) * 32): (n + 1, ALICE.address) for n in range(3)
    }
    stored[client_hold_id(BOB.address, bytes([9]) * 32)] = (9, BOB.address)
    in_order = [stored[hold_id] for hold_id in sorted(stored)]  # the query pages by id
    account = str(ALICE.address)
    page = payment_chain.app.query("assets", "holds", {"account": account, "limit": "2"})
    assert [(view.amount, view.payer) for view in page.holds] == in_order[:2]
    assert page.next == sorted(stored)[1].hex()
    rest = payment_chain.app.query("assets", "holds", {"account": account, "after": page.next})
    assert [(view.amount, view.payer) for view in rest.holds] == in_order[2:]
    assert rest.next is None
    carol = payment_chain.app.query("assets", "holds", {"account": str(CAROL.address)})
    assert (carol.holds, carol.next) == ([], None)


@pytest.mark.parametrize(
    ("name", "params", "not_found"),
    [
        ("hold", {"id": "zz"}, False),
        ("hold", {"id": "ab"}, False),
        ("hold", {"id": HOLD_ID.hex()}, True),
        ("holds", {}, False),
        ("holds", {"account": str(ALICE.address), "limit": "0"}, False),
        ("holds", {"account": str(ALICE.address), "limit": "x"}, False),
        ("holds", {"account": str(ALICE.address), "after": "00"}, False),
    ],
)
def test_invalid_query_holds(
    payment_chain: Chain, name: str, params: dict[str, str], not_found: bool
) -> None:
    with pytest.raises(QueryError) as raised:
        payment_chain.app.query("assets", name, params)
    assert raised.value.not_found is not_found


# -- the protocol, as another module calls it ---------------------------------------------


def test_protocol_hold_functions_return_events_and_emit_nothing(payment_chain: Chain) -> None:
    state = TxState(BlockState(payment_chain.store))
    time_ms = payment_chain.next_time_ms
    event = place_hold(
        state,
        hold_id=HOLD_ID,
        payer=ALICE.address,
        payee=BOB.address,
        symbol="USD",
        amount=Amount(40),
        expires_at_ms=time_ms + 1,
        time_ms=time_ms,
        height=9,
    )
    assert isinstance(event, HoldPlaced) and event.hold_id == HOLD_ID
    assert available_of(state, ALICE.address, "USD") == 960
    found = load_hold(state, HOLD_ID)
    assert found is not None and found.created_height == 9
    voided = void_hold(state, HOLD_ID, found, time_ms=time_ms)
    assert voided == HoldVoided(HOLD_ID, "USD", ALICE.address, Amount(40))
    assert available_of(state, ALICE.address, "USD") == 1_000
    assert payment_chain.store.get(EXPIRY_CURSOR_KEY) is None  # nothing committed
