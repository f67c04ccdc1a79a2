"""The indexer: turns each block's events into rows, one database transaction per block.

The cursor (the last indexed height) is written in the same transaction as the block's
rows, and a block is applied only when it is the one right after the cursor: a restart
resumes exactly where the last committed transaction left off, and nothing is counted
twice. ``rebuild`` drops every table and indexes again from the genesis.

Each event type has a handler (``EVENT_HANDLERS``); a module added later registers its own
with ``register_handler`` and adds its tables to ``schema.metadata``.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import Connection, Engine, and_, bindparam, create_engine, event, select
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    SQLAlchemyError,
    StatementError,
)
from sqlalchemy.pool import StaticPool

from originledger.core.address import ADDRESS_PREFIX
from originledger.indexer import schema
from originledger.indexer.source import BlockData, EventData, Source, SourceError

__all__ = [
    "EVENT_HANDLERS",
    "BlockWriter",
    "Indexer",
    "IndexerError",
    "Skip",
    "describe_error",
    "open_engine",
    "register_handler",
]

log = logging.getLogger("originledger.indexer")

CURSOR_NAME = "main"
_IN_CHUNK_MAX = 400
_ADDRESS_START = ADDRESS_PREFIX + "1"
VOLUME_KINDS = frozenset({"transfer", "hold_post", "forced"})
ERROR_TEXT_MAX = 500
SKIPPED_KEPT = 1_000
CHAIN_ID_MAX = 128  # ix_cursor.chain_id


class IndexerError(RuntimeError):
    """The index cannot follow this source (another chain, another schema version)."""


def open_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path``, ``sqlite://`` in memory, ``postgresql://``).

    PostgreSQL URLs use the psycopg 3 driver. SQLite runs in WAL mode so that the API
    reads while the indexer writes.
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if in_memory else None,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _: Any) -> None:
            cursor = connection.cursor()
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _day(time_ms: int) -> str:
    return datetime.fromtimestamp(time_ms // 1000, tz=UTC).date().isoformat()


def _hex_of_base64(text: str) -> str:
    return base64.b64decode(text).hex()


class BlockWriter:
    """The rows of one block, computed in memory and written in one transaction."""

    def __init__(
        self, connection: Connection, block: BlockData, events: list[EventData] | None = None
    ) -> None:
        self.connection = connection
        self.block = block
        self.events = block.events if events is None else events  # those indexed
        self._balances: dict[tuple[str, str], dict[str, Any]] = {}
        self._balances_existing: set[tuple[str, str]] = set()
        self._assets: dict[str, dict[str, Any]] = {}
        self._assets_existing: set[str] = set()
        self._supply_changed: set[str] = set()
        self._accounts: dict[str, dict[str, Any]] = {}
        self._accounts_existing: set[str] = set()
        self._accounts_changed: set[str] = set()
        # Keys looked up in bulk before the handlers run: absent from the cache means new.
        self._balances_prefetched: set[tuple[str, str]] = set()
        self._accounts_prefetched: set[str] = set()
        self._holds: dict[str, dict[str, Any]] = {}
        self._holds_existing: set[str] = set()
        self._attestations: dict[str, dict[str, Any]] = {}
        self._attestations_existing: set[str] = set()
        self._payments: dict[str, dict[str, Any]] = {}
        self._payments_existing: set[str] = set()
        self._volumes: dict[tuple[str, str], list[int]] = {}
        self.transfers: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self.reserves: list[dict[str, Any]] = []
        self.tx_accounts: set[tuple[str, int, int]] = set()

    # -- cached rows ----------------------------------------------------------------------

    def prefetch(self, addresses: set[str], symbols: set[str]) -> None:
        """Load the rows of these accounts (and of their lines in these assets) in bulk."""
        ordered = sorted(addresses)
        for start in range(0, len(ordered), _IN_CHUNK_MAX):
            chunk = ordered[start : start + _IN_CHUNK_MAX]
            for found in self.connection.execute(
                select(schema.accounts).where(schema.accounts.c.address.in_(chunk))
            ):
                row = dict(found._mapping)
                self._accounts[row["address"]] = row
                self._accounts_existing.add(row["address"])
            if symbols:
                table = schema.balances
                for found in self.connection.execute(
                    select(table).where(
                        and_(table.c.address.in_(chunk), table.c.symbol.in_(sorted(symbols)))
                    )
                ):
                    row = dict(found._mapping)
                    key = (row["address"], row["symbol"])
                    self._balances[key] = row
                    self._balances_existing.add(key)
        self._accounts_prefetched |= addresses
        self._balances_prefetched |= {(a, s) for a in addresses for s in symbols}

    def balance(self, address: str, symbol: str) -> dict[str, Any]:
        key = (address, symbol)
        row = self._balances.get(key)
        if row is None:
            table = schema.balances
            found = None
            if key not in self._balances_prefetched:
                found = self.connection.execute(
                    select(table).where(and_(table.c.address == address, table.c.symbol == symbol))
                ).first()
            if found is None:
                row = {
                    "address": address,
                    "symbol": symbol,
                    "amount": 0,
                    "held": 0,
                    "amount_frozen": 0,
                    "frozen": False,
                    "deep": False,
                    "authorized": False,
                }
            else:
                row = dict(found._mapping)
                self._balances_existing.add(key)
            self._balances[key] = row
            self.account(address)
        return row

    def asset(self, symbol: str) -> dict[str, Any] | None:
        row = self._assets.get(symbol)
        if row is None:
            found = self.connection.execute(
                select(schema.assets).where(schema.assets.c.symbol == symbol)
            ).first()
            if found is None:
                return None
            row = dict(found._mapping)
            row["flags"] = json.loads(row["flags"])
            self._assets[symbol] = row
            self._assets_existing.add(symbol)
        return row

    def new_asset(self, row: dict[str, Any]) -> None:
        self.asset(row["symbol"])  # a row already there is replaced, not inserted twice
        self._assets[row["symbol"]] = row
        self._supply_changed.add(row["symbol"])

    def set_supply(self, symbol: str, supply: int) -> None:
        row = self.asset(symbol)
        if row is not None:
            row["supply"] = supply
            self._supply_changed.add(symbol)

    def account(self, address: str, *, changing: bool = False) -> dict[str, Any]:
        """The account's row; ``changing`` when the caller modifies it (so it is written)."""
        if changing:
            self._accounts_changed.add(address)
        row = self._accounts.get(address)
        if row is None:
            found = None
            if address not in self._accounts_prefetched:
                found = self.connection.execute(
                    select(schema.accounts).where(schema.accounts.c.address == address)
                ).first()
            if found is None:
                row = {
                    "address": address,
                    "created_height": None,
                    "first_seen_height": self.block.height,
                    "roles": "",
                }
            else:
                row = dict(found._mapping)
                self._accounts_existing.add(address)
            self._accounts[address] = row
        return row

    def hold(self, hold_id: str) -> dict[str, Any] | None:
        row = self._holds.get(hold_id)
        if row is None:
            found = self.connection.execute(
                select(schema.holds).where(schema.holds.c.hold_id == hold_id)
            ).first()
            if found is None:
                return None
            row = dict(found._mapping)
            self._holds[hold_id] = row
            self._holds_existing.add(hold_id)
        return row

    def new_hold(self, row: dict[str, Any]) -> None:
        # The ledger deletes a hold when it closes, so its id may be used again: the new
        # hold replaces the closed one's row.
        self.hold(row["hold_id"])
        self._holds[row["hold_id"]] = row

    def attestation(self, attestation_id: str) -> dict[str, Any] | None:
        row = self._attestations.get(attestation_id)
        if row is None:
            table = schema.attestations
            found = self.connection.execute(
                select(table).where(table.c.attestation_id == attestation_id)
            ).first()
            if found is None:
                return None
            row = dict(found._mapping)
            self._attestations[attestation_id] = row
            self._attestations_existing.add(attestation_id)
        return row

    def new_attestation(self, row: dict[str, Any]) -> None:
        self.attestation(row["attestation_id"])  # replaced if there, as a hold
        self._attestations[row["attestation_id"]] = row

    def payment(self, payment_id: str) -> dict[str, Any] | None:
        """The ``ix_payments`` row of this id (hex), marked as changed in this block."""
        row = self._payments.get(payment_id)
        if row is None:
            table = schema.payments
            found = self.connection.execute(
                select(table).where(table.c.payment_id == payment_id)
            ).first()
            if found is None:
                return None
            row = dict(found._mapping)
            self._payments[payment_id] = row
            self._payments_existing.add(payment_id)
        row["updated_height"] = self.block.height
        return row

    def new_payment(self, row: dict[str, Any]) -> None:
        self.payment(row["payment_id"])  # replaced if there (an id used again), as a hold
        self._payments[row["payment_id"]] = row

    def concerns(self, event: EventData, *addresses: str | None) -> None:
        """Note that the event's transaction concerns these accounts (their history)."""
        if event.tx_index < 0:
            return
        for address in addresses:
            if address:
                self.tx_accounts.add((address, self.block.height, event.tx_index))

    # -- movements ------------------------------------------------------------------------

    def move(
        self,
        event: EventData,
        kind: str,
        symbol: str,
        sender: str | None,
        recipient: str | None,
        amount: int,
        *,
        held_released: int = 0,
    ) -> None:
        """Units move: ``sender`` loses (None: minted), ``recipient`` gains (None: burned).

        ``held_released`` is how much of the sender's held units the movement also frees
        (a posted hold).
        """
        time_ms = self.block.time_ms
        self.transfers.append(
            {
                "height": self.block.height,
                "seq": event.seq,
                "tx_index": event.tx_index,
                "kind": kind,
                "symbol": symbol,
                "sender": sender,
                "recipient": recipient,
                "amount": amount,
                "time_ms": time_ms,
            }
        )
        for leg, address, direction, counterparty in (
            (0, sender, "out", recipient),
            (1, recipient, "in", sender),
        ):
            if address is None:
                continue
            line = self.balance(address, symbol)
            if direction == "out":
                if line["amount"] < amount:
                    raise IndexerError(
                        f"block {self.block.height}: {address} spends {amount} {symbol} "
                        f"but the index holds {line['amount']}"
                    )
                line["amount"] -= amount
                line["held"] = max(0, line["held"] - held_released)
                line["amount_frozen"] = min(
                    line["amount_frozen"], max(0, line["amount"] - line["held"])
                )
            else:
                line["amount"] += amount
            self.history.append(
                {
                    "address": address,
                    "height": self.block.height,
                    "seq": event.seq,
                    "leg": leg,
                    "tx_index": event.tx_index,
                    "symbol": symbol,
                    "kind": kind,
                    "direction": direction,
                    "amount": amount,
                    "balance": line["amount"],
                    "counterparty": counterparty,
                    "time_ms": time_ms,
                }
            )
        self.concerns(event, sender, recipient)
        if kind in VOLUME_KINDS:
            volume = self._volumes.setdefault((symbol, _day(time_ms)), [0, 0])
            volume[0] += amount
            volume[1] += 1

    # -- writing --------------------------------------------------------------------------

    def flush(self, tx_count: int, event_count: int) -> None:
        connection = self.connection
        block = self.block
        connection.execute(
            schema.blocks.insert(),
            {
                "height": block.height,
                "hash": block.hash,
                "time_ms": block.time_ms,
                "tx_count": tx_count,
                "event_count": event_count,
                "proposer": block.proposer,
                "state_root": block.state_root,
            },
        )
        if block.txs:
            connection.execute(
                schema.txs.insert(),
                [
                    {
                        "height": block.height,
                        "position": tx.position,
                        "hash": tx.hash,
                        "codespace": tx.codespace,
                        "code": tx.code,
                        "message": tx.message,
                        "signers": " ".join(tx.signers),
                        "types": " ".join(tx.types),
                        "memo": tx.memo,
                        "time_ms": block.time_ms,
                    }
                    for tx in block.txs
                ],
            )
        if self.events:
            connection.execute(
                schema.events.insert(),
                [
                    {
                        "height": block.height,
                        "seq": e.seq,
                        "tx_index": e.tx_index,
                        "type": e.type,
                        "data": json.dumps(e.data, sort_keys=True, separators=(",", ":")),
                    }
                    for e in self.events
                ],
            )
        for rows, table in (
            (self.transfers, schema.transfers),
            (self.history, schema.history),
            (self.reserves, schema.reserves),
        ):
            if rows:
                connection.execute(table.insert(), rows)
        if self.tx_accounts:
            connection.execute(
                schema.tx_accounts.insert(),
                [
                    {"address": a, "height": h, "position": p}
                    for a, h, p in sorted(self.tx_accounts)
                ],
            )
        for row in self._balances.values():
            row["updated_height"] = block.height
        self._upsert(
            schema.balances, ("address", "symbol"), self._balances, self._balances_existing
        )
        assets = {
            symbol: {**row, "flags": json.dumps(row["flags"], sort_keys=True)}
            for symbol, row in self._assets.items()
        }
        self._upsert(schema.assets, ("symbol",), assets, self._assets_existing)
        accounts = {
            address: row
            for address, row in self._accounts.items()
            if address not in self._accounts_existing or address in self._accounts_changed
        }
        self._upsert(schema.accounts, ("address",), accounts, self._accounts_existing)
        self._upsert(schema.holds, ("hold_id",), self._holds, self._holds_existing)
        self._upsert(schema.payments, ("payment_id",), self._payments, self._payments_existing)
        self._upsert(
            schema.attestations,
            ("attestation_id",),
            self._attestations,
            self._attestations_existing,
        )
        if self._supply_changed:
            connection.execute(
                schema.supply_points.insert(),
                [
                    {
                        "symbol": symbol,
                        "height": block.height,
                        "time_ms": block.time_ms,
                        "supply": self._assets[symbol]["supply"],
                    }
                    for symbol in sorted(self._supply_changed)
                ],
            )
        self._write_volumes()

    def _upsert(
        self,
        table: Any,
        key_columns: tuple[str, ...],
        rows: dict[Any, dict[str, Any]],
        existing: set[Any],
    ) -> None:
        inserts = [row for key, row in rows.items() if key not in existing]
        updates = [row for key, row in rows.items() if key in existing]
        if inserts:
            self.connection.execute(table.insert(), inserts)
        if updates:
            condition = and_(*(table.c[name] == bindparam(f"key_{name}") for name in key_columns))
            values: dict[str, Any] = {
                column.name: bindparam(column.name)
                for column in table.columns
                if column.name not in key_columns
            }
            statement = table.update().where(condition).values(values)
            self.connection.execute(
                statement,
                [{**row, **{f"key_{name}": row[name] for name in key_columns}} for row in updates],
            )

    def _write_volumes(self) -> None:
        table = schema.volume_daily
        for (symbol, day), (amount, count) in sorted(self._volumes.items()):
            found = self.connection.execute(
                select(table.c.amount, table.c.transfers).where(
                    and_(table.c.symbol == symbol, table.c.day == day)
                )
            ).first()
            if found is None:
                self.connection.execute(
                    table.insert(),
                    {"symbol": symbol, "day": day, "amount": amount, "transfers": count},
                )
            else:
                self.connection.execute(
                    table.update()
                    .where(and_(table.c.symbol == symbol, table.c.day == day))
                    .values(amount=found.amount + amount, transfers=found.transfers + count)
                )


