"""``origin bench transfers``: end-to-end transfer throughput and latency of a real node.

The node runs in its own process (``python -m originledger.node``), exactly as in
production: every transfer is submitted over HTTP (msgpack batches), its signature is
verified, it is executed, its block is committed durably (SQLite WAL, synchronous=FULL)
and the state root is computed. The load generator pre-signs every transfer before the
clock starts, then either floods the node (``rate=0``: sustained throughput) or sends at
a fixed rate (latency under that load). A tracker follows committed blocks to time each
transfer from submission to commit. In the same run it measures this machine's raw
Ed25519 verification rate on all cores, the ceiling the node is compared with.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import msgspec
from rich.console import Console
from rich.table import Table

from originledger.core.address import account_address
from originledger.core.amounts import Amount
from originledger.core.codec import decode, encode
from originledger.core.crypto import SigningKey, sha256
from originledger.core.tx import SignedTx, TxBody, build_signed, signing_digest
from originledger.modules.assets.types import Transfer
from originledger.node.home import init_home
from originledger.node.verifier import ParallelVerifier

__all__ = [
    "bench_public_keys",
    "measure_raw_verification_rate",
    "run_transfer_bench",
    "sign_transfers",
    "tx_hash_of",
    "write_funded_genesis",
]

SYMBOL = "BENCH"
CHAIN_ID = "origin-bench"


def _seed(index: int) -> bytes:
    return hashlib.sha256(b"origin-bench-account-" + index.to_bytes(8, "big")).digest()


def _public_keys(start: int, stop: int) -> list[bytes]:
    return [SigningKey(_seed(i)).public_key for i in range(start, stop)]


def _sign_range(arguments: tuple[int, int, int, int, list[bytes]]) -> list[bytes]:
    start, stop, accounts, expires_at_ms, public_keys = arguments
    raws = []
    keys: dict[int, SigningKey] = {}
    for k in range(start, stop):
        sender = k % accounts
        recipient = (sender + 1 + (k * 7919) % (accounts - 1)) % accounts
        key = keys.get(sender) or keys.setdefault(sender, SigningKey(_seed(sender)))
        message = Transfer(
            account_address(public_keys[sender]),
            account_address(public_keys[recipient]),
            SYMBOL,
            Amount(1),
        )
        body = encode(
            TxBody(
                CHAIN_ID,
                k,
                expires_at_ms,
                [public_keys[sender]],
                [msgspec.Raw(encode(message))],
                "",
            )
        )
        raws.append(build_signed(body, [key.sign(signing_digest(body))]))
    return raws


def _parallel(function: Any, ranges: list[Any]) -> list[Any]:
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(function, ranges))


def _chunks(total: int, parts: int) -> list[tuple[int, int]]:
    size = -(-total // parts)
    return [(start, min(total, start + size)) for start in range(0, total, size)]


def bench_public_keys(accounts: int) -> list[bytes]:
    """The public keys of benchmark accounts ``0 .. accounts-1`` (seeds are derivable)."""
    public_keys: list[bytes] = []
    for part in _parallel(_public_keys_range, _chunks(accounts, os.cpu_count() or 1)):
        public_keys.extend(part)
    return public_keys


def write_funded_genesis(home: Path, public_keys: list[bytes], amount: int = 10**12) -> None:
    """Give every benchmark account ``amount`` of the token ``BENCH`` in ``home``'s genesis."""
    genesis = json.loads((home / "genesis.json").read_text())
    genesis["app_state"] = {
        # Registered accounts, as on a permissioned chain: the mempool's default admission
        # ("quota") gives each the per-signer quota (docs/operations.md).
        "accounts": {
            "accounts": [
                {
                    "address": str(account_address(key)),
                    "public_key": base64.b64encode(key).decode(),
                }
                for key in public_keys
            ]
        },
        "assets": {
            "assets": [
                {
                    "symbol": SYMBOL,
                    "name": "Benchmark token",
                    "decimals": 0,
                    "asset_class": "utility",
                    "issuer": str(account_address(public_keys[0])),
                    "max_supply": str(amount * len(public_keys)),
                }
            ],
            "balances": [
                {"account": str(account_address(key)), "symbol": SYMBOL, "amount": str(amount)}
                for key in public_keys
            ],
        },
    }
    (home / "genesis.json").write_text(json.dumps(genesis))


