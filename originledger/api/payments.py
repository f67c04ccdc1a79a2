"""Payment routes of the HTTP API: a payment request as a URI and a QR code.

- ``GET /v1/payments/requests/{id}/uri``: ``{"uri", "state", "request"}`` — the request's
  ``origin:pay?...`` URI (docs/payments.md) and its current state.
- ``GET /v1/payments/requests/{id}/qr.svg`` and ``.../qr.png``: its QR code, for a
  checkout page or a printed sticker (``?scale=1..16``, default 6).

Every other payments and clearing flow goes through ``POST /v1/txs`` and the module
queries (``/v1/query/payments/...``, ``/v1/query/clearing/...``). ``server.create_app``
mounts the handlers ``payments_routes`` returns.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from originledger.core.codec import to_builtins, to_json
from originledger.core.module import BLOCK_TIME_PARAMETER, QueryError
from originledger.modules.payments.queries import query_request
from originledger.node.driver import LedgerNode
from originledger.sdk.payments import qr_png, qr_svg, uri_of_request

__all__ = ["payments_routes"]

_SCALE_MAX = 16


def payments_routes(node: LedgerNode) -> list[HTTPRouteHandler]:
    """The payment route handlers over ``node``'s store."""
    from originledger.api.server import ApiError, _parse_int  # server imports this

    store = node.store

    def request_uri(request_id: str) -> tuple[str, dict[str, Any]]:
        info = node.app.info()
        if info is None:
            raise ApiError(503, "not_ready", "the chain is not initialized")
        try:
            view = query_request(store, {"id": request_id, BLOCK_TIME_PARAMETER: str(info.time_ms)})
        except QueryError as error:
            raise ApiError(
                404 if error.not_found else 400,
                "not_found" if error.not_found else "invalid_query",
                str(error),
            ) from None
        answer: dict[str, Any] = to_builtins(view)
        uri = uri_of_request(info.chain_id, bytes.fromhex(view.id), answer["request"])
        return uri, answer

    def scale_of(request: Request[Any, Any, Any]) -> int:
        return _parse_int(request.query_params.get("scale"), "scale", 6, 1, _SCALE_MAX)

    @get("/v1/payments/requests/{request_id:str}/uri", sync_to_thread=True)
    def uri(request_id: FromPath[str]) -> Response[bytes]:
        text, answer = request_uri(request_id)
        body = {"uri": text, "state": answer["state"], "request": answer["request"]}
        return Response(to_json(body), media_type=MediaType.JSON)

    @get("/v1/payments/requests/{request_id:str}/qr.svg", sync_to_thread=True)
    def svg(request_id: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
        scale = scale_of(request)  # bad input is refused before any lookup
        text, _ = request_uri(request_id)
        return Response(qr_svg(text, scale=scale).encode(), media_type="image/svg+xml")

    @get("/v1/payments/requests/{request_id:str}/qr.png", sync_to_thread=True)
    def png(request_id: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
        scale = scale_of(request)
        text, _ = request_uri(request_id)
        return Response(qr_png(text, scale=scale), media_type="image/png")

    return [uri, svg, png]