EventHandler = Callable[[BlockWriter, EventData], None]
EVENT_HANDLERS: dict[str, EventHandler] = {}


def register_handler(event_type: str) -> Callable[[EventHandler], EventHandler]:
    """Decorator: ``handler(writer, event)`` indexes events of ``event_type``."""

    def decorate(handler: EventHandler) -> EventHandler:
        EVENT_HANDLERS[event_type] = handler
        return handler

    return decorate


class _EventFailed(Exception):
    """A handler failed on the event at ``index`` in its block (``message`` says why)."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


def _transient(error: BaseException) -> bool:
    """Whether ``error`` may go away by itself: such a block is rolled back and retried,
    never skipped. Deterministic (indexing the same block again fails again, so its event
    is skipped) are only what the block's data causes: a value refused by a column's check
    or by the database (``DataError``, ``IntegrityError``), and the handlers' own errors.
    Everything else the database says (unreachable, locked, disconnected, full, a table
    missing, a permission refused) is about the database, not the block."""
    if isinstance(error, IntegrityError | DataError):
        return False
    if isinstance(error, DBAPIError):  # OperationalError, ProgrammingError, ...
        return True
    if isinstance(error, StatementError):  # a parameter refused before the database saw it
        return False
    if isinstance(error, SQLAlchemyError):
        return True
    return isinstance(error, OSError | MemoryError | sqlite3.Error)


def describe_error(error: BaseException) -> str:
    """What went wrong, without the SQL statement and its parameters (and so without
    anything from the database URL)."""
    cause = error.orig if isinstance(error, StatementError) and error.orig else error
    text = (
        f"{type(cause).__name__}: {cause}".splitlines()[0] if str(cause) else type(cause).__name__
    )
    return text[:ERROR_TEXT_MAX]


class Skip(msgspec.Struct, frozen=True):
    """What the indexer skipped of one block: an event (``seq``) or the whole block
    (``seq`` -1), and why."""

    height: int
    seq: int
    tx_index: int
    event_type: str | None
    error: str


class Indexer:
    """Follows ``source`` into the database behind ``engine``.

    A block the indexer cannot take whole is not retried forever: the events that fail
    (a handler raises, or a row they make does not fit its column) are skipped one by one,
    the rest of the block is indexed, and each skipped event is recorded in
    ``ix_failures`` and logged (see docs/explorer.md, "When a block does not fit").
    Errors that may pass (the database unreachable) are raised, and the block is tried
    again later.

    ``rebuild_outdated``: an index written with an older schema version is dropped and
    indexed again from genesis (the node's own index); without it such an index is
    refused, as one of another chain always is.
    """

    def __init__(
        self,
        engine: Engine,
        source: Source,
        *,
        handlers: dict[str, EventHandler] | None = None,
        rebuild_outdated: bool = False,
    ) -> None:
        self.engine = engine
        self.source = source
        self.handlers = dict(EVENT_HANDLERS if handlers is None else handlers)
        self.rebuild_outdated = rebuild_outdated
        self._prepared = False
        # What this indexer skipped since it started (the newest; ix_failures has all).
        self.skipped: deque[Skip] = deque(maxlen=SKIPPED_KEPT)

    def prepare(self) -> None:
        """Create the tables if needed and check the index belongs to the source's chain."""
        if self._prepared:
            return
        schema.metadata.create_all(self.engine)
        with self.engine.begin() as connection:
            row = connection.execute(
                select(schema.cursor).where(schema.cursor.c.name == CURSOR_NAME)
            ).first()
        chain_id = self.source.chain_id()
        if len(chain_id) > CHAIN_ID_MAX:
            raise IndexerError(f"a chain id of {len(chain_id)} characters: the index holds 128")
        if row is not None and row.chain_id != chain_id:
            raise IndexerError(
                f"the index holds chain {row.chain_id!r}, the source is "
                f"{self.source.chain_id()!r}: rebuild it or use another database"
            )
        if row is not None and row.schema_version != schema.SCHEMA_VERSION:
            if not self.rebuild_outdated or row.schema_version > schema.SCHEMA_VERSION:
                raise IndexerError(
                    f"the index has schema version {row.schema_version}, this code "
                    f"{schema.SCHEMA_VERSION}: rebuild it (origin indexer rebuild)"
                )
            log.warning(
                "the index has schema version %s, this code %s: indexing again from genesis",
                row.schema_version,
                schema.SCHEMA_VERSION,
            )
            schema.metadata.drop_all(self.engine)
            schema.metadata.create_all(self.engine)
        self._prepared = True

    def height(self) -> int | None:
        """The last indexed height (None before the genesis is indexed)."""
        self.prepare()
        with self.engine.connect() as connection:
            return _cursor_height(connection)

    def index_block(self, block: BlockData) -> bool:
        """Index ``block`` if it is the next one; False when it was already indexed.

        Events that cannot be indexed are skipped and recorded (``ix_failures``); the
        cursor always moves past the block, so one bad block never stops the index.
        """
        return self._index(block, None)

    def _index(self, block: BlockData, whole_block: str | None) -> bool:
        """``index_block``; with ``whole_block``, only record the block as skipped (why)."""
        self.prepare()
        if not 0 <= block.height <= schema.HEIGHT_MAX:
            raise IndexerError(f"height {block.height} is outside what the index can hold")
        skipped: dict[int, str] = {}
        retried = False
        while True:
            try:
                with self.engine.begin() as connection:
                    height = _cursor_height(connection)
                    expected = self.source.genesis_height() if height is None else height + 1
                    if block.height < expected:
                        return False
                    if block.height > expected:
                        raise IndexerError(f"block {block.height} arrives before block {expected}")
                    if whole_block is None:
                        writer = self._apply(connection, block, skipped, len(block.events))
                        writer.flush(len(block.txs), len(block.events))
                    skips = self._skips(block, skipped, whole_block)
                    if skips:
                        connection.execute(
                            schema.failures.insert(), [msgspec.structs.asdict(s) for s in skips]
                        )
                    _advance_cursor(connection, block, height)
                break
            except _EventFailed as failed:
                skipped[failed.index] = failed.message
            except IndexerError:
                raise
            except Exception as error:
                if _transient(error) or whole_block is not None:
                    raise
                culprit, message = self._find_culprit(block, skipped)
                if message is None and not retried:
                    retried = True  # it went through when probed: try once more
                elif culprit is None or culprit in skipped:
                    whole_block = message or describe_error(error)
                else:
                    skipped[culprit] = message or describe_error(error)
        for skip in skips:
            log.error(
                "index: skipped %s at height %s (seq %s): %s; the index is degraded",
                skip.event_type or "the whole block",
                skip.height,
                skip.seq,
                skip.error,
            )
        self.skipped.extend(skips)
        return True

    def _apply(
        self, connection: Connection, block: BlockData, skipped: dict[int, str], upto: int
    ) -> BlockWriter:
        """A writer holding the rows of the block's first ``upto`` events but ``skipped``."""
        included = [
            (index, event)
            for index, event in enumerate(block.events[:upto])
            if index not in skipped
        ]
        writer = BlockWriter(connection, block, [event for _, event in included])
        addresses: set[str] = set()
        symbols: set[str] = set()
        for _, event_data in included:
            for name, value in event_data.data.items():
                if type(value) is str and value.startswith(_ADDRESS_START):
                    addresses.add(value)
                elif name == "symbol" and type(value) is str:
                    symbols.add(value)
        for tx in block.txs:
            addresses.update(tx.signers)
        writer.prefetch(addresses, symbols)
        for tx in block.txs:
            for signer in tx.signers:
                writer.account(signer)
                writer.tx_accounts.add((signer, block.height, tx.position))
        for index, event_data in included:
            handler = self.handlers.get(event_data.type)
            if handler is None:
                continue
            try:
                handler(writer, event_data)
            except Exception as error:
                if _transient(error):
                    raise
                raise _EventFailed(index, describe_error(error)) from error
        return writer

    def _probe(self, block: BlockData, skipped: dict[int, str], upto: int) -> str | None:
        """Why the block's first ``upto`` events (but ``skipped``) cannot be written, or
        None when they can (written in a transaction that is then rolled back)."""
        connection = self.engine.connect()
        try:
            with connection.begin() as transaction:
                try:
                    writer = self._apply(connection, block, skipped, upto)
                    writer.flush(len(block.txs), len(block.events))
                except _EventFailed as failed:
                    return failed.message
                except Exception as error:
                    if _transient(error):
                        raise
                    return describe_error(error)
                finally:
                    transaction.rollback()
        finally:
            connection.close()
        return None

    def _find_culprit(
        self, block: BlockData, skipped: dict[int, str]
    ) -> tuple[int | None, str | None]:
        """The event whose rows do not fit (found by bisection over the block's events:
        the first prefix that cannot be written ends with it), and why; (None, why) when
        the block's own rows do not fit even without any event."""
        failure = self._probe(block, skipped, 0)
        if failure is not None:
            return None, failure
        good, bad = 0, len(block.events)
        failure = self._probe(block, skipped, bad)
        if failure is None:  # it passed this time: nothing to skip, let the caller retry
            return None, None
        while bad - good > 1:
            middle = (good + bad) // 2
            found = self._probe(block, skipped, middle)
            if found is None:
                good = middle
            else:
                bad, failure = middle, found
        return bad - 1, failure

    @staticmethod
    def _skips(block: BlockData, skipped: dict[int, str], whole_block: str | None) -> list[Skip]:
        if whole_block is not None:
            return [Skip(block.height, -1, -1, None, whole_block)]
        return [
            Skip(
                block.height,
                block.events[index].seq,
                block.events[index].tx_index,
                block.events[index].type[:ERROR_TEXT_MAX],
                message,
            )
            for index, message in sorted(skipped.items())
        ]

    def catch_up(self, blocks_max: int | None = None) -> int:
        """Index every committed block after the cursor (at most ``blocks_max``); nothing
        while the source holds no chain yet."""
        latest = self.source.latest_height()
        if latest < 0:
            return 0
        self.prepare()
        done = 0
        while blocks_max is None or done < blocks_max:
            height = self.height()
            next_height = self.source.genesis_height() if height is None else height + 1
            if next_height > latest:
                break
            block = self._read(next_height)
            if block is None:
                if self.height() == next_height:  # recorded as skipped whole
                    done += 1
                    continue
                break
            if self.index_block(block):
                done += 1
        return done

    def _read(self, height: int) -> BlockData | None:
        """The source's block; a block the source cannot even decode is recorded as
        skipped whole (an unreachable source, or a read that may pass, raises)."""
        try:
            return self.source.block(height)
        except (SourceError, sqlite3.Error, OSError, SQLAlchemyError):
            raise
        except Exception as error:
            empty = BlockData(self.source.chain_id(), height, None, 0, None, None, [], [])
            self._index(empty, f"the source cannot read the block: {describe_error(error)}")
            return None

    def rebuild(self) -> int:
        """Drop every table, then index again from the genesis."""
        schema.metadata.drop_all(self.engine)
        self._prepared = False
        return self.catch_up()


def _advance_cursor(connection: Connection, block: BlockData, height: int | None) -> None:
    values = {
        "height": block.height,
        "chain_id": block.chain_id,
        "schema_version": schema.SCHEMA_VERSION,
    }
    if height is None:
        connection.execute(schema.cursor.insert(), {"name": CURSOR_NAME, **values})
    else:
        connection.execute(
            schema.cursor.update().where(schema.cursor.c.name == CURSOR_NAME).values(values)
        )


def _cursor_height(connection: Connection) -> int | None:
    row = connection.execute(
        select(schema.cursor.c.height).where(schema.cursor.c.name == CURSOR_NAME)
    ).first()
    return None if row is None else int(row.height)


# -- the handlers of the modules' events ---------------------------------------------------


def _amount(data: dict[str, Any], name: str) -> int:
    return int(data[name])


@register_handler("accounts/created")
def _account_created(writer: BlockWriter, event: EventData) -> None:
    row = writer.account(event.data["address"], changing=True)
    if row["created_height"] is None:
        row["created_height"] = writer.block.height
    writer.concerns(event, event.data["address"])


def _set_role(writer: BlockWriter, event: EventData, present: bool) -> None:
    row = writer.account(event.data["account"], changing=True)
    roles = set(row["roles"].split())
    if present:
        roles.add(event.data["role"])
    else:
        roles.discard(event.data["role"])
    row["roles"] = " ".join(sorted(roles))
    writer.concerns(event, event.data["account"])


@register_handler("accounts/role_granted")
def _role_granted(writer: BlockWriter, event: EventData) -> None:
    _set_role(writer, event, True)


@register_handler("accounts/role_revoked")
def _role_revoked(writer: BlockWriter, event: EventData) -> None:
    _set_role(writer, event, False)


_FLAG_NAMES = (
    "auth_required",
    "freezable",
    "clawback_enabled",
    "paused",
    "speculative",
    "global_freeze",
)


@register_handler("assets/issued")
def _asset_issued(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    flags = {name: bool(data.get(name, False)) for name in _FLAG_NAMES}
    writer.new_asset(
        {
            "symbol": data["symbol"],
            "issuer": data["issuer"],
            "asset_class": data["asset_class"],
            "decimals": int(data["decimals"]),
            "max_supply": _amount(data, "max_supply"),
            "supply": 0,
            "created_height": writer.block.height,
            "flags": flags,
            "reserves": None,
            "reserves_as_of_ms": None,
            "custodian": None,
        }
    )
    writer.account(data["issuer"])
    writer.concerns(event, data["issuer"])


@register_handler("assets/minted")
def _minted(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    writer.move(event, "mint", data["symbol"], None, data["recipient"], _amount(data, "amount"))
    writer.set_supply(data["symbol"], _amount(data, "supply"))


@register_handler("assets/burned")
def _burned(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    writer.move(event, "burn", data["symbol"], data["holder"], None, _amount(data, "amount"))
    writer.set_supply(data["symbol"], _amount(data, "supply"))


@register_handler("assets/clawed_back")
def _clawed_back(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    writer.move(event, "clawback", data["symbol"], data["account"], None, _amount(data, "amount"))
    writer.set_supply(data["symbol"], _amount(data, "supply"))


@register_handler("assets/transferred")
def _transferred(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    writer.move(
        event,
        "transfer",
        data["symbol"],
        data["sender"],
        data["recipient"],
        _amount(data, "amount"),
    )


@register_handler("assets/forced_transfer")
def _forced_transfer(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    writer.move(
        event, "forced", data["symbol"], data["sender"], data["recipient"], _amount(data, "amount")
    )
    writer.concerns(event, data["agent"])


@register_handler("assets/recovered")
def _recovered(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    amount = _amount(data, "amount")
    if amount:
        writer.move(event, "recover", data["symbol"], data["lost"], data["new"], amount)
    writer.concerns(event, data["agent"], data["lost"], data["new"])


@register_handler("assets/reserves_attested")
def _reserves_attested(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    amount = _amount(data, "amount")
    writer.reserves.append(
        {
            "symbol": data["symbol"],
            "height": writer.block.height,
            "seq": event.seq,
            "custodian": data["custodian"],
            "amount": amount,
            "as_of_ms": int(data["as_of_ms"]),
        }
    )
    asset = writer.asset(data["symbol"])
    if asset is not None:
        asset["reserves"] = amount
        asset["reserves_as_of_ms"] = int(data["as_of_ms"])
        asset["custodian"] = data["custodian"]
    writer.concerns(event, data["custodian"])


def _set_flag(writer: BlockWriter, symbol: str, name: str, value: bool) -> None:
    asset = writer.asset(symbol)
    if asset is not None:
        asset["flags"] = {**asset["flags"], name: value}


@register_handler("assets/clawback_enabled")
def _clawback_enabled(writer: BlockWriter, event: EventData) -> None:
    _set_flag(writer, event.data["symbol"], "clawback_enabled", True)


@register_handler("assets/paused")
def _paused(writer: BlockWriter, event: EventData) -> None:
    _set_flag(writer, event.data["symbol"], "paused", bool(event.data["paused"]))


@register_handler("assets/asset_freeze_set")
def _asset_frozen(writer: BlockWriter, event: EventData) -> None:
    _set_flag(writer, event.data["symbol"], "global_freeze", bool(event.data["frozen"]))


@register_handler("assets/authorized")
def _authorized(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    writer.balance(data["account"], data["symbol"])["authorized"] = bool(data["authorized"])
    writer.concerns(event, data["account"])


@register_handler("assets/freeze_set")
def _freeze_set(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    line = writer.balance(data["account"], data["symbol"])
    line["frozen"] = bool(data["frozen"])
    line["deep"] = bool(data["deep"])
    line["amount_frozen"] = _amount(data, "amount_frozen")
    writer.concerns(event, data["account"])


@register_handler("assets/hold_placed")
def _hold_placed(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    amount = _amount(data, "amount")
    writer.new_hold(
        {
            "hold_id": _hex_of_base64(data["hold_id"]),
            "symbol": data["symbol"],
            "payer": data["payer"],
            "payee": data["payee"],
            "amount": amount,
            "expires_at_ms": int(data["expires_at_ms"]),
            "status": "open",
            "settled": 0,
            "released": 0,
            "placed_height": writer.block.height,
            "closed_height": None,
        }
    )
    writer.balance(data["payer"], data["symbol"])["held"] += amount
    writer.account(data["payee"])
    writer.concerns(event, data["payer"], data["payee"])


def _close_hold(writer: BlockWriter, event: EventData, status: str) -> dict[str, Any] | None:
    hold = writer.hold(_hex_of_base64(event.data["hold_id"]))
    if hold is not None:
        hold["status"] = status
        hold["closed_height"] = writer.block.height
    return hold


@register_handler("assets/hold_posted")
def _hold_posted(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    settled, released = _amount(data, "amount"), _amount(data, "released")
    hold = _close_hold(writer, event, "posted")
    if hold is not None:
        hold["settled"], hold["released"] = settled, released
    held = settled + released if hold is None else hold["amount"]
    writer.move(
        event, "hold_post", data["symbol"], data["payer"], data["payee"], settled,
        held_released=held,
    )  # fmt: skip


def _release_hold(writer: BlockWriter, event: EventData, status: str) -> None:
    data = event.data
    _close_hold(writer, event, status)
    line = writer.balance(data["payer"], data["symbol"])
    line["held"] = max(0, line["held"] - _amount(data, "amount"))
    writer.concerns(event, data["payer"])


@register_handler("assets/hold_voided")
def _hold_voided(writer: BlockWriter, event: EventData) -> None:
    _release_hold(writer, event, "voided")


@register_handler("assets/hold_expired")
def _hold_expired(writer: BlockWriter, event: EventData) -> None:
    _release_hold(writer, event, "expired")


@register_handler("attest/attested")
def _attested(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    writer.new_attestation(
        {
            "attestation_id": _hex_of_base64(data["attestation_id"]),
            "schema_id": _hex_of_base64(data["schema_id"]),
            "attester": data["attester"],
            "recipient": data["recipient"],
            "expires_at_ms": int(data["expires_at_ms"]),
            "revoked_at_ms": None,
            "height": writer.block.height,
        }
    )
    writer.concerns(event, data["attester"], data["recipient"])


@register_handler("attest/revoked")
def _revoked(writer: BlockWriter, event: EventData) -> None:
    row = writer.attestation(_hex_of_base64(event.data["attestation_id"]))
    if row is not None:
        row["revoked_at_ms"] = int(event.data["revoked_at_ms"])
    writer.concerns(event, event.data["attester"])


# -- payments: one ix_payments row per request, authorization, escrow and channel ----------


def _new_payment(
    writer: BlockWriter,
    event: EventData,
    id_field: str,
    kind: str,
    payer: str | None,
    payee: str,
    amount_field: str,
    reference: str | None,
) -> None:
    data = event.data
    writer.new_payment(
        {
            "payment_id": _hex_of_base64(data[id_field]),
            "kind": kind,
            "payer": payer,
            "payee": payee,
            "symbol": data["symbol"],
            "amount": _amount(data, amount_field),
            "settled": 0,
            "refunded": 0,
            "status": "open",
            "reference": reference,
            "created_height": writer.block.height,
            "updated_height": writer.block.height,
        }
    )
    writer.account(payee)
    writer.concerns(event, payer, payee)


def _payment(writer: BlockWriter, event: EventData, id_field: str) -> dict[str, Any] | None:
    return writer.payment(_hex_of_base64(event.data[id_field]))


def _set_payment_status(
    writer: BlockWriter, event: EventData, id_field: str, status: str
) -> dict[str, Any] | None:
    row = _payment(writer, event, id_field)
    if row is not None:
        row["status"] = status
        writer.concerns(event, row["payer"], row["payee"])
    return row


@register_handler("payments/request_created")
def _request_created(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    _new_payment(
        writer, event, "request_id", "request", None, data["merchant"], "amount", data["reference"]
    )


@register_handler("payments/request_paid")
def _request_paid(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    row = _payment(writer, event, "request_id")
    if row is not None:
        # Paid in the requested asset or an accepted alternative: the row then shows the
        # asset and amount paid, so that settled and refunded are in its units.
        amount = _amount(data, "amount")
        row.update(payer=data["payer"], symbol=data["symbol"], amount=amount, settled=amount)
        row["status"] = "paid"
    writer.concerns(event, data["payer"], data["merchant"])


@register_handler("payments/request_cancelled")
def _request_cancelled(writer: BlockWriter, event: EventData) -> None:
    _set_payment_status(writer, event, "request_id", "cancelled")


@register_handler("payments/authorized")
def _authorized_payment(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    _new_payment(
        writer, event, "authorization_id", "authorization", data["payer"], data["merchant"],
        "amount", None,
    )  # fmt: skip


@register_handler("payments/captured")
def _captured(writer: BlockWriter, event: EventData) -> None:
    row = _payment(writer, event, "authorization_id")
    if row is not None:
        row["settled"] = _amount(event.data, "captured")
        if _amount(event.data, "remaining") == 0:
            row["status"] = "captured"
        writer.concerns(event, row["payer"], row["payee"])


@register_handler("payments/authorization_voided")
def _authorization_voided(writer: BlockWriter, event: EventData) -> None:
    _set_payment_status(writer, event, "authorization_id", "voided")


@register_handler("payments/authorization_expired")
def _authorization_expired(writer: BlockWriter, event: EventData) -> None:
    _set_payment_status(writer, event, "authorization_id", "expired")


@register_handler("payments/refunded")
def _refunded(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    row = _payment(writer, event, "payment_id")  # a paid request or an authorization
    if row is not None:
        row["refunded"] = _amount(data, "refunded")
    writer.concerns(event, data["payer"], data["merchant"])


@register_handler("payments/escrow_created")
def _escrow_created(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    _new_payment(writer, event, "escrow_id", "escrow", data["payer"], data["payee"], "amount", None)


@register_handler("payments/escrow_released")
def _escrow_released(writer: BlockWriter, event: EventData) -> None:
    row = _set_payment_status(writer, event, "escrow_id", "released")
    if row is not None:
        row["settled"] = _amount(event.data, "amount")


@register_handler("payments/escrow_cancelled")
def _escrow_cancelled(writer: BlockWriter, event: EventData) -> None:
    _set_payment_status(writer, event, "escrow_id", "cancelled")


@register_handler("payments/channel_opened")
def _channel_opened(writer: BlockWriter, event: EventData) -> None:
    data = event.data
    _new_payment(
        writer, event, "channel_id", "channel", data["sender"], data["recipient"], "deposit", None
    )


@register_handler("payments/channel_funded")
def _channel_funded(writer: BlockWriter, event: EventData) -> None:
    row = _payment(writer, event, "channel_id")
    if row is not None:
        row["amount"] = _amount(event.data, "deposit")
        writer.concerns(event, row["payer"], row["payee"])


@register_handler("payments/channel_claimed")
def _channel_claimed(writer: BlockWriter, event: EventData) -> None:
    row = _payment(writer, event, "channel_id")
    if row is not None:
        row["settled"] = _amount(event.data, "paid")
    writer.concerns(event, event.data["recipient"], None if row is None else row["payer"])


@register_handler("payments/channel_closing")
def _channel_closing(writer: BlockWriter, event: EventData) -> None:
    _set_payment_status(writer, event, "channel_id", "closing")


@register_handler("payments/channel_closed")
def _channel_closed(writer: BlockWriter, event: EventData) -> None:
    row = _set_payment_status(writer, event, "channel_id", "closed")
    if row is not None:
        row["settled"] = _amount(event.data, "paid")


@register_handler("payments/swapped")
def _swapped(writer: BlockWriter, event: EventData) -> None:
    # No ix_payments row (see schema.payments): the legs are indexed by their
    # assets/transferred events; this notes every party in the history all the same.
    for leg in event.data["legs"]:
        writer.concerns(event, leg["sender"], leg["recipient"])
