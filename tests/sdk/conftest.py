"""Fixtures for SDK verification tests: an embedded dev node behind the Litestar test
client, an SDK client talking to it (directly or through a tampering proxy), and helpers
that build CometBFT signed headers with test validator keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from originledger.api.server import create_app
from originledger.core.crypto import SigningKey
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.sdk import Client, Key, TxBuilder
from originledger.store.sqlite import SqliteStore
from tests.dev_node import ADMIN as ADMIN
from tests.dev_node import ALICE as ALICE
from tests.dev_node import BOB as BOB
from tests.dev_node import dev_genesis_bytes

CHAIN = "verify-test"
VALIDATOR = SigningKey(bytes(range(32)))
CAROL = Key(SigningKey(b"\x03" * 32), "carol")


def genesis_bytes(chain_id: str = CHAIN, validator: SigningKey = VALIDATOR) -> bytes:
    return dev_genesis_bytes(chain_id, validator)


@pytest.fixture
def node() -> Iterator[EmbeddedNode]:
    node = EmbeddedNode(
        SqliteStore(None), genesis_bytes(), VALIDATOR, NodeSettings(block_interval_ms=10)
    )
    yield node
    node.stop()


@pytest.fixture
def http(node: EmbeddedNode) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(node)) as test_client:
        yield test_client


@pytest.fixture
def builder() -> TxBuilder:
    return TxBuilder(CHAIN)


Rewrite = Callable[[str, Any], Any]


def sdk_client(http: TestClient[Any], rewrite: Rewrite | None = None, **options: Any) -> Client:
    """An SDK client whose requests reach the test node, through a proxy that passes each
    JSON answer through ``rewrite(path, body)`` when given."""

    def handle(request: httpx.Request) -> httpx.Response:
        answer = http.request(
            request.method,
            request.url.path,
            params=request.url.params,
            content=request.content,
            headers={"content-type": request.headers.get("content-type", "")},
        )
        kind = answer.headers.get("content-type", "")
        if rewrite is None or "json" not in kind or answer.status_code != 200:
            return httpx.Response(
                answer.status_code, content=answer.content, headers={"content-type": kind}
            )
        return httpx.Response(200, json=rewrite(request.url.path, answer.json()))

    client = Client("http://proxy", **options)
    client._http = httpx.Client(base_url="http://proxy", transport=httpx.MockTransport(handle))
    return client
