"""The compliance module through the Application: regulators, packs, entities, licences,
approvals and the issuance rules of the shipped CN, HK and US packs, orders, queries,
genesis and invariants. Holder checks and monitoring are in test_compliance_holders.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from originledger.core.amounts import Amount
from originledger.core.module import QueryError
from originledger.modules.accounts.types import GrantRole
from originledger.modules.assets import AssetsCode
from originledger.modules.assets.types import AttestReserves, Clawback, Freeze, Mint, Pause
from originledger.modules.compliance import ComplianceCode, load_pack
from originledger.modules.compliance.invariants import (
    orders_are_numbered_in_sequence,
    packs_are_valid_and_indexed,
)
from originledger.modules.compliance.keys import INDEX_KEY, ORDER_SEQUENCE_KEY
from originledger.modules.compliance.queries import rule_id_of
from originledger.modules.compliance.types import (
    AppointRegulator,
    ClawbackOrdered,
    DecideIssuance,
    IssuanceDecided,
    OrderClawback,
    PackSet,
    PolicyPack,
    RegisterEntity,
    RegulatorAppointed,
    SetLicense,
    SetPack,
)
from originledger.policies import load_pack as load_pack_file
from tests.conftest import ADMIN, ALICE, BOB, ISSUER, Chain, DictStore, assert_failed, close_chain
from tests.modules.compliance_helpers import (
    BANK,
    CUSTODIAN,
    OTHER_REGULATOR,
    REGULATOR,
    compliance_genesis,
    issue,
    ok,
)


@pytest.fixture
def chain() -> Iterator[Chain]:
    fresh = Chain(compliance_genesis())
    yield fresh
    close_chain(fresh)


def query(chain: Chain, name: str, **params: str) -> Any:
    return chain.app.query("compliance", name, params)


def decide(
    chain: Chain, jurisdiction: str, symbol: str, approved: bool = True, issuer: Any = ISSUER
) -> None:
    ok(
        chain.run(
            DecideIssuance(
                REGULATOR.address, jurisdiction, symbol, issuer.address, approved, "reviewed"
            ),
            REGULATOR,
        )
    )


def license_to(chain: Chain, jurisdiction: str, kind: str, account: Any = ISSUER) -> None:
    ok(
        chain.run(
            SetLicense(REGULATOR.address, jurisdiction, account.address, kind, True), REGULATOR
        )
    )


def register_fi(chain: Chain, jurisdiction: str, account: Any = BANK) -> None:
    ok(
        chain.run(
            RegisterEntity(
                account.address,
                "Bank of Example",
                jurisdiction,
                regulated_fi=True,
                regulator=REGULATOR.address,
            ),
            [account, REGULATOR],
        )
    )


def failed_rule(chain: Chain, outcome: Any, code: ComplianceCode, rule_id: str | None) -> None:
    assert_failed(outcome, code)
    assert rule_id_of(outcome.result.message) == rule_id


# -- regulators ---------------------------------------------------------------------------


def test_appoint_regulator_success(chain: Chain) -> None:
    outcome = ok(chain.run(AppointRegulator(ADMIN.address, "SG", BOB.address, True), ADMIN))
    assert outcome.events[-1] == RegulatorAppointed("SG", BOB.address, True)
    accounts = [record.account for record in query(chain, "regulators", jurisdiction="SG")]
    assert BOB.address in accounts and OTHER_REGULATOR.address in accounts


def test_appoint_regulator_remove(chain: Chain) -> None:
    ok(chain.run(AppointRegulator(ADMIN.address, "HK", REGULATOR.address, False), ADMIN))
    assert query(chain, "regulators", jurisdiction="HK") == []
    outcome = chain.run(
        DecideIssuance(REGULATOR.address, "HK", "FUND", ISSUER.address, True), REGULATOR
    )
    assert_failed(outcome, ComplianceCode.NOT_REGULATOR)


def test_regression_removing_a_regulator_keeps_the_chain_running(chain: Chain) -> None:
    # SG has no pack and one regulator. Its approval is SG's decision: removing the
    # regulator who made it (its last) is allowed and the approval stands. Before the fix
    # compliance.approvals_are_decided_by_known_jurisdictions broke (checked after every
    # block here; a halt under live invariants).
    ok(
        chain.run(
            DecideIssuance(OTHER_REGULATOR.address, "SG", "SGDX", ISSUER.address, True, "ok"),
            OTHER_REGULATOR,
        )
    )
    ok(chain.run(AppointRegulator(ADMIN.address, "SG", OTHER_REGULATOR.address, False), ADMIN))
    assert query(chain, "regulators", jurisdiction="SG") == []
    chain.block([])  # every invariant holds, block after block
    approval = query(chain, "approval", jurisdiction="SG", symbol="SGDX")
    assert (approval.approved, approval.regulator) == (True, OTHER_REGULATOR.address)
    # The removed regulator can no longer act; a newly appointed one can change the decision.
    withdraw = DecideIssuance(OTHER_REGULATOR.address, "SG", "SGDX", ISSUER.address, False)
    assert_failed(chain.run(withdraw, OTHER_REGULATOR), ComplianceCode.NOT_REGULATOR)
    ok(chain.run(AppointRegulator(ADMIN.address, "SG", REGULATOR.address, True), ADMIN))
    ok(chain.run(DecideIssuance(REGULATOR.address, "SG", "SGDX", ISSUER.address, False), REGULATOR))
    assert query(chain, "approval", jurisdiction="SG", symbol="SGDX").approved is False


def test_invalid_appoint_regulator_not_admin(chain: Chain) -> None:
    outcome = chain.run(AppointRegulator(REGULATOR.address, "SG", BOB.address, True), REGULATOR)
    assert_failed(outcome, ComplianceCode.NOT_ADMIN)


def test_invalid_appoint_regulator_unchanged(chain: Chain) -> None:
    outcome = chain.run(AppointRegulator(ADMIN.address, "HK", REGULATOR.address, True), ADMIN)
    assert_failed(outcome, ComplianceCode.UNCHANGED)


@pytest.mark.parametrize("jurisdiction", ["hk", "HKG", "H", "", "H1"])
def test_invalid_appoint_regulator_jurisdiction(chain: Chain, jurisdiction: str) -> None:
    outcome = chain.run(AppointRegulator(ADMIN.address, jurisdiction, BOB.address, True), ADMIN)
    assert_failed(outcome, ComplianceCode.INVALID_JURISDICTION)


def test_invalid_regulator_without_role_cannot_act(chain: Chain) -> None:
    ok(chain.run(AppointRegulator(ADMIN.address, "HK", BOB.address, True), ADMIN))
    outcome = chain.run(DecideIssuance(BOB.address, "HK", "FUND", ISSUER.address, True), BOB)
    assert_failed(outcome, ComplianceCode.NOT_REGULATOR)
    ok(chain.run(GrantRole(ADMIN.address, BOB.address, "regulator"), ADMIN))
    ok(chain.run(DecideIssuance(BOB.address, "HK", "FUND", ISSUER.address, True), BOB))


# -- packs ------------------------------------------------------------------------------


def hk_pack(version: int = 2, **changes: Any) -> PolicyPack:
    pack = load_pack_file("HK")
    return msgspec.structs.replace(pack, version=version, **changes)


def test_set_pack_by_regulator_replaces(chain: Chain) -> None:
    pack = hk_pack(rules=load_pack_file("HK").rules[:1])
    outcome = ok(chain.run(SetPack(REGULATOR.address, pack), REGULATOR))
    assert outcome.events[-1] == PackSet("HK", pack.name, 2, ["HK-1"], REGULATOR.address)
    assert load_pack(chain.store, "HK") == pack
    assert [rule.id for rule in query(chain, "pack", jurisdiction="HK").rules] == ["HK-1"]
    # The licence rule HK-2 is gone: an approved HK fund issues without a licence.
    decide(chain, "HK", "FUND")
    ok(chain.run(issue("FUND", "security", jurisdiction="HK"), ISSUER))


def test_set_pack_first_for_a_jurisdiction(chain: Chain) -> None:
    pack = hk_pack(
        version=1,
        jurisdiction="SG",
        rules=[msgspec.structs.replace(load_pack_file("HK").rules[0], id="SG-1")],
    )
    ok(chain.run(SetPack(OTHER_REGULATOR.address, pack), OTHER_REGULATOR))
    assert [p.jurisdiction for p in query(chain, "packs").packs] == ["CN", "HK", "SG", "US"]
    outcome = chain.run(issue("SGF", "security", jurisdiction="SG"), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.APPROVAL_MISSING, "SG-1")


def test_invalid_set_pack_not_regulator(chain: Chain) -> None:
    assert_failed(chain.run(SetPack(ALICE.address, hk_pack()), ALICE), ComplianceCode.NOT_REGULATOR)
    # A regulator of another jurisdiction may not replace this one's pack.
    outcome = chain.run(SetPack(OTHER_REGULATOR.address, hk_pack()), OTHER_REGULATOR)
    assert_failed(outcome, ComplianceCode.NOT_REGULATOR)
    assert load_pack(chain.store, "HK").version == 1


def test_invalid_set_pack_version_not_newer(chain: Chain) -> None:
    outcome = chain.run(SetPack(REGULATOR.address, hk_pack(version=1)), REGULATOR)
    assert_failed(outcome, ComplianceCode.VERSION_NOT_NEWER)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda rules: [*rules, rules[0]], "repeated"),
        (lambda rules: [msgspec.structs.replace(rules[0], id="CN-1")], "must be 'HK-'"),
        (lambda rules: [msgspec.structs.replace(rules[0], classes=["bond"])], "classes"),
        (lambda rules: [msgspec.structs.replace(rules[0], scope="global")], "scope"),
        (
            lambda rules: [
                msgspec.structs.replace(
                    rules[0], cites=msgspec.structs.replace(rules[0].cites, quote="")
                )
            ],
            "citation",
        ),
        (lambda rules: [msgspec.structs.replace(rules[0], summary="")], "summary"),
        (lambda rules: [], "1 to 64 rules"),
    ],
)
def test_invalid_set_pack_malformed(chain: Chain, change: Any, problem: str) -> None:
    pack = hk_pack(rules=change(list(load_pack_file("HK").rules)))
    outcome = chain.run(SetPack(REGULATOR.address, pack), REGULATOR)
    assert_failed(outcome, ComplianceCode.INVALID_PACK)
    assert problem in outcome.result.message


def test_pack_queries(chain: Chain) -> None:
    packs = query(chain, "packs").packs
    assert [pack.jurisdiction for pack in packs] == ["CN", "HK", "US"]
    assert all(rule.cites.quote for pack in packs for rule in pack.rules)
    answer = query(chain, "rule", id="CN-1")
    assert (answer.jurisdiction, answer.kind, answer.rule.pegs) == (
        "CN",
        "issuance_approval",
        ["CNY"],
    )
    for params in ({"id": "CN-99"}, {"id": "XX-1"}, {"id": ""}):
        with pytest.raises(QueryError) as raised:
            query(chain, "rule", **params)
        assert raised.value.not_found
    with pytest.raises(QueryError):
        query(chain, "pack", jurisdiction="hk")
    with pytest.raises(QueryError) as missing:
        query(chain, "pack", jurisdiction="SG")
    assert missing.value.not_found


# -- entities and licences --------------------------------------------------------------


def test_register_entity_success(chain: Chain) -> None:
    outcome = ok(chain.run(RegisterEntity(BANK.address, "Harbour Trust Ltd", "HK"), BANK))
    entity = query(chain, "entity", account=str(BANK.address))
    assert (entity.name, entity.jurisdiction, entity.regulated_fi) == (
        "Harbour Trust Ltd",
        "HK",
        False,
    )
    assert outcome.events[-1].name == "Harbour Trust Ltd"
    ok(chain.run(RegisterEntity(BANK.address, "Harbour Trust Limited", "HK"), BANK))


@pytest.mark.parametrize(
    "name",
    [
        "Shanghai Stablecoin Ltd",
        "Pudong STABLECOINS Co",
        "RWA Partners",
        "Global RWAs",
        "Crypto-Asset Services",
        "CryptoAsset Services",
        "Real World Asset Tokenization Co",
        "virtual currency exchange",
    ],
)
def test_invalid_register_entity_restricted_name(chain: Chain, name: str) -> None:
    outcome = chain.run(RegisterEntity(BANK.address, name, "CN"), BANK)
    failed_rule(chain, outcome, ComplianceCode.RESTRICTED_NAME, "CN-3")


@pytest.mark.parametrize("name", ["Forward Trading Ltd", "Norwa Industries", "Stable Coins Co"])
def test_register_entity_name_near_restricted_terms(chain: Chain, name: str) -> None:
    ok(chain.run(RegisterEntity(BANK.address, name, "CN"), BANK))


def test_register_entity_restricted_terms_only_at_home(chain: Chain) -> None:
    ok(chain.run(RegisterEntity(BANK.address, "Stablecoin Inc", "US"), BANK))


def test_register_entity_regulated_fi_with_regulator(chain: Chain) -> None:
    register_fi(chain, "HK")
    assert query(chain, "entity", account=str(BANK.address)).regulated_fi is True


def test_invalid_register_entity_fi_without_regulator(chain: Chain) -> None:
    outcome = chain.run(RegisterEntity(BANK.address, "Bank", "HK", regulated_fi=True), BANK)
    assert_failed(outcome, ComplianceCode.FI_NEEDS_REGULATOR)
    # A regulator of another jurisdiction does not do either.
    outcome = chain.run(
        RegisterEntity(BANK.address, "Bank", "HK", True, OTHER_REGULATOR.address),
        [BANK, OTHER_REGULATOR],
    )
    assert_failed(outcome, ComplianceCode.FI_NEEDS_REGULATOR)


def test_invalid_register_entity_fi_cleared_without_regulator(chain: Chain) -> None:
    register_fi(chain, "HK")
    outcome = chain.run(RegisterEntity(BANK.address, "Bank of Example", "HK"), BANK)
    assert_failed(outcome, ComplianceCode.FI_NEEDS_REGULATOR)
    ok(
        chain.run(
            RegisterEntity(BANK.address, "Bank of Example", "HK", False, REGULATOR.address),
            [BANK, REGULATOR],
        )
    )


@pytest.mark.parametrize("name", ["", " padded", "x" * 129, "tab\there"])
def test_invalid_register_entity_name(chain: Chain, name: str) -> None:
    assert_failed(
        chain.run(RegisterEntity(BANK.address, name, "HK"), BANK),
        ComplianceCode.INVALID_ENTITY_NAME,
    )


def test_invalid_register_entity_unchanged(chain: Chain) -> None:
    ok(chain.run(RegisterEntity(BANK.address, "Bank", "HK"), BANK))
    assert_failed(
        chain.run(RegisterEntity(BANK.address, "Bank", "HK"), BANK), ComplianceCode.UNCHANGED
    )


def test_license_grant_and_withdraw(chain: Chain) -> None:
    license_to(chain, "HK", "stablecoin_issuer")
    licences = query(chain, "licenses", account=str(ISSUER.address))
    assert [(x.jurisdiction, x.kind) for x in licences] == [("HK", "stablecoin_issuer")]
    ok(
        chain.run(
            SetLicense(REGULATOR.address, "HK", ISSUER.address, "stablecoin_issuer", False),
            REGULATOR,
        )
    )
    assert query(chain, "licenses", account=str(ISSUER.address)) == []


def test_invalid_license(chain: Chain) -> None:
    grant = SetLicense(OTHER_REGULATOR.address, "HK", ISSUER.address, "licensed_fi", True)
    assert_failed(chain.run(grant, OTHER_REGULATOR), ComplianceCode.NOT_REGULATOR)
    bad_kind = SetLicense(REGULATOR.address, "HK", ISSUER.address, "Licensed FI", True)
    assert_failed(chain.run(bad_kind, REGULATOR), ComplianceCode.INVALID_LICENSE_KIND)
    withdraw = SetLicense(REGULATOR.address, "HK", ISSUER.address, "licensed_fi", False)
    assert_failed(chain.run(withdraw, REGULATOR), ComplianceCode.UNCHANGED)


# -- approvals and issuance rules -------------------------------------------------------


def test_decide_issuance_records_and_queries(chain: Chain) -> None:
    outcome = ok(
        chain.run(
            DecideIssuance(REGULATOR.address, "CN", "CNYX", ISSUER.address, True, "ok"), REGULATOR
        )
    )
    assert outcome.events[-1] == IssuanceDecided(
        "CN", "CNYX", ISSUER.address, True, REGULATOR.address, "ok"
    )
    approval = query(chain, "approval", jurisdiction="CN", symbol="CNYX")
    assert (approval.approved, approval.issuer, approval.regulator) == (
        True,
        ISSUER.address,
        REGULATOR.address,
    )
    assert [a.symbol for a in query(chain, "approvals", jurisdiction="CN")] == ["CNYX"]
    assert query(chain, "approvals", jurisdiction="HK") == []
    with pytest.raises(QueryError):
        query(chain, "approval", jurisdiction="HK", symbol="CNYX")


def test_invalid_decide_issuance(chain: Chain) -> None:
    wrong = DecideIssuance(OTHER_REGULATOR.address, "CN", "CNYX", ISSUER.address, True)
    assert_failed(chain.run(wrong, OTHER_REGULATOR), ComplianceCode.NOT_REGULATOR)
    symbol = DecideIssuance(REGULATOR.address, "CN", "cny", ISSUER.address, True)
    assert_failed(chain.run(symbol, REGULATOR), ComplianceCode.INVALID_SYMBOL)
    note = DecideIssuance(REGULATOR.address, "CN", "CNYX", ISSUER.address, True, "n" * 257)
    assert_failed(chain.run(note, REGULATOR), ComplianceCode.NOTE_TOO_LONG)
    decide(chain, "CN", "CNYX")
    again = DecideIssuance(REGULATOR.address, "CN", "CNYX", ISSUER.address, True, "reviewed")
    assert_failed(chain.run(again, REGULATOR), ComplianceCode.UNCHANGED)


# CN-1: a CNY-pegged stablecoin, anywhere, needs CN's consent.


@pytest.mark.parametrize("home", [None, "CN", "SG"])
def test_issue_cny_stablecoin_approved(chain: Chain, home: str | None) -> None:
    decide(chain, "CN", "CNYX")
    ok(chain.run(issue("CNYX", "payment", peg="CNY", jurisdiction=home), ISSUER))


@pytest.mark.parametrize("home", [None, "CN", "SG"])
def test_invalid_issue_cny_stablecoin_approval_missing(chain: Chain, home: str | None) -> None:
    outcome = chain.run(issue("CNYX", "payment", peg="CNY", jurisdiction=home), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.APPROVAL_MISSING, "CN-1")


def test_invalid_issue_cny_stablecoin_denied(chain: Chain) -> None:
    decide(chain, "CN", "CNYX", approved=False)
    outcome = chain.run(issue("CNYX", "payment", peg="CNY"), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.APPROVAL_DENIED, "CN-1")


def test_invalid_issue_approved_for_another_issuer(chain: Chain) -> None:
    decide(chain, "CN", "CNYX", issuer=BOB)
    outcome = chain.run(issue("CNYX", "payment", peg="CNY"), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.APPROVAL_MISSING, "CN-1")
    assert "another issuer" in outcome.result.message


def test_invalid_issue_approved_by_another_jurisdiction(chain: Chain) -> None:
    decide(chain, "HK", "CNYX")
    outcome = chain.run(issue("CNYX", "payment", peg="CNY"), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.APPROVAL_MISSING, "CN-1")


def test_issue_other_pegs_need_no_cn_approval(chain: Chain) -> None:
    ok(chain.run(issue("EURX", "payment", peg="EUR"), ISSUER))


# CN-2: an RWA token in China needs approval; abroad it is not reached.


def test_issue_cn_security_approved(chain: Chain) -> None:
    decide(chain, "CN", "CNF1")
    ok(chain.run(issue("CNF1", "security", jurisdiction="CN"), ISSUER))


def test_invalid_issue_cn_security_approval_missing(chain: Chain) -> None:
    outcome = chain.run(issue("CNF1", "security", jurisdiction="CN"), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.APPROVAL_MISSING, "CN-2")


def test_issue_security_abroad_not_reached_by_cn_2(chain: Chain) -> None:
    ok(chain.run(issue("SGF1", "security", jurisdiction="SG"), ISSUER))


# CN-3: restricted terms in domestic asset names and symbols.


def test_invalid_issue_cn_restricted_name(chain: Chain) -> None:
    decide(chain, "CN", "CNYS")
    outcome = chain.run(
        issue("CNYS", "payment", peg="CNY", jurisdiction="CN", name="Yuan Stablecoin"), ISSUER
    )
    failed_rule(chain, outcome, ComplianceCode.RESTRICTED_NAME, "CN-3")
    outcome = chain.run(issue("RWA1", "utility", jurisdiction="CN", name="Points"), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.RESTRICTED_NAME, "CN-3")


def test_issue_restricted_name_abroad(chain: Chain) -> None:
    ok(chain.run(issue("USDS", "utility", jurisdiction="SG", name="Stablecoin points"), ISSUER))
    ok(chain.run(issue("PTS", "utility", jurisdiction="CN", name="Forward points"), ISSUER))


def test_invalid_issue_precedence_name_before_approval(chain: Chain) -> None:
    # Both CN-3 (name) and CN-2 (approval) refuse it: the lower code is reported.
    outcome = chain.run(issue("CNF1", "security", jurisdiction="CN", name="RWA fund"), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.RESTRICTED_NAME, "CN-3")


# CN-4: a CN regulated institution may not custody or settle an unapproved RWA.


def test_issue_security_with_cn_institution_as_agent_approved(chain: Chain) -> None:
    register_fi(chain, "CN")
    decide(chain, "CN", "SGF1")
    ok(chain.run(issue("SGF1", "security", jurisdiction="SG", agent=BANK.address), ISSUER))


def test_invalid_issue_security_cn_institution_custody_not_approved(chain: Chain) -> None:
    register_fi(chain, "CN")
    outcome = chain.run(issue("SGF1", "security", jurisdiction="SG", agent=BANK.address), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.CUSTODY_NOT_APPROVED, "CN-4")


def test_issue_security_agent_not_a_regulated_institution(chain: Chain) -> None:
    ok(chain.run(RegisterEntity(BANK.address, "Agent Co", "CN"), BANK))
    ok(chain.run(issue("SGF1", "security", jurisdiction="SG", agent=BANK.address), ISSUER))
    register_fi(chain, "HK", account=ALICE)  # an HK institution: CN-4 does not reach it
    ok(chain.run(issue("SGF2", "security", jurisdiction="SG", agent=ALICE.address), ISSUER))


# HK-1 and HK-2: a tokenized fund in Hong Kong needs the SFC's approval and a licensed issuer.


def test_issue_hk_fund_approved_and_licensed(chain: Chain) -> None:
    decide(chain, "HK", "HKMMF")
    license_to(chain, "HK", "licensed_fi")
    ok(chain.run(issue("HKMMF", "security", jurisdiction="HK"), ISSUER))


def test_invalid_issue_hk_fund_approval_missing(chain: Chain) -> None:
    license_to(chain, "HK", "licensed_fi")
    outcome = chain.run(issue("HKMMF", "security", jurisdiction="HK"), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.APPROVAL_MISSING, "HK-1")


def test_invalid_issue_hk_fund_license_missing(chain: Chain) -> None:
    decide(chain, "HK", "HKMMF")
    outcome = chain.run(issue("HKMMF", "security", jurisdiction="HK"), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.LICENSE_MISSING, "HK-2")


# HK-3, HK-4, HK-5: licensed stablecoin issuers; HKD reserves with a custodian.


def test_issue_hkd_stablecoin_licensed_with_custodian(chain: Chain) -> None:
    license_to(chain, "HK", "stablecoin_issuer")
    ok(chain.run(issue("HKDX", "payment", peg="HKD", custodian=CUSTODIAN.address), ISSUER))


def test_invalid_issue_hkd_stablecoin_license_missing(chain: Chain) -> None:
    outcome = chain.run(issue("HKDX", "payment", peg="HKD", custodian=CUSTODIAN.address), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.LICENSE_MISSING, "HK-3")


@pytest.mark.parametrize("custodian", [None, "issuer"])
def test_invalid_issue_hkd_stablecoin_without_independent_custodian(
    chain: Chain, custodian: str | None
) -> None:
    license_to(chain, "HK", "stablecoin_issuer")
    named = ISSUER.address if custodian else None
    outcome = chain.run(issue("HKDX", "payment", peg="HKD", custodian=named), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.RESERVE_CUSTODIAN_REQUIRED, "HK-5")


def test_invalid_issue_hk_domestic_stablecoin_license_missing(chain: Chain) -> None:
    outcome = chain.run(issue("HKP", "payment", jurisdiction="HK"), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.LICENSE_MISSING, "HK-4")
    license_to(chain, "HK", "stablecoin_issuer")
    ok(chain.run(issue("HKP", "payment", jurisdiction="HK"), ISSUER))


# US-1: a dollar stablecoin is fully backed by a custodian's attested reserves.


def test_issue_usd_stablecoin_backed_by_custodian(chain: Chain) -> None:
    ok(chain.run(issue("USDX", "payment", peg="USD", custodian=CUSTODIAN.address), ISSUER))
    mint = Mint(ISSUER.address, "USDX", ALICE.address, Amount(100))
    assert_failed(chain.run(mint, ISSUER), AssetsCode.RESERVES_STALE)
    ok(
        chain.run(
            AttestReserves(CUSTODIAN.address, "USDX", Amount(100), chain.next_time_ms), CUSTODIAN
        )
    )
    ok(chain.run(mint, ISSUER))
    assert_failed(
        chain.run(Mint(ISSUER.address, "USDX", ALICE.address, Amount(1)), ISSUER),
        AssetsCode.RESERVES_EXCEEDED,
    )


@pytest.mark.parametrize("custodian", [None, "issuer"])
def test_invalid_issue_usd_stablecoin_without_independent_custodian(
    chain: Chain, custodian: str | None
) -> None:
    named = ISSUER.address if custodian else None
    outcome = chain.run(issue("USDX", "payment", peg="USD", custodian=named), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.RESERVE_CUSTODIAN_REQUIRED, "US-1")


def test_issue_without_packs_is_unchecked() -> None:
    fresh = Chain(compliance_genesis(packs=()))
    ok(fresh.run(issue("CNYX", "payment", peg="CNY", name="Yuan Stablecoin"), ISSUER))
    assert fresh.store.get(INDEX_KEY) is None
    close_chain(fresh)


# -- opening a security asset -----------------------------------------------------------


def _hk_fund(chain: Chain) -> None:
    decide(chain, "HK", "HKMMF")
    license_to(chain, "HK", "licensed_fi")
    ok(chain.run(issue("HKMMF", "security", jurisdiction="HK"), ISSUER))


def test_unpause_security_with_approval(chain: Chain) -> None:
    _hk_fund(chain)
    ok(chain.run(Pause(ISSUER.address, "HKMMF", False), ISSUER))


def test_invalid_unpause_security_approval_withdrawn(chain: Chain) -> None:
    _hk_fund(chain)
    decide(chain, "HK", "HKMMF", approved=False)
    outcome = chain.run(Pause(ISSUER.address, "HKMMF", False), ISSUER)
    failed_rule(chain, outcome, ComplianceCode.UNPAUSE_NOT_APPROVED, "HK-1")
    decide(chain, "HK", "HKMMF", approved=True)
    ok(chain.run(Pause(ISSUER.address, "HKMMF", False), ISSUER))


def test_unpause_security_no_rule_reaches(chain: Chain) -> None:
    ok(chain.run(issue("SGF1", "security", jurisdiction="SG"), ISSUER))
    ok(chain.run(Pause(ISSUER.address, "SGF1", False), ISSUER))
    ok(chain.run(Pause(ISSUER.address, "SGF1", True), ISSUER))  # pausing is never refused


# -- orders -----------------------------------------------------------------------------


def _funded_hk_fund(chain: Chain) -> None:
    _hk_fund(chain)
    from originledger.modules.assets.types import Authorize

    ok(
        chain.run(
            [
                Authorize(ISSUER.address, "HKMMF", ALICE.address, True),
                Mint(ISSUER.address, "HKMMF", ALICE.address, Amount(500)),
            ],
            ISSUER,
        )
    )


def test_order_clawback_recorded_then_executed(chain: Chain) -> None:
    _funded_hk_fund(chain)
    order = OrderClawback(REGULATOR.address, "HK", "HKMMF", ALICE.address, Amount(200), "court")
    outcome = ok(chain.run(order, REGULATOR))
    assert outcome.events[-1] == ClawbackOrdered(
        1, "HK", "HKMMF", ISSUER.address, ALICE.address, Amount(200), REGULATOR.address, "court"
    )
    ok(chain.run(order, REGULATOR))
    page = query(chain, "orders", symbol="HKMMF", limit="1")
    assert [o.order_id for o in page.orders] == [1] and page.next == 1
    assert [o.order_id for o in query(chain, "orders", after="1").orders] == [2]
    assert query(chain, "orders", symbol="OTHER").orders == []
    # The issuer executes the order with the assets module's clawback.
    ok(chain.run(Clawback(ISSUER.address, "HKMMF", ALICE.address, Amount(200)), ISSUER))
    assert chain.balance(ALICE, "HKMMF") == 300
    assert orders_are_numbered_in_sequence(chain.store) is None


def test_invalid_order_clawback(chain: Chain) -> None:
    _funded_hk_fund(chain)
    base = {"regulator": REGULATOR.address, "jurisdiction": "HK", "symbol": "HKMMF",
            "account": ALICE.address, "amount": Amount(1)}  # fmt: skip
    cases = [
        ({"amount": Amount(0)}, REGULATOR, ComplianceCode.AMOUNT_ZERO),
        ({"regulator": OTHER_REGULATOR.address}, OTHER_REGULATOR, ComplianceCode.NOT_REGULATOR),
        ({"symbol": "NOPE"}, REGULATOR, ComplianceCode.ASSET_NOT_FOUND),
        ({"jurisdiction": "US"}, REGULATOR, ComplianceCode.OUT_OF_JURISDICTION),
    ]
    for change, signer, code in cases:
        assert_failed(chain.run(OrderClawback(**{**base, **change}), signer), code)
    ok(chain.run(issue("PTS", "utility", jurisdiction="HK"), ISSUER))
    no_clawback = OrderClawback(**{**base, "symbol": "PTS"})
    assert_failed(chain.run(no_clawback, REGULATOR), ComplianceCode.CLAWBACK_NOT_POSSIBLE)
    assert chain.store.get(ORDER_SEQUENCE_KEY) is None


def test_order_clawback_of_asset_the_jurisdiction_approved(chain: Chain) -> None:
    decide(chain, "CN", "CNYX")
    ok(chain.run(issue("CNYX", "payment", peg="CNY", jurisdiction="SG"), ISSUER))
    ok(chain.run(OrderClawback(REGULATOR.address, "CN", "CNYX", BOB.address, Amount(5)), REGULATOR))


def test_regulator_freezes_directly(chain: Chain) -> None:
    _funded_hk_fund(chain)
    ok(chain.run(Freeze(REGULATOR.address, "HKMMF", ALICE.address, True), REGULATOR))


# -- genesis and invariants -------------------------------------------------------------


def test_genesis_installs_packs_regulators_entities_licences() -> None:
    genesis = compliance_genesis(
        entities=[
            {
                "account": str(BANK.address),
                "name": "Bank",
                "jurisdiction": "HK",
                "regulated_fi": True,
            }
        ],
        licenses=[{"jurisdiction": "HK", "account": str(ISSUER.address), "kind": "licensed_fi"}],
    )
    fresh = Chain(genesis)
    assert query(fresh, "entity", account=str(BANK.address)).regulated_fi
    assert [x.kind for x in query(fresh, "licenses", account=str(ISSUER.address))] == [
        "licensed_fi"
    ]
    assert packs_are_valid_and_indexed(fresh.store) is None
    close_chain(fresh)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["packs"].append(s["packs"][0]), "two policy packs"),
        (lambda s: s["packs"][0]["rules"].append(s["packs"][0]["rules"][0]), "repeated"),
        (lambda s: s["packs"][0].update(jurisdiction="cn"), "jurisdiction"),
        (lambda s: s["regulators"].append(s["regulators"][0]), "listed twice"),
    ],
)
def test_invalid_genesis(change: Any, message: str) -> None:
    genesis = compliance_genesis()
    change(genesis["app_state"]["compliance"])
    with pytest.raises(ValueError, match=message):
        Chain(genesis)


def test_invalid_genesis_unknown_rule_kind() -> None:
    genesis = compliance_genesis()
    genesis["app_state"]["compliance"]["packs"][0]["rules"][0]["kind"] = "ban_everything"
    with pytest.raises(Exception, match="kind"):
        Chain(genesis)


def test_invariant_detects_stale_index(chain: Chain) -> None:
    items = chain.state_items()
    items[INDEX_KEY] = b"\x80"  # an empty index although packs are active
    assert "index" in (packs_are_valid_and_indexed(DictStore(items)) or "")
    assert packs_are_valid_and_indexed(DictStore(chain.state_items())) is None


def test_pack_json_round_trip(chain: Chain) -> None:
    pack = load_pack(chain.store, "CN")
    document = json.loads(json.dumps(msgspec.to_builtins(pack)))
    assert msgspec.convert(document, PolicyPack) == pack
