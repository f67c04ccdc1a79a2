"""The index's tables: one schema for SQLite and PostgreSQL, through SQLAlchemy Core.

Every integer the index takes from the ledger fits its column, whatever the ledger lets
through (the index does not rely on the ledger's own bounds):

- amounts go up to 2^128 - 1 (39 decimal digits): ``NUMERIC(39, 0)`` on PostgreSQL; on
  SQLite, whose integers stop at 2^63, 39-character zero-padded decimal strings, so that
  ordering them as text orders them as numbers (top holders);
- aggregates the index makes itself (the daily volume) are sums of up to 2^63 amounts, so
  below 2^191 (58 digits): ``NUMERIC(58, 0)`` or 58-character padded text, never bounded
  by the ledger's amount range;
- times (milliseconds) are unsigned 64-bit on the ledger: ``NUMERIC(20, 0)`` or
  20-character padded text, so that 2^64 - 1 ("never") is stored as it is;
- heights are below 2^63 (``BIGINT``): the index refuses a chain whose heights are not.

Python reads and writes plain ``int`` either way; sums are made in Python, never in SQL.
Every column checks what it is given (range, length) before the database sees it, the
same way on both databases, so that a value that does not fit fails identically on
SQLite and PostgreSQL (the indexer then skips that event and reports it: see
``writer.py``).

Addresses are bech32m text, hashes lowercase hex.
"""

from __future__ import annotations

from collections.abc import Callable
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
    "HEIGHT_MAX",
    "SCHEMA_VERSION",
    "TIME_DIGITS",
    "TOTAL_DIGITS",
    "AmountType",
    "ColumnValueError",
    "metadata",
]

# 2: ix_payments. 3: times unsigned 64-bit, daily volume wider than an amount, result
# codes 64-bit, ix_failures.
SCHEMA_VERSION = 3
AMOUNT_DIGITS = 39  # len(str(2**128 - 1))
TOTAL_DIGITS = 58  # len(str(2**191 - 1)): 2^63 amounts below 2^128 sum below 2^191
TIME_DIGITS = 20  # len(str(2**64 - 1))
HEIGHT_MAX = 2**63 - 1


class ColumnValueError(ValueError):
    """A value that does not fit its column (the indexer skips and reports its event)."""


class _PaddedNumber(TypeDecorator[int]):
    """An integer in [0, 2^bits): NUMERIC(digits, 0) on PostgreSQL, padded text elsewhere."""

    impl = String
    cache_ok = True
    digits = AMOUNT_DIGITS
    bits = 128
    limit = 2**bits
    what = "amount"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(self.digits, 0))
        return dialect.type_descriptor(String(self.digits))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if type(value) is not int:
            raise ColumnValueError(f"{self.what} {value!r} is not an integer")
        if not 0 <= value < self.limit:
            raise ColumnValueError(f"{self.what} {value} outside [0, 2^{self.bits})")
        if dialect.name == "postgresql":
            return Decimal(value)
        return f"{value:0{self.digits}d}"

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value)

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return _chained(self, dialect, self.process_bind_param)
        digits, limit, what, bits = self.digits, self.limit, self.what, self.bits

        def padded(value: Any) -> Any:  # the hot path on SQLite
            if value is None:
                return None
            if type(value) is not int or not 0 <= value < limit:
                raise ColumnValueError(f"{what} {value!r} outside [0, 2^{bits})")
            return f"{value:0{digits}d}"

        return _chained(self, dialect, lambda value, _: padded(value), padded)


class AmountType(_PaddedNumber):
    """An amount in [0, 2^128)."""

    cache_ok = True


class TotalType(_PaddedNumber):
    """A sum the index makes of amounts, in [0, 2^191)."""

    cache_ok = True
    digits = TOTAL_DIGITS
    bits = 191
    limit = 2**bits
    what = "total"


class TimeType(_PaddedNumber):
    """Milliseconds since the epoch in [0, 2^64) (the ledger's unsigned 64-bit times)."""

    cache_ok = True
    digits = TIME_DIGITS
    bits = 64
    limit = 2**bits
    what = "time"


class _CheckedInteger(TypeDecorator[int]):
    """A signed integer column that refuses, the same way on every database, what it
    cannot hold (SQLite would take 2^40 in a 32-bit column; PostgreSQL would not)."""

    impl = Integer
    cache_ok = True
    low, high = -(2**31), 2**31 - 1

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is not None and (type(value) is not int or not self.low <= value <= self.high):
            raise ColumnValueError(f"integer {value!r} outside [{self.low}, {self.high}]")
        return value

    def bind_processor(self, dialect: Dialect) -> Any:
        low, high = self.low, self.high

        def check(value: Any) -> Any:  # the hot path: one comparison per value
            if value is not None and (type(value) is not int or not low <= value <= high):
                raise ColumnValueError(f"integer {value!r} outside [{low}, {high}]")
            return value

        return _chained(self, dialect, lambda value, _: check(value), check)


