"""Crash safety: SIGKILL the node under load at random moments; nothing reported committed
is lost, and the restarted node's state root equals a full replay from genesis."""

from __future__ import annotations

import random
import threading
import time

import httpx
import msgspec

from originledger.bench import sign_transfers, tx_hash_of
from originledger.node.replay import verify_chain
from originledger.store.sqlite import SqliteStore

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


def test_kill_during_load_loses_nothing_committed(node_process, bench_keys) -> None:
    rng = random.Random(20261123)
    expires_at_ms = time.time_ns() // 1_000_000 + 3_600_000
    raws = sign_transfers(bench_keys, 0, 6_000, expires_at_ms)
    per_round = len(raws) // KILLS
    committed: set[str] = set()
    for round_number in range(KILLS):
        node_process.start()
        stop = threading.Event()
        part = raws[round_number * per_round : (round_number + 1) * per_round]
        loader = threading.Thread(target=_load, args=(node_process.url, part, committed, stop))
        loader.start()
        time.sleep(rng.uniform(0.3, 1.5))
        node_process.kill()
        stop.set()
        loader.join(timeout=30)
    assert committed, "the load committed nothing before the kills; the test proved nothing"

    node_process.start()
    client = httpx.Client(base_url=node_process.url, timeout=10)
    for tx_hash in sorted(committed):
        receipt = client.get(f"/v1/txs/{tx_hash}")
        assert receipt.status_code == 200, f"{tx_hash} was reported committed, then lost"
        assert receipt.json()["status"] == "committed"
    height = client.get("/v1/status").json()["height"]
    node_process.stop()

    store = SqliteStore(node_process.home / "data" / "ledger.sqlite")
    try:
        report = verify_chain(store)
        assert report.ok, report.problems
        assert report.height == height
        assert report.state_root == store.chain_meta().app_hash
    finally:
        store.close()


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
