"""Routes of the durable event log.

- ``GET /v1/events?after=H:I&limit=N``: events after a cursor, a page at a time.
- ``GET /v1/events/stream?after=H:I``: the same as server-sent events, live (replaying at
  most ``STREAM_REPLAY_BLOCKS_MAX`` blocks; ``api/headers.py`` limits open streams).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import anyio
from litestar import Request, get
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from originledger.api.context import ApiContext, Context
from originledger.api.errors import ApiError
from originledger.api.limits import (
    SQLITE_INT_MAX,
    STREAM_KEEPALIVE_S,
    STREAM_PAGE_EVENTS_MAX,
    STREAM_REPLAY_BLOCKS_MAX,
)
from originledger.api.models import EventPage
from originledger.api.params import json_response, parse_cursor, parse_int
from originledger.core.codec import to_json
from originledger.core.limits import PAGE_ITEMS_MAX

__all__ = ["ROUTES"]


@get("/v1/events", sync_to_thread=True)
def events(context: Context, request: Request[Any, Any, Any]) -> EventPage:
    height, index = parse_cursor(request.query_params.get("after"), (-1, -1))
    limit = parse_int(request.query_params.get("limit"), "limit", 100, 1, PAGE_ITEMS_MAX)
    rows = context.chain.events_after(height, index, limit)
    answers = [context.event_answer(row) for row in rows]
    cursor = f"{rows[-1].height}:{rows[-1].seq}" if rows else f"{height}:{index}"
    return json_response(EventPage(answers, cursor))  # type: ignore[return-value]


@get("/v1/events/stream")
async def event_stream(context: Context, request: Request[Any, Any, Any]) -> ServerSentEvent:
    start = request.headers.get("last-event-id") or request.query_params.get("after")
    latest = context.chain.latest_height()
    oldest = latest - STREAM_REPLAY_BLOCKS_MAX
    if not start:
        cursor = (-1, -1) if oldest < 0 else (oldest, SQLITE_INT_MAX)
    else:
        cursor = parse_cursor(start, (-1, -1))
        if cursor[0] < oldest:
            raise ApiError(
                410,
                "replay_too_far",
                f"a stream replays at most {STREAM_REPLAY_BLOCKS_MAX} blocks; read older "
                "events with GET /v1/events pages, then stream from the last cursor",
            )
    return ServerSentEvent(_stream(context, cursor))


async def _stream(
    context: ApiContext, cursor: tuple[int, int]
) -> AsyncIterator[ServerSentEventMessage]:
    height, index = cursor
    while True:
        waiter = context.commits.new_block
        rows = await anyio.to_thread.run_sync(
            context.chain.events_after, height, index, STREAM_PAGE_EVENTS_MAX
        )
        for row in rows:
            height, index = row.height, row.seq
            yield ServerSentEventMessage(
                data=to_json(context.event_answer(row)).decode(),
                id=f"{height}:{index}",
                event="ledger",
            )
        if rows:
            continue
        try:
            await asyncio.wait_for(waiter.wait(), STREAM_KEEPALIVE_S)
        except TimeoutError:
            yield ServerSentEventMessage(comment="keepalive")


ROUTES = [events, event_stream]
