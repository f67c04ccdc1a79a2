"""Building and signing transactions."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import msgspec
import nacl.utils

from originledger.core.crypto import sha256
from originledger.core.tx import Msg, build_body, build_signed, signing_digest
from originledger.keystore import Key

__all__ = [
    "DEFAULT_TTL_MS",
    "SignedTransaction",
    "TxBuilder",
    "assemble_transaction",
    "local_clock_ms",
    "sign_transaction_body",
]

DEFAULT_TTL_MS = 10 * 60 * 1000


class SignedTransaction(msgspec.Struct, frozen=True):
    """Signed bytes ready to submit, and the hash the ledger will know them by."""

    raw: bytes
    hash: bytes

    @property
    def hash_hex(self) -> str:
        return self.hash.hex()


def local_clock_ms() -> int:
    """This machine's clock, in milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


class TxBuilder:
    """Builds transactions for one chain. ``client_id`` defaults to a random 64-bit number,
    so two identical payments are two transactions; pass one to make resubmission
    idempotent across processes.

    A transaction expires ``ttl_ms`` after ``clock()``, and the node refuses one whose
    expiry has passed or lies more than a day ahead of its own clock. ``clock`` is this
    machine's by default; ``Client.tx_builder()`` gives a builder on the node's clock, so
    that a client whose clock is off still builds transactions the node accepts."""

    def __init__(
        self,
        chain_id: str,
        *,
        ttl_ms: int = DEFAULT_TTL_MS,
        clock: Callable[[], int] = local_clock_ms,
    ) -> None:
        self.chain_id = chain_id
        self.ttl_ms = ttl_ms
        self.clock = clock

    def build_body(
        self,
        messages: Sequence[Msg],
        signer_public_keys: Sequence[bytes],
        *,
        client_id: int | None = None,
        expires_at_ms: int | None = None,
        memo: str = "",
    ) -> bytes:
        """The body to be signed by several people apart (the members of a multisig
        account): each calls ``sign_transaction_body`` with their key, and anyone then
        ``assemble_transaction``s the signatures in the order of ``signer_public_keys``."""
        if not signer_public_keys:
            raise ValueError("a transaction needs at least one signer")
        if client_id is None:
            client_id = int.from_bytes(nacl.utils.random(8), "big")
        if expires_at_ms is None:
            expires_at_ms = self.clock() + self.ttl_ms
        return build_body(
            chain_id=self.chain_id,
            client_id=client_id,
            expires_at_ms=expires_at_ms,
            signers=list(signer_public_keys),
            messages=messages,
            memo=memo,
        )

    def build(
        self,
        messages: Sequence[Msg],
        signers: Sequence[Key],
        *,
        client_id: int | None = None,
        expires_at_ms: int | None = None,
        memo: str = "",
    ) -> SignedTransaction:
        if not signers:
            raise ValueError("a transaction needs at least one signer")
        if client_id is None:
            client_id = int.from_bytes(nacl.utils.random(8), "big")
        if expires_at_ms is None:
            expires_at_ms = self.clock() + self.ttl_ms
        body = build_body(
            chain_id=self.chain_id,
            client_id=client_id,
            expires_at_ms=expires_at_ms,
            signers=[key.public_key for key in signers],
            messages=messages,
            memo=memo,
        )
        digest = signing_digest(body)
        raw = build_signed(body, [key.sign(digest) for key in signers])
        return SignedTransaction(raw, sha256(body))


def sign_transaction_body(key: Key, body: bytes) -> bytes:
    """One signer's signature of a transaction body (what ``TxBuilder.build_body`` gives)."""
    return key.sign(signing_digest(body))


def assemble_transaction(body: bytes, signatures: Sequence[bytes]) -> SignedTransaction:
    """The signed transaction: ``signatures`` in the order of the body's signers."""
    return SignedTransaction(build_signed(body, list(signatures)), sha256(body))
