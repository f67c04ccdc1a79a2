"""payments: the edges mutation testing found untested (issue #11): request squatting,
every step whose own transfer fails (escrow and channel deposits a payer cannot fund,
payouts and returns blocked by the asset's controls), every deadline at exactly its
boundary (t - 1, t, t + 1 ms), funding a closed channel, and unknown ids."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from originledger.app import TxOutcome
from originledger.core.amounts import Amount
from originledger.core.crypto import sha256
from originledger.core.tx import Msg
from originledger.modules.assets import AssetsCode, available_of, client_hold_id, load_hold
from originledger.modules.assets import logic as assets_logic
from originledger.modules.assets.types import (
    Freeze,
    Mint,
    Pause,
    PlaceHold,
    Transfer,
    Transferred,
)
from originledger.modules.attest.types import Revoke
from originledger.modules.compliance import ComplianceCode
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
from originledger.modules.payments import logic as payments_logic
from originledger.modules.payments.logic import load_locked
from originledger.modules.payments.types import (
    AUTHORIZATION_DURATION_MS_MAX,
    AUTHORIZATION_EXPIRY_BUCKET_BITS,
    AUTHORIZATION_EXPIRY_BUCKETS_PER_BLOCK_MAX,
    DISPUTE_WINDOW_MS_MAX,
    DISPUTE_WINDOW_MS_MIN,
    ESCROW_DURATION_MS_MAX,
    REQUEST_DURATION_MS_MAX,
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
    RequestCreated,
    SettleChannel,
    Swap,
    VoidAuthorization,
)
from tests.conftest import (
    ALICE,
    BOB,
    CAROL,
    CHAIN_ID,
    ISSUER,
    Chain,
    Party,
    assert_failed,
    close_chain,
    party,
)
from tests.modules.compliance_helpers import (
    KYC,
    claim,
    compliance_genesis,
    issue,
    ok,
    trust_in_asset,
)
from tests.modules.payments_helpers import event_of, payments_chain

MERCHANT = BOB
SQUATTER = CAROL
DEVICE = party("device")
ID = sha256(b"the id")
UNKNOWN = sha256(b"never created")


@pytest.fixture
def chain() -> Iterator[Chain]:
    yield from payments_chain()


def _at(chain: Chain, time_ms: int, message: Msg, signer: Party, gap_ms: int = 1) -> TxOutcome:
    """``message`` in a block of time exactly ``time_ms`` (an empty block ``gap_ms``
    before it when the chain is further behind, so the transaction is within its
    lifetime)."""
    if time_ms - gap_ms > chain.time_ms:
        chain.block([], time_ms=time_ms - gap_ms)
    return chain.block([chain.tx(message, signer)], time_ms=time_ms).txs[0]


def _pause(chain: Chain, paused: bool) -> None:
    assert chain.run(Pause(ISSUER.address, "USD", paused), ISSUER).result.ok


def _module_books(chain: Chain) -> tuple[int, int]:
    """What the module account holds and what it owes, in USD."""
    return chain.balance(PAYMENTS_ACCOUNT, "USD"), int(load_locked(chain.store, "USD"))


# Request squatting ------------------------------------------------------------------------


def test_regression_request_squatting_cannot_redirect_payment(chain: Chain) -> None:
    """The merchant's URI (merchant, id) is public and its CreateRequest is visible in the
    mempool; a squatter registers the same id first, for the same amount. Before the fix
    the payer's pay (id, asset, amount) paid the squatter. The pay now names the merchant
    it means, and a request of anyone else under that id is refused: nothing moves."""
    expires = chain.next_time_ms + 60_000
    squat = CreateRequest(SQUATTER.address, "USD", Amount(5_000), expires, "order-1", [], ID)
    real = CreateRequest(MERCHANT.address, "USD", Amount(5_000), expires, "order-1", [], ID)
    # The squatter's copy is ordered first in the block; the merchant's then finds the id taken.
    outcome = chain.block([chain.tx(squat, SQUATTER), chain.tx(real, MERCHANT)])
    assert outcome.txs[0].result.ok
    assert_failed(outcome.txs[1], PaymentsCode.ID_TAKEN)
    before = {party: chain.balance(party, "USD") for party in (ALICE, MERCHANT, SQUATTER)}
    pay = PayRequest(ALICE.address, MERCHANT.address, ID, "USD", Amount(5_000))
    assert_failed(chain.run(pay, ALICE), PaymentsCode.WRONG_MERCHANT)
    assert {party: chain.balance(party, "USD") for party in before} == before
    record = load_request(chain.store, ID)
    assert record is not None and record.status == "open" and record.payer is None


def test_pay_names_the_merchant_it_pays(chain: Chain) -> None:
    expires = chain.next_time_ms + 60_000
    create = CreateRequest(MERCHANT.address, "USD", Amount(5_000), expires, request_id=ID)
    assert chain.run(create, MERCHANT).result.ok
    pay = PayRequest(ALICE.address, MERCHANT.address, ID, "USD", Amount(5_000))
    assert chain.run(pay, ALICE).result.ok
    assert chain.balance(MERCHANT, "USD") == 1_000 + 5_000


def test_invalid_pay_wrong_merchant_before_the_request_status(chain: Chain) -> None:
    """Precedence: another merchant's request answers WRONG_MERCHANT even when it is
    cancelled (the payer learns it is not the request it meant, not its state)."""
    expires = chain.next_time_ms + 60_000
    create = CreateRequest(SQUATTER.address, "USD", Amount(5), expires, request_id=ID)
    assert chain.run(create, SQUATTER).result.ok
    assert chain.run(CancelRequest(SQUATTER.address, ID), SQUATTER).result.ok
    pay = PayRequest(ALICE.address, MERCHANT.address, ID, "USD", Amount(5))
    assert_failed(chain.run(pay, ALICE), PaymentsCode.WRONG_MERCHANT)


def test_invalid_pay_to_oneself_is_a_stateless_failure(chain: Chain) -> None:
    pay = PayRequest(MERCHANT.address, MERCHANT.address, ID, "USD", Amount(5))
    failure = pay.validate()
    assert failure is not None and failure.code == PaymentsCode.SELF_PAYMENT
    assert_failed(chain.run(pay, MERCHANT), PaymentsCode.SELF_PAYMENT)


# The step's own transfer fails: nothing is booked ---------------------------------------------


def _escrow(amount: int, **options: object) -> CreateEscrow:
    fields: dict[str, object] = {"escrow_id": ID, "release_after_ms": 1}
    fields.update(options)
    return CreateEscrow(ALICE.address, CAROL.address, "USD", Amount(amount), **fields)  # type: ignore[arg-type]


def _channel(deposit: int, window_ms: int = 5_000) -> OpenChannel:
    return OpenChannel(
        ALICE.address, BOB.address, "USD", Amount(deposit), DEVICE.key.public_key, window_ms, ID
    )


def _claim(amount: int) -> ClaimChannel:
    signature = DEVICE.key.sign(claim_digest(CHAIN_ID, ID, amount))
    return ClaimChannel(BOB.address, ID, Amount(amount), signature)


def test_invalid_create_escrow_the_payer_cannot_fund(chain: Chain) -> None:
    outcome = chain.run(_escrow(10_001), ALICE)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)
    assert load_escrow(chain.store, ID) is None
    assert _module_books(chain) == (0, 0)
    assert chain.balance(ALICE, "USD") == 10_000


def test_invalid_release_escrow_blocked_payout_stays_open(chain: Chain) -> None:
    assert chain.run(_escrow(2_500), ALICE).result.ok
    _pause(chain, True)
    outcome = chain.run(ReleaseEscrow(CAROL.address, ID), CAROL)
    assert_failed(outcome, AssetsCode.PAUSED)
    record = load_escrow(chain.store, ID)
    assert record is not None and record.status == "open"
    assert _module_books(chain) == (2_500, 2_500) and chain.balance(CAROL, "USD") == 2_000
    _pause(chain, False)
    assert chain.run(ReleaseEscrow(CAROL.address, ID), CAROL).result.ok
    assert _module_books(chain) == (0, 0) and chain.balance(CAROL, "USD") == 4_500


def test_invalid_cancel_escrow_blocked_return_stays_open(chain: Chain) -> None:
    assert chain.run(_escrow(2_500), ALICE).result.ok
    _pause(chain, True)
    outcome = chain.run(CancelEscrow(CAROL.address, ID), CAROL)  # the payee refuses it
    assert_failed(outcome, AssetsCode.PAUSED)
    record = load_escrow(chain.store, ID)
    assert record is not None and record.status == "open"
    assert _module_books(chain) == (2_500, 2_500) and chain.balance(ALICE, "USD") == 7_500
    _pause(chain, False)
    assert chain.run(CancelEscrow(CAROL.address, ID), CAROL).result.ok
    assert _module_books(chain) == (0, 0) and chain.balance(ALICE, "USD") == 10_000


def test_invalid_open_channel_the_sender_cannot_fund(chain: Chain) -> None:
    outcome = chain.run(_channel(10_001), ALICE)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)
    assert load_channel(chain.store, ID) is None
    assert _module_books(chain) == (0, 0)


def test_invalid_fund_channel_the_sender_cannot_fund(chain: Chain) -> None:
    assert chain.run(_channel(1_000), ALICE).result.ok
    outcome = chain.run(FundChannel(ALICE.address, ID, Amount(9_001)), ALICE)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)
    record = load_channel(chain.store, ID)
    assert record is not None and record.deposit == 1_000
    assert _module_books(chain) == (1_000, 1_000)
    # The recipient cannot claim the unfunded part out of other users' deposits.
    assert_failed(chain.run(_claim(1_001), BOB), PaymentsCode.CLAIM_EXCEEDS_DEPOSIT)


def test_invalid_claim_channel_blocked_payout_pays_nothing(chain: Chain) -> None:
    assert chain.run(_channel(1_000), ALICE).result.ok
    _pause(chain, True)
    assert_failed(chain.run(_claim(300), BOB), AssetsCode.PAUSED)
    record = load_channel(chain.store, ID)
    assert record is not None and record.paid == 0
    assert _module_books(chain) == (1_000, 1_000) and chain.balance(BOB, "USD") == 1_000
    _pause(chain, False)
    assert chain.run(_claim(300), BOB).result.ok  # the same claim still pays, once
    assert chain.balance(BOB, "USD") == 1_300


@pytest.mark.parametrize("closer", ["recipient", "settle"])
def test_invalid_close_channel_blocked_return_stays_open(chain: Chain, closer: str) -> None:
    assert chain.run(_channel(1_000), ALICE).result.ok
    assert chain.run(_claim(400), BOB).result.ok
    if closer == "settle":
        assert chain.run(CloseChannel(ALICE.address, ID), ALICE).result.ok
        chain.block([], time_ms=chain.time_ms + 5_000)
    status = "open" if closer == "recipient" else "closing"
    message: Msg = (
        CloseChannel(BOB.address, ID) if closer == "recipient" else SettleChannel(CAROL.address, ID)
    )
    signer = BOB if closer == "recipient" else CAROL
    _pause(chain, True)
    assert_failed(chain.run(message, signer), AssetsCode.PAUSED)
    record = load_channel(chain.store, ID)
    assert record is not None and record.status == status
    assert _module_books(chain) == (600, 600) and chain.balance(ALICE, "USD") == 9_000
    _pause(chain, False)
    assert chain.run(message, signer).result.ok
    assert _module_books(chain) == (0, 0) and chain.balance(ALICE, "USD") == 9_600


# Deadlines at exactly their boundary ------------------------------------------------------


@pytest.mark.parametrize(("offset", "ok"), [(-1, True), (0, False), (1, False)])
def test_pay_request_at_its_expiry(chain: Chain, offset: int, ok: bool) -> None:
    expires = chain.next_time_ms + 10_000
    create = CreateRequest(MERCHANT.address, "USD", Amount(5), expires, request_id=ID)
    assert chain.run(create, MERCHANT).result.ok
    pay = PayRequest(ALICE.address, MERCHANT.address, ID, "USD", Amount(5))
    outcome = _at(chain, expires + offset, pay, ALICE)
    if ok:
        assert outcome.result.ok
    else:
        assert_failed(outcome, PaymentsCode.REQUEST_EXPIRED)


@pytest.mark.parametrize(("offset", "ok"), [(-1, True), (0, False), (1, False)])
def test_capture_at_the_authorization_expiry(chain: Chain, offset: int, ok: bool) -> None:
    expires = chain.next_time_ms + 10_000
    authorize = Authorize(
        ALICE.address, MERCHANT.address, "USD", Amount(100), expires, authorization_id=ID
    )
    assert chain.run(authorize, ALICE).result.ok
    # The block before lies before the expiry: the capture itself meets it, not the hook.
    capture = Capture(MERCHANT.address, ID, Amount(10))
    outcome = _at(chain, expires + offset, capture, MERCHANT, gap_ms=2)
    record = load_authorization(chain.store, ID)
    assert record is not None
    if ok:
        assert outcome.result.ok and record.status == "open" and record.captured == 10
        assert available_of(chain.store, ALICE.address, "USD") == 10_000 - 100
    else:
        assert_failed(outcome, PaymentsCode.AUTHORIZATION_EXPIRED)
        # The end-of-block hook of that same block closed it and released the hold.
        assert record.status == "expired" and record.captured == 0
        assert available_of(chain.store, ALICE.address, "USD") == 10_000


@pytest.mark.parametrize(
    ("offset", "code"), [(-1, PaymentsCode.ESCROW_NOT_RELEASABLE_YET), (0, None), (1, None)]
)
def test_release_escrow_at_its_release_time(chain: Chain, offset: int, code: object) -> None:
    release_at = chain.next_time_ms + 10_000
    assert chain.run(_escrow(100, release_after_ms=release_at), ALICE).result.ok
    outcome = _at(chain, release_at + offset, ReleaseEscrow(CAROL.address, ID), CAROL)
    if code is None:
        assert outcome.result.ok and chain.balance(CAROL, "USD") == 2_100
    else:
        assert_failed(outcome, code)  # type: ignore[arg-type]


@pytest.mark.parametrize(("offset", "ok"), [(-1, True), (0, False), (1, False)])
def test_release_escrow_at_its_cancel_time(chain: Chain, offset: int, ok: bool) -> None:
    cancel_at = chain.next_time_ms + 10_000
    options = {"release_after_ms": None, "hash_lock": sha256(b"k"), "cancel_after_ms": cancel_at}
    assert chain.run(_escrow(100, **options), ALICE).result.ok
    outcome = _at(chain, cancel_at + offset, ReleaseEscrow(CAROL.address, ID, b"k"), CAROL)
    if ok:
        assert outcome.result.ok
    else:
        assert_failed(outcome, PaymentsCode.ESCROW_CANCEL_TIME_PASSED)


@pytest.mark.parametrize(("offset", "ok"), [(-1, False), (0, True), (1, True)])
def test_cancel_escrow_by_anyone_at_its_cancel_time(chain: Chain, offset: int, ok: bool) -> None:
    cancel_at = chain.next_time_ms + 10_000
    options = {"release_after_ms": None, "hash_lock": sha256(b"k"), "cancel_after_ms": cancel_at}
    assert chain.run(_escrow(100, **options), ALICE).result.ok
    outcome = _at(chain, cancel_at + offset, CancelEscrow(BOB.address, ID), BOB)
    if ok:
        assert outcome.result.ok and chain.balance(ALICE, "USD") == 10_000
    else:
        assert_failed(outcome, PaymentsCode.ESCROW_NOT_CANCELLABLE_YET)


@pytest.mark.parametrize(("offset", "ok"), [(-1, True), (0, False), (1, False)])
def test_claim_channel_at_the_end_of_the_dispute_window(
    chain: Chain, offset: int, ok: bool
) -> None:
    assert chain.run(_channel(1_000, window_ms=10_000), ALICE).result.ok
    closing = chain.run(CloseChannel(ALICE.address, ID), ALICE)
    closes_at = chain.time_ms + 10_000
    assert closing.result.ok
    record = load_channel(chain.store, ID)
    assert record is not None and record.closes_at_ms == closes_at
    outcome = _at(chain, closes_at + offset, _claim(100), BOB)
    if ok:
        assert outcome.result.ok
    else:
        assert_failed(outcome, PaymentsCode.CHANNEL_CLOSED)


@pytest.mark.parametrize(("offset", "ok"), [(-1, False), (0, True), (1, True)])
def test_settle_channel_at_the_end_of_the_dispute_window(
    chain: Chain, offset: int, ok: bool
) -> None:
    assert chain.run(_channel(1_000, window_ms=10_000), ALICE).result.ok
    assert chain.run(CloseChannel(ALICE.address, ID), ALICE).result.ok
    closes_at = chain.time_ms + 10_000
    outcome = _at(chain, closes_at + offset, SettleChannel(CAROL.address, ID), CAROL)
    if ok:
        assert outcome.result.ok and chain.balance(ALICE, "USD") == 10_000
    else:
        assert_failed(outcome, PaymentsCode.DISPUTE_WINDOW_OPEN)


def _deadline_messages(deadline_ms: int) -> list[tuple[Msg, Party]]:
    """One message of each flow whose deadline is ``deadline_ms``: a request's and an
    authorization's expiry, an escrow's release time and its cancel time."""
    return [
        (CreateRequest(MERCHANT.address, "USD", Amount(5), deadline_ms, request_id=ID), MERCHANT),
        (
            Authorize(
                ALICE.address, MERCHANT.address, "USD", Amount(5), deadline_ms, authorization_id=ID
            ),
            ALICE,
        ),
        (_escrow(5, release_after_ms=deadline_ms), ALICE),
        (
            _escrow(
                5,
                escrow_id=UNKNOWN,
                release_after_ms=None,
                hash_lock=sha256(b"k"),
                cancel_after_ms=deadline_ms,
            ),
            ALICE,
        ),
    ]


@pytest.mark.parametrize(("offset", "ok"), [(0, False), (1, True)])
def test_deadline_just_after_the_block_time(chain: Chain, offset: int, ok: bool) -> None:
    """A request's and an authorization's expiry and an escrow's cancel time must lie
    after the block time: at it is refused, one millisecond after is accepted. (A release
    time may lie in the past: the escrow is then releasable at once.)"""
    for index in (0, 1, 3):
        block_time = chain.next_time_ms
        message, signer = _deadline_messages(block_time + offset)[index]
        outcome = chain.block([chain.tx(message, signer)], time_ms=block_time).txs[0]
        if ok:
            assert outcome.result.ok, (message, outcome.result)
        else:
            assert_failed(outcome, PaymentsCode.TIME_INVALID)


@pytest.mark.parametrize(("offset", "ok"), [(-1, True), (0, True), (1, False)])
def test_deadline_at_the_longest_duration(chain: Chain, offset: int, ok: bool) -> None:
    """Each flow's longest duration is allowed exactly, not one millisecond more."""
    longest = [
        REQUEST_DURATION_MS_MAX,
        AUTHORIZATION_DURATION_MS_MAX,
        ESCROW_DURATION_MS_MAX,
        ESCROW_DURATION_MS_MAX,
    ]
    for index, duration_ms in enumerate(longest):
        block_time = chain.next_time_ms
        message, signer = _deadline_messages(block_time + duration_ms + offset)[index]
        outcome = chain.block([chain.tx(message, signer)], time_ms=block_time).txs[0]
        if ok:
            assert outcome.result.ok, (message, outcome.result)
        else:
            assert_failed(outcome, PaymentsCode.TIME_INVALID)


