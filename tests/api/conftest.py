"""Fixtures for API tests: a dev node behind the Litestar test client, with keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from originledger.api.server import create_app
from originledger.core.crypto import SigningKey
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.sdk import TxBuilder
from originledger.store.sqlite import SqliteStore
from tests.dev_node import ADMIN as ADMIN
from tests.dev_node import ALICE as ALICE
from tests.dev_node import BOB as BOB
from tests.dev_node import dev_genesis_bytes

CHAIN = "api-test"
VALIDATOR = SigningKey(bytes(range(32)))


def genesis_bytes() -> bytes:
    return dev_genesis_bytes(CHAIN, VALIDATOR)


@pytest.fixture
def node() -> Iterator[EmbeddedNode]:
    node = EmbeddedNode(
        SqliteStore(None), genesis_bytes(), VALIDATOR, NodeSettings(block_interval_ms=10)
    )
    yield node
    node.stop()


@pytest.fixture
def client(node: EmbeddedNode) -> Iterator[TestClient]:
    with TestClient(app=create_app(node)) as test_client:
        yield test_client


@pytest.fixture
def builder() -> TxBuilder:
    return TxBuilder(CHAIN)
