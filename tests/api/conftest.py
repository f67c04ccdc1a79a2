"""Fixtures for API tests: a dev node behind the Litestar test client, with keys."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from originledger.api.server import create_app
from originledger.core.crypto import SigningKey
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.sdk import Key, TxBuilder
from originledger.store.sqlite import SqliteStore

CHAIN = "api-test"
VALIDATOR = SigningKey(bytes(range(32)))
ADMIN = Key(SigningKey(b"\x0a" * 32), "admin")
ALICE = Key(SigningKey(b"\x01" * 32), "alice")
BOB = Key(SigningKey(b"\x02" * 32), "bob")


def genesis_bytes() -> bytes:
    return json.dumps(
        {
            "chain_id": CHAIN,
            "genesis_time_ms": 1_000,
            "validators": [{"public_key": base64.b64encode(VALIDATOR.public_key).decode()}],
            "app_state": {
                "accounts": {
                    "accounts": [{"address": str(ADMIN.address), "roles": ["admin", "issuer"]}]
                },
                "assets": {
                    "assets": [
                        {
                            "symbol": "USDT",
                            "name": "Test Dollar",
                            "decimals": 2,
                            "asset_class": "payment",
                            "issuer": str(ADMIN.address),
                            "max_supply": "100000000",
                        }
                    ],
                    "balances": [
                        {"account": str(ALICE.address), "symbol": "USDT", "amount": "100000"}
                    ],
                },
            },
        }
    ).encode()


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
