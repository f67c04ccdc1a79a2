"""Offline verification of what a node answers, against headers its validators signed.

Trust starts from the genesis document (its validators and their voting power). A
signed header is accepted when validators holding more than two thirds of the power
signed it; a state proof when it leads to that header's state root; a receipt when its
transaction and its result are both in that header's Merkle roots.

Which header depends on the node's driver, and the answer says which it carries:
``signed_header`` (embedded mode: Origin's header signed by its validator) or
``cometbft_signed_header`` / ``cometbft_proof`` (network mode: CometBFT's header and
commit, checked by ``originledger.sdk.cometbft``; the state root after block H is the
app hash of header H + 1).
"""

from __future__ import annotations

from typing import Any

import msgspec

from originledger.app import Registry, default_registry
from originledger.core.block import Genesis, ResultLeaf, SignedHeader, verify_signed_header
from originledger.core.codec import CodecError, decode, encode, from_json, to_json
from originledger.core.crypto import sha256
from originledger.core.merkle import list_root_from_proof, verify_list_inclusion
from originledger.core.state_proof import StateProof, verify_state_proof
from originledger.core.tx import SignedTx
from originledger.sdk.cometbft import (
    CometHeader,
    CometVerificationError,
    exec_result_bytes,
)
from originledger.sdk.cometbft import (
    verify_signed_header as verify_comet_signed_header,
)

__all__ = [
    "TrustedValidators",
    "VerificationError",
    "verify_proven_value",
    "verify_proven_value_cometbft",
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


def _check_comet(trusted: TrustedValidators, signed_header: dict[str, Any]) -> CometHeader:
    try:
        return verify_comet_signed_header(trusted.chain_id, trusted.powers, signed_header)
    except CometVerificationError as error:
        raise VerificationError(str(error)) from error


def verify_proven_value_cometbft(
    trusted: TrustedValidators, proof: StateProof, height: int, signed_header: dict[str, Any]
) -> bytes | None:
    """Check a state proof at ``height`` against CometBFT's signed header ``height + 1``
    (its app hash is the state root after ``height``); returns the proven value."""
    header = _check_comet(trusted, signed_header)
    if header.height != height + 1:
        raise VerificationError("the proof is not for the block before this header")
    if not verify_state_proof(header.app_hash, proof):
        raise VerificationError(f"the proof of key {proof.key!r} does not lead to the app hash")
    return proof.value


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
    # The position the proof proves: in Origin's block (embedded mode), or of the CometBFT
    # transaction that carried it (network mode, where a batch carries several).
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
    if receipt.get("status") == "committed" and receipt.get("cometbft_proof") is not None:
        return _verify_cometbft_receipt(trusted, receipt, registry)
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
    _check_result(receipt, leaf, registry)
    return VerifiedReceipt(tx_hash, header.height, index, leaf)


def _verify_cometbft_receipt(
    trusted: TrustedValidators, receipt: dict[str, Any], registry: Registry
) -> VerifiedReceipt:
    """Network mode: header H + 1 is signed by the validators; the result leaf is in the
    root of the leaves its CometBFT transaction carried (a batch, or itself alone), and the
    ``ExecTxResult`` holding that root is in H + 1's ``last_results_hash``. The leaf binds
    the transaction's hash, which the raw transaction must hash to."""
    try:
        proof = receipt["cometbft_proof"]
        raw = from_json(to_json(receipt["raw"]), bytes)
        index, count = int(proof["index"]), int(proof["count"])
        batch_index, batch_count = int(proof["batch_index"]), int(proof["batch_count"])
        leaf_bytes = from_json(to_json(proof["result_leaf"]), bytes)
        batch_proof = from_json(to_json(proof["batch_proof"]), list[bytes])
        result_proof = from_json(to_json(proof["result_proof"]), list[bytes])
        body = decode(raw, SignedTx).body
        leaf = decode(leaf_bytes, ResultLeaf)
        next_signed = dict(proof["signed_header"])
    except (CodecError, KeyError, TypeError, ValueError) as error:
        raise VerificationError(f"malformed receipt: {error}") from error
    next_header = _check_comet(trusted, next_signed)
    if next_header.height != receipt.get("height", 0) + 1:
        raise VerificationError("the receipt's height disagrees with the signed header")
    tx_hash = sha256(body)
    if tx_hash.hex() != receipt.get("hash") or leaf.tx_hash != tx_hash:
        raise VerificationError("the transaction does not hash to the receipt's hash")
    batch_root = list_root_from_proof(leaf_bytes, batch_index, batch_count, batch_proof)
    if batch_root is None:
        raise VerificationError("the result is not in its batch's results")
    try:
        result_item = exec_result_bytes(leaf.code if batch_count == 1 else 0, batch_root)
    except CometVerificationError as error:
        raise VerificationError(str(error)) from error
    if not verify_list_inclusion(
        next_header.last_results_hash, result_item, index, count, result_proof
    ):
        raise VerificationError("the result is not in the next header's last results hash")
    _check_result(receipt, leaf, registry)
    return VerifiedReceipt(tx_hash, next_header.height - 1, index, leaf)


def _check_result(receipt: dict[str, Any], leaf: ResultLeaf, registry: Registry) -> None:
    """The receipt's result and events are the proven leaf's."""
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


__all__ += ["VerifiedReceipt"]
