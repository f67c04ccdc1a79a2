"""The compliance module's holder checks on every message that gives an account units,
its monitoring rules (alerts fire exactly at their thresholds), the cheap path of an
asset with no compliance fields, and the ``check_transfer`` dry run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from originledger.core.amounts import Amount
from originledger.modules.assets import AssetsCode
from originledger.modules.assets.types import ForceTransfer, Mint, PlaceHold, Recover, Transfer
from originledger.modules.attest.types import Revoke
from originledger.modules.compliance import ComplianceCode
from originledger.modules.compliance.keys import inflow_key
from originledger.modules.compliance.queries import rule_id_of
from originledger.modules.compliance.types import AlertRaised, DecideIssuance
from tests.conftest import (
    ALICE,
    BLOCK_STEP_MS,
    BOB,
    CAROL,
    ISSUER,
    Chain,
    assert_failed,
    close_chain,
    party,
)
from tests.modules.compliance_helpers import (
    KYC,
    REGULATOR,
    alerts,
    claim,
    compliance_genesis,
    issue,
    ok,
    trust_in_asset,
)

DAVE = party("dave")
MAJOR = 100  # minor units per major unit (2 decimals)


def transfer(sender: Any, recipient: Any, amount: int, symbol: str = "PTS") -> Transfer:
    return Transfer(sender.address, recipient.address, symbol, Amount(amount))


@pytest.fixture
def chain() -> Iterator[Chain]:
    fresh = Chain(compliance_genesis())
    yield fresh
    close_chain(fresh)


def kyc_asset(chain: Chain, **policy: Any) -> None:
    """PTS (utility, home SG, no CN approval): the issuer holds 10,000 units."""
    ok(
        chain.run(
            [
                issue("PTS", "utility", jurisdiction="SG", **policy),
                Mint(ISSUER.address, "PTS", ISSUER.address, Amount(10_000)),
            ],
            ISSUER,
        )
    )


# -- receiver not verified --------------------------------------------------------------


def test_transfer_receiver_verified_in_asset_scope(chain: Chain) -> None:
    kyc_asset(chain, required_claims=["kyc_level"])
    trust_in_asset(chain, "PTS", "kyc_level")
    claim(chain, ALICE, "kyc_level", 2)
    ok(chain.run(transfer(ISSUER, ALICE, 100), ISSUER))
    assert chain.balance(ALICE, "PTS") == 100


def test_transfer_receiver_verified_in_home_policy_scope(chain: Chain) -> None:
    # HK's regulator trusts KYC (genesis): an HK asset falls back on policy:HK.
    ok(
        chain.run(
            [
                issue("HKP", "utility", jurisdiction="HK", required_claims=["kyc_level"]),
                Mint(ISSUER.address, "HKP", ISSUER.address, Amount(1_000)),
            ],
            ISSUER,
        )
    )
    claim(chain, ALICE, "kyc_level", 1)
    ok(chain.run(transfer(ISSUER, ALICE, 10, "HKP"), ISSUER))


def test_invalid_transfer_receiver_not_verified(chain: Chain) -> None:
    kyc_asset(chain, required_claims=["kyc_level"])
    outcome = chain.run(transfer(ISSUER, ALICE, 100), ISSUER)
    assert_failed(outcome, ComplianceCode.RECEIVER_NOT_VERIFIED)
    assert "kyc_level" in outcome.result.message and rule_id_of(outcome.result.message) is None


def test_invalid_transfer_receiver_claim_untrusted_or_revoked(chain: Chain) -> None:
    # SG is not the home of any trust: KYC's claim counts only once the issuer trusts it.
    kyc_asset(chain, required_claims=["kyc_level"])
    claim(chain, ALICE, "kyc_level", 2)
    assert_failed(
        chain.run(transfer(ISSUER, ALICE, 1), ISSUER), ComplianceCode.RECEIVER_NOT_VERIFIED
    )
    trust_in_asset(chain, "PTS", "kyc_level")
    ok(chain.run(transfer(ISSUER, ALICE, 1), ISSUER))
    attested = chain.app.query("attest", "by_recipient", {"recipient": str(ALICE.address)})
    ok(chain.run(Revoke(KYC.address, attested.attestations[-1].id), KYC))
    assert_failed(
        chain.run(transfer(ISSUER, ALICE, 1), ISSUER), ComplianceCode.RECEIVER_NOT_VERIFIED
    )


def test_transfer_to_issuer_and_agent_exempt(chain: Chain) -> None:
    kyc_asset(chain, required_claims=["kyc_level"], agent=CAROL.address)
    trust_in_asset(chain, "PTS", "kyc_level")
    claim(chain, ALICE, "kyc_level", 2)
    ok(chain.run(transfer(ISSUER, ALICE, 100), ISSUER))
    ok(chain.run(transfer(ALICE, ISSUER, 10), ALICE))  # a redemption
    ok(chain.run(transfer(ALICE, CAROL, 10), ALICE))  # the agent


# Every message that gives units checks its receiver.


def _guarded_messages() -> list[tuple[Any, Any]]:
    return [
        (Mint(ISSUER.address, "PTS", BOB.address, Amount(1)), ISSUER),
        (PlaceHold(ALICE.address, BOB.address, "PTS", Amount(1), 0), ALICE),
        (ForceTransfer(ISSUER.address, "PTS", ALICE.address, BOB.address, Amount(1)), ISSUER),
        (Recover(ISSUER.address, "PTS", ALICE.address, BOB.address), ISSUER),
    ]


@pytest.mark.parametrize("index", range(4))
def test_invalid_guarded_message_receiver_not_verified(chain: Chain, index: int) -> None:
    kyc_asset(chain, required_claims=["kyc_level"], clawback_enabled=True)
    trust_in_asset(chain, "PTS", "kyc_level")
    claim(chain, ALICE, "kyc_level", 2)
    ok(chain.run(transfer(ISSUER, ALICE, 100), ISSUER))
    message, signer = _guarded_messages()[index]
    if isinstance(message, PlaceHold):
        message = PlaceHold(
            ALICE.address, BOB.address, "PTS", Amount(1), chain.next_time_ms + 60_000
        )
    assert_failed(chain.run(message, signer), ComplianceCode.RECEIVER_NOT_VERIFIED)
    claim(chain, BOB, "kyc_level", 1)
    ok(chain.run(message, signer))


# -- country restricted -----------------------------------------------------------------


def test_transfer_country_allowed(chain: Chain) -> None:
    kyc_asset(chain, jurisdictions=["HK", "SG"])
    trust_in_asset(chain, "PTS", "residence")
    claim(chain, ALICE, "residence", "HK")
    ok(chain.run(transfer(ISSUER, ALICE, 100), ISSUER))


@pytest.mark.parametrize("residence", [None, "US"])
def test_invalid_transfer_country_restricted(chain: Chain, residence: str | None) -> None:
    kyc_asset(chain, jurisdictions=["HK", "SG", "US-NY"])
    trust_in_asset(chain, "PTS", "residence")
    if residence:
        claim(chain, ALICE, "residence", residence)
    outcome = chain.run(transfer(ISSUER, ALICE, 100), ISSUER)
    assert_failed(outcome, ComplianceCode.COUNTRY_RESTRICTED)
    assert f"residence {residence or 'unknown'}" in outcome.result.message


def test_invalid_transfer_precedence_claims_before_country(chain: Chain) -> None:
    kyc_asset(chain, required_claims=["kyc_level"], jurisdictions=["HK"])
    assert_failed(
        chain.run(transfer(ISSUER, ALICE, 1), ISSUER), ComplianceCode.RECEIVER_NOT_VERIFIED
    )


# -- class restricted (CN-5, CN-6) -------------------------------------------------------


def meme(chain: Chain) -> None:
    ok(
        chain.run(
            [
                issue("MEME", "entertainment"),
                Mint(ISSUER.address, "MEME", ISSUER.address, Amount(1_000)),
            ],
            ISSUER,
        )
    )


def test_invalid_transfer_class_restricted_for_cn_residents(chain: Chain) -> None:
    meme(chain)
    claim(chain, ALICE, "residence", "CN")  # trusted by the CN regulator (policy:CN)
    outcome = chain.run(transfer(ISSUER, ALICE, 10, "MEME"), ISSUER)
    assert_failed(outcome, ComplianceCode.CLASS_RESTRICTED)
    assert rule_id_of(outcome.result.message) == "CN-5"


def test_transfer_class_restriction_other_residents(chain: Chain) -> None:
    meme(chain)
    claim(chain, ALICE, "residence", "US")
    ok(chain.run(transfer(ISSUER, ALICE, 10, "MEME"), ISSUER))
    ok(chain.run(transfer(ISSUER, BOB, 10, "MEME"), ISSUER))  # no residence claim at all


def test_transfer_class_restriction_lifted_by_approval(chain: Chain) -> None:
    meme(chain)
    claim(chain, ALICE, "residence", "CN")
    ok(chain.run(DecideIssuance(REGULATOR.address, "CN", "MEME", ISSUER.address, True), REGULATOR))
    ok(chain.run(transfer(ISSUER, ALICE, 10, "MEME"), ISSUER))


def test_invalid_mint_security_to_cn_resident(chain: Chain) -> None:
    from originledger.modules.assets.types import Authorize

    ok(chain.run(issue("SGF", "security", jurisdiction="SG"), ISSUER))
    ok(chain.run(Authorize(ISSUER.address, "SGF", ALICE.address, True), ISSUER))
    claim(chain, ALICE, "residence", "CN")
    outcome = chain.run(Mint(ISSUER.address, "SGF", ALICE.address, Amount(5)), ISSUER)
    assert_failed(outcome, ComplianceCode.CLASS_RESTRICTED)
    assert rule_id_of(outcome.result.message) == "CN-6"


# -- holder and balance limits ----------------------------------------------------------


def test_transfer_holder_limit(chain: Chain) -> None:
    kyc_asset(chain, holders_max=3)  # the issuer is a holder too
    ok(chain.run([transfer(ISSUER, ALICE, 100), transfer(ISSUER, BOB, 100)], ISSUER))
    assert_failed(chain.run(transfer(ALICE, CAROL, 50), ALICE), ComplianceCode.HOLDER_LIMIT)
    ok(chain.run(transfer(ALICE, BOB, 50), ALICE))  # BOB holds some already
    ok(chain.run(transfer(ALICE, CAROL, 50), ALICE))  # ALICE's whole balance: she leaves
    assert_failed(
        chain.run(Mint(ISSUER.address, "PTS", DAVE.address, Amount(1)), ISSUER),
        ComplianceCode.HOLDER_LIMIT,
    )


def test_transfer_balance_limit(chain: Chain) -> None:
    kyc_asset(chain, balance_max=Amount(500))
    ok(chain.run(transfer(ISSUER, ALICE, 499), ISSUER))
    ok(chain.run(transfer(ISSUER, ALICE, 1), ISSUER))  # exactly the maximum
    assert_failed(chain.run(transfer(ISSUER, ALICE, 1), ISSUER), ComplianceCode.BALANCE_LIMIT)


def test_recover_moves_whole_balance_within_limits(chain: Chain) -> None:
    kyc_asset(chain, holders_max=2, balance_max=Amount(500), clawback_enabled=True)
    ok(chain.run(transfer(ISSUER, ALICE, 400), ISSUER))
    ok(chain.run(Recover(ISSUER.address, "PTS", ALICE.address, BOB.address), ISSUER))
    assert chain.balance(BOB, "PTS") == 400


# -- cheap path -------------------------------------------------------------------------


def test_transfer_plain_asset_writes_nothing_of_compliance(chain: Chain) -> None:
    kyc_asset(chain)
    outcome = chain.block([chain.tx(transfer(ISSUER, ALICE, 100), ISSUER)])
    assert outcome.txs[0].result.ok
    assert not any(key.startswith(b"compliance/") for key in outcome.writes)


# -- monitoring: CN-7 large, CN-8 structuring, CN-9 rapid in and out ---------------------


@pytest.fixture
def cny_chain() -> Iterator[Chain]:
    """CNYX (payment, CNY-pegged, approved by CN): ALICE holds 1,000,000 CNY."""
    fresh = Chain(compliance_genesis())
    ok(fresh.run(DecideIssuance(REGULATOR.address, "CN", "CNYX", ISSUER.address, True), REGULATOR))
    ok(fresh.run(issue("CNYX", "payment", peg="CNY"), ISSUER))
    from originledger.modules.assets.types import AttestReserves

    ok(
        fresh.run(
            AttestReserves(ISSUER.address, "CNYX", Amount(10**10), fresh.next_time_ms), ISSUER
        )
    )
    ok(fresh.run(Mint(ISSUER.address, "CNYX", ALICE.address, Amount(1_000_000 * MAJOR)), ISSUER))
    yield fresh
    close_chain(fresh)


def pay(
    chain: Chain, sender: Any, recipient: Any, major: int, minor: int = 0, **block: Any
) -> list[AlertRaised]:
    message = transfer(sender, recipient, major * MAJOR + minor, "CNYX")
    options = {"expires_at_ms": block["time_ms"] + 60_000} if "time_ms" in block else {}
    outcome = chain.block([chain.tx(message, sender, **options)], **block).txs[0]
    ok(outcome)
    return alerts(outcome)


def test_alert_large_transfer_at_threshold(cny_chain: Chain) -> None:
    raised = pay(cny_chain, ALICE, BOB, 50_000)
    assert [(a.rule_id, a.kind, a.account, a.counterparty, a.amount) for a in raised] == [
        ("CN-7", "large_transfer", ALICE.address, BOB.address, 5_000_000)
    ]


def test_no_alert_just_below_large_transfer(cny_chain: Chain) -> None:
    assert [a.rule_id for a in pay(cny_chain, ALICE, BOB, 49_999, 99)] == []


def test_alert_structuring_at_count(cny_chain: Chain) -> None:
    assert pay(cny_chain, ALICE, BOB, 45_000) == []
    assert pay(cny_chain, ALICE, CAROL, 49_999, 99) == []
    raised = pay(cny_chain, ALICE, DAVE, 45_000)
    assert [(a.rule_id, a.count, a.account) for a in raised] == [("CN-8", 3, ALICE.address)]
    assert pay(cny_chain, ALICE, BOB, 45_000) == []  # the count restarted


def test_no_alert_structuring_outside_band(cny_chain: Chain) -> None:
    assert pay(cny_chain, ALICE, BOB, 44_999, 99) == []
    assert pay(cny_chain, ALICE, BOB, 45_000) == []
    assert [a.rule_id for a in pay(cny_chain, ALICE, BOB, 50_000)] == ["CN-7"]  # large, not near
    assert pay(cny_chain, ALICE, BOB, 45_000) == []  # the second near-threshold transfer


def test_no_alert_structuring_after_window(cny_chain: Chain) -> None:
    start = cny_chain.next_time_ms
    assert pay(cny_chain, ALICE, BOB, 45_000, time_ms=start) == []
    assert pay(cny_chain, ALICE, BOB, 45_000, time_ms=start + 1_000) == []
    day = 86_400_000
    assert pay(cny_chain, ALICE, BOB, 45_000, time_ms=start + day) == []  # a new window
    raised = pay(cny_chain, ALICE, BOB, 45_000, time_ms=start + day + 1_000)
    assert raised == []
    assert [a.count for a in pay(cny_chain, ALICE, BOB, 45_000, time_ms=start + day + 2_000)] == [3]


def test_alert_rapid_in_out_at_share(cny_chain: Chain) -> None:
    assert [a.rule_id for a in pay(cny_chain, ALICE, BOB, 50_000)] == ["CN-7"]
    raised = pay(cny_chain, BOB, CAROL, 45_000)  # 90 % of the inflow, within the hour
    assert [(a.rule_id, a.account, a.amount) for a in raised] == [("CN-9", BOB.address, 4_500_000)]
    assert pay(cny_chain, BOB, CAROL, 1_000) == []  # the mark is spent


def test_alert_large_transfer_and_rapid_in_out_count_one_movement(cny_chain: Chain) -> None:
    # Only structuring counts movements; the other alerts each stand for one movement.
    [large] = pay(cny_chain, ALICE, BOB, 50_000)
    assert (large.rule_id, large.count) == ("CN-7", 1)
    [rapid] = pay(cny_chain, BOB, CAROL, 45_000)
    assert (rapid.rule_id, rapid.count) == ("CN-9", 1)


def test_no_alert_rapid_in_out_below_share(cny_chain: Chain) -> None:
    pay(cny_chain, ALICE, BOB, 50_000)
    assert pay(cny_chain, BOB, CAROL, 44_999, 99) == []


def test_rapid_in_out_window_edge(cny_chain: Chain) -> None:
    start = cny_chain.next_time_ms
    pay(cny_chain, ALICE, BOB, 50_000, time_ms=start)
    pay(cny_chain, ALICE, CAROL, 50_000, time_ms=start + BLOCK_STEP_MS)
    hour = 3_600_000
    assert [a.rule_id for a in pay(cny_chain, BOB, DAVE, 45_000, time_ms=start + hour)] == ["CN-9"]
    late = pay(cny_chain, CAROL, DAVE, 45_000, time_ms=start + BLOCK_STEP_MS + hour + 1)
    assert late == []


def test_monitoring_writes_only_in_watched_band(cny_chain: Chain) -> None:
    outcome = cny_chain.block([cny_chain.tx(transfer(ALICE, BOB, 100 * MAJOR, "CNYX"), ALICE)])
    assert not any(key.startswith(b"compliance/") for key in outcome.writes)
    outcome = cny_chain.block([cny_chain.tx(transfer(ALICE, BOB, 45_000 * MAJOR, "CNYX"), ALICE)])
    assert any(key.startswith(b"compliance/monitor/s/CN-8/") for key in outcome.writes)


def test_rapid_in_out_outflow_below_share_reads_no_mark(cny_chain: Chain) -> None:
    # An outflow below the share of the threshold can match no mark: it reads none, so it
    # writes nothing, not even the removal of an expired mark.
    start = cny_chain.next_time_ms
    pay(cny_chain, ALICE, BOB, 50_000, time_ms=start)
    late = start + 3_600_000 + 1  # BOB's mark has expired
    message = transfer(BOB, CAROL, 45_000 * MAJOR - 1, "CNYX")
    tx = cny_chain.tx(message, BOB, expires_at_ms=late + 60_000)
    outcome = cny_chain.block([tx], time_ms=late)
    ok(outcome.txs[0])
    assert alerts(outcome.txs[0]) == []
    assert not any(key.startswith(b"compliance/") for key in outcome.writes)


def test_no_alert_rapid_in_out_just_below_share_of_a_larger_inflow(cny_chain: Chain) -> None:
    # The share applies to the inflow itself (60,000), not to the threshold (50,000).
    assert [a.rule_id for a in pay(cny_chain, ALICE, BOB, 60_000)] == ["CN-7"]
    assert [a.rule_id for a in pay(cny_chain, BOB, CAROL, 53_999, 99)] == ["CN-7"]


def test_rapid_in_out_mark_is_spent_by_its_alert(cny_chain: Chain) -> None:
    assert pay(cny_chain, ALICE, BOB, 40_000) == []  # below the threshold: no mark
    assert [a.rule_id for a in pay(cny_chain, ALICE, BOB, 50_000)] == ["CN-7"]
    assert [a.rule_id for a in pay(cny_chain, BOB, CAROL, 45_000)] == ["CN-9"]
    assert cny_chain.store.get(inflow_key("CN-9", BOB.address, "CNYX")) is None
    assert pay(cny_chain, BOB, CAROL, 45_000) == []  # the same share again: no mark left


def test_rapid_in_out_expired_mark_is_cleared_by_an_outflow(cny_chain: Chain) -> None:
    start = cny_chain.next_time_ms
    pay(cny_chain, ALICE, BOB, 50_000, time_ms=start)
    key = inflow_key("CN-9", BOB.address, "CNYX")
    assert cny_chain.store.get(key) is not None
    late = start + 3_600_000 + 1
    assert pay(cny_chain, BOB, CAROL, 45_000, time_ms=late) == []
    assert cny_chain.store.get(key) is None


def test_no_alert_when_transfer_refused(cny_chain: Chain) -> None:
    outcome = cny_chain.run(transfer(BOB, ALICE, 50_000 * MAJOR, "CNYX"), BOB)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)


# -- check_transfer ---------------------------------------------------------------------


def check(chain: Chain, sender: Any, recipient: Any, amount: int, symbol: str = "PTS") -> Any:
    params = {
        "sender": str(sender.address),
        "recipient": str(recipient.address),
        "symbol": symbol,
        "amount": str(amount),
    }
    return chain.app.query("compliance", "check_transfer", params)


def test_check_transfer_answers(chain: Chain) -> None:
    meme(chain)
    claim(chain, ALICE, "residence", "CN")
    allowed = check(chain, ISSUER, BOB, 10, "MEME")
    assert (allowed.allowed, allowed.code, allowed.rule_id) == (True, 0, None)
    refused = check(chain, ISSUER, ALICE, 10, "MEME")
    assert (refused.allowed, refused.codespace, refused.name, refused.rule_id) == (
        False,
        "compliance",
        "CLASS_RESTRICTED",
        "CN-5",
    )
    broke = check(chain, BOB, ISSUER, 10, "MEME")
    assert (broke.codespace, broke.name) == ("assets", "INSUFFICIENT_BALANCE")
    assert check(chain, BOB, ISSUER, 10, "NOPE").name == "ASSET_NOT_FOUND"
    assert check(chain, BOB, BOB, 10, "MEME").name == "SELF_TRANSFER"
    assert chain.balance(BOB, "MEME") == 0  # nothing was written
