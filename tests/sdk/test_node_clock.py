"""A client whose clock is far from the node's: ``Client.tx_builder()`` builds on the
node's clock (``now_ms`` of ``/v1/status``), so its transactions are neither expired nor
too far ahead when they reach the node; a builder on the client's own clock is refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from originledger.api.server import create_app
from originledger.core.amounts import Amount
from originledger.core.codes import TxCode
from originledger.modules.assets.types import Transfer
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.sdk import TxBuilder
from originledger.store.sqlite import SqliteStore
from tests.sdk.conftest import ALICE, BOB, CHAIN, VALIDATOR, genesis_bytes, sdk_client

HOUR_MS = 3_600_000


def _node_ahead_by(skew_ms: int) -> EmbeddedNode:
    return EmbeddedNode(
        SqliteStore(None),
        genesis_bytes(),
        VALIDATOR,
        NodeSettings(block_interval_ms=10),
        clock_ms=lambda: time.time_ns() // 1_000_000 + skew_ms,
    )


# The node two hours ahead of the client (a client's transaction would arrive expired),
# and thirty hours behind it (its expiry would lie more than a day ahead of the node).
@pytest.fixture(params=[2 * HOUR_MS, -30 * HOUR_MS], ids=["node-ahead", "node-behind"])
def skewed(request: pytest.FixtureRequest) -> Iterator[tuple[int, TestClient[Any]]]:
    node = _node_ahead_by(request.param)
    node.start()
    with TestClient(app=create_app(node)) as http:
        yield request.param, http
    node.stop()


def _pay(amount: int) -> list[Transfer]:
    return [Transfer(ALICE.address, BOB.address, "USDT", Amount(amount))]


def test_status_gives_the_nodes_clock(skewed: tuple[int, TestClient[Any]]) -> None:
    skew_ms, http = skewed
    before = time.time_ns() // 1_000_000
    now_ms = http.get("/v1/status").json()["now_ms"]
    after = time.time_ns() // 1_000_000
    assert before + skew_ms <= now_ms <= after + skew_ms


def test_a_builder_on_the_nodes_clock_is_accepted(skewed: tuple[int, TestClient[Any]]) -> None:
    skew_ms, http = skewed
    client = sdk_client(http)
    builder = client.tx_builder()
    assert abs(builder.clock() - (time.time_ns() // 1_000_000 + skew_ms)) < 60_000
    result = client.submit(builder.build(_pay(5), [ALICE]), wait_ms=10_000)
    assert result.status == "committed", result
    assert result.ok


def test_a_builder_on_a_wrong_local_clock_is_refused(skewed: tuple[int, TestClient[Any]]) -> None:
    skew_ms, http = skewed
    client = sdk_client(http)
    result = client.submit(TxBuilder(CHAIN).build(_pay(5), [ALICE]), wait_ms=0)
    assert result.status == "rejected"
    assert result.codespace == "tx"
    assert result.code == (TxCode.EXPIRED if skew_ms > 0 else TxCode.EXPIRY_TOO_FAR)
