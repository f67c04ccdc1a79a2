"""The HTTP API of each validator in network mode: submission goes through CometBFT's
mempool (and so to every validator); reads answer from each validator's own ledger."""

from __future__ import annotations

import time
from typing import Any

import httpx

from originledger.sdk import Client
from tests.conftest import ALICE, BOB
from tests.network.conftest import OPENING_MINOR, LocalNetwork

WAIT_S = 30.0


def wait_for_api(url: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the API at {url} did not answer within {WAIT_S} s")


def test_api_submit_through_one_validator_commits_on_all(local_network: Any) -> None:
    network: LocalNetwork = local_network(4)
    for validator in network.validators:
        wait_for_api(validator.api_url)
    clients = [Client(v.api_url) for v in network.validators]
    try:
        raws = [network.transfer(ALICE, BOB, 100 + i) for i in range(5)]
        answers = clients[1].submit_raw(raws, wait_ms=20_000)
        assert [a.status for a in answers] == ["committed"] * 5, answers
        assert all(a.ok for a in answers)
        # Resubmitting is idempotent: the first outcome, from any validator.
        again = clients[2].submit_raw(raws[:1], wait_ms=5_000)[0]
        assert (again.status, again.hash, again.height) == (
            "committed",
            answers[0].hash,
            answers[0].height,
        )
        # A bad transaction is refused with its code, by the app's own check.
        forged = bytearray(network.transfer(ALICE, BOB, 1))
        forged[-1] ^= 1
        refused = clients[3].submit_raw([bytes(forged)])[0]
        assert (refused.status, refused.codespace) == ("rejected", "tx")
        # Every validator's API has the receipt and the same balance.
        expected = OPENING_MINOR + sum(100 + i for i in range(5))
        for client in clients:
            deadline = time.monotonic() + WAIT_S
            while client.status()["height"] < max(a.height or 0 for a in answers):
                assert time.monotonic() < deadline, "a validator's API lags behind"
                time.sleep(0.1)
            receipt = client.receipt(answers[-1].hash or "")
            assert receipt["status"] == "committed"
            assert receipt["height"] == answers[-1].height
            balance = client.query("assets", "balance", account=str(BOB.address), symbol="USD")
            assert int(balance["result"]["amount"]) == expected
        statuses = [c.status() for c in clients]
        assert len({s["chain_id"] for s in statuses}) == 1
        assert len({s["validator"] for s in statuses}) == 4
    finally:
        for client in clients:
            client.close()
