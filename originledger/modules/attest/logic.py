"""Pure handlers of the attest module and the protocol other modules check claims with.

Protocol (``public.py``, which ``app.py`` hands to compliance, identity and the rest;
reads by exact key only, so it works on a handler's ``ctx.state``): ``load_schema``,
``load_attestation``, ``attestation_status``, ``trusted_attesters``, ``valid_claim``,
``claim_value``, ``field_value``, and the scope builders ``asset_scope`` and
``policy_scope``. ``schema_id_of`` computes a schema's id off-ledger (for clients).
"""

from __future__ import annotations

import msgspec

from originledger.core.address import Address
from originledger.core.codec import decode, encode
from originledger.core.context import BlockState, Event, StateGetter, StateView, TxContext
from originledger.core.crypto import tagged_hash
from originledger.core.limits import MESSAGES_PER_TX_MAX
from originledger.core.module import InvariantBroken
from originledger.core.tx import Failure
from originledger.modules.accounts.types import Role
from originledger.modules.attest.codes import AttestCode
from originledger.modules.attest.expected import accounts_keeper, assets_keeper
from originledger.modules.attest.keys import (
    BY_ATTESTER_PREFIX,
    BY_RECIPIENT_PREFIX,
    BY_SCHEMA_PREFIX,
    attestation_key,
    claim_key,
    index_key,
    schema_key,
    trust_key,
)
from originledger.modules.attest.types import (
    TOPIC_PRIMARY_FIELD,
    TRUSTED_PER_TOPIC_MAX,
    Attest,
    Attestation,
    AttestationStatus,
    Attested,
    AttestGenesis,
    ClaimData,
    ClaimSlot,
    Field,
    RegisterSchema,
    Revoke,
    Revoked,
    SchemaDefinition,
    SchemaRecord,
    SchemaRegistered,
    SetTrusted,
    TrustedAttesters,
    TrustSet,
    Value,
    check_scope,
    check_topic,
    value_type,
)

__all__ = [
    "ASSET_SCOPE_PREFIX",
    "POLICY_SCOPE_PREFIX",
    "asset_scope",
    "attest",
    "attestation_id_of",
    "attestation_status",
    "claim_value",
    "field_value",
    "genesis_init",
    "load_attestation",
    "load_schema",
    "policy_scope",
    "register_schema",
    "revoke",
    "schema_id_of",
    "set_trusted",
    "trusted_attesters",
    "valid_claim",
]

SCHEMA_ID_TAG = b"origin/attest/schema"
ATTESTATION_ID_TAG = b"origin/attest/attestation"
ASSET_SCOPE_PREFIX = "asset:"
POLICY_SCOPE_PREFIX = "policy:"

# Protocol -------------------------------------------------------------------------------


def asset_scope(symbol: str) -> str:
    return ASSET_SCOPE_PREFIX + symbol


def policy_scope(name: str) -> str:
    return POLICY_SCOPE_PREFIX + name


def schema_id_of(
    name: str,
    fields: list[Field],
    revocable: bool,
    topic: str | None,
    attester_role_required: bool = False,
) -> bytes:
    """A schema's id: the tagged hash of its canonical definition."""
    definition = SchemaDefinition(name, fields, revocable, topic, attester_role_required)
    return tagged_hash(SCHEMA_ID_TAG, encode(definition))


def attestation_id_of(message: Attest, time_ms: int, tx_hash: bytes, bump: int = 0) -> bytes:
    """An attestation's id: the tagged hash of what was said, when, in which transaction.

    Two identical ``attest`` messages in one transaction would hash alike; ``bump`` counts
    up until the id is free, so ids stay unique and deterministic.
    """
    seed = [
        message.schema_id,
        message.attester,
        message.recipient,
        message.data,
        time_ms,
        message.expires_at_ms,
        message.reference,
        tx_hash,
        bump,
    ]
    return tagged_hash(ATTESTATION_ID_TAG, encode(seed))


def load_schema(state: StateGetter, schema_id: bytes) -> SchemaRecord | None:
    raw = state.get(schema_key(schema_id))
    return None if raw is None else decode(raw, SchemaRecord)


def load_attestation(state: StateGetter, attestation_id: bytes) -> Attestation | None:
    raw = state.get(attestation_key(attestation_id))
    return None if raw is None else decode(raw, Attestation)


