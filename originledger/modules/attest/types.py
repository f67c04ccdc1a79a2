"""Field types and values, claim topics, messages, state records, events and genesis of the
attest module, with its limits."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, TypeAlias

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import Event
from originledger.core.limits import TIME_MS_MAX
from originledger.core.text import is_free_text
from originledger.core.tx import Failure, Msg
from originledger.modules.attest.codes import AttestCode

__all__ = [
    "FIELDS_PER_SCHEMA_MAX",
    "FIELD_NAME_BYTES_MAX",
    "FIELD_TYPE_VALUES",
    "ID_BYTES",
    "SCHEMA_NAME_BYTES_MAX",
    "SCOPE_NAME_BYTES_MAX",
    "STRING_VALUE_BYTES_MAX",
    "TOPIC_FIELDS",
    "TOPIC_PRIMARY_FIELD",
    "TOPIC_VALUES",
    "TRUSTED_PER_TOPIC_MAX",
    "AddressValue",
    "Attest",
    "AttestGenesis",
    "Attestation",
    "AttestationStatus",
    "Attested",
    "BoolValue",
    "Bytes32Value",
    "ClaimData",
    "ClaimSlot",
    "ClaimTopic",
    "Field",
    "FieldType",
    "GenesisSchema",
    "GenesisTrust",
    "JurisdictionValue",
    "RegisterSchema",
    "Revoke",
    "Revoked",
    "SchemaDefinition",
    "SchemaRecord",
    "SchemaRegistered",
    "SetTrusted",
    "StringValue",
    "TimestampValue",
    "TrustSet",
    "TrustedAttesters",
    "UintValue",
    "Value",
    "check_id",
    "check_schema",
    "check_scope",
    "check_topic",
    "check_value",
    "value_type",
]

# Limits, each with its unit.
ID_BYTES = 32  # schema and attestation ids are SHA-256 hashes
SCHEMA_NAME_BYTES_MAX = 64
FIELDS_PER_SCHEMA_MAX = 16
FIELD_NAME_BYTES_MAX = 32
STRING_VALUE_BYTES_MAX = 256
SCOPE_NAME_BYTES_MAX = 32  # the part after "asset:" or "policy:"
TRUSTED_PER_TOPIC_MAX = 16  # trusted attesters of one topic in one scope

_FIELD_NAME_PATTERN = re.compile(rf"[a-z][a-z0-9_]{{0,{FIELD_NAME_BYTES_MAX - 1}}}")
_SCOPE_PATTERN = re.compile(
    rf"(asset|policy):[A-Za-z0-9][A-Za-z0-9._\-]{{0,{SCOPE_NAME_BYTES_MAX - 1}}}"
)
_JURISDICTION_PATTERN = re.compile(r"[A-Z]{2}")

# Generous bounds checked while decoding (they bound memory); the precise rules are the
# stateless checks, which answer with a result code.
_ListMax = msgspec.Meta(max_length=64)
IdBytes = Annotated[bytes, msgspec.Meta(max_length=64)]
NameText = Annotated[str, msgspec.Meta(max_length=256)]
ShortText = Annotated[str, msgspec.Meta(max_length=64)]
Uint64 = Annotated[int, msgspec.Meta(ge=0)]


class FieldType(StrEnum):
    """The closed set of field types. A value of each travels as the struct named beside."""

    STRING = "string"  # StringValue: UTF-8 text, at most 256 bytes
    UINT = "uint"  # UintValue: an integer in [0, 2**128), carried like an amount
    BOOL = "bool"  # BoolValue
    BYTES32 = "bytes32"  # Bytes32Value: exactly 32 bytes (a hash, a commitment, a nullifier)
    ADDRESS = "address"  # AddressValue: an account address
    TIMESTAMP_MS = "timestamp_ms"  # TimestampValue: milliseconds since the Unix epoch
    JURISDICTION = "jurisdiction"  # JurisdictionValue: ISO 3166-1 alpha-2, e.g. "DE"


FIELD_TYPE_VALUES = frozenset(kind.value for kind in FieldType)


class AttestationStatus(StrEnum):
    """What an attestation is at a given time."""

    VALID = "valid"  # made, not revoked, not expired
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # no such attestation (or not made yet at that time)


class ClaimTopic(StrEnum):
    """What a schema with a topic claims about its attestations' recipients."""

    KYC_LEVEL = "kyc_level"
    RESIDENCE = "residence"
    ACCREDITED_INVESTOR = "accredited_investor"
    LICENSED_CUSTODIAN = "licensed_custodian"
    UNIQUE_PERSON = "unique_person"


