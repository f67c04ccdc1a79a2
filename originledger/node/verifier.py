"""Signature verification on every core: libsodium releases the GIL while it verifies, so
a small thread pool checks a batch of signatures in parallel."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from originledger.app import SignatureCheck, verify_sequentially

__all__ = ["ParallelVerifier"]

_CHUNK_MIN = 64


class ParallelVerifier:
    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="verify")

    def __call__(self, checks: Sequence[SignatureCheck]) -> list[bool]:
        if self.threads == 1 or len(checks) < 2 * _CHUNK_MIN:
            return verify_sequentially(checks)
        size = max(_CHUNK_MIN, -(-len(checks) // self.threads))
        chunks = [checks[start : start + size] for start in range(0, len(checks), size)]
        verdicts: list[bool] = []
        for part in self._pool.map(verify_sequentially, chunks):
            verdicts.extend(part)
        return verdicts

    def close(self) -> None:
        self._pool.shutdown(wait=False)
