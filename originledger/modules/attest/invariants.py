"""Invariants of the attest module: checked after every block in tests and verify-chain."""

from __future__ import annotations

from originledger.core.address import ADDRESS_BYTES
from originledger.core.codec import CodecError, decode
from originledger.core.context import StateReader
from originledger.modules.attest.keys import (
    ATTESTATION_PREFIX,
    BY_ATTESTER_PREFIX,
    BY_RECIPIENT_PREFIX,
    BY_SCHEMA_PREFIX,
    CLAIM_PREFIX,
    SCHEMA_PREFIX,
    TRUST_PREFIX,
    split_claim_key,
    split_index_key,
    split_trust_key,
)
from originledger.modules.attest.logic import load_attestation, load_schema, schema_id_of
from originledger.modules.attest.types import (
    ID_BYTES,
    TRUSTED_PER_TOPIC_MAX,
    Attestation,
    ClaimSlot,
    SchemaRecord,
    TrustedAttesters,
    check_schema,
    check_scope,
    check_topic,
    check_value,
    value_type,
)

__all__ = [
    "attestations_match_their_schemas",
    "claims_point_at_their_attestations",
    "indexes_point_at_attestations",
    "schemas_hash_to_their_ids",
    "trusted_sets_sorted_and_bounded",
]


def schemas_hash_to_their_ids(state: StateReader) -> str | None:
    for key, raw in state.scan(SCHEMA_PREFIX):
        try:
            schema = decode(raw, SchemaRecord)
        except CodecError as error:
            return f"schema {key.hex()} does not decode: {error}"
        expected = schema_id_of(
            schema.name,
            schema.fields,
            schema.revocable,
            schema.topic,
            schema.attester_role_required,
        )
        if key[len(SCHEMA_PREFIX) :] != schema.id or schema.id != expected:
            return f"schema {schema.id.hex()} is not stored under the hash of its definition"
        failure = check_schema(schema.name, schema.fields, schema.revocable, schema.topic)
        if failure is not None:
            return f"schema {schema.id.hex()} breaks a rule: {failure.code.name}"
    return None


def _attestation_breach(key: bytes, attestation: Attestation, state: StateReader) -> str | None:
    label = attestation.id.hex()
    if key[len(ATTESTATION_PREFIX) :] != attestation.id:
        return f"attestation {label} is stored under another id"
    schema = load_schema(state, attestation.schema_id)
    if schema is None:
        return f"attestation {label} names an unknown schema"
    types = [value_type(value) for value in attestation.data]
    if types != [field.type for field in schema.fields]:
        return f"attestation {label} does not match its schema's fields"
    if any(check_value(value) is not None for value in attestation.data):
        return f"attestation {label} holds a value outside its type"
    if attestation.expires_at_ms and attestation.expires_at_ms <= attestation.time_ms:
        return f"attestation {label} expires before it was made"
    if attestation.revoked_at_ms is not None:
        if attestation.revoked_at_ms < attestation.time_ms:
            return f"attestation {label} was revoked before it was made"
        if not schema.revocable:
            return f"attestation {label} is revoked though its schema is not revocable"
    if attestation.reference and load_attestation(state, attestation.reference) is None:
        return f"attestation {label} references an unknown attestation"
    return None


def attestations_match_their_schemas(state: StateReader) -> str | None:
    """Every attestation decodes, sits under its id, has values of its schema's field
    types, expires (if ever) after it was made, was revoked (if ever) no earlier than it
    was made and only under a revocable schema, and references an existing attestation."""
    for key, raw in state.scan(ATTESTATION_PREFIX):
        try:
            attestation = decode(raw, Attestation)
        except CodecError as error:
            return f"attestation {key.hex()} does not decode: {error}"
        breach = _attestation_breach(key, attestation, state)
        if breach is not None:
            return breach
    return None


_INDEXES = (
    (BY_RECIPIENT_PREFIX, ADDRESS_BYTES, "recipient"),
    (BY_SCHEMA_PREFIX, ID_BYTES, "schema_id"),
    (BY_ATTESTER_PREFIX, ADDRESS_BYTES, "attester"),
)


def indexes_point_at_attestations(state: StateReader) -> str | None:
    """Each index entry names an existing attestation whose owner and time match the key,
    and each index holds exactly one entry per attestation."""
    attestation_count = sum(1 for _ in state.scan(ATTESTATION_PREFIX))
    for prefix, owner_bytes, owner_field in _INDEXES:
        entries = 0
        for key, _ in state.scan(prefix):
            entries += 1
            try:
                owner, time_ms, attestation_id = split_index_key(prefix, key, owner_bytes)
            except ValueError as error:
                return str(error)
            attestation = load_attestation(state, attestation_id)
            if attestation is None:
                return f"index entry {key.hex()} names no attestation"
            if owner != getattr(attestation, owner_field) or time_ms != attestation.time_ms:
                return f"index entry {key.hex()} does not match its attestation"
        if entries != attestation_count:
            return f"{prefix.decode()} holds {entries} entries for {attestation_count} attestations"
    return None


def claims_point_at_their_attestations(state: StateReader) -> str | None:
    """Each claim slot names an attestation by that attester about that subject, under a
    schema of that topic."""
    for key, raw in state.scan(CLAIM_PREFIX):
        try:
            topic, subject, attester = split_claim_key(key)
            attestation_id = decode(raw, ClaimSlot).attestation_id
        except (ValueError, CodecError) as error:
            return f"claim slot {key.hex()} is malformed: {error}"
        attestation = load_attestation(state, attestation_id)
        if attestation is None:
            return f"claim slot {key.hex()} names no attestation"
        schema = load_schema(state, attestation.schema_id)
        if (
            schema is None
            or schema.topic != topic
            or attestation.recipient != subject
            or attestation.attester != attester
        ):
            return f"claim slot {key.hex()} does not match its attestation"
    return None


def trusted_sets_sorted_and_bounded(state: StateReader) -> str | None:
    """Each trusted set has a valid scope and topic and holds 1 to 16 attesters, sorted,
    without repeats."""
    for key, raw in state.scan(TRUST_PREFIX):
        scope, topic = split_trust_key(key)
        if check_scope(scope) is not None or check_topic(topic) is not None:
            return f"trusted set {key!r} has an invalid scope or topic"
        try:
            attesters = decode(raw, TrustedAttesters).attesters
        except CodecError as error:
            return f"trusted set {key!r} does not decode: {error}"
        if not 1 <= len(attesters) <= TRUSTED_PER_TOPIC_MAX:
            return f"trusted set {key!r} holds {len(attesters)} attesters"
        if attesters != sorted(set(attesters)):
            return f"trusted set {key!r} is not sorted or repeats an attester"
    return None
