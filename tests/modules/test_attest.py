"""The attest module through the Application: schemas, attestations, revocation, trusted
attesters; every result code; queries; the claims protocol; genesis and invariants."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st

from originledger.app import Application, default_registry, parse_genesis
from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codec import CodecError, decode, encode, from_json, to_json
from originledger.core.context import BlockState, TxState
from originledger.core.crypto import sha256
from originledger.core.limits import AMOUNT_MAX, PAGE_ITEMS_MAX, TIME_MS_MAX
from originledger.core.module import InvariantBroken, QueryError
from originledger.core.tx import SignedTx
from originledger.modules.accounts.types import AccountCreated
from originledger.modules.attest import (
    AttestationStatus,
    AttestCode,
    asset_scope,
    attestation_status,
    claim_value,
    field_value,
    load_attestation,
    load_schema,
    policy_scope,
    schema_id_of,
    trusted_attesters,
    valid_claim,
)
from originledger.modules.attest.invariants import (
    attestations_match_their_schemas,
    claims_point_at_their_attestations,
    indexes_point_at_attestations,
    schemas_hash_to_their_ids,
    trusted_sets_sorted_and_bounded,
)
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
from originledger.modules.attest.logic import attestation_id_of
from originledger.modules.attest.queries import query_verify
from originledger.modules.attest.types import (
    AddressValue,
    Attest,
    Attestation,
    Attested,
    BoolValue,
    Bytes32Value,
    ClaimSlot,
    Field,
    JurisdictionValue,
    RegisterSchema,
    Revoke,
    Revoked,
    SchemaRecord,
    SchemaRegistered,
    SetTrusted,
    StringValue,
    TimestampValue,
    TrustedAttesters,
    TrustSet,
    UintValue,
    Value,
)
from originledger.store import SqliteStore
from tests.conftest import (
    ADMIN,
    ALICE,
    BLOCK_STEP_MS,
    BOB,
    CAROL,
    ISSUER,
    Chain,
    DictStore,
    Party,
    assert_failed,
    close_chain,
    genesis_builder,
    party,
)

REGULATOR = party("regulator")
KYC_PROVIDER = party("kyc-provider")
OTHER_PROVIDER = party("other-provider")

PARTIES = {
    p.address: p
    for p in (ADMIN, ISSUER, ALICE, BOB, CAROL, REGULATOR, KYC_PROVIDER, OTHER_PROVIDER)
}
USD_SCOPE = "asset:USD"
EU_SCOPE = "policy:eu-mica"
KYC_FIELDS = [Field("level", "uint"), Field("document_hash", "bytes32")]
RESIDENCE_FIELDS = [Field("country", "jurisdiction")]
ALL_TYPES = [
    Field("text", "string"),
    Field("number", "uint"),
    Field("flag", "bool"),
    Field("digest", "bytes32"),
    Field("account", "address"),
    Field("at", "timestamp_ms"),
    Field("country", "jurisdiction"),
]
DIGEST = bytes(range(32))


def attest_genesis(section: dict[str, Any] | None = None) -> dict[str, Any]:
    """ADMIN admin, ISSUER issuer of USD, REGULATOR regulator; an optional attest section."""
    document = (
        genesis_builder()
        .account(ADMIN.address, roles=["admin"])
        .account(ISSUER.address, roles=["issuer"])
        .account(REGULATOR.address, roles=["regulator"])
        .asset(
            "USD",
            name="US dollar",
            decimals=2,
            asset_class="payment",
            issuer=ISSUER.address,
            max_supply=1_000_000,
        )
        # REGULATOR regulates the EU: it sets the trusted attesters of policy:eu-mica.
        .regulator("EU", REGULATOR.address)
        .document()
    )
    # The test's own attest section, as given (some are invalid on purpose).
    if section is not None:
        document["app_state"]["attest"] = section
    return document


@pytest.fixture
def chain() -> Iterator[Chain]:
    fresh = Chain(attest_genesis())
    yield fresh
    close_chain(fresh)


def register(
    chain: Chain,
    fields: list[Field] = KYC_FIELDS,
    *,
    name: str = "KYC",
    revocable: bool = True,
    topic: str | None = "kyc_level",
    registrant: Party = KYC_PROVIDER,
) -> bytes:
    """Register a schema (failing the test otherwise) and return its id."""
    outcome = chain.run(
        RegisterSchema(registrant.address, name, fields, revocable, topic), registrant
    )
    assert outcome.result.ok, outcome.result
    return schema_id_of(name, fields, revocable, topic)


def tx_hash_of(raw: bytes) -> bytes:
    return sha256(decode(raw, SignedTx).body)


def kyc_data(level: int) -> list[Value]:
    return [UintValue(Amount(level)), Bytes32Value(DIGEST)]


def attest_message(
    schema_id: bytes,
    data: list[Value],
    *,
    attester: Party = KYC_PROVIDER,
    recipient: Party = ALICE,
    expires_at_ms: int = 0,
    reference: bytes = b"",
) -> Attest:
    return Attest(attester.address, schema_id, recipient.address, data, expires_at_ms, reference)


def attested_id(chain: Chain, message: Attest) -> bytes:
    """Run ``message`` in its own block, signed by its attester (it must succeed), and
    return the new attestation's id."""
    outcome = chain.run(message, PARTIES[message.attester])
    assert outcome.result.ok, outcome.result
    event = outcome.events[-1]
    assert isinstance(event, Attested)
    return event.attestation_id


def trust(
    chain: Chain,
    attester: Party = KYC_PROVIDER,
    *,
    scope: str = USD_SCOPE,
    topic: str = "kyc_level",
    trusted: bool = True,
) -> None:
    authority = ISSUER if scope.startswith("asset:") else REGULATOR
    outcome = chain.run(
        SetTrusted(authority.address, scope, topic, attester.address, trusted), authority
    )
    assert outcome.result.ok, outcome.result


def kyc_claim(chain: Chain, level: int, **options: Any) -> bytes:
    """A KYC schema (registered once), then a claim of ``level`` about ALICE."""
    schema_id = schema_id_of("KYC", KYC_FIELDS, True, "kyc_level")
    if load_schema(chain.store, schema_id) is None:
        register(chain)
    return attested_id(chain, attest_message(schema_id, kyc_data(level), **options))


# -- register_schema --------------------------------------------------------------------


def test_register_schema_success(chain: Chain) -> None:
    message = RegisterSchema(KYC_PROVIDER.address, "KYC", KYC_FIELDS, True, "kyc_level")
    outcome = chain.run(message, KYC_PROVIDER)
    assert outcome.result.ok
    schema_id = schema_id_of("KYC", KYC_FIELDS, True, "kyc_level")
    assert outcome.events == [
        AccountCreated(KYC_PROVIDER.address),
        SchemaRegistered(schema_id, KYC_PROVIDER.address, "KYC", KYC_FIELDS, True, "kyc_level"),
    ]
    assert load_schema(chain.store, schema_id) == SchemaRecord(
        schema_id, KYC_PROVIDER.address, "KYC", KYC_FIELDS, True, "kyc_level", 1
    )


def test_register_schema_without_fields_or_topic(chain: Chain) -> None:
    schema_id = register(chain, [], name="Proof of existence", revocable=False, topic=None)
    schema = load_schema(chain.store, schema_id)
    assert schema is not None and (schema.fields, schema.topic, schema.revocable) == (
        [],
        None,
        False,
    )


def test_register_schema_id_depends_on_every_part_of_the_definition(chain: Chain) -> None:
    ids = {
        register(chain),
        register(chain, name="KYC 2"),
        register(chain, [*KYC_FIELDS, Field("note", "string")]),
        register(chain, topic=None),
        register(chain, topic=None, revocable=False),
    }
    assert len(ids) == 5


def test_register_schema_boundaries(chain: Chain) -> None:
    sixteen = [Field(f"f{index}", "bool") for index in range(16)]
    assert register(chain, sixteen, name="n" * 64, topic=None)
    assert register(chain, [Field("a" * 32, "string")], name="é" * 32, topic=None)
    assert register(chain, [Field("a", "uint"), Field("a_1_b", "uint")], name="x", topic=None)


