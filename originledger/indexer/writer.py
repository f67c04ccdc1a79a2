"""The indexer: turns each block's events into rows, one database transaction per block.

The cursor (the last indexed height) is written in the same transaction as the block's
rows, and a block is applied only when it is the one right after the cursor: a restart
resumes exactly where the last committed transaction left off, and nothing is counted
twice. ``rebuild`` drops every table and indexes again from the genesis.

What an event changes in the index is its module's to say: each module's ``index.py``
turns its typed events into effects (``core/index.py``), which ``effects.py`` applies to
the block's rows here. A module added later declares its handlers on its ``Module`` and
adds its tables to ``schema.metadata``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import deque
from collections.abc import Sequence
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

from originledger.app import DEFAULT_MODULES
from originledger.core.address import ADDRESS_PREFIX
from originledger.core.context import Event
from originledger.core.index import IndexHandler
from originledger.core.module import Module
from originledger.indexer import schema
from originledger.indexer.effects import apply_effects
from originledger.indexer.events import EventDecoder, index_handlers
from originledger.indexer.source import (
    BlockData,
    EventData,
    Source,
    SourceError,
    TypedEventData,
)

__all__ = [
    "BlockWriter",
    "Indexer",
    "IndexerError",
    "Skip",
    "describe_error",
    "open_engine",
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
                self._debit(line, amount, held_released)
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

    def _debit(self, line: dict[str, Any], amount: int, held_released: int) -> None:
        """``amount`` leaves the balance ``line``, freeing ``held_released`` held units; the
        frozen amount never exceeds what is left available."""
        if line["amount"] < amount:
            raise IndexerError(
                f"block {self.block.height}: {line['address']} spends {amount} "
                f"{line['symbol']} but the index holds {line['amount']}"
            )
        line["amount"] -= amount
        line["held"] = max(0, line["held"] - held_released)
        line["amount_frozen"] = min(line["amount_frozen"], max(0, line["amount"] - line["held"]))

    # -- writing --------------------------------------------------------------------------

    def flush(self, tx_count: int, event_count: int) -> None:
        """Write the block's rows, in this order: the block, its transactions and events,
        the rows the block appends (movements, history, reserves, accounts concerned), the
        rows it inserts or updates (balances, assets, accounts, holds, payments,
        attestations), then the supply points and the daily volumes."""
        self._write_block(tx_count, event_count)
        self._write_txs()
        self._write_events()
        self._write_appended()
        self._write_balances()
        self._write_assets()
        self._write_accounts()
        self._upsert(schema.holds, ("hold_id",), self._holds, self._holds_existing)
        self._upsert(schema.payments, ("payment_id",), self._payments, self._payments_existing)
        self._upsert(
            schema.attestations,
            ("attestation_id",),
            self._attestations,
            self._attestations_existing,
        )
        self._write_supply_points()
        self._write_volumes()

    def _write_block(self, tx_count: int, event_count: int) -> None:
        block = self.block
        self.connection.execute(
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

    def _write_txs(self) -> None:
        block = self.block
        if not block.txs:
            return
        self.connection.execute(
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

    def _write_events(self) -> None:
        """Every event indexed, as the API shows it (``ix_events``)."""
        if not self.events:
            return
        height = self.block.height
        self.connection.execute(
            schema.events.insert(),
            [
                {
                    "height": height,
                    "seq": e.seq,
                    "tx_index": e.tx_index,
                    "type": e.type,
                    "data": json.dumps(e.data, sort_keys=True, separators=(",", ":")),
                }
                for e in self.events
            ],
        )

    def _write_appended(self) -> None:
        """The rows only ever inserted: movements, history, reserves, accounts concerned."""
        for rows, table in (
            (self.transfers, schema.transfers),
            (self.history, schema.history),
            (self.reserves, schema.reserves),
        ):
            if rows:
                self.connection.execute(table.insert(), rows)
        if self.tx_accounts:
            self.connection.execute(
                schema.tx_accounts.insert(),
                [
                    {"address": a, "height": h, "position": p}
                    for a, h, p in sorted(self.tx_accounts)
                ],
            )

    def _write_balances(self) -> None:
        for row in self._balances.values():
            row["updated_height"] = self.block.height
        self._upsert(
            schema.balances, ("address", "symbol"), self._balances, self._balances_existing
        )

    def _write_assets(self) -> None:
        assets = {
            symbol: {**row, "flags": json.dumps(row["flags"], sort_keys=True)}
            for symbol, row in self._assets.items()
        }
        self._upsert(schema.assets, ("symbol",), assets, self._assets_existing)

    def _write_accounts(self) -> None:
        """The accounts new in this block, and those it changed (not those only read)."""
        accounts = {
            address: row
            for address, row in self._accounts.items()
            if address not in self._accounts_existing or address in self._accounts_changed
        }
        self._upsert(schema.accounts, ("address",), accounts, self._accounts_existing)

    def _write_supply_points(self) -> None:
        if not self._supply_changed:
            return
        block = self.block
        self.connection.execute(
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

    ``modules`` (the default composition unless given) say how their events are indexed
    (``Module.index``): each event of a type with a handler is decoded into its module's
    struct and its effects applied; every event is in ``ix_events`` all the same.

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
        modules: Sequence[Module] = DEFAULT_MODULES,
        rebuild_outdated: bool = False,
    ) -> None:
        self.engine = engine
        self.source = source
        self.handlers: dict[type[Event], IndexHandler] = index_handlers(modules)
        self.decoder = EventDecoder.of_modules(modules)
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
        _prefetch(writer, block, [event for _, event in included])
        for tx in block.txs:
            for signer in tx.signers:
                writer.account(signer)
                writer.tx_accounts.add((signer, block.height, tx.position))
        self._index_events(writer, included)
        return writer

    def _index_events(self, writer: BlockWriter, included: list[tuple[int, EventData]]) -> None:
        """Each event of a type with a handler, as its typed struct, through its module's
        handler; the effects applied to ``writer``. One that fails is ``_EventFailed``."""
        kinds, handlers, decode = self.decoder.types, self.handlers, self.decoder.decode
        for index, event_data in included:
            kind = kinds.get(event_data.type)
            if kind is None or (handler := handlers.get(kind)) is None:
                continue  # in ix_events only
            try:
                if type(event_data) is TypedEventData and type(event_data.event) is kind:
                    event = event_data.event  # the source decoded it already
                else:
                    event = decode(event_data.data, kind)
                apply_effects(writer, event_data, handler(event))
            except Exception as error:
                if _transient(error):
                    raise
                raise _EventFailed(index, describe_error(error)) from error

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


def _prefetch(writer: BlockWriter, block: BlockData, events: list[EventData]) -> None:
    """Load in bulk the rows of the accounts the events and transactions name (every
    address among the events' fields, every signer) and of their lines in the assets the
    events name."""
    addresses: set[str] = set()
    symbols: set[str] = set()
    for event_data in events:
        for name, value in event_data.data.items():
            if type(value) is str and value.startswith(_ADDRESS_START):
                addresses.add(value)
            elif name == "symbol" and type(value) is str:
                symbols.add(value)
    for tx in block.txs:
        addresses.update(tx.signers)
    writer.prefetch(addresses, symbols)


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