@pytest.mark.parametrize(
    ("window_ms", "ok"),
    [
        (DISPUTE_WINDOW_MS_MIN - 1, False),
        (DISPUTE_WINDOW_MS_MIN, True),
        (DISPUTE_WINDOW_MS_MAX, True),
        (DISPUTE_WINDOW_MS_MAX + 1, False),
    ],
)
def test_open_channel_dispute_window_bounds(chain: Chain, window_ms: int, ok: bool) -> None:
    outcome = chain.run(_channel(10, window_ms=window_ms), ALICE)
    if ok:
        assert outcome.result.ok
    else:
        assert_failed(outcome, PaymentsCode.INVALID_DISPUTE_WINDOW)


# Closed channels and unknown ids -----------------------------------------------------------------


def test_invalid_fund_closed_channel(chain: Chain) -> None:
    assert chain.run(_channel(1_000), ALICE).result.ok
    assert chain.run(CloseChannel(BOB.address, ID), BOB).result.ok
    outcome = chain.run(FundChannel(ALICE.address, ID, Amount(10)), ALICE)
    assert_failed(outcome, PaymentsCode.CHANNEL_CLOSED)
    record = load_channel(chain.store, ID)
    assert record is not None and record.deposit == 1_000 and record.status == "closed"
    assert _module_books(chain) == (0, 0) and chain.balance(ALICE, "USD") == 10_000