@pytest.mark.parametrize(
    ("topic", "fields"),
    [
        ("kyc_level", [Field("level", "uint")]),
        ("residence", [Field("since", "timestamp_ms"), Field("country", "jurisdiction")]),
        ("accredited_investor", [Field("jurisdiction", "jurisdiction")]),
        ("licensed_custodian", [Field("jurisdiction", "jurisdiction"), Field("ref", "string")]),
        ("unique_person", [Field("nullifier", "bytes32")]),
    ],
)
def test_register_schema_each_topic(chain: Chain, topic: str, fields: list[Field]) -> None:
    schema_id = register(chain, fields, topic=topic)
    assert load_schema(chain.store, schema_id).topic == topic  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["", "n" * 65, "é" * 33, "line\n", "tab\t"])
def test_invalid_register_schema_name(chain: Chain, name: str) -> None:
    message = RegisterSchema(KYC_PROVIDER.address, name, [], True, None)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.INVALID_SCHEMA_NAME)


def test_invalid_register_schema_too_many_fields(chain: Chain) -> None:
    fields = [Field(f"f{index}", "bool") for index in range(17)]
    message = RegisterSchema(KYC_PROVIDER.address, "big", fields, True, None)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.TOO_MANY_FIELDS)


@pytest.mark.parametrize("name", ["", "Level", "1st", "_x", "a-b", "a b", "a" * 33, "é"])
def test_invalid_register_schema_field_name(chain: Chain, name: str) -> None:
    message = RegisterSchema(KYC_PROVIDER.address, "s", [Field(name, "uint")], True, None)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.INVALID_FIELD_NAME)


def test_invalid_register_schema_duplicate_field_name(chain: Chain) -> None:
    fields = [Field("level", "uint"), Field("level", "string")]
    message = RegisterSchema(KYC_PROVIDER.address, "s", fields, True, None)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.DUPLICATE_FIELD_NAME)


@pytest.mark.parametrize("kind", ["", "float", "int", "UINT", "bytes", "uint256"])
def test_invalid_register_schema_field_type(chain: Chain, kind: str) -> None:
    message = RegisterSchema(KYC_PROVIDER.address, "s", [Field("x", kind)], True, None)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.INVALID_FIELD_TYPE)


@pytest.mark.parametrize("topic", ["", "kyc", "KYC_LEVEL", "credit_score"])
def test_invalid_register_schema_topic(chain: Chain, topic: str) -> None:
    message = RegisterSchema(KYC_PROVIDER.address, "s", KYC_FIELDS, True, topic)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.INVALID_TOPIC)


@pytest.mark.parametrize(
    ("topic", "fields"),
    [
        ("kyc_level", []),
        ("kyc_level", [Field("level", "string")]),
        ("kyc_level", [Field("tier", "uint")]),
        ("residence", [Field("country", "string")]),
        ("accredited_investor", [Field("country", "jurisdiction")]),
        ("licensed_custodian", [Field("licence", "string")]),
        ("unique_person", [Field("nullifier", "string")]),
    ],
)
def test_invalid_register_schema_topic_fields_missing(
    chain: Chain, topic: str, fields: list[Field]
) -> None:
    message = RegisterSchema(KYC_PROVIDER.address, "s", fields, True, topic)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.TOPIC_FIELDS_MISSING)


def test_invalid_register_schema_topic_not_revocable(chain: Chain) -> None:
    message = RegisterSchema(KYC_PROVIDER.address, "s", KYC_FIELDS, False, "kyc_level")
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.TOPIC_NOT_REVOCABLE)


def test_invalid_register_schema_exists(chain: Chain) -> None:
    schema_id = register(chain)
    # Whoever registers it, the same definition has the same id.
    message = RegisterSchema(BOB.address, "KYC", KYC_FIELDS, True, "kyc_level")
    assert_failed(chain.run(message, BOB), AttestCode.SCHEMA_EXISTS)
    assert load_schema(chain.store, schema_id).registrant == KYC_PROVIDER.address  # type: ignore[union-attr]


def test_invalid_register_schema_twice_in_one_transaction(chain: Chain) -> None:
    message = RegisterSchema(KYC_PROVIDER.address, "KYC", KYC_FIELDS, True, "kyc_level")
    outcome = chain.run([message, message], KYC_PROVIDER)
    assert_failed(outcome, AttestCode.SCHEMA_EXISTS, message_index=1)
    assert load_schema(chain.store, schema_id_of("KYC", KYC_FIELDS, True, "kyc_level")) is None


def test_invalid_register_schema_stateless_checks_in_order(chain: Chain) -> None:
    def run(name: str, fields: list[Field], revocable: bool, topic: str | None) -> Any:
        return chain.run(
            RegisterSchema(KYC_PROVIDER.address, name, fields, revocable, topic), KYC_PROVIDER
        )

    bad_names = [Field("Bad", "float"), Field("Bad", "float")]
    assert_failed(run("", bad_names * 9, False, "x"), AttestCode.INVALID_SCHEMA_NAME)
    assert_failed(run("s", bad_names * 9, False, "x"), AttestCode.TOO_MANY_FIELDS)
    assert_failed(run("s", bad_names, False, "x"), AttestCode.INVALID_FIELD_NAME)
    # Every name is checked before any type, and duplicates before types.
    dup = [Field("a", "float"), Field("a", "uint")]
    assert_failed(
        run("s", [Field("a", "float"), Field("B", "uint")], False, "x"),
        AttestCode.INVALID_FIELD_NAME,
    )
    assert_failed(run("s", dup, False, "x"), AttestCode.DUPLICATE_FIELD_NAME)
    assert_failed(run("s", [Field("a", "float")], False, "x"), AttestCode.INVALID_FIELD_TYPE)
    assert_failed(run("s", [], False, "x"), AttestCode.INVALID_TOPIC)
    assert_failed(run("s", [], False, "kyc_level"), AttestCode.TOPIC_FIELDS_MISSING)


# -- attest -----------------------------------------------------------------------------


def test_attest_success(chain: Chain) -> None:
    schema_id = register(chain)
    message = attest_message(schema_id, kyc_data(2))
    raw = chain.tx(message, KYC_PROVIDER)
    outcome = chain.block([raw])
    tx = outcome.txs[0]
    assert tx.result.ok
    expected_id = attestation_id_of(message, outcome.header.time_ms, tx_hash_of(raw))
    assert tx.events == [
        Attested(expected_id, schema_id, KYC_PROVIDER.address, ALICE.address, 0, b"", b"")
    ]
    record = load_attestation(chain.store, expected_id)
    assert record == Attestation(
        id=expected_id,
        schema_id=schema_id,
        attester=KYC_PROVIDER.address,
        recipient=ALICE.address,
        data=kyc_data(2),
        time_ms=outcome.header.time_ms,
        expires_at_ms=0,
        reference=b"",
        height=outcome.header.height,
        revoked_at_ms=None,
    )
    time_ms = outcome.header.time_ms
    for key in (
        index_key(BY_RECIPIENT_PREFIX, ALICE.address, time_ms, expected_id),
        index_key(BY_SCHEMA_PREFIX, schema_id, time_ms, expected_id),
        index_key(BY_ATTESTER_PREFIX, KYC_PROVIDER.address, time_ms, expected_id),
    ):
        assert chain.store.get(key) == b""
    slot = chain.store.get(claim_key("kyc_level", ALICE.address, KYC_PROVIDER.address))
    assert slot is not None and decode(slot, ClaimSlot).attestation_id == expected_id


