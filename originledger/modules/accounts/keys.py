"""State keys of the accounts module (all under ``accounts/``)."""

from __future__ import annotations

from originledger.core.address import Address

__all__ = [
    "ACCOUNT_PREFIX",
    "MULTISIG_PREFIX",
    "account_key",
    "address_of_account_key",
    "multisig_key",
]

ACCOUNT_PREFIX = b"accounts/acct/"
MULTISIG_PREFIX = b"accounts/multisig/"


def multisig_key(address: Address) -> bytes:
    """``accounts/multisig/<20-byte address>`` -> ``MultisigRecord``."""
    return MULTISIG_PREFIX + address


def account_key(address: Address) -> bytes:
    """``accounts/acct/<20-byte address>`` -> ``AccountRecord``."""
    return ACCOUNT_PREFIX + address


def address_of_account_key(key: bytes) -> Address:
    return Address(key[len(ACCOUNT_PREFIX) :])
