"""attest: schemas, attestations, revocation, expiry, references; trusted attesters per
claim topic and scope; the claim protocol other modules check compliance with."""

from __future__ import annotations

from originledger.core.module import Module
from originledger.core.wiring import fill
from originledger.modules.attest import expected, types
from originledger.modules.attest.codes import AttestCode
from originledger.modules.attest.genesis import AttestGenesis, genesis_init
from originledger.modules.attest.index import INDEX
from originledger.modules.attest.invariants import (
    attestations_match_their_schemas,
    claims_point_at_their_attestations,
    indexes_point_at_attestations,
    schemas_hash_to_their_ids,
    trusted_sets_sorted_and_bounded,
)
from originledger.modules.attest.logic import (
    asset_scope,
    attest,
    attestation_status,
    claim_value,
    field_value,
    load_attestation,
    load_schema,
    policy_scope,
    register_schema,
    revoke,
    schema_id_of,
    set_trusted,
    trusted_attesters,
    valid_claim,
)
from originledger.modules.attest.queries import (
    query_attestation,
    query_by_attester,
    query_by_recipient,
    query_by_schema,
    query_schema,
    query_schemas,
    query_trusted,
    query_verify,
)
from originledger.modules.attest.types import (
    Attestation,
    AttestationStatus,
    ClaimData,
    ClaimTopic,
    Field,
    FieldType,
    SchemaRecord,
)

__all__ = [
    "MODULE",
    "AttestCode",
    "Attestation",
    "AttestationStatus",
    "ClaimData",
    "ClaimTopic",
    "Field",
    "FieldType",
    "SchemaRecord",
    "asset_scope",
    "attestation_status",
    "claim_value",
    "field_value",
    "load_attestation",
    "load_schema",
    "policy_scope",
    "schema_id_of",
    "trusted_attesters",
    "valid_claim",
    "wire",
]

MODULE = Module(
    name="attest",
    version=1,
    codes=AttestCode,
    summary="schemas, attestations, revocation and trusted attesters per claim topic",
    handlers={
        types.RegisterSchema: register_schema,
        types.Attest: attest,
        types.Revoke: revoke,
        types.SetTrusted: set_trusted,
    },
    events=(types.SchemaRegistered, types.Attested, types.Revoked, types.TrustSet),
    queries={
        "schema": query_schema,
        "schemas": query_schemas,
        "attestation": query_attestation,
        "by_recipient": query_by_recipient,
        "by_schema": query_by_schema,
        "by_attester": query_by_attester,
        "trusted": query_trusted,
        "verify": query_verify,
    },
    invariants={
        "schemas_hash_to_their_ids": schemas_hash_to_their_ids,
        "attestations_match_their_schemas": attestations_match_their_schemas,
        "indexes_point_at_attestations": indexes_point_at_attestations,
        "claims_point_at_their_attestations": claims_point_at_their_attestations,
        "trusted_sets_sorted_and_bounded": trusted_sets_sorted_and_bounded,
    },
    genesis_type=AttestGenesis,
    genesis_init=genesis_init,
    index=INDEX,
)


def wire(*, accounts: expected.AccountsKeeper, assets: expected.AssetsKeeper) -> None:
    """Hand attest the public face of each module it expects (``expected.py``): ``app.py``
    calls it once, before any block."""
    fill(expected.accounts_keeper, accounts)
    fill(expected.assets_keeper, assets)
