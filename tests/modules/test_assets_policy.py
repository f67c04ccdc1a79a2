"""Class policies, issuer flags, reserve attestations and authorization (issue #3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from originledger.app import Application
from originledger.core.amounts import Amount
from originledger.core.codec import to_json
from originledger.modules.assets import AssetsCode
from originledger.modules.assets.types import (
    CLASS_POLICIES,
    AssetIssued,
    AttestReserves,
    Authorize,
    Burn,
    ClawbackEnabled,
    EnableClawback,
    HolderAuthorizationSet,
    Mint,
    ReservesAttested,
    Transfer,
)
from originledger.store import SqliteStore
from tests.conftest import (
    ALICE,
    BOB,
    CAROL,
    GENESIS_TIME_MS,
    ISSUER,
    Chain,
    assert_failed,
)
from tests.modules.assets_helpers import (
    AGENT,
    CUSTODIAN,
    asset_of,
    controls_genesis,
    issue,
    line_of,
    ok,
)

MATURITY_MS = GENESIS_TIME_MS + 365 * 24 * 3600 * 1000


def credit(**policy: Any) -> Any:
    policy.setdefault("maturity_ms", MATURITY_MS)
    policy.setdefault("coupon_bps", 450)
    return issue("NOTE", "credit", **policy)


def mint(amount: int, recipient: Any = ALICE, symbol: str = "USD") -> Mint:
    return Mint(ISSUER.address, symbol, recipient.address, Amount(amount))


def attest(chain: Chain, amount: int, as_of_ms: int | None = None, symbol: str = "USD") -> Any:
    stamp = chain.next_time_ms if as_of_ms is None else as_of_ms
    return AttestReserves(CUSTODIAN.address, symbol, Amount(amount), stamp)


# -- class defaults -----------------------------------------------------------------------

EXPECTED_DEFAULTS = {
    # class: (auth_required, freezable, clawback_enabled, paused, speculative)
    "payment": (False, True, True, False, False),
    "reserve": (False, False, False, False, False),
    "utility": (False, False, False, False, False),
    "credit": (True, True, False, False, False),
    "security": (True, True, True, True, False),
    "entertainment": (False, False, False, False, True),
}


@pytest.mark.parametrize("asset_class", sorted(EXPECTED_DEFAULTS))
def test_issue_class_defaults(controls_chain: Chain, asset_class: str) -> None:
    message = credit() if asset_class == "credit" else issue("TOK", asset_class)
    outcome = ok(controls_chain.run(message, ISSUER))
    asset = asset_of(controls_chain, message.symbol)
    flags = (
        asset.auth_required,
        asset.freezable,
        asset.clawback_enabled,
        asset.paused,
        asset.speculative,
    )
    assert flags == EXPECTED_DEFAULTS[asset_class]
    assert asset.agent == ISSUER.address
    assert asset.custodian == (ISSUER.address if asset_class == "payment" else None)
    [event] = outcome.events
    assert isinstance(event, AssetIssued)
    assert (event.auth_required, event.freezable, event.clawback_enabled) == flags[:3]
    assert (event.paused, event.speculative) == flags[3:]


def test_issue_policies_cover_every_class() -> None:
    assert sorted(CLASS_POLICIES) == sorted(EXPECTED_DEFAULTS)


def test_issue_tightens_optional_flags(controls_chain: Chain) -> None:
    message = issue("PTS", "utility", auth_required=True, freezable=True, clawback_enabled=True)
    ok(controls_chain.run(message, ISSUER))
    asset = asset_of(controls_chain, "PTS")
    assert (asset.auth_required, asset.freezable, asset.clawback_enabled) == (True, True, True)


def test_issue_turns_off_optional_flag(controls_chain: Chain) -> None:
    ok(controls_chain.run(credit(freezable=False), ISSUER))
    assert not asset_of(controls_chain, "NOTE").freezable


def test_issue_names_agent_and_custodian(controls_chain: Chain) -> None:
    message = issue("USD", "payment", agent=AGENT.address, custodian=CUSTODIAN.address)
    ok(controls_chain.run(message, ISSUER))
    asset = asset_of(controls_chain, "USD")
    assert (asset.agent, asset.custodian) == (AGENT.address, CUSTODIAN.address)


@pytest.mark.parametrize(
    ("asset_class", "policy"),
    [
        ("payment", {"freezable": False}),
        ("payment", {"clawback_enabled": False}),
        ("reserve", {"freezable": True}),
        ("reserve", {"clawback_enabled": True}),
        ("security", {"auth_required": False}),
        ("security", {"freezable": False}),
        ("security", {"clawback_enabled": False}),
        ("credit", {"auth_required": False, "maturity_ms": MATURITY_MS, "coupon_bps": 1}),
    ],
)
def test_invalid_issue_policy_not_allowed(
    controls_chain: Chain, asset_class: str, policy: dict[str, Any]
) -> None:
    outcome = controls_chain.run(issue("TOK", asset_class, **policy), ISSUER)
    assert_failed(outcome, AssetsCode.POLICY_NOT_ALLOWED)


@pytest.mark.parametrize(
    ("asset_class", "policy"),
    [
        ("credit", {}),
        ("credit", {"maturity_ms": MATURITY_MS}),
        ("credit", {"coupon_bps": 10}),
        ("credit", {"maturity_ms": 0, "coupon_bps": 10}),
        ("credit", {"maturity_ms": MATURITY_MS, "coupon_bps": 100_001}),
        ("utility", {"maturity_ms": MATURITY_MS}),
        ("security", {"coupon_bps": 1}),
    ],
)
def test_invalid_issue_credit_terms(
    controls_chain: Chain, asset_class: str, policy: dict[str, Any]
) -> None:
    outcome = controls_chain.run(issue("TOK", asset_class, **policy), ISSUER)
    assert_failed(outcome, AssetsCode.INVALID_CREDIT_TERMS)


def test_invalid_issue_credit_maturity_passed(controls_chain: Chain) -> None:
    outcome = controls_chain.run(credit(maturity_ms=controls_chain.next_time_ms), ISSUER)
    assert_failed(outcome, AssetsCode.INVALID_CREDIT_TERMS)


def test_issue_credit_terms_recorded(controls_chain: Chain) -> None:
    ok(controls_chain.run(credit(coupon_bps=100_000), ISSUER))
    asset = asset_of(controls_chain, "NOTE")
    assert (asset.maturity_ms, asset.coupon_bps) == (MATURITY_MS, 100_000)


@pytest.mark.parametrize(
    ("asset_class", "policy"),
    [
        ("utility", {"custodian": CUSTODIAN.address}),
        ("security", {"required_claims": [f"claim{n}" for n in range(17)]}),
        ("security", {"required_claims": ["kyc", "kyc"]}),
        ("security", {"required_claims": [""]}),
        ("security", {"required_claims": ["x" * 65]}),
        ("security", {"jurisdictions": ["hk"]}),
        ("security", {"jurisdictions": ["HKG"]}),
        ("security", {"jurisdictions": ["HK", "HK"]}),
        ("security", {"jurisdictions": [f"A{chr(65 + n % 26)}-{n}" for n in range(65)]}),
        ("security", {"holders_max": 0}),
        ("security", {"balance_max": Amount(0)}),
    ],
)
def test_invalid_issue_policy_field(
    controls_chain: Chain, asset_class: str, policy: dict[str, Any]
) -> None:
    outcome = controls_chain.run(issue("TOK", asset_class, **policy), ISSUER)
    assert_failed(outcome, AssetsCode.INVALID_POLICY_FIELD)


def test_issue_compliance_fields_recorded(controls_chain: Chain) -> None:
    message = issue(
        "FUND",
        "security",
        required_claims=["kyc", "accredited"],
        jurisdictions=["HK", "SG", "US-NY"],
        holders_max=99,
        balance_max=Amount(10**6),
    )
    ok(controls_chain.run(message, ISSUER))
    asset = asset_of(controls_chain, "FUND")
    assert asset.required_claims == ["kyc", "accredited"]
    assert asset.jurisdictions == ["HK", "SG", "US-NY"]
    assert (asset.holders_max, asset.balance_max) == (99, 10**6)
    view = controls_chain.app.query("assets", "asset", {"symbol": "FUND"})
    assert view.asset == asset and view.agent == ISSUER.address


# -- clawback flag ------------------------------------------------------------------------


def test_enable_clawback_before_first_mint(controls_chain: Chain) -> None:
    ok(controls_chain.run(issue("PTS", "utility"), ISSUER))
    outcome = ok(controls_chain.run(EnableClawback(ISSUER.address, "PTS"), ISSUER))
    assert outcome.events == [ClawbackEnabled("PTS", ISSUER.address)]
    assert asset_of(controls_chain, "PTS").clawback_enabled


def test_invalid_enable_clawback_after_first_mint(utility_chain: Chain) -> None:
    outcome = utility_chain.run(EnableClawback(ISSUER.address, "PTS"), ISSUER)
    assert_failed(outcome, AssetsCode.ALREADY_MINTED)


def test_invalid_enable_clawback_after_mint_and_burn_to_zero(controls_chain: Chain) -> None:
    ok(controls_chain.run([issue("PTS", "utility"), mint(5, ISSUER, "PTS")], ISSUER))
    ok(controls_chain.run(Burn(ISSUER.address, "PTS", Amount(5)), ISSUER))
    assert asset_of(controls_chain, "PTS").supply == 0
    outcome = controls_chain.run(EnableClawback(ISSUER.address, "PTS"), ISSUER)
    assert_failed(outcome, AssetsCode.ALREADY_MINTED)


def test_invalid_enable_clawback_forbidden_by_class(controls_chain: Chain) -> None:
    ok(controls_chain.run(issue("BTC", "reserve"), ISSUER))
    outcome = controls_chain.run(EnableClawback(ISSUER.address, "BTC"), ISSUER)
    assert_failed(outcome, AssetsCode.POLICY_NOT_ALLOWED)


def test_invalid_enable_clawback_unchanged(payment_chain: Chain) -> None:
    outcome = payment_chain.run(EnableClawback(ISSUER.address, "USD"), ISSUER)
    assert_failed(outcome, AssetsCode.UNCHANGED)


def test_invalid_enable_clawback_not_issuer_or_unknown(utility_chain: Chain) -> None:
    assert_failed(
        utility_chain.run(EnableClawback(ALICE.address, "PTS"), ALICE), AssetsCode.NOT_ISSUER
    )
    assert_failed(
        utility_chain.run(EnableClawback(ISSUER.address, "NOPE"), ISSUER),
        AssetsCode.ASSET_NOT_FOUND,
    )


# -- reserves -----------------------------------------------------------------------------


def test_attest_reserves_success(payment_chain: Chain) -> None:
    stamp = payment_chain.next_time_ms
    outcome = ok(payment_chain.run(attest(payment_chain, 20_000, stamp), CUSTODIAN))
    assert outcome.events == [ReservesAttested("USD", CUSTODIAN.address, Amount(20_000), stamp)]
    asset = asset_of(payment_chain, "USD")
    assert (asset.reserves, asset.reserves_as_of_ms) == (20_000, stamp)


def test_attest_reserves_zero_stops_minting(payment_chain: Chain) -> None:
    ok(payment_chain.run(attest(payment_chain, 0), CUSTODIAN))
    assert_failed(payment_chain.run(mint(1), ISSUER), AssetsCode.RESERVES_EXCEEDED)


def test_invalid_attest_reserves_not_custodian(payment_chain: Chain) -> None:
    message = AttestReserves(ISSUER.address, "USD", Amount(1), payment_chain.next_time_ms)
    assert_failed(payment_chain.run(message, ISSUER), AssetsCode.NOT_CUSTODIAN)


def test_invalid_attest_reserves_for_asset_without_custodian(utility_chain: Chain) -> None:
    outcome = utility_chain.run(attest(utility_chain, 1, symbol="PTS"), CUSTODIAN)
    assert_failed(outcome, AssetsCode.NOT_CUSTODIAN)


def test_invalid_attest_reserves_custodian_role_required(controls_chain: Chain) -> None:
    ok(controls_chain.run(issue("USD", "payment", custodian=ALICE.address), ISSUER))
    message = AttestReserves(ALICE.address, "USD", Amount(1), controls_chain.next_time_ms)
    assert_failed(controls_chain.run(message, ALICE), AssetsCode.CUSTODIAN_ROLE_REQUIRED)


def test_invalid_attest_reserves_asset_not_found(controls_chain: Chain) -> None:
    outcome = controls_chain.run(attest(controls_chain, 1), CUSTODIAN)
    assert_failed(outcome, AssetsCode.ASSET_NOT_FOUND)


@pytest.mark.parametrize("offset_ms", [1, 0, -1])
def test_invalid_attest_reserves_time(payment_chain: Chain, offset_ms: int) -> None:
    # offset 1: after the block time; 0 and -1: not newer than the last (taken at the
    # block time of the fixture's second block, 1 s before the last block).
    if offset_ms == 1:
        stamp = payment_chain.next_time_ms + 1
    else:
        stamp = asset_of(payment_chain, "USD").reserves_as_of_ms + offset_ms
    outcome = payment_chain.run(attest(payment_chain, 1, stamp), CUSTODIAN)
    assert_failed(outcome, AssetsCode.INVALID_ATTESTATION_TIME)


def test_mint_payment_up_to_reserves(payment_chain: Chain) -> None:
    ok(payment_chain.run(mint(8_500), ISSUER))  # supply 1,500 + 8,500 = reserves
    assert payment_chain.supply("USD") == 10_000
    assert_failed(payment_chain.run(mint(1), ISSUER), AssetsCode.RESERVES_EXCEEDED)


def test_invalid_mint_payment_without_attestation(controls_chain: Chain) -> None:
    ok(controls_chain.run(issue("USD", "payment", custodian=CUSTODIAN.address), ISSUER))
    assert_failed(controls_chain.run(mint(1), ISSUER), AssetsCode.RESERVES_STALE)


def test_mint_payment_attestation_age_limit() -> None:
    chain = Chain(controls_genesis(params={"reserve_attestation_age_max_ms": 5_000}))
    ok(chain.run(issue("USD", "payment", custodian=CUSTODIAN.address), ISSUER))
    stamp = chain.next_time_ms
    ok(chain.run(attest(chain, 100, stamp), CUSTODIAN))
    # Exactly at the age limit the attestation still counts; one ms later it does not.
    ok(chain.block([chain.tx(mint(1), ISSUER)], time_ms=stamp + 5_000).txs[0])
    outcome = chain.block([chain.tx(mint(1), ISSUER)], time_ms=stamp + 5_001).txs[0]
    assert_failed(outcome, AssetsCode.RESERVES_STALE)
    ok(chain.run(attest(chain, 100), CUSTODIAN))
    ok(chain.run(mint(1), ISSUER))


def test_invalid_mint_max_supply_checked_before_reserves(payment_chain: Chain) -> None:
    ok(payment_chain.run(attest(payment_chain, 0), CUSTODIAN))
    outcome = payment_chain.run(mint(10**12), ISSUER)
    assert_failed(outcome, AssetsCode.MAX_SUPPLY_EXCEEDED)


# -- authorization ------------------------------------------------------------------------


def test_authorize_lets_account_hold(controls_chain: Chain) -> None:
    ok(controls_chain.run(credit(), ISSUER))
    assert_failed(controls_chain.run(mint(5, ALICE, "NOTE"), ISSUER), AssetsCode.NOT_AUTHORIZED)
    outcome = ok(controls_chain.run(Authorize(ISSUER.address, "NOTE", ALICE.address, True), ISSUER))
    assert outcome.events == [HolderAuthorizationSet("NOTE", ALICE.address, True)]
    ok(controls_chain.run(mint(5, ALICE, "NOTE"), ISSUER))
    line = line_of(controls_chain, ALICE, "NOTE")
    assert line is not None and line.authorized and line.amount == 5


def test_authorize_issuer_and_agent_need_none(security_chain: Chain) -> None:
    ok(security_chain.run(mint(10, ISSUER, "FUND"), ISSUER))
    ok(security_chain.run(mint(10, AGENT, "FUND"), ISSUER))
    transfer = Transfer(AGENT.address, ALICE.address, "FUND", Amount(10))
    ok(security_chain.run(transfer, AGENT))


def test_invalid_transfer_recipient_not_authorized(security_chain: Chain) -> None:
    outcome = security_chain.run(Transfer(ALICE.address, CAROL.address, "FUND", Amount(1)), ALICE)
    assert_failed(outcome, AssetsCode.NOT_AUTHORIZED)
    assert "recipient" in outcome.result.message


def test_revoke_authorization_stops_sending(security_chain: Chain) -> None:
    revoke = Authorize(ISSUER.address, "FUND", ALICE.address, False)
    ok(security_chain.run(revoke, ISSUER))
    outcome = security_chain.run(Transfer(ALICE.address, BOB.address, "FUND", Amount(1)), ALICE)
    assert_failed(outcome, AssetsCode.NOT_AUTHORIZED)
    assert "sender" in outcome.result.message


def test_revoke_authorization_of_empty_line_deletes_it(security_chain: Chain) -> None:
    ok(security_chain.run(Authorize(ISSUER.address, "FUND", CAROL.address, True), ISSUER))
    assert line_of(security_chain, CAROL, "FUND") is not None
    ok(security_chain.run(Authorize(ISSUER.address, "FUND", CAROL.address, False), ISSUER))
    assert line_of(security_chain, CAROL, "FUND") is None


def test_invalid_authorize_not_required(utility_chain: Chain) -> None:
    outcome = utility_chain.run(Authorize(ISSUER.address, "PTS", ALICE.address, True), ISSUER)
    assert_failed(outcome, AssetsCode.AUTHORIZATION_NOT_REQUIRED)


def test_invalid_authorize_revoke_not_freezable(controls_chain: Chain) -> None:
    ok(
        controls_chain.run(
            [credit(freezable=False), Authorize(ISSUER.address, "NOTE", ALICE.address, True)],
            ISSUER,
        )
    )
    outcome = controls_chain.run(Authorize(ISSUER.address, "NOTE", ALICE.address, False), ISSUER)
    assert_failed(outcome, AssetsCode.NOT_FREEZABLE)


@pytest.mark.parametrize(
    ("signer", "symbol", "authorized", "code"),
    [
        (ISSUER, "NOPE", True, AssetsCode.ASSET_NOT_FOUND),
        (ALICE, "FUND", True, AssetsCode.NOT_ISSUER),
        (ISSUER, "FUND", True, AssetsCode.UNCHANGED),
    ],
)
def test_invalid_authorize(
    security_chain: Chain, signer: Any, symbol: str, authorized: bool, code: AssetsCode
) -> None:
    message = Authorize(signer.address, symbol, ALICE.address, authorized)
    assert_failed(security_chain.run(message, signer), code)


# -- holder count, speculative flag, genesis ----------------------------------------------


def test_holder_count_follows_balances(utility_chain: Chain) -> None:
    assert asset_of(utility_chain, "PTS").holders == 2
    ok(utility_chain.run(Transfer(ALICE.address, CAROL.address, "PTS", Amount(1)), ALICE))
    assert asset_of(utility_chain, "PTS").holders == 3
    ok(utility_chain.run(Transfer(BOB.address, CAROL.address, "PTS", Amount(500)), BOB))
    assert asset_of(utility_chain, "PTS").holders == 2
    ok(utility_chain.run(mint(3, ISSUER, "PTS"), ISSUER))
    ok(utility_chain.run(Burn(ISSUER.address, "PTS", Amount(3)), ISSUER))
    assert asset_of(utility_chain, "PTS").holders == 2


def test_speculative_in_asset_and_balance_answers(controls_chain: Chain) -> None:
    ok(controls_chain.run([issue("MEME", "entertainment"), mint(9, ALICE, "MEME")], ISSUER))
    assert controls_chain.app.query("assets", "asset", {"symbol": "MEME"}).speculative
    balance = controls_chain.app.query(
        "assets", "balance", {"account": str(ALICE.address), "symbol": "MEME"}
    )
    assert balance.speculative and balance.amount == 9


def test_genesis_policy_params_and_authorized_balance() -> None:
    section = {
        "params": {"reserve_attestation_age_max_ms": 7},
        "assets": [
            {
                "symbol": "FUND",
                "name": "Fund",
                "decimals": 0,
                "asset_class": "security",
                "issuer": str(ISSUER.address),
                "max_supply": "100",
                "agent": str(AGENT.address),
                "jurisdictions": ["HK"],
            }
        ],
        "balances": [
            {"account": str(ALICE.address), "symbol": "FUND", "amount": "60", "authorized": True},
            {"account": str(BOB.address), "symbol": "FUND", "amount": "0", "authorized": True},
        ],
    }
    chain = Chain(controls_genesis(**section))
    asset = asset_of(chain, "FUND")
    assert (asset.supply, asset.holders, asset.ever_minted, asset.paused) == (60, 1, True, True)
    assert (asset.agent, asset.jurisdictions) == (AGENT.address, ["HK"])
    bob = line_of(chain, BOB, "FUND")
    assert bob is not None and bob.authorized and bob.amount == 0
    assert chain.app.query("assets", "balances", {"account": str(BOB.address)})[0].authorized
    assert_failed(chain.run(EnableClawback(ISSUER.address, "FUND"), ISSUER), AssetsCode.UNCHANGED)


@pytest.mark.parametrize(
    "change",
    [
        {"authorized": False},  # a security holder without authorization
        {"symbol": "FUND", "amount": "101"},  # above max supply
    ],
)
def test_invalid_genesis_security_balances(change: dict[str, Any]) -> None:
    balance = {"account": str(ALICE.address), "symbol": "FUND", "amount": "60", "authorized": True}
    section = {
        "assets": [
            {
                "symbol": "FUND",
                "name": "Fund",
                "decimals": 0,
                "asset_class": "security",
                "issuer": str(ISSUER.address),
                "max_supply": "100",
            }
        ],
        "balances": [balance | change],
    }
    app = Application(SqliteStore(None))
    with pytest.raises(ValueError):
        app.init_chain(json.dumps(controls_genesis(**section)).encode())


def test_invalid_genesis_policy_not_allowed() -> None:
    section = {
        "assets": [
            {
                "symbol": "USD",
                "name": "Dollar",
                "decimals": 2,
                "asset_class": "payment",
                "issuer": str(ISSUER.address),
                "max_supply": "100",
                "freezable": False,
            }
        ]
    }
    with pytest.raises(ValueError, match="loosen"):
        Application(SqliteStore(None)).init_chain(json.dumps(controls_genesis(**section)).encode())


def test_query_asset_shows_every_control_in_json(payment_chain: Chain) -> None:
    view = payment_chain.app.query("assets", "asset", {"symbol": "USD"})
    shown = json.loads(to_json(view))
    asset = shown["asset"]
    assert (asset["reserves"], asset["holders"], asset["supply"]) == ("10000", 2, "1500")
    assert (asset["paused"], asset["global_freeze"], asset["freezable"]) == (False, False, True)
    assert (asset["clawback_enabled"], asset["auth_required"]) == (True, False)
    assert (shown["agent"], asset["custodian"]) == (str(AGENT.address), str(CUSTODIAN.address))
    assert shown["speculative"] is False
