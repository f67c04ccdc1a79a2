"""Message generators of the attest module for the simulator (see core/simulation.py)."""

from __future__ import annotations

from originledger.core.amounts import Amount
from originledger.core.simulation import (
    Generators,
    RandomSource,
    SimWorld,
    address,
    amount,
    chance,
    deadline,
    ident,
    pick,
    symbol,
    text,
)
from originledger.core.tx import Msg
from originledger.modules.attest.types import (
    SCHEMA_NAME_BYTES_MAX,
    TOPIC_FIELDS,
    Attest,
    BoolValue,
    Bytes32Value,
    Field,
    JurisdictionValue,
    RegisterSchema,
    Revoke,
    SetTrusted,
    StringValue,
    TimestampValue,
    UintValue,
    Value,
)

__all__ = ["GENERATORS"]

_TOPICS = sorted(TOPIC_FIELDS)


def register_schema(rng: RandomSource, world: SimWorld) -> Msg:
    topic: str | None = pick(rng, _TOPICS) if chance(rng, 70) else None
    fields = list(TOPIC_FIELDS[topic]) if topic is not None else []
    if chance(rng, 40):
        fields.append(Field(pick(rng, ("note", "level2", "Bad", "")), pick(rng, ("string", "x"))))
    if chance(rng, 5):
        topic = text(rng, 64, "topic")
    return RegisterSchema(
        address(rng, world, "attester", "user"),
        text(rng, SCHEMA_NAME_BYTES_MAX, "schema"),
        fields,
        chance(rng, 90),
        topic,
    )


_KINDS = ("uint", "jurisdiction", "bytes32", "string", "bool", "timestamp_ms", "other")


def _value(rng: RandomSource, world: SimWorld, kind: str | None = None) -> Value:
    roll = _KINDS.index(kind) if kind in _KINDS and chance(rng, 90) else rng.randrange(7)
    if roll == 0:
        return UintValue(amount(rng, 5))
    if roll == 1:
        return JurisdictionValue(pick(rng, ("US", "HK", "CN", "DE", "zz", "")))
    if roll == 2:
        return Bytes32Value(rng.getrandbits(256).to_bytes(32, "big"))
    if roll == 3:
        return StringValue(text(rng, 256, "value"))
    if roll == 4:
        return BoolValue(chance(rng, 50))
    if roll == 5:
        return TimestampValue(deadline(rng, world))
    return UintValue(Amount(rng.randrange(4)))


def attest(rng: RandomSource, world: SimWorld) -> Msg:
    schema_id = ident(rng, world, "schema_id")
    fields = world.about("schema_id", schema_id).get("fields")
    if isinstance(fields, list) and chance(rng, 85):
        data = [_value(rng, world, getattr(field, "type", None)) for field in fields]
    else:
        data = [_value(rng, world) for _ in range(rng.randrange(3))]
    return Attest(
        address(rng, world, "attester"),
        schema_id,
        address(rng, world, "user"),
        data,
        0 if chance(rng, 50) else deadline(rng, world),
        b"" if chance(rng, 80) else ident(rng, world, "attestation_id"),
    )


def revoke(rng: RandomSource, world: SimWorld) -> Msg:
    return Revoke(address(rng, world, "attester"), ident(rng, world, "attestation_id"))


def set_trusted(rng: RandomSource, world: SimWorld) -> Msg:
    if chance(rng, 50):
        asset = symbol(rng, world)
        scope = f"asset:{asset}"
        owner = world.issuer_of(asset)
        authority = owner if owner is not None and chance(rng, 80) else address(rng, world)
    else:
        scope = pick(rng, ("policy:US", "policy:HK", "policy:CN", "policy:", "other"))
        authority = address(rng, world, "regulator")
    topic = pick(rng, _TOPICS) if chance(rng, 95) else text(rng, 64)
    return SetTrusted(authority, scope, topic, address(rng, world, "attester"), chance(rng, 80))


GENERATORS: Generators = {
    RegisterSchema: (register_schema,),
    Attest: (attest,),
    Revoke: (revoke,),
    SetTrusted: (set_trusted,),
}
