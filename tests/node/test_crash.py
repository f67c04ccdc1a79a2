"""Crash safety: SIGKILL the node under a steady load at random moments, several times;
nothing reported committed is lost (each keeps its receipt), the restarted node's state
root equals a full replay from genesis (``origin verify-chain``), and its index catches up
equal to the ledger. ``benchmarks/crash_loop.py`` runs the same rounds as often as asked.
"""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
from sqlalchemy import func, select
from typer.testing import CliRunner

from originledger.bench.accounts import sign_transfers, tx_hash_of
from originledger.cli import app
from originledger.core.address import account_address
from originledger.indexer import open_engine, schema
from originledger.store.sqlite import SqliteStore
from tests.node.conftest import NodeProcess

KILLS = 3
BATCH = 200


def _load(url: str, raws: list[bytes], committed: set[str], stop: threading.Event) -> None:
    """Submit batches, waiting for commits, and note every hash the node says committed."""
    client = httpx.Client(base_url=url, timeout=10)
    for start in range(0, len(raws), BATCH):
        if stop.is_set():
            return
        body = msgspec.msgpack.encode(raws[start : start + BATCH])
        try:
            response = client.post(
                "/v1/txs",
                params={"wait_ms": "2000"},
                content=body,
                headers={"content-type": "application/msgpack"},
            )
            answers = response.json()["answers"]
        except (httpx.HTTPError, ValueError):
            return  # the node died mid-request: whatever it did not confirm, we do not count
        committed.update(a["hash"] for a in answers if a["status"] == "committed")


def kill_under_load(
    node: NodeProcess, keys: list[bytes], rounds: int, *, seed: int, per_round: int = 2_000
) -> set[str]:
    """``rounds`` times: start the node, load it with transfers, SIGKILL it at a random
    moment (0.3 to 1.5 s in). The hashes the node answered "committed" before dying."""
    rng = random.Random(seed)
    expires_at_ms = time.time_ns() // 1_000_000 + 3_600_000
    raws = sign_transfers(keys, seed % 1_000 * 100_000, rounds * per_round, expires_at_ms)
    committed: set[str] = set()
    for round_number in range(rounds):
        node.start()
        stop = threading.Event()
        part = raws[round_number * per_round : (round_number + 1) * per_round]
        loader = threading.Thread(target=_load, args=(node.url, part, committed, stop))
        loader.start()
        time.sleep(rng.uniform(0.3, 1.5))
        node.kill()
        stop.set()
        loader.join(timeout=30)
    return committed


def _wait_indexed(client: httpx.Client, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    status: dict[str, Any] = client.get("/v1/index/status").json()
    while status["indexed_height"] != status["node_height"] and time.monotonic() < deadline:
        time.sleep(0.1)
        status = client.get("/v1/index/status").json()
    return status


def check_nothing_lost(node: NodeProcess, keys: list[bytes], committed: set[str]) -> int:
    """Restart the node; every committed transaction has its receipt, the index catches up
    equal to the ledger, and ``origin verify-chain`` replays to the committed state root.
    Returns the height checked."""
    node.start()
    client = httpx.Client(base_url=node.url, timeout=10)
    for tx_hash in sorted(committed):
        receipt = client.get(f"/v1/txs/{tx_hash}")
        assert receipt.status_code == 200, f"{tx_hash} was reported committed, then lost"
        assert receipt.json()["status"] == "committed"
    height = int(client.get("/v1/status").json()["height"])

    status = _wait_indexed(client)
    assert status["indexed_height"] == height, f"the index did not catch up: {status}"
    assert status["degraded"] is False and status["failures"] == 0, status
    for key in keys:
        address = str(account_address(key))
        ledger = client.get(f"/v1/accounts/{address}").json()["balances"]
        indexed = client.get(f"/v1/index/accounts/{address}").json()["balances"]
        assert ledger, f"{address} holds nothing on the ledger: the comparison proves little"
        assert {b["symbol"]: b["amount"] for b in indexed} == {
            b["symbol"]: b["amount"] for b in ledger
        }, f"the index's balances of {address} differ from the ledger's"
    node.stop()

    result = CliRunner().invoke(
        app, ["verify-chain", "--home", str(node.home), "--json"], env={"NO_COLOR": "1"}
    )
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["ok"], report
    store = SqliteStore(node.home / "data" / "ledger.sqlite")
    engine = open_engine(f"sqlite:///{Path(node.home) / 'data' / 'index.sqlite'}")
    try:
        assert report["height"] == height
        assert report["state_root"] == store.chain_meta().app_hash.hex()
        with store.reader() as connection:
            hashes = {row[0].hex() for row in connection.execute("SELECT hash FROM txs")}
            events = connection.execute("SELECT count(*) FROM events").fetchone()[0]
        assert committed <= hashes
        with engine.connect() as connection:
            indexed = set(connection.execute(select(schema.txs.c.hash)).scalars())
            indexed_events = connection.execute(
                select(func.count()).select_from(schema.events)
            ).scalar_one()
        assert indexed == hashes, "the index's transactions differ from the ledger's"
        assert indexed_events == events
    finally:
        engine.dispose()
        store.close()
    return height


def test_kill_during_load_loses_nothing_committed(node_process, bench_keys) -> None:
    committed = kill_under_load(node_process, bench_keys, KILLS, seed=20261123)
    assert committed, "the load committed nothing before the kills; the test proved nothing"
    assert check_nothing_lost(node_process, bench_keys, committed) > 1


def test_resubmission_after_restart_answers_first_outcome(node_process, bench_keys) -> None:
    raws = sign_transfers(bench_keys, 50_000, 3, time.time_ns() // 1_000_000 + 3_600_000)
    node_process.start()
    body = msgspec.msgpack.encode(raws)
    headers = {"content-type": "application/msgpack"}
    first = httpx.post(
        node_process.url + "/v1/txs",
        params={"wait_ms": "5000"},
        content=body,
        headers=headers,
        timeout=10,
    ).json()["answers"]
    assert [a["status"] for a in first] == ["committed"] * 3
    node_process.kill()
    node_process.start()
    again = httpx.post(
        node_process.url + "/v1/txs", content=body, headers=headers, timeout=10
    ).json()["answers"]
    assert [(a["hash"], a["status"], a["height"]) for a in again] == [
        (a["hash"], "committed", a["height"]) for a in first
    ]
    assert {a["hash"] for a in again} == {tx_hash_of(raw).hex() for raw in raws}
    height = httpx.get(node_process.url + "/v1/status").json()["height"]
    assert height == max(a["height"] for a in first), "a resubmission made a new block"
