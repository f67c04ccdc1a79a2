"""Signature verification on every core, in worker processes.

Ed25519 verification is most of a transfer's CPU. Threads would share the node's GIL:
libsodium releases it while it verifies, but every signature then has to take it back,
and it waits behind the block producer and the API for up to the interpreter's switch
interval each time. Worker processes have no such convoy: a batch is cut into one chunk
per worker, each chunk travels as bytes, and the verdicts come back as a bitmap.

Small batches (a single submission, a recheck) are verified in the calling thread, which
is faster than a round trip to a worker; the pool starts on the first large batch.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from originledger.core.crypto import verify_signature

if TYPE_CHECKING:  # workers import this module: keep it light
    from originledger.app import SignatureCheck

__all__ = ["ParallelVerifier"]

_CHUNK_MIN = 64
_CHECK_BYTES = 32 + 32 + 64


def _verify_packed(packed: bytes) -> bytes:
    """Verify checks packed as ``key || digest || signature`` records; one byte per verdict
    (runs in a worker process)."""
    verdicts = bytearray(len(packed) // _CHECK_BYTES)
    for index in range(len(verdicts)):
        record = packed[index * _CHECK_BYTES : (index + 1) * _CHECK_BYTES]
        verdicts[index] = verify_signature(record[:32], record[32:64], record[64:])
    return bytes(verdicts)


def _pack(checks: Sequence[SignatureCheck]) -> bytes | None:
    """The checks as fixed-size records, or None if one does not fit (a malformed key or
    signature: the caller verifies those in-process, where they simply fail)."""
    parts: list[bytes] = []
    for key, digest, signature in checks:
        if len(key) != 32 or len(digest) != 32 or len(signature) != 64:
            return None
        parts += (key, digest, signature)
    return b"".join(parts)


class ParallelVerifier:
    """``verifier(checks) -> verdicts``, fanned out to ``workers`` processes."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn: the node is multithreaded, and forking a threaded process is unsafe.
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
            return self._pool

    def __call__(self, checks: Sequence[SignatureCheck]) -> list[bool]:
        packed = None
        if self.workers > 1 and len(checks) >= 2 * _CHUNK_MIN:
            packed = _pack(checks)
        if packed is None:
            return [verify_signature(key, digest, sig) for key, digest, sig in checks]
        size = max(_CHUNK_MIN, -(-len(checks) // self.workers)) * _CHECK_BYTES
        chunks = [packed[start : start + size] for start in range(0, len(packed), size)]
        verdicts: list[bool] = []
        for part in self._executor().map(_verify_packed, chunks):
            verdicts.extend(map(bool, part))
        return verdicts

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
