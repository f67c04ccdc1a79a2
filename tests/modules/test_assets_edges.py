"""Edges of the assets module that mutation testing found unpinned (issue #11): each test
here kills at least one surviving mutant of ``modules/assets/logic.py`` (see
docs/testing.md, "Scores")."""

from __future__ import annotations

import hashlib

import msgspec
import pytest

from originledger.core.amounts import Amount
from originledger.core.codec import decode, encode
from originledger.core.context import BlockState, TxState
from originledger.core.limits import AMOUNT_MAX, TIME_MS_MAX
from originledger.core.tx import Failure
from originledger.modules.assets import (
    AssetsCode,
    available_of,
    derive_hold_id,
    load_hold,
    place_hold,
    void_hold,
)
from originledger.modules.assets import logic as assets_logic
from originledger.modules.assets.keys import EXPIRY_CURSOR_KEY, asset_key, balance_key
from originledger.modules.assets.types import (
    HOLD_EXPIRY_BUCKET_MS,
    AssetIssued,
    AssetsGenesis,
    AssetsParams,
    Balance,
    ExpiryCursor,
    Freeze,
    GenesisAsset,
    GenesisBalance,
    HolderAuthorizationSet,
    HoldPlaced,
    Minted,
    Recover,
    Recovered,
    Transfer,
)
from tests.conftest import ALICE, BOB, CAROL, ISSUER, Chain, DictStore, assert_failed
from tests.modules.assets_helpers import AGENT, hold, line_of, ok

HOLD_ID = bytes(range(32))

# -- reading ------------------------------------------------------------------------------


def test_load_asset_cache_stays_bounded(funded_chain: Chain) -> None:
    record = assets_logic.load_asset(funded_chain.store, "USD")
    assert record is not None
    limit = assets_logic._ASSET_RECORDS_MAX
    assets_logic._ASSET_RECORDS.clear()
    for supply in range(limit + 2):
        changed = msgspec.structs.replace(record, supply=Amount(supply))
        state = DictStore({asset_key("USD"): encode(changed)})
        loaded = assets_logic.load_asset(state, "USD")
        assert loaded is not None and loaded.supply == supply
        assert len(assets_logic._ASSET_RECORDS) <= limit
    assets_logic._ASSET_RECORDS.clear()


# -- moving -------------------------------------------------------------------------------


def test_transfer_without_line_reports_zero_balance(funded_chain: Chain) -> None:
    outcome = funded_chain.run(Transfer(CAROL.address, BOB.address, "USD", Amount(5)), CAROL)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)
    assert outcome.result.message.endswith(": 0.00 < 0.05 USD")  # in the asset's units
    assert funded_chain.balance(BOB, "USD") == 500


# -- holds --------------------------------------------------------------------------------


def test_derive_hold_id_matches_documented_layout() -> None:
    # README: tagged_hash("origin/assets/hold", tx hash || position, 4 bytes big-endian).
    tx_hash = bytes(range(32))
    expected = hashlib.sha256(
        b"origin/assets/hold" + b"\x00" + tx_hash + bytes([0, 0, 1, 2])
    ).digest()
    assert derive_hold_id(tx_hash, 258) == expected
    assert derive_hold_id(tx_hash, 0) != derive_hold_id(tx_hash, 1)


def test_place_hold_protocol_refuses_self_hold(payment_chain: Chain) -> None:
    # Messages refuse payer == payee in validate(); the protocol refuses it for modules.
    state = TxState(BlockState(payment_chain.store))
    time_ms = payment_chain.next_time_ms
    refused = place_hold(
        state,
        hold_id=HOLD_ID,
        payer=ALICE.address,
        payee=ALICE.address,
        symbol="USD",
        amount=Amount(40),
        expires_at_ms=time_ms + 1_000,
        time_ms=time_ms,
        height=9,
    )
    assert isinstance(refused, Failure) and refused.code == AssetsCode.SELF_TRANSFER
    assert load_hold(state, HOLD_ID) is None
    assert available_of(state, ALICE.address, "USD") == 1_000


def test_hold_without_line_reports_zero_balance(payment_chain: Chain) -> None:
    outcome = payment_chain.run(hold(payment_chain, 300, payer=CAROL), CAROL)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)
    assert outcome.result.message.endswith(": 0.00 < 3.00 USD")


def test_void_hold_beyond_payers_held_is_an_invariant_error(payment_chain: Chain) -> None:
    state = TxState(BlockState(payment_chain.store))
    time_ms = payment_chain.next_time_ms
    placed = place_hold(
        state,
        hold_id=HOLD_ID,
        payer=ALICE.address,
        payee=BOB.address,
        symbol="USD",
        amount=Amount(40),
        expires_at_ms=time_ms + 1_000,
        time_ms=time_ms,
        height=9,
    )
    assert isinstance(placed, HoldPlaced)
    found = load_hold(state, HOLD_ID)
    assert found is not None
    # A broken state: the payer's line holds less than the hold.
    state.set(balance_key(ALICE.address, "USD"), encode(Balance(Amount(1_000), held=Amount(39))))
    with pytest.raises(RuntimeError, match="exceeds the payer's held"):
        void_hold(state, HOLD_ID, found, time_ms=time_ms)


