"""Block headers, their signatures, genesis, and the committed record of a transaction.

A header commits to everything a block did: its transactions (``tx_root``), what each
produced (``results_root``: code, message and a hash of its events) and the state after it
(``state_root``). The validator signs ``tagged_hash(b"origin/header", encode(header))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import msgspec

from originledger.core.codec import encode
from originledger.core.codes import TxResult
from originledger.core.consensus import ConsensusVersions
from originledger.core.crypto import sha256, tagged_hash, verify_signature

__all__ = [
    "BlockHeader",
    "CommitSignature",
    "Genesis",
    "GenesisValidator",
    "ResultLeaf",
    "SignedHeader",
    "encoded_list",
    "header_hash",
    "result_leaf",
    "verify_signed_header",
]

HEADER_SIGNING_TAG = b"origin/header"
Hash32 = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]


class BlockHeader(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    chain_id: str
    height: int
    time_ms: int
    previous_hash: Hash32
    tx_root: Hash32
    results_root: Hash32
    state_root: Hash32
    tx_count: int
    proposer: bytes  # the proposing validator's public key


class CommitSignature(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    public_key: bytes
    signature: bytes


class SignedHeader(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    header: BlockHeader
    signatures: list[CommitSignature]


def header_hash(header: BlockHeader) -> bytes:
    return sha256(encode(header))


def header_signing_digest(header: BlockHeader) -> bytes:
    return tagged_hash(HEADER_SIGNING_TAG, encode(header))


def verify_signed_header(
    signed: SignedHeader,
    validators: dict[bytes, int],
    power_needed_num: int = 2,
    power_needed_den: int = 3,
) -> bool:
    """True when validators holding more than 2/3 of the voting power signed the header.

    ``validators`` maps public key to voting power. With one validator (embedded mode) its
    signature alone suffices.
    """
    total = sum(validators.values())
    if total <= 0:
        return False
    digest = header_signing_digest(signed.header)
    signed_power = 0
    seen: set[bytes] = set()
    for entry in signed.signatures:
        power = validators.get(entry.public_key, 0)
        if power == 0 or entry.public_key in seen:
            continue
        if verify_signature(entry.public_key, digest, entry.signature):
            seen.add(entry.public_key)
            signed_power += power
    return signed_power * power_needed_den > total * power_needed_num


class ResultLeaf(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    """What ``results_root`` commits to for each transaction, in block order."""

    tx_hash: bytes
    codespace: str
    code: int
    message: str
    message_index: int
    events_hash: bytes


_FIXARRAY_HEADERS = tuple(bytes((0x90 | count,)) for count in range(16))


def encoded_list(encoded_items: Sequence[bytes]) -> bytes:
    """``encode(items)`` from each item's ``encode(item)``: a MessagePack array header (the
    shortest, as the codec writes it), then the items. Lets a caller that keeps each item's
    encoding (a transaction's events: one row each in the store) encode every item once."""
    count = len(encoded_items)
    if count < 16:
        header = _FIXARRAY_HEADERS[count]
    elif count < 1 << 16:
        header = b"\xdc" + count.to_bytes(2, "big")
    else:
        header = b"\xdd" + count.to_bytes(4, "big")
    return header + b"".join(encoded_items)


def result_leaf(tx_hash: bytes, result: TxResult, events_encoded: bytes) -> ResultLeaf:
    return ResultLeaf(
        tx_hash,
        result.codespace,
        result.code,
        result.message,
        result.message_index,
        sha256(events_encoded),
    )


class GenesisValidator(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    public_key: bytes
    power: int = 1
    name: str = ""


class Genesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``genesis.json``: the chain's identity, its validators and each module's section."""

    chain_id: str
    genesis_time_ms: int
    validators: list[GenesisValidator]
    # Each module's section stays JSON text until that module decodes it into its own
    # typed genesis: a genesis of a million accounts never exists as Python dicts.
    app_state: dict[str, msgspec.Raw] = {}
    initial_height: int = 1
    # What every validator must run (core/consensus.py); checked when a node starts.
    consensus_versions: ConsensusVersions | None = None


__all__ += ["header_signing_digest"]
