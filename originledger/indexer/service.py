"""A node's own indexer: a background thread that indexes each block after it commits.

``server/index.py`` wires one to a node (its blocks as the source, its commits as the
wake-up); this module knows no node."""

from __future__ import annotations

import logging
import threading

from originledger.indexer.reader import IndexReader
from originledger.indexer.redact import redact_text
from originledger.indexer.writer import Indexer, describe_error

__all__ = ["IndexService"]

log = logging.getLogger("originledger.indexer")

RETRY_S = 5.0


class IndexService:
    """Keeps an index up to date with a node: catches up at start, then after each block.

    The thread only reads the node's store through its reader connections and writes its
    own database. It never stops the chain, and no block stops it: what the indexer cannot
    index it skips and records (``ix_failures``, the status route's ``failures``); what may
    pass (the database unreachable) is logged and tried again every ``RETRY_S`` seconds.
    An index of an older schema version is indexed again from genesis.
    """

    def __init__(self, indexer: Indexer) -> None:
        self.indexer = indexer
        self.reader = IndexReader(indexer.engine)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    def start(self) -> IndexService:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="indexer", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                while not self._stop.is_set() and self.indexer.catch_up(blocks_max=100):
                    pass
                self.last_error = None
            except Exception as error:  # keep the node serving; say why the index lags
                self.last_error = self._redacted(describe_error(error))
                log.error(
                    "indexer failed (%s); retrying in %s s", self.last_error, RETRY_S
                )  # no traceback: its messages may quote the database URL
                self._stop.wait(RETRY_S)
                continue
            self._wake.wait(1.0)

    def _redacted(self, text: str) -> str:
        url = self.indexer.engine.url.render_as_string(hide_password=False)
        return redact_text(text, url)

    def status(self) -> dict[str, object]:
        """``{indexed_height, error, degraded, failures, skipped}`` for the status route:
        ``skipped`` lists the newest skipped events (at most 10)."""
        failures = self.reader.failures(10)
        return {
            "indexed_height": self.reader.indexed_height(),
            "error": self.last_error,
            "degraded": failures["degraded"],
            "failures": failures["count"],
            "skipped": failures["items"],
        }

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.indexer.engine.dispose()

    def wait_for(self, height: int, timeout_s: float = 10.0) -> bool:
        """Wait until the index reaches ``height`` (tests, tools)."""
        import time

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            indexed = self.reader.indexed_height()
            if indexed is not None and indexed >= height:
                return True
            self._wake.set()
            time.sleep(0.02)
        return False
