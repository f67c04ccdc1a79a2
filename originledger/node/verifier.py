"""Signature verification on every core, in worker processes.

Ed25519 verification is most of a transfer's CPU. Threads would share the node's GIL:
libsodium releases it while it verifies, but every signature then has to take it back,
and it waits behind the block producer and the API each time. Worker processes have no
such convoy: a batch is cut into one chunk per worker, each chunk travels down a pipe as
fixed-size records (key, digest, signature), and the verdicts come back as one byte each.

The workers are plain subprocesses (``python -m originledger.node.verifier``) rather than
a ``multiprocessing`` pool, which would re-import the embedding program's ``__main__`` in
every worker. They start on the first large batch; small batches (one submission, a
recheck) are verified in the calling thread, faster than a round trip.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from originledger.core.crypto import verify_signature

if TYPE_CHECKING:  # workers run this module: keep its imports light
    from originledger.app import SignatureCheck

__all__ = ["ParallelVerifier", "VerifierError"]

log = logging.getLogger("originledger.node")

CHUNK_CHECKS_MIN = 64  # a batch smaller than two chunks is verified in-process
_RECORD_BYTES = 32 + 32 + 64
_LENGTH_BYTES = 4


class VerifierError(RuntimeError):
    """A worker process failed: a fault of the machine, not of the transactions."""


def _verify_records(packed: bytes) -> bytes:
    """One verdict byte per ``key || digest || signature`` record."""
    verdicts = bytearray(len(packed) // _RECORD_BYTES)
    for index in range(len(verdicts)):
        record = packed[index * _RECORD_BYTES : (index + 1) * _RECORD_BYTES]
        verdicts[index] = verify_signature(record[:32], record[32:64], record[64:])
    return bytes(verdicts)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError
    return data


def _frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(_LENGTH_BYTES, "big") + payload


def _read_frame(stream: IO[bytes]) -> bytes:
    size = int.from_bytes(_read_exactly(stream, _LENGTH_BYTES), "big")
    return _read_exactly(stream, size)


def serve_worker(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The worker's loop: a frame of records in, a frame of verdicts out, until EOF."""
    while True:
        try:
            packed = _read_frame(requests)
        except EOFError:
            return
        answers.write(_frame(_verify_records(packed)))
        answers.flush()


def _pack(checks: Sequence[SignatureCheck]) -> bytes | None:
    """The checks as fixed-size records, or None if one does not fit (a malformed key or
    signature: the caller then verifies in-process, where such a check simply fails)."""
    if any(len(key) != 32 or len(digest) != 32 or len(sig) != 64 for key, digest, sig in checks):
        return None
    return b"".join([part for check in checks for part in check])


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "originledger.node.verifier"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def send(self, packed: bytes) -> None:
        stdin = self.process.stdin
        if stdin is None:
            raise VerifierError("a verifier worker has no input pipe")
        stdin.write(_frame(packed))
        stdin.flush()

    def receive(self) -> bytes:
        stdout = self.process.stdout
        if stdout is None:
            raise VerifierError("a verifier worker has no output pipe")
        return _read_frame(stdout)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def discard(self) -> None:
        """Kill a worker that failed, and close its pipes now: a write it never read may
        still sit in the input's buffer, and flushing that to a dead process when the
        pipe is collected would fail (a ``BrokenPipeError`` logged as unraisable)."""
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


class ParallelVerifier:
    """``verifier(checks) -> verdicts``, fanned out to ``workers`` processes. Safe to call
    from several threads: each call borrows idle workers for its chunks."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                raise VerifierError("the verifier is closed")
            while len(self._all) < self.workers:
                worker = _Worker()
                self._all.append(worker)
                self._idle.put(worker)

    def __call__(self, checks: Sequence[SignatureCheck]) -> list[bool]:
        packed = None
        if self.workers > 1 and len(checks) >= 2 * CHUNK_CHECKS_MIN:
            packed = _pack(checks)
        if packed is None:
            return [verify_signature(key, digest, sig) for key, digest, sig in checks]
        if len(self._all) < self.workers:
            self._start()
        borrowed = self._borrow(-(-len(checks) // CHUNK_CHECKS_MIN))
        size = max(CHUNK_CHECKS_MIN, -(-len(checks) // len(borrowed))) * _RECORD_BYTES
        chunks = [packed[start : start + size] for start in range(0, len(packed), size)]
        borrowed, spare = borrowed[: len(chunks)], borrowed[len(chunks) :]
        for worker in spare:
            self._idle.put(worker)
        try:
            for worker, chunk in zip(borrowed, chunks, strict=True):
                worker.send(chunk)
            answers = [worker.receive() for worker in borrowed]
        except (OSError, EOFError, VerifierError):
            # A worker died (killed, out of memory): retire the ones borrowed, whose pipes
            # may hold half a frame, start fresh ones, and verify this batch here.
            self._retire(borrowed)
            log.warning("a signature-verifying worker failed; restarting the workers")
            return [verify_signature(key, digest, sig) for key, digest, sig in checks]
        for worker in borrowed:
            self._idle.put(worker)
        return list(map(bool, b"".join(answers)))

    def _borrow(self, wanted: int) -> list[_Worker]:
        """One idle worker, waited for, then up to ``wanted - 1`` more of those idle now.
        A caller never waits while it holds a worker: two callers that each held one and
        waited for a second would wait for each other forever (the admission of every
        submission would stop)."""
        borrowed = [self._idle.get()]
        while len(borrowed) < min(wanted, self.workers):
            try:
                borrowed.append(self._idle.get_nowait())
            except queue.Empty:
                break
        return borrowed

    def _retire(self, workers: list[_Worker]) -> None:
        with self._lock:
            self._all = [worker for worker in self._all if worker not in workers]
        for worker in workers:
            worker.discard()
        # Other callers may be waiting for an idle worker: fresh ones now, not at the next
        # large batch (a machine that cannot start a process now leaves that to the next
        # batch; a verifier closed meanwhile starts none).
        try:
            self._start()
        except VerifierError:
            pass
        except OSError:
            log.warning("could not restart the signature-verifying workers", exc_info=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = self._all, []
        for worker in workers:
            worker.close()


if __name__ == "__main__":
    serve_worker(sys.stdin.buffer, sys.stdout.buffer)
