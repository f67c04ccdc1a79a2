"""``origin bench transfers --network DIR``: the transfer benchmark on a local network of
CometBFT validators.

The same pre-signed load as the embedded benchmark (``originledger.bench``): transfers of
1 BENCH between funded accounts, signed before the clock starts. They are submitted over
HTTP in msgpack batches, spread over the validators' APIs (one client thread per
validator, each sending its share of the batches), each validator checks them and hands
them to its CometBFT's mempool, which gossips them. A tracker follows the committed blocks
of validator 0's app: with CometBFT a committed block is final, so submit-to-committed is
the finality latency. It also reads each process's CPU time and peak memory.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
from rich.console import Console
from rich.table import Table

from originledger.bench import (
    CHAIN_ID,
    SYMBOL,
    _cpu_seconds,
    _node_memory_kib,
    _percentile,
    _Tracker,
    bench_public_keys,
    sign_transfers,
    tx_hash_of,
)
from originledger.core.address import account_address

__all__ = ["run_network_transfer_bench"]

_MEMPOOL_FULL_CODES = (18, 19)


def _funded_app_state(public_keys: list[bytes], amount: int = 10**12) -> dict[str, Any]:
    return {
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
        }
    }


def _submit_spread(
    urls: list[str],
    raws: list[bytes],
    hashes: list[str],
    batch: int,
    submitted_at: dict[str, float],
    deadline: float,
    rate: int = 0,
) -> int:
    """Batch ``b`` goes to validator ``b % len(urls)``, one thread per validator; with a
    ``rate`` (transfers per second) batch ``b`` leaves at ``b * batch / rate`` s, else at
    once (a flood)."""
    batches = [(start, min(len(raws), start + batch)) for start in range(0, len(raws), batch)]
    rejected = 0
    lock = threading.Lock()
    interval_s = batch / rate if rate else 0.0
    origin = time.perf_counter()

    def send(worker: int) -> None:
        nonlocal rejected
        with httpx.Client(base_url=urls[worker], timeout=60) as client:
            for number in range(worker, len(batches), len(urls)):
                start, stop = batches[number]
                pause = origin + number * interval_s - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                body = msgspec.msgpack.encode(raws[start:stop])
                sent = time.perf_counter()
                for tx_hash in hashes[start:stop]:
                    submitted_at[tx_hash] = sent
                while time.perf_counter() < deadline:
                    response = client.post(
                        "/v1/txs", content=body, headers={"content-type": "application/msgpack"}
                    )
                    answers = response.json()["answers"]
                    if not any(a["result"]["code"] in _MEMPOOL_FULL_CODES for a in answers):
                        break
                    time.sleep(0.05)  # mempool full: resubmit (idempotent) after a pause
                bad = sum(1 for a in answers if a["status"] == "rejected")
                with lock:
                    rejected += bad

    threads = [threading.Thread(target=send, args=(w,)) for w in range(len(urls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rejected


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
    from originledger.node.network import (
        create_network,
        free_base_port,
        load_plan,
        recorded_pids,
        start_network,
        stop_network,
    )

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
    figures: dict[str, Any] = {
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
    try:
        say(
            f"[bold]bench transfers --network[/]: {validators} validators, {accounts:,} "
            f"accounts, {txs:,} transfers, batches of {batch}"
        )
        begun = time.perf_counter()
        public_keys = bench_public_keys(accounts)
        plan = create_network(
            directory,
            validators,
            chain_id=CHAIN_ID,
            base_port=free_base_port(validators),
            block_interval_ms=block_interval_ms,
            app_state=_funded_app_state(public_keys),
            snapshot_interval_blocks=0,
            block_bytes_max=block_bytes_max,
            index=False,  # as the embedded benchmark's --no-index: the ledger, not an indexer
        )
        raws = sign_transfers(public_keys, 0, txs, time.time_ns() // 1_000_000 + 3_600_000)
        hashes = [tx_hash_of(raw).hex() for raw in raws]
        start_network(directory, timeout_s=120)
        urls = [v.api_url for v in plan.validators]
        for url in urls:
            _wait_for_api(url, 60)
        figures["setup_s"] = round(time.perf_counter() - begun, 1)
        say(f"  network up and {txs:,} transfers signed in {figures['setup_s']} s")
        pids = recorded_pids(directory)
        processes = {
            f"{name}/{kind}": pid
            for name, kinds in pids.items()
            for kind, pid in kinds.items()
            if pid is not None
        }
        cpu_before = {name: _cpu_seconds(pid) for name, pid in processes.items()}
        client_cpu_before = time.process_time()  # this process: submitters and tracker
        start_height = httpx.get(urls[0] + "/v1/status").json()["height"]
        tracker = _Tracker(urls[0], start_height)
        tracker.start()
        submitted_at: dict[str, float] = {}
        deadline = time.perf_counter() + timeout_s
        rejected = _submit_spread(urls, raws, hashes, batch, submitted_at, deadline, rate)
        first_submit = min(submitted_at.values())
        wanted = set(hashes)
        while time.perf_counter() < deadline:
            if wanted.issubset(tracker.committed_at.keys()):
                break
            time.sleep(0.05)
        tracker.stop_event.set()
        committed = [h for h in hashes if h in tracker.committed_at]
        latencies = sorted(tracker.committed_at[h] - submitted_at[h] for h in committed)
        last_commit = max(tracker.committed_at[h] for h in committed) if committed else 0.0
        elapsed = last_commit - first_submit
        cpu = {
            name: round(_cpu_seconds(pid) - cpu_before[name], 1) for name, pid in processes.items()
        }
        client_cpu_s = round(time.process_time() - client_cpu_before, 1)
        memory = {
            name: round(_node_memory_kib(pid).get("VmHWM", 0) / 1024)
            for name, pid in processes.items()
        }
        figures.update(
            {
                "committed": len(committed),
                "rejected_at_submit": rejected,
                "elapsed_s": round(elapsed, 3),
                "transfers_per_s": round(len(committed) / elapsed) if elapsed > 0 else 0,
                "finality_p50_ms": round(_percentile(latencies, 50) * 1000, 1),
                "finality_p99_ms": round(_percentile(latencies, 99) * 1000, 1),
                "finality_max_ms": round(latencies[-1] * 1000, 1) if latencies else 0,
                "blocks": len(tracker.blocks),
                "txs_per_block_max": max((n for _, n, _ in tracker.blocks), default=0),
                "app_cpu_s_total": round(sum(v for k, v in cpu.items() if "/app" in k), 1),
                "cometbft_cpu_s_total": round(
                    sum(v for k, v in cpu.items() if "/cometbft" in k), 1
                ),
                "client_cpu_s": client_cpu_s,  # the load generator, on the same cores
                "memory_peak_mib": memory,
                "cpu_s": cpu,
            }
        )
        figures["final_height"] = httpx.get(urls[0] + "/v1/status").json()["height"]
        if json_output:
            console.print_json(json.dumps(figures))
        else:
            table = Table(title="transfers on a local CometBFT network, end to end")
            table.add_column("figure")
            table.add_column("value", justify="right")
            for name, value in figures.items():
                shown = json.dumps(value) if isinstance(value, dict) else value
                table.add_row(name, f"{shown:,}" if isinstance(shown, int) else str(shown))
            console.print(table)
        return 0 if figures["committed"] == txs else 1
    finally:
        if (directory / "network.json").is_file():
            load_plan(directory)
            stop_network(directory)
        if temporary is not None:
            temporary.cleanup()


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
