"""The node's signature verifier: worker processes for large batches, in-process for small."""

from __future__ import annotations

import pytest

from originledger.core.crypto import SigningKey, sha256
from originledger.node.verifier import ParallelVerifier


def _checks(
    count: int, *, truncated: bool = False
) -> tuple[list[tuple[bytes, bytes, bytes]], list[bool]]:
    """``count`` checks; every 7th has a wrong signature, and with ``truncated`` every 11th
    a signature too short (which keeps the batch in-process)."""
    checks, expected = [], []
    for index in range(count):
        key = SigningKey.from_seed(sha256(b"verifier test %d" % index))
        digest = sha256(b"message %d" % index)
        signature = key.sign(digest)
        good = True
        if index % 7 == 3:
            signature = key.sign(sha256(b"another message"))
            good = False
        elif truncated and index % 11 == 5:
            signature = signature[:40]
            good = False
        checks.append((key.public_key, digest, signature))
        expected.append(good)
    return checks, expected


@pytest.mark.parametrize("truncated", [False, True])
@pytest.mark.parametrize("count", [0, 1, 127, 128, 1_000])
def test_verify_batch_in_order(count: int, truncated: bool) -> None:
    checks, expected = _checks(count, truncated=truncated)
    verifier = ParallelVerifier(2)
    try:
        assert verifier(checks) == expected
        # Workers run only for large batches of well-formed checks.
        assert len(verifier._all) == (2 if count >= 128 and not truncated else 0)
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
        assert len(verifier._all) == 2  # the batch went to the worker processes
        # a single check stays in the calling process
        assert verifier(checks[:1]) == [True]
    finally:
        verifier.close()
    assert verifier._all == []


# A retired worker's pipes are closed at once: collected later, a buffered write to the
# dead process failed as an unraisable BrokenPipeError (seen on CPython 3.14).
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_verify_survives_a_killed_worker() -> None:
    checks, expected = _checks(300)
    verifier = ParallelVerifier(2)
    try:
        assert verifier(checks) == expected
        victim = verifier._all[0].process
        victim.kill()
        victim.wait()
        # The batch that meets the dead worker is verified in-process, correctly ...
        assert verifier(checks) == expected
        # ... and the next one runs on fresh workers again.
        assert verifier(checks) == expected
        assert len(verifier._all) == 2
        assert all(worker.process.poll() is None for worker in verifier._all)
    finally:
        verifier.close()


def test_verify_concurrent_callers() -> None:
    import threading

    checks, expected = _checks(400)
    verifier = ParallelVerifier(2)
    results: list[list[bool]] = []
    try:
        threads = [
            threading.Thread(target=lambda: results.append(verifier(checks))) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert results == [expected] * 4
    finally:
        verifier.close()


def test_a_caller_never_waits_for_a_second_worker_while_holding_one() -> None:
    # Before: a call borrowed a worker per chunk, waiting for each in turn; two concurrent
    # large submissions that each got one of two workers waited for the other's forever,
    # and every later submission queued behind them (found by a flood bench that hung).
    import threading

    checks, expected = _checks(400)
    verifier = ParallelVerifier(2)
    try:
        assert verifier(checks) == expected  # both workers started
        held = verifier._idle.get()  # another caller's, in flight
        results: list[list[bool]] = []
        caller = threading.Thread(target=lambda: results.append(verifier(checks)), daemon=True)
        caller.start()
        caller.join(timeout=30)
        assert results == [expected], "the call waited for the worker another caller holds"
        verifier._idle.put(held)
        # Many callers at once, each batch cut over the workers it found idle.
        outcomes: list[list[bool]] = []

        def call_many() -> None:
            for _ in range(15):
                outcomes.append(verifier(checks))

        callers = [threading.Thread(target=call_many, daemon=True) for _ in range(6)]
        for thread in callers:
            thread.start()
        for thread in callers:
            thread.join(timeout=120)
        assert outcomes == [expected] * 90
        assert verifier._idle.qsize() == 2
    finally:
        verifier.close()


def test_callers_waiting_for_a_worker_get_fresh_ones_when_the_busy_ones_fail() -> None:
    # Before: the workers of a call that failed were retired and new ones started only at
    # the next large batch; a call already waiting for an idle worker waited until then.
    import threading

    checks, expected = _checks(400)
    verifier = ParallelVerifier(2)
    try:
        assert verifier(checks) == expected
        in_flight = [verifier._idle.get(), verifier._idle.get()]  # another call holds both
        results: list[list[bool]] = []
        waiting = threading.Thread(target=lambda: results.append(verifier(checks)), daemon=True)
        waiting.start()
        for worker in in_flight:
            worker.process.kill()
        verifier._retire(in_flight)  # what that call does when its workers die
        waiting.join(timeout=30)
        assert results == [expected], "the waiting call got no worker"
        assert len(verifier._all) == 2
        assert all(worker.process.poll() is None for worker in verifier._all)
    finally:
        verifier.close()