def test_attest_every_field_type_and_boundaries(chain: Chain) -> None:
    schema_id = register(chain, ALL_TYPES, name="all", topic=None)
    data: list[Value] = [
        StringValue("é" * 128),  # 256 bytes of UTF-8
        UintValue(Amount(AMOUNT_MAX)),
        BoolValue(False),
        Bytes32Value(DIGEST),
        AddressValue(BOB.address),
        TimestampValue(TIME_MS_MAX),  # the last millisecond of the year 9999
        JurisdictionValue("DE"),
    ]
    attestation_id = attested_id(chain, attest_message(schema_id, data, recipient=BOB))
    record = load_attestation(chain.store, attestation_id)
    assert record is not None and record.data == data
    schema = load_schema(chain.store, schema_id)
    assert schema is not None
    assert field_value(schema, record, "number") == AMOUNT_MAX
    assert field_value(schema, record, "account") == BOB.address
    assert field_value(schema, record, "missing") is None


def test_attest_empty_schema_and_to_oneself(chain: Chain) -> None:
    schema_id = register(chain, [], name="existence", topic=None, revocable=False)
    message = attest_message(schema_id, [], attester=ALICE, recipient=ALICE)
    attestation_id = attested_id(chain, message)
    assert load_attestation(chain.store, attestation_id).data == []  # type: ignore[union-attr]


def test_attest_with_expiry_and_reference(chain: Chain) -> None:
    first = kyc_claim(chain, 1)
    expires_at_ms = chain.next_time_ms + 1
    second = kyc_claim(
        chain, 2, attester=OTHER_PROVIDER, reference=first, expires_at_ms=expires_at_ms
    )
    record = load_attestation(chain.store, second)
    assert record is not None
    assert (record.reference, record.expires_at_ms) == (first, expires_at_ms)


def test_attest_reference_to_revoked_attestation(chain: Chain) -> None:
    first = kyc_claim(chain, 1)
    assert chain.run(Revoke(KYC_PROVIDER.address, first), KYC_PROVIDER).result.ok
    assert kyc_claim(chain, 2, reference=first)


def test_attest_identical_messages_in_one_transaction(chain: Chain) -> None:
    schema_id = register(chain)
    message = attest_message(schema_id, kyc_data(1))
    outcome = chain.run([message, message], KYC_PROVIDER)
    assert outcome.result.ok
    first, second = (event.attestation_id for event in outcome.events)  # type: ignore[attr-defined]
    assert first != second
    assert outcome.events[1].supersedes == first  # type: ignore[attr-defined]
    assert first == attestation_id_of(message, chain.time_ms, outcome.hash, 0)
    assert second == attestation_id_of(message, chain.time_ms, outcome.hash, 1)


def test_attest_supersedes_previous_claim(chain: Chain) -> None:
    first = kyc_claim(chain, 1)
    schema_id = register(chain, [Field("level", "uint")], name="KYC lite")
    # Another schema of the same topic: the attester's latest word still replaces its first.
    outcome = chain.run(attest_message(schema_id, [UintValue(Amount(3))]), KYC_PROVIDER)
    assert outcome.events[0].supersedes == first  # type: ignore[attr-defined]
    # Another attester's claim supersedes nothing.
    other = chain.run(
        attest_message(schema_id, [UintValue(Amount(3))], attester=OTHER_PROVIDER), OTHER_PROVIDER
    )
    assert [e.supersedes for e in other.events if isinstance(e, Attested)] == [b""]


def test_attest_without_topic_makes_no_claim(chain: Chain) -> None:
    schema_id = register(chain, topic=None)
    attested_id(chain, attest_message(schema_id, kyc_data(3)))
    assert chain.store.get(claim_key("kyc_level", ALICE.address, KYC_PROVIDER.address)) is None
    trust(chain)
    assert valid_claim(chain.store, ALICE.address, "kyc_level", USD_SCOPE, chain.time_ms) is None


@pytest.mark.parametrize(
    ("schema_id", "reference"),
    [(DIGEST[:31], b""), (DIGEST + b"x", b""), (b"", b""), (DIGEST, DIGEST[:31]), (DIGEST, b"x")],
)
def test_invalid_attest_id(chain: Chain, schema_id: bytes, reference: bytes) -> None:
    message = Attest(KYC_PROVIDER.address, schema_id, ALICE.address, [], 0, reference)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.INVALID_ID)


@pytest.mark.parametrize(
    "value",
    [
        StringValue("x" * 257),
        StringValue("é" * 129),
        Bytes32Value(DIGEST[:31]),
        Bytes32Value(DIGEST + b"\x00"),
        JurisdictionValue("de"),
        JurisdictionValue("DEU"),
        JurisdictionValue("D1"),
        JurisdictionValue(""),
    ],
)
def test_invalid_attest_value(chain: Chain, value: Value) -> None:
    # Stateless: checked before the schema is even looked up.
    message = attest_message(DIGEST, [value])
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.INVALID_VALUE)


def test_invalid_attest_schema_not_found(chain: Chain) -> None:
    message = attest_message(DIGEST, kyc_data(1))
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.SCHEMA_NOT_FOUND)


@pytest.mark.parametrize(
    "data",
    [
        [],
        [UintValue(Amount(1))],
        [UintValue(Amount(1)), Bytes32Value(DIGEST), BoolValue(True)],
        [Bytes32Value(DIGEST), UintValue(Amount(1))],
        [TimestampValue(1), Bytes32Value(DIGEST)],
        [StringValue("1"), Bytes32Value(DIGEST)],
    ],
)
def test_invalid_attest_data_mismatch(chain: Chain, data: list[Value]) -> None:
    schema_id = register(chain)
    assert_failed(
        chain.run(attest_message(schema_id, data), KYC_PROVIDER), AttestCode.DATA_MISMATCH
    )


@pytest.mark.parametrize("before_ms", [0, 1, 10**6])
def test_invalid_attest_expiry_in_past(chain: Chain, before_ms: int) -> None:
    schema_id = register(chain)
    message = attest_message(schema_id, kyc_data(1), expires_at_ms=chain.next_time_ms - before_ms)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.EXPIRY_IN_PAST)


def test_attest_expiry_one_millisecond_ahead(chain: Chain) -> None:
    schema_id = register(chain)
    message = attest_message(schema_id, kyc_data(1), expires_at_ms=chain.next_time_ms + 1)
    assert chain.run(message, KYC_PROVIDER).result.ok


def test_invalid_attest_reference_not_found(chain: Chain) -> None:
    schema_id = register(chain)
    message = attest_message(schema_id, kyc_data(1), reference=DIGEST)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.REFERENCE_NOT_FOUND)


def test_invalid_attest_checks_in_order(chain: Chain) -> None:
    schema_id = register(chain)
    past = chain.next_time_ms - 1
    # Schema not found wins over a data mismatch, which wins over expiry, then reference.
    message = attest_message(DIGEST, [], expires_at_ms=past, reference=DIGEST)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.SCHEMA_NOT_FOUND)
    message = attest_message(schema_id, [], expires_at_ms=past, reference=DIGEST)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.DATA_MISMATCH)
    message = attest_message(schema_id, kyc_data(1), expires_at_ms=past, reference=DIGEST)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.EXPIRY_IN_PAST)


def _raw_attest(data: list[Any]) -> bytes:
    return msgspec.msgpack.encode(
        {
            "type": "attest/attest",
            "attester": bytes(KYC_PROVIDER.address),
            "schema_id": DIGEST,
            "recipient": bytes(ALICE.address),
            "data": data,
        }
    )


@pytest.mark.parametrize(
    "data",
    [
        [{"type": "uint", "value": 1.5}],  # no floats
        [{"type": "uint", "value": 1}],  # a uint travels as 16 bytes, like an amount
        [{"type": "uint", "value": b"\x01" * 17}],
        [{"type": "float", "value": 1}],
        [{"type": "bool", "value": 1}],
        [{"type": "timestamp_ms", "value": -1}],
        [{"type": "address", "value": b"\x01" * 19}],
        [{"type": "bool", "value": True}] * 65,
    ],
)
def test_invalid_attest_data_does_not_decode(data: list[Any]) -> None:
    with pytest.raises(CodecError):
        default_registry().tx_decoder.decode_message(_raw_attest(data))


def test_attest_data_decodes_canonically() -> None:
    message = attest_message(DIGEST, kyc_data(7))
    assert default_registry().tx_decoder.decode_message(encode(message)) == message


# -- revoke -----------------------------------------------------------------------------