def test_expiry_cap_resumes_in_an_older_bucket(
    payment_chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three holds due in one bucket, two released a block, the block time buckets later:
    # the third must wait in its bucket for the next block, not be walked past.
    monkeypatch.setattr(assets_logic, "HOLD_EXPIRIES_PER_BLOCK_MAX", 2)
    ok(payment_chain.run([hold(payment_chain, 10 + n, lifetime_ms=500) for n in range(3)], ALICE))
    later = payment_chain.next_time_ms + 3 * HOLD_EXPIRY_BUCKET_MS
    released = [len(payment_chain.block([], time_ms=later + n).block_events) for n in range(3)]
    assert released == [2, 1, 0]
    assert line_of(payment_chain, ALICE, "USD") == Balance(Amount(1_000))
    raw = payment_chain.store.get(EXPIRY_CURSOR_KEY)
    assert raw is not None and decode(raw, ExpiryCursor).open_holds == 0


# -- recovery -----------------------------------------------------------------------------


def test_recover_new_account_inherits_deep_freeze(security_chain: Chain) -> None:
    deep = Freeze(ISSUER.address, "FUND", ALICE.address, True, deep=True)
    ok(security_chain.run(deep, ISSUER))
    outcome = ok(
        security_chain.run(Recover(AGENT.address, "FUND", ALICE.address, BOB.address), AGENT)
    )
    assert outcome.events[-1:] == [
        Recovered("FUND", AGENT.address, ALICE.address, BOB.address, Amount(1_000))
    ]
    # A recovery never lifts a freeze: BOB now holds the units deep-frozen, as ALICE did.
    assert line_of(security_chain, BOB, "FUND") == Balance(
        Amount(1_000), frozen=True, deep=True, authorized=True
    )
    assert line_of(security_chain, ALICE, "FUND") == Balance(Amount(0), frozen=True, deep=True)


# -- genesis ------------------------------------------------------------------------------


def test_genesis_emits_issues_authorizations_and_mints() -> None:
    state = BlockState(DictStore({}))
    genesis = AssetsGenesis(
        # The longest attestation age genesis takes is TIME_MS_MAX itself.
        params=AssetsParams(reserve_attestation_age_max_ms=TIME_MS_MAX),
        assets=[
            GenesisAsset("FUND", "Fund", 0, "security", ISSUER.address, Amount(100)),
            GenesisAsset("PTS", "Points", 2, "utility", ISSUER.address, Amount(1_000)),
        ],
        balances=[
            GenesisBalance(ALICE.address, "FUND", Amount(1), authorized=True),
            GenesisBalance(BOB.address, "FUND", Amount(0), authorized=True),
            GenesisBalance(BOB.address, "PTS", Amount(0)),
        ],
    )
    events = assets_logic.genesis_init(state, genesis)
    assert events == [
        AssetIssued(
            "FUND", ISSUER.address, "security", 0, Amount(100), True, True, True, True, False
        ),
        AssetIssued(
            "PTS", ISSUER.address, "utility", 2, Amount(1_000), False, False, False, False, False
        ),
        HolderAuthorizationSet("FUND", ALICE.address, True),
        Minted("FUND", ALICE.address, Amount(1), Amount(1)),
        HolderAuthorizationSet("FUND", BOB.address, True),
    ]
    assert assets_logic.load_params(state).reserve_attestation_age_max_ms == TIME_MS_MAX
    fund = assets_logic.load_asset(state, "FUND")
    assert fund is not None
    # One unit makes a holder and counts as minted (clawback can no longer be enabled).
    assert (fund.supply, fund.holders, fund.ever_minted, fund.created_height) == (1, 1, True, 0)
    points = assets_logic.load_asset(state, "PTS")
    assert points is not None
    # A zero opening balance mints nothing: no holder, never minted, and no line.
    assert (points.supply, points.holders, points.ever_minted) == (0, 0, False)
    assert assets_logic.load_line(state, BOB.address, "PTS") is None
    assert assets_logic.load_line(state, BOB.address, "FUND") == Balance(Amount(0), authorized=True)


def test_genesis_balance_of_the_largest_amount() -> None:
    state = BlockState(DictStore({}))
    genesis = AssetsGenesis(
        assets=[GenesisAsset("BIG", "Big", 0, "utility", ISSUER.address, Amount(AMOUNT_MAX))],
        balances=[GenesisBalance(ALICE.address, "BIG", Amount(AMOUNT_MAX))],
    )
    events = assets_logic.genesis_init(state, genesis)
    assert events[-1] == Minted("BIG", ALICE.address, Amount(AMOUNT_MAX), Amount(AMOUNT_MAX))
    big = assets_logic.load_asset(state, "BIG")
    assert big is not None and big.supply == AMOUNT_MAX == 2**128 - 1
    assert assets_logic.balance_of(state, ALICE.address, "BIG") == AMOUNT_MAX