class Int32(_CheckedInteger):
    cache_ok = True


class Int64(_CheckedInteger):
    impl = BigInteger
    cache_ok = True
    low, high = -(2**63), HEIGHT_MAX


class Str(TypeDecorator[str]):
    """Text of at most ``length`` characters, checked on every database (SQLite would
    store a longer one, PostgreSQL would refuse it)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        length: int = getattr(self.impl_instance, "length", None) or 0
        if value is not None and (type(value) is not str or len(value) > length):
            raise ColumnValueError(f"text {str(value)[:80]!r}... longer than {length}")
        return value

    def bind_processor(self, dialect: Dialect) -> Any:
        length: int = getattr(self.impl_instance, "length", None) or 0

        def check(value: Any) -> Any:  # the hot path: one comparison per value
            if value is not None and (type(value) is not str or len(value) > length):
                raise ColumnValueError(f"text {str(value)[:80]!r}... longer than {length}")
            return value

        return _chained(self, dialect, lambda value, _: check(value), check)


def _chained(
    column_type: TypeDecorator[Any],
    dialect: Dialect,
    process: Callable[[Any, Dialect], Any],
    alone: Callable[[Any], Any] | None = None,
) -> Callable[[Any], Any]:
    """A bind processor: ``process`` then the dialect's own processor of the column's
    underlying type, if it has one (``alone``: the same as ``process`` without the dialect,
    used when it has none; SQLAlchemy's generic wrapper costs a call more per value)."""
    after = column_type.load_dialect_impl(dialect).bind_processor(dialect)
    if after is None:
        return alone if alone is not None else (lambda value: process(value, dialect))
    return lambda value: after(process(value, dialect))


metadata = MetaData()

Amount = AmountType
Total = TotalType
Time = TimeType
# Heights all come from the block being indexed, which the indexer checks once per block
# (it refuses heights above 2^63 - 1), so their columns need no check of their own.
Height = BigInteger
Label = String  # text the indexer writes itself (a kind, a status): not checked

cursor = Table(
    "ix_cursor",
    metadata,
    Column("name", Str(32), primary_key=True),
    Column("height", Height, nullable=False),
    Column("chain_id", Str(128), nullable=False),
    Column("schema_version", Int32, nullable=False),
)

blocks = Table(
    "ix_blocks",
    metadata,
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("hash", Str(64)),
    Column("time_ms", Time, nullable=False),
    Column("tx_count", Int32, nullable=False),
    Column("event_count", Int32, nullable=False),
    Column("proposer", Str(64)),
    Column("state_root", Str(64)),
)

txs = Table(
    "ix_txs",
    metadata,
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("position", Int32, primary_key=True, autoincrement=False),
    Column("hash", Str(64), nullable=False),
    Column("codespace", Str(64), nullable=False),
    Column("code", Int64, nullable=False),  # u32 on the ledger
    Column("message", Text, nullable=False),
    Column("signers", Text, nullable=False),  # space-separated addresses
    Column("types", Text, nullable=False),  # space-separated message types
    Column("memo", Text, nullable=False),
    Column("time_ms", Time, nullable=False),
    Index("ix_txs_hash", "hash"),
)

# Which transactions concern an account (as signer or in an event), for its history.
tx_accounts = Table(
    "ix_tx_accounts",
    metadata,
    Column("address", Str(90), primary_key=True),
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("position", Int32, primary_key=True, autoincrement=False),
)

events = Table(
    "ix_events",
    metadata,
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("seq", Int32, primary_key=True, autoincrement=False),
    Column("tx_index", Int32, nullable=False),
    Column("type", Str(64), nullable=False),
    Column("data", Text, nullable=False),  # the event as the API shows it, JSON
    Index("ix_events_type", "type"),
)

# Every movement of units: transfers, mints, burns, clawbacks, forced transfers,
# recoveries and posted holds. sender is NULL for a mint, recipient NULL for a burn.
transfers = Table(
    "ix_transfers",
    metadata,
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("seq", Int32, primary_key=True, autoincrement=False),
    Column("tx_index", Int32, nullable=False),
    Column("kind", Label(16), nullable=False),
    Column("symbol", Str(32), nullable=False),
    Column("sender", Str(90)),
    Column("recipient", Str(90)),
    Column("amount", Amount, nullable=False),
    Column("time_ms", Time, nullable=False),
    Index("ix_transfers_symbol", "symbol", "height"),
)

# One row per side of each movement, with the balance after it (running balance).
history = Table(
    "ix_history",
    metadata,
    Column("address", Str(90), primary_key=True),
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("seq", Int32, primary_key=True, autoincrement=False),
    Column("leg", Integer, primary_key=True, autoincrement=False),  # 0 debit, 1 credit
    Column("tx_index", Int32, nullable=False),
    Column("symbol", Str(32), nullable=False),
    Column("kind", Label(16), nullable=False),
    Column("direction", Label(3), nullable=False),  # in | out
    Column("amount", Amount, nullable=False),
    Column("balance", Amount, nullable=False),
    Column("counterparty", Str(90)),
    Column("time_ms", Time, nullable=False),
)

balances = Table(
    "ix_balances",
    metadata,
    Column("address", Str(90), primary_key=True),
    Column("symbol", Str(32), primary_key=True),
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
    Column("hold_id", Str(64), primary_key=True),
    Column("symbol", Str(32), nullable=False),
    Column("payer", Str(90), nullable=False),
    Column("payee", Str(90), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("expires_at_ms", Time, nullable=False),
    Column("status", Label(8), nullable=False),  # open | posted | voided | expired
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
    Column("payment_id", Str(64), primary_key=True),
    Column("kind", Label(16), nullable=False),  # request | authorization | escrow | channel
    Column("payer", Str(90)),
    Column("payee", Str(90), nullable=False),
    Column("symbol", Str(32), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("settled", Amount, nullable=False),
    Column("refunded", Amount, nullable=False),
    Column("status", Label(16), nullable=False),
    Column("reference", Text),
    Column("created_height", Height, nullable=False),
    Column("updated_height", Height, nullable=False),
    Index("ix_payments_payer", "payer"),
    Index("ix_payments_payee", "payee"),
)

accounts = Table(
    "ix_accounts",
    metadata,
    Column("address", Str(90), primary_key=True),
    Column("created_height", Height),
    Column("first_seen_height", Height, nullable=False),
    Column("roles", Text, nullable=False),  # space-separated, sorted
)

assets = Table(
    "ix_assets",
    metadata,
    Column("symbol", Str(32), primary_key=True),
    Column("issuer", Str(90), nullable=False),
    Column("asset_class", Str(16), nullable=False),
    Column("decimals", Int32, nullable=False),
    Column("max_supply", Amount, nullable=False),
    Column("supply", Amount, nullable=False),
    Column("created_height", Height, nullable=False),
    Column("flags", Text, nullable=False),  # JSON object of the policy and control flags
    Column("reserves", Amount),
    Column("reserves_as_of_ms", Time),
    Column("custodian", Str(90)),
)

supply_points = Table(
    "ix_supply",
    metadata,
    Column("symbol", Str(32), primary_key=True),
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("time_ms", Time, nullable=False),
    Column("supply", Amount, nullable=False),
)

volume_daily = Table(
    "ix_volume_daily",
    metadata,
    Column("symbol", Str(32), primary_key=True),
    Column("day", Label(10), primary_key=True),  # YYYY-MM-DD, UTC
    Column("amount", Total, nullable=False),  # may pass 2^128 - 1: a sum of amounts
    Column("transfers", Int64, nullable=False),
)

reserves = Table(
    "ix_reserves",
    metadata,
    Column("symbol", Str(32), primary_key=True),
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("seq", Int32, primary_key=True, autoincrement=False),
    Column("custodian", Str(90), nullable=False),
    Column("amount", Amount, nullable=False),
    Column("as_of_ms", Time, nullable=False),
)

attestations = Table(
    "ix_attestations",
    metadata,
    Column("attestation_id", Str(64), primary_key=True),
    Column("schema_id", Str(64), nullable=False),
    Column("attester", Str(90), nullable=False),
    Column("recipient", Str(90), nullable=False),
    Column("expires_at_ms", Time, nullable=False),
    Column("revoked_at_ms", Time),
    Column("height", Height, nullable=False),
    Index("ix_attestations_recipient", "recipient"),
)

# What the index could not take: one row per event it skipped (seq -1: the whole block).
# Any row here means the index is degraded (see docs/explorer.md); a rebuild with a fixed
# indexer starts without it.
failures = Table(
    "ix_failures",
    metadata,
    Column("height", Height, primary_key=True, autoincrement=False),
    Column("seq", Int32, primary_key=True, autoincrement=False),
    Column("tx_index", Int32, nullable=False),
    Column("event_type", Text),  # None for the whole block
    Column("error", Text, nullable=False),
)

__all__ += [
    "accounts",
    "assets",
    "attestations",
    "balances",
    "blocks",
    "cursor",
    "events",
    "failures",
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