def test_invalid_fund_channel_by_the_recipient(chain: Chain) -> None:
    assert chain.run(_channel(1_000), ALICE).result.ok
    outcome = chain.run(FundChannel(BOB.address, ID, Amount(10)), BOB)
    assert_failed(outcome, PaymentsCode.NOT_CHANNEL_PARTY)


@pytest.mark.parametrize(
    ("message", "signer", "code"),
    [
        (
            PayRequest(ALICE.address, BOB.address, UNKNOWN, "USD", Amount(1)),
            ALICE,
            PaymentsCode.REQUEST_NOT_FOUND,
        ),
        (CancelRequest(BOB.address, UNKNOWN), BOB, PaymentsCode.REQUEST_NOT_FOUND),
        (Capture(BOB.address, UNKNOWN, Amount(1)), BOB, PaymentsCode.AUTHORIZATION_NOT_FOUND),
        (VoidAuthorization(BOB.address, UNKNOWN), BOB, PaymentsCode.AUTHORIZATION_NOT_FOUND),
        (Refund(BOB.address, UNKNOWN, Amount(1)), BOB, PaymentsCode.PAYMENT_NOT_FOUND),
        (ReleaseEscrow(BOB.address, UNKNOWN), BOB, PaymentsCode.ESCROW_NOT_FOUND),
        (CancelEscrow(BOB.address, UNKNOWN), BOB, PaymentsCode.ESCROW_NOT_FOUND),
        (FundChannel(ALICE.address, UNKNOWN, Amount(1)), ALICE, PaymentsCode.CHANNEL_NOT_FOUND),
        (
            ClaimChannel(BOB.address, UNKNOWN, Amount(1), bytes(64)),
            BOB,
            PaymentsCode.CHANNEL_NOT_FOUND,
        ),
        (CloseChannel(BOB.address, UNKNOWN), BOB, PaymentsCode.CHANNEL_NOT_FOUND),
        (SettleChannel(BOB.address, UNKNOWN), BOB, PaymentsCode.CHANNEL_NOT_FOUND),
    ],
)
def test_invalid_unknown_id(chain: Chain, message: Msg, signer: Party, code: PaymentsCode) -> None:
    """Every message that names an existing record answers not-found for an unknown id
    and changes nothing (accounts aside: the signer's nonce)."""
    before = {k: v for k, v in chain.module_state().items() if not k.startswith(b"accounts/")}
    assert_failed(chain.run(message, signer), code)
    after = {k: v for k, v in chain.module_state().items() if not k.startswith(b"accounts/")}
    assert after == before


