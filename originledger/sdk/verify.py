"""Offline verification of what a node answers, against headers its validators signed.

Trust starts from the genesis document (its validators and their voting power). A
signed header is accepted when validators holding more than two thirds of the power
signed it; a state proof when it leads to that header's state root; a receipt when its
transaction and its result are both in that header's Merkle roots.
"""

from __future__ import annotations

from typing import Any

import msgspec

from originledger.app import Registry, default_registry
from originledger.core.block import Genesis, ResultLeaf, SignedHeader, verify_signed_header
from originledger.core.codec import CodecError, decode, encode, from_json, to_json
from originledger.core.crypto import sha256
from originledger.core.merkle import verify_list_inclusion
from originledger.core.state_proof import StateProof, verify_state_proof
from originledger.core.tx import SignedTx

__all__ = [
    "TrustedValidators",
    "VerificationError",
    "verify_proven_value",
    "verify_receipt",
]


class VerificationError(ValueError):
    """What the node answered does not verify: do not trust it."""


class TrustedValidators:
    """The validator set a client trusts, from a genesis document it holds."""

    def __init__(self, chain_id: str, powers: dict[bytes, int]) -> None:
        self.chain_id = chain_id
        self.powers = powers

    @classmethod
    def from_genesis(cls, genesis_raw: bytes) -> TrustedValidators:
        genesis = from_json(genesis_raw, Genesis)
        return cls(genesis.chain_id, {v.public_key: v.power for v in genesis.validators})

    def check_header(self, signed: SignedHeader) -> None:
        if signed.header.chain_id != self.chain_id:
            raise VerificationError(f"header is for chain {signed.header.chain_id!r}")
        if not verify_signed_header(signed, self.powers):
            raise VerificationError(
                f"header {signed.header.height} lacks signatures of 2/3 of the validators"
            )


def verify_proven_value(
    trusted: TrustedValidators, proof: StateProof, height: int, signed_header: SignedHeader
) -> bytes | None:
    """Check a state proof against a signed header; returns the proven value (or None)."""
    trusted.check_header(signed_header)
    if signed_header.header.height != height:
        raise VerificationError("the proof and the header are for different heights")
    if not verify_state_proof(signed_header.header.state_root, proof):
        raise VerificationError(f"the proof of key {proof.key!r} does not lead to the root")
    return proof.value


class VerifiedReceipt(msgspec.Struct, frozen=True):
    hash: bytes
    height: int
    index: int
    result: ResultLeaf


def verify_receipt(
    trusted: TrustedValidators, receipt: dict[str, Any], registry: Registry | None = None
) -> VerifiedReceipt:
    """Verify a committed receipt (the JSON of ``GET /v1/txs/{hash}``) offline.

    Checks: the header is signed; the raw transaction hashes to the receipt's hash and is
    in the header's tx root at its index; the result leaf (code, message, events hash) is
    in the results root at the same index, and matches the receipt's result and events.
    """
    registry = registry or default_registry()
    if receipt.get("status") != "committed" or receipt.get("proof") is None:
        raise VerificationError("only a committed receipt with a proof can be verified")
    try:
        proof = receipt["proof"]
        signed = from_json(to_json(proof["signed_header"]), SignedHeader)
        raw = from_json(to_json(receipt["raw"]), bytes)
        index, count = int(proof["index"]), int(proof["count"])
        tx_proof = from_json(to_json(proof["tx_proof"]), list[bytes])
        leaf_bytes = from_json(to_json(proof["result_leaf"]), bytes)
        result_proof = from_json(to_json(proof["result_proof"]), list[bytes])
        body = decode(raw, SignedTx).body
        leaf = decode(leaf_bytes, ResultLeaf)
    except (CodecError, KeyError, TypeError, ValueError) as error:
        raise VerificationError(f"malformed receipt: {error}") from error
    trusted.check_header(signed)
    header = signed.header
    tx_hash = sha256(body)
    if tx_hash.hex() != receipt.get("hash") or leaf.tx_hash != tx_hash:
        raise VerificationError("the transaction does not hash to the receipt's hash")
    if header.height != receipt.get("height") or count != header.tx_count:
        raise VerificationError("the receipt's height or count disagrees with the header")
    if not verify_list_inclusion(header.tx_root, tx_hash, index, count, tx_proof):
        raise VerificationError("the transaction is not in the block's tx root")
    if not verify_list_inclusion(header.results_root, leaf_bytes, index, count, result_proof):
        raise VerificationError("the result is not in the block's results root")
    result = receipt.get("result") or {}
    if (result.get("code"), result.get("codespace")) != (leaf.code, leaf.codespace):
        raise VerificationError("the receipt's result code differs from the proven one")
    events = [{"type": e["type"], **e["data"]} for e in receipt.get("events", [])]
    try:
        typed_events = [from_json(to_json(event), registry.event_union) for event in events]
    except CodecError as error:
        raise VerificationError(f"the receipt's events do not decode: {error}") from error
    if sha256(encode(typed_events)) != leaf.events_hash:
        raise VerificationError("the receipt's events differ from the proven events")
    return VerifiedReceipt(tx_hash, header.height, index, leaf)


__all__ += ["VerifiedReceipt"]
