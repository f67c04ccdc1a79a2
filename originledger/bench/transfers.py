"""``origin bench transfers``: end-to-end transfer throughput and latency of a real node.

The node runs in its own process (``python -m originledger.server``), exactly as in
production: every transfer is submitted over HTTP (msgpack batches), its signature is
verified, it is executed, its block is committed durably (SQLite WAL, synchronous=FULL)
and the state root is computed. The load generator pre-signs every transfer before the
clock starts, then either floods the node (``rate=0``: sustained throughput) or sends at
a fixed rate (latency under that load). A tracker follows committed blocks to time each
transfer from submission to commit. In the same run it measures this machine's raw
Ed25519 verification rate on all cores, the ceiling the node is compared with.

The steps: ``_setup`` (home, funded genesis, signed load), ``_import_genesis`` (the first
start), ``_load`` (a restarted node takes the load), ``_measure`` (the figures),
``_report`` (a table or JSON).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from originledger.bench.accounts import (
    CHAIN_ID,
    bench_public_keys,
    sign_transfers,
    tx_hash_of,
    write_funded_genesis,
)
from originledger.bench.load import (
    Tracker,
    measure_raw_verification_rate,
    percentile,
    submit_all,
)
from originledger.bench.process import (
    cpu_seconds,
    free_port,
    node_memory_kib,
    start_node,
    stop_node,
    wait_ready,
)
from originledger.node.home import init_home

__all__ = ["run_transfer_bench"]


@dataclass
class _Run:
    """One run of the benchmark: its settings, its load, and the figures so far."""

    home: Path
    accounts: int
    txs: int
    batch: int
    rate: int
    senders: int
    block_interval_ms: int
    timeout_s: float
    say: Callable[..., None]
    api_workers: int = 0
    step: Callable[[str], None] = lambda text: None  # the setup phase now (a bar on a tty)
    port: int = field(default_factory=free_port)
    raws: list[bytes] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


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
    api_workers: int = 0,
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
    run = _Run(
        home, accounts, txs, batch, rate, senders, block_interval_ms, timeout_s, say, api_workers
    )
    run.figures.update(
        {
            "accounts": accounts,
            "txs": txs,
            "batch": batch,
            "rate_target": rate,
            "block_interval_ms": block_interval_ms,
            "api_workers": api_workers,
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
        }
    )
    try:
        with _setup_phases(json_output, 5) as step:
            run.step = step
            _setup(run)
            _import_genesis(run)
        run.step = lambda text: None
        _load(run)
        _report(run.figures, console, json_output)
        return 0 if run.figures["committed"] == txs else 1
    finally:
        if temporary is not None:
            temporary.cleanup()


@contextmanager
def _setup_phases(json_output: bool, phases: int) -> Iterator[Callable[[str], None]]:
    """A bar over the setup's phases on stderr, on a terminal and without --json: each
    ``step(text)`` ends the phase before and names the next (with the time it takes)."""
    console = Console(stderr=True)
    if json_output or not console.is_terminal:
        yield lambda text: None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("setting up", total=phases)
        begun = [False]

        def step(text: str) -> None:
            if begun[0]:
                progress.advance(task)
            begun[0] = True
            progress.update(task, description=text)

        yield step


def _setup(run: _Run) -> None:
    """A fresh home whose genesis funds every account; every transfer signed; the raw
    verification rate of this machine."""
    figures = run.figures
    run.say(
        f"[bold]bench transfers[/]: {run.accounts:,} accounts, {run.txs:,} transfers, "
        f"batches of {run.batch}, {'flood' if not run.rate else f'{run.rate:,}/s'}"
    )
    started = time.perf_counter()
    run.step(f"deriving {run.accounts:,} account keys")
    public_keys = bench_public_keys(run.accounts)
    shutil.rmtree(run.home / "data", ignore_errors=True)  # a fresh chain every run
    init_home(
        run.home,
        chain_id=CHAIN_ID,
        api=f"127.0.0.1:{run.port}",
        block_interval_ms=run.block_interval_ms,
        force=True,
    )
    run.step(f"writing a genesis that funds {run.accounts:,} accounts")
    write_funded_genesis(run.home, public_keys)
    run.step(f"signing {run.txs:,} transfers")
    run.raws = sign_transfers(public_keys, 0, run.txs, time.time_ns() // 1_000_000 + 3_600_000)
    run.hashes = [tx_hash_of(raw).hex() for raw in run.raws]
    figures["setup_s"] = round(time.perf_counter() - started, 1)
    run.say(f"  signed {run.txs:,} transfers and wrote genesis in {figures['setup_s']} s")

    run.step("measuring the raw Ed25519 verification rate")
    figures["raw_verify_per_s_all_cores"] = round(measure_raw_verification_rate())
    run.say(f"  raw Ed25519 verification on all cores: {figures['raw_verify_per_s_all_cores']:,}/s")


def _import_genesis(run: _Run) -> None:
    """The first start imports the genesis state (every funded account) and stops; the
    measured node is a restart, as after a crash: its start time and its memory are those
    of a node with this much state, not of the one-time import."""
    run.step(f"importing the genesis state ({run.accounts:,} accounts)")
    log_path = run.home / "node.log"
    log_path.write_text("")
    importing = start_node(run.home, log_path)
    try:
        begun = time.perf_counter()
        wait_ready(run.url, importing, timeout_s=120 + run.accounts / 1_000)
        run.figures["genesis_import_s"] = round(time.perf_counter() - begun, 1)
        run.figures["genesis_import_memory_peak_mib"] = round(
            node_memory_kib(importing.pid).get("VmHWM", 0) / 1024
        )
        # CPU time of the node process until ready (start-up included): unlike the wall
        # clock, other load on the machine does not change it.
        run.figures["genesis_import_cpu_s"] = round(cpu_seconds(importing.pid), 1)
    finally:
        stop_node(importing)
    run.say(
        f"  imported the genesis state in {run.figures['genesis_import_s']} s "
        f"({run.figures['genesis_import_cpu_s']} s of CPU, "
        f"peak {run.figures['genesis_import_memory_peak_mib']} MiB)"
    )


def _load(run: _Run) -> None:
    """Restart the node, send the load, wait until it committed (or the time is up)."""
    process = start_node(run.home, run.home / "node.log", run.api_workers)
    try:
        begun = time.perf_counter()
        wait_ready(run.url, process, timeout_s=120)
        run.figures["node_restart_ready_s"] = round(time.perf_counter() - begun, 2)
        start_height = httpx.get(run.url + "/v1/status").json()["height"]
        tracker = Tracker(run.url, start_height)
        tracker.start()
        submitted_at: dict[str, float] = {}
        node_cpu_start = cpu_seconds(process.pid)
        node_alone_start = cpu_seconds(process.pid, children=False)
        own_cpu_start = time.process_time()
        rejected = submit_all(
            run.url, run.raws, run.hashes, run.batch, run.rate, run.senders, submitted_at
        )
        deadline = time.perf_counter() + run.timeout_s
        wanted = set(run.hashes)
        while time.perf_counter() < deadline:
            if tracker.has_committed(wanted) or process.poll() is not None:
                break
            time.sleep(0.05)
        tracker.stop()
        node_cpu_s = cpu_seconds(process.pid) - node_cpu_start
        run.figures["node_process_cpu_s"] = round(
            cpu_seconds(process.pid, children=False) - node_alone_start, 1
        )
        load_cpu_s = time.process_time() - own_cpu_start
        _measure(run, tracker, submitted_at, rejected, node_cpu_s, load_cpu_s, process)
    finally:
        stop_node(process)
    run.figures["ratio_to_raw_verify"] = round(
        run.figures["transfers_per_s"] / run.figures["raw_verify_per_s_all_cores"], 3
    )


def _measure(
    run: _Run,
    tracker: Tracker,
    submitted_at: dict[str, float],
    rejected: int,
    node_cpu_s: float,
    load_cpu_s: float,
    process: subprocess.Popen[bytes],
) -> None:
    """The figures of the load: throughput, latency, blocks, CPU and memory."""
    first_submit = min(submitted_at.values())
    committed = [h for h in run.hashes if h in tracker.committed_at]
    latencies = sorted(tracker.committed_at[h] - submitted_at[h] for h in committed)
    last_commit = max(tracker.committed_at[h] for h in committed) if committed else 0
    elapsed = last_commit - first_submit
    figures = run.figures
    figures.update(
        {
            "committed": len(committed),
            "rejected_at_submit": rejected,
            "elapsed_s": round(elapsed, 3),
            "transfers_per_s": round(len(committed) / elapsed) if elapsed > 0 else 0,
            "latency_p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "latency_p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "latency_max_ms": round(latencies[-1] * 1000, 1) if latencies else 0,
            "blocks": len(tracker.blocks),
            "node_cpu_s": round(node_cpu_s, 1),
            "node_cpu_us_per_transfer": round(node_cpu_s * 1e6 / max(1, len(committed))),
            # The node's own process (its interpreter lock), without its workers.
            "node_process_cpu_us_per_transfer": round(
                figures["node_process_cpu_s"] * 1e6 / max(1, len(committed))
            ),
            "load_generator_cpu_s": round(load_cpu_s, 1),
            "node_memory_peak_mib": round(node_memory_kib(process.pid).get("VmHWM", 0) / 1024),
        }
    )
    if tracker.blocks:
        figures["txs_per_block_max"] = max(count for _, count, _ in tracker.blocks)
    status = httpx.get(run.url + "/v1/status").json()
    figures["final_height"] = status["height"]


def _report(figures: dict[str, Any], console: Console, json_output: bool) -> None:
    if json_output:
        console.print_json(json.dumps(figures))
        return
    table = Table(title="transfers, end to end")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