def attestation_status(attestation: Attestation | None, at_ms: int) -> AttestationStatus:
    """The status at ``at_ms``: revoked from its revocation time on, expired from its
    expiry on (revocation wins when both hold), unknown before it was made."""
    if attestation is None or at_ms < attestation.time_ms:
        return AttestationStatus.UNKNOWN
    if attestation.revoked_at_ms is not None and attestation.revoked_at_ms <= at_ms:
        return AttestationStatus.REVOKED
    if attestation.expires_at_ms and attestation.expires_at_ms <= at_ms:
        return AttestationStatus.EXPIRED
    return AttestationStatus.VALID


def trusted_attesters(state: StateGetter, scope: str, topic: str) -> list[Address]:
    """The attesters ``scope`` trusts for ``topic``, in address order."""
    raw = state.get(trust_key(scope, topic))
    return [] if raw is None else decode(raw, TrustedAttesters).attesters


def valid_claim(
    state: StateGetter, subject: Address, topic: str, scope: str, now_ms: int
) -> Attestation | None:
    """The newest valid claim on ``topic`` about ``subject`` from an attester ``scope``
    trusts for that topic, or None.

    Each attester's current claim is its latest attestation on the topic about the subject
    (a newer one supersedes an older one, so revoking the latest withdraws the attester's
    claim rather than reviving an older one). Among the trusted attesters' current claims
    that are valid at ``now_ms``, the one made last wins; ties go to the greater id.
    """
    best: Attestation | None = None
    for attester in trusted_attesters(state, scope, topic):
        raw = state.get(claim_key(topic, subject, attester))
        if raw is None:
            continue
        attestation_id = decode(raw, ClaimSlot).attestation_id
        attestation = load_attestation(state, attestation_id)
        if attestation is None:
            raise InvariantBroken(f"invariant broken: claim slot names {attestation_id.hex()}")
        if attestation_status(attestation, now_ms) is not AttestationStatus.VALID:
            continue
        if best is None or (attestation.time_ms, attestation.id) > (best.time_ms, best.id):
            best = attestation
    return best


def field_value(schema: SchemaRecord, attestation: Attestation, name: str) -> ClaimData | None:
    """The value of the field ``name`` in ``attestation`` (None when the schema lacks it)."""
    if attestation.schema_id != schema.id:
        raise ValueError("the attestation is not of this schema")
    for field, value in zip(schema.fields, attestation.data, strict=True):
        if field.name == name:
            return value.value
    return None


def claim_value(
    state: StateGetter,
    subject: Address,
    topic: str,
    scope: str,
    now_ms: int,
    field: str | None = None,
) -> ClaimData | None:
    """The value of ``field`` (by default the topic's primary field: ``level``,
    ``country``, ``jurisdiction`` or ``nullifier``) in ``valid_claim``'s answer; None when
    there is no valid claim or its schema lacks that field."""
    attestation = valid_claim(state, subject, topic, scope, now_ms)
    if attestation is None:
        return None
    schema = load_schema(state, attestation.schema_id)
    if schema is None:
        raise InvariantBroken(f"invariant broken: schema of {attestation.id.hex()} is missing")
    return field_value(schema, attestation, field or TOPIC_PRIMARY_FIELD[topic])


# Handlers -------------------------------------------------------------------------------


def _write_schema(state: StateView, record: SchemaRecord) -> SchemaRegistered:
    state.set(schema_key(record.id), encode(record))
    return SchemaRegistered(
        record.id,
        record.registrant,
        record.name,
        record.fields,
        record.revocable,
        record.topic,
        record.attester_role_required,
    )


def register_schema(ctx: TxContext, message: RegisterSchema) -> Failure | None:
    schema_id = schema_id_of(
        message.name,
        message.fields,
        message.revocable,
        message.topic,
        message.attester_role_required,
    )
    if ctx.state.get(schema_key(schema_id)) is not None:
        return Failure(AttestCode.SCHEMA_EXISTS, schema_id.hex())
    record = SchemaRecord(
        schema_id,
        message.registrant,
        message.name,
        message.fields,
        message.revocable,
        message.topic,
        ctx.block.height,
        message.attester_role_required,
    )
    ctx.emit(_write_schema(ctx.state, record))
    return None


