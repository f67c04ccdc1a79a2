"""The index's tables: one schema for SQLite and PostgreSQL, through SQLAlchemy Core.

Amounts go up to 2^128 - 1 (39 decimal digits). On PostgreSQL they are ``NUMERIC(39, 0)``;
on SQLite, whose integers stop at 2^63, they are 39-character zero-padded decimal strings,
so that ordering them as text orders them as numbers (top holders). Either way Python
reads and writes plain ``int``; sums are computed in Python, never in SQL.

Addresses are bech32m text, hashes lowercase hex, times milliseconds since the epoch.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Dialect,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "AMOUNT_DIGITS",
    "SCHEMA_VERSION",
    "AmountType",
    "metadata",
]

SCHEMA_VERSION = 2  # 2: ix_payments
AMOUNT_DIGITS = 39  # len(str(2**128 - 1))


class AmountType(TypeDecorator[int]):
    """An integer amount in [0, 2^128): NUMERIC(39,0) on PostgreSQL, padded text elsewhere."""

    impl = String(AMOUNT_DIGITS)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(AMOUNT_DIGITS, 0))
        return dialect.type_descriptor(String(AMOUNT_DIGITS))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        number = int(value)
        if not 0 <= number < 2**128:
            raise ValueError(f"amount {number} outside [0, 2^128)")
        if dialect.name == "postgresql":
            return Decimal(number)
        return f"{number:0{AMOUNT_DIGITS}d}"

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value)


metadata = MetaData()

Amount = AmountType
Height = BigInteger

cursor = Table(
    "ix_cursor",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("height", Height, nullable=False),
    Column("chain_id", String(128), nullable=False),
    Column("schema_version", Integer, nullable=False),
)

blocks = Table(
    "ix_blocks",
    metadata,
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("hash", String(64)),
    Column("time_ms", BigInteger, nullable=False),
    Column("tx_count", Integer, nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("proposer", String(64)),
    Column("state_root", String(64)),
)

txs = Table(
    "ix_txs",
    metadata,
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("codespace", String(64), nullable=False),
    Column("code", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("signers", Text, nullable=False),  # space-separated addresses
    Column("types", Text, nullable=False),  # space-separated message types
    Column("memo", Text, nullable=False),
    Column("time_ms", BigInteger, nullable=False),
    Index("ix_txs_hash", "hash"),
)

# Which transactions concern an account (as signer or in an event), for its history.
tx_accounts = Table(
    "ix_tx_accounts",
    metadata,
    Column("address", String(90), primary_key=True),
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("position", Integer, primary_key=True, autoincrement=False),
)

events = Table(
    "ix_events",
    metadata,
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("tx_index", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("data", Text, nullable=False),  # the event as the API shows it, JSON
    Index("ix_events_type", "type"),
)

# Every movement of units: transfers, mints, burns, clawbacks, forced transfers,
# recoveries and posted holds. sender is NULL for a mint, recipient NULL for a burn.
transfers = Table(
    "ix_transfers",
    metadata,
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("tx_index", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("sender", String(90)),
    Column("recipient", String(90)),
    Column("amount", Amount, nullable=False),
    Column("time_ms", BigInteger, nullable=False),
    Index("ix_transfers_symbol", "symbol", "height"),
)

# One row per side of each movement, with the balance after it (running balance).
history = Table(
    "ix_history",
    metadata,
    Column("address", String(90), primary_key=True),
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("leg", Integer, primary_key=True, autoincrement=False),  # 0 debit, 1 credit
    Column("tx_index", Integer, nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("direction", String(3), nullable=False),  # in | out
    Column("amount", Amount, nullable=False),
    Column("balance", Amount, nullable=False),
    Column("counterparty", String(90)),
    Column("time_ms", BigInteger, nullable=False),
)

balances = Table(
    "ix_balances",
    metadata,
    Column("address", String(90), primary_key=True),
    Column("symbol", String(32), primary_key=True),
    Column("amount", Amount, nullable=False),
    Column("held", Amount, nullable=False),
    Column("amount_frozen", Amount, nullable=False),
    Column("frozen", Boolean, nullable=False),
    Column("deep", Boolean, nullable=False),
    Column("authorized", Boolean, nullable=False),
    Column("updated_height", Height, nullable=False),
    Index("ix_balances_symbol_amount", "symbol", "amount"),
)

holds = Table(
    "ix_holds",
    metadata,
    Column("hold_id", String(64), primary_key=True),
    Column("symbol", String(32), nullable=False),
    Column("payer", String(90), nullable=False),
    Column("payee", String(90), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("status", String(8), nullable=False),  # open | posted | voided | expired
    Column("settled", Amount, nullable=False),
    Column("released", Amount, nullable=False),
    Column("placed_height", Height, nullable=False),
    Column("closed_height", Height),
    Index("ix_holds_payer", "payer"),
    Index("ix_holds_payee", "payee"),
)

# One row per object of the payments module: a request, an authorization, an escrow or a
# channel, keyed by its 32-byte id (hex). Columns per kind:
#   request:       payer NULL until paid; payee = merchant; amount requested (once paid in
#                  an accepted alternative, symbol and amount become the asset and amount
#                  paid); settled = paid; refunded; status open | paid | cancelled (an open
#                  request past its expiry stays open here: the module's query says expired).
#   authorization: payee = merchant; amount authorized; settled = captured in total;
#                  refunded; status open | captured (captured in full or finally) | voided
#                  | expired.
#   escrow:        amount escrowed; settled = released; status open | released | cancelled;
#                  reference NULL (escrow_created carries none).
#   channel:       payer = sender, payee = recipient; amount = deposit (channel_funded adds);
#                  settled = paid to the recipient in total; status open | closing | closed;
#                  reference NULL.
# Swaps have no row: they have no id on the chain and may move several assets between
# several accounts; their legs are in ix_transfers and the payments/swapped event in
# ix_events.
payments = Table(
    "ix_payments",
    metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # request | authorization | escrow | channel
    Column("payer", String(90)),
    Column("payee", String(90), nullable=False),
    Column("symbol", String(32), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("settled", Amount, nullable=False),
    Column("refunded", Amount, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reference", Text),
    Column("created_height", Height, nullable=False),
    Column("updated_height", Height, nullable=False),
    Index("ix_payments_payer", "payer"),
    Index("ix_payments_payee", "payee"),
)

accounts = Table(
    "ix_accounts",
    metadata,
    Column("address", String(90), primary_key=True),
    Column("created_height", Height),
    Column("first_seen_height", Height, nullable=False),
    Column("roles", Text, nullable=False),  # space-separated, sorted
)

assets = Table(
    "ix_assets",
    metadata,
    Column("symbol", String(32), primary_key=True),
    Column("issuer", String(90), nullable=False),
    Column("asset_class", String(16), nullable=False),
    Column("decimals", Integer, nullable=False),
    Column("max_supply", Amount, nullable=False),
    Column("supply", Amount, nullable=False),
    Column("created_height", Height, nullable=False),
    Column("flags", Text, nullable=False),  # JSON object of the policy and control flags
    Column("reserves", Amount),
    Column("reserves_as_of_ms", BigInteger),
    Column("custodian", String(90)),
)

supply_points = Table(
    "ix_supply",
    metadata,
    Column("symbol", String(32), primary_key=True),
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("time_ms", BigInteger, nullable=False),
    Column("supply", Amount, nullable=False),
)

volume_daily = Table(
    "ix_volume_daily",
    metadata,
    Column("symbol", String(32), primary_key=True),
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, UTC
    Column("amount", Amount, nullable=False),
    Column("transfers", Integer, nullable=False),
)

reserves = Table(
    "ix_reserves",
    metadata,
    Column("symbol", String(32), primary_key=True),
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("custodian", String(90), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("as_of_ms", BigInteger, nullable=False),
)

attestations = Table(
    "ix_attestations",
    metadata,
    Column("attestation_id", String(64), primary_key=True),
    Column("schema_id", String(64), nullable=False),
    Column("attester", String(90), nullable=False),
    Column("recipient", String(90), nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("revoked_at_ms", BigInteger),
    Column("height", Height, nullable=False),
    Index("ix_attestations_recipient", "recipient"),
)

__all__ += [
    "accounts",
    "assets",
    "attestations",
    "balances",
    "blocks",
    "cursor",
    "events",
    "history",
    "holds",
    "payments",
    "reserves",
    "supply_points",
    "transfers",
    "tx_accounts",
    "txs",
    "volume_daily",
]
