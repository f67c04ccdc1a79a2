"""State keys of the attest module (all under ``attest/``).

The three ``by_*`` indexes hold one empty-valued key per attestation, ordered by owner,
then time, then id: an owner's attestations are contiguous and oldest first, so listing
them is one range scan. Claim slots and trusted sets are read by exact key, so that other
modules' handlers (which can only ``get``) can check claims.
"""

from __future__ import annotations

from originledger.core.address import ADDRESS_BYTES, Address

__all__ = [
    "ATTESTATION_PREFIX",
    "BY_ATTESTER_PREFIX",
    "BY_RECIPIENT_PREFIX",
    "BY_SCHEMA_PREFIX",
    "CLAIM_PREFIX",
    "SCHEMA_PREFIX",
    "TIME_BYTES",
    "TRUST_PREFIX",
    "attestation_key",
    "claim_key",
    "index_key",
    "schema_key",
    "split_claim_key",
    "split_index_key",
    "split_trust_key",
    "trust_key",
    "trust_prefix",
]

SCHEMA_PREFIX = b"attest/schema/"
ATTESTATION_PREFIX = b"attest/att/"
BY_RECIPIENT_PREFIX = b"attest/by_recipient/"
BY_SCHEMA_PREFIX = b"attest/by_schema/"
BY_ATTESTER_PREFIX = b"attest/by_attester/"
CLAIM_PREFIX = b"attest/claim/"
TRUST_PREFIX = b"attest/trust/"

TIME_BYTES = 8
_ID_BYTES = 32


def schema_key(schema_id: bytes) -> bytes:
    """``attest/schema/<32-byte id>`` -> ``SchemaRecord``."""
    return SCHEMA_PREFIX + schema_id


def attestation_key(attestation_id: bytes) -> bytes:
    """``attest/att/<32-byte id>`` -> ``Attestation``."""
    return ATTESTATION_PREFIX + attestation_id


def index_key(prefix: bytes, owner: bytes, time_ms: int, attestation_id: bytes) -> bytes:
    """``<prefix><owner><8-byte big-endian time><32-byte id>`` -> empty.

    ``owner`` is the recipient or attester (20 bytes) or the schema id (32 bytes).
    """
    return prefix + owner + time_ms.to_bytes(TIME_BYTES, "big") + attestation_id


def split_index_key(prefix: bytes, key: bytes, owner_bytes: int) -> tuple[bytes, int, bytes]:
    """``(owner, time_ms, attestation_id)`` of an index key."""
    body = key[len(prefix) :]
    if len(body) != owner_bytes + TIME_BYTES + _ID_BYTES:
        raise ValueError(f"index key {key.hex()} has the wrong length")
    time_end = owner_bytes + TIME_BYTES
    return body[:owner_bytes], int.from_bytes(body[owner_bytes:time_end], "big"), body[time_end:]


def claim_key(topic: str, subject: Address, attester: Address) -> bytes:
    """``attest/claim/<topic>/<20-byte subject><20-byte attester>`` -> ``ClaimSlot``."""
    return CLAIM_PREFIX + topic.encode() + b"/" + subject + attester


def split_claim_key(key: bytes) -> tuple[str, Address, Address]:
    topic, _, addresses = key[len(CLAIM_PREFIX) :].partition(b"/")
    if len(addresses) != 2 * ADDRESS_BYTES:
        raise ValueError(f"claim key {key.hex()} has the wrong length")
    return topic.decode(), Address(addresses[:ADDRESS_BYTES]), Address(addresses[ADDRESS_BYTES:])


def trust_key(scope: str, topic: str) -> bytes:
    """``attest/trust/<scope>/<topic>`` -> ``TrustedAttesters``. Neither a scope nor a
    topic holds a ``/``, so one scope's sets are contiguous under ``trust_prefix``."""
    return TRUST_PREFIX + scope.encode() + b"/" + topic.encode()


def trust_prefix(scope: str) -> bytes:
    return TRUST_PREFIX + scope.encode() + b"/"


def split_trust_key(key: bytes) -> tuple[str, str]:
    scope, _, topic = key[len(TRUST_PREFIX) :].partition(b"/")
    return scope.decode(), topic.decode()
