"""An account's signing key: an Ed25519 key with its account address and a name."""

from __future__ import annotations

import nacl.utils

from originledger.core.address import Address, account_address
from originledger.core.crypto import SigningKey

__all__ = ["Key", "generate_key"]


class Key:
    """A signing key with its account address and a name."""

    def __init__(self, signing_key: SigningKey, name: str = "") -> None:
        self.signing_key = signing_key
        self.name = name
        self.public_key = signing_key.public_key
        self.address: Address = account_address(signing_key.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.signing_key.sign(message)

    def __repr__(self) -> str:
        return f"Key(name={self.name!r}, address={self.address})"


def generate_key(name: str = "") -> Key:
    return Key(SigningKey(nacl.utils.random(32)), name)
