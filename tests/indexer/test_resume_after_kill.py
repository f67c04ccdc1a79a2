"""A node process (``python -m originledger.server``, indexer included) is SIGKILLed twice
under load; after a restart its index catches up, counts every committed transaction
exactly once, and its balances equal the balances the SDK proves."""

from __future__ import annotations

import random
import threading
import time

import httpx
import msgspec
from sqlalchemy import func, select

from originledger.bench.accounts import sign_transfers
from originledger.core.address import account_address
from originledger.indexer import open_engine, schema
from originledger.sdk import Client
from originledger.store.sqlite import SqliteStore
from tests.node.conftest import (  # noqa: F401 - fixtures
    ACCOUNTS,
    bench_keys,
    funded_home,
    node_process,
)

BATCH = 100


def _load(url: str, raws: list[bytes], stop: threading.Event) -> None:
    client = httpx.Client(base_url=url, timeout=10)
    for start in range(0, len(raws), BATCH):
        if stop.is_set():
            return
        try:
            client.post(
                "/v1/txs",
                params={"wait_ms": "1000"},
                content=msgspec.msgpack.encode(raws[start : start + BATCH]),
                headers={"content-type": "application/msgpack"},
            )
        except httpx.HTTPError:
            return  # the node died mid-request


def _wait_indexed(url: str, timeout_s: float = 60.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = httpx.get(url + "/v1/index/status", timeout=5).json()
        if status["indexed_height"] == status["node_height"]:
            return int(status["node_height"])
        time.sleep(0.1)
    raise AssertionError(f"the index did not catch up: {status}")


def test_index_resumes_after_kill_without_double_counting(node_process, bench_keys) -> None:  # noqa: F811
    rng = random.Random(61)
    raws = sign_transfers(bench_keys, 0, 3_000, time.time_ns() // 1_000_000 + 3_600_000)
    per_round = len(raws) // 2
    for round_number in range(2):
        node_process.start()
        stop = threading.Event()
        part = raws[round_number * per_round : (round_number + 1) * per_round]
        loader = threading.Thread(target=_load, args=(node_process.url, part, stop))
        loader.start()
        time.sleep(rng.uniform(0.6, 1.2))
        node_process.kill()
        stop.set()
        loader.join(timeout=30)

    node_process.start()
    height = _wait_indexed(node_process.url)
    assert height > 1, "nothing was committed before the kills; the test proved nothing"
    client = Client(node_process.url)
    client.trust(trust_node_genesis=True)  # the test's own node
    for key in bench_keys[:ACCOUNTS:7]:
        address = str(account_address(key))
        proven = client.verified_account(address).balances
        indexed = client._request("GET", f"/v1/index/accounts/{address}")["balances"]
        assert {b["symbol"]: b["amount"] for b in indexed} == {
            symbol: str(amount) for symbol, amount in proven.items()
        }
    node_process.stop()

    ledger = SqliteStore(node_process.home / "data" / "ledger.sqlite")
    engine = open_engine(f"sqlite:///{node_process.home / 'data' / 'index.sqlite'}")
    try:
        with ledger.reader() as connection:
            committed = connection.execute("SELECT count(*) FROM txs").fetchone()[0]
            moved = connection.execute("SELECT count(*) FROM events").fetchone()[0]
        with engine.connect() as connection:
            count = lambda table: connection.execute(  # noqa: E731
                select(func.count()).select_from(table)
            ).scalar_one()
            assert count(schema.txs) == committed
            assert count(schema.events) == moved
            assert count(schema.history) == 2 * count(schema.transfers) - ACCOUNTS  # mints
            supply = connection.execute(select(schema.assets.c.supply)).scalar_one()
            amounts = connection.execute(select(schema.balances.c.amount)).scalars().all()
        assert sum(amounts) == supply
    finally:
        engine.dispose()
        ledger.close()