def test_revoke_success(chain: Chain) -> None:
    attestation_id = kyc_claim(chain, 2)
    outcome = chain.run(Revoke(KYC_PROVIDER.address, attestation_id), KYC_PROVIDER)
    assert outcome.result.ok
    assert outcome.events == [Revoked(attestation_id, KYC_PROVIDER.address, chain.time_ms)]
    record = load_attestation(chain.store, attestation_id)
    assert record is not None and record.revoked_at_ms == chain.time_ms
    assert attestation_status(record, chain.time_ms) is AttestationStatus.REVOKED
    assert attestation_status(record, chain.time_ms - 1) is AttestationStatus.VALID


def test_revoke_expired_attestation(chain: Chain) -> None:
    register(chain)
    attestation_id = kyc_claim(chain, 2, expires_at_ms=chain.next_time_ms + 1)
    chain.block([])
    record = load_attestation(chain.store, attestation_id)
    assert attestation_status(record, chain.time_ms) is AttestationStatus.EXPIRED
    assert chain.run(Revoke(KYC_PROVIDER.address, attestation_id), KYC_PROVIDER).result.ok
    record = load_attestation(chain.store, attestation_id)
    assert attestation_status(record, chain.time_ms) is AttestationStatus.REVOKED


@pytest.mark.parametrize("attestation_id", [b"", DIGEST[:31], DIGEST + b"\x00"])
def test_invalid_revoke_id(chain: Chain, attestation_id: bytes) -> None:
    message = Revoke(KYC_PROVIDER.address, attestation_id)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.INVALID_ID)


def test_invalid_revoke_not_found(chain: Chain) -> None:
    message = Revoke(KYC_PROVIDER.address, DIGEST)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.ATTESTATION_NOT_FOUND)


@pytest.mark.parametrize("revoker", [ALICE, ISSUER, OTHER_PROVIDER])
def test_invalid_revoke_not_attester(chain: Chain, revoker: Party) -> None:
    # Not the recipient, not an issuer: only the attester revokes.
    attestation_id = kyc_claim(chain, 2)
    assert_failed(
        chain.run(Revoke(revoker.address, attestation_id), revoker), AttestCode.NOT_ATTESTER
    )
    assert load_attestation(chain.store, attestation_id).revoked_at_ms is None  # type: ignore[union-attr]


def test_invalid_revoke_irrevocable(chain: Chain) -> None:
    schema_id = register(chain, [], name="existence", topic=None, revocable=False)
    attestation_id = attested_id(chain, attest_message(schema_id, []))
    message = Revoke(KYC_PROVIDER.address, attestation_id)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.IRREVOCABLE)


def test_invalid_revoke_twice(chain: Chain) -> None:
    attestation_id = kyc_claim(chain, 2)
    message = Revoke(KYC_PROVIDER.address, attestation_id)
    assert chain.run(message, KYC_PROVIDER).result.ok
    revoked_at_ms = chain.time_ms
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.ALREADY_REVOKED)
    record = load_attestation(chain.store, attestation_id)
    assert record is not None and record.revoked_at_ms == revoked_at_ms


def test_invalid_revoke_twice_in_one_transaction(chain: Chain) -> None:
    attestation_id = kyc_claim(chain, 2)
    message = Revoke(KYC_PROVIDER.address, attestation_id)
    outcome = chain.run([message, message], KYC_PROVIDER)
    assert_failed(outcome, AttestCode.ALREADY_REVOKED, message_index=1)
    assert load_attestation(chain.store, attestation_id).revoked_at_ms is None  # type: ignore[union-attr]


def test_attest_and_revoke_in_one_block(chain: Chain) -> None:
    schema_id = register(chain)
    message = attest_message(schema_id, kyc_data(1))
    raw = chain.tx(message, KYC_PROVIDER)
    # The id is known before the block: it hashes the transaction and the block time.
    expected_id = attestation_id_of(message, chain.next_time_ms, tx_hash_of(raw))
    revoke_raw = chain.tx(Revoke(KYC_PROVIDER.address, expected_id), KYC_PROVIDER)
    outcome = chain.block([raw, revoke_raw])
    assert [tx.result.ok for tx in outcome.txs] == [True, True]
    record = load_attestation(chain.store, expected_id)
    assert record is not None and record.revoked_at_ms == record.time_ms == chain.time_ms
    assert attestation_status(record, chain.time_ms) is AttestationStatus.REVOKED


# -- set_trusted ------------------------------------------------------------------------


def test_set_trusted_asset_scope_by_issuer(chain: Chain) -> None:
    message = SetTrusted(ISSUER.address, USD_SCOPE, "kyc_level", KYC_PROVIDER.address, True)
    outcome = chain.run(message, ISSUER)
    assert outcome.result.ok
    assert outcome.events == [
        TrustSet(USD_SCOPE, "kyc_level", KYC_PROVIDER.address, True, ISSUER.address)
    ]
    assert trusted_attesters(chain.store, USD_SCOPE, "kyc_level") == [KYC_PROVIDER.address]
    assert trusted_attesters(chain.store, USD_SCOPE, "residence") == []


def test_set_trusted_policy_scope_by_regulator(chain: Chain) -> None:
    trust(chain, KYC_PROVIDER, scope=EU_SCOPE, topic="residence")
    trust(chain, OTHER_PROVIDER, scope=EU_SCOPE, topic="residence")
    assert trusted_attesters(chain.store, EU_SCOPE, "residence") == sorted(
        [KYC_PROVIDER.address, OTHER_PROVIDER.address]
    )


def test_set_trusted_remove(chain: Chain) -> None:
    trust(chain, KYC_PROVIDER)
    trust(chain, OTHER_PROVIDER)
    message = SetTrusted(ISSUER.address, USD_SCOPE, "kyc_level", KYC_PROVIDER.address, False)
    outcome = chain.run(message, ISSUER)
    assert outcome.events == [
        TrustSet(USD_SCOPE, "kyc_level", KYC_PROVIDER.address, False, ISSUER.address)
    ]
    assert trusted_attesters(chain.store, USD_SCOPE, "kyc_level") == [OTHER_PROVIDER.address]
    trust(chain, OTHER_PROVIDER, trusted=False)
    # An empty set takes no room in state.
    assert chain.store.get(trust_key(USD_SCOPE, "kyc_level")) is None


def test_set_trusted_up_to_the_limit(chain: Chain) -> None:
    attesters = [party(f"attester-{index}") for index in range(16)]
    messages = [
        SetTrusted(ISSUER.address, USD_SCOPE, "kyc_level", attester.address, True)
        for attester in attesters
    ]
    assert chain.run(messages, ISSUER).result.ok
    stored = trusted_attesters(chain.store, USD_SCOPE, "kyc_level")
    assert stored == sorted(attester.address for attester in attesters)
    one_more = SetTrusted(ISSUER.address, USD_SCOPE, "kyc_level", KYC_PROVIDER.address, True)
    assert_failed(chain.run(one_more, ISSUER), AttestCode.TOO_MANY_TRUSTED)
    # The limit is per topic: another topic of the same scope has room.
    other_topic = SetTrusted(ISSUER.address, USD_SCOPE, "residence", KYC_PROVIDER.address, True)
    assert chain.run(other_topic, ISSUER).result.ok


@pytest.mark.parametrize("topic", ["", "KYC_LEVEL", "kyc", "aml"])
def test_invalid_set_trusted_topic(chain: Chain, topic: str) -> None:
    message = SetTrusted(ISSUER.address, "bad scope", topic, KYC_PROVIDER.address, True)
    assert_failed(chain.run(message, ISSUER), AttestCode.INVALID_TOPIC)


@pytest.mark.parametrize(
    "scope",
    [
        "",
        "USD",
        "asset:",
        "policy:",
        "asset:US D",
        "asset:USD/kyc",
        "policy:-eu",
        "policy:.eu",
        "Asset:USD",
        "token:USD",
        "policy:" + "p" * 33,
        "policy:é",
    ],
)
def test_invalid_set_trusted_scope(chain: Chain, scope: str) -> None:
    message = SetTrusted(REGULATOR.address, scope, "kyc_level", KYC_PROVIDER.address, True)
    assert_failed(chain.run(message, REGULATOR), AttestCode.INVALID_SCOPE)


