"""A fixed test vector for the transaction signing digest (issue #11).

What a signer signs is ``tagged_hash(b"origin/tx", body)`` = ``SHA-256(b"origin/tx" ||
0x00 || body)`` over the canonical MessagePack bytes of the body (core/tx.py,
core/codec.py). The vector below fixes one body: if the encoding or the digest ever
changes, every signature made by every wallet changes with it, so this test must fail.

The body, written out byte by byte in MessagePack (fields in declaration order, the
message tag ``type`` first, amounts as 16 big-endian bytes, addresses as 20 raw bytes,
public keys as 32 raw bytes, byte strings as ``bin 8``, integers in their shortest form)::

    86                                   map of 6
      a8 "chain_id"        ab "origin-test"
      a9 "client_id"       07
      ad "expires_at_ms"   cf 0000018bcfe65260            (uint64 1_700_000_060_000)
      a7 "signers"         91 c4 20 000102...1f           (array of 1: bin 8, 32 bytes)
      a8 "messages"        91 85                          (array of 1: map of 5)
           a4 "type"       af "assets/transfer"
           a6 "sender"     c4 14 11 x 20
           a9 "recipient"  c4 14 22 x 20
           a6 "symbol"     a3 "USD"
           a6 "amount"     c4 10 00..003039               (12345 in 16 bytes)
      a4 "memo"            a0                             (the empty string)

The expected digest was computed once from ``build_body`` and ``signing_digest`` and is
checked here against an independent re-computation: the bytes above assembled by hand
and hashed with ``hashlib``.
"""

from __future__ import annotations

import hashlib

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.tx import TX_SIGNING_TAG, build_body, signing_digest
from originledger.modules.assets.types import Transfer

EXPECTED_DIGEST = "ceea2630934b2215817ec203a3f4d9c700a0fdfd333f18223701fe6c11927a38"
EXPECTED_BODY_BYTES = 234

SENDER = bytes([0x11]) * 20
RECIPIENT = bytes([0x22]) * 20
SIGNER = bytes(range(32))


def _fixstr(text: str) -> bytes:
    data = text.encode()
    assert len(data) < 32
    return bytes([0xA0 | len(data)]) + data


def _bin8(data: bytes) -> bytes:
    assert len(data) < 256
    return b"\xc4" + bytes([len(data)]) + data


def _hand_encoded_body() -> bytes:
    transfer = (
        b"\x85"
        + _fixstr("type")
        + _fixstr("assets/transfer")
        + _fixstr("sender")
        + _bin8(SENDER)
        + _fixstr("recipient")
        + _bin8(RECIPIENT)
        + _fixstr("symbol")
        + _fixstr("USD")
        + _fixstr("amount")
        + _bin8((12345).to_bytes(16, "big"))
    )
    return (
        b"\x86"
        + _fixstr("chain_id")
        + _fixstr("origin-test")
        + _fixstr("client_id")
        + b"\x07"
        + _fixstr("expires_at_ms")
        + b"\xcf"
        + (1_700_000_060_000).to_bytes(8, "big")
        + _fixstr("signers")
        + b"\x91"
        + _bin8(SIGNER)
        + _fixstr("messages")
        + b"\x91"
        + transfer
        + _fixstr("memo")
        + _fixstr("")
    )


def _built_body() -> bytes:
    message = Transfer(Address(SENDER), Address(RECIPIENT), "USD", Amount(12345))
    return build_body(
        chain_id="origin-test",
        client_id=7,
        expires_at_ms=1_700_000_060_000,
        signers=[SIGNER],
        messages=[message],
    )


def test_signing_digest_of_a_fixed_body_is_the_vector() -> None:
    body = _built_body()
    assert len(body) == EXPECTED_BODY_BYTES
    assert signing_digest(body).hex() == EXPECTED_DIGEST


def test_signing_digest_vector_recomputed_from_the_documented_encoding() -> None:
    body = _hand_encoded_body()
    assert body == _built_body()
    assert TX_SIGNING_TAG == b"origin/tx"
    digest = hashlib.sha256(b"origin/tx" + b"\x00" + body).hexdigest()
    assert digest == EXPECTED_DIGEST
