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
    BlockWriter,
    Indexer,
    IndexerError,
    Skip,
    open_engine,
)

__all__ = [
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
]