def test_set_trusted_scope_name_boundaries(chain: Chain) -> None:
    for scope in ["policy:" + "p" * 32, "policy:0", "policy:EU.mica_2-b"]:
        message = SetTrusted(REGULATOR.address, scope, "kyc_level", KYC_PROVIDER.address, True)
        assert message.validate() is None
    # Only a policy of the regulator's own jurisdiction (EU) takes its word on chain.
    trust(chain, scope="policy:EU.mica_2-b")
    assert trusted_attesters(chain.store, "policy:EU.mica_2-b", "kyc_level") == [
        KYC_PROVIDER.address
    ]


def test_invalid_set_trusted_asset_not_found(chain: Chain) -> None:
    message = SetTrusted(ISSUER.address, "asset:EUR", "kyc_level", KYC_PROVIDER.address, True)
    assert_failed(chain.run(message, ISSUER), AttestCode.ASSET_NOT_FOUND)


@pytest.mark.parametrize("authority", [REGULATOR, ADMIN, KYC_PROVIDER])
def test_invalid_set_trusted_not_asset_issuer(chain: Chain, authority: Party) -> None:
    # Not even a regulator or an admin sets an asset's trusted attesters.
    message = SetTrusted(authority.address, USD_SCOPE, "kyc_level", KYC_PROVIDER.address, True)
    assert_failed(chain.run(message, authority), AttestCode.NOT_ASSET_ISSUER)


@pytest.mark.parametrize("authority", [ISSUER, ADMIN, KYC_PROVIDER])
def test_invalid_set_trusted_regulator_role_required(chain: Chain, authority: Party) -> None:
    message = SetTrusted(authority.address, EU_SCOPE, "kyc_level", KYC_PROVIDER.address, True)
    assert_failed(chain.run(message, authority), AttestCode.REGULATOR_ROLE_REQUIRED)


def test_invalid_set_trusted_already_trusted(chain: Chain) -> None:
    trust(chain)
    message = SetTrusted(ISSUER.address, USD_SCOPE, "kyc_level", KYC_PROVIDER.address, True)
    assert_failed(chain.run(message, ISSUER), AttestCode.ALREADY_TRUSTED)


def test_invalid_set_trusted_not_trusted(chain: Chain) -> None:
    trust(chain, scope=EU_SCOPE)  # trusted in another scope only
    message = SetTrusted(ISSUER.address, USD_SCOPE, "kyc_level", KYC_PROVIDER.address, False)
    assert_failed(chain.run(message, ISSUER), AttestCode.NOT_TRUSTED)


# -- the claims protocol ----------------------------------------------------------------


def claim_id(
    chain: Chain, scope: str = USD_SCOPE, topic: str = "kyc_level", now_ms: int | None = None
) -> bytes | None:
    found = valid_claim(
        chain.store, ALICE.address, topic, scope, chain.time_ms if now_ms is None else now_ms
    )
    return None if found is None else found.id


def test_valid_claim_from_trusted_attester(chain: Chain) -> None:
    attestation_id = kyc_claim(chain, 2)
    assert claim_id(chain) is None  # nobody is trusted yet
    trust(chain)
    assert claim_id(chain) == attestation_id
    assert claim_value(chain.store, ALICE.address, "kyc_level", USD_SCOPE, chain.time_ms) == 2
    assert valid_claim(chain.store, BOB.address, "kyc_level", USD_SCOPE, chain.time_ms) is None


def test_valid_claim_ignores_untrusted_attester(chain: Chain) -> None:
    trust(chain, KYC_PROVIDER)
    kyc_claim(chain, 3, attester=OTHER_PROVIDER)
    assert claim_id(chain) is None
    trusted_claim = kyc_claim(chain, 1)
    # The untrusted attester's newer, higher claim does not count.
    kyc_claim(chain, 4, attester=OTHER_PROVIDER)
    assert claim_id(chain) == trusted_claim
    assert claim_value(chain.store, ALICE.address, "kyc_level", USD_SCOPE, chain.time_ms) == 1


def test_valid_claim_untrusting_attester_drops_its_claims(chain: Chain) -> None:
    trust(chain)
    kyc_claim(chain, 2)
    trust(chain, trusted=False)
    assert claim_id(chain) is None


def test_valid_claim_expires(chain: Chain) -> None:
    trust(chain)
    register(chain)
    expires_at_ms = chain.next_time_ms + 2 * BLOCK_STEP_MS
    attestation_id = kyc_claim(chain, 2, expires_at_ms=expires_at_ms)
    assert claim_id(chain, now_ms=expires_at_ms - 1) == attestation_id
    assert claim_id(chain, now_ms=expires_at_ms) is None
    chain.block([])
    assert claim_id(chain) == attestation_id
    chain.block([])
    assert chain.time_ms == expires_at_ms
    assert claim_id(chain) is None
    assert claim_value(chain.store, ALICE.address, "kyc_level", USD_SCOPE, chain.time_ms) is None


def test_valid_claim_revocation_withdraws_it(chain: Chain) -> None:
    trust(chain)
    attestation_id = kyc_claim(chain, 2)
    assert chain.run(Revoke(KYC_PROVIDER.address, attestation_id), KYC_PROVIDER).result.ok
    assert claim_id(chain) is None
    # Before the revocation time the claim was valid: the protocol answers at ``now_ms``.
    assert claim_id(chain, now_ms=chain.time_ms - 1) == attestation_id


def test_valid_claim_revoking_latest_does_not_revive_older(chain: Chain) -> None:
    trust(chain)
    kyc_claim(chain, 3)
    latest = kyc_claim(chain, 1)  # a downgrade
    assert claim_value(chain.store, ALICE.address, "kyc_level", USD_SCOPE, chain.time_ms) == 1
    assert chain.run(Revoke(KYC_PROVIDER.address, latest), KYC_PROVIDER).result.ok
    assert claim_id(chain) is None


def test_valid_claim_newest_among_trusted_attesters(chain: Chain) -> None:
    trust(chain, KYC_PROVIDER)
    trust(chain, OTHER_PROVIDER)
    first = kyc_claim(chain, 1)
    second = kyc_claim(chain, 2, attester=OTHER_PROVIDER)
    assert claim_id(chain) == second
    assert chain.run(Revoke(OTHER_PROVIDER.address, second), OTHER_PROVIDER).result.ok
    # The other trusted attester's claim still stands.
    assert claim_id(chain) == first


def test_valid_claim_tie_in_one_block_goes_to_greater_id(chain: Chain) -> None:
    trust(chain, KYC_PROVIDER)
    trust(chain, OTHER_PROVIDER)
    schema_id = register(chain)
    outcome = chain.block(
        [
            chain.tx(attest_message(schema_id, kyc_data(1)), KYC_PROVIDER),
            chain.tx(
                attest_message(schema_id, kyc_data(2), attester=OTHER_PROVIDER), OTHER_PROVIDER
            ),
        ]
    )
    ids = [e.attestation_id for tx in outcome.txs for e in tx.events if isinstance(e, Attested)]
    assert claim_id(chain) == max(ids)


def test_valid_claim_scope_separation(chain: Chain) -> None:
    chain.issue_and_mint("GLD", {}, asset_class="reserve")
    trust(chain, KYC_PROVIDER, scope=USD_SCOPE)
    trust(chain, OTHER_PROVIDER, scope=EU_SCOPE)
    usd_claim = kyc_claim(chain, 2)
    eu_claim = kyc_claim(chain, 1, attester=OTHER_PROVIDER)
    assert claim_id(chain, USD_SCOPE) == usd_claim
    assert claim_id(chain, EU_SCOPE) == eu_claim
    assert claim_id(chain, asset_scope("GLD")) is None
    assert claim_id(chain, policy_scope("other")) is None


