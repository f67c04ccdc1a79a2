"""Result codes of the attest module, in order of precedence. Never renumber."""

from __future__ import annotations

from originledger.core.codes import ResultCode

__all__ = ["AttestCode"]


class AttestCode(ResultCode, codespace="attest"):
    OK = 0, "ok"
    # Stateless checks, in the order they run.
    INVALID_SCHEMA_NAME = 1, "a schema name is 1 to 64 bytes of printable text"
    TOO_MANY_FIELDS = 2, "a schema has at most 16 fields"
    INVALID_FIELD_NAME = (
        3,
        "a field name is 1 to 32 characters of a-z, 0-9 and '_', starting with a letter",
    )
    DUPLICATE_FIELD_NAME = 4, "two fields of the schema have the same name"
    INVALID_FIELD_TYPE = 5, "the field type is not one of the known field types"
    INVALID_TOPIC = 6, "the topic is not one of the claim topics"
    TOPIC_FIELDS_MISSING = 7, "the schema lacks a field its topic requires, of the required type"
    TOPIC_NOT_REVOCABLE = (
        8,
        "a schema with a topic must be revocable, so that claims can be withdrawn",
    )
    INVALID_ID = 9, "an id is 32 bytes; a reference is 32 bytes or empty"
    INVALID_VALUE = 10, "a value is outside the range or format of its type"
    INVALID_SCOPE = (
        11,
        "a scope is asset:<symbol> or policy:<name>, a name of 1 to 32 of A-Z a-z 0-9 . _ -",
    )
    TIME_OUT_OF_RANGE = 12, "a time is later than the end of the year 9999 (TIME_MS_MAX)"
    # Stateful checks, in the order they run.
    SCHEMA_EXISTS = 20, "a schema with this definition already exists"
    SCHEMA_NOT_FOUND = 21, "no schema has this id"
    DATA_MISMATCH = 22, "the data does not match the schema's fields in number or types"
    EXPIRY_IN_PAST = 23, "the expiry must be 0 (never) or later than the block time"
    REFERENCE_NOT_FOUND = 24, "no attestation has the referenced id"
    ATTESTATION_NOT_FOUND = 25, "no attestation has this id"
    NOT_ATTESTER = 26, "only the attestation's attester may revoke it"
    IRREVOCABLE = 27, "the attestation's schema is not revocable"
    ALREADY_REVOKED = 28, "the attestation is already revoked"
    ASSET_NOT_FOUND = 29, "no asset has the scope's symbol"
    NOT_ASSET_ISSUER = 30, "only the asset's issuer may set trusted attesters for its scope"
    REGULATOR_ROLE_REQUIRED = 31, "setting trusted attesters for a policy needs the regulator role"
    ALREADY_TRUSTED = 32, "the attester is already trusted for this topic in this scope"
    NOT_TRUSTED = 33, "the attester is not trusted for this topic in this scope"
    TOO_MANY_TRUSTED = 34, "a scope trusts at most 16 attesters per topic"
    ISSUER_ROLE_REVOKED = (
        35,
        "the asset's issuer no longer holds the issuer role its class requires",
    )
    ATTESTER_ROLE_REQUIRED = 36, "attesting under this schema needs the attester role"
