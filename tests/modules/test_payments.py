"""payments: each state transition and each rejection of payment requests,
authorizations, refunds, escrow, channels and atomic swaps (issue #4)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from originledger.core.amounts import Amount
from originledger.core.codes import TxCode
from originledger.core.crypto import sha256
from originledger.modules.assets import AssetsCode, available_of, client_hold_id, load_hold
from originledger.modules.assets.types import PlaceHold, PostHold
from originledger.modules.payments import (
    PAYMENTS_ACCOUNT,
    PaymentsCode,
    authorization_hold_id,
    claim_digest,
    derive_id,
    load_authorization,
    load_channel,
    load_escrow,
    load_request,
)
from originledger.modules.payments.types import (
    AcceptedAsset,
    Authorize,
    CancelEscrow,
    CancelRequest,
    Capture,
    ClaimChannel,
    CloseChannel,
    CreateEscrow,
    CreateRequest,
    FundChannel,
    Leg,
    OpenChannel,
    PayRequest,
    Refund,
    ReleaseEscrow,
    SettleChannel,
    Swap,
    VoidAuthorization,
)
from tests.conftest import ALICE, BOB, CAROL, CHAIN_ID, Chain, assert_failed, party
from tests.modules.payments_helpers import event_of, payments_chain

MERCHANT = BOB
DEVICE = party("device")  # a machine's claim key, apart from its owner's account key


@pytest.fixture
def chain() -> Iterator[Chain]:
    yield from payments_chain()


def _id(label: str) -> bytes:
    return sha256(label.encode())


def _request(chain: Chain, amount: int = 5_000, **options: object) -> CreateRequest:
    fields: dict[str, object] = {
        "expires_at_ms": chain.next_time_ms + 60_000,
        "reference": "order-1",
        "request_id": _id("request"),
    }
    fields.update(options)
    return CreateRequest(MERCHANT.address, "USD", Amount(amount), **fields)  # type: ignore[arg-type]


# Payment requests -------------------------------------------------------------------------


def test_pay_request_settles_in_one_block(chain: Chain) -> None:
    assert chain.run(_request(chain), MERCHANT).result.ok
    before = chain.balance(MERCHANT, "USD")
    outcome = chain.run(
        PayRequest(ALICE.address, MERCHANT.address, _id("request"), "USD", Amount(5_000)), ALICE
    )
    assert outcome.result.ok
    paid = event_of(outcome, "RequestPaid")
    assert paid.payer == ALICE.address and paid.reference == "order-1"  # type: ignore[attr-defined]
    assert chain.balance(MERCHANT, "USD") == before + 5_000
    record = load_request(chain.store, _id("request"))
    assert record is not None and record.status == "paid" and record.payer == ALICE.address


def test_create_request_derives_its_id_from_the_transaction(chain: Chain) -> None:
    raw = chain.tx(_request(chain, request_id=None), MERCHANT)
    outcome = chain.block([raw]).txs[0]
    created = event_of(outcome, "RequestCreated")
    assert created.request_id == derive_id("request", outcome.hash, 0)  # type: ignore[attr-defined]


def test_pay_request_in_an_accepted_alternative(chain: Chain) -> None:
    accepted = [AcceptedAsset("EUR", Amount(4_600))]
    assert chain.run(_request(chain, accepted=accepted), MERCHANT).result.ok
    assert chain.run(
        PayRequest(ALICE.address, MERCHANT.address, _id("request"), "EUR", Amount(4_600)), ALICE
    ).result.ok
    assert chain.balance(MERCHANT, "EUR") == 3_000 + 4_600


def test_invalid_pay_twice(chain: Chain) -> None:
    chain.run(_request(chain), MERCHANT)
    pay = PayRequest(ALICE.address, MERCHANT.address, _id("request"), "USD", Amount(5_000))
    assert chain.run(pay, ALICE).result.ok
    assert_failed(chain.run(pay, ALICE), PaymentsCode.REQUEST_PAID)


def test_invalid_pay_expired_request(chain: Chain) -> None:
    chain.run(_request(chain, expires_at_ms=chain.next_time_ms + 1_500), MERCHANT)
    chain.block([])
    outcome = chain.run(
        PayRequest(ALICE.address, MERCHANT.address, _id("request"), "USD", Amount(5_000)), ALICE
    )
    assert_failed(outcome, PaymentsCode.REQUEST_EXPIRED)


@pytest.mark.parametrize(
    ("symbol", "amount", "code"),
    [
        ("USD", 4_999, PaymentsCode.WRONG_AMOUNT),
        ("EUR", 5_000, PaymentsCode.WRONG_ASSET),
    ],
)
def test_invalid_pay_wrong_amount_or_asset(
    chain: Chain, symbol: str, amount: int, code: PaymentsCode
) -> None:
    chain.run(_request(chain), MERCHANT)
    outcome = chain.run(
        PayRequest(ALICE.address, MERCHANT.address, _id("request"), symbol, Amount(amount)), ALICE
    )
    assert_failed(outcome, code)


def test_invalid_pay_without_funds(chain: Chain) -> None:
    chain.run(_request(chain, amount=9_000), MERCHANT)
    outcome = chain.run(
        PayRequest(CAROL.address, MERCHANT.address, _id("request"), "USD", Amount(9_000)), CAROL
    )
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)


def test_invalid_pay_unknown_request(chain: Chain) -> None:
    outcome = chain.run(
        PayRequest(ALICE.address, MERCHANT.address, _id("nope"), "USD", Amount(1)), ALICE
    )
    assert_failed(outcome, PaymentsCode.REQUEST_NOT_FOUND)


def test_cancel_request_then_paying_is_refused(chain: Chain) -> None:
    chain.run(_request(chain), MERCHANT)
    assert_failed(
        chain.run(CancelRequest(ALICE.address, _id("request")), ALICE), PaymentsCode.NOT_MERCHANT
    )
    assert chain.run(CancelRequest(MERCHANT.address, _id("request")), MERCHANT).result.ok
    outcome = chain.run(
        PayRequest(ALICE.address, MERCHANT.address, _id("request"), "USD", Amount(5_000)), ALICE
    )
    assert_failed(outcome, PaymentsCode.REQUEST_CANCELLED)


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"expires_at_ms": 1}, PaymentsCode.TIME_INVALID),
        ({"request_id": b"short"}, PaymentsCode.INVALID_ID),
        ({"reference": "x" * 65}, PaymentsCode.INVALID_REFERENCE),
        ({"accepted": [AcceptedAsset("USD", Amount(1))]}, PaymentsCode.INVALID_ALTERNATIVES),
        ({"accepted": [AcceptedAsset("EUR", Amount(0))]}, PaymentsCode.INVALID_ALTERNATIVES),
        ({"accepted": [AcceptedAsset("NOPE", Amount(1))]}, AssetsCode.ASSET_NOT_FOUND),
    ],
)
def test_invalid_create_request(chain: Chain, options: dict[str, object], code: object) -> None:
    assert_failed(chain.run(_request(chain, **options), MERCHANT), code)  # type: ignore[arg-type]


def test_invalid_create_request_id_taken(chain: Chain) -> None:
    chain.run(_request(chain), MERCHANT)
    assert_failed(chain.run(_request(chain), MERCHANT), PaymentsCode.ID_TAKEN)


# Authorizations, captures, voids, expiry, refunds ---------------------------------------------


def _authorize(chain: Chain, amount: int = 1_000, lifetime_ms: int = 60_000) -> Authorize:
    return Authorize(
        ALICE.address,
        MERCHANT.address,
        "USD",
        Amount(amount),
        chain.next_time_ms + lifetime_ms,
        "booking-7",
        _id("auth"),
    )


def test_authorize_holds_the_amount_on_the_payer(chain: Chain) -> None:
    outcome = chain.run(_authorize(chain), ALICE)
    assert outcome.result.ok
    assert chain.balance(ALICE, "USD") == 10_000
    assert available_of(chain.store, ALICE.address, "USD") == 9_000
    record = load_authorization(chain.store, _id("auth"))
    assert record is not None
    hold = load_hold(chain.store, record.hold_id)
    assert hold is not None and hold.payee == PAYMENTS_ACCOUNT and hold.amount == 1_000


def test_capture_several_times_up_to_the_authorized_amount(chain: Chain) -> None:
    chain.run(_authorize(chain), ALICE)
    first = chain.run(Capture(MERCHANT.address, _id("auth"), Amount(300)), MERCHANT)
    assert first.result.ok
    captured = event_of(first, "Captured")
    assert (captured.captured, captured.remaining) == (300, 700)  # type: ignore[attr-defined]
    assert available_of(chain.store, ALICE.address, "USD") == 10_000 - 1_000
    assert chain.balance(MERCHANT, "USD") == 1_300
    assert chain.run(Capture(MERCHANT.address, _id("auth"), Amount(700)), MERCHANT).result.ok
    record = load_authorization(chain.store, _id("auth"))
    assert record is not None and record.status == "closed" and record.captured == 1_000
    assert (
        chain.balance(ALICE, "USD") == 9_000
        and available_of(chain.store, ALICE.address, "USD") == 9_000
    )
    outcome = chain.run(Capture(MERCHANT.address, _id("auth"), Amount(1)), MERCHANT)
    assert_failed(outcome, PaymentsCode.AUTHORIZATION_CLOSED)


def test_invalid_capture_beyond_the_authorized_amount(chain: Chain) -> None:
    chain.run(_authorize(chain), ALICE)
    chain.run(Capture(MERCHANT.address, _id("auth"), Amount(600)), MERCHANT)
    outcome = chain.run(Capture(MERCHANT.address, _id("auth"), Amount(401)), MERCHANT)
    assert_failed(outcome, PaymentsCode.CAPTURE_EXCEEDS_AUTHORIZED)


def test_capture_final_releases_the_rest(chain: Chain) -> None:
    chain.run(_authorize(chain), ALICE)
    outcome = chain.run(Capture(MERCHANT.address, _id("auth"), Amount(250), final=True), MERCHANT)
    assert event_of(outcome, "Captured").remaining == 0  # type: ignore[attr-defined]
    assert available_of(chain.store, ALICE.address, "USD") == 9_750


def test_invalid_capture_by_another_account(chain: Chain) -> None:
    chain.run(_authorize(chain), ALICE)
    outcome = chain.run(Capture(CAROL.address, _id("auth"), Amount(1)), CAROL)
    assert_failed(outcome, PaymentsCode.NOT_MERCHANT)


def test_invalid_capture_unknown_authorization(chain: Chain) -> None:
    outcome = chain.run(Capture(MERCHANT.address, _id("none"), Amount(1)), MERCHANT)
    assert_failed(outcome, PaymentsCode.AUTHORIZATION_NOT_FOUND)


def test_invalid_hold_posted_directly_by_the_merchant(chain: Chain) -> None:
    chain.run(_authorize(chain), ALICE)
    record = load_authorization(chain.store, _id("auth"))
    assert record is not None
    outcome = chain.run(PostHold(MERCHANT.address, record.hold_id, Amount(1_000)), MERCHANT)
    assert_failed(outcome, AssetsCode.NOT_PAYEE)


def test_void_authorization_releases_what_is_left(chain: Chain) -> None:
    chain.run(_authorize(chain), ALICE)
    chain.run(Capture(MERCHANT.address, _id("auth"), Amount(100)), MERCHANT)
    outcome = chain.run(VoidAuthorization(MERCHANT.address, _id("auth")), MERCHANT)
    assert event_of(outcome, "AuthorizationVoided").released == 900  # type: ignore[attr-defined]
    assert available_of(chain.store, ALICE.address, "USD") == 9_900
    again = chain.run(VoidAuthorization(MERCHANT.address, _id("auth")), MERCHANT)
    assert_failed(again, PaymentsCode.AUTHORIZATION_CLOSED)


def test_authorization_expires_at_the_end_of_the_block(chain: Chain) -> None:
    chain.run(_authorize(chain, lifetime_ms=1_000), ALICE)
    outcome = chain.block([])
    names = [type(record.event).__name__ for record in outcome.event_records()]
    assert "AuthorizationExpired" in names
    record = load_authorization(chain.store, _id("auth"))
    assert record is not None and record.status == "expired"
    assert available_of(chain.store, ALICE.address, "USD") == 10_000
    late = chain.run(Capture(MERCHANT.address, _id("auth"), Amount(1)), MERCHANT)
    assert_failed(late, PaymentsCode.AUTHORIZATION_CLOSED)


def _squat(chain: Chain, chosen: bytes) -> bytes:
    """CAROL places a hold with ``chosen`` as its client-chosen id; return the stored id."""
    message = PlaceHold(
        CAROL.address, BOB.address, "USD", Amount(1), chain.next_time_ms + 60_000, chosen
    )
    outcome = chain.run(message, CAROL)
    assert outcome.result.ok, outcome.result
    return bytes(event_of(outcome, "HoldPlaced").hold_id)  # type: ignore[attr-defined]


def test_regression_hold_id_cannot_squat_an_authorization(chain: Chain) -> None:
    # The ids of an authorization's holds are predictable from its id. Before the fix a
    # hold placed first under them made the authorization (HOLD_EXISTS) or its partial
    # capture fail; now a chosen id lives in CAROL's namespace and cannot reach them.
    first, second = (authorization_hold_id(_id("auth"), n) for n in (0, 1))
    assert _squat(chain, first) == client_hold_id(CAROL.address, first) != first
    assert _squat(chain, second) != second
    outcome = chain.run(_authorize(chain), ALICE)
    assert outcome.result.ok, outcome.result
    assert event_of(outcome, "Authorized").hold_id == first  # type: ignore[attr-defined]
    partial = chain.run(Capture(MERCHANT.address, _id("auth"), Amount(300)), MERCHANT)
    assert partial.result.ok, partial.result
    record = load_authorization(chain.store, _id("auth"))
    assert record is not None and record.hold_id == second
    hold = load_hold(chain.store, second)
    assert hold is not None and hold.payer == ALICE.address and hold.amount == 700


def test_regression_finished_authorization_hold_id_cannot_be_reused(chain: Chain) -> None:
    # The simulator's case (seed 12013): an authorization expires, then another account
    # places a hold with its hold's id. Before the fix the closed authorization pointed at
    # a hold that was not its own and payments.captured_within_authorized broke (checked
    # after every block here, a halt under live invariants).
    chain.run(_authorize(chain, lifetime_ms=1_000), ALICE)
    chain.block([])
    record = load_authorization(chain.store, _id("auth"))
    assert record is not None and record.status == "expired"
    assert load_hold(chain.store, record.hold_id) is None
    assert _squat(chain, record.hold_id) != record.hold_id
    assert load_hold(chain.store, record.hold_id) is None
    chain.block([])  # every invariant holds


def test_invalid_capture_at_expiry(chain: Chain) -> None:
    chain.run(_authorize(chain, lifetime_ms=1_000), ALICE)
    raw = chain.tx(Capture(MERCHANT.address, _id("auth"), Amount(1)), MERCHANT)
    assert_failed(chain.block([raw]).txs[0], PaymentsCode.AUTHORIZATION_EXPIRED)


@pytest.mark.parametrize(
    ("amount", "lifetime_ms", "code"),
    [
        (10_001, 60_000, AssetsCode.INSUFFICIENT_BALANCE),
        (1, 31 * 24 * 3600 * 1000, PaymentsCode.TIME_INVALID),
    ],
)
def test_invalid_authorize(chain: Chain, amount: int, lifetime_ms: int, code: object) -> None:
    outcome = chain.run(_authorize(chain, amount, lifetime_ms), ALICE)
    assert_failed(outcome, code)  # type: ignore[arg-type]


def test_refund_part_then_the_rest_of_a_capture(chain: Chain) -> None:
    chain.run(_authorize(chain), ALICE)
    chain.run(Capture(MERCHANT.address, _id("auth"), Amount(400), final=True), MERCHANT)
    refund = chain.run(Refund(MERCHANT.address, _id("auth"), Amount(150), "damaged"), MERCHANT)
    assert event_of(refund, "Refunded").refunded == 150  # type: ignore[attr-defined]
    assert chain.run(Refund(MERCHANT.address, _id("auth"), Amount(250)), MERCHANT).result.ok
    assert chain.balance(ALICE, "USD") == 10_000
    outcome = chain.run(Refund(MERCHANT.address, _id("auth"), Amount(1)), MERCHANT)
    assert_failed(outcome, PaymentsCode.REFUND_EXCEEDS_SETTLED)


def test_refund_of_a_paid_request(chain: Chain) -> None:
    chain.run(_request(chain), MERCHANT)
    chain.run(
        PayRequest(ALICE.address, MERCHANT.address, _id("request"), "USD", Amount(5_000)), ALICE
    )
    assert chain.run(Refund(MERCHANT.address, _id("request"), Amount(500)), MERCHANT).result.ok
    assert chain.balance(ALICE, "USD") == 10_000 - 4_500
    outcome = chain.run(Refund(MERCHANT.address, _id("request"), Amount(4_501)), MERCHANT)
    assert_failed(outcome, PaymentsCode.REFUND_EXCEEDS_SETTLED)


def test_invalid_refund_of_an_unpaid_request_or_by_another(chain: Chain) -> None:
    chain.run(_request(chain), MERCHANT)
    outcome = chain.run(Refund(MERCHANT.address, _id("request"), Amount(1)), MERCHANT)
    assert_failed(outcome, PaymentsCode.PAYMENT_NOT_FOUND)
    chain.run(
        PayRequest(ALICE.address, MERCHANT.address, _id("request"), "USD", Amount(5_000)), ALICE
    )
    outcome = chain.run(Refund(CAROL.address, _id("request"), Amount(1)), CAROL)
    assert_failed(outcome, PaymentsCode.NOT_MERCHANT)


# Escrow -----------------------------------------------------------------------------------------


def _escrow(chain: Chain, **options: object) -> CreateEscrow:
    fields: dict[str, object] = {"escrow_id": _id("escrow")}
    fields.update(options)
    return CreateEscrow(ALICE.address, CAROL.address, "USD", Amount(2_500), **fields)  # type: ignore[arg-type]


def test_escrow_released_by_time_once(chain: Chain) -> None:
    release_at = chain.next_time_ms + 2_000
    assert chain.run(_escrow(chain, release_after_ms=release_at), ALICE).result.ok
    assert chain.balance(ALICE, "USD") == 7_500
    assert chain.balance(PAYMENTS_ACCOUNT, "USD") == 2_500
    early = chain.run(ReleaseEscrow(CAROL.address, _id("escrow")), CAROL)
    assert_failed(early, PaymentsCode.ESCROW_NOT_RELEASABLE_YET)
    assert chain.run(ReleaseEscrow(BOB.address, _id("escrow")), BOB).result.ok  # anyone
    assert chain.balance(CAROL, "USD") == 4_500
    again = chain.run(ReleaseEscrow(CAROL.address, _id("escrow")), CAROL)
    assert_failed(again, PaymentsCode.ESCROW_FINISHED)
    assert_failed(
        chain.run(CancelEscrow(CAROL.address, _id("escrow")), CAROL), PaymentsCode.ESCROW_FINISHED
    )


def test_escrow_released_by_the_preimage(chain: Chain) -> None:
    bill_of_lading = b"B/L 2026-0042: 40 cartons of tea, Shanghai to Rotterdam"
    options = {"hash_lock": sha256(bill_of_lading), "cancel_after_ms": chain.next_time_ms + 60_000}
    chain.run(_escrow(chain, **options), ALICE)
    wrong = chain.run(ReleaseEscrow(CAROL.address, _id("escrow"), b"forged"), CAROL)
    assert_failed(wrong, PaymentsCode.PREIMAGE_MISMATCH)
    missing = chain.run(ReleaseEscrow(CAROL.address, _id("escrow")), CAROL)
    assert_failed(missing, PaymentsCode.PREIMAGE_MISMATCH)
    outcome = chain.run(ReleaseEscrow(CAROL.address, _id("escrow"), bill_of_lading), CAROL)
    assert event_of(outcome, "EscrowReleased").preimage == bill_of_lading  # type: ignore[attr-defined]
    record = load_escrow(chain.store, _id("escrow"))
    assert record is not None and record.status == "released"


def test_escrow_cancelled_after_its_cancel_time(chain: Chain) -> None:
    options = {"hash_lock": sha256(b"x"), "cancel_after_ms": chain.next_time_ms + 1_500}
    chain.run(_escrow(chain, **options), ALICE)
    early = chain.run(CancelEscrow(ALICE.address, _id("escrow")), ALICE)
    assert_failed(early, PaymentsCode.ESCROW_NOT_CANCELLABLE_YET)
    late = chain.run(ReleaseEscrow(CAROL.address, _id("escrow"), b"x"), CAROL)
    assert_failed(late, PaymentsCode.ESCROW_CANCEL_TIME_PASSED)
    assert chain.run(CancelEscrow(ALICE.address, _id("escrow")), ALICE).result.ok
    assert chain.balance(ALICE, "USD") == 10_000


def test_escrow_cancelled_by_the_payee_any_time(chain: Chain) -> None:
    chain.run(_escrow(chain, release_after_ms=chain.next_time_ms + 600_000), ALICE)
    assert chain.run(CancelEscrow(CAROL.address, _id("escrow")), CAROL).result.ok
    assert chain.balance(ALICE, "USD") == 10_000


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({}, PaymentsCode.INVALID_CONDITIONS),
        ({"release_after_ms": 10, "cancel_after_ms": 10}, PaymentsCode.INVALID_CONDITIONS),
        ({"hash_lock": bytes(32)}, PaymentsCode.INVALID_CONDITIONS),
        ({"hash_lock": bytes(31), "cancel_after_ms": 2**40}, PaymentsCode.INVALID_HASH_LOCK),
        ({"release_after_ms": 1, "cancel_after_ms": 2}, PaymentsCode.TIME_INVALID),
        ({"release_after_ms": 2**45}, PaymentsCode.TIME_INVALID),
        ({"release_after_ms": 2**62}, PaymentsCode.TIME_OUT_OF_RANGE),
    ],
)
def test_invalid_create_escrow(chain: Chain, options: dict[str, object], code: object) -> None:
    assert_failed(chain.run(_escrow(chain, **options), ALICE), code)  # type: ignore[arg-type]


# Channels ---------------------------------------------------------------------------------------


def _open(chain: Chain, deposit: int = 1_000, window_ms: int = 5_000) -> OpenChannel:
    return OpenChannel(
        ALICE.address,
        BOB.address,
        "USD",
        Amount(deposit),
        DEVICE.key.public_key,
        window_ms,
        _id("channel"),
    )


def _claim(amount: int, chain_id: str = CHAIN_ID) -> ClaimChannel:
    signature = DEVICE.key.sign(claim_digest(chain_id, _id("channel"), amount))
    return ClaimChannel(BOB.address, _id("channel"), Amount(amount), signature)


def test_channel_claims_pay_the_difference(chain: Chain) -> None:
    assert chain.run(_open(chain), ALICE).result.ok
    assert chain.balance(ALICE, "USD") == 9_000
    assert chain.run(_claim(120), BOB).result.ok
    outcome = chain.run(_claim(335), BOB)
    assert event_of(outcome, "ChannelClaimed").amount == 215  # type: ignore[attr-defined]
    assert chain.balance(BOB, "USD") == 1_335
    assert_failed(chain.run(_claim(300), BOB), PaymentsCode.CLAIM_NOT_NEWER)
    assert_failed(chain.run(_claim(1_001), BOB), PaymentsCode.CLAIM_EXCEEDS_DEPOSIT)


def test_invalid_claim_signatures(chain: Chain) -> None:
    chain.run(_open(chain), ALICE)
    assert_failed(chain.run(_claim(10, "another-chain"), BOB), PaymentsCode.CLAIM_SIGNATURE_INVALID)
    forged = ClaimChannel(BOB.address, _id("channel"), Amount(10), bytes(64))
    assert_failed(chain.run(forged, BOB), PaymentsCode.CLAIM_SIGNATURE_INVALID)
    by_sender = ClaimChannel(ALICE.address, _id("channel"), Amount(10), bytes(64))
    assert_failed(chain.run(by_sender, ALICE), PaymentsCode.NOT_CHANNEL_PARTY)


def test_channel_sender_close_waits_for_the_dispute_window(chain: Chain) -> None:
    chain.run(_open(chain, window_ms=10_000), ALICE)
    chain.run(_claim(100), BOB)
    closing = chain.run(CloseChannel(ALICE.address, _id("channel")), ALICE)
    assert event_of(closing, "ChannelClosing") is not None
    assert_failed(
        chain.run(FundChannel(ALICE.address, _id("channel"), Amount(5)), ALICE),
        PaymentsCode.CHANNEL_CLOSING,
    )
    early = chain.run(SettleChannel(CAROL.address, _id("channel")), CAROL)
    assert_failed(early, PaymentsCode.DISPUTE_WINDOW_OPEN)
    assert chain.run(_claim(400), BOB).result.ok  # the recipient's latest claim, in time
    chain.block([], time_ms=chain.time_ms + 10_000)
    outcome = chain.run(SettleChannel(CAROL.address, _id("channel")), CAROL)
    closed = event_of(outcome, "ChannelClosed")
    assert (closed.paid, closed.returned) == (400, 600)  # type: ignore[attr-defined]
    assert chain.balance(ALICE, "USD") == 9_600 and chain.balance(BOB, "USD") == 1_400
    assert_failed(chain.run(_claim(500), BOB), PaymentsCode.CHANNEL_CLOSED)


def test_channel_recipient_close_is_immediate(chain: Chain) -> None:
    chain.run(_open(chain), ALICE)
    assert chain.run(FundChannel(ALICE.address, _id("channel"), Amount(500)), ALICE).result.ok
    chain.run(_claim(1_200), BOB)
    assert chain.run(CloseChannel(BOB.address, _id("channel")), BOB).result.ok
    record = load_channel(chain.store, _id("channel"))
    assert record is not None and record.status == "closed"
    assert chain.balance(ALICE, "USD") == 10_000 - 1_200
    assert chain.balance(PAYMENTS_ACCOUNT, "USD") == 0
    assert_failed(
        chain.run(SettleChannel(CAROL.address, _id("channel")), CAROL), PaymentsCode.CHANNEL_CLOSED
    )


def test_invalid_channel_messages(chain: Chain) -> None:
    assert_failed(
        chain.run(SettleChannel(CAROL.address, _id("channel")), CAROL),
        PaymentsCode.CHANNEL_NOT_FOUND,
    )
    chain.run(_open(chain), ALICE)
    assert_failed(
        chain.run(SettleChannel(CAROL.address, _id("channel")), CAROL), PaymentsCode.NOT_CLOSING
    )
    assert_failed(
        chain.run(CloseChannel(CAROL.address, _id("channel")), CAROL),
        PaymentsCode.NOT_CHANNEL_PARTY,
    )
    assert_failed(chain.run(_open(chain), ALICE), PaymentsCode.ID_TAKEN)
    bad_key = OpenChannel(ALICE.address, BOB.address, "USD", Amount(1), b"k", 5_000)
    assert_failed(chain.run(bad_key, ALICE), PaymentsCode.INVALID_CLAIM_KEY)
    bad_window = OpenChannel(ALICE.address, BOB.address, "USD", Amount(1), DEVICE.key.public_key, 0)
    assert_failed(chain.run(bad_window, ALICE), PaymentsCode.INVALID_DISPUTE_WINDOW)


# Atomic swaps -----------------------------------------------------------------------------------


def test_swap_payment_versus_payment(chain: Chain) -> None:
    legs = [
        Leg(ALICE.address, BOB.address, "USD", Amount(1_100)),
        Leg(BOB.address, ALICE.address, "EUR", Amount(1_000)),
    ]
    assert chain.run(Swap(legs, "fx 1.10"), [ALICE, BOB]).result.ok
    assert (chain.balance(ALICE, "USD"), chain.balance(ALICE, "EUR")) == (8_900, 6_000)
    assert (chain.balance(BOB, "USD"), chain.balance(BOB, "EUR")) == (2_100, 2_000)


def test_swap_delivery_versus_payment(chain: Chain) -> None:
    legs = [
        Leg(BOB.address, ALICE.address, "BOND", Amount(10)),
        Leg(ALICE.address, BOB.address, "USD", Amount(990)),
    ]
    assert chain.run(Swap(legs), [BOB, ALICE]).result.ok
    assert chain.balance(ALICE, "BOND") == 10 and chain.balance(BOB, "USD") == 1_990


def test_invalid_swap_one_leg_fails_and_none_settles(chain: Chain) -> None:
    before = chain.module_state()
    legs = [
        Leg(ALICE.address, CAROL.address, "USD", Amount(1_000)),
        Leg(CAROL.address, ALICE.address, "BOND", Amount(1)),  # carol is not authorized
    ]
    outcome = chain.run(Swap(legs), [ALICE, CAROL])
    assert_failed(outcome, AssetsCode.NOT_AUTHORIZED)
    after = {k: v for k, v in chain.module_state().items() if not k.startswith(b"accounts/")}
    assert after == {k: v for k, v in before.items() if not k.startswith(b"accounts/")}


def test_invalid_swap_without_every_signature(chain: Chain) -> None:
    legs = [
        Leg(ALICE.address, BOB.address, "USD", Amount(1)),
        Leg(BOB.address, ALICE.address, "EUR", Amount(1)),
    ]
    outcome = chain.run(Swap(legs), ALICE)
    assert outcome.result.codespace == "tx" and outcome.result.code == TxCode.SIGNER_MISSING


@pytest.mark.parametrize(
    "legs",
    [
        [],
        [Leg(ALICE.address, ALICE.address, "USD", Amount(1))],
        [Leg(ALICE.address, BOB.address, "USD", Amount(0))],
    ],
)
def test_invalid_swap_legs(chain: Chain, legs: list[Leg]) -> None:
    assert_failed(chain.run(Swap(legs), ALICE), PaymentsCode.INVALID_LEGS)


def test_authorizations_expire_across_buckets_oldest_first(chain: Chain) -> None:
    first = _authorize(chain, 100, lifetime_ms=200_000)
    second = Authorize(
        ALICE.address,
        MERCHANT.address,
        "USD",
        Amount(200),
        first.expires_at_ms + 70_000,
        authorization_id=_id("second"),
    )
    assert chain.run([first, second], ALICE).result.ok
    assert available_of(chain.store, ALICE.address, "USD") == 9_700
    # Ten minutes later (several 2**16 ms buckets): both expire in one block, oldest first.
    outcome = chain.block([], time_ms=chain.time_ms + 600_000)
    expired = [
        record.event.authorization_id  # type: ignore[attr-defined]
        for record in outcome.event_records()
        if type(record.event).__name__ == "AuthorizationExpired"
    ]
    assert expired == [_id("auth"), _id("second")]
    assert available_of(chain.store, ALICE.address, "USD") == 10_000
    chain.block([])  # nothing open: the hook reads the cursor and stops
