"""A Hong Kong money-market fund: approved by the regulator, sold only to KYC'd buyers."""

from __future__ import annotations

from originledger.core.amounts import Amount
from originledger.demo.context import DECIMALS, DemoContext
from originledger.modules.accounts.types import GrantRole
from originledger.modules.assets.types import Authorize, Issue, Mint, Pause, Transfer
from originledger.modules.attest import asset_scope, schema_id_of
from originledger.modules.attest.types import Attest, Field, RegisterSchema, SetTrusted, UintValue
from originledger.modules.compliance.types import AppointRegulator, DecideIssuance, SetLicense
from originledger.sdk import Key

__all__ = ["play"]

FUND = "HKMMF"


def _fund_issue(ctx: DemoContext, manager: Key) -> Issue:
    return Issue(
        manager.address,
        FUND,
        "HKD Money Market Fund, tokenized",
        DECIMALS,
        "security",
        ctx.units("100000000"),
        jurisdiction="HK",
        required_claims=["kyc_level"],
    )


def play(ctx: DemoContext) -> None:
    admin, alice, bob, units = ctx.admin, ctx.alice, ctx.bob, ctx.units
    ctx.say("\n[bold]A tokenized money-market fund in Hong Kong[/]")
    sfc = ctx.party("hk-regulator")
    manager = ctx.party("fund-manager")
    kyc = ctx.party("kyc-provider")
    ctx.step(
        "the admin makes the SFC Hong Kong's regulator and the manager an issuer",
        admin,
        GrantRole(admin.address, sfc.address, "regulator"),
        AppointRegulator(admin.address, "HK", sfc.address, True),
        GrantRole(admin.address, manager.address, "issuer"),
    )
    ctx.explain(
        ctx.refused(
            "the manager issues the fund before any approval",
            manager,
            _fund_issue(ctx, manager),
        )
    )
    ctx.step(
        "the SFC licenses the manager and approves the tokenized fund",
        sfc,
        SetLicense(sfc.address, "HK", manager.address, "licensed_fi", True),
        DecideIssuance(sfc.address, "HK", FUND, manager.address, True, "MMF, approved"),
    )
    ctx.step(
        "the manager issues it (paused at first), trusts a KYC provider, opens it",
        manager,
        _fund_issue(ctx, manager),
        SetTrusted(manager.address, asset_scope(FUND), "kyc_level", kyc.address, True),
        Authorize(manager.address, FUND, alice.address, True),
        Authorize(manager.address, FUND, bob.address, True),
        Pause(manager.address, FUND, False),
    )
    kyc_fields = [Field("level", "uint")]
    ctx.step(
        "the KYC provider attests alice's KYC level (a level, no personal data)",
        kyc,
        RegisterSchema(kyc.address, "KYC level", kyc_fields, True, "kyc_level"),
        Attest(
            kyc.address,
            schema_id_of("KYC level", kyc_fields, True, "kyc_level"),
            alice.address,
            [UintValue(Amount(2))],
        ),
    )
    ctx.step(
        "alice subscribes: the manager mints her 1,000.00 fund units",
        manager,
        Mint(manager.address, FUND, alice.address, units("1000")),
    )
    ctx.explain(
        ctx.refused(
            "alice sells 100.00 units to bob, who has no KYC attestation",
            alice,
            Transfer(alice.address, bob.address, FUND, units("100")),
        )
    )
