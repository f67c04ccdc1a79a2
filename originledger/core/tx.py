"""The transaction envelope, its decoding and its stateless checks.

Wire form (canonical msgpack)::

    SignedTx { body: bytes, signatures: [bytes] }
    TxBody   { chain_id, client_id, expires_at_ms, signers: [public key], messages, memo }

Each signature is an Ed25519 signature over ``tagged_hash(b"origin/tx", body)`` by the
signer at the same position. The transaction's hash is ``sha256(body)``: it names the
transaction whoever submits it, and is the key under which resubmission is idempotent.
``client_id`` lets one signer send two otherwise identical transactions on purpose.

Every message is a tagged struct (``{"type": "assets/transfer", ...}``). The messages of
one transaction apply atomically: all of them, or none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Union

import msgspec

from originledger.core.address import Address, account_address
from originledger.core.codec import (
    CodecError,
    TypedDecoder,
    decode,
    encode,
    to_builtins,
)
from originledger.core.codes import ResultCode, TxCode, TxResult
from originledger.core.crypto import PUBLIC_KEY_BYTES, SIGNATURE_BYTES, sha256, tagged_hash
from originledger.core.limits import (
    CHAIN_ID_BYTES_MAX,
    MEMO_BYTES_MAX,
    MESSAGES_PER_TX_MAX,
    SIGNERS_PER_TX_MAX,
    TX_BYTES_MAX,
)

__all__ = [
    "SPENT_CHUNK_HASHES",
    "SPENT_PREFIX",
    "SPENT_PRUNE_MAX",
    "Failure",
    "Msg",
    "SignedTx",
    "Tx",
    "TxBody",
    "TxDecoder",
    "signing_digest",
    "spent_key",
    "spent_records",
    "split_spent_record",
]

TX_SIGNING_TAG = b"origin/tx"

# Replay protection in authenticated state. Each block writes the hashes its transactions
# spent (``TxResult.spends_hash``) as records ``tx/spent/<expires: 8 bytes><height: 8 bytes>
# <chunk: 2 bytes>`` (big-endian) -> the hashes (32 bytes each, concatenated), at most
# ``SPENT_CHUNK_HASHES`` a record, ordered by expiry; ``expires`` is the latest expiry in
# the record. Once a block's time reaches ``expires`` every transaction in the record has
# expired, so no copy of one can commit again, and the end of the block deletes the
# record (at most ``SPENT_PRUNE_MAX`` records a block; the rest go at the next). Ordering
# by expiry makes that one range read. A few records per block keep the cost of replay
# protection in the state tree per block rather than per transaction; nodes look hashes
# up in an index of these records that the store keeps beside them.
SPENT_PREFIX = b"tx/spent/"
SPENT_CHUNK_HASHES = 2_000
SPENT_PRUNE_MAX = 1_000
_HASH_BYTES = 32


def spent_key(expires_at_ms: int, height: int, chunk: int) -> bytes:
    return (
        SPENT_PREFIX
        + expires_at_ms.to_bytes(8, "big")
        + height.to_bytes(8, "big")
        + chunk.to_bytes(2, "big")
    )


def spent_records(height: int, spent: Sequence[tuple[int, bytes]]) -> dict[bytes, bytes]:
    """The records of the hashes a block spent, given ``(expires_at_ms, hash)`` in block
    order: sorted by expiry (stably), in chunks of ``SPENT_CHUNK_HASHES``."""
    ordered = sorted(spent, key=lambda entry: entry[0])
    records: dict[bytes, bytes] = {}
    for chunk, start in enumerate(range(0, len(ordered), SPENT_CHUNK_HASHES)):
        part = ordered[start : start + SPENT_CHUNK_HASHES]
        records[spent_key(part[-1][0], height, chunk)] = b"".join(h for _, h in part)
    return records


def split_spent_record(value: bytes) -> list[bytes]:
    """The hashes of a ``tx/spent/`` record."""
    return [value[i : i + _HASH_BYTES] for i in range(0, len(value), _HASH_BYTES)]


class Failure(msgspec.Struct, frozen=True, gc=False):
    """An expected failure: a module's result code and an optional detail for people."""

    code: ResultCode
    detail: str = ""


