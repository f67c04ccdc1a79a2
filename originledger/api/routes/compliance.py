"""Compliance routes of the HTTP API: fund tracing over the stored events.

- ``GET /v1/compliance/trace?account=&symbol=&after_height=&hops=&fanout=``: follows the
  asset's money sent by ``account`` after ``after_height``, hop by hop, with amounts
  (FIFO attribution, see ``originledger.modules.compliance.tracing``). Reads at most
  ``TRACE_EVENTS_SCANNED_MAX`` stored events (the scan budget) and ``TRACE_MOVEMENTS_MAX``
  movements of the asset; ``truncated`` says when a bound cut it, and ``scan`` says how
  many events were read and the cursor (``HEIGHT:INDEX``) of the last one.

"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litestar import MediaType, Request, Response, get

from originledger.api.context import Context
from originledger.api.errors import ApiError
from originledger.api.params import parse_int
from originledger.core.address import Address, AddressError
from originledger.core.codec import to_json
from originledger.core.context import Event
from originledger.core.limits import PAGE_ITEMS_MAX
from originledger.driver import ChainView
from originledger.modules.assets.types import check_symbol
from originledger.modules.compliance.tracing import (
    TRACE_EVENTS_SCANNED_MAX,
    TRACE_FANOUT_MAX,
    TRACE_HOPS_MAX,
    TRACE_MOVEMENTS_MAX,
    Movement,
    movements_from_events,
    trace_funds,
)

__all__ = ["ROUTES"]

_MOVEMENT_EVENT_MARK = b"assets/"  # every event tracing reads has a type under assets/


def _parameter_int(request: Request[Any, Any, Any], name: str, default: int, high: int) -> int:
    low = 0 if name == "after_height" else 1
    return parse_int(request.query_params.get(name), name, default, low, high)


class _Scan:
    """Reads the stored events after a height, within the scan budget."""

    def __init__(self, chain: ChainView, after_height: int) -> None:
        self.chain = chain
        self.height, self.seq = after_height + 1, -1
        self.read = 0
        self.cut = False

    def events(self) -> Iterator[tuple[int, int, Event]]:
        registry = self.chain.registry
        while True:
            page = min(PAGE_ITEMS_MAX, TRACE_EVENTS_SCANNED_MAX - self.read)
            if page <= 0:
                self.cut = True
                return
            rows = self.chain.events_after(self.height, self.seq, page)
            for row in rows:
                self.height, self.seq = row.height, row.seq
                self.read += 1
                if _MOVEMENT_EVENT_MARK in row.data:
                    yield row.height, row.seq, registry.decode_event(row.data)
            if len(rows) < page:
                return


@get("/v1/compliance/trace", sync_to_thread=True)
def trace(context: Context, request: Request[Any, Any, Any]) -> Response[bytes]:
    text = request.query_params.get("account", "")
    try:
        account = Address.from_text(text)
    except AddressError as error:
        raise ApiError(400, "invalid_address", f"account: {error}") from None
    symbol = request.query_params.get("symbol", "")
    if check_symbol(symbol) is not None:
        raise ApiError(400, "invalid_parameter", "symbol is not an asset symbol")
    after_height = _parameter_int(request, "after_height", 0, 2**62)
    hops = _parameter_int(request, "hops", 4, TRACE_HOPS_MAX)
    fanout = _parameter_int(request, "fanout", 32, TRACE_FANOUT_MAX)
    movements: list[Movement] = []
    scan = _Scan(context.chain, after_height)
    cut = False
    for movement in movements_from_events(scan.events()):
        if movement.symbol != symbol:
            continue
        if len(movements) == TRACE_MOVEMENTS_MAX:
            cut = True
            break
        movements.append(movement)
    result = trace_funds(
        movements,
        account,
        symbol,
        after_height=after_height,
        hops_max=hops,
        fanout_max=fanout,
        truncated=cut or scan.cut,
    )
    body = {
        "height": context.chain.latest_height(),
        "trace": result,
        "scan": {
            "events_read": scan.read,
            "budget": TRACE_EVENTS_SCANNED_MAX,
            "cut": cut or scan.cut,
            "cursor": f"{scan.height}:{scan.seq}",
        },
    }
    return Response(to_json(body), media_type=MediaType.JSON)


ROUTES = [trace]
