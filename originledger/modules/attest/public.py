"""The public face of attest: the claim protocol other modules check compliance and identity
with. ``app.py`` hands it to the modules that expect it (their ``expected.py``); no module
imports it directly. Reads by exact key only, so it works on any state view.

- scopes: ``asset_scope(symbol)``, ``policy_scope(name)``;
- claims: ``trusted_attesters``, ``valid_claim`` (the subject's valid attestation of a claim
  topic by an attester trusted in a scope), ``claim_value`` (one field of it),
  ``field_value``;
- records: ``load_schema``, ``load_attestation``, ``attestation_status``.
"""

from __future__ import annotations

from originledger.modules.attest.logic import (
    asset_scope,
    attestation_status,
    claim_value,
    field_value,
    load_attestation,
    load_schema,
    policy_scope,
    trusted_attesters,
    valid_claim,
)

__all__ = [
    "asset_scope",
    "attestation_status",
    "claim_value",
    "field_value",
    "load_attestation",
    "load_schema",
    "policy_scope",
    "trusted_attesters",
    "valid_claim",
]