def _data_mismatch(fields: list[Field], data: list[Value]) -> Failure | None:
    if len(data) != len(fields):
        return Failure(AttestCode.DATA_MISMATCH, f"{len(data)} values for {len(fields)} fields")
    for field, value in zip(fields, data, strict=True):
        if value_type(value) != field.type:
            return Failure(
                AttestCode.DATA_MISMATCH, f"{field.name} is {field.type}, not {value_type(value)}"
            )
    return None


def attest(ctx: TxContext, message: Attest) -> Failure | None:
    schema = load_schema(ctx.state, message.schema_id)
    if schema is None:
        return Failure(AttestCode.SCHEMA_NOT_FOUND, message.schema_id.hex())
    failure = _data_mismatch(schema.fields, message.data)
    if failure:
        return failure
    if schema.attester_role_required and not accounts_keeper.has_role(
        ctx.state, message.attester, Role.ATTESTER
    ):
        return Failure(AttestCode.ATTESTER_ROLE_REQUIRED, str(message.attester))
    now_ms = ctx.block.time_ms
    if message.expires_at_ms and message.expires_at_ms <= now_ms:
        return Failure(AttestCode.EXPIRY_IN_PAST, f"{message.expires_at_ms} <= {now_ms}")
    if message.reference and ctx.state.get(attestation_key(message.reference)) is None:
        return Failure(AttestCode.REFERENCE_NOT_FOUND, message.reference.hex())
    attestation_id = _free_attestation_id(ctx, message)
    record = Attestation(
        id=attestation_id,
        schema_id=message.schema_id,
        attester=message.attester,
        recipient=message.recipient,
        data=message.data,
        time_ms=now_ms,
        expires_at_ms=message.expires_at_ms,
        reference=message.reference,
        height=ctx.block.height,
    )
    state = ctx.state
    state.put_record(attestation_key(attestation_id), record)
    state.set(index_key(BY_RECIPIENT_PREFIX, message.recipient, now_ms, attestation_id), b"")
    state.set(index_key(BY_SCHEMA_PREFIX, message.schema_id, now_ms, attestation_id), b"")
    state.set(index_key(BY_ATTESTER_PREFIX, message.attester, now_ms, attestation_id), b"")
    supersedes = b""
    if schema.topic is not None:
        slot = claim_key(schema.topic, message.recipient, message.attester)
        previous = state.get_record(slot, ClaimSlot)
        if previous is not None:
            supersedes = previous.attestation_id
        state.put_record(slot, ClaimSlot(attestation_id))
    ctx.emit(
        Attested(
            attestation_id,
            message.schema_id,
            message.attester,
            message.recipient,
            message.expires_at_ms,
            message.reference,
            supersedes,
        )
    )
    return None


def _free_attestation_id(ctx: TxContext, message: Attest) -> bytes:
    # Only identical messages of one transaction can collide (the hash covers the
    # transaction), so at most MESSAGES_PER_TX_MAX bumps are ever needed.
    for bump in range(MESSAGES_PER_TX_MAX + 1):
        candidate = attestation_id_of(message, ctx.block.time_ms, ctx.tx_hash, bump)
        if ctx.state.get(attestation_key(candidate)) is None:
            return candidate
    raise RuntimeError("no free attestation id: more identical messages than a tx may carry")


def revoke(ctx: TxContext, message: Revoke) -> Failure | None:
    attestation = load_attestation(ctx.state, message.attestation_id)
    if attestation is None:
        return Failure(AttestCode.ATTESTATION_NOT_FOUND, message.attestation_id.hex())
    if attestation.attester != message.attester:
        return Failure(AttestCode.NOT_ATTESTER)
    schema = load_schema(ctx.state, attestation.schema_id)
    if schema is None:
        raise InvariantBroken(f"invariant broken: schema of {attestation.id.hex()} is missing")
    if not schema.revocable:
        return Failure(AttestCode.IRREVOCABLE)
    if attestation.revoked_at_ms is not None:
        return Failure(AttestCode.ALREADY_REVOKED, f"at {attestation.revoked_at_ms}")
    now_ms = ctx.block.time_ms
    revoked = msgspec.structs.replace(attestation, revoked_at_ms=now_ms)
    ctx.state.put_record(attestation_key(attestation.id), revoked)
    ctx.emit(Revoked(attestation.id, attestation.attester, now_ms))
    return None


