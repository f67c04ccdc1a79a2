"""Property tests of the payments module (issue #4): captured <= authorized, refunded <=
captured, a channel never pays out more than its deposit, an escrow releases once. Each
example drives a real chain, whose registered invariants run after every block."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from originledger.core.amounts import Amount
from originledger.core.crypto import sha256
from originledger.modules.payments import (
    PAYMENTS_ACCOUNT,
    claim_digest,
    load_authorization,
    load_channel,
    load_escrow,
)
from originledger.modules.payments.types import (
    Authorize,
    CancelEscrow,
    Capture,
    ClaimChannel,
    CloseChannel,
    CreateEscrow,
    OpenChannel,
    Refund,
    ReleaseEscrow,
    SettleChannel,
    VoidAuthorization,
)
from tests.conftest import ALICE, BOB, CAROL, CHAIN_ID, party
from tests.modules.payments_helpers import events_of, payments_chain

DEVICE = party("device")
ID = sha256(b"property")
SLOW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

authorization_steps = st.lists(
    st.tuples(st.sampled_from(["capture", "final", "refund", "void", "wait"]), st.integers(1, 700)),
    max_size=10,
)


@SLOW
@given(st.integers(1, 2_000), authorization_steps)
def test_captured_within_authorized_and_refunded_within_captured(
    authorized: int, steps: list[tuple[str, int]]
) -> None:
    for chain in payments_chain():
        message = Authorize(
            ALICE.address,
            BOB.address,
            "USD",
            Amount(authorized),
            chain.next_time_ms + 5_000,
            authorization_id=ID,
        )
        assert chain.run(message, ALICE).result.ok
        for kind, amount in steps:
            if kind == "capture":
                chain.run(Capture(BOB.address, ID, Amount(amount)), BOB)
            elif kind == "final":
                chain.run(Capture(BOB.address, ID, Amount(amount), final=True), BOB)
            elif kind == "refund":
                chain.run(Refund(BOB.address, ID, Amount(amount)), BOB)
            elif kind == "void":
                chain.run(VoidAuthorization(BOB.address, ID), BOB)
            else:
                chain.block([])
            record = load_authorization(chain.store, ID)
            assert record is not None
            assert record.refunded <= record.captured <= record.authorized
        record = load_authorization(chain.store, ID)
        assert record is not None
        # Conservation: alice lost exactly what was captured and not refunded.
        assert chain.balance(ALICE, "USD") == 10_000 - record.captured + record.refunded


@SLOW
@given(
    st.integers(1, 1_000),
    st.lists(
        st.tuples(st.sampled_from(["claim", "close", "settle", "wait"]), st.integers(1, 1_500)),
        max_size=10,
    ),
)
def test_channel_never_pays_more_than_its_deposit(
    deposit: int, steps: list[tuple[str, int]]
) -> None:
    for chain in payments_chain():
        opened = OpenChannel(
            ALICE.address, BOB.address, "USD", Amount(deposit), DEVICE.key.public_key, 2_000, ID
        )
        assert chain.run(opened, ALICE).result.ok
        for kind, amount in steps:
            if kind == "claim":
                signature = DEVICE.key.sign(claim_digest(CHAIN_ID, ID, amount))
                chain.run(ClaimChannel(BOB.address, ID, Amount(amount), signature), BOB)
            elif kind == "close":
                chain.run(CloseChannel(ALICE.address, ID), ALICE)
            elif kind == "settle":
                chain.run(SettleChannel(CAROL.address, ID), CAROL)
            else:
                chain.block([])
            record = load_channel(chain.store, ID)
            assert record is not None and record.paid <= record.deposit
            assert chain.balance(BOB, "USD") - 1_000 == record.paid
        assert (
            chain.balance(ALICE, "USD")
            + chain.balance(BOB, "USD")
            + chain.balance(PAYMENTS_ACCOUNT, "USD")
            == 11_000
        )


@SLOW
@given(
    st.booleans(),
    st.lists(
        st.tuples(
            st.sampled_from(["release", "release_bad", "cancel_payer", "cancel_payee", "wait"]),
            st.sampled_from([ALICE, BOB, CAROL]),
        ),
        max_size=10,
    ),
)
def test_escrow_releases_or_cancels_once(
    hash_locked: bool, steps: list[tuple[str, object]]
) -> None:
    secret = b"bill of lading"
    for chain in payments_chain():
        options: dict[str, object] = {"cancel_after_ms": chain.next_time_ms + 4_000}
        if hash_locked:
            options["hash_lock"] = sha256(secret)
        else:
            options["release_after_ms"] = chain.next_time_ms + 2_000
        created = CreateEscrow(
            ALICE.address, CAROL.address, "USD", Amount(700), escrow_id=ID, **options
        )  # type: ignore[arg-type]
        assert chain.run(created, ALICE).result.ok
        finished = 0
        for kind, who in steps:
            if kind == "wait":
                chain.block([])
                continue
            if kind.startswith("release"):
                preimage = secret if kind == "release" else b"nope"
                outcome = chain.run(ReleaseEscrow(who.address, ID, preimage), who)  # type: ignore[attr-defined]
            else:
                signer = ALICE if kind == "cancel_payer" else CAROL
                outcome = chain.run(CancelEscrow(signer.address, ID), signer)
            finished += len(events_of(outcome, "EscrowReleased")) + len(
                events_of(outcome, "EscrowCancelled")
            )
        assert finished <= 1
        record = load_escrow(chain.store, ID)
        assert record is not None and (record.status != "open") == (finished == 1)
        paid_out = 700 if record.status == "released" else 0
        assert chain.balance(CAROL, "USD") == 2_000 + paid_out
        assert chain.balance(ALICE, "USD") == 10_000 - (700 if record.status != "cancelled" else 0)