def sign_transfers(
    public_keys: list[bytes], first: int, count: int, expires_at_ms: int
) -> list[bytes]:
    """Signed transfers number ``first .. first+count-1`` of 1 BENCH each, in parallel."""
    ranges = [
        (first + a, first + b, len(public_keys), expires_at_ms, public_keys)
        for a, b in _chunks(count, 4 * (os.cpu_count() or 1))
    ]
    raws: list[bytes] = []
    for part in _parallel(_sign_range, ranges):
        raws.extend(part)
    return raws


def tx_hash_of(raw: bytes) -> bytes:
    return sha256(decode(raw, SignedTx).body)


def measure_raw_verification_rate(count: int = 20_000) -> float:
    """Ed25519 verifications per second on all cores (the same thread pool the node uses)."""
    keys = [SigningKey(_seed(i)) for i in range(64)]
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _node_memory_kib(pid: int) -> dict[str, int]:
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                found[name] = int(value.split()[0])
    except OSError:
        pass
    return found


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time so far of a process and its children (its signature
    verifying workers); Linux ``/proc``, 0 elsewhere."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # After the command name: ppid is field 4, utime 14, stime 15.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class _Tracker(threading.Thread):
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
            latest = self.client.get("/v1/status").json()["height"]
            if latest < self.next_height:
                time.sleep(0.01)
                continue
            while self.next_height <= latest:
                block = self.client.get(f"/v1/blocks/{self.next_height}").json()
                now = time.perf_counter()
                for tx_hash in block["txs"]:
                    self.committed_at[tx_hash] = now
                self.blocks.append((self.next_height, len(block["txs"]), now))
                self.next_height += 1


