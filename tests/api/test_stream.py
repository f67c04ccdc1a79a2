"""The live event stream over a real HTTP server: events arrive in order, from a durable
cursor, and a client that reconnects with its last cursor misses nothing."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from originledger.core.amounts import Amount
from originledger.modules.assets.types import Transfer
from originledger.sdk import Client
from originledger.server.background import BackgroundServer

from .conftest import ALICE, BOB


@pytest.fixture
def server(node):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    background = BackgroundServer(node, f"127.0.0.1:{port}").start()
    yield background
    background.stop()


def test_stream_follows_from_cursor(server, builder) -> None:
    client = Client(server.url)
    for amount in (1, 2):
        tx = builder.build([Transfer(ALICE.address, BOB.address, "USDT", Amount(amount))], [ALICE])
        assert client.submit(tx).status == "committed"
    page = client.events(limit=500)["events"]
    stream = client.stream_events()
    streamed = [next(stream) for _ in range(len(page))]
    assert streamed == page

    # Reconnect after the third event: the stream resumes exactly after it.
    cursor = f"{page[2]['height']}:{page[2]['index']}"
    resumed = client.stream_events(after=cursor)
    assert next(resumed) == page[3]

    # A new block reaches a follower that is already waiting at the end.
    live = client.stream_events(after=f"{page[-1]['height']}:{page[-1]['index']}")
    received: list[dict] = []
    follower = threading.Thread(target=lambda: received.append(next(live)))
    follower.start()
    time.sleep(0.3)
    assert not received, "the stream produced an event before there was one"
    tx = builder.build([Transfer(ALICE.address, BOB.address, "USDT", Amount(3))], [ALICE])
    assert Client(server.url).submit(tx).status == "committed"
    follower.join(timeout=10)
    (event,) = received
    assert event["type"] == "assets/transferred" and event["data"]["amount"] == "3"
    assert event["height"] == page[-1]["height"] + 1


def test_verified_account_proves_roles_and_balances(server, builder) -> None:
    from .conftest import ADMIN, genesis_bytes

    client = Client(server.url, genesis=genesis_bytes())
    tx = builder.build([Transfer(ALICE.address, BOB.address, "USDT", Amount(7))], [ALICE])
    assert client.submit(tx).status == "committed"
    admin = client.verified_account(ADMIN.address)
    assert admin.record is not None and admin.record.roles == ["admin", "issuer"]
    bob = client.verified_account(BOB.address)
    assert bob.record is None and bob.balances == {"USDT": 7}
    alice = client.verified_account(ALICE.address)
    assert alice.record is not None and alice.record.public_key == ALICE.public_key
    assert alice.balances == {"USDT": 100000 - 7}
