"""State keys of the assets module (all under ``assets/``)."""

from __future__ import annotations

from originledger.core.address import ADDRESS_BYTES, Address

__all__ = [
    "ASSET_PREFIX",
    "BALANCE_PREFIX",
    "asset_key",
    "balance_key",
    "balance_prefix",
    "split_balance_key",
]

ASSET_PREFIX = b"assets/asset/"
BALANCE_PREFIX = b"assets/bal/"


def asset_key(symbol: str) -> bytes:
    """``assets/asset/<symbol>`` -> ``AssetRecord``."""
    return ASSET_PREFIX + symbol.encode()


def balance_key(account: Address, symbol: str) -> bytes:
    """``assets/bal/<20-byte account><symbol>`` -> ``Balance``; an account's balances are
    contiguous, so listing them is one range scan."""
    return BALANCE_PREFIX + account + symbol.encode()


def balance_prefix(account: Address) -> bytes:
    return BALANCE_PREFIX + account


def split_balance_key(key: bytes) -> tuple[Address, str]:
    body = key[len(BALANCE_PREFIX) :]
    return Address(body[:ADDRESS_BYTES]), body[ADDRESS_BYTES:].decode()
