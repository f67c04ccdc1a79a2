"""A state machine test of attestations as claims: random attestations (with and without
expiry), revocations (by the attester or not, once or twice), trust changes (by the right
authority or not) and idle blocks, checked against a simple model.

Each rule runs one block and checks its result code against the model's prediction.
After every step, for each subject, scope, topic and two moments (now, and a little
later, so that expiries fall between blocks), ``valid_claim`` must name the claim the
model picks: of the trusted attesters' latest claims, the newest valid one. The
registered invariants run after every block (``Chain.block``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.tx import Msg
from originledger.modules.attest import (
    AttestationStatus,
    attestation_status,
    load_attestation,
    schema_id_of,
    valid_claim,
)
from originledger.modules.attest.types import (
    Attest,
    Attested,
    Field,
    JurisdictionValue,
    Revoke,
    SetTrusted,
    StringValue,
    UintValue,
    Value,
)
from tests.conftest import ALICE, BLOCK_STEP_MS, BOB, ISSUER, Chain, Party, close_chain, party
from tests.modules.test_attest import (
    EU_SCOPE,
    KYC_PROVIDER,
    OTHER_PROVIDER,
    REGULATOR,
    USD_SCOPE,
    attest_genesis,
)

THIRD_PROVIDER = party("third-provider")
ATTESTERS = (KYC_PROVIDER, OTHER_PROVIDER, THIRD_PROVIDER)
SUBJECTS = (ALICE, BOB)
SCOPES = (USD_SCOPE, EU_SCOPE)
AUTHORITY = {USD_SCOPE: ISSUER, EU_SCOPE: REGULATOR}
TOPICS = ("kyc_level", "residence")
OK = ("tx", 0)

# Two KYC schemas (a claim under either supersedes one under the other) and a residence one.
SCHEMAS: tuple[tuple[str, list[Field], str], ...] = (
    ("KYC", [Field("level", "uint")], "kyc_level"),
    ("KYC plus", [Field("level", "uint"), Field("source", "string")], "kyc_level"),
    ("Residence", [Field("country", "jurisdiction")], "residence"),
)


def schema_data(index: int, number: int) -> list[Value]:
    if index == 0:
        return [UintValue(Amount(number))]
    if index == 1:
        return [UintValue(Amount(number)), StringValue("bank")]
    return [JurisdictionValue(("DE", "FR", "SG")[number % 3])]


@dataclass
class ModelAttestation:
    id: bytes
    attester: Address
    subject: Address
    topic: str
    time_ms: int
    expires_at_ms: int
    revoked_at_ms: int | None = None

    def valid_at(self, now_ms: int) -> bool:
        return (
            self.time_ms <= now_ms
            and (self.revoked_at_ms is None or self.revoked_at_ms > now_ms)
            and (self.expires_at_ms == 0 or self.expires_at_ms > now_ms)
        )


@dataclass
class Model:
    attestations: list[ModelAttestation] = field(default_factory=list)
    latest: dict[tuple[str, Address, Address], ModelAttestation] = field(default_factory=dict)
    trusted: dict[tuple[str, str], set[Address]] = field(default_factory=dict)

    def expected_claim(self, subject: Address, topic: str, scope: str, now_ms: int) -> bytes | None:
        candidates = [
            claim
            for attester in self.trusted.get((scope, topic), set())
            if (claim := self.latest.get((topic, subject, attester))) is not None
            and claim.valid_at(now_ms)
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda claim: (claim.time_ms, claim.id)).id


class ClaimsMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        section = {
            "schemas": [
                {
                    "registrant": str(KYC_PROVIDER.address),
                    "name": name,
                    "fields": [{"name": f.name, "type": f.type} for f in fields],
                    "topic": topic,
                }
                for name, fields, topic in SCHEMAS
            ]
        }
        self.chain = Chain(attest_genesis(section))
        self.model = Model()

    def teardown(self) -> None:
        close_chain(self.chain)

    def run(self, message: Msg, signer: Party, expected: tuple[str, int]) -> list[Attested]:
        outcome = self.chain.run(message, signer)
        got = (outcome.result.codespace, outcome.result.code)
        event(f"{type(message).__name__} -> {got[0]}/{got[1]}")
        assert got == expected, outcome.result
        return [e for e in outcome.events if isinstance(e, Attested)]

    @rule(
        attester=st.sampled_from(ATTESTERS),
        subject=st.sampled_from(SUBJECTS),
        schema=st.integers(0, len(SCHEMAS) - 1),
        number=st.integers(0, 5),
        expiry_blocks=st.sampled_from([0, 0, 1, 2, 4]),
        early_ms=st.sampled_from([0, 1, BLOCK_STEP_MS // 2]),
    )
    def attest(
        self,
        attester: Party,
        subject: Party,
        schema: int,
        number: int,
        expiry_blocks: int,
        early_ms: int,
    ) -> None:
        name, fields, topic = SCHEMAS[schema]
        time_ms = self.chain.next_time_ms
        expires_at_ms = time_ms + expiry_blocks * BLOCK_STEP_MS - early_ms if expiry_blocks else 0
        message = Attest(
            attester.address,
            schema_id_of(name, fields, True, topic),
            subject.address,
            schema_data(schema, number),
            expires_at_ms,
        )
        (attested,) = self.run(message, attester, OK)
        record = ModelAttestation(
            attested.attestation_id,
            attester.address,
            subject.address,
            topic,
            time_ms,
            expires_at_ms,
        )
        previous = self.model.latest.get((topic, subject.address, attester.address))
        assert attested.supersedes == (b"" if previous is None else previous.id)
        self.model.attestations.append(record)
        self.model.latest[(topic, subject.address, attester.address)] = record

    @precondition(lambda self: bool(self.model.attestations))
    @rule(data=st.data(), by_attester=st.sampled_from([True, True, True, False]))
    def revoke(self, data: st.DataObject, by_attester: bool) -> None:
        record = data.draw(st.sampled_from(self.model.attestations))
        revoker = next(p for p in ATTESTERS if p.address == record.attester)
        if not by_attester:
            revoker = data.draw(st.sampled_from([p for p in ATTESTERS if p is not revoker]))
        if revoker.address != record.attester:
            expected = ("attest", 26)  # NOT_ATTESTER
        elif record.revoked_at_ms is not None:
            expected = ("attest", 28)  # ALREADY_REVOKED
        else:
            expected = OK
            record.revoked_at_ms = self.chain.next_time_ms
        self.run(Revoke(revoker.address, record.id), revoker, expected)

    @rule(
        scope=st.sampled_from(SCOPES),
        topic=st.sampled_from(TOPICS),
        attester=st.sampled_from(ATTESTERS),
        trusted=st.booleans(),
        as_authority=st.sampled_from([True, True, True, False]),
    )
    def set_trusted(
        self, scope: str, topic: str, attester: Party, trusted: bool, as_authority: bool
    ) -> None:
        authority = AUTHORITY[scope] if as_authority else ALICE
        current = self.model.trusted.setdefault((scope, topic), set())
        if not as_authority:
            expected = ("attest", 30) if scope.startswith("asset:") else ("attest", 31)
        elif trusted and attester.address in current:
            expected = ("attest", 32)  # ALREADY_TRUSTED
        elif not trusted and attester.address not in current:
            expected = ("attest", 33)  # NOT_TRUSTED
        else:
            expected = OK
            if trusted:
                current.add(attester.address)
            else:
                current.discard(attester.address)
        message = SetTrusted(authority.address, scope, topic, attester.address, trusted)
        self.run(message, authority, expected)

    @rule()
    def idle_block(self) -> None:
        self.chain.block([])

    @invariant()
    def claims_match_model(self) -> None:
        now_ms = self.chain.time_ms
        found_count = 0
        for moment in (now_ms, now_ms + BLOCK_STEP_MS // 2, now_ms + 3 * BLOCK_STEP_MS):
            for scope in SCOPES:
                for topic in TOPICS:
                    for subject in SUBJECTS:
                        found = valid_claim(self.chain.store, subject.address, topic, scope, moment)
                        expected = self.model.expected_claim(subject.address, topic, scope, moment)
                        assert (None if found is None else found.id) == expected
                        found_count += found is not None
        event(f"valid claims found after a step: {min(found_count, 5)}")

    @invariant()
    def statuses_match_model(self) -> None:
        now_ms = self.chain.time_ms
        for record in self.model.attestations:
            stored = load_attestation(self.chain.store, record.id)
            assert stored is not None and stored.revoked_at_ms == record.revoked_at_ms
            status = attestation_status(stored, now_ms)
            assert (status is AttestationStatus.VALID) == record.valid_at(now_ms)


ClaimsMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_claims_random_operations_match_model = ClaimsMachine.TestCase
