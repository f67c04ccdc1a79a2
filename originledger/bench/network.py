"""``origin bench transfers --network DIR``: the transfer benchmark on a local network of
CometBFT validators.

The same pre-signed load as the embedded benchmark (``originledger/bench/transfers.py``):
transfers of 1 BENCH between funded accounts, signed before the clock starts. They are
submitted over HTTP in msgpack batches, spread over the validators' APIs (one client thread
per validator, each sending its share of the batches), each validator checks them and
hands them to its CometBFT's mempool, which gossips them. A tracker follows the committed
blocks of validator 0's app: with CometBFT a committed block is final, so
submit-to-committed is the finality latency. It also reads each process's CPU time and
peak memory.

The steps: ``_setup`` (a fresh network funding every account, the load signed),
``_load`` (the load spread over the validators, until committed or the time is up),
``_measure`` (the figures), ``_report`` (a table or JSON).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
from rich.console import Console
from rich.table import Table

from originledger.bench.accounts import (
    CHAIN_ID,
    bench_public_keys,
    fund_accounts,
    sign_transfers,
    tx_hash_of,
)
from originledger.bench.load import Tracker, measure_raw_verification_rate, percentile
from originledger.bench.process import cpu_seconds, node_memory_kib
from originledger.genesis import GenesisBuilder

__all__ = ["run_network_transfer_bench"]

_MEMPOOL_FULL_CODES = (18, 19)


@dataclass
class _Submitted:
    """What the submitters saw: when each transfer was first offered and when a validator
    accepted it, and the refusals."""

    offered_at: dict[str, float] = field(default_factory=dict)
    accepted_at: dict[str, float] = field(default_factory=dict)
    rejected: int = 0  # transactions answered ``rejected``
    overloaded: int = 0  # submissions answered 503 ``overloaded`` (each retried)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _submit_spread(
    urls: list[str],
    raws: list[bytes],
    hashes: list[str],
    batch: int,
    submitted: _Submitted,
    deadline: float,
    rate: int = 0,
) -> None:
    """Batch ``b`` goes to validator ``b % len(urls)``, one thread per validator; with a
    ``rate`` (transfers per second) batch ``b`` leaves at ``b * batch / rate`` s, else at
    once (a flood). A submission refused whole (503 ``overloaded``) or holding a
    ``MEMPOOL_FULL`` answer is sent again after the pause the validator asked for."""
    batches = [(start, min(len(raws), start + batch)) for start in range(0, len(raws), batch)]
    interval_s = batch / rate if rate else 0.0
    origin = time.perf_counter()

    def send(worker: int) -> None:
        with httpx.Client(base_url=urls[worker], timeout=60) as client:
            for number in range(worker, len(batches), len(urls)):
                start, stop = batches[number]
                pause = origin + number * interval_s - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                body = msgspec.msgpack.encode(raws[start:stop])
                offered = time.perf_counter()
                answers: list[dict[str, Any]] = []
                while time.perf_counter() < deadline:
                    sent = time.perf_counter()
                    response = client.post(
                        "/v1/txs", content=body, headers={"content-type": "application/msgpack"}
                    )
                    if response.status_code == 503:
                        with submitted.lock:
                            submitted.overloaded += 1
                        time.sleep(float(response.headers.get("retry-after", "1")))
                        continue
                    response.raise_for_status()
                    answers = response.json()["answers"]
                    if not any(a["result"]["code"] in _MEMPOOL_FULL_CODES for a in answers):
                        break
                    time.sleep(0.05)  # mempool full: resubmit (idempotent) after a pause
                bad = sum(1 for a in answers if a["status"] == "rejected")
                with submitted.lock:
                    submitted.rejected += bad if answers else stop - start
                    for tx_hash in hashes[start:stop]:
                        submitted.offered_at[tx_hash] = offered
                        if answers:
                            submitted.accepted_at[tx_hash] = sent

    threads = [threading.Thread(target=send, args=(w,)) for w in range(len(urls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@dataclass
class _Run:
    """One run on a network: its settings, its load, and the figures so far."""

    directory: Path
    validators: int
    accounts: int
    txs: int
    batch: int
    rate: int
    block_interval_ms: int
    block_bytes_max: int
    timeout_s: float
    say: Callable[..., None]
    urls: list[str] = field(default_factory=list)
    raws: list[bytes] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


def run_network_transfer_bench(
    directory: Path | None,
    *,
    validators: int = 4,
    accounts: int = 512,
    txs: int = 8_000,
    batch: int = 250,
    rate: int = 0,
    block_interval_ms: int = 100,
    block_bytes_max: int = 1024 * 1024,
    json_output: bool = False,
    console: Console | None = None,
    timeout_s: float = 300.0,
) -> int:
    """Create and start a fresh local network in ``directory`` (OVERWRITTEN; a temporary
    one by default), run the load, print the figures, stop the network."""
    from originledger.node.network import load_plan, stop_network

    console = console or Console()
    say = (lambda *a, **k: None) if json_output else console.print
    if accounts < 2 or txs < 1 or batch < 1 or validators < 1:
        raise ValueError("need 2 accounts, 1 transaction, a batch of 1 and 1 validator")
    temporary = None
    if directory is None:
        temporary = tempfile.TemporaryDirectory(prefix="ob-")
        directory = Path(temporary.name) / "net"
    directory = directory.resolve()
    if (directory / "network.json").is_file():
        stop_network(directory, kill=True)
    if directory.exists():
        shutil.rmtree(directory)
    run = _Run(
        directory,
        validators,
        accounts,
        txs,
        batch,
        rate,
        block_interval_ms,
        block_bytes_max,
        timeout_s,
        say,
    )
    run.figures.update(
        {
            "mode": "network",
            "validators": validators,
            "accounts": accounts,
            "txs": txs,
            "batch": batch,
            "rate_target": rate,
            "block_interval_ms": block_interval_ms,
            "block_bytes_max": block_bytes_max,
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
        }
    )
    try:
        _setup(run)
        _load(run)
        _report(run.figures, console, json_output)
        return 0 if run.figures["committed"] == txs else 1
    finally:
        if (directory / "network.json").is_file():
            load_plan(directory)
            stop_network(directory)
        if temporary is not None:
            temporary.cleanup()


def _funded_app_state(public_keys: list[bytes]) -> dict[str, Any]:
    """The module sections of the network's genesis: every account funded (not
    registered: the network's mempool admits any signer)."""
    funded = fund_accounts(GenesisBuilder(CHAIN_ID, genesis_time_ms=0), public_keys, register=False)
    return funded.app_state()


