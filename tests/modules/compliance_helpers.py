"""Shared set-up of the compliance tests: a genesis with the shipped policy packs, the
regulator appointed for CN, HK and US, a KYC provider trusted in their policy scopes, and
helpers to attest claims and to issue assets."""

from __future__ import annotations

from typing import Any

from originledger.app import TxOutcome
from originledger.core.amounts import Amount
from originledger.modules.assets.types import Issue
from originledger.modules.attest import schema_id_of
from originledger.modules.attest.types import (
    Attest,
    Bytes32Value,
    Field,
    GenesisSchema,
    GenesisTrust,
    JurisdictionValue,
    SetTrusted,
    UintValue,
)
from originledger.modules.compliance.types import AlertRaised, GenesisRegulator
from originledger.policies import load_packs
from tests.conftest import ADMIN, ISSUER, Chain, Party, genesis_builder, party

__all__ = [
    "BANK",
    "CUSTODIAN",
    "KYC",
    "OTHER_REGULATOR",
    "REGULATOR",
    "alerts",
    "claim",
    "compliance_genesis",
    "issue",
    "ok",
    "trust_in_asset",
]

REGULATOR = party("regulator")  # appointed for CN, HK and US
OTHER_REGULATOR = party("other-regulator")  # regulator role, appointed for SG only
CUSTODIAN = party("custodian")
BANK = party("bank")  # a plain account, registered as an entity by some tests
KYC = party("kyc-provider")

KYC_FIELDS = [Field("level", "uint"), Field("document_hash", "bytes32")]
RESIDENCE_FIELDS = [Field("country", "jurisdiction")]
KYC_SCHEMA = schema_id_of("KYC", KYC_FIELDS, True, "kyc_level")
RESIDENCE_SCHEMA = schema_id_of("Residence", RESIDENCE_FIELDS, True, "residence")


def compliance_genesis(
    packs: tuple[str, ...] = ("CN", "HK", "US"), **compliance: Any
) -> dict[str, Any]:
    document = (
        genesis_builder()
        .account(ADMIN.address, roles=["admin"])
        .account(ISSUER.address, roles=["issuer", "custodian"])
        .account(REGULATOR.address, roles=["regulator"])
        .account(OTHER_REGULATOR.address, roles=["regulator"])
        .account(CUSTODIAN.address, roles=["custodian"])
        .schemas(
            GenesisSchema(KYC.address, "KYC", KYC_FIELDS, topic="kyc_level"),
            GenesisSchema(KYC.address, "Residence", RESIDENCE_FIELDS, topic="residence"),
        )
        .trusted(
            *(
                GenesisTrust(f"policy:{code}", topic, KYC.address)
                for code in ("CN", "HK", "US")
                for topic in ("kyc_level", "residence")
            )
        )
        .policy_packs(*load_packs(list(packs)))
        .regulators(
            *(GenesisRegulator(code, REGULATOR.address) for code in ("CN", "HK", "US")),
            GenesisRegulator("SG", OTHER_REGULATOR.address),
        )
        .document()
    )
    # The test's own compliance fields, as given (some are invalid on purpose).
    document["app_state"]["compliance"].update(compliance)
    return document


def ok(outcome: TxOutcome) -> TxOutcome:
    if not outcome.result.ok:
        raise AssertionError(f"expected success: {outcome.result}")
    return outcome


def issue(
    symbol: str,
    asset_class: str,
    *,
    issuer: Party = ISSUER,
    name: str | None = None,
    max_supply: int = 10**12,
    **policy: Any,
) -> Issue:
    return Issue(
        issuer.address,
        symbol,
        name or f"{symbol} token",
        2,
        asset_class,
        Amount(max_supply),
        **policy,
    )


def claim(chain: Chain, subject: Party, topic: str, value: int | str, **options: Any) -> None:
    """KYC attests a claim about ``subject``: ``kyc_level`` (a level) or ``residence`` (a
    country code)."""
    if topic == "kyc_level":
        message = Attest(
            KYC.address,
            KYC_SCHEMA,
            subject.address,
            [UintValue(Amount(int(value))), Bytes32Value(bytes(32))],
            **options,
        )
    else:
        message = Attest(
            KYC.address,
            RESIDENCE_SCHEMA,
            subject.address,
            [JurisdictionValue(str(value))],
            **options,
        )
    ok(chain.run(message, KYC))


def trust_in_asset(chain: Chain, symbol: str, topic: str, attester: Party = KYC) -> None:
    ok(
        chain.run(
            SetTrusted(ISSUER.address, f"asset:{symbol}", topic, attester.address, True), ISSUER
        )
    )


def alerts(outcome: TxOutcome) -> list[AlertRaised]:
    return [event for event in outcome.events if isinstance(event, AlertRaised)]
