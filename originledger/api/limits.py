"""Every limit of the HTTP API in one place, each with its unit in its name.

The kernel's limits (transaction size, batch size, page size, mempool) are in
``core/limits.py``; fund tracing's scan budget is in ``modules/compliance/tracing.py``.
``docs/api.md`` lists them all with their values and the answer a client gets at each.
"""

from __future__ import annotations

from originledger.core.limits import SUBMIT_BATCH_TXS_MAX

__all__ = [
    "CONNECTIONS_MAX",
    "REQUEST_BODY_BYTES_MAX",
    "SQLITE_INT_MAX",
    "STREAMS_MAX",
    "STREAMS_PER_CLIENT_MAX",
    "STREAM_KEEPALIVE_S",
    "STREAM_PAGE_EVENTS_MAX",
    "STREAM_REPLAY_BLOCKS_MAX",
    "SUBMIT_BATCH_TXS_MAX",
    "WAIT_MS_MAX",
]

# A request body (only POST /v1/txs takes one): refused with 413 before it is read when
# its Content-Length says more, and as soon as more arrives when it does not. 8 MiB holds
# a batch of SUBMIT_BATCH_TXS_MAX transfers (about 250 bytes each) even as hex in JSON.
REQUEST_BODY_BYTES_MAX = 8 * 1024 * 1024

# Connections and requests the server handles at once (uvicorn's limit_concurrency); one
# more is answered 503 by the server before the API sees it. Streams count too.
CONNECTIONS_MAX = 1_024

# How long POST /v1/txs?wait_ms= may wait for a commit.
WAIT_MS_MAX = 30_000

# Event streams (GET /v1/events/stream): open at once from one client address, and in all;
# one more is refused with 429.
STREAMS_PER_CLIENT_MAX = 4
STREAMS_MAX = 256
# How far back a stream replays: a cursor more than this many blocks behind the latest
# block is refused with 410 (catch up with GET /v1/events pages, then stream); a stream
# without a cursor starts this many blocks back.
STREAM_REPLAY_BLOCKS_MAX = 1_000
# Events a stream reads from the store at a time.
STREAM_PAGE_EVENTS_MAX = 500
# A comment line is sent after this many seconds without an event.
STREAM_KEEPALIVE_S = 15.0

# Every number stored in SQLite (heights, cursors) is a signed 64-bit integer.
SQLITE_INT_MAX = 2**63 - 1
