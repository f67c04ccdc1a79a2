"""The node's log: one line per committed block, and every warning, as text or JSON.

Every logger of Origin is under ``originledger`` (``originledger.node``, ``.app``,
``.indexer``, ``.api``); :func:`configure_logging` gives that tree one handler on stderr
with a level and a format, and is what ``origin start --log-level/--log-format`` and
``python -m originledger.node`` call. Without it (a library user, the tests) nothing is
configured here: Python's defaults apply.

A block is logged at ``info`` by the drivers through :func:`log_block` (embedded) or
:class:`BlockTimer` (ABCI), after it is durably committed::

    2026-12-03T10:15:02.123Z info    originledger.node  block 12: 3 txs, 1 failed, 4.2 ms

With ``json``, each line is one object: ``time`` (UTC, ISO 8601, milliseconds),
``level``, ``logger``, ``message``, an ``exception`` text when there is one, and the
record's fields (for a block: ``event: "block"``, ``height``, ``txs``, ``failed``, ``ms``).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, Protocol

__all__ = [
    "FORMAT_ENV",
    "LEVELS",
    "LEVEL_ENV",
    "LOG_FORMATS",
    "BlockTimer",
    "configure_logging",
    "log_block",
    "logged",
    "parse_level",
    "unconfigure",
]

LEVELS = ("debug", "info", "warning", "error", "critical")
LOG_FORMATS = ("text", "json")
LEVEL_ENV = "ORIGIN_LOG_LEVEL"
FORMAT_ENV = "ORIGIN_LOG_FORMAT"
ROOT_LOGGER = "originledger"

block_log = logging.getLogger("originledger.node")


class _Result(Protocol):
    @property
    def ok(self) -> bool: ...


class _Tx(Protocol):
    @property
    def result(self) -> _Result: ...


class _Header(Protocol):
    @property
    def height(self) -> int: ...


class _Outcome(Protocol):
    """What a block log needs of ``app.BlockOutcome``."""

    @property
    def header(self) -> _Header: ...

    @property
    def txs(self) -> Sequence[_Tx]: ...


def _utc(created: float) -> str:
    seconds = int(created)
    millis = int((created - seconds) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


class TextFormatter(logging.Formatter):
    """``TIME LEVEL LOGGER  MESSAGE`` (and the traceback, if any, below it)."""

    def format(self, record: logging.LogRecord) -> str:
        line = (
            f"{_utc(record.created)} {record.levelname.lower():<8}"
            f"{record.name}  {record.getMessage()}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see the module's docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _utc(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def parse_level(text: str) -> int:
    """``info`` → ``logging.INFO``; ValueError naming the levels otherwise."""
    name = text.strip().lower()
    if name not in LEVELS:
        raise ValueError(f"unknown log level {text!r}: one of {', '.join(LEVELS)}")
    return int(getattr(logging, name.upper()))


def configure_logging(
    level: str = "info", log_format: str = "text", stream: IO[str] | None = None
) -> logging.Handler:
    """Send Origin's log records at ``level`` and above to ``stream`` (stderr) in
    ``log_format``; replaces the handler an earlier call installed. Returns the handler
    (:func:`unconfigure` takes it away again)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"unknown log format {log_format!r}: one of {', '.join(LOG_FORMATS)}")
    root = logging.getLogger(ROOT_LOGGER)
    for handler in list(root.handlers):
        if getattr(handler, "origin_log", False):
            unconfigure(handler)
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.origin_log = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(parse_level(level))
    root.propagate = False  # one line per record, whatever the root logger has
    return handler


def unconfigure(handler: logging.Handler) -> None:
    root = logging.getLogger(ROOT_LOGGER)
    root.removeHandler(handler)
    root.setLevel(logging.NOTSET)
    root.propagate = True


@contextmanager
def logged(
    level: str = "info", log_format: str = "text", stream: IO[str] | None = None
) -> Iterator[logging.Handler]:
    """:func:`configure_logging` for the length of a ``with`` block."""
    handler = configure_logging(level, log_format, stream)
    try:
        yield handler
    finally:
        unconfigure(handler)


def log_block(outcome: _Outcome, elapsed_s: float) -> None:
    """The line of one committed block: height, transactions, failures, time taken."""
    if not block_log.isEnabledFor(logging.INFO):
        return
    txs = len(outcome.txs)
    failed = sum(1 for tx in outcome.txs if not tx.result.ok)
    ms = round(elapsed_s * 1000, 1)
    block_log.info(
        "block %d: %d %s, %d failed, %.1f ms",
        outcome.header.height,
        txs,
        "tx" if txs == 1 else "txs",
        failed,
        ms,
        extra={
            "fields": {
                "event": "block",
                "height": outcome.header.height,
                "txs": txs,
                "failed": failed,
                "ms": ms,
            }
        },
    )


class BlockTimer:
    """For a driver whose block arrives in two calls (ABCI's FinalizeBlock, then Commit):
    :meth:`start` at the first, :meth:`committed` after the second logs the block."""

    def __init__(self) -> None:
        self._started: float | None = None

    def start(self) -> None:
        self._started = time.perf_counter()

    def committed(self, outcome: _Outcome) -> None:
        started, self._started = self._started, None
        log_block(outcome, 0.0 if started is None else time.perf_counter() - started)
