"""The indexer: follows a node's durable event stream into queryable tables (SQLite by
default, PostgreSQL when pointed at one). See docs/explorer.md."""

from originledger.indexer.reader import IndexReader, ReaderError
from originledger.indexer.source import (
    BlockData,
    EventData,
    HttpSource,
    Source,
    SourceError,
    StoreSource,
    TxData,
)
from originledger.indexer.writer import (
    EVENT_HANDLERS,
    BlockWriter,
    Indexer,
    IndexerError,
    Skip,
    open_engine,
    register_handler,
)

__all__ = [
    "EVENT_HANDLERS",
    "BlockData",
    "BlockWriter",
    "EventData",
    "HttpSource",
    "IndexReader",
    "Indexer",
    "IndexerError",
    "ReaderError",
    "Skip",
    "Source",
    "SourceError",
    "StoreSource",
    "TxData",
    "open_engine",
    "register_handler",
]