def _setup(run: _Run) -> None:
    """A fresh network whose genesis funds every account, up and answering; the load signed."""
    from originledger.node.network import create_network, free_base_port, start_network

    run.say(
        f"[bold]bench transfers --network[/]: {run.validators} validators, {run.accounts:,} "
        f"accounts, {run.txs:,} transfers, batches of {run.batch}"
    )
    begun = time.perf_counter()
    public_keys = bench_public_keys(run.accounts)
    plan = create_network(
        run.directory,
        run.validators,
        chain_id=CHAIN_ID,
        base_port=free_base_port(run.validators),
        block_interval_ms=run.block_interval_ms,
        app_state=_funded_app_state(public_keys),
        snapshot_interval_blocks=0,
        block_bytes_max=run.block_bytes_max,
        index=False,  # as the embedded benchmark's --no-index: the ledger, not an indexer
    )
    run.raws = sign_transfers(public_keys, 0, run.txs, time.time_ns() // 1_000_000 + 3_600_000)
    run.hashes = [tx_hash_of(raw).hex() for raw in run.raws]
    start_network(run.directory, timeout_s=120)
    run.urls = [v.api_url for v in plan.validators]
    for url in run.urls:
        _wait_for_api(url, 60)
    run.figures["setup_s"] = round(time.perf_counter() - begun, 1)
    run.say(f"  network up and {run.txs:,} transfers signed in {run.figures['setup_s']} s")


def _load(run: _Run) -> None:
    """Spread the load over the validators; wait until it committed or the time is up."""
    from originledger.node.network import recorded_pids

    pids = recorded_pids(run.directory)
    processes = {
        f"{name}/{kind}": pid
        for name, kinds in pids.items()
        for kind, pid in kinds.items()
        if pid is not None
    }
    cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    client_cpu_before = time.process_time()  # this process: submitters and tracker
    start_height = httpx.get(run.urls[0] + "/v1/status").json()["height"]
    tracker = Tracker(run.urls[0], start_height)
    tracker.start()
    submitted = _Submitted()
    deadline = time.perf_counter() + run.timeout_s
    _submit_spread(run.urls, run.raws, run.hashes, run.batch, submitted, deadline, run.rate)
    wanted = set(run.hashes)
    while time.perf_counter() < deadline:
        if tracker.has_committed(wanted):
            break
        time.sleep(0.05)
    tracker.stop()
    cpu = {name: round(cpu_seconds(pid) - cpu_before[name], 1) for name, pid in processes.items()}
    client_cpu_s = round(time.process_time() - client_cpu_before, 1)
    memory = {
        name: round(node_memory_kib(pid).get("VmHWM", 0) / 1024) for name, pid in processes.items()
    }
    _measure(run, tracker, submitted, cpu, client_cpu_s, memory)


def _measure(
    run: _Run,
    tracker: Tracker,
    submitted: _Submitted,
    cpu: dict[str, float],
    client_cpu_s: float,
    memory: dict[str, int],
) -> None:
    """The figures of the load: throughput, finality (from the submission a validator
    accepted; and from the first offer, retries after ``overloaded`` included), blocks,
    CPU and memory."""
    submitted_at, offered_at = submitted.accepted_at, submitted.offered_at
    first_submit = min(offered_at.values())
    committed = [h for h in run.hashes if h in tracker.committed_at and h in submitted_at]
    latencies = sorted(tracker.committed_at[h] - submitted_at[h] for h in committed)
    offered = sorted(tracker.committed_at[h] - offered_at[h] for h in committed)
    last_commit = max(tracker.committed_at[h] for h in committed) if committed else 0.0
    elapsed = last_commit - first_submit
    run.figures.update(
        {
            "committed": len(committed),
            "rejected_at_submit": submitted.rejected,
            "overloaded_answers": submitted.overloaded,
            "elapsed_s": round(elapsed, 3),
            "transfers_per_s": round(len(committed) / elapsed) if elapsed > 0 else 0,
            "finality_p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "finality_p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "finality_max_ms": round(latencies[-1] * 1000, 1) if latencies else 0,
            "offered_to_final_p99_ms": round(percentile(offered, 99) * 1000, 1),
            "blocks": len(tracker.blocks),
            "txs_per_block_max": max((n for _, n, _ in tracker.blocks), default=0),
            "app_cpu_s_total": round(sum(v for k, v in cpu.items() if "/app" in k), 1),
            "cometbft_cpu_s_total": round(sum(v for k, v in cpu.items() if "/cometbft" in k), 1),
            "client_cpu_s": client_cpu_s,  # the load generator, on the same cores
            "memory_peak_mib": memory,
            "cpu_s": cpu,
        }
    )
    run.figures["final_height"] = httpx.get(run.urls[0] + "/v1/status").json()["height"]
    # The machine's raw Ed25519 rate, measured right after the load (the network idles):
    # what the figures of this run are to be read against.
    run.figures["raw_verify_per_s_all_cores"] = round(measure_raw_verification_rate())


def _report(figures: dict[str, Any], console: Console, json_output: bool) -> None:
    if json_output:
        console.print_json(json.dumps(figures))
        return
    table = Table(title="transfers on a local CometBFT network, end to end")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        shown = json.dumps(value) if isinstance(value, dict) else value
        table.add_row(name, f"{shown:,}" if isinstance(shown, int) else str(shown))
    console.print(table)


def _wait_for_api(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the API at {url} did not answer within {timeout_s:.0f} s")
