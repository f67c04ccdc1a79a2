"""Reading the index: search, account history with running balances, top holders,
volumes per day, supply over time, latest blocks and transactions, payments.

Every listing takes a ``limit`` (at most ``PAGE_ITEMS_MAX``) and, where it pages, an opaque
cursor that the answer's ``next_cursor`` gives back (None at the end). Amounts are decimal
strings, as everywhere in the API.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, desc, func, inspect, or_, select, tuple_
from sqlalchemy.exc import SQLAlchemyError, StatementError

from originledger.core.address import Address, AddressError
from originledger.core.limits import PAGE_ITEMS_MAX
from originledger.core.numbers import parse_decimal
from originledger.indexer import schema
from originledger.indexer.schema import ColumnValueError

__all__ = ["PAYMENT_KINDS", "PAYMENT_STATUSES", "VOLUME_DAYS_MAX", "IndexReader", "ReaderError"]

VOLUME_DAYS_MAX = 366
PAYMENT_KINDS = ("request", "authorization", "escrow", "channel")
PAYMENT_STATUSES = (
    "open", "paid", "cancelled", "captured", "voided", "expired", "released", "closing",
    "closed",
)  # fmt: skip
_PAYMENT_AMOUNTS = ("amount", "settled", "refunded")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_SYMBOL = re.compile(r"[A-Za-z0-9.\-_]{1,12}")


class ReaderError(ValueError):
    """A bad parameter (the API answers 400 with ``code``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= PAGE_ITEMS_MAX:
        raise ReaderError("invalid_parameter", f"limit must be between 1 and {PAGE_ITEMS_MAX}")
    return limit


def _parse_cursor(text: str | None, parts: int) -> tuple[int, ...] | None:
    if not text:
        return None
    # Each part is a SQLite integer (core.numbers: ASCII digits, at most 2**63 - 1).
    values = tuple(parse_decimal(part, -(2**63), 2**63 - 1) for part in text.split(":"))
    if len(values) != parts or None in values:
        raise ReaderError("invalid_cursor", "not a cursor this listing gave")
    return tuple(value for value in values if value is not None)


def _address(text: str) -> str:
    try:
        return str(Address.from_text(text))
    except AddressError as error:
        raise ReaderError("invalid_address", f"not an address: {error}") from None


class IndexReader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _rows(self, statement: Any) -> list[dict[str, Any]]:
        try:
            with self.engine.connect() as connection:
                return [dict(row._mapping) for row in connection.execute(statement)]
        except StatementError as error:
            if isinstance(error.orig, ColumnValueError):
                # A value from the client that no row can hold (a symbol longer than the
                # column, a number out of its range): a bad parameter, never a 500.
                raise ReaderError("invalid_parameter", str(error.orig)[:200]) from None
            raise

    def has_tables(self) -> bool:
        """Whether the indexer has made its tables (it does on its first pass, in its own
        thread: a route may be asked before that)."""
        return schema.cursor.name in inspect(self.engine).get_table_names()

    def indexed_height(self) -> int | None:
        """The last indexed height; None before the first block (or before the indexer
        made its tables: the status route may ask before that)."""
        try:
            rows = self._rows(select(schema.cursor.c.height))
        except SQLAlchemyError:
            if self.has_tables():
                raise
            return None
        return int(rows[0]["height"]) if rows else None

    def failures(self, limit: int = 10) -> dict[str, Any]:
        """What the indexer skipped (``ix_failures``): how many, and the newest ``limit``.

        ``degraded`` while any: the index may then differ from the ledger for what those
        events touched (see docs/explorer.md)."""
        limit = _check_limit(limit)
        table = schema.failures
        with self.engine.connect() as connection:
            if table.name not in inspect(connection).get_table_names():
                return {"degraded": False, "count": 0, "items": []}  # no index yet
            count = connection.execute(select(func.count()).select_from(table)).scalar_one()
            rows = connection.execute(
                select(table).order_by(desc(table.c.height), desc(table.c.seq)).limit(limit)
            )
            items = [dict(row._mapping) for row in rows]
        return {"degraded": count > 0, "count": int(count), "items": items}

    # -- blocks and transactions ----------------------------------------------------------

    def blocks(self, before: int | None, limit: int) -> dict[str, Any]:
        limit = _check_limit(limit)
        table = schema.blocks
        statement = select(table).where(table.c.hash.is_not(None))
        if before is not None:
            statement = statement.where(table.c.height < before)
        rows = self._rows(statement.order_by(desc(table.c.height)).limit(limit))
        next_cursor = str(rows[-1]["height"]) if len(rows) == limit else None
        return {"blocks": rows, "next_cursor": next_cursor}

    def txs(
        self,
        *,
        before: str | None = None,
        limit: int = 50,
        height: int | None = None,
        address: str | None = None,
    ) -> dict[str, Any]:
        """Newest first; ``height`` keeps one block's, ``address`` one account's."""
        limit = _check_limit(limit)
        cursor = _parse_cursor(before, 2)
        table = schema.txs
        statement = select(table)
        if address is not None:
            link = schema.tx_accounts
            statement = statement.join(
                link, and_(link.c.height == table.c.height, link.c.position == table.c.position)
            ).where(link.c.address == _address(address))
        if height is not None:
            statement = statement.where(table.c.height == height)
        return self._tx_page(statement, cursor, limit)

    def _tx_page(
        self, statement: Any, cursor: tuple[int, ...] | None, limit: int
    ) -> dict[str, Any]:
        """One page of ``statement``'s transactions, newest first, before ``cursor``
        (height, position), with the cursor of the next page when there may be one."""
        table = schema.txs
        if cursor is not None:
            statement = statement.where(tuple_(table.c.height, table.c.position) < tuple_(*cursor))
        statement = statement.order_by(desc(table.c.height), desc(table.c.position)).limit(limit)
        rows = [_tx_view(row) for row in self._rows(statement)]
        last = rows[-1] if len(rows) == limit else None
        next_cursor = f"{last['height']}:{last['position']}" if last else None
        return {"txs": rows, "next_cursor": next_cursor}

    def failed_txs(self, before: str | None, limit: int) -> dict[str, Any]:
        """The failed transactions (result code not 0), newest first, each with its result
        message; ``before`` is the ``next_cursor`` of the previous page."""
        limit = _check_limit(limit)
        cursor = _parse_cursor(before, 2)
        table = schema.txs
        statement = select(table).where(table.c.code != 0)
        return self._tx_page(statement, cursor, limit)

    def stats(self) -> dict[str, Any]:
        """What the index holds in all: blocks (after genesis), transactions (and how many
        failed), accounts seen, assets, and each asset's holders (a positive balance)."""
        txs = schema.txs
        balances = schema.balances
        with self.engine.connect() as connection:

            def count(statement: Any) -> int:
                return int(connection.execute(statement).scalar_one())

            blocks = count(
                select(func.count())
                .select_from(schema.blocks)
                .where(schema.blocks.c.hash.is_not(None))
            )
            tx_count = count(select(func.count()).select_from(txs))
            failed = count(select(func.count()).select_from(txs).where(txs.c.code != 0))
            accounts = count(select(func.count()).select_from(schema.accounts))
            assets = count(select(func.count()).select_from(schema.assets))
            holders = {
                str(row.symbol): int(row.holders)
                for row in connection.execute(
                    select(balances.c.symbol, func.count().label("holders"))
                    .where(balances.c.amount > 0)
                    .group_by(balances.c.symbol)
                )
            }
        return {
            "indexed_height": self.indexed_height(),
            "blocks": blocks,
            "txs": tx_count,
            "failed_txs": failed,
            "accounts": accounts,
            "assets": assets,
            "holders": holders,
        }

    # -- accounts -------------------------------------------------------------------------

    def account(self, address: str) -> dict[str, Any] | None:
        address = _address(address)
        rows = self._rows(select(schema.accounts).where(schema.accounts.c.address == address))
        if not rows:
            return None
        account = rows[0]
        balances = self._rows(
            select(schema.balances)
            .where(schema.balances.c.address == address)
            .order_by(schema.balances.c.symbol)
            .limit(PAGE_ITEMS_MAX)
        )
        holds = self._rows(
            select(schema.holds)
            .where(
                and_(
                    schema.holds.c.status == "open",
                    or_(schema.holds.c.payer == address, schema.holds.c.payee == address),
                )
            )
            .order_by(schema.holds.c.placed_height, schema.holds.c.hold_id)
            .limit(PAGE_ITEMS_MAX)
        )
        return {
            "address": address,
            "roles": account["roles"].split(),
            "created_height": account["created_height"],
            "first_seen_height": account["first_seen_height"],
            "balances": [_amounts(row, "amount", "held", "amount_frozen") for row in balances],
            "open_holds": [_amounts(row, "amount", "settled", "released") for row in holds],
        }

    def history(self, address: str, cursor: str | None, limit: int) -> dict[str, Any]:
        """The account's movements, newest first, each with its balance after it."""
        address = _address(address)
        limit = _check_limit(limit)
        position = _parse_cursor(cursor, 3)
        table = schema.history
        statement = select(table).where(table.c.address == address)
        if position is not None:
            statement = statement.where(
                tuple_(table.c.height, table.c.seq, table.c.leg) < tuple_(*position)
            )
        statement = statement.order_by(
            desc(table.c.height), desc(table.c.seq), desc(table.c.leg)
        ).limit(limit)
        rows = [_amounts(row, "amount", "balance") for row in self._rows(statement)]
        for row in rows:
            del row["address"]
        last = rows[-1] if len(rows) == limit else None
        next_cursor = f"{last['height']}:{last['seq']}:{last['leg']}" if last else None
        return {"address": address, "items": rows, "next_cursor": next_cursor}

    # -- assets ---------------------------------------------------------------------------

    def asset(self, symbol: str) -> dict[str, Any] | None:
        rows = self._rows(select(schema.assets).where(schema.assets.c.symbol == symbol))
        if not rows:
            return None
        asset = _amounts(rows[0], "max_supply", "supply", "reserves")
        asset["flags"] = json.loads(asset["flags"])
        table = schema.balances
        with self.engine.connect() as connection:
            holders = connection.execute(
                select(func.count())
                .select_from(table)
                .where(and_(table.c.symbol == symbol, table.c.amount > 0))
            ).scalar_one()
        asset["holders"] = int(holders)
        reserve_table = schema.reserves
        asset["reserve_attestations"] = [
            _amounts(row, "amount")
            for row in self._rows(
                select(reserve_table)
                .where(reserve_table.c.symbol == symbol)
                .order_by(desc(reserve_table.c.height), desc(reserve_table.c.seq))
                .limit(50)
            )
        ]
        return asset

    def assets(self, limit: int) -> list[dict[str, Any]]:
        limit = _check_limit(limit)
        rows = self._rows(select(schema.assets).order_by(schema.assets.c.symbol).limit(limit))
        answer = []
        for row in rows:
            view = _amounts(row, "max_supply", "supply", "reserves")
            view["flags"] = json.loads(view["flags"])
            answer.append(view)
        return answer

    def holders(self, symbol: str, limit: int) -> dict[str, Any]:
        limit = _check_limit(limit)
        table = schema.balances
        rows = self._rows(
            select(table.c.address, table.c.amount, table.c.held)
            .where(and_(table.c.symbol == symbol, table.c.amount > 0))
            .order_by(desc(table.c.amount), table.c.address)
            .limit(limit)
        )
        return {"symbol": symbol, "holders": [_amounts(row, "amount", "held") for row in rows]}

    def volume(self, symbol: str, days: int) -> dict[str, Any]:
        """Volume (transfers, posted holds, forced transfers) per UTC day, the last ``days``
        days up to the newest indexed block, oldest first, zero days included."""
        if not 1 <= days <= VOLUME_DAYS_MAX:
            raise ReaderError("invalid_parameter", f"days must be between 1 and {VOLUME_DAYS_MAX}")
        with self.engine.connect() as connection:
            newest = connection.execute(select(func.max(schema.blocks.c.time_ms))).scalar()
        end = datetime.fromtimestamp((newest or 0) // 1000, tz=UTC).date()
        start = end - timedelta(days=days - 1)
        table = schema.volume_daily
        found = {
            row["day"]: row
            for row in self._rows(
                select(table).where(
                    and_(
                        table.c.symbol == symbol,
                        table.c.day >= start.isoformat(),
                        table.c.day <= end.isoformat(),
                    )
                )
            )
        }
        series = []
        for offset in range(days):
            day = (start + timedelta(days=offset)).isoformat()
            row = found.get(day)
            series.append(
                {
                    "day": day,
                    "amount": str(row["amount"]) if row else "0",
                    "transfers": int(row["transfers"]) if row else 0,
                }
            )
        return {"symbol": symbol, "days": series}

    def supply(self, symbol: str, limit: int) -> dict[str, Any]:
        """The asset's supply after each block that changed it, the newest ``limit``."""
        limit = _check_limit(limit)
        table = schema.supply_points
        rows = self._rows(
            select(table.c.height, table.c.time_ms, table.c.supply)
            .where(table.c.symbol == symbol)
            .order_by(desc(table.c.height))
            .limit(limit)
        )
        return {"symbol": symbol, "points": [_amounts(row, "supply") for row in reversed(rows)]}

    # -- payments -------------------------------------------------------------------------

    def payment(self, payment_id: str) -> dict[str, Any] | None:
        """The ``ix_payments`` row of a request, authorization, escrow or channel id."""
        if not _HEX64.fullmatch(payment_id):
            raise ReaderError("invalid_parameter", "a payment id is 64 hex characters")
        table = schema.payments
        rows = self._rows(select(table).where(table.c.payment_id == payment_id.lower()))
        return _amounts(rows[0], *_PAYMENT_AMOUNTS) if rows else None

    def payments(
        self,
        *,
        account: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> dict[str, Any]:
        """Payments newest first (by creation), optionally of one account (as payer or
        payee), one kind and one status."""
        limit = _check_limit(limit)
        table = schema.payments
        statement = select(table)
        if account is not None:
            address = _address(account)
            statement = statement.where(or_(table.c.payer == address, table.c.payee == address))
        if kind is not None:
            if kind not in PAYMENT_KINDS:
                raise ReaderError("invalid_parameter", f"kind is one of {', '.join(PAYMENT_KINDS)}")
            statement = statement.where(table.c.kind == kind)
        if status is not None:
            if status not in PAYMENT_STATUSES:
                raise ReaderError(
                    "invalid_parameter", f"status is one of {', '.join(PAYMENT_STATUSES)}"
                )
            statement = statement.where(table.c.status == status)
        if cursor:
            height_text, _, last_id = cursor.partition(":")
            height = parse_decimal(height_text, 0, 2**63 - 1)
            if height is None or not _HEX64.fullmatch(last_id):
                raise ReaderError("invalid_cursor", "not a cursor this listing gave")
            statement = statement.where(
                tuple_(table.c.created_height, table.c.payment_id) < tuple_(height, last_id.lower())
            )
        statement = statement.order_by(desc(table.c.created_height), desc(table.c.payment_id))
        rows = [_amounts(row, *_PAYMENT_AMOUNTS) for row in self._rows(statement.limit(limit))]
        last = rows[-1] if len(rows) == limit else None
        next_cursor = f"{last['created_height']}:{last['payment_id']}" if last else None
        return {"payments": rows, "next_cursor": next_cursor}

    # -- search ---------------------------------------------------------------------------

    def search(self, query: str) -> list[dict[str, Any]]:
        """What ``query`` names: a block height, a transaction or block hash, an address or
        an asset symbol (exact, then by prefix). At most ten answers."""
        text = query.strip()
        if not text:
            raise ReaderError("invalid_parameter", "q is empty")
        if len(text) > 128:
            raise ReaderError("invalid_parameter", "q is at most 128 characters")
        found: list[dict[str, Any]] = []
        height = parse_decimal(text, 0, 2**63 - 1)
        if height is not None:
            rows = self._rows(select(schema.blocks.c.height).where(
                and_(schema.blocks.c.height == height, schema.blocks.c.hash.is_not(None))
            ))  # fmt: skip
            found += [{"kind": "block", "id": str(r["height"])} for r in rows]
        if _HEX64.fullmatch(text):
            lowered = text.lower()
            rows = self._rows(select(schema.txs.c.hash).where(schema.txs.c.hash == lowered))
            found += [{"kind": "tx", "id": lowered} for _ in rows[:1]]
            rows = self._rows(select(schema.blocks.c.height).where(schema.blocks.c.hash == lowered))
            found += [{"kind": "block", "id": str(r["height"])} for r in rows]
        try:
            address = str(Address.from_text(text.lower()))
        except AddressError:
            address = None
        if address is not None:
            # An address is worth showing even when the index has not seen it yet.
            found.append({"kind": "account", "id": address})
        if _SYMBOL.fullmatch(text):
            table = schema.assets
            exact = self._rows(select(table.c.symbol).where(table.c.symbol == text.upper()))
            exact += self._rows(select(table.c.symbol).where(table.c.symbol == text))
            pattern = text.upper().replace("_", r"\_") + "%"
            prefix = self._rows(
                select(table.c.symbol)
                .where(func.upper(table.c.symbol).like(pattern, escape="\\"))
                .order_by(table.c.symbol)
                .limit(10)
            )
            seen: set[str] = set()
            for row in exact + prefix:
                if row["symbol"] not in seen:
                    seen.add(row["symbol"])
                    found.append({"kind": "asset", "id": row["symbol"]})
        return found[:10]


def _amounts(row: dict[str, Any], *names: str) -> dict[str, Any]:
    view = dict(row)
    for name in names:
        if view.get(name) is not None:
            view[name] = str(view[name])
    return view


def _tx_view(row: dict[str, Any]) -> dict[str, Any]:
    view = dict(row)
    view["signers"] = row["signers"].split()
    view["types"] = row["types"].split()
    view["ok"] = row["code"] == 0
    return view
