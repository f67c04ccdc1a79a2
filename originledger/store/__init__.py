"""Persistence: the SQLite store (a file, or in memory) and the authenticated state tree."""

from originledger.store.sqlite import SqliteStore, StoredBlock, StoredTx

__all__ = ["SqliteStore", "StoredBlock", "StoredTx"]
