"""How the indexer indexes the attest module's events (see ``core/index.py``)."""

from __future__ import annotations

from originledger.core.index import (
    AttestationRecorded,
    AttestationRevoked,
    Concerns,
    IndexEffect,
    ModuleIndex,
)
from originledger.modules.attest import types

__all__ = ["INDEX"]


def attested(event: types.Attested) -> list[IndexEffect]:
    return [
        AttestationRecorded(
            event.attestation_id,
            event.schema_id,
            event.attester,
            event.recipient,
            event.expires_at_ms,
        ),
        Concerns((event.attester, event.recipient)),
    ]


def revoked(event: types.Revoked) -> list[IndexEffect]:
    return [
        AttestationRevoked(event.attestation_id, event.revoked_at_ms),
        Concerns((event.attester,)),
    ]


INDEX = ModuleIndex(
    handlers={types.Attested: attested, types.Revoked: revoked},
    not_indexed=(types.SchemaRegistered, types.TrustSet),
)