# Derived ids: fixed, documented formulas ---------------------------------------------------


def test_derive_id_is_the_documented_tagged_hash() -> None:
    """``derive_id(kind, tx hash, position)`` = SHA-256("origin/payments/" kind || 0x00 ||
    tx hash || position as 4 bytes big-endian): clients compute it before submission."""
    tx_hash = bytes(range(32))
    for kind, position in (("request", 0), ("escrow", 3), ("channel", 2**32 - 1)):
        expected = hashlib.sha256(
            b"origin/payments/" + kind.encode() + b"\x00" + tx_hash + position.to_bytes(4, "big")
        ).digest()
        assert derive_id(kind, tx_hash, position) == expected


def test_authorization_hold_id_is_the_documented_tagged_hash() -> None:
    authorization_id = bytes(range(32))
    for number in (0, 1, 70_000):
        expected = hashlib.sha256(
            b"origin/payments/authorization-hold\x00" + authorization_id + number.to_bytes(4, "big")
        ).digest()
        assert authorization_hold_id(authorization_id, number) == expected


# Receiver-side compliance: every account that ends up with units is checked ----------------


@pytest.fixture
def kyc_chain() -> Iterator[Chain]:
    """PTS (utility, home SG) requires a trusted ``kyc_level`` claim to receive it: ALICE
    has one and 1,000 PTS; BOB (the merchant, payee, channel recipient) has none."""
    fresh = Chain(compliance_genesis())
    ok(
        fresh.run(
            [
                issue("PTS", "utility", jurisdiction="SG", required_claims=["kyc_level"]),
                Mint(ISSUER.address, "PTS", ISSUER.address, Amount(10_000)),
            ],
            ISSUER,
        )
    )
    trust_in_asset(fresh, "PTS", "kyc_level")
    claim(fresh, ALICE, "kyc_level", 2)
    ok(fresh.run(Transfer(ISSUER.address, ALICE.address, "PTS", Amount(1_000)), ISSUER))
    yield fresh
    close_chain(fresh)


