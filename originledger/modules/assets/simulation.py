"""Message generators of the assets module for the simulator (see core/simulation.py)."""

from __future__ import annotations

from originledger.core.amounts import Amount
from originledger.core.limits import AMOUNT_MAX, ASSET_DECIMALS_MAX, ASSET_NAME_BYTES_MAX
from originledger.core.simulation import (
    Generators,
    RandomSource,
    SimWorld,
    address,
    amount,
    chance,
    deadline,
    fresh_or_known,
    ident,
    issuer,
    number,
    party,
    pick,
    symbol,
    text,
)
from originledger.core.tx import Msg
from originledger.modules.assets.types import (
    COUPON_BPS_MAX,
    HOLD_DURATION_MS_MAX,
    AssetClass,
    AttestReserves,
    Authorize,
    Burn,
    Clawback,
    EnableClawback,
    ForceTransfer,
    Freeze,
    FreezeAsset,
    Issue,
    Mint,
    Pause,
    PlaceHold,
    PostHold,
    Recover,
    Transfer,
    VoidHold,
)

__all__ = ["GENERATORS"]

_CLASSES = [kind.value for kind in AssetClass]
_CLAIMS: tuple[list[str], ...] = ([], [], [], ["kyc_level"], ["residence", "kyc_level"])
_ODD_CLAIMS: tuple[list[str], ...] = ([""], ["kyc_level", "kyc_level"], ["x" * 65])
_JURISDICTION_LISTS: tuple[list[str], ...] = ([], [], ["US"], ["HK", "CN"])
_ODD_JURISDICTION_LISTS: tuple[list[str], ...] = (["us"], ["US", "US"], [""])


def _flag(rng: RandomSource) -> bool | None:
    return None if chance(rng, 80) else chance(rng, 50)


def issue(rng: RandomSource, world: SimWorld) -> Msg:
    """Mostly well formed for its class (so that new assets of every class exist), else
    hostile: odd flags, fields of other classes, edge numbers and texts."""
    asset_class = pick(rng, _CLASSES) if chance(rng, 97) else "bogus"
    payment = asset_class == AssetClass.PAYMENT
    credit = asset_class == AssetClass.CREDIT
    proper = chance(rng, 80)
    return Issue(
        issuer=address(rng, world, "issuer", "user"),
        symbol=f"S{rng.randrange(10_000)}" if chance(rng, 85) else symbol(rng, world),
        name=f"asset {rng.randrange(1000)}" if proper else text(rng, ASSET_NAME_BYTES_MAX),
        decimals=rng.randrange(19) if proper else number(rng, 8, ASSET_DECIMALS_MAX),
        asset_class=asset_class,
        max_supply=amount(rng, 10**15) if chance(rng, 70) else Amount(AMOUNT_MAX),
        auth_required=None if proper else _flag(rng),
        freezable=None if proper else _flag(rng),
        clawback_enabled=None if proper else _flag(rng),
        agent=address(rng, world, "user", "issuer") if chance(rng, 20) else None,
        custodian=address(rng, world, "custodian") if payment or not proper else None,
        maturity_ms=deadline(rng, world) if credit or not proper else None,
        coupon_bps=number(rng, 500, COUPON_BPS_MAX) if credit or not proper else None,
        required_claims=pick(rng, _CLAIMS if proper else _ODD_CLAIMS),
        jurisdictions=pick(rng, _JURISDICTION_LISTS if proper else _ODD_JURISDICTION_LISTS),
        holders_max=number(rng, 5) if chance(rng, 15) else None,
        balance_max=amount(rng) if chance(rng, 15) else None,
        peg=pick(rng, ("USD", "HKD", "CNY") if proper else ("usd", "", "USD"))
        if payment or not proper
        else None,
        jurisdiction=pick(rng, (None, "US", "HK", "CN") if proper else ("ZZ", "u", "")),
    )


def mint(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    return Mint(issuer(rng, world, asset), asset, address(rng, world, "user"), amount(rng))


def burn(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    return Burn(issuer(rng, world, asset), asset, amount(rng))


def transfer(rng: RandomSource, world: SimWorld) -> Msg:
    sender = address(rng, world, "user")
    recipient = sender if chance(rng, 5) else address(rng, world, "user")
    return Transfer(sender, recipient, symbol(rng, world), amount(rng))


def attest_reserves(rng: RandomSource, world: SimWorld) -> Msg:
    return AttestReserves(
        address(rng, world, "custodian"),
        symbol(rng, world),
        amount(rng, 10**9),
        deadline(rng, world),
    )


def enable_clawback(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    return EnableClawback(issuer(rng, world, asset), asset)


def authorize(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    return Authorize(issuer(rng, world, asset), asset, address(rng, world, "user"), chance(rng, 80))


def pause(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    return Pause(issuer(rng, world, asset), asset, chance(rng, 30))


def freeze(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    return Freeze(
        issuer(rng, world, asset) if chance(rng, 70) else address(rng, world, "regulator"),
        asset,
        address(rng, world, "user"),
        chance(rng, 60),
        chance(rng, 20),
        amount(rng) if chance(rng, 30) else Amount(0),
    )


def freeze_asset(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    authority = issuer(rng, world, asset) if chance(rng, 50) else address(rng, world, "regulator")
    return FreezeAsset(authority, asset, chance(rng, 30))


def clawback(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    return Clawback(issuer(rng, world, asset), asset, address(rng, world, "user"), amount(rng))


def force_transfer(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    sender = address(rng, world, "user")
    recipient = sender if chance(rng, 5) else address(rng, world, "user")
    return ForceTransfer(issuer(rng, world, asset), asset, sender, recipient, amount(rng))


def recover(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    lost = address(rng, world, "user")
    new = lost if chance(rng, 5) else address(rng, world, "user", "unknown")
    return Recover(issuer(rng, world, asset), asset, lost, new)


def hold(rng: RandomSource, world: SimWorld) -> Msg:
    payer = address(rng, world, "user")
    payee = payer if chance(rng, 5) else address(rng, world, "user")
    return PlaceHold(
        payer,
        payee,
        symbol(rng, world),
        amount(rng),
        deadline(rng, world, HOLD_DURATION_MS_MAX),
        fresh_or_known(rng, world, "hold_id"),
    )


def post(rng: RandomSource, world: SimWorld) -> Msg:
    hold_id = ident(rng, world, "hold_id")
    payee = party(rng, world, "hold_id", hold_id, "payee", "user")
    return PostHold(payee, hold_id, amount(rng))


def void(rng: RandomSource, world: SimWorld) -> Msg:
    hold_id = ident(rng, world, "hold_id")
    return VoidHold(party(rng, world, "hold_id", hold_id, "payee", "user"), hold_id)


GENERATORS: Generators = {
    Issue: (issue,),
    Mint: (mint,),
    Burn: (burn,),
    Transfer: (transfer,),
    AttestReserves: (attest_reserves,),
    EnableClawback: (enable_clawback,),
    Authorize: (authorize,),
    Pause: (pause,),
    Freeze: (freeze,),
    FreezeAsset: (freeze_asset,),
    Clawback: (clawback,),
    ForceTransfer: (force_transfer,),
    Recover: (recover,),
    PlaceHold: (hold,),
    PostHold: (post,),
    VoidHold: (void,),
}
