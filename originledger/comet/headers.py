"""CometBFT v0.38's signed headers: their hash, the bytes validators sign, and their offline
check (what a network-mode node's answers carry instead of Origin's own signed header).

A *signed header* is what CometBFT's RPC ``/commit?height=H`` answers: the header of block
H and its commit (the precommit signatures of the validators). It is trusted when:

1. the header's hash, computed here from its fields, is the block id the commit signs;
2. validators of the trusted set holding more than 2/3 of its voting power signed that
   block id: each signature is Ed25519 over the *sign bytes* of a precommit, the
   length-delimited protobuf ``CanonicalVote`` (type precommit, height, round, block id,
   the signature's timestamp, chain id).

The header hash is the RFC 6962 Merkle root of the header's fourteen fields, each encoded
as CometBFT does (``Consensus`` version and ``BlockID`` as protobuf messages, the time as a
``Timestamp``, the others wrapped in protobuf's ``StringValue``/``Int64Value``/
``BytesValue``; empty values encode to nothing). The generated protobuf classes of
CometBFT's own ``.proto`` files do the encoding (``comet/protos.py``; ``origin net setup``
builds them).

What a trusted header binds (see docs/network.md):

- ``app_hash`` of header H + 1 is Origin's state root after block H;
- ``data_hash`` of header H is the Merkle root of ``sha256(tx)`` over block H's CometBFT
  transactions (plain Origin transactions or batches, ``core/batch.py``);
- ``last_results_hash`` of header H + 1 is the Merkle root of block H's deterministic
  results, one per CometBFT transaction, each the protobuf ``ExecTxResult{code, data}``
  whose ``data`` is the Merkle root of the encoded ``ResultLeaf``s (tx hash, code,
  message, events hash) of the Origin transactions it carried (``comet/results.py``);
- ``last_block_id.hash`` of header H + 1 is the hash of header H.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from originledger.comet.framing import length_prefixed
from originledger.comet.protos import CometTypes, comet_types
from originledger.comet.tools import ToolchainError
from originledger.comet.validators import validator_address
from originledger.core.crypto import verify_signature
from originledger.core.merkle import list_root

__all__ = [
    "BLOCK_ID_FLAG_COMMIT",
    "CometHeader",
    "CometVerificationError",
    "checking_types",
    "header_hash",
    "parse_header",
    "verify_signed_header",
    "vote_sign_bytes",
]

BLOCK_ID_FLAG_COMMIT = 2  # the signature is for the block (1: absent, 3: for nil)
PRECOMMIT_TYPE = 2  # SignedMsgType SIGNED_MSG_TYPE_PRECOMMIT
_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z")


class CometVerificationError(ValueError):
    """A CometBFT header or commit does not verify."""


@dataclass(frozen=True)
class CometHeader:
    """The fields of a CometBFT header that proofs use, decoded."""

    chain_id: str
    height: int
    hash: bytes
    last_block_hash: bytes
    data_hash: bytes
    app_hash: bytes
    last_results_hash: bytes
    validators_hash: bytes
    time_ms: int = 0


def checking_types() -> CometTypes:
    """The generated classes, or the error of a check that cannot be made without them."""
    try:
        return comet_types()
    except ToolchainError as error:
        raise CometVerificationError(f"cannot check CometBFT headers: {error}") from error


def _hex(value: Any) -> bytes:
    try:
        return bytes.fromhex(str(value or ""))
    except ValueError as error:
        raise CometVerificationError(f"not hex: {value!r}") from error


def _timestamp(text: Any) -> tuple[int, int]:
    """RFC 3339 UTC time (CometBFT's JSON, nanoseconds) as (seconds, nanos)."""
    import calendar
    import time

    match = _TIME.fullmatch(str(text))
    if match is None:
        raise CometVerificationError(f"not an RFC 3339 UTC time: {text!r}")
    seconds = calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S"))
    nanos = int((match.group(2) or "0").ljust(9, "0"))
    return seconds, nanos


def _time_ms(text: Any) -> int:
    seconds, nanos = _timestamp(text)
    return seconds * 1000 + nanos // 1_000_000


def _block_id(types: Any, message: Any, block_id: Mapping[str, Any]) -> None:
    parts = block_id.get("parts") or {}
    message.hash = _hex(block_id.get("hash"))
    message.part_set_header.SetInParent()  # never nil in CometBFT's encoding
    message.part_set_header.total = int(parts.get("total") or 0)
    message.part_set_header.hash = _hex(parts.get("hash"))


def header_hash(header: Mapping[str, Any]) -> bytes:
    """The hash of a header given as CometBFT's JSON (what the commit's block id names)."""
    types = checking_types()
    try:
        version = types.version.Consensus(
            block=int(header["version"]["block"]), app=int(header["version"].get("app") or 0)
        )
        seconds, nanos = _timestamp(header["time"])
        stamp = types.timestamp.Timestamp(seconds=seconds, nanos=nanos)
        last_block_id = types.types.BlockID()
        _block_id(types, last_block_id, header.get("last_block_id") or {})
        wrappers = types.wrappers

        def wrapped_bytes(name: str) -> bytes:
            return bytes(wrappers.BytesValue(value=_hex(header.get(name))).SerializeToString())

        fields = [
            version.SerializeToString(),
            wrappers.StringValue(value=str(header["chain_id"])).SerializeToString(),
            wrappers.Int64Value(value=int(header["height"])).SerializeToString(),
            stamp.SerializeToString(),
            last_block_id.SerializeToString(),
            *(
                wrapped_bytes(name)
                for name in (
                    "last_commit_hash",
                    "data_hash",
                    "validators_hash",
                    "next_validators_hash",
                    "consensus_hash",
                    "app_hash",
                    "last_results_hash",
                    "evidence_hash",
                    "proposer_address",
                )
            ),
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise CometVerificationError(f"malformed CometBFT header: {error!r}") from error
    return list_root([bytes(field) for field in fields])


def parse_header(header: Mapping[str, Any]) -> CometHeader:
    try:
        return CometHeader(
            chain_id=str(header["chain_id"]),
            height=int(header["height"]),
            hash=header_hash(header),
            last_block_hash=_hex((header.get("last_block_id") or {}).get("hash")),
            data_hash=_hex(header.get("data_hash")),
            app_hash=_hex(header.get("app_hash")),
            last_results_hash=_hex(header.get("last_results_hash")),
            validators_hash=_hex(header.get("validators_hash")),
            time_ms=_time_ms(header["time"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CometVerificationError(f"malformed CometBFT header: {error!r}") from error


def vote_sign_bytes(
    chain_id: str, height: int, round_number: int, block_id: Mapping[str, Any], timestamp: str
) -> bytes:
    """What a validator signs for its precommit: a length-delimited ``CanonicalVote``."""
    types = checking_types()
    seconds, nanos = _timestamp(timestamp)
    vote = types.canonical.CanonicalVote(
        type=PRECOMMIT_TYPE, height=height, round=round_number, chain_id=chain_id
    )
    parts = block_id.get("parts") or {}
    vote.block_id.hash = _hex(block_id.get("hash"))
    vote.block_id.part_set_header.SetInParent()
    vote.block_id.part_set_header.total = int(parts.get("total") or 0)
    vote.block_id.part_set_header.hash = _hex(parts.get("hash"))
    vote.timestamp.seconds, vote.timestamp.nanos = seconds, nanos
    vote.timestamp.SetInParent()
    return length_prefixed(bytes(vote.SerializeToString()))


def verify_signed_header(
    chain_id: str, validators: Mapping[bytes, int], signed_header: Mapping[str, Any]
) -> CometHeader:
    """Check a CometBFT signed header (``{"header", "commit"}``) against a trusted validator
    set (public key -> power); returns the decoded header. Raises on any failure."""
    try:
        header_json = signed_header["header"]
        commit = signed_header["commit"]
        signatures = list(commit["signatures"])
        commit_height = int(commit["height"])
        round_number = int(commit.get("round") or 0)
        block_id = commit["block_id"]
    except (KeyError, TypeError, ValueError) as error:
        raise CometVerificationError(f"malformed signed header: {error!r}") from error
    header = parse_header(header_json)
    if header.chain_id != chain_id:
        raise CometVerificationError(f"the header is for chain {header.chain_id!r}")
    if commit_height != header.height:
        raise CometVerificationError("the commit is for another height than the header")
    if _hex(block_id.get("hash")) != header.hash:
        raise CometVerificationError(
            f"the commit signs another block than this header (height {header.height})"
        )
    by_address = {validator_address(key): (key, power) for key, power in validators.items()}
    total = sum(validators.values())
    signed_power = 0
    seen: set[bytes] = set()
    for entry in signatures:
        if int(entry.get("block_id_flag") or 0) != BLOCK_ID_FLAG_COMMIT:
            continue
        address = _hex(entry.get("validator_address"))
        known = by_address.get(address)
        if known is None or address in seen:
            continue
        public_key, power = known
        try:
            signature = base64.b64decode(str(entry.get("signature") or ""), validate=True)
        except ValueError as error:
            raise CometVerificationError(f"a signature is not base64: {error}") from error
        message = vote_sign_bytes(
            chain_id, header.height, round_number, block_id, str(entry.get("timestamp"))
        )
        if verify_signature(public_key, message, signature):
            seen.add(address)
            signed_power += power
    if total <= 0 or signed_power * 3 <= total * 2:
        raise CometVerificationError(
            f"header {header.height} lacks precommits of 2/3 of the trusted voting power "
            f"({signed_power} of {total})"
        )
    return header
