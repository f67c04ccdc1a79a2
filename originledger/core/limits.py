"""Every limit of the kernel in one place, each with its unit in its name.

Modules keep their own limits in their ``types.py`` next to the fields they bound; the
numbers here bound the envelope, the block and the pages that every module shares.
"""

from __future__ import annotations

__all__ = [
    "AMOUNT_MAX",
    "ASSET_DECIMALS_MAX",
    "ASSET_NAME_BYTES_MAX",
    "ASSET_SYMBOL_BYTES_MAX",
    "BLOCK_BYTES_MAX",
    "BLOCK_TXS_MAX",
    "CHAIN_ID_BYTES_MAX",
    "EVENTS_PER_TX_MAX",
    "MEMO_BYTES_MAX",
    "MEMPOOL_TXS_MAX",
    "MEMPOOL_TXS_PER_SIGNER_MAX",
    "MEMPOOL_UNREGISTERED_PER_SIGNER_MAX",
    "MEMPOOL_UNREGISTERED_TXS_MAX",
    "MESSAGES_PER_TX_MAX",
    "PAGE_ITEMS_MAX",
    "SIGNERS_PER_TX_MAX",
    "STATE_KEY_BYTES_MAX",
    "STATE_VALUE_BYTES_MAX",
    "SUBMIT_BATCH_TXS_MAX",
    "TIME_MS_MAX",
    "TX_BYTES_MAX",
    "TX_TTL_MS_MAX",
]

# Amounts are integers in minor units: 0 <= amount <= AMOUNT_MAX.
AMOUNT_MAX = 2**128 - 1
ASSET_DECIMALS_MAX = 18
ASSET_SYMBOL_BYTES_MAX = 12
ASSET_NAME_BYTES_MAX = 64

# Every time on the ledger (an expiry, a deadline, a maturity, an "as of" time, in ms
# since the Unix epoch) is at most the last millisecond of the year 9999 (UTC): far below
# 2**63, so that no index, database column or date library overflows on a ledger time.
TIME_MS_MAX = 253_402_300_799_999

# The transaction envelope.
CHAIN_ID_BYTES_MAX = 64
TX_BYTES_MAX = 32 * 1024
MESSAGES_PER_TX_MAX = 32
SIGNERS_PER_TX_MAX = 8
MEMO_BYTES_MAX = 256
# How far ahead of the block time a transaction's expiry may lie: one day.
TX_TTL_MS_MAX = 24 * 60 * 60 * 1000
EVENTS_PER_TX_MAX = 256

# Blocks.
BLOCK_TXS_MAX = 20_000
BLOCK_BYTES_MAX = 16 * 1024 * 1024

# State records.
STATE_KEY_BYTES_MAX = 256
STATE_VALUE_BYTES_MAX = 64 * 1024

# The shell: mempool and API.
MEMPOOL_TXS_MAX = 200_000
MEMPOOL_TXS_PER_SIGNER_MAX = 50_000
# Admission "quota" (node/mempool.py): the places all signers without an account in state
# share, and the most one of them may hold (a tenth of the mempool, so that new keys cannot
# crowd out registered accounts).
MEMPOOL_UNREGISTERED_TXS_MAX = 20_000
MEMPOOL_UNREGISTERED_PER_SIGNER_MAX = 100
SUBMIT_BATCH_TXS_MAX = 5_000
PAGE_ITEMS_MAX = 500
