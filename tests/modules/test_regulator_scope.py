"""A regulator acts for its own jurisdictions only.

The accounts module's ``regulator`` role is global; before the fix a regulator of one
jurisdiction froze any asset (``assets/freeze``, ``assets/freeze_asset``) and named the
trusted attesters of any jurisdiction's policy (``attest/set_trusted`` on ``policy:``).
Every regulator power is now scoped by the compliance module's appointments. REGULATOR
is appointed for CN, HK and US; OTHER_REGULATOR for SG only (``compliance_helpers``).
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest

from originledger.core.amounts import Amount
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.types import Freeze, FreezeAsset, Mint
from originledger.modules.attest import trusted_attesters
from originledger.modules.attest.types import SetTrusted
from originledger.modules.compliance import load_pack
from originledger.modules.compliance.codes import ComplianceCode
from originledger.modules.compliance.scope import policy_jurisdiction
from originledger.modules.compliance.types import (
    DecideIssuance,
    OrderClawback,
    RegisterEntity,
    SetLicense,
    SetPack,
)
from tests.conftest import ALICE, ISSUER, Chain, assert_failed, close_chain
from tests.modules.compliance_helpers import (
    BANK,
    CUSTODIAN,
    KYC,
    OTHER_REGULATOR,
    REGULATOR,
    compliance_genesis,
    issue,
    ok,
)


@pytest.fixture
def chain() -> Iterator[Chain]:
    """SGT: a freezable utility asset at home in SG, with clawback; NOJ: one with no home
    jurisdiction. ALICE holds 100 of each."""
    fresh = Chain(compliance_genesis())
    ok(
        fresh.run(
            [
                issue("SGT", "utility", freezable=True, clawback_enabled=True, jurisdiction="SG"),
                issue("NOJ", "utility", freezable=True),
                Mint(ISSUER.address, "SGT", ALICE.address, Amount(100)),
                Mint(ISSUER.address, "NOJ", ALICE.address, Amount(100)),
            ],
            ISSUER,
        )
    )
    yield fresh
    close_chain(fresh)


def _freeze(authority: object, symbol: str = "SGT") -> Freeze:
    return Freeze(authority.address, symbol, ALICE.address, True)  # type: ignore[attr-defined]


def test_regression_regulator_cannot_act_outside_jurisdiction_freeze(chain: Chain) -> None:
    # A regulator of CN, HK and US may not freeze an account in an asset at home in SG ...
    assert_failed(chain.run(_freeze(REGULATOR), REGULATOR), ComplianceCode.OUT_OF_JURISDICTION)
    # ... nor in an asset with no home jurisdiction, which only its issuer freezes.
    outcome = chain.run(_freeze(REGULATOR, "NOJ"), REGULATOR)
    assert_failed(outcome, ComplianceCode.OUT_OF_JURISDICTION)
    ok(chain.run(_freeze(ISSUER, "NOJ"), ISSUER))
    # SG's own regulator may.
    ok(chain.run(_freeze(OTHER_REGULATOR), OTHER_REGULATOR))


def test_regression_regulator_cannot_act_outside_jurisdiction_freeze_asset(chain: Chain) -> None:
    message = FreezeAsset(REGULATOR.address, "SGT", True)
    assert_failed(chain.run(message, REGULATOR), ComplianceCode.OUT_OF_JURISDICTION)
    message = FreezeAsset(REGULATOR.address, "NOJ", True)
    assert_failed(chain.run(message, REGULATOR), ComplianceCode.OUT_OF_JURISDICTION)
    ok(chain.run(FreezeAsset(OTHER_REGULATOR.address, "SGT", True), OTHER_REGULATOR))


def test_regulator_of_a_jurisdiction_whose_rules_reach_the_asset_may_freeze_it(
    chain: Chain,
) -> None:
    # CN's pack needs CN's approval for any CNY stablecoin, wherever its home: CN reaches it.
    decision = DecideIssuance(REGULATOR.address, "CN", "SGC", ISSUER.address, True)
    ok(chain.run(decision, REGULATOR))
    sgc = issue("SGC", "payment", peg="CNY", jurisdiction="SG", custodian=CUSTODIAN.address)
    ok(chain.run(sgc, ISSUER))
    ok(chain.run(FreezeAsset(REGULATOR.address, "SGC", True), REGULATOR))


def test_regression_a_decision_alone_gives_a_regulator_no_reach(chain: Chain) -> None:
    # HK records a denial of SGT, which no HK rule reaches: HK still may not freeze it.
    decision = DecideIssuance(REGULATOR.address, "HK", "SGT", ISSUER.address, False, "denied")
    ok(chain.run(decision, REGULATOR))
    assert_failed(chain.run(_freeze(REGULATOR), REGULATOR), ComplianceCode.OUT_OF_JURISDICTION)
    message = FreezeAsset(REGULATOR.address, "SGT", True)
    assert_failed(chain.run(message, REGULATOR), ComplianceCode.OUT_OF_JURISDICTION)


def test_regulator_without_the_role_is_no_authority_even_when_appointed(chain: Chain) -> None:
    from originledger.modules.accounts.types import RevokeRole
    from tests.conftest import ADMIN

    ok(chain.run(RevokeRole(ADMIN.address, OTHER_REGULATOR.address, "regulator"), ADMIN))
    outcome = chain.run(_freeze(OTHER_REGULATOR), OTHER_REGULATOR)
    assert_failed(outcome, AssetsCode.NOT_AUTHORITY)


def test_regression_regulator_cannot_act_outside_jurisdiction_set_trusted(chain: Chain) -> None:
    for scope in ["policy:US", "policy:us-banks", "policy:global"]:
        message = SetTrusted(OTHER_REGULATOR.address, scope, "kyc_level", BANK.address, True)
        assert_failed(chain.run(message, OTHER_REGULATOR), ComplianceCode.NOT_REGULATOR)
        assert BANK.address not in trusted_attesters(chain.store, scope, "kyc_level")
    # Removing the US's trusted KYC provider is refused just the same.
    message = SetTrusted(OTHER_REGULATOR.address, "policy:US", "kyc_level", KYC.address, False)
    assert_failed(chain.run(message, OTHER_REGULATOR), ComplianceCode.NOT_REGULATOR)
    assert KYC.address in trusted_attesters(chain.store, "policy:US", "kyc_level")
    # Each regulator names the attesters of its own jurisdictions' policies.
    own = SetTrusted(OTHER_REGULATOR.address, "policy:SG-mas", "kyc_level", BANK.address, True)
    ok(chain.run(own, OTHER_REGULATOR))
    ok(
        chain.run(
            SetTrusted(REGULATOR.address, "policy:us", "kyc_level", BANK.address, True), REGULATOR
        )
    )


def test_regression_regulator_cannot_act_outside_jurisdiction_set_pack(chain: Chain) -> None:
    pack = load_pack(chain.store, "US")
    assert pack is not None
    newer = msgspec.structs.replace(pack, version=pack.version + 1)
    outcome = chain.run(SetPack(OTHER_REGULATOR.address, newer), OTHER_REGULATOR)
    assert_failed(outcome, ComplianceCode.NOT_REGULATOR)
    ok(chain.run(SetPack(REGULATOR.address, newer), REGULATOR))


def test_regression_regulator_cannot_act_outside_jurisdiction_license(chain: Chain) -> None:
    message = SetLicense(OTHER_REGULATOR.address, "US", BANK.address, "licensed_fi", True)
    assert_failed(chain.run(message, OTHER_REGULATOR), ComplianceCode.NOT_REGULATOR)
    ok(chain.run(SetLicense(REGULATOR.address, "US", BANK.address, "licensed_fi", True), REGULATOR))


def test_regression_regulator_cannot_act_outside_jurisdiction_decide_issuance(
    chain: Chain,
) -> None:
    message = DecideIssuance(OTHER_REGULATOR.address, "US", "USDX", ISSUER.address, True)
    assert_failed(chain.run(message, OTHER_REGULATOR), ComplianceCode.NOT_REGULATOR)


def test_regression_regulator_cannot_act_outside_jurisdiction_order_clawback(
    chain: Chain,
) -> None:
    # Another jurisdiction's name is not the signer's to use ...
    message = OrderClawback(OTHER_REGULATOR.address, "US", "SGT", ALICE.address, Amount(1))
    assert_failed(chain.run(message, OTHER_REGULATOR), ComplianceCode.NOT_REGULATOR)
    # ... and its own jurisdiction reaches only assets at home there or decided on there.
    message = OrderClawback(REGULATOR.address, "US", "SGT", ALICE.address, Amount(1))
    assert_failed(chain.run(message, REGULATOR), ComplianceCode.OUT_OF_JURISDICTION)
    ok(
        chain.run(
            OrderClawback(OTHER_REGULATOR.address, "SG", "SGT", ALICE.address, Amount(1)),
            OTHER_REGULATOR,
        )
    )


def test_regression_regulator_cannot_act_outside_jurisdiction_regulated_fi(
    chain: Chain,
) -> None:
    message = RegisterEntity(BANK.address, "Bank", "US", True, OTHER_REGULATOR.address)
    outcome = chain.run(message, [BANK, OTHER_REGULATOR])
    assert_failed(outcome, ComplianceCode.FI_NEEDS_REGULATOR)
    ok(
        chain.run(
            RegisterEntity(BANK.address, "Bank", "US", True, REGULATOR.address), [BANK, REGULATOR]
        )
    )


@pytest.mark.parametrize(
    ("name", "jurisdiction"),
    [
        ("US", "US"),
        ("us", "US"),
        ("eu-mica", "EU"),
        ("HK.sfc", "HK"),
        ("SG_mas", "SG"),
        ("USA", None),
        ("global", None),
        ("0", None),
        ("U", None),
        ("1X-a", None),
    ],
)
def test_policy_jurisdiction(name: str, jurisdiction: str | None) -> None:
    assert policy_jurisdiction(name) == jurisdiction
