"""How CometBFT names a validator: its address, and its entry in CometBFT's genesis.json."""

from __future__ import annotations

import base64

from originledger.core.crypto import sha256

__all__ = ["genesis_validator_entry", "validator_address"]


def validator_address(public_key: bytes) -> bytes:
    """CometBFT's address of an Ed25519 validator: the first 20 bytes of sha256(key)."""
    return sha256(public_key)[:20]


def genesis_validator_entry(public_key: bytes, power: int, name: str) -> dict[str, object]:
    """A validator as CometBFT's genesis.json lists it."""
    return {
        "address": validator_address(public_key).hex().upper(),
        "pub_key": {
            "type": "tendermint/PubKeyEd25519",
            "value": base64.b64encode(public_key).decode(),
        },
        "power": str(power),
        "name": name,
    }
