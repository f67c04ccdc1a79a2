"""The genesis of the small dev chain that the API and SDK tests run a node on: one
validator, an admin who issues a 2-decimal payment asset ``USDT``, and 1,000.00 of it for
``ALICE``."""

from __future__ import annotations

import base64
import json

from originledger.core.crypto import SigningKey
from originledger.sdk import Key

ADMIN = Key(SigningKey(b"\x0a" * 32), "admin")
ALICE = Key(SigningKey(b"\x01" * 32), "alice")
BOB = Key(SigningKey(b"\x02" * 32), "bob")


def dev_genesis_bytes(chain_id: str, validator: SigningKey) -> bytes:
    return json.dumps(
        {
            "chain_id": chain_id,
            "genesis_time_ms": 1_000,
            "validators": [{"public_key": base64.b64encode(validator.public_key).decode()}],
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