def _unverified_receiver_cases(chain: Chain) -> list[tuple[list[tuple[Msg, Party]], Msg, Party]]:
    """(set-up, the message that would give BOB units, its signer)."""
    expires = chain.next_time_ms + 60_000
    signature = DEVICE.key.sign(claim_digest(CHAIN_ID, ID, 10))
    return [
        (
            [(CreateRequest(BOB.address, "PTS", Amount(10), expires, request_id=ID), BOB)],
            PayRequest(ALICE.address, BOB.address, ID, "PTS", Amount(10)),
            ALICE,
        ),
        (
            [(CreateEscrow(ALICE.address, BOB.address, "PTS", Amount(10), 1, escrow_id=ID), ALICE)],
            ReleaseEscrow(ALICE.address, ID),
            ALICE,
        ),
        (
            [
                (
                    OpenChannel(
                        ALICE.address,
                        BOB.address,
                        "PTS",
                        Amount(10),
                        DEVICE.key.public_key,
                        5_000,
                        ID,
                    ),
                    ALICE,
                )
            ],
            ClaimChannel(BOB.address, ID, Amount(10), signature),
            BOB,
        ),
        ([], Swap([Leg(ALICE.address, BOB.address, "PTS", Amount(10))]), ALICE),
    ]


@pytest.mark.parametrize("case", ["pay", "release", "claim", "swap"])
def test_invalid_payment_to_an_unverified_receiver(kyc_chain: Chain, case: str) -> None:
    index = ["pay", "release", "claim", "swap"].index(case)
    setup, message, signer = _unverified_receiver_cases(kyc_chain)[index]
    for step, step_signer in setup:
        ok(kyc_chain.run(step, step_signer))
    before = kyc_chain.balance(ALICE, "PTS") + kyc_chain.balance(PAYMENTS_ACCOUNT, "PTS")
    assert_failed(kyc_chain.run(message, signer), ComplianceCode.RECEIVER_NOT_VERIFIED)
    assert kyc_chain.balance(BOB, "PTS") == 0
    assert kyc_chain.balance(ALICE, "PTS") + kyc_chain.balance(PAYMENTS_ACCOUNT, "PTS") == before
    claim(kyc_chain, BOB, "kyc_level", 1)  # once verified, the same message pays
    ok(kyc_chain.run(message, signer))
    assert kyc_chain.balance(BOB, "PTS") == 10


def test_invalid_capture_or_authorize_for_an_unverified_merchant(kyc_chain: Chain) -> None:
    expires = kyc_chain.next_time_ms + 60_000
    authorize = Authorize(
        ALICE.address, BOB.address, "PTS", Amount(10), expires, authorization_id=ID
    )
    assert_failed(kyc_chain.run(authorize, ALICE), ComplianceCode.RECEIVER_NOT_VERIFIED)
    assert available_of(kyc_chain.store, ALICE.address, "PTS") == 1_000


# Transfers inside the module: events, unknown assets, derived positions ---------------------


def test_pay_emits_the_assets_transfer_for_fund_tracing(chain: Chain) -> None:
    expires = chain.next_time_ms + 60_000
    ok(chain.run(CreateRequest(MERCHANT.address, "USD", Amount(7), expires, request_id=ID), BOB))
    outcome = chain.run(PayRequest(ALICE.address, MERCHANT.address, ID, "USD", Amount(7)), ALICE)
    moved = [e for e in outcome.events if isinstance(e, Transferred)]
    assert moved == [Transferred("USD", ALICE.address, MERCHANT.address, Amount(7))]


def test_invalid_swap_of_an_unknown_asset(chain: Chain) -> None:
    swap = Swap([Leg(ALICE.address, BOB.address, "NOPE", Amount(1))])
    assert_failed(chain.run(swap, ALICE), AssetsCode.ASSET_NOT_FOUND)


def test_derived_ids_count_what_the_transaction_created_before(chain: Chain) -> None:
    expires = chain.next_time_ms + 60_000
    messages: list[Msg] = [
        CreateRequest(MERCHANT.address, "USD", Amount(1), expires),
        CreateRequest(MERCHANT.address, "USD", Amount(2), expires),
    ]
    outcome = chain.block([chain.tx(messages, MERCHANT)]).txs[0]
    created = [e.request_id for e in outcome.events if isinstance(e, RequestCreated)]
    assert created == [derive_id("request", outcome.hash, 0), derive_id("request", outcome.hash, 1)]


# Every flow emits exactly its documented events, in order ----------------------------------


def _names(outcome: TxOutcome) -> list[str]:
    ok(outcome)
    return [type(e).__name__ for e in outcome.events if type(e).__name__ != "AccountCreated"]


