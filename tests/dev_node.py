"""The genesis of the small dev chain that the API and SDK tests run a node on: one
validator, an admin who issues a 2-decimal payment asset ``USDT``, and 1,000.00 of it for
``ALICE``."""

from __future__ import annotations

from originledger.core.crypto import SigningKey
from originledger.genesis import GenesisBuilder
from originledger.sdk import Key

ADMIN = Key(SigningKey(b"\x0a" * 32), "admin")
ALICE = Key(SigningKey(b"\x01" * 32), "alice")
BOB = Key(SigningKey(b"\x02" * 32), "bob")


def dev_genesis_bytes(chain_id: str, validator: SigningKey) -> bytes:
    return (
        GenesisBuilder(chain_id, genesis_time_ms=1_000)
        .validator(validator.public_key)
        .account(ADMIN.address, roles=["admin", "issuer"])
        .asset(
            "USDT",
            name="Test Dollar",
            decimals=2,
            asset_class="payment",
            issuer=ADMIN.address,
            max_supply=100_000_000,
        )
        .balance(ALICE.address, "USDT", 100_000)
        .build()
    )
