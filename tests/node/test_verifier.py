"""The node's signature verifier: worker processes for large batches, in-process for small."""

from __future__ import annotations

import pytest

from originledger.core.crypto import SigningKey, sha256
from originledger.node.verifier import ParallelVerifier


def _checks(count: int) -> tuple[list[tuple[bytes, bytes, bytes]], list[bool]]:
    """``count`` checks; every 7th has a wrong signature, every 11th a truncated one."""
    checks, expected = [], []
    for index in range(count):
        key = SigningKey.from_seed(sha256(b"verifier test %d" % index))
        digest = sha256(b"message %d" % index)
        signature = key.sign(digest)
        good = True
        if index % 7 == 3:
            signature = key.sign(sha256(b"another message"))
            good = False
        elif index % 11 == 5:
            signature = signature[:40]
            good = False
        checks.append((key.public_key, digest, signature))
        expected.append(good)
    return checks, expected


@pytest.mark.parametrize("count", [0, 1, 127, 128, 1_000])
def test_verify_batch_in_order(count: int) -> None:
    checks, expected = _checks(count)
    verifier = ParallelVerifier(2)
    try:
        assert verifier(checks) == expected
    finally:
        verifier.close()


def test_verify_large_batch_of_valid_signatures_uses_workers() -> None:
    checks = [
        (key.public_key, digest, key.sign(digest))
        for key, digest in (
            (SigningKey.from_seed(sha256(b"w%d" % i)), sha256(b"d%d" % i)) for i in range(512)
        )
    ]
    verifier = ParallelVerifier(2)
    try:
        assert verifier(checks) == [True] * 512
        assert verifier._pool is not None  # the batch went to the worker processes
        # a single check stays in the calling process
        assert verifier(checks[:1]) == [True]
    finally:
        verifier.close()
    assert verifier._pool is None