def test_every_flow_emits_its_documented_events(chain: Chain) -> None:
    """The README's events per message: fund tracing and the indexer follow them."""

    def key(label: str) -> bytes:
        return sha256(label.encode())

    expires = chain.next_time_ms + 60_000
    claim_10 = DEVICE.key.sign(claim_digest(CHAIN_ID, key("c"), 10))
    steps: list[tuple[Msg, Party, list[str]]] = [
        (
            CreateRequest(BOB.address, "USD", Amount(5), expires, request_id=key("r")),
            BOB,
            ["RequestCreated"],
        ),
        (
            PayRequest(ALICE.address, BOB.address, key("r"), "USD", Amount(5)),
            ALICE,
            ["Transferred", "RequestPaid"],
        ),
        (Refund(BOB.address, key("r"), Amount(1)), BOB, ["Transferred", "Refunded"]),
        (
            CreateRequest(BOB.address, "USD", Amount(5), expires, request_id=key("r2")),
            BOB,
            ["RequestCreated"],
        ),
        (CancelRequest(BOB.address, key("r2")), BOB, ["RequestCancelled"]),
        (
            Authorize(
                ALICE.address, BOB.address, "USD", Amount(100), expires, authorization_id=key("a")
            ),
            ALICE,
            ["HoldPlaced", "Authorized"],
        ),
        (
            Capture(BOB.address, key("a"), Amount(10)),
            BOB,
            ["HoldPosted", "Transferred", "HoldPlaced", "Captured"],
        ),
        (
            Capture(BOB.address, key("a"), Amount(10), final=True),
            BOB,
            ["HoldPosted", "Transferred", "Captured"],
        ),
        (
            Authorize(
                ALICE.address, BOB.address, "USD", Amount(100), expires, authorization_id=key("b")
            ),
            ALICE,
            ["HoldPlaced", "Authorized"],
        ),
        (VoidAuthorization(BOB.address, key("b")), BOB, ["HoldVoided", "AuthorizationVoided"]),
        (
            CreateEscrow(ALICE.address, CAROL.address, "USD", Amount(5), 1, escrow_id=key("e")),
            ALICE,
            ["Transferred", "EscrowCreated"],
        ),
        (ReleaseEscrow(ALICE.address, key("e")), ALICE, ["Transferred", "EscrowReleased"]),
        (
            CreateEscrow(ALICE.address, CAROL.address, "USD", Amount(5), 1, escrow_id=key("f")),
            ALICE,
            ["Transferred", "EscrowCreated"],
        ),
        (CancelEscrow(CAROL.address, key("f")), CAROL, ["Transferred", "EscrowCancelled"]),
        (
            OpenChannel(
                ALICE.address,
                BOB.address,
                "USD",
                Amount(50),
                DEVICE.key.public_key,
                5_000,
                key("c"),
            ),
            ALICE,
            ["Transferred", "ChannelOpened"],
        ),
        (FundChannel(ALICE.address, key("c"), Amount(5)), ALICE, ["Transferred", "ChannelFunded"]),
        (
            ClaimChannel(BOB.address, key("c"), Amount(10), claim_10),
            BOB,
            ["Transferred", "ChannelClaimed"],
        ),
        (CloseChannel(ALICE.address, key("c")), ALICE, ["ChannelClosing"]),
        (CloseChannel(BOB.address, key("c")), BOB, ["Transferred", "ChannelClosed"]),
        (
            Swap([Leg(ALICE.address, BOB.address, "USD", Amount(1))]),
            ALICE,
            ["Transferred", "Swapped"],
        ),
    ]
    for message, signer, expected in steps:
        assert _names(chain.run(message, signer)) == expected, type(message).__name__


# Request and authorization guards -----------------------------------------------------------


def test_invalid_cancel_request_paid_or_cancelled(chain: Chain) -> None:
    expires = chain.next_time_ms + 60_000
    ok(chain.run(CreateRequest(BOB.address, "USD", Amount(5), expires, request_id=ID), BOB))
    ok(chain.run(PayRequest(ALICE.address, BOB.address, ID, "USD", Amount(5)), ALICE))
    assert_failed(chain.run(CancelRequest(BOB.address, ID), BOB), PaymentsCode.REQUEST_PAID)
    record = load_request(chain.store, ID)
    assert record is not None and record.status == "paid"
    ok(chain.run(CreateRequest(BOB.address, "USD", Amount(5), expires, request_id=UNKNOWN), BOB))
    ok(chain.run(CancelRequest(BOB.address, UNKNOWN), BOB))
    again = chain.run(CancelRequest(BOB.address, UNKNOWN), BOB)
    assert_failed(again, PaymentsCode.REQUEST_CANCELLED)


def test_invalid_authorize_id_taken_or_unknown_asset(chain: Chain) -> None:
    expires = chain.next_time_ms + 60_000

    def authorize(symbol: str) -> Authorize:
        return Authorize(
            ALICE.address, BOB.address, symbol, Amount(10), expires, authorization_id=ID
        )

    assert_failed(chain.run(authorize("NOPE"), ALICE), AssetsCode.ASSET_NOT_FOUND)
    ok(chain.run(authorize("USD"), ALICE))
    record = load_authorization(chain.store, ID)
    assert record is not None and record.hold_id == authorization_hold_id(ID, 0)
    assert_failed(chain.run(authorize("USD"), ALICE), PaymentsCode.ID_TAKEN)
    assert available_of(chain.store, ALICE.address, "USD") == 10_000 - 10


# Captures whose own steps fail ---------------------------------------------------------------


def _authorized(chain: Chain, amount: int = 100) -> None:
    expires = chain.next_time_ms + 60_000
    authorize = Authorize(
        ALICE.address, MERCHANT.address, "USD", Amount(amount), expires, authorization_id=ID
    )
    ok(chain.run(authorize, ALICE))


def _unchanged_authorization(chain: Chain, amount: int = 100) -> None:
    record = load_authorization(chain.store, ID)
    assert record is not None and record.status == "open" and record.captured == 0
    assert available_of(chain.store, ALICE.address, "USD") == 10_000 - amount
    assert chain.balance(ALICE, "USD") == 10_000 and chain.balance(MERCHANT, "USD") == 1_000


def test_invalid_capture_while_the_asset_is_paused(chain: Chain) -> None:
    _authorized(chain)
    _pause(chain, True)
    capture = Capture(MERCHANT.address, ID, Amount(40))
    assert_failed(chain.run(capture, MERCHANT), AssetsCode.PAUSED)
    _unchanged_authorization(chain)
    _pause(chain, False)
    ok(chain.run(capture, MERCHANT))
    assert chain.balance(MERCHANT, "USD") == 1_040


def test_invalid_capture_to_a_deep_frozen_merchant(chain: Chain) -> None:
    _authorized(chain)
    freeze = Freeze(ISSUER.address, "USD", MERCHANT.address, True, deep=True)
    ok(chain.run(freeze, ISSUER))
    capture = Capture(MERCHANT.address, ID, Amount(40))
    assert_failed(chain.run(capture, MERCHANT), AssetsCode.RECIPIENT_FROZEN)
    _unchanged_authorization(chain)
    assert chain.balance(PAYMENTS_ACCOUNT, "USD") == 0


def test_invalid_capture_after_the_merchant_lost_its_verification(kyc_chain: Chain) -> None:
    """Checked at authorization, and again at each capture: a claim revoked in between
    stops the payment."""
    claim(kyc_chain, BOB, "kyc_level", 1)
    expires = kyc_chain.next_time_ms + 60_000
    authorize = Authorize(
        ALICE.address, BOB.address, "PTS", Amount(10), expires, authorization_id=ID
    )
    ok(kyc_chain.run(authorize, ALICE))
    attested = kyc_chain.app.query("attest", "by_recipient", {"recipient": str(BOB.address)})
    ok(kyc_chain.run(Revoke(KYC.address, attested.attestations[-1].id), KYC))
    outcome = kyc_chain.run(Capture(BOB.address, ID, Amount(10)), BOB)
    assert_failed(outcome, ComplianceCode.RECEIVER_NOT_VERIFIED)
    assert kyc_chain.balance(BOB, "PTS") == 0