def run_transfer_bench(
    *,
    accounts: int = 10_000,
    txs: int = 100_000,
    batch: int = 1_000,
    rate: int = 0,
    senders: int = 2,
    block_interval_ms: int = 200,
    json_output: bool = False,
    console: Console | None = None,
    home: Path | None = None,
    timeout_s: float = 600.0,
) -> int:
    """Run the benchmark; prints figures (a table, or JSON) and returns an exit code."""
    console = console or Console()
    say = (lambda *a, **k: None) if json_output else console.print
    if accounts < 2 or txs < 1 or batch < 1:
        raise ValueError("need at least 2 accounts, 1 transaction and a batch of 1")
    temporary = None
    if home is None:
        temporary = tempfile.TemporaryDirectory(prefix="origin-bench-")
        home = Path(temporary.name)
    port = _free_port()
    figures: dict[str, Any] = {
        "accounts": accounts,
        "txs": txs,
        "batch": batch,
        "rate_target": rate,
        "block_interval_ms": block_interval_ms,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    try:
        say(
            f"[bold]bench transfers[/]: {accounts:,} accounts, {txs:,} transfers, "
            f"batches of {batch}, {'flood' if not rate else f'{rate:,}/s'}"
        )
        started = time.perf_counter()
        public_keys = bench_public_keys(accounts)
        shutil.rmtree(home / "data", ignore_errors=True)  # a fresh chain every run
        init_home(
            home,
            chain_id=CHAIN_ID,
            api=f"127.0.0.1:{port}",
            block_interval_ms=block_interval_ms,
            force=True,
        )
        write_funded_genesis(home, public_keys)
        raws = sign_transfers(public_keys, 0, txs, time.time_ns() // 1_000_000 + 3_600_000)
        hashes = [tx_hash_of(raw).hex() for raw in raws]
        figures["setup_s"] = round(time.perf_counter() - started, 1)
        say(f"  signed {txs:,} transfers and wrote genesis in {figures['setup_s']} s")

        figures["raw_verify_per_s_all_cores"] = round(measure_raw_verification_rate())
        say(f"  raw Ed25519 verification on all cores: {figures['raw_verify_per_s_all_cores']:,}/s")

        url = f"http://127.0.0.1:{port}"
        log_path = home / "node.log"
        log_path.write_text("")
        # The first start imports the genesis state (every funded account) and stops; the
        # measured node is a restart, as after a crash: its start time and its memory are
        # those of a node with this much state, not of the one-time import.
        importing = _start_node(home, log_path)
        try:
            begun = time.perf_counter()
            _wait_ready(url, importing, timeout_s=120 + accounts / 1_000)
            figures["genesis_import_s"] = round(time.perf_counter() - begun, 1)
            figures["genesis_import_memory_peak_mib"] = round(
                _node_memory_kib(importing.pid).get("VmHWM", 0) / 1024
            )
        finally:
            _stop_node(importing)
        say(f"  imported the genesis state in {figures['genesis_import_s']} s")
        process = _start_node(home, log_path)
        try:
            begun = time.perf_counter()
            _wait_ready(url, process, timeout_s=120)
            figures["node_restart_ready_s"] = round(time.perf_counter() - begun, 2)
            start_height = httpx.get(url + "/v1/status").json()["height"]
            tracker = _Tracker(url, start_height)
            tracker.start()
            submitted_at: dict[str, float] = {}
            node_cpu_start = _cpu_seconds(process.pid)
            own_cpu_start = time.process_time()
            rejected = _submit_all(url, raws, hashes, batch, rate, senders, submitted_at)
            first_submit = min(submitted_at.values())
            deadline = time.perf_counter() + timeout_s
            wanted = set(hashes)
            while time.perf_counter() < deadline:
                if wanted.issubset(tracker.committed_at.keys()) or process.poll() is not None:
                    break
                time.sleep(0.05)
            tracker.stop_event.set()
            node_cpu_s = _cpu_seconds(process.pid) - node_cpu_start
            load_cpu_s = time.process_time() - own_cpu_start
            committed = [h for h in hashes if h in tracker.committed_at]
            latencies = sorted(tracker.committed_at[h] - submitted_at[h] for h in committed)
            last_commit = max(tracker.committed_at[h] for h in committed) if committed else 0
            elapsed = last_commit - first_submit
            figures.update(
                {
                    "committed": len(committed),
                    "rejected_at_submit": rejected,
                    "elapsed_s": round(elapsed, 3),
                    "transfers_per_s": round(len(committed) / elapsed) if elapsed > 0 else 0,
                    "latency_p50_ms": round(_percentile(latencies, 50) * 1000, 1),
                    "latency_p99_ms": round(_percentile(latencies, 99) * 1000, 1),
                    "latency_max_ms": round(latencies[-1] * 1000, 1) if latencies else 0,
                    "blocks": len(tracker.blocks),
                    "node_cpu_s": round(node_cpu_s, 1),
                    "node_cpu_us_per_transfer": round(node_cpu_s * 1e6 / max(1, len(committed))),
                    "load_generator_cpu_s": round(load_cpu_s, 1),
                    "node_memory_peak_mib": round(
                        _node_memory_kib(process.pid).get("VmHWM", 0) / 1024
                    ),
                }
            )
            if tracker.blocks:
                figures["txs_per_block_max"] = max(count for _, count, _ in tracker.blocks)
            status = httpx.get(url + "/v1/status").json()
            figures["final_height"] = status["height"]
        finally:
            _stop_node(process)
        figures["ratio_to_raw_verify"] = round(
            figures["transfers_per_s"] / figures["raw_verify_per_s_all_cores"], 3
        )
        if json_output:
            console.print_json(json.dumps(figures))
        else:
            table = Table(title="transfers, end to end")
            table.add_column("figure")
            table.add_column("value", justify="right")
            for name, value in figures.items():
                table.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
            console.print(table)
        return 0 if figures["committed"] == txs else 1
    finally:
        if temporary is not None:
            temporary.cleanup()


def _public_keys_range(bounds: tuple[int, int]) -> list[bytes]:
    return _public_keys(*bounds)


def _start_node(home: Path, log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "a") as log_file:
        return subprocess.Popen(
            # The ledger alone: a node's indexer shares its process (and its GIL).
            [sys.executable, "-m", "originledger.node", "--home", str(home), "--no-index"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def _stop_node(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the node exited with {process.returncode}; see its node.log")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the node did not become ready")


def _submit_all(
    url: str,
    raws: list[bytes],
    hashes: list[str],
    batch: int,
    rate: int,
    senders: int,
    submitted_at: dict[str, float],
) -> int:
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
            for h in hashes[start:stop]:
                submitted_at[h] = sent
            while True:
                response = client.post(
                    "/v1/txs", content=body, headers={"content-type": "application/msgpack"}
                )
                answers = response.json()["answers"]
                full = [a for a in answers if a["result"]["code"] in (18, 19)]
                if not full:
                    break
                time.sleep(0.05)  # mempool full: resubmit (idempotent) after a pause
            bad = sum(1 for a in answers if a["status"] == "rejected")
            with lock:
                rejected += bad

    threads = [threading.Thread(target=send, args=(w,)) for w in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rejected


def _percentile(values: list[float], percent: int) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, (len(values) * percent) // 100)
    return values[index]
