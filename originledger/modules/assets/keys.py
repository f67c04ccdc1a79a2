"""State keys of the assets module (all under ``assets/``)."""

from __future__ import annotations

from originledger.core.address import ADDRESS_BYTES, Address, module_address
from originledger.core.expiry import ExpiryIndex
from originledger.modules.assets.types import HOLD_EXPIRY_BUCKET_BITS, ExpiryCursor, Transfer

__all__ = [
    "ASSET_PREFIX",
    "BALANCE_PREFIX",
    "EXPIRY_CURSOR_KEY",
    "FEES_COLLECTED_KEY",
    "FEE_COLLECTOR",
    "FEE_SCHEDULE_KEY",
    "HOLD_ACCOUNT_PREFIX",
    "HOLD_EXPIRY",
    "HOLD_EXPIRY_PREFIX",
    "HOLD_PREFIX",
    "PARAMS_KEY",
    "asset_key",
    "balance_key",
    "balance_prefix",
    "hold_account_key",
    "hold_account_prefix",
    "hold_expiry_key",
    "hold_key",
    "movement_keys",
    "split_balance_key",
    "split_hold_expiry_key",
    "transfer_keys",
]

ASSET_PREFIX = b"assets/asset/"
BALANCE_PREFIX = b"assets/bal/"
HOLD_PREFIX = b"assets/hold/"
HOLD_EXPIRY_PREFIX = b"assets/hold_exp/"
HOLD_ACCOUNT_PREFIX = b"assets/hold_acct/"
EXPIRY_CURSOR_KEY = b"assets/hold_exp_cursor"
PARAMS_KEY = b"assets/params"
# Chains with fees only (written by genesis when it sets ``fees``): the ``FeeSchedule``,
# and the total of fees ever paid (an encoded amount), which the fee collector's
# balance must equal.
FEE_SCHEDULE_KEY = b"assets/fee_schedule"
FEES_COLLECTED_KEY = b"assets/fees_collected"
# The module account that receives fees: no key controls it, and no user message may name
# it (``Module.accounts``).
FEE_COLLECTOR = module_address("assets/fees")

# Open holds by expiry (``core/expiry.py``): ``assets/hold_exp/<expiry: 8 bytes BE><id>``
# and the cursor ``assets/hold_exp_cursor`` (``ExpiryCursor { bucket, open_holds }``), in
# buckets of 2**16 ms.
HOLD_EXPIRY = ExpiryIndex(
    HOLD_EXPIRY_PREFIX, EXPIRY_CURSOR_KEY, ExpiryCursor, bucket_bits=HOLD_EXPIRY_BUCKET_BITS
)


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


def hold_key(hold_id: bytes) -> bytes:
    """``assets/hold/<32-byte id>`` -> ``Hold`` (open holds only)."""
    return HOLD_PREFIX + hold_id


def hold_expiry_key(expires_at_ms: int, hold_id: bytes) -> bytes:
    """``assets/hold_exp/<expiry: 8 bytes big-endian><id>`` -> ``b"\\x01"``: open holds in
    the order they expire."""
    return HOLD_EXPIRY.key(expires_at_ms, hold_id)


def split_hold_expiry_key(key: bytes) -> tuple[int, bytes]:
    return HOLD_EXPIRY.split(key)


def hold_account_key(account: Address, hold_id: bytes) -> bytes:
    """``assets/hold_acct/<20-byte account><id>`` -> ``b"p"`` (payer) or ``b"r"`` (payee):
    an account's open holds, for the ``holds`` query."""
    return HOLD_ACCOUNT_PREFIX + account + hold_id


def hold_account_prefix(account: Address) -> bytes:
    return HOLD_ACCOUNT_PREFIX + account


def movement_keys(symbol: str, sender: Address, recipient: Address) -> tuple[bytes, ...]:
    """The keys a movement of ``symbol`` reads: the asset and both balance lines (what a
    ``Transfer`` declares for prefetching, ``Module.prefetch``)."""
    return (
        asset_key(symbol),
        balance_key(sender, symbol),
        balance_key(recipient, symbol),
    )


def transfer_keys(message: Transfer) -> tuple[bytes, ...]:
    """What a ``Transfer`` reads (its ``Module.prefetch``)."""
    return movement_keys(message.symbol, message.sender, message.recipient)