def test_partial_capture_holds_the_rest_under_the_next_hold_id(chain: Chain) -> None:
    _authorized(chain)
    ok(chain.run(Capture(MERCHANT.address, ID, Amount(99)), MERCHANT))
    record = load_authorization(chain.store, ID)
    assert record is not None and record.status == "open"
    assert (record.captured, record.captures) == (99, 1)
    assert record.hold_id == authorization_hold_id(ID, 1)
    hold = load_hold(chain.store, record.hold_id)
    assert hold is not None and hold.amount == 1  # the last unit is still held
    assert available_of(chain.store, ALICE.address, "USD") == 10_000 - 100
    ok(chain.run(Capture(MERCHANT.address, ID, Amount(1)), MERCHANT))
    record = load_authorization(chain.store, ID)
    assert record is not None and record.status == "closed" and record.captures == 2


def test_a_hold_chosen_under_the_next_hold_id_does_not_stop_the_capture(chain: Chain) -> None:
    """After a partial capture the rest is held again under the next hold id. Another
    account choosing that id for a hold of its own once took it (HOLD_EXISTS: the
    capture failed); a chosen id now lives in its payer's namespace, so the re-hold
    cannot collide (see test_regression_hold_id_cannot_squat_an_authorization)."""
    _authorized(chain)
    squat = PlaceHold(
        CAROL.address,
        BOB.address,
        "USD",
        Amount(1),
        chain.next_time_ms + 60_000,
        authorization_hold_id(ID, 1),
    )
    placed = event_of(ok(chain.run(squat, CAROL)), "HoldPlaced")
    stored = client_hold_id(CAROL.address, authorization_hold_id(ID, 1))
    assert placed.hold_id == stored  # type: ignore[attr-defined]
    ok(chain.run(Capture(MERCHANT.address, ID, Amount(40)), MERCHANT))
    record = load_authorization(chain.store, ID)
    assert record is not None and record.hold_id == authorization_hold_id(ID, 1)
    hold = load_hold(chain.store, record.hold_id)
    assert hold is not None and (hold.payer, hold.amount) == (ALICE.address, 60)


# Authorization expiry: the per-block walk is bounded exactly ----------------------------------


def test_expiry_walks_at_most_256_buckets_per_block(chain: Chain) -> None:
    """The hook walks 256 buckets of 2**16 ms per block from its cursor: an
    authorization in the 256th bucket expires in the first late block, one in the 257th
    in the next."""
    now = chain.next_time_ms
    first_bucket = now >> AUTHORIZATION_EXPIRY_BUCKET_BITS
    last = ((first_bucket + AUTHORIZATION_EXPIRY_BUCKETS_PER_BLOCK_MAX - 1) << 16) + 7
    beyond = ((first_bucket + AUTHORIZATION_EXPIRY_BUCKETS_PER_BLOCK_MAX) << 16) + 7
    ids = [sha256(b"last"), sha256(b"beyond")]
    messages: list[Msg] = [
        Authorize(ALICE.address, BOB.address, "USD", Amount(1), at, authorization_id=key)
        for at, key in zip((last, beyond), ids, strict=True)
    ]
    ok(chain.block([chain.tx(messages, ALICE)], time_ms=now).txs[0])
    late = beyond + 3_600_000
    chain.block([], time_ms=late)
    states = [load_authorization(chain.store, key) for key in ids]
    assert [s.status if s else None for s in states] == ["expired", "open"]
    chain.block([], time_ms=late + 1)
    states = [load_authorization(chain.store, key) for key in ids]
    assert [s.status if s else None for s in states] == ["expired", "expired"]


def _expired_events(outcome: object) -> list[tuple[bytes, int]]:
    return [
        (record.event.authorization_id, int(record.event.released))  # type: ignore[attr-defined]
        for record in outcome.event_records()  # type: ignore[attr-defined]
        if type(record.event).__name__ == "AuthorizationExpired"
    ]


def test_expiry_closes_at_most_the_limit_per_block(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the per-block limit at 2 (1,000 in production), three due authorizations
    expire two in the first late block (oldest first) and the third in the next, even
    when the late block is buckets ahead; each releases what was not captured."""
    monkeypatch.setattr(payments_logic, "AUTHORIZATION_EXPIRIES_PER_BLOCK_MAX", 2)
    now = chain.next_time_ms
    ids = [sha256(bytes([n])) for n in range(3)]
    messages: list[Msg] = [
        Authorize(
            ALICE.address,
            BOB.address,
            "USD",
            Amount(100),
            now + 10_000 * (n + 1),
            authorization_id=ids[n],
        )
        for n in range(3)
    ]
    ok(chain.block([chain.tx(messages, ALICE)], time_ms=now).txs[0])
    ok(chain.run(Capture(BOB.address, ids[0], Amount(30)), BOB))
    first = chain.block([], time_ms=now + 600_000)  # ten buckets later
    assert _expired_events(first) == [(ids[0], 70), (ids[1], 100)]
    second = chain.block([])
    assert _expired_events(second) == [(ids[2], 100)]
    assert available_of(chain.store, ALICE.address, "USD") == 10_000 - 30


def test_expiry_voids_a_hold_the_assets_hook_left_open(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The assets module's hook (which runs first) usually released the hold; when its
    own per-block limit left it open, the payments hook voids it."""
    monkeypatch.setattr(assets_logic, "HOLD_EXPIRIES_PER_BLOCK_MAX", 0)
    _authorized(chain)
    record = load_authorization(chain.store, ID)
    assert record is not None
    outcome = chain.block([], time_ms=chain.time_ms + 120_000)
    names = [type(r.event).__name__ for r in outcome.event_records()]
    assert names == ["HoldVoided", "AuthorizationExpired"]
    assert load_hold(chain.store, record.hold_id) is None
    assert available_of(chain.store, ALICE.address, "USD") == 10_000


# Refunds ---------------------------------------------------------------------------------------


def test_invalid_refund_of_an_authorization_without_captures(chain: Chain) -> None:
    _authorized(chain)
    outcome = chain.run(Refund(MERCHANT.address, ID, Amount(1)), MERCHANT)
    assert_failed(outcome, PaymentsCode.PAYMENT_NOT_FOUND)


def test_refund_of_a_one_unit_capture(chain: Chain) -> None:
    _authorized(chain)
    ok(chain.run(Capture(MERCHANT.address, ID, Amount(1), final=True), MERCHANT))
    ok(chain.run(Refund(MERCHANT.address, ID, Amount(1)), MERCHANT))
    assert chain.balance(ALICE, "USD") == 10_000


def test_invalid_refund_the_merchant_cannot_fund(chain: Chain) -> None:
    _authorized(chain)
    ok(chain.run(Capture(MERCHANT.address, ID, Amount(100)), MERCHANT))
    spend = Transfer(MERCHANT.address, CAROL.address, "USD", Amount(1_050))
    ok(chain.run(spend, MERCHANT))
    outcome = chain.run(Refund(MERCHANT.address, ID, Amount(100)), MERCHANT)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)
    record = load_authorization(chain.store, ID)
    assert record is not None and record.refunded == 0
    assert chain.balance(ALICE, "USD") == 9_900


