"""State keys of the payments module (all under ``payments/``)."""

from __future__ import annotations

from originledger.core.expiry import ExpiryIndex
from originledger.modules.payments.types import (
    AUTHORIZATION_EXPIRY_BUCKET_BITS,
    AuthorizationExpiryCursor,
)

__all__ = [
    "AUTHORIZATION_EXPIRY",
    "AUTHORIZATION_EXPIRY_CURSOR_KEY",
    "AUTHORIZATION_EXPIRY_PREFIX",
    "AUTHORIZATION_PREFIX",
    "CHANNEL_PREFIX",
    "ESCROW_PREFIX",
    "LOCKED_PREFIX",
    "REQUEST_PREFIX",
    "authorization_expiry_key",
    "authorization_key",
    "channel_key",
    "escrow_key",
    "locked_key",
    "request_key",
    "split_authorization_expiry_key",
]

REQUEST_PREFIX = b"payments/request/"
AUTHORIZATION_PREFIX = b"payments/auth/"
AUTHORIZATION_EXPIRY_PREFIX = b"payments/auth_exp/"
AUTHORIZATION_EXPIRY_CURSOR_KEY = b"payments/auth_exp_cursor"
ESCROW_PREFIX = b"payments/escrow/"
CHANNEL_PREFIX = b"payments/channel/"
LOCKED_PREFIX = b"payments/locked/"

# Open authorizations by expiry (``core/expiry.py``): ``payments/auth_exp/<expiry: 8 bytes
# BE><id>`` and the cursor ``payments/auth_exp_cursor`` (``AuthorizationExpiryCursor
# { bucket, open_authorizations }``), in buckets of 2**16 ms.
AUTHORIZATION_EXPIRY = ExpiryIndex(
    AUTHORIZATION_EXPIRY_PREFIX,
    AUTHORIZATION_EXPIRY_CURSOR_KEY,
    AuthorizationExpiryCursor,
    bucket_bits=AUTHORIZATION_EXPIRY_BUCKET_BITS,
)


def request_key(request_id: bytes) -> bytes:
    """``payments/request/<32-byte id>`` -> ``PaymentRequest``."""
    return REQUEST_PREFIX + request_id


def authorization_key(authorization_id: bytes) -> bytes:
    """``payments/auth/<32-byte id>`` -> ``Authorization``."""
    return AUTHORIZATION_PREFIX + authorization_id


def authorization_expiry_key(expires_at_ms: int, authorization_id: bytes) -> bytes:
    """``payments/auth_exp/<expiry: 8 bytes big-endian><id>`` -> ``0x01``: open
    authorizations in the order they expire."""
    return AUTHORIZATION_EXPIRY.key(expires_at_ms, authorization_id)


def split_authorization_expiry_key(key: bytes) -> tuple[int, bytes]:
    return AUTHORIZATION_EXPIRY.split(key)


def escrow_key(escrow_id: bytes) -> bytes:
    """``payments/escrow/<32-byte id>`` -> ``Escrow``."""
    return ESCROW_PREFIX + escrow_id


def channel_key(channel_id: bytes) -> bytes:
    """``payments/channel/<32-byte id>`` -> ``Channel``."""
    return CHANNEL_PREFIX + channel_id


def locked_key(symbol: str) -> bytes:
    """``payments/locked/<symbol>`` -> ``Amount``: what the module account holds for open
    escrows and channels in the asset."""
    return LOCKED_PREFIX + symbol.encode()
