"""Fuzzing the payments and clearing modules: validly signed transactions carrying
arbitrary fields. Whatever they hold, a block never raises, every result is a code of a
known codespace, a failed transaction writes nothing, and the invariants hold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codes import TxCode
from originledger.core.crypto import sha256
from originledger.core.limits import AMOUNT_MAX
from originledger.modules.accounts import AccountsCode
from originledger.modules.assets import AssetsCode
from originledger.modules.clearing import ClearingCode
from originledger.modules.clearing.types import CloseCycle, OpenCycle, SubmitObligation
from originledger.modules.compliance import ComplianceCode
from originledger.modules.payments import PaymentsCode
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
from tests.conftest import ALICE, BOB, CAROL
from tests.modules.payments_helpers import payments_chain

KNOWN = {
    codes.codespace: {int(code) for code in codes}
    for codes in (TxCode, AccountsCode, AssetsCode, ComplianceCode, PaymentsCode, ClearingCode)
}
PARTIES = (ALICE, BOB, CAROL)
addresses = st.one_of(
    st.sampled_from([party.address for party in PARTIES]),
    st.binary(min_size=20, max_size=20).map(Address),
)
ids = st.one_of(
    st.sampled_from([sha256(b"a"), sha256(b"b")]),
    st.binary(max_size=40),
)
symbols = st.one_of(st.sampled_from(["USD", "EUR", "BOND", "NOPE"]), st.text(max_size=14))
amounts = st.one_of(st.integers(0, 3_000), st.just(AMOUNT_MAX)).map(Amount)
times = st.one_of(st.integers(0, 2**63), st.integers(1_700_000_000_000, 1_700_000_100_000))
texts = st.text(max_size=80)
maybe_ids = st.one_of(st.none(), ids)

messages = st.one_of(
    st.builds(
        CreateRequest,
        addresses,
        symbols,
        amounts,
        times,
        texts,
        st.lists(st.builds(AcceptedAsset, symbols, amounts), max_size=10),
        maybe_ids,
    ),
    st.builds(PayRequest, addresses, addresses, ids, symbols, amounts),
    st.builds(CancelRequest, addresses, ids),
    st.builds(Authorize, addresses, addresses, symbols, amounts, times, texts, maybe_ids),
    st.builds(Capture, addresses, ids, amounts, st.booleans()),
    st.builds(VoidAuthorization, addresses, ids),
    st.builds(Refund, addresses, ids, amounts, texts),
    st.builds(
        CreateEscrow,
        addresses,
        addresses,
        symbols,
        amounts,
        st.none() | times,
        st.none() | times,
        st.none() | st.binary(max_size=40),
        texts,
        maybe_ids,
    ),
    st.builds(ReleaseEscrow, addresses, ids, st.none() | st.binary(max_size=40)),
    st.builds(CancelEscrow, addresses, ids),
    st.builds(
        OpenChannel,
        addresses,
        addresses,
        symbols,
        amounts,
        st.binary(max_size=40),
        st.integers(0, 2**40),
        maybe_ids,
    ),
    st.builds(FundChannel, addresses, ids, amounts),
    st.builds(ClaimChannel, addresses, ids, amounts, st.binary(max_size=70)),
    st.builds(CloseChannel, addresses, ids),
    st.builds(SettleChannel, addresses, ids),
    st.builds(
        Swap, st.lists(st.builds(Leg, addresses, addresses, symbols, amounts), max_size=18), texts
    ),
    st.builds(
        OpenCycle,
        addresses,
        texts,
        times,
        st.lists(addresses, max_size=5),
        st.sampled_from(["exclude", "reject", "other"]),
    ),
    st.builds(SubmitObligation, addresses, st.integers(0, 3), addresses, symbols, amounts, texts),
    st.builds(CloseCycle, addresses, st.integers(0, 3)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(messages, min_size=1, max_size=8))
def test_fuzzed_payment_messages_never_break_a_block(batch: list) -> None:  # type: ignore[type-arg]
    for chain in payments_chain():
        for message in batch:
            signers = [
                party for party in PARTIES if party.address in message.required_signers()
            ] or [ALICE]
            before = chain.module_state()
            outcome = chain.run(message, signers)  # chain.run checks every invariant
            result = outcome.result
            assert result.code in KNOWN[result.codespace], result
            if not result.ok:
                after = chain.module_state()
                changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
                # A refused transaction writes nothing but the signers' account records.
                assert all(key.startswith(b"accounts/") for key in changed), changed
