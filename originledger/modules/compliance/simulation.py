"""Message generators of the compliance module for the simulator (see core/simulation.py)."""

from __future__ import annotations

from originledger.core.simulation import (
    Generators,
    RandomSource,
    SimWorld,
    address,
    amount,
    chance,
    issuer,
    number,
    pick,
    symbol,
    text,
)
from originledger.core.tx import Msg
from originledger.modules.compliance.types import (
    BPS_MAX,
    ENTITY_NAME_BYTES_MAX,
    MONITOR_COUNT_MAX,
    MONITOR_WINDOW_MS_MAX,
    NOTE_BYTES_MAX,
    THRESHOLD_MAJOR_MAX,
    AppointRegulator,
    Citation,
    DecideIssuance,
    IssuanceApproval,
    LargeTransfer,
    LicensedIssuer,
    OrderClawback,
    PolicyPack,
    RapidInOut,
    RegisterEntity,
    RestrictClass,
    Rule,
    SetLicense,
    SetPack,
    Structuring,
)

__all__ = ["GENERATORS"]

_JURISDICTIONS = ("US", "HK", "CN", "DE")
_ODD_JURISDICTIONS = ("us", "", "USA", "\u0130T", "U")


def _jurisdiction(rng: RandomSource) -> str:
    return pick(rng, _JURISDICTIONS if chance(rng, 90) else _ODD_JURISDICTIONS)


def appoint_regulator(rng: RandomSource, world: SimWorld) -> Msg:
    return AppointRegulator(
        address(rng, world, "admin"),
        _jurisdiction(rng),
        address(rng, world, "regulator", "user"),
        chance(rng, 75),
    )


def _rule(rng: RandomSource, jurisdiction: str, index: int) -> Rule:
    cites = Citation("sim", f"s{index}", "a quote")
    rule_id = f"{jurisdiction}-r{index if chance(rng, 95) else 0}"
    peg = pick(rng, ("USD", "HKD", "CNY"))
    kind = rng.randrange(6)
    if kind == 0:
        threshold = number(rng, 10_000, THRESHOLD_MAJOR_MAX)
        return LargeTransfer(rule_id, cites, "large", peg, threshold)
    if kind == 1:
        return Structuring(
            rule_id,
            cites,
            "structuring",
            peg,
            number(rng, 10_000, THRESHOLD_MAJOR_MAX),
            number(rng, 100),
            number(rng, 5, MONITOR_COUNT_MAX),
            number(rng, 60_000, MONITOR_WINDOW_MS_MAX),
        )
    if kind == 2:
        return RapidInOut(
            rule_id,
            cites,
            "rapid",
            peg,
            number(rng, 1_000, THRESHOLD_MAJOR_MAX),
            number(rng, 60_000, MONITOR_WINDOW_MS_MAX),
            number(rng, 9_000, BPS_MAX),
        )
    if kind == 3:
        return IssuanceApproval(rule_id, cites, "approval", [pick(rng, ("payment", "security"))])
    if kind == 4:
        return LicensedIssuer(rule_id, cites, "licence", ["payment"], "money_issuer")
    return RestrictClass(rule_id, cites, "restrict", ["entertainment"], chance(rng, 50))


def set_pack(rng: RandomSource, world: SimWorld) -> Msg:
    jurisdiction = _jurisdiction(rng)
    rules = [_rule(rng, jurisdiction, index) for index in range(rng.randrange(5) or 1)]
    pack = PolicyPack(
        jurisdiction=jurisdiction,
        name=text(rng, 128, "pack") if chance(rng, 20) else "simulated pack",
        version=number(rng, 5),
        source="simulator",
        rules=rules,
    )
    return SetPack(address(rng, world, "regulator"), pack)


def register_entity(rng: RandomSource, world: SimWorld) -> Msg:
    regulated = chance(rng, 30)
    return RegisterEntity(
        address(rng, world, "user", "issuer", "custodian"),
        text(rng, ENTITY_NAME_BYTES_MAX, "entity"),
        _jurisdiction(rng),
        regulated,
        address(rng, world, "regulator") if regulated or chance(rng, 10) else None,
    )


def license(rng: RandomSource, world: SimWorld) -> Msg:
    return SetLicense(
        address(rng, world, "regulator"),
        _jurisdiction(rng),
        address(rng, world, "issuer", "user"),
        pick(rng, ("money_issuer", "custody", "Bad-Kind", "")),
        chance(rng, 75),
    )


def decide_issuance(rng: RandomSource, world: SimWorld) -> Msg:
    asset = symbol(rng, world)
    return DecideIssuance(
        address(rng, world, "regulator"),
        _jurisdiction(rng),
        asset,
        issuer(rng, world, asset),
        chance(rng, 70),
        text(rng, NOTE_BYTES_MAX, "note") if chance(rng, 30) else "",
    )


def order_clawback(rng: RandomSource, world: SimWorld) -> Msg:
    return OrderClawback(
        address(rng, world, "regulator"),
        _jurisdiction(rng),
        symbol(rng, world),
        address(rng, world, "user"),
        amount(rng),
        text(rng, NOTE_BYTES_MAX, "note") if chance(rng, 30) else "",
    )


GENERATORS: Generators = {
    AppointRegulator: (appoint_regulator,),
    SetPack: (set_pack,),
    RegisterEntity: (register_entity,),
    SetLicense: (license,),
    DecideIssuance: (decide_issuance,),
    OrderClawback: (order_clawback,),
}