class Msg(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type", gc=False):
    """Base of every message. Subclasses set ``tag="module/name"``.

    ``gc=False`` (here and on the other structs decoded from bytes): such values are trees,
    never cycles, so the cycle collector need not track them; a node holds hundreds of
    thousands of them in its mempool, and scanning them cost it about a tenth of its time.

    ``required_signers`` names the accounts that must authorize the message; ``validate``
    runs the stateless checks (no state, no context) and returns the first failure.
    """

    def required_signers(self) -> tuple[Address, ...]:
        return ()

    def validate(self) -> Failure | None:
        return None


PublicKey = Annotated[bytes, msgspec.Meta(min_length=PUBLIC_KEY_BYTES, max_length=PUBLIC_KEY_BYTES)]
Signature = Annotated[bytes, msgspec.Meta(min_length=SIGNATURE_BYTES, max_length=SIGNATURE_BYTES)]
# msgspec cannot check an upper bound beyond int64, and needs none: a MessagePack integer
# never exceeds 2**64 - 1, so ``ge=0`` alone bounds the field to uint64.
Uint64 = Annotated[int, msgspec.Meta(ge=0)]


class TxBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    chain_id: Annotated[str, msgspec.Meta(max_length=CHAIN_ID_BYTES_MAX)]
    client_id: Uint64
    expires_at_ms: Uint64
    signers: list[PublicKey]
    messages: list[msgspec.Raw]
    memo: str = ""


class SignedTx(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    body: bytes
    signatures: list[Signature]


class _Tagged(msgspec.Struct):
    type: str


def signing_digest(body: bytes) -> bytes:
    """What each signer signs: a domain-tagged hash of the body bytes."""
    return tagged_hash(TX_SIGNING_TAG, body)


class Tx(msgspec.Struct, frozen=True, gc=False):
    """A transaction that passed its stateless checks (signatures are checked apart).

    A struct rather than a frozen dataclass: one is built per transaction admitted, and a
    frozen dataclass sets each field through ``object.__setattr__``."""

    hash: bytes
    raw: bytes
    body_bytes: bytes
    body: TxBody
    messages: tuple[Msg, ...]
    signatures: tuple[bytes, ...]
    signer_addresses: tuple[Address, ...]

    @property
    def signers(self) -> list[bytes]:
        return self.body.signers

    def signing_digest(self) -> bytes:
        return signing_digest(self.body_bytes)


class TxDecoder:
    """Decodes transactions for one set of message types, with the stateless checks."""

    def __init__(self, message_types: Iterable[type[Msg]]) -> None:
        types = tuple(message_types)
        self.message_types = types
        self.tags = frozenset(_tag_of(kind) for kind in types)
        union: Any = Union[types] if types else None  # noqa: UP007
        self._messages: TypedDecoder[Msg] = TypedDecoder(union)
        self._envelopes: TypedDecoder[SignedTx] = TypedDecoder(SignedTx)
        self._bodies: TypedDecoder[TxBody] = TypedDecoder(TxBody)

    def decode_message(self, raw: bytes) -> Msg:
        """Decode one canonical message; raise ``CodecError`` if it is not one."""
        return self._messages.decode_canonical(raw)

    def describe(self, raw: bytes) -> dict[str, Any] | None:
        """A signed transaction's fields as plain data (the ``tx`` of a receipt, which a
        verifying client derives again from the raw bytes); None when it does not decode."""
        try:
            envelope = decode(raw, SignedTx)
            body = decode(envelope.body, TxBody)
            messages = [to_builtins(self.decode_message(bytes(m))) for m in body.messages]
        except CodecError:
            return None
        return {
            "chain_id": body.chain_id,
            "client_id": body.client_id,
            "expires_at_ms": body.expires_at_ms,
            "signers": [key.hex() for key in body.signers],
            "messages": messages,
            "memo": body.memo,
        }

    def decode(self, raw: bytes, chain_id: str) -> Tx | TxResult:
        """Decode and check ``raw``; the first failing check, in ``TxCode`` order, wins."""
        if len(raw) > TX_BYTES_MAX:
            return TxResult.failure(TxCode.TOO_LARGE, f"{len(raw)} bytes > {TX_BYTES_MAX}")
        try:
            envelope = self._envelopes.decode_canonical(raw)
            body = self._bodies.decode_canonical(envelope.body)
        except CodecError as error:
            return TxResult.failure(TxCode.MALFORMED, str(error))
        if body.chain_id != chain_id:
            return TxResult.failure(TxCode.WRONG_CHAIN, f"expected {chain_id!r}")
        if not body.messages:
            return TxResult.failure(TxCode.NO_MESSAGES)
        if len(body.messages) > MESSAGES_PER_TX_MAX:
            return TxResult.failure(TxCode.TOO_MANY_MESSAGES, f"limit {MESSAGES_PER_TX_MAX}")
        messages: list[Msg] = []
        decode_message = self._messages.decode_canonical
        for index, message_raw in enumerate(body.messages):
            message_bytes = bytes(message_raw)
            try:
                messages.append(decode_message(message_bytes))
            except CodecError as error:
                return self._message_failure(message_bytes, index, error)
        if not body.signers:
            return TxResult.failure(TxCode.NO_SIGNERS)
        if len(body.signers) > SIGNERS_PER_TX_MAX:
            return TxResult.failure(TxCode.TOO_MANY_SIGNERS, f"limit {SIGNERS_PER_TX_MAX}")
        if len(set(body.signers)) != len(body.signers):
            return TxResult.failure(TxCode.DUPLICATE_SIGNER)
        if len(envelope.signatures) != len(body.signers):
            return TxResult.failure(TxCode.SIGNATURE_COUNT)
        if len(body.memo.encode()) > MEMO_BYTES_MAX:
            return TxResult.failure(TxCode.MEMO_TOO_LONG, f"limit {MEMO_BYTES_MAX} bytes")
        return Tx(
            hash=sha256(envelope.body),
            raw=raw,
            body_bytes=envelope.body,
            body=body,
            messages=tuple(messages),
            signatures=tuple(envelope.signatures),
            signer_addresses=tuple(map(account_address, body.signers)),
        )

    def decode_checked(self, raw: bytes) -> Tx:
        """``decode``'s transaction for bytes that ``decode`` already accepted elsewhere,
        under the same chain id (the node's own API worker processes: ``server/ingress.py``).
        It skips what that check established: the canonical form (no re-encoding) and the
        limits (size, chain, counts, memo); it still decodes with every type constraint.
        Raises ``CodecError`` on bytes that do not decode at all. Never for bytes of any
        other origin: a non-canonical encoding or a transaction over the limits would pass.
        """
        envelope = self._envelopes.decode(raw)
        body = self._bodies.decode(envelope.body)
        decode_message = self._messages.decode
        return Tx(
            hash=sha256(envelope.body),
            raw=raw,
            body_bytes=envelope.body,
            body=body,
            messages=tuple([decode_message(bytes(message)) for message in body.messages]),
            signatures=tuple(envelope.signatures),
            signer_addresses=tuple(map(account_address, body.signers)),
        )

    def _message_failure(self, raw: bytes, index: int, error: CodecError) -> TxResult:
        """Why a message did not decode: an unknown type, or a malformed known one."""
        try:
            tag = decode(raw, _Tagged).type
        except CodecError:
            return TxResult.failure(TxCode.MALFORMED, f"message {index}: {error}", index)
        if tag not in self.tags:
            return TxResult.failure(TxCode.UNKNOWN_MESSAGE, repr(tag)[:80], index)
        return TxResult.failure(TxCode.MALFORMED, f"message {index}: {error}", index)


def _tag_of(kind: type[Msg]) -> str:
    tag = kind.__struct_config__.tag
    if not isinstance(tag, str):
        raise TypeError(f"message type {kind.__name__} needs a string tag")
    return tag


def build_body(
    *,
    chain_id: str,
    client_id: int,
    expires_at_ms: int,
    signers: Sequence[bytes],
    messages: Sequence[Msg],
    memo: str = "",
) -> bytes:
    """The canonical body bytes for these fields (what the SDK signs)."""
    body = TxBody(
        chain_id=chain_id,
        client_id=client_id,
        expires_at_ms=expires_at_ms,
        signers=list(signers),
        messages=[msgspec.Raw(encode(message)) for message in messages],
        memo=memo,
    )
    return encode(body)


def build_signed(body: bytes, signatures: Sequence[bytes]) -> bytes:
    return encode(SignedTx(body=body, signatures=list(signatures)))


__all__ += ["build_body", "build_signed"]
