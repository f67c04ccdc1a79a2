"""A CNY stablecoin refused under China's policy pack (with the rule and its citation)."""

from __future__ import annotations

from originledger.demo.context import DECIMALS, DemoContext
from originledger.modules.assets.types import Issue

__all__ = ["play"]


def play(ctx: DemoContext) -> None:
    admin = ctx.admin
    ctx.say("\n[bold]A CNY stablecoin without China's consent[/]")
    ctx.explain(
        ctx.refused(
            "the issuer launches a CNY-pegged stablecoin in Hong Kong, unapproved",
            admin,
            Issue(
                admin.address,
                "CNYO",
                "Offshore yuan coin",
                DECIMALS,
                "payment",
                ctx.units("1000000"),
                custodian=ctx.party("vault").address,
                peg="CNY",
                jurisdiction="HK",
            ),
        )
    )
