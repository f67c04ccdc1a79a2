"""Sending the load and timing it: batches submitted over HTTP, a tracker that notes when
each transaction committed, percentiles, and the machine's raw verification rate."""

from __future__ import annotations

import threading
import time

import httpx
import msgspec

from originledger.bench.accounts import seed
from originledger.core.crypto import SigningKey, sha256
from originledger.node.verifier import ParallelVerifier

__all__ = ["Tracker", "measure_raw_verification_rate", "percentile", "submit_all"]


# What the load generator reads of the API's answers, decoded by msgspec (the rest of each
# answer is skipped): the client shares the machine's cores with the node it measures.
class _Result(msgspec.Struct):
    code: int


class _Answer(msgspec.Struct):
    status: str
    result: _Result


class _Answers(msgspec.Struct):
    answers: list[_Answer]


class _Status(msgspec.Struct):
    height: int


class _Block(msgspec.Struct):
    txs: list[str]


_decode_answers = msgspec.json.Decoder(_Answers).decode
_decode_status = msgspec.json.Decoder(_Status).decode
_decode_block = msgspec.json.Decoder(_Block).decode


def measure_raw_verification_rate(count: int = 20_000) -> float:
    """Ed25519 verifications per second on all cores (the same thread pool the node uses)."""
    keys = [SigningKey(seed(i)) for i in range(64)]
    checks = []
    for i in range(count):
        key = keys[i % 64]
        digest = sha256(i.to_bytes(8, "big"))
        checks.append((key.public_key, digest, key.sign(digest)))
    verifier = ParallelVerifier()
    try:
        verifier(checks[:1000])
        started = time.perf_counter()
        verdicts = verifier(checks)
        elapsed = time.perf_counter() - started
    finally:
        verifier.close()
    if not all(verdicts):
        raise RuntimeError("raw verification failed")
    return count / elapsed


class Tracker(threading.Thread):
    """Follows committed blocks and notes when each transaction committed."""

    def __init__(self, url: str, start_height: int) -> None:
        super().__init__(name="tracker", daemon=True)
        self.client = httpx.Client(base_url=url, timeout=30)
        self.next_height = start_height + 1
        self.committed_at: dict[str, float] = {}
        self.failed = 0
        self.stop_event = threading.Event()
        self.blocks: list[tuple[int, int, float]] = []

    def run(self) -> None:
        while not self.stop_event.is_set():
            latest = _decode_status(self.client.get("/v1/status").content).height
            if latest < self.next_height:
                time.sleep(0.01)
                continue
            while self.next_height <= latest:
                block = _decode_block(self.client.get(f"/v1/blocks/{self.next_height}").content)
                now = time.perf_counter()
                self.committed_at.update(dict.fromkeys(block.txs, now))
                self.blocks.append((self.next_height, len(block.txs), now))
                self.next_height += 1

    def has_committed(self, wanted: set[str]) -> bool:
        """Whether every hash in ``wanted`` has committed. Safe beside the tracker's own
        thread: it looks hashes up in the dict that thread fills and never iterates it
        (iterating it while it grows fails on a free-threaded interpreter)."""
        committed = self.committed_at
        return all(tx_hash in committed for tx_hash in wanted)

    def stop(self) -> None:
        """Stop following blocks, and wait for the thread, so that what it noted stays put."""
        self.stop_event.set()
        self.join(timeout=30)


def submit_all(
    url: str,
    raws: list[bytes],
    hashes: list[str],
    batch: int,
    rate: int,
    senders: int,
    submitted_at: dict[str, float],
) -> int:
    """Submit ``raws`` in batches from ``senders`` threads (at ``rate`` per second, or all
    at once); returns how many were rejected."""
    batches = [(start, min(len(raws), start + batch)) for start in range(0, len(raws), batch)]
    rejected = 0
    lock = threading.Lock()
    interval = batch / rate if rate else 0.0
    origin = time.perf_counter()

    def send(worker: int) -> None:
        nonlocal rejected
        client = httpx.Client(base_url=url, timeout=60)
        for number in range(worker, len(batches), senders):
            start, stop = batches[number]
            if interval:
                pause = origin + number * interval - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            body = msgspec.msgpack.encode(raws[start:stop])
            sent = time.perf_counter()
            submitted_at.update(dict.fromkeys(hashes[start:stop], sent))
            while True:
                response = client.post(
                    "/v1/txs", content=body, headers={"content-type": "application/msgpack"}
                )
                answers = _decode_answers(response.content).answers
                full = [a for a in answers if a.result.code in (18, 19)]
                if not full:
                    break
                time.sleep(0.05)  # mempool full: resubmit (idempotent) after a pause
            bad = sum(1 for a in answers if a.status == "rejected")
            with lock:
                rejected += bad

    threads = [threading.Thread(target=send, args=(w,)) for w in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rejected


def percentile(values: list[float], percent: int) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, (len(values) * percent) // 100)
    return values[index]
