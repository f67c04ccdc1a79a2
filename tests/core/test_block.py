"""Block headers: hashing and the check of validator signatures by voting power."""

from __future__ import annotations

import pytest

from originledger.core.block import (
    BlockHeader,
    CommitSignature,
    SignedHeader,
    header_hash,
    header_signing_digest,
    verify_signed_header,
)
from originledger.core.codec import decode_canonical, encode
from originledger.core.crypto import sha256, tagged_hash
from tests.conftest import key_for

VALIDATORS = [key_for(f"validator-{index}") for index in range(4)]
POWERS = {key.public_key: 1 for key in VALIDATORS}


def header(height: int = 1) -> BlockHeader:
    return BlockHeader(
        chain_id="origin-test",
        height=height,
        time_ms=1_000,
        previous_hash=bytes(32),
        tx_root=sha256(b"txs"),
        results_root=sha256(b"results"),
        state_root=sha256(b"state"),
        tx_count=0,
        proposer=VALIDATORS[0].public_key,
    )


def signed_by(indexes: list[int], signed_header: BlockHeader | None = None) -> SignedHeader:
    target = signed_header or header()
    digest = header_signing_digest(target)
    return SignedHeader(
        target,
        [CommitSignature(VALIDATORS[i].public_key, VALIDATORS[i].sign(digest)) for i in indexes],
    )


def test_header_hash_is_sha256_of_canonical_bytes() -> None:
    assert header_hash(header()) == sha256(encode(header()))
    assert header_hash(header(1)) != header_hash(header(2))
    assert decode_canonical(encode(header()), BlockHeader) == header()


def test_header_signing_digest_is_domain_tagged() -> None:
    digest = header_signing_digest(header())
    assert digest == tagged_hash(b"origin/header", encode(header()))
    assert digest != header_hash(header())


def test_verify_signed_header_single_validator() -> None:
    powers = {VALIDATORS[0].public_key: 1}
    assert verify_signed_header(signed_by([0]), powers)
    assert not verify_signed_header(signed_by([]), powers)
    assert not verify_signed_header(signed_by([1]), powers)


@pytest.mark.parametrize(
    ("signers", "accepted"),
    [([0, 1, 2, 3], True), ([0, 1, 3], True), ([0, 1], False), ([2], False)],
)
def test_verify_signed_header_more_than_two_thirds(signers: list[int], accepted: bool) -> None:
    assert verify_signed_header(signed_by(signers), POWERS) is accepted


def test_verify_signed_header_by_power_not_count() -> None:
    powers = {VALIDATORS[0].public_key: 7, **{key.public_key: 1 for key in VALIDATORS[1:]}}
    assert verify_signed_header(signed_by([0]), powers)  # 7 of 10
    assert not verify_signed_header(signed_by([1, 2, 3]), powers)  # 3 of 10


def test_invalid_signed_header_repeated_signature_counts_once() -> None:
    signed = signed_by([0, 0, 0, 0])
    assert not verify_signed_header(signed, POWERS)


def test_invalid_signed_header_unknown_or_bad_signatures_ignored() -> None:
    outsider = key_for("outsider")
    digest = header_signing_digest(header())
    signatures = [
        CommitSignature(outsider.public_key, outsider.sign(digest)),
        CommitSignature(VALIDATORS[1].public_key, VALIDATORS[2].sign(digest)),
        CommitSignature(VALIDATORS[2].public_key, bytes(64)),
        CommitSignature(VALIDATORS[3].public_key, b"short"),
    ]
    partial = signed_by([0, 1])
    signed = SignedHeader(partial.header, [*partial.signatures, *signatures])
    assert not verify_signed_header(signed, POWERS)  # still 2 of 4


def test_invalid_signed_header_other_header() -> None:
    signatures = signed_by([0, 1, 2, 3]).signatures
    assert not verify_signed_header(SignedHeader(header(2), signatures), POWERS)


def test_invalid_signed_header_no_power() -> None:
    assert not verify_signed_header(signed_by([0]), {})
    assert not verify_signed_header(signed_by([0]), {VALIDATORS[0].public_key: 0})
