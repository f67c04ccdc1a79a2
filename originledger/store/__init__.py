"""Persistence: the SQLite store (a file, or in memory) and the authenticated state tree."""

from originledger.store.records import EventRow, ProvenValue, StoredBlock, StoredTx
from originledger.store.sqlite import SqliteStore

__all__ = ["EventRow", "ProvenValue", "SqliteStore", "StoredBlock", "StoredTx"]