TOPIC_VALUES = frozenset(topic.value for topic in ClaimTopic)


# Values ---------------------------------------------------------------------------------


class _Value(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type"):
    """Base of the typed values an attestation's data holds; the tag is the field type."""


class StringValue(_Value, frozen=True, tag="string"):
    value: Annotated[str, msgspec.Meta(max_length=1024)]


class UintValue(_Value, frozen=True, tag="uint"):
    value: Amount


class BoolValue(_Value, frozen=True, tag="bool"):
    value: bool


class Bytes32Value(_Value, frozen=True, tag="bytes32"):
    value: IdBytes


class AddressValue(_Value, frozen=True, tag="address"):
    value: Address


class TimestampValue(_Value, frozen=True, tag="timestamp_ms"):
    value: Uint64


class JurisdictionValue(_Value, frozen=True, tag="jurisdiction"):
    value: Annotated[str, msgspec.Meta(max_length=8)]


Value: TypeAlias = (
    StringValue
    | UintValue
    | BoolValue
    | Bytes32Value
    | AddressValue
    | TimestampValue
    | JurisdictionValue
)

ClaimData: TypeAlias = str | int | bool | bytes
"""What a value holds: ``str`` (string, jurisdiction), ``int`` (uint, timestamp_ms),
``bool``, ``bytes`` (bytes32) or ``Address`` (a ``bytes``)."""


def value_type(value: Value) -> str:
    """The field type a value is of (its tag)."""
    tag = type(value).__struct_config__.tag
    if not isinstance(tag, str):
        raise TypeError(f"{type(value).__name__} has no string tag")
    return tag


def check_value(value: Value) -> Failure | None:
    """The checks that depend on the value alone (its schema is checked with state)."""
    problem = ""
    if isinstance(value, StringValue) and len(value.value.encode()) > STRING_VALUE_BYTES_MAX:
        problem = f"string over {STRING_VALUE_BYTES_MAX} bytes"
    elif isinstance(value, Bytes32Value) and len(value.value) != ID_BYTES:
        problem = f"bytes32 of {len(value.value)} bytes"
    elif (
        isinstance(value, JurisdictionValue)
        and _JURISDICTION_PATTERN.fullmatch(value.value) is None
    ):
        problem = f"jurisdiction {value.value!r}"[:60]
    elif isinstance(value, TimestampValue) and value.value > TIME_MS_MAX:
        problem = f"timestamp_ms {value.value} > {TIME_MS_MAX}"
    return Failure(AttestCode.INVALID_VALUE, problem) if problem else None


# Schemas and topics ---------------------------------------------------------------------


class Field(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: ShortText
    type: ShortText


# What each topic requires of a schema: these fields, with these types (more may follow).
TOPIC_FIELDS: dict[str, tuple[Field, ...]] = {
    ClaimTopic.KYC_LEVEL: (Field("level", FieldType.UINT.value),),
    ClaimTopic.RESIDENCE: (Field("country", FieldType.JURISDICTION.value),),
    ClaimTopic.ACCREDITED_INVESTOR: (Field("jurisdiction", FieldType.JURISDICTION.value),),
    ClaimTopic.LICENSED_CUSTODIAN: (Field("jurisdiction", FieldType.JURISDICTION.value),),
    ClaimTopic.UNIQUE_PERSON: (Field("nullifier", FieldType.BYTES32.value),),
}

# The field ``claim_value`` reads when no other is named.
TOPIC_PRIMARY_FIELD: dict[str, str] = {
    topic: fields[0].name for topic, fields in TOPIC_FIELDS.items()
}


def check_topic(topic: str) -> Failure | None:
    if topic not in TOPIC_VALUES:
        return Failure(AttestCode.INVALID_TOPIC, repr(topic)[:40])
    return None


def check_scope(scope: str) -> Failure | None:
    if _SCOPE_PATTERN.fullmatch(scope) is None:
        return Failure(AttestCode.INVALID_SCOPE, repr(scope)[:60])
    return None


def check_schema(
    name: str, fields: list[Field], revocable: bool, topic: str | None
) -> Failure | None:
    """The stateless checks of a schema definition, in code order."""
    name_bytes = len(name.encode())
    if not 1 <= name_bytes <= SCHEMA_NAME_BYTES_MAX or not is_free_text(name):
        return Failure(AttestCode.INVALID_SCHEMA_NAME)
    if len(fields) > FIELDS_PER_SCHEMA_MAX:
        return Failure(AttestCode.TOO_MANY_FIELDS, str(len(fields)))
    for field in fields:
        if _FIELD_NAME_PATTERN.fullmatch(field.name) is None:
            return Failure(AttestCode.INVALID_FIELD_NAME, repr(field.name)[:40])
    names = [field.name for field in fields]
    if len(set(names)) != len(names):
        return Failure(AttestCode.DUPLICATE_FIELD_NAME)
    for field in fields:
        if field.type not in FIELD_TYPE_VALUES:
            return Failure(AttestCode.INVALID_FIELD_TYPE, repr(field.type)[:40])
    if topic is not None:
        failure = check_topic(topic)
        if failure:
            return failure
        missing = [required for required in TOPIC_FIELDS[topic] if required not in fields]
        if missing:
            return Failure(
                AttestCode.TOPIC_FIELDS_MISSING,
                ", ".join(f"{field.name}: {field.type}" for field in missing),
            )
        if not revocable:
            return Failure(AttestCode.TOPIC_NOT_REVOCABLE)
    return None


def check_id(identifier: bytes, *, optional: bool = False) -> Failure | None:
    if len(identifier) == ID_BYTES or (optional and not identifier):
        return None
    return Failure(AttestCode.INVALID_ID, f"{len(identifier)} bytes")


# State ----------------------------------------------------------------------------------


class SchemaDefinition(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """What a schema's id is the hash of (the registrant is not part of it).
    ``attester_role_required`` is left out of the encoding when false, so a schema without
    it keeps the id it always had."""

    name: str
    fields: list[Field]
    revocable: bool
    topic: str | None
    attester_role_required: bool = False


class SchemaRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: bytes
    registrant: Address
    name: str
    fields: list[Field]
    revocable: bool
    topic: str | None
    height: int
    attester_role_required: bool = False  # only accounts with the attester role attest


class Attestation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A signed statement by ``attester`` about ``recipient`` under a schema.

    ``time_ms`` is the block time it was made at; ``expires_at_ms`` is 0 for never;
    ``reference`` is another attestation's id or empty; ``revoked_at_ms`` is the block time
    of its revocation, or None.
    """

    id: bytes
    schema_id: bytes
    attester: Address
    recipient: Address
    data: list[Value]
    time_ms: int
    expires_at_ms: int
    reference: bytes
    height: int
    revoked_at_ms: int | None = None


class ClaimSlot(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An attester's current claim on a topic about a subject: its latest attestation."""

    attestation_id: bytes


class TrustedAttesters(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The attesters a scope trusts for one topic, sorted, without repeats, never empty."""

    attesters: list[Address]


# Messages -------------------------------------------------------------------------------


class RegisterSchema(Msg, frozen=True, tag="attest/register_schema"):
    """Register a schema; its id is the hash of ``(name, fields, revocable, topic,
    attester_role_required)``. With ``attester_role_required`` only accounts holding the
    ``attester`` role (granted by an admin: licensed KYC providers, notaries) attest
    under it."""

    registrant: Address
    name: NameText
    fields: Annotated[list[Field], _ListMax]
    revocable: bool
    topic: ShortText | None = None
    attester_role_required: bool = False

    def required_signers(self) -> tuple[Address, ...]:
        return (self.registrant,)

    def validate(self) -> Failure | None:
        return check_schema(self.name, self.fields, self.revocable, self.topic)


class Attest(Msg, frozen=True, tag="attest/attest"):
    """``attester`` states ``data`` (one value per schema field, in order) about
    ``recipient``. ``expires_at_ms`` 0 means never; ``reference`` is empty or an id."""

    attester: Address
    schema_id: IdBytes
    recipient: Address
    data: Annotated[list[Value], _ListMax]
    expires_at_ms: Uint64 = 0
    reference: IdBytes = b""

    def required_signers(self) -> tuple[Address, ...]:
        return (self.attester,)

    def validate(self) -> Failure | None:
        failure = check_id(self.schema_id) or check_id(self.reference, optional=True)
        if failure:
            return failure
        for value in self.data:
            failure = check_value(value)
            if failure:
                return failure
        if self.expires_at_ms > TIME_MS_MAX:
            return Failure(AttestCode.TIME_OUT_OF_RANGE, f"{self.expires_at_ms} > {TIME_MS_MAX}")
        return None


class Revoke(Msg, frozen=True, tag="attest/revoke"):
    attester: Address
    attestation_id: IdBytes

    def required_signers(self) -> tuple[Address, ...]:
        return (self.attester,)

    def validate(self) -> Failure | None:
        return check_id(self.attestation_id)


class SetTrusted(Msg, frozen=True, tag="attest/set_trusted"):
    """Trust (or stop trusting) ``attester`` for ``topic`` in ``scope``: ``asset:<SYMBOL>``
    (by that asset's issuer) or ``policy:<name>`` (by a regulator)."""

    authority: Address
    scope: ShortText
    topic: ShortText
    attester: Address
    trusted: bool

    def required_signers(self) -> tuple[Address, ...]:
        return (self.authority,)

    def validate(self) -> Failure | None:
        return check_topic(self.topic) or check_scope(self.scope)


# Events ---------------------------------------------------------------------------------


class SchemaRegistered(Event, frozen=True, tag="attest/schema_registered"):
    schema_id: bytes
    registrant: Address
    name: str
    fields: list[Field]
    revocable: bool
    topic: str | None
    attester_role_required: bool = False


class Attested(Event, frozen=True, tag="attest/attested"):
    """``supersedes`` is the attester's earlier claim on the same topic about the same
    recipient, which this one replaces (empty when none, or when the schema has no topic)."""

    attestation_id: bytes
    schema_id: bytes
    attester: Address
    recipient: Address
    expires_at_ms: int
    reference: bytes
    supersedes: bytes


class Revoked(Event, frozen=True, tag="attest/revoked"):
    attestation_id: bytes
    attester: Address
    revoked_at_ms: int


class TrustSet(Event, frozen=True, tag="attest/trust_set"):
    scope: str
    topic: str
    attester: Address
    trusted: bool
    authority: Address | None  # None in genesis


# Genesis --------------------------------------------------------------------------------


class GenesisSchema(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    registrant: Address
    name: str
    fields: list[Field] = []
    revocable: bool = True
    topic: str | None = None
    attester_role_required: bool = False


class GenesisTrust(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    scope: str
    topic: str
    attester: Address


class AttestGenesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    schemas: list[GenesisSchema] = []
    trusted: list[GenesisTrust] = []
