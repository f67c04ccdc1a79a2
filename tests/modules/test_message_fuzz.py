"""Fuzzing the modules: validly signed transactions carrying arbitrary message fields.

Whatever the fields hold, a block never raises, every result is a code of a known
codespace, a failed transaction writes nothing, and the invariants hold after commit.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codes import TxCode
from originledger.core.limits import AMOUNT_MAX
from originledger.core.tx import Msg
from originledger.modules.accounts import AccountsCode
from originledger.modules.accounts.types import CreateAccount, GrantRole, RevokeRole
from originledger.modules.assets import AssetsCode
from originledger.modules.assets.types import Burn, Issue, Mint, Transfer
from tests.conftest import ADMIN, ALICE, BOB, ISSUER, Chain, close_chain

SIGNERS = (ADMIN, ISSUER, ALICE)
KNOWN_CODES = {
    "tx": {int(code) for code in TxCode},
    "accounts": {int(code) for code in AccountsCode},
    "assets": {int(code) for code in AssetsCode},
}

signer_addresses = st.sampled_from([party.address for party in SIGNERS])
any_addresses = st.one_of(
    signer_addresses,
    st.just(BOB.address),
    st.binary(min_size=20, max_size=20).map(Address),
)
symbols = st.one_of(st.sampled_from(["USD", "GLD", "A", "ZZZZZZZZZZZZ"]), st.text(max_size=16))
amounts = st.one_of(
    st.integers(0, 2_000), st.integers(0, AMOUNT_MAX), st.sampled_from([AMOUNT_MAX])
).map(Amount)
texts = st.text(max_size=40)

messages = st.one_of(
    st.builds(Transfer, signer_addresses, any_addresses, symbols, amounts),
    st.builds(Mint, signer_addresses, symbols, any_addresses, amounts),
    st.builds(Burn, signer_addresses, symbols, amounts),
    st.builds(
        Issue,
        signer_addresses,
        symbols,
        texts,
        st.integers(-(2**63), 2**63 - 1),
        st.one_of(st.sampled_from(["payment", "utility", "entertainment"]), texts),
        amounts,
    ),
    st.builds(
        CreateAccount,
        any_addresses,
        st.one_of(st.none(), st.binary(min_size=32, max_size=32)),
    ),
    st.builds(GrantRole, signer_addresses, any_addresses, st.one_of(st.just("issuer"), texts)),
    st.builds(RevokeRole, signer_addresses, any_addresses, st.one_of(st.just("issuer"), texts)),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.lists(messages, min_size=1, max_size=4), min_size=1, max_size=4))
def test_fuzz_messages_never_raise_and_keep_invariants(transactions: list[list[Msg]]) -> None:
    chain = Chain()
    try:
        chain.issue_and_mint("USD", {ALICE: 1_000, BOB: 500})
        raws = [chain.tx(batch, list(SIGNERS)) for batch in transactions]
        root = chain.module_state()
        outcome = chain.block(raws)  # commits, then checks every invariant
        for tx in outcome.txs:
            result = tx.result
            assert result.code in KNOWN_CODES[result.codespace]
            event(f"result {result.codespace}/{result.code}")  # --hypothesis-show-statistics
            assert bool(tx.events) or not result.ok
            if not result.ok:
                assert tx.events == []
        if not any(tx.result.ok for tx in outcome.txs):
            assert chain.module_state() == root
    finally:
        close_chain(chain)
