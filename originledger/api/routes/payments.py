"""Payment routes of the HTTP API: a payment request as a URI and a QR code.

- ``GET /v1/payments/requests/{id}/uri``: ``{"uri", "state", "request"}`` — the request's
  ``origin:pay?...`` URI (docs/payments.md, ``modules/payments/uri.py``) and its current
  state.
- ``GET /v1/payments/requests/{id}/qr.svg`` and ``.../qr.png``: its QR code, for a
  checkout page or a printed sticker (``?scale=1..16``, default 6).

Every other payments and clearing flow goes through ``POST /v1/txs`` and the module
queries (``/v1/query/payments/...``, ``/v1/query/clearing/...``).
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.params import FromPath

from originledger.api.context import ApiContext, Context
from originledger.api.errors import ApiError, query_error
from originledger.api.params import parse_int
from originledger.core.codec import to_builtins, to_json
from originledger.core.module import BLOCK_TIME_PARAMETER, QueryError
from originledger.modules.payments.queries import query_request
from originledger.modules.payments.uri import uri_of_request
from originledger.qr import qr_png, qr_svg

__all__ = ["ROUTES"]

_SCALE_MAX = 16


def _request_uri(context: ApiContext, request_id: str) -> tuple[str, dict[str, Any]]:
    info = context.chain.info()
    if info is None:
        raise ApiError(503, "not_ready", "the chain is not initialized")
    params = {"id": request_id, BLOCK_TIME_PARAMETER: str(info.time_ms)}
    try:
        view, _, _ = context.chain.read(lambda state: query_request(state, params), False)
    except QueryError as error:
        raise query_error(error) from None
    answer: dict[str, Any] = to_builtins(view)
    uri = uri_of_request(info.chain_id, bytes.fromhex(view.id), answer["request"])
    return uri, answer


def _scale_of(request: Request[Any, Any, Any]) -> int:
    return parse_int(request.query_params.get("scale"), "scale", 6, 1, _SCALE_MAX)


@get("/v1/payments/requests/{request_id:str}/uri", sync_to_thread=True)
def uri(context: Context, request_id: FromPath[str]) -> Response[bytes]:
    text, answer = _request_uri(context, request_id)
    body = {"uri": text, "state": answer["state"], "request": answer["request"]}
    return Response(to_json(body), media_type=MediaType.JSON)


@get("/v1/payments/requests/{request_id:str}/qr.svg", sync_to_thread=True)
def svg(
    context: Context, request_id: FromPath[str], request: Request[Any, Any, Any]
) -> Response[bytes]:
    scale = _scale_of(request)  # bad input is refused before any lookup
    text, _ = _request_uri(context, request_id)
    return Response(qr_svg(text, scale=scale).encode(), media_type="image/svg+xml")


@get("/v1/payments/requests/{request_id:str}/qr.png", sync_to_thread=True)
def png(
    context: Context, request_id: FromPath[str], request: Request[Any, Any, Any]
) -> Response[bytes]:
    scale = _scale_of(request)
    text, _ = _request_uri(context, request_id)
    return Response(qr_png(text, scale=scale), media_type="image/png")


ROUTES = [uri, svg, png]
