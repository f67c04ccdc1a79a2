"""Read-only queries of the attest module.

Ids are given as 64 hex characters (or the base64 the JSON form of records uses). Lists
are pages of at most ``limit`` items (default 100, at most ``PAGE_ITEMS_MAX``), oldest
first; ``next`` is the cursor to pass as ``after`` for the following page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

import msgspec

from originledger.core.address import Address
from originledger.core.codec import decode
from originledger.core.context import StateReader
from originledger.core.limits import PAGE_ITEMS_MAX
from originledger.core.module import BLOCK_TIME_PARAMETER, InvariantBroken, QueryError
from originledger.core.query_params import parse_address
from originledger.modules.attest.keys import (
    BY_ATTESTER_PREFIX,
    BY_RECIPIENT_PREFIX,
    BY_SCHEMA_PREFIX,
    SCHEMA_PREFIX,
    split_trust_key,
    trust_key,
    trust_prefix,
)
from originledger.modules.attest.logic import attestation_status, load_attestation, load_schema
from originledger.modules.attest.types import (
    ID_BYTES,
    Attestation,
    SchemaRecord,
    TrustedAttesters,
    check_scope,
    check_topic,
)

__all__ = [
    "PAGE_ITEMS_DEFAULT",
    "AttestationPage",
    "SchemaPage",
    "TrustedEntry",
    "Verification",
    "parse_id",
    "query_attestation",
    "query_by_attester",
    "query_by_recipient",
    "query_by_schema",
    "query_schema",
    "query_schemas",
    "query_trusted",
    "query_verify",
]

PAGE_ITEMS_DEFAULT = 100


class AttestationPage(msgspec.Struct, frozen=True):
    attestations: list[Attestation]
    next: str | None  # pass as ``after`` for the next page; None on the last page


class SchemaPage(msgspec.Struct, frozen=True):
    schemas: list[SchemaRecord]
    next: str | None


class TrustedEntry(msgspec.Struct, frozen=True):
    scope: str
    topic: str
    attesters: list[Address]


class Verification(msgspec.Struct, frozen=True):
    id: bytes
    status: str  # valid, revoked, expired or unknown
    at_ms: int
    attestation: Attestation | None  # the record, whenever it exists


# Parameters -----------------------------------------------------------------------------


def parse_id(params: Mapping[str, str], name: str) -> bytes:
    """A 32-byte id from 64 hex characters or standard base64."""
    text = params.get(name, "")
    if not text:
        raise QueryError(f"parameter {name!r} is required")
    try:
        raw = (
            bytes.fromhex(text)
            if len(text) == 2 * ID_BYTES
            else base64.b64decode(text, validate=True)
        )
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != ID_BYTES:
        raise QueryError(f"parameter {name!r} is not a 32-byte id in hex or base64")
    return raw


def _parse_int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 20:
        raise QueryError(f"parameter {name!r} is not a whole number")
    number = int(text)
    if not low <= number <= high:
        raise QueryError(f"parameter {name!r} must be between {low} and {high}")
    return number


def _parse_cursor(params: Mapping[str, str]) -> bytes | None:
    text = params.get("after", "")
    if not text:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise QueryError("parameter 'after' is not a cursor from a previous page") from None


def _page(
    state: StateReader, prefix: bytes, params: Mapping[str, str]
) -> tuple[list[bytes], str | None]:
    """The key suffixes of one page under ``prefix``, and the cursor after them."""
    limit = _parse_int(params, "limit", PAGE_ITEMS_DEFAULT, 1, PAGE_ITEMS_MAX)
    after = _parse_cursor(params)
    suffixes: list[bytes] = []
    for key, _ in state.scan(prefix):
        suffix = key[len(prefix) :]
        if after is not None and suffix <= after:
            continue
        if len(suffixes) == limit:
            return suffixes, suffixes[-1].hex()
        suffixes.append(suffix)
    return suffixes, None


# Queries --------------------------------------------------------------------------------


def query_schema(state: StateReader, params: Mapping[str, str]) -> SchemaRecord:
    schema_id = parse_id(params, "id")
    schema = load_schema(state, schema_id)
    if schema is None:
        raise QueryError(f"schema {schema_id.hex()} not found", not_found=True)
    return schema


def query_schemas(state: StateReader, params: Mapping[str, str]) -> SchemaPage:
    suffixes, cursor = _page(state, SCHEMA_PREFIX, params)
    schemas = []
    for schema_id in suffixes:
        schema = load_schema(state, schema_id)
        if schema is None:
            raise InvariantBroken(f"invariant broken: schema {schema_id.hex()} listed but missing")
        schemas.append(schema)
    return SchemaPage(schemas, cursor)


def query_attestation(state: StateReader, params: Mapping[str, str]) -> Attestation:
    attestation_id = parse_id(params, "id")
    attestation = load_attestation(state, attestation_id)
    if attestation is None:
        raise QueryError(f"attestation {attestation_id.hex()} not found", not_found=True)
    return attestation


def _attestation_page(
    state: StateReader, prefix: bytes, params: Mapping[str, str]
) -> AttestationPage:
    suffixes, cursor = _page(state, prefix, params)
    attestations = []
    for suffix in suffixes:
        attestation = load_attestation(state, suffix[-ID_BYTES:])
        if attestation is None:
            raise InvariantBroken(
                f"invariant broken: index entry {suffix.hex()} names no attestation"
            )
        attestations.append(attestation)
    return AttestationPage(attestations, cursor)


def query_by_recipient(state: StateReader, params: Mapping[str, str]) -> AttestationPage:
    recipient = parse_address(params, "recipient")
    return _attestation_page(state, BY_RECIPIENT_PREFIX + recipient, params)


def query_by_attester(state: StateReader, params: Mapping[str, str]) -> AttestationPage:
    attester = parse_address(params, "attester")
    return _attestation_page(state, BY_ATTESTER_PREFIX + attester, params)


def query_by_schema(state: StateReader, params: Mapping[str, str]) -> AttestationPage:
    schema_id = parse_id(params, "schema")
    if load_schema(state, schema_id) is None:
        raise QueryError(f"schema {schema_id.hex()} not found", not_found=True)
    return _attestation_page(state, BY_SCHEMA_PREFIX + schema_id, params)


def query_trusted(state: StateReader, params: Mapping[str, str]) -> list[TrustedEntry]:
    """``scope`` and optionally ``topic``: the trusted attesters of each topic (topics with
    none are left out)."""
    scope = params.get("scope", "")
    if check_scope(scope) is not None:
        raise QueryError("parameter 'scope' must be asset:<symbol> or policy:<name>")
    topic = params.get("topic")
    if topic is not None:
        if check_topic(topic) is not None:
            raise QueryError(f"parameter 'topic' is not a claim topic: {topic!r}"[:80])
        raw = state.get(trust_key(scope, topic))
        if raw is None:
            return []
        return [TrustedEntry(scope, topic, decode(raw, TrustedAttesters).attesters)]
    entries = []
    for key, raw in state.scan(trust_prefix(scope)):
        entry_scope, entry_topic = split_trust_key(key)
        entries.append(
            TrustedEntry(entry_scope, entry_topic, decode(raw, TrustedAttesters).attesters)
        )
    return entries


def query_verify(state: StateReader, params: Mapping[str, str]) -> Verification:
    """The status of an attestation at ``at_ms`` (default: the block time the shell passes
    as ``block_time_ms``); an unknown id answers ``unknown`` rather than 404."""
    attestation_id = parse_id(params, "id")
    if params.get("at_ms"):
        at_ms = _parse_int(params, "at_ms", 0, 0, 2**64 - 1)
    elif params.get(BLOCK_TIME_PARAMETER):
        at_ms = _parse_int(params, BLOCK_TIME_PARAMETER, 0, 0, 2**64 - 1)
    else:
        raise QueryError("parameter 'at_ms' is required (no block time was given)")
    attestation = load_attestation(state, attestation_id)
    status = attestation_status(attestation, at_ms)
    return Verification(attestation_id, status.value, at_ms, attestation)