def test_valid_claim_topic_separation(chain: Chain) -> None:
    trust(chain, topic="kyc_level")
    residence_schema = register(chain, RESIDENCE_FIELDS, name="Residence", topic="residence")
    attested_id(chain, attest_message(residence_schema, [JurisdictionValue("DE")]))
    assert claim_id(chain, topic="residence") is None  # trusted for KYC, not for residence
    trust(chain, topic="residence")
    assert claim_value(chain.store, ALICE.address, "residence", USD_SCOPE, chain.time_ms) == "DE"
    assert claim_id(chain, topic="kyc_level") is None


def test_claim_value_named_field(chain: Chain) -> None:
    trust(chain)
    kyc_claim(chain, 2)
    value = claim_value(
        chain.store, ALICE.address, "kyc_level", USD_SCOPE, chain.time_ms, "document_hash"
    )
    assert value == DIGEST
    missing = claim_value(chain.store, ALICE.address, "kyc_level", USD_SCOPE, chain.time_ms, "x")
    assert missing is None


class GetOnly:
    """A state that can only ``get``, like a handler's: the protocol must need no scans."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def get(self, key: bytes) -> bytes | None:
        return self.store.get(key)


def test_valid_claim_reads_by_key_only(chain: Chain) -> None:
    trust(chain)
    attestation_id = kyc_claim(chain, 2)
    state = TxState(BlockState(GetOnly(chain.store)))
    found = valid_claim(state, ALICE.address, "kyc_level", USD_SCOPE, chain.time_ms)
    assert found is not None and found.id == attestation_id
    assert claim_value(state, ALICE.address, "kyc_level", USD_SCOPE, chain.time_ms) == 2


def test_attestation_status_boundaries() -> None:
    record = Attestation(DIGEST, DIGEST, ALICE.address, BOB.address, [], 100, 200, b"", 1, 150)
    assert attestation_status(None, 100) is AttestationStatus.UNKNOWN
    assert attestation_status(record, 99) is AttestationStatus.UNKNOWN
    assert attestation_status(record, 100) is AttestationStatus.VALID
    assert attestation_status(record, 149) is AttestationStatus.VALID
    assert attestation_status(record, 150) is AttestationStatus.REVOKED
    assert attestation_status(record, 250) is AttestationStatus.REVOKED  # revocation wins
    unrevoked = msgspec.structs.replace(record, revoked_at_ms=None)
    assert attestation_status(unrevoked, 199) is AttestationStatus.VALID
    assert attestation_status(unrevoked, 200) is AttestationStatus.EXPIRED
    forever = msgspec.structs.replace(unrevoked, expires_at_ms=0)
    assert attestation_status(forever, 2**64 - 1) is AttestationStatus.VALID


# -- queries ----------------------------------------------------------------------------


def query(chain: Chain, name: str, **params: str) -> Any:
    return chain.app.query("attest", name, params)


def test_query_schema_and_schemas(chain: Chain) -> None:
    first = register(chain)
    second = register(chain, RESIDENCE_FIELDS, name="Residence", topic="residence")
    assert query(chain, "schema", id=first.hex()).name == "KYC"
    assert query(chain, "schema", id=base64.b64encode(second).decode()).topic == "residence"
    page = query(chain, "schemas")
    assert [schema.id for schema in page.schemas] == sorted([first, second])
    assert page.next is None
    one = query(chain, "schemas", limit="1")
    assert len(one.schemas) == 1 and one.next is not None
    rest = query(chain, "schemas", limit="1", after=one.next)
    assert [s.id for s in one.schemas + rest.schemas] == sorted([first, second])
    assert rest.next is None


def test_query_attestation(chain: Chain) -> None:
    attestation_id = kyc_claim(chain, 2)
    record = query(chain, "attestation", id=attestation_id.hex())
    assert record == load_attestation(chain.store, attestation_id)


def test_query_by_recipient_schema_attester_paginated(chain: Chain) -> None:
    schema_id = register(chain)
    ids = [kyc_claim(chain, level) for level in range(5)]
    bob_id = kyc_claim(chain, 9, recipient=BOB, attester=OTHER_PROVIDER)
    for name, params, expected in [
        ("by_recipient", {"recipient": str(ALICE.address)}, ids),
        ("by_schema", {"schema": schema_id.hex()}, [*ids, bob_id]),
        ("by_attester", {"attester": str(KYC_PROVIDER.address)}, ids),
        ("by_attester", {"attester": str(OTHER_PROVIDER.address)}, [bob_id]),
    ]:
        whole = chain.app.query("attest", name, params)
        assert [a.id for a in whole.attestations] == expected  # oldest first
        assert whole.next is None
        seen: list[bytes] = []
        cursor = ""
        while True:
            page = chain.app.query("attest", name, {**params, "limit": "2", "after": cursor})
            seen += [a.id for a in page.attestations]
            assert len(page.attestations) <= 2
            if page.next is None:
                break
            cursor = page.next
        assert seen == expected
    empty = query(chain, "by_recipient", recipient=str(CAROL.address))
    assert (empty.attestations, empty.next) == ([], None)


def test_query_page_exactly_full_has_no_next(chain: Chain) -> None:
    ids = [kyc_claim(chain, level) for level in range(2)]
    page = query(chain, "by_recipient", recipient=str(ALICE.address), limit="2")
    assert [a.id for a in page.attestations] == ids
    assert page.next is None


def test_query_trusted(chain: Chain) -> None:
    trust(chain, KYC_PROVIDER)
    trust(chain, OTHER_PROVIDER)
    trust(chain, KYC_PROVIDER, topic="residence")
    trust(chain, KYC_PROVIDER, scope=EU_SCOPE)
    entries = query(chain, "trusted", scope=USD_SCOPE)
    assert [(e.scope, e.topic, e.attesters) for e in entries] == [
        (USD_SCOPE, "kyc_level", sorted([KYC_PROVIDER.address, OTHER_PROVIDER.address])),
        (USD_SCOPE, "residence", [KYC_PROVIDER.address]),
    ]
    one = query(chain, "trusted", scope=EU_SCOPE, topic="kyc_level")
    assert [(e.topic, e.attesters) for e in one] == [("kyc_level", [KYC_PROVIDER.address])]
    assert query(chain, "trusted", scope=EU_SCOPE, topic="residence") == []
    assert query(chain, "trusted", scope="policy:none") == []


def test_query_verify(chain: Chain) -> None:
    expires_at_ms = chain.next_time_ms + 5 * BLOCK_STEP_MS
    valid = kyc_claim(chain, 1, expires_at_ms=expires_at_ms)
    revoked = kyc_claim(chain, 2)
    assert chain.run(Revoke(KYC_PROVIDER.address, revoked), KYC_PROVIDER).result.ok
    now = str(chain.time_ms)

    def status(attestation_id: bytes, **params: str) -> str:
        answer = query(chain, "verify", id=attestation_id.hex(), **params)
        assert answer.id == attestation_id
        return str(answer.status)

    assert status(valid, at_ms=now) == "valid"
    assert status(valid, at_ms=str(expires_at_ms)) == "expired"
    assert status(revoked, at_ms=now) == "revoked"
    assert status(revoked, at_ms=str(chain.time_ms - 1)) == "valid"
    assert status(DIGEST, at_ms=now) == "unknown"
    assert query(chain, "verify", id=DIGEST.hex(), at_ms=now).attestation is None
    # Without at_ms: the time of the last committed block, which the shell passes (and a
    # caller cannot override).
    assert status(valid) == "valid"
    assert status(valid, block_time_ms=str(expires_at_ms)) == "valid"
    handler_view = {"id": valid.hex(), "block_time_ms": str(expires_at_ms)}
    assert query_verify(chain.store, handler_view).status == "expired"
    with pytest.raises(QueryError, match="at_ms"):  # no time at all: refused
        query_verify(chain.store, {"id": valid.hex()})


@pytest.mark.parametrize(
    ("name", "params", "not_found"),
    [
        ("schema", {}, False),
        ("schema", {"id": "zz" * 32}, False),
        ("schema", {"id": "ab" * 31}, False),
        ("schema", {"id": "not base64!"}, False),
        ("schema", {"id": "ab" * 32}, True),
        ("attestation", {"id": "ab" * 32}, True),
        ("attestation", {"id": base64.b64encode(b"x" * 31).decode()}, False),
        ("by_recipient", {}, False),
        ("by_recipient", {"recipient": "og1x"}, False),
        ("by_recipient", {"recipient": str(ALICE.address), "limit": "0"}, False),
        (
            "by_recipient",
            {"recipient": str(ALICE.address), "limit": str(PAGE_ITEMS_MAX + 1)},
            False,
        ),
        ("by_recipient", {"recipient": str(ALICE.address), "limit": "-1"}, False),
        ("by_recipient", {"recipient": str(ALICE.address), "limit": "ten"}, False),
        ("by_recipient", {"recipient": str(ALICE.address), "after": "xyz"}, False),
        ("by_attester", {}, False),
        ("by_schema", {}, False),
        ("by_schema", {"schema": "ab" * 32}, True),
        ("schemas", {"limit": "1.5"}, False),
        ("trusted", {}, False),
        ("trusted", {"scope": "USD"}, False),
        ("trusted", {"scope": USD_SCOPE, "topic": "aml"}, False),
        ("verify", {"at_ms": "1"}, False),
        ("verify", {"id": "ab" * 32, "at_ms": "soon"}, False),
    ],
)
def test_invalid_query_attest(
    chain: Chain, name: str, params: dict[str, str], not_found: bool
) -> None:
    with pytest.raises(QueryError) as raised:
        chain.app.query("attest", name, params)
    assert raised.value.not_found is not_found


# -- genesis ----------------------------------------------------------------------------


GENESIS_SECTION = {
    "schemas": [
        {
            "registrant": str(KYC_PROVIDER.address),
            "name": "KYC",
            "topic": "kyc_level",
            "fields": [
                {"name": "level", "type": "uint"},
                {"name": "document_hash", "type": "bytes32"},
            ],
        },
        {"registrant": str(ADMIN.address), "name": "Notes", "revocable": False},
    ],
    "trusted": [
        {"scope": USD_SCOPE, "topic": "kyc_level", "attester": str(KYC_PROVIDER.address)},
        {"scope": USD_SCOPE, "topic": "kyc_level", "attester": str(OTHER_PROVIDER.address)},
        {"scope": EU_SCOPE, "topic": "residence", "attester": str(KYC_PROVIDER.address)},
    ],
}


def test_genesis_schemas_and_trusted() -> None:
    chain = Chain(attest_genesis(GENESIS_SECTION))
    try:
        kyc = load_schema(chain.store, schema_id_of("KYC", KYC_FIELDS, True, "kyc_level"))
        assert kyc is not None and (kyc.registrant, kyc.height) == (KYC_PROVIDER.address, 0)
        notes = load_schema(chain.store, schema_id_of("Notes", [], False, None))
        assert notes is not None and not notes.revocable
        assert trusted_attesters(chain.store, USD_SCOPE, "kyc_level") == sorted(
            [KYC_PROVIDER.address, OTHER_PROVIDER.address]
        )
        assert trusted_attesters(chain.store, EU_SCOPE, "residence") == [KYC_PROVIDER.address]
        chain.app.check_invariants()
        # A genesis schema is usable at once, and registering it again fails.
        attestation_id = kyc_claim(chain, 2)
        assert claim_id(chain) == attestation_id
        message = RegisterSchema(BOB.address, "KYC", KYC_FIELDS, True, "kyc_level")
        assert_failed(chain.run(message, BOB), AttestCode.SCHEMA_EXISTS)
    finally:
        close_chain(chain)


def test_genesis_emits_events() -> None:
    app = Application(SqliteStore(None))
    document = attest_genesis(GENESIS_SECTION)
    genesis = json.dumps(document).encode()
    outcome = app.genesis_outcome(parse_genesis(genesis), genesis)
    kinds = [type(event).__name__ for event in outcome.block_events]
    assert kinds.count("SchemaRegistered") == 2
    trust_events = [e for e in outcome.block_events if isinstance(e, TrustSet)]
    assert len(trust_events) == 3 and all(e.authority is None for e in trust_events)


def _section(**changes: Any) -> dict[str, Any]:
    return {**GENESIS_SECTION, **changes}


@pytest.mark.parametrize(
    "section",
    [
        _section(schemas=[{"registrant": str(ADMIN.address), "name": ""}]),
        _section(schemas=[{"registrant": str(ADMIN.address), "name": "x", "topic": "kyc_level"}]),
        _section(schemas=[GENESIS_SECTION["schemas"][0]] * 2),  # type: ignore[index]
        _section(
            trusted=[{"scope": "asset:EUR", "topic": "kyc_level", "attester": str(BOB.address)}]
        ),
        _section(trusted=[{"scope": "USD", "topic": "kyc_level", "attester": str(BOB.address)}]),
        _section(trusted=[{"scope": USD_SCOPE, "topic": "aml", "attester": str(BOB.address)}]),
        _section(trusted=[GENESIS_SECTION["trusted"][0]] * 2),  # type: ignore[index]
        _section(
            trusted=[
                {"scope": USD_SCOPE, "topic": "kyc_level", "attester": str(party(f"a{i}").address)}
                for i in range(17)
            ]
        ),
        _section(extra=[]),
    ],
)
def test_invalid_genesis_attest(section: dict[str, Any]) -> None:
    app = Application(SqliteStore(None))
    with pytest.raises(ValueError):
        app.init_chain(json.dumps(attest_genesis(section)).encode())
    assert app.info() is None


# -- invariants -------------------------------------------------------------------------


ALL_INVARIANTS = (
    schemas_hash_to_their_ids,
    attestations_match_their_schemas,
    indexes_point_at_attestations,
    claims_point_at_their_attestations,
    trusted_sets_sorted_and_bounded,
)


def breaches(items: dict[bytes, bytes]) -> list[str]:
    store = DictStore(items)
    return [breach for check in ALL_INVARIANTS if (breach := check(store)) is not None]  # type: ignore[arg-type]


@pytest.fixture
def populated(chain: Chain) -> tuple[Chain, bytes, bytes]:
    """A chain with a KYC schema, trust, one revoked and one live claim about ALICE."""
    trust(chain)
    trust(chain, OTHER_PROVIDER)
    revoked = kyc_claim(chain, 1, attester=OTHER_PROVIDER)
    assert chain.run(Revoke(OTHER_PROVIDER.address, revoked), OTHER_PROVIDER).result.ok
    live = kyc_claim(chain, 2, reference=revoked)
    return chain, revoked, live


def replace_record(items: dict[bytes, bytes], key: bytes, kind: Any, **changes: Any) -> None:
    items[key] = encode(msgspec.structs.replace(decode(items[key], kind), **changes))


def test_invariants_hold(populated: tuple[Chain, bytes, bytes]) -> None:
    chain, _, _ = populated
    assert breaches(chain.state_items()) == []


def test_invariants_detect_attestation_breaches(populated: tuple[Chain, bytes, bytes]) -> None:
    chain, revoked, live = populated
    items = chain.state_items()
    cases: list[tuple[dict[str, Any], bytes, str]] = [
        ({"revoked_at_ms": 0}, revoked, "revoked before it was made"),
        ({"expires_at_ms": 1}, live, "expires before it was made"),
        ({"reference": DIGEST}, live, "references an unknown"),
        ({"data": [UintValue(Amount(1))]}, live, "does not match its schema"),
        ({"data": [UintValue(Amount(1)), Bytes32Value(b"x")]}, live, "outside its type"),
        ({"schema_id": DIGEST}, live, "unknown schema"),
        ({"id": DIGEST}, live, "under another id"),
    ]
    for changes, attestation_id, message in cases:
        broken = dict(items)
        replace_record(broken, attestation_key(attestation_id), Attestation, **changes)
        found = breaches(broken)
        assert any(message in breach for breach in found), (changes, found)


def test_invariants_detect_index_claim_trust_and_schema_breaches(
    populated: tuple[Chain, bytes, bytes],
) -> None:
    chain, revoked, live = populated
    items = chain.state_items()
    record = decode(items[attestation_key(live)], Attestation)

    missing = dict(items)
    del missing[attestation_key(revoked)]
    assert any("names no attestation" in b for b in breaches(missing))

    extra = dict(items)
    extra[index_key(BY_RECIPIENT_PREFIX, BOB.address, record.time_ms, live)] = b""
    assert any("does not match" in b for b in breaches(extra))

    lost = dict(items)
    del lost[index_key(BY_ATTESTER_PREFIX, KYC_PROVIDER.address, record.time_ms, live)]
    assert any("entries for" in b for b in breaches(lost))

    slot = dict(items)
    slot[claim_key("residence", ALICE.address, KYC_PROVIDER.address)] = encode(ClaimSlot(live))
    assert any("claim slot" in b for b in breaches(slot))

    dangling = dict(items)
    dangling[claim_key("kyc_level", BOB.address, KYC_PROVIDER.address)] = encode(ClaimSlot(DIGEST))
    assert any("names no attestation" in b for b in breaches(dangling))

    unsorted = dict(items)
    key = trust_key(USD_SCOPE, "kyc_level")
    attesters = decode(items[key], TrustedAttesters).attesters
    unsorted[key] = encode(TrustedAttesters(list(reversed(attesters))))
    assert any("not sorted" in b for b in breaches(unsorted))

    empty = dict(items)
    empty[key] = encode(TrustedAttesters([]))
    assert any("holds 0 attesters" in b for b in breaches(empty))

    bad_topic = dict(items)
    bad_topic[trust_key(USD_SCOPE, "aml")] = items[key]
    assert any("invalid scope or topic" in b for b in breaches(bad_topic))

    renamed = dict(items)
    schema_id = record.schema_id
    replace_record(renamed, schema_key(schema_id), SchemaRecord, name="Renamed")
    assert any("hash of its definition" in b for b in breaches(renamed))

    with pytest.raises(InvariantBroken):
        Application(DictStore(missing)).check_invariants()  # type: ignore[arg-type]


def test_events_and_messages_round_trip_through_json_and_msgpack() -> None:
    registry = default_registry()
    events = [
        SchemaRegistered(DIGEST, ALICE.address, "KYC", KYC_FIELDS, True, "kyc_level"),
        Attested(DIGEST, DIGEST, ALICE.address, BOB.address, 5, b"", DIGEST),
        Revoked(DIGEST, ALICE.address, 7),
        TrustSet(USD_SCOPE, "kyc_level", ALICE.address, True, None),
    ]
    for item in events:
        assert from_json(to_json(item), registry.event_union) == item
        assert registry.decode_event(encode(item)) == item
    message = attest_message(
        DIGEST,
        [UintValue(Amount(AMOUNT_MAX)), AddressValue(BOB.address), JurisdictionValue("SG")],
    )
    text = to_json(message)
    assert b'{"type":"uint","value":"340282366920938463463374607431768211455"}' in text
    assert from_json(text, Attest) == message


# -- fuzzing ----------------------------------------------------------------------------

FUZZ_SIGNERS = (ISSUER, REGULATOR, KYC_PROVIDER)
_signer_addresses = st.sampled_from([p.address for p in FUZZ_SIGNERS])
_addresses = st.one_of(_signer_addresses, st.binary(min_size=20, max_size=20).map(Address))
_ids = st.one_of(
    st.just(schema_id_of("KYC", KYC_FIELDS, True, "kyc_level")), st.binary(max_size=40)
)
_texts = st.text(max_size=40)
_values: st.SearchStrategy[Value] = st.one_of(
    st.builds(StringValue, st.text(max_size=300)),
    st.builds(UintValue, st.integers(0, AMOUNT_MAX).map(Amount)),
    st.builds(BoolValue, st.booleans()),
    st.builds(Bytes32Value, st.one_of(st.just(DIGEST), st.binary(max_size=40))),
    st.builds(AddressValue, _addresses),
    st.builds(TimestampValue, st.integers(0, 2**64 - 1)),
    st.builds(JurisdictionValue, st.one_of(st.sampled_from(["DE", "US"]), st.text(max_size=4))),
)
_fields = st.builds(
    Field,
    st.one_of(st.sampled_from(["level", "country", "document_hash"]), _texts),
    st.one_of(st.sampled_from(["uint", "jurisdiction", "bytes32", "string"]), _texts),
)
_topics = st.one_of(st.sampled_from(["kyc_level", "residence", "unique_person"]), _texts)
_messages = st.one_of(
    st.builds(
        RegisterSchema,
        _signer_addresses,
        _texts,
        st.lists(_fields, max_size=18),
        st.booleans(),
        st.one_of(st.none(), _topics),
    ),
    st.builds(
        Attest,
        _signer_addresses,
        _ids,
        _addresses,
        st.one_of(
            st.lists(_values, max_size=4),
            st.tuples(st.integers(0, 3), st.binary(min_size=32, max_size=32)).map(
                lambda pair: [*kyc_data(pair[0])[:1], Bytes32Value(pair[1])]
            ),
        ),
        st.one_of(st.just(0), st.integers(0, 2**64 - 1)),
        st.one_of(st.just(b""), st.binary(max_size=40)),
    ),
    st.builds(Revoke, _signer_addresses, st.binary(max_size=40)),
    st.builds(
        SetTrusted,
        _signer_addresses,
        st.one_of(st.sampled_from([USD_SCOPE, EU_SCOPE, "asset:EUR"]), _texts),
        _topics,
        _addresses,
        st.booleans(),
    ),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_messages, min_size=1, max_size=4), min_size=1, max_size=4))
def test_fuzz_attest_messages_never_raise_and_keep_invariants(
    transactions: list[list[Any]],
) -> None:
    chain = Chain(attest_genesis())
    try:
        register(chain)
        trust(chain)
        raws = [chain.tx(batch, list(FUZZ_SIGNERS)) for batch in transactions]
        root = chain.module_state()
        outcome = chain.block(raws)  # commits, then checks every invariant
        for tx in outcome.txs:
            result = tx.result
            assert result.codespace in ("tx", "attest"), result
            if result.codespace == "attest":
                assert result.code in {int(code) for code in AttestCode}
            hypothesis_event(f"result {result.codespace}/{result.code}")
            if not result.ok:
                assert tx.events == []
        if not any(tx.result.ok for tx in outcome.txs):
            assert chain.module_state() == root
    finally:
        close_chain(chain)


def test_attest_codes_stable() -> None:
    assert {code.name: int(code) for code in AttestCode} == {
        "OK": 0,
        "INVALID_SCHEMA_NAME": 1,
        "TOO_MANY_FIELDS": 2,
        "INVALID_FIELD_NAME": 3,
        "DUPLICATE_FIELD_NAME": 4,
        "INVALID_FIELD_TYPE": 5,
        "INVALID_TOPIC": 6,
        "TOPIC_FIELDS_MISSING": 7,
        "TOPIC_NOT_REVOCABLE": 8,
        "INVALID_ID": 9,
        "INVALID_VALUE": 10,
        "INVALID_SCOPE": 11,
        "TIME_OUT_OF_RANGE": 12,
        "SCHEMA_EXISTS": 20,
        "SCHEMA_NOT_FOUND": 21,
        "DATA_MISMATCH": 22,
        "EXPIRY_IN_PAST": 23,
        "REFERENCE_NOT_FOUND": 24,
        "ATTESTATION_NOT_FOUND": 25,
        "NOT_ATTESTER": 26,
        "IRREVOCABLE": 27,
        "ALREADY_REVOKED": 28,
        "ASSET_NOT_FOUND": 29,
        "NOT_ASSET_ISSUER": 30,
        "REGULATOR_ROLE_REQUIRED": 31,
        "ALREADY_TRUSTED": 32,
        "NOT_TRUSTED": 33,
        "TOO_MANY_TRUSTED": 34,
        "ISSUER_ROLE_REVOKED": 35,
        "ATTESTER_ROLE_REQUIRED": 36,
    }
    assert all(code.message for code in AttestCode)
