"""A dollar stablecoin minted against a custodian's attested reserves, and no further."""

from __future__ import annotations

from originledger.demo.context import DECIMALS, SYMBOL, DemoContext
from originledger.modules.accounts.types import GrantRole
from originledger.modules.assets.types import AttestReserves, Issue, Mint

__all__ = ["play"]


def play(ctx: DemoContext) -> None:
    admin, alice, bob, carol, units = ctx.admin, ctx.alice, ctx.bob, ctx.carol, ctx.units
    ctx.say("\n[bold]A dollar stablecoin minted against attested reserves[/]")
    vault = ctx.party("vault")  # a custodian bank: a firm apart from the issuer
    ctx.step(
        "the admin grants the custodian role to a vault (a custodian bank)",
        admin,
        GrantRole(admin.address, vault.address, "custodian"),
    )
    ctx.step(
        "issue USDO, pegged to USD, at home in the US, reserves held by the vault",
        admin,
        Issue(
            admin.address,
            SYMBOL,
            "Origin Demo Dollar",
            DECIMALS,
            "payment",
            units("1000000000"),
            custodian=vault.address,
            peg="USD",
            jurisdiction="US",
        ),
    )
    ctx.step(
        "the vault attests reserves of 10,000.00 USD for USDO",
        vault,
        AttestReserves(vault.address, SYMBOL, units("10000"), ctx.now_ms()),
    )
    ctx.step(
        "mint 5,000.00 USDO to alice and 1,000.00 to bob",
        admin,
        Mint(admin.address, SYMBOL, alice.address, units("5000")),
        Mint(admin.address, SYMBOL, bob.address, units("1000")),
    )
    ctx.step(
        "mint 4,000.00 more to carol: supply reaches the reserves exactly",
        admin,
        Mint(admin.address, SYMBOL, carol.address, units("4000")),
    )
    ctx.refused(
        "mint 0.01 more than the reserves",
        admin,
        Mint(admin.address, SYMBOL, carol.address, units("0.01")),
    )