def _authority_failure(state: StateGetter, scope: str, authority: Address) -> Failure | None:
    if scope.startswith(ASSET_SCOPE_PREFIX):
        symbol = scope[len(ASSET_SCOPE_PREFIX) :]
        asset = assets_keeper.load_asset(state, symbol)
        if asset is None:
            return Failure(AttestCode.ASSET_NOT_FOUND, symbol)
        if asset.issuer != authority:
            return Failure(AttestCode.NOT_ASSET_ISSUER)
        if not assets_keeper.issuer_in_good_standing(state, asset, authority):
            return Failure(AttestCode.ISSUER_ROLE_REVOKED, str(authority))
        return None
    if not accounts_keeper.has_role(state, authority, Role.REGULATOR):
        return Failure(AttestCode.REGULATOR_ROLE_REQUIRED)
    return None


def _set_trusted_attesters(
    state: StateView, scope: str, topic: str, attesters: list[Address]
) -> None:
    key = trust_key(scope, topic)
    if attesters:
        state.set(key, encode(TrustedAttesters(sorted(attesters))))
    else:
        state.delete(key)  # an empty set takes no room in state


def set_trusted(ctx: TxContext, message: SetTrusted) -> Failure | None:
    failure = _authority_failure(ctx.state, message.scope, message.authority)
    if failure:
        return failure
    attesters = trusted_attesters(ctx.state, message.scope, message.topic)
    if message.trusted:
        if message.attester in attesters:
            return Failure(AttestCode.ALREADY_TRUSTED)
        if len(attesters) >= TRUSTED_PER_TOPIC_MAX:
            return Failure(AttestCode.TOO_MANY_TRUSTED)
        attesters = [*attesters, message.attester]
    else:
        if message.attester not in attesters:
            return Failure(AttestCode.NOT_TRUSTED)
        attesters = [attester for attester in attesters if attester != message.attester]
    _set_trusted_attesters(ctx.state, message.scope, message.topic, attesters)
    ctx.emit(
        TrustSet(message.scope, message.topic, message.attester, message.trusted, message.authority)
    )
    return None


# Genesis --------------------------------------------------------------------------------


def genesis_init(state: BlockState, genesis: AttestGenesis) -> list[Event]:
    """Schemas and trusted attesters from ``app_state.attest``. Runs after the assets
    genesis, so an ``asset:`` scope must name a genesis asset."""
    events: list[Event] = []
    for entry in genesis.schemas:
        message = RegisterSchema(
            entry.registrant,
            entry.name,
            entry.fields,
            entry.revocable,
            entry.topic,
            entry.attester_role_required,
        )
        failure = message.validate()
        if failure is not None:
            raise ValueError(f"genesis: schema {entry.name!r}: {failure.code.message}")
        schema_id = schema_id_of(
            entry.name, entry.fields, entry.revocable, entry.topic, entry.attester_role_required
        )
        if state.get(schema_key(schema_id)) is not None:
            raise ValueError(f"genesis: schema {entry.name!r} listed twice")
        record = SchemaRecord(
            schema_id,
            entry.registrant,
            entry.name,
            entry.fields,
            entry.revocable,
            entry.topic,
            0,
            entry.attester_role_required,
        )
        events.append(_write_schema(state, record))
    for trust in genesis.trusted:
        failure = check_topic(trust.topic) or check_scope(trust.scope)
        if failure is not None:
            raise ValueError(
                f"genesis: trusted {trust.scope}/{trust.topic}: {failure.code.message}"
            )
        if trust.scope.startswith(ASSET_SCOPE_PREFIX):
            symbol = trust.scope[len(ASSET_SCOPE_PREFIX) :]
            if assets_keeper.load_asset(state, symbol) is None:
                raise ValueError(f"genesis: trusted attester for unknown asset {symbol!r}")
        attesters = trusted_attesters(state, trust.scope, trust.topic)
        if trust.attester in attesters:
            raise ValueError(f"genesis: {trust.attester} trusted twice in {trust.scope}")
        if len(attesters) >= TRUSTED_PER_TOPIC_MAX:
            raise ValueError(f"genesis: too many trusted attesters in {trust.scope}")
        _set_trusted_attesters(state, trust.scope, trust.topic, [*attesters, trust.attester])
        events.append(TrustSet(trust.scope, trust.topic, trust.attester, True, None))
    return events
