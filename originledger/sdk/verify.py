"""Offline verification of what a node answers: a light client.

Trust starts from a genesis document the *user* holds (or its SHA-256, pinned), never from
the node being checked. Its validators sign the first headers; after that the client
follows the validator set as the validators module changes it (docs/verification.md):

- A header at height H is accepted when validators holding more than 2/3 of the voting
  power of *the set in effect at H* signed it (embedded: Origin's header signature; network:
  CometBFT's precommits). Block ``initial_height``'s ``previous_hash`` must be the pinned
  genesis hash.
- The set in effect at H: a change made in block C takes effect at C + 1 in embedded mode
  and at C + 2 in network mode (CometBFT's rule). The client learns changes from proven
  data only: the ``validators/set`` record proven under a trusted header's state root, or
  the ``validators/power_changed`` events of a verified receipt.
- The client knows the set for every height up to its *anchor* (the last height whose
  state proved the set) plus the delay. Beyond it, it assumes the set is unchanged
  (skipping verification) only while the anchor header is younger than the *trusting
  period*: a set that left long ago may sign anything, as in CometBFT's light client.

A state proof is accepted when it is for the key asked for and leads to a trusted
header's state root; a receipt when its raw transaction hashes to the proven leaf's
transaction hash and every field shown (transaction, result, position, events) is
derived from, or equal to, proven bytes.

Which header depends on the node's driver, and the answer says which it carries:
``signed_header`` (embedded mode: Origin's header signed by its validator) or
``cometbft_signed_header`` / ``cometbft_proof`` (network mode: CometBFT's header and
commit, checked by ``originledger.comet.headers``; the state root after block H is the
app hash of header H + 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from originledger.comet.headers import CometHeader, CometVerificationError
from originledger.comet.headers import verify_signed_header as verify_comet_signed_header
from originledger.comet.results import exec_result_bytes
from originledger.core.block import Genesis, ResultLeaf, SignedHeader, verify_signed_header
from originledger.core.catalogue import Catalogue
from originledger.core.codec import CodecError, decode, encode, from_json, to_builtins, to_json
from originledger.core.crypto import sha256, verify_signature
from originledger.core.merkle import list_root_from_proof, verify_list_inclusion
from originledger.core.state_proof import StateProof, verify_state_proof
from originledger.core.tx import SignedTx, signing_digest
from originledger.modules.catalogue import default_catalogue
from originledger.modules.validators.types import ValidatorPowerChanged, ValidatorSet

__all__ = [
    "COMETBFT_SET_DELAY",
    "DEFAULT_TRUSTING_PERIOD_MS",
    "EMBEDDED_SET_DELAY",
    "TrustedValidators",
    "VerificationError",
    "VerifiedReceipt",
    "describe_tx",
    "genesis_hash",
    "verify_proven_value",
    "verify_proven_value_cometbft",
    "verify_receipt",
]

# A change of the validator set made in block C signs headers from C + delay on.
EMBEDDED_SET_DELAY = 1
COMETBFT_SET_DELAY = 2
# How long a proven validator set is trusted to be the current one without a newer proof
# (CometBFT's default light client trusting period is one week to a few; Origin has no
# unbonding, so this is the window in which a departed validator is assumed honest).
DEFAULT_TRUSTING_PERIOD_MS = 14 * 24 * 3600 * 1000


class VerificationError(ValueError):
    """What the node answered does not verify: do not trust it."""


def genesis_hash(genesis_raw: bytes) -> bytes:
    """The hash a chain's first block links to: SHA-256 of the genesis file's exact bytes."""
    return sha256(genesis_raw)


class TrustedValidators:
    """A light client's trust: the chain, its pinned genesis, and the validator sets it has
    proven, by the first height each signs (``epochs``).

    ``anchor_height``/``anchor_time_ms``: the latest height whose state proved the set (the
    genesis at ``initial_height - 1``) and that header's time. ``clock`` gives the current
    time in milliseconds (the wall clock by default; tests pass their own).
    """

    def __init__(
        self,
        chain_id: str,
        powers: Mapping[bytes, int],
        *,
        genesis_hash: bytes | None = None,
        genesis_time_ms: int = 0,
        initial_height: int = 1,
        trusting_period_ms: int = DEFAULT_TRUSTING_PERIOD_MS,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.genesis_hash = genesis_hash
        self.initial_height = initial_height
        self.epochs: list[tuple[int, dict[bytes, int]]] = [(initial_height, dict(powers))]
        self.anchor_height = initial_height - 1
        self.anchor_time_ms = genesis_time_ms
        self.trusting_period_ms = trusting_period_ms
        self.clock = clock or (lambda: time.time_ns() // 1_000_000)
        # True while a client follows the set's changes in block order (sequential mode):
        # the set derived so far is the set in effect, with no trusting period to check.
        self.sequential = False

    @classmethod
    def from_genesis(
        cls, genesis_raw: bytes, *, expected_hash: bytes | None = None, **options: Any
    ) -> TrustedValidators:
        """Trust a genesis document; with ``expected_hash`` (pinned), only that document."""
        digest = genesis_hash(genesis_raw)
        if expected_hash is not None and digest != expected_hash:
            raise VerificationError(
                f"the genesis has hash {digest.hex()}, not the pinned {expected_hash.hex()}: "
                "it is another chain"
            )
        try:
            genesis = from_json(genesis_raw, Genesis)
        except CodecError as error:
            raise VerificationError(f"not a genesis document: {error}") from error
        return cls(
            genesis.chain_id,
            {v.public_key: v.power for v in genesis.validators if v.power > 0},
            genesis_hash=digest,
            genesis_time_ms=genesis.genesis_time_ms,
            initial_height=genesis.initial_height,
            **options,
        )

    # -- the set in effect --------------------------------------------------------------

    @property
    def powers(self) -> dict[bytes, int]:
        """The latest validator set the client knows of."""
        return self.epochs[-1][1]

    def _epoch_at(self, height: int) -> dict[bytes, int]:
        chosen = self.epochs[0][1]
        for first, powers in self.epochs:
            if first <= height:
                chosen = powers
        return chosen

    def powers_at(self, height: int, delay: int) -> dict[bytes, int]:
        """The set that signs ``height``; beyond what was proven, only within the trusting
        period (raises ``VerificationError`` otherwise)."""
        if height < self.initial_height:
            raise VerificationError(f"height {height} is before the chain's first block")
        if height > self.anchor_height + delay and not self.sequential:
            age_ms = self.clock() - self.anchor_time_ms
            if age_ms > self.trusting_period_ms:
                raise VerificationError(
                    f"the validator set was last proven at height {self.anchor_height}, "
                    f"{age_ms // 1000} s ago: beyond the trusting period "
                    f"({self.trusting_period_ms // 1000} s), a header at height {height} "
                    "cannot be trusted from it (start from a recent trusted state)"
                )
        return self._epoch_at(height)

    def _set_epoch(self, first: int, powers: dict[bytes, int]) -> None:
        kept = [(height, set_) for height, set_ in self.epochs if height != first]
        kept.append((first, powers))
        kept.sort(key=lambda item: item[0])
        self.epochs = kept

    def learn_set(
        self, state_height: int, powers: Mapping[bytes, int], header_time_ms: int, delay: int
    ) -> None:
        """The ``validators/set`` record, proven in the state after block ``state_height``
        (under a header the client checked), is the set from ``state_height + delay`` on."""
        cleaned = {key: power for key, power in powers.items() if power > 0}
        if not cleaned:
            raise VerificationError("the proven validator set has no voting power")
        self._set_epoch(state_height + delay, cleaned)
        if state_height > self.anchor_height:
            self.anchor_height, self.anchor_time_ms = state_height, header_time_ms

    def apply_changes(self, receipt: VerifiedReceipt, delay: int) -> bool:
        """Apply the ``validators/power_changed`` events of a verified receipt (block C):
        the changed set signs from C + delay on. True when it held any."""
        changes = [e for e in receipt.typed_events if isinstance(e, ValidatorPowerChanged)]
        if not changes or receipt.result.code != 0:
            return False
        first = receipt.height + delay
        powers = dict(self._epoch_at(first))
        for change in changes:
            if change.power > 0:
                powers[change.public_key] = change.power
            else:
                powers.pop(change.public_key, None)
        if not powers:
            raise VerificationError("the proven changes leave no voting power")
        self._set_epoch(first, powers)
        return True

    # -- headers ------------------------------------------------------------------------

    def check_header(self, signed: SignedHeader) -> None:
        """An embedded-mode header: signed by more than 2/3 of the set in effect."""
        header = signed.header
        if header.chain_id != self.chain_id:
            raise VerificationError(f"header is for chain {header.chain_id!r}")
        if (
            header.height == self.initial_height
            and self.genesis_hash is not None
            and header.previous_hash != self.genesis_hash
        ):
            raise VerificationError(
                f"block {header.height} does not follow the pinned genesis "
                f"{self.genesis_hash.hex()}"
            )
        powers = self.powers_at(header.height, EMBEDDED_SET_DELAY)
        if not verify_signed_header(signed, powers):
            raise VerificationError(
                f"header {header.height} lacks signatures of 2/3 of the validators"
            )

    def check_comet(self, signed_header: Mapping[str, Any]) -> CometHeader:
        """A network-mode header (CometBFT's header and commit) signed by more than 2/3 of
        the set in effect at its height."""
        try:
            height = int(signed_header["header"]["height"])
        except (KeyError, TypeError, ValueError) as error:
            raise VerificationError(f"malformed signed header: {error!r}") from error
        powers = self.powers_at(height, COMETBFT_SET_DELAY)
        try:
            return verify_comet_signed_header(self.chain_id, powers, signed_header)
        except CometVerificationError as error:
            raise VerificationError(str(error)) from error

    # -- persistence --------------------------------------------------------------------

    def export(self) -> dict[str, Any]:
        """The trust state as JSON-ready data (to resume from later, see ``restore``)."""
        return {
            "chain_id": self.chain_id,
            "genesis_hash": (self.genesis_hash or b"").hex(),
            "initial_height": self.initial_height,
            "anchor_height": self.anchor_height,
            "anchor_time_ms": self.anchor_time_ms,
            "epochs": [
                {"first_height": first, "validators": {k.hex(): p for k, p in powers.items()}}
                for first, powers in self.epochs
            ],
        }

    def restore(self, saved: Mapping[str, Any]) -> None:
        """Resume from ``export()`` data of the same chain and genesis (ignored otherwise)."""
        try:
            if saved["chain_id"] != self.chain_id or bytes.fromhex(saved["genesis_hash"]) != (
                self.genesis_hash or b""
            ):
                return
            epochs = [
                (
                    int(item["first_height"]),
                    {bytes.fromhex(k): int(p) for k, p in item["validators"].items()},
                )
                for item in saved["epochs"]
            ]
            anchor_height, anchor_time = int(saved["anchor_height"]), int(saved["anchor_time_ms"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return
        if epochs and anchor_height >= self.anchor_height:
            self.epochs = sorted(epochs, key=lambda item: item[0])
            self.anchor_height, self.anchor_time_ms = anchor_height, anchor_time


# -- state proofs ---------------------------------------------------------------------


def _check_key(proof: StateProof, key: bytes | None) -> None:
    if key is not None and proof.key != key:
        raise VerificationError(
            f"the proof is for key {proof.key!r}, not for the key asked for ({key!r})"
        )


def verify_proven_value_cometbft(
    trusted: TrustedValidators,
    proof: StateProof,
    height: int,
    signed_header: dict[str, Any],
    *,
    key: bytes | None,
) -> bytes | None:
    """Check a state proof of ``key`` at ``height`` against CometBFT's signed header
    ``height + 1`` (its app hash is the state root after ``height``); returns the proven
    value. ``key=None`` accepts a proof of any key (the caller then keys by ``proof.key``)."""
    _check_key(proof, key)
    header = trusted.check_comet(signed_header)
    if header.height != height + 1:
        raise VerificationError("the proof is not for the block before this header")
    if not verify_state_proof(header.app_hash, proof):
        raise VerificationError(f"the proof of key {proof.key!r} does not lead to the app hash")
    return proof.value


def verify_proven_value(
    trusted: TrustedValidators,
    proof: StateProof,
    height: int,
    signed_header: SignedHeader,
    *,
    key: bytes | None,
) -> bytes | None:
    """Check a state proof of ``key`` against a signed header; returns the proven value
    (or None, proven absent). ``key=None`` accepts a proof of any key (the caller then keys
    by ``proof.key``)."""
    _check_key(proof, key)
    trusted.check_header(signed_header)
    if signed_header.header.height != height:
        raise VerificationError("the proof and the header are for different heights")
    if not verify_state_proof(signed_header.header.state_root, proof):
        raise VerificationError(f"the proof of key {proof.key!r} does not lead to the root")
    return proof.value


# -- receipts -------------------------------------------------------------------------


class VerifiedReceipt(msgspec.Struct, frozen=True):
    """What a receipt proves; every field comes from proven bytes.

    ``index``: the transaction's position in Origin's block (embedded mode), or the
    position of the CometBFT transaction that carried it (network mode, where
    ``batch_index`` is its position inside that CometBFT transaction's batch).
    ``tx``: the transaction decoded here from the raw bytes that hash to the proven hash
    (None when they do not decode as a valid transaction). ``events``: the events whose
    encoding hashes to the proven events hash.
    """

    hash: bytes
    height: int
    index: int
    result: ResultLeaf
    tx: dict[str, Any] | None = None
    events: list[dict[str, Any]] = []
    typed_events: list[Any] = []
    batch_index: int | None = None


def describe_tx(raw: bytes, registry: Catalogue) -> dict[str, Any] | None:
    """A transaction's fields, decoded here (the same shape as a receipt's ``tx``)."""
    return registry.tx_decoder.describe(raw)


def verify_receipt(
    trusted: TrustedValidators, receipt: dict[str, Any], registry: Catalogue | None = None
) -> VerifiedReceipt:
    """Verify a committed receipt (the JSON of ``GET /v1/txs/{hash}``) offline.

    Checks: the header is signed; the raw transaction hashes to the receipt's hash and is
    in the header's tx root at the proven index; the whole result leaf (code, codespace,
    message, message index, events hash) is in the results root at the same index; and the
    receipt's result, index, decoded transaction and events equal the proven ones.
    """
    registry = registry or default_catalogue()
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
    if _as_int(receipt.get("index")) != index:
        raise VerificationError("the receipt's index differs from the proven position")
    tx, typed, events = _check_fields(receipt, raw, leaf, header.height, index, registry)
    return VerifiedReceipt(tx_hash, header.height, index, leaf, tx, events, typed)


def _verify_cometbft_receipt(
    trusted: TrustedValidators, receipt: dict[str, Any], registry: Catalogue
) -> VerifiedReceipt:
    """Network mode: header H + 1 is signed by the validators; the result leaf is in the
    root of the leaves its CometBFT transaction carried (a batch, or itself alone), and the
    ``ExecTxResult`` holding that root is in H + 1's ``last_results_hash``. The leaf binds
    the transaction's hash, which the raw transaction must hash to.

    The position in Origin's block is not committed by CometBFT's header (only the
    CometBFT transaction's position and the position inside its batch are): the verified
    receipt carries those, and the node's ``index`` is checked only to be consistent
    with them (at least ``index + batch_index``: each CometBFT transaction carries one or
    more Origin transactions)."""
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
        height = int(receipt["height"])
    except (CodecError, KeyError, TypeError, ValueError) as error:
        raise VerificationError(f"malformed receipt: {error}") from error
    next_header = trusted.check_comet(next_signed)
    if next_header.height != height + 1:
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
    shown_index = _as_int(receipt.get("index"))
    if shown_index is None or shown_index < index + batch_index:
        raise VerificationError("the receipt's index contradicts the proven position")
    tx, typed, events = _check_fields(receipt, raw, leaf, height, shown_index, registry)
    return VerifiedReceipt(tx_hash, height, index, leaf, tx, events, typed, batch_index)


def _as_int(value: Any) -> int | None:
    return value if type(value) is int else None


def _check_fields(
    receipt: dict[str, Any],
    raw: bytes,
    leaf: ResultLeaf,
    height: int,
    index: int,
    registry: Catalogue,
) -> tuple[dict[str, Any] | None, list[Any], list[dict[str, Any]]]:
    """The receipt's result, transaction and events are the proven ones; returns the
    transaction decoded here and the proven events."""
    result = receipt.get("result")
    proven_result = {
        "codespace": leaf.codespace,
        "code": leaf.code,
        "message": leaf.message,
        "message_index": leaf.message_index,
    }
    if result != proven_result:
        raise VerificationError("the receipt's result differs from the proven one")
    tx = describe_tx(raw, registry)
    # A transaction that applied had valid signatures; one that failed may be in a block
    # with bad ones (its result says so), so only a success is held to them.
    if tx is not None and leaf.code == 0:
        envelope = decode(raw, SignedTx)
        digest = signing_digest(envelope.body)
        signers = [bytes.fromhex(key) for key in tx["signers"]]
        if len(signers) != len(envelope.signatures) or not all(
            verify_signature(key, digest, signature)
            for key, signature in zip(signers, envelope.signatures, strict=True)
        ):
            raise VerificationError("the transaction's signatures do not verify")
    if receipt.get("tx") != tx:
        raise VerificationError("the receipt's transaction differs from the proven bytes")
    shown = receipt.get("events")
    if not isinstance(shown, list):
        raise VerificationError("the receipt has no list of events")
    typed: list[Any] = []
    for event in shown:
        try:
            if event["height"] != height or event["tx_index"] != index:
                raise VerificationError("an event of the receipt is placed at another tx")
            data = {"type": event["type"], **event["data"]}
            typed.append(from_json(to_json(data), registry.event_union))
        except (CodecError, KeyError, TypeError) as error:
            raise VerificationError(f"the receipt's events do not decode: {error}") from error
    if sha256(encode(typed)) != leaf.events_hash:
        raise VerificationError("the receipt's events differ from the proven events")
    events = [to_builtins(event) for event in typed]
    return tx, typed, events


def decode_validator_set(value: bytes | None) -> dict[bytes, int]:
    """The powers of a proven ``validators/set`` record."""
    if value is None:
        raise VerificationError("the state holds no validator set")
    try:
        records = decode(value, ValidatorSet).validators
    except CodecError as error:
        raise VerificationError(f"the proven validator set does not decode: {error}") from error
    return {record.public_key: record.power for record in records}


__all__ += ["decode_validator_set"]
