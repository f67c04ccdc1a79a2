"""A node's own indexer (``indexer/service.py``), wired to the node: it reads the node's
committed blocks (its ``ChainView``) and wakes after each commit."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from originledger.driver import LedgerNode
from originledger.indexer.service import IndexService
from originledger.indexer.source import StoreSource
from originledger.indexer.writer import Indexer, open_engine
from originledger.store.sqlite import SqliteStore

__all__ = ["StoredNode", "default_index_url", "index_service_for"]


class StoredNode(LedgerNode, Protocol):
    """A driver with its ledger in a ``SqliteStore`` (both drivers are)."""

    @property
    def store(self) -> SqliteStore: ...


def default_index_url(node: StoredNode) -> str:
    """``<home>/data/index.sqlite`` beside the node's ledger; in memory for a memory store."""
    path = node.store.path
    if path is None:
        return "sqlite://"
    return f"sqlite:///{Path(path).parent / 'index.sqlite'}"


def index_service_for(node: StoredNode, url: str | None = None) -> IndexService:
    """An indexer of ``node`` into ``url`` (default: ``default_index_url``), woken by each
    of its commits; ``start()`` it, or let the API's startup start it."""
    engine = open_engine(url or default_index_url(node))
    service = IndexService(
        Indexer(engine, StoreSource(node.chain, node.chain.registry), rebuild_outdated=True)
    )
    node.add_listener(lambda _outcome: service.wake())
    return service