def test_invalid_create_escrow_id_taken(chain: Chain) -> None:
    ok(chain.run(_escrow(100), ALICE))
    assert_failed(chain.run(_escrow(100), ALICE), PaymentsCode.ID_TAKEN)
    assert _module_books(chain) == (100, 100) and chain.balance(ALICE, "USD") == 9_900


def test_units_returned_to_their_owner_are_not_checked(kyc_chain: Chain) -> None:
    """An escrow cancelled and a channel's remainder go back to the account they came
    from without the holder checks (README, Compliance): a payer whose claim was revoked
    meanwhile still gets its own units back, and the module account takes units in
    without being a verified holder."""
    escrow = CreateEscrow(ALICE.address, BOB.address, "PTS", Amount(10), 1, escrow_id=ID)
    channel = OpenChannel(
        ALICE.address, BOB.address, "PTS", Amount(20), DEVICE.key.public_key, 5_000, ID
    )
    ok(kyc_chain.run([escrow, channel], ALICE))
    ok(kyc_chain.run(FundChannel(ALICE.address, ID, Amount(5)), ALICE))
    assert kyc_chain.balance(PAYMENTS_ACCOUNT, "PTS") == 35
    attested = kyc_chain.app.query("attest", "by_recipient", {"recipient": str(ALICE.address)})
    ok(kyc_chain.run(Revoke(KYC.address, attested.attestations[-1].id), KYC))
    ok(kyc_chain.run(CancelEscrow(BOB.address, ID), BOB))  # the payee refuses it
    ok(kyc_chain.run(CloseChannel(BOB.address, ID), BOB))  # the recipient closes at once
    assert kyc_chain.balance(ALICE, "PTS") == 1_000
    assert kyc_chain.balance(PAYMENTS_ACCOUNT, "PTS") == 0


# Channel amounts at their boundaries ------------------------------------------------------------


def test_claim_channel_repeated_or_up_to_the_whole_deposit(chain: Chain) -> None:
    ok(chain.run(_channel(1_000), ALICE))
    ok(chain.run(_claim(400), BOB))
    assert_failed(chain.run(_claim(400), BOB), PaymentsCode.CLAIM_NOT_NEWER)
    ok(chain.run(_claim(1_000), BOB))  # exactly the deposit
    assert chain.balance(BOB, "USD") == 2_000 and _module_books(chain) == (0, 0)
    outcome = chain.run(CloseChannel(BOB.address, ID), BOB)
    assert _names(outcome) == ["ChannelClosed"]  # nothing left to return: no transfer
    assert chain.balance(ALICE, "USD") == 9_000


def test_close_channel_returns_a_remainder_of_one_unit(chain: Chain) -> None:
    ok(chain.run(_channel(1_000), ALICE))
    ok(chain.run(_claim(999), BOB))
    outcome = chain.run(CloseChannel(BOB.address, ID), BOB)
    assert _names(outcome) == ["Transferred", "ChannelClosed"]
    assert chain.balance(ALICE, "USD") == 9_001 and _module_books(chain) == (0, 0)


def test_invalid_fund_channel_deposit_overflow(chain: Chain) -> None:
    top = 2**128 - 1
    chain.issue_and_mint("BIG", {ALICE: top}, max_supply=top)
    channel = OpenChannel(
        ALICE.address, BOB.address, "BIG", Amount(top - 1), DEVICE.key.public_key, 5_000, ID
    )
    ok(chain.run(channel, ALICE))
    outcome = chain.run(FundChannel(ALICE.address, ID, Amount(2)), ALICE)
    assert_failed(outcome, AssetsCode.BALANCE_OVERFLOW)
    record = load_channel(chain.store, ID)
    assert record is not None and record.deposit == top - 1


def test_invalid_close_channel_twice(chain: Chain) -> None:
    """A closed channel cannot be closed again (its remainder would be returned twice,
    out of other users' deposits), and a sender's second close is refused while the
    dispute window runs."""
    ok(chain.run(_channel(1_000), ALICE))
    ok(chain.run(_channel_of(UNKNOWN), ALICE))
    ok(chain.run(CloseChannel(ALICE.address, ID), ALICE))
    again = chain.run(CloseChannel(ALICE.address, ID), ALICE)
    assert_failed(again, PaymentsCode.CHANNEL_CLOSING)
    ok(chain.run(CloseChannel(BOB.address, ID), BOB))
    for closer in (BOB, ALICE):
        outcome = chain.run(CloseChannel(closer.address, ID), closer)
        assert_failed(outcome, PaymentsCode.CHANNEL_CLOSED)
    assert chain.balance(ALICE, "USD") == 10_000 - 1_000 and _module_books(chain) == (1_000, 1_000)


def _channel_of(channel_id: bytes) -> OpenChannel:
    return OpenChannel(
        ALICE.address, BOB.address, "USD", Amount(1_000), DEVICE.key.public_key, 5_000, channel_id
    )


def test_invalid_capture_from_a_frozen_payer(chain: Chain) -> None:
    """Posting the hold moves the payer's units: a payer frozen since the authorization
    stops the capture, and the merchant is not paid out of the module account instead."""
    _authorized(chain)
    ok(chain.run(_escrow(500, escrow_id=UNKNOWN), ALICE))  # other users' money in the account
    ok(chain.run(Freeze(ISSUER.address, "USD", ALICE.address, True), ISSUER))
    # final: nothing is held again after the post, so the post's own failure must stop it
    outcome = chain.run(Capture(MERCHANT.address, ID, Amount(40), final=True), MERCHANT)
    assert_failed(outcome, AssetsCode.SENDER_FROZEN)
    assert chain.balance(MERCHANT, "USD") == 1_000 and _module_books(chain) == (500, 500)
    record = load_authorization(chain.store, ID)
    assert record is not None and record.captured == 0
