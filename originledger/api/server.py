"""The HTTP API of a node, as a Litestar application: ``create_app`` composes the route
modules over one ``ApiContext`` (``api/context.py``), handed to every handler by
dependency injection.

Routes (all JSON unless said otherwise; errors are ``{"error": {"code", "message"}}`` with a
4xx status, never a 500 for anything a client sends: ``api/errors.py``):

- ``GET /health``, ``GET /v1/status``, ``GET /v1/genesis``, ``GET /v1/blocks/latest``,
  ``GET /v1/blocks/{height}``: ``api/routes/chain.py``.
- ``POST /v1/txs`` (submit one or a batch, JSON or msgpack, ``?wait_ms=``) and
  ``GET /v1/txs/{hash}`` (receipt with proof): ``api/routes/tx.py``.
- ``GET /v1/accounts/{address}``, ``GET /v1/state/{key_hex}``,
  ``GET /v1/query/{module}/{name}?...`` (each ``?prove=true``): ``api/routes/state.py``.
- ``GET /v1/events?after=H:I&limit=N`` and ``GET /v1/events/stream?after=H:I`` (server-sent
  events, live): ``api/routes/events.py``.
- ``GET /v1/compliance/trace?...``: fund tracing (``api/routes/compliance.py``).
- ``GET /v1/payments/requests/{id}/uri|qr.svg|qr.png``: a payment request's URI and QR
  code (``api/routes/payments.py``).
- ``GET /v1/search`` and ``GET /v1/index/...``: the index API (``api/routes/index.py``);
  ``GET /v1/index/source...``: the chain as an indexer reads it (``api/routes/source.py``).
- ``GET /`` (the explorer, ``api/explorer/routes.py``), ``GET /openapi.json``
  (``api/openapi.py``).

Limits (body size, batch size, open streams, replay window) are in ``api/limits.py``;
every number from outside goes through ``core.numbers.parse_decimal`` (``api/params.py``);
security headers and the stream limit are in ``api/headers.py``; the query parameters the
OpenAPI document declares are in ``api/openapi.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import anyio
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.openapi import OpenAPIConfig

from originledger import __version__
from originledger.api.context import ApiContext, provide
from originledger.api.errors import EXCEPTION_HANDLERS
from originledger.api.explorer.routes import explorer_handlers
from originledger.api.headers import StreamSlots, add_security_headers, stream_limits
from originledger.api.limits import REQUEST_BODY_BYTES_MAX
from originledger.api.openapi import openapi
from originledger.api.routes import chain, compliance, events, payments, source, state, tx
from originledger.api.routes import index as index_routes
from originledger.driver import LedgerNode
from originledger.indexer.service import IndexService

__all__ = ["create_app"]


def create_app(
    node: LedgerNode,
    *,
    start_node: bool = True,
    index: IndexService | None = None,
    cors_origins: Sequence[str] = (),
) -> Litestar:
    """The API of ``node`` (either driver); with ``start_node`` it starts and stops it (and
    ``index``, the node's indexer, whose routes answer 503 when it is None).

    ``cors_origins``: the web origins (``https://wallet.example``) whose pages may call the
    API from a browser; none by default (the explorer is served from the API's own origin).

    Proofs carry what the driver's validators sign: Origin's signed header (embedded
    mode, ``signed_header``) or CometBFT's signed header of the next block (network mode,
    ``cometbft_signed_header``, whose app hash is the state root after ``height``)."""
    context = ApiContext(node, index)

    async def startup() -> None:
        context.commits.loop = asyncio.get_running_loop()
        if start_node:
            node.start()
            if index is not None:
                index.start()

    async def shutdown() -> None:
        if start_node:
            await anyio.to_thread.run_sync(node.stop)
            if index is not None:
                await anyio.to_thread.run_sync(index.stop)

    return Litestar(
        route_handlers=[
            chain.health,
            chain.status,
            chain.genesis,
            *tx.ROUTES,
            chain.latest_block,
            chain.block_at,
            *state.ROUTES,
            *events.ROUTES,
            openapi,
            *compliance.ROUTES,
            *explorer_handlers(),
            *index_routes.ROUTES,
            *source.ROUTES,
            *payments.ROUTES,
        ],
        dependencies=provide(context),
        on_startup=[startup],
        on_shutdown=[shutdown],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Origin ledger API", version=__version__, path="/schema"
        ),
        request_max_body_size=REQUEST_BODY_BYTES_MAX,
        cors_config=(
            CORSConfig(allow_origins=list(cors_origins), allow_methods=["GET", "POST"])
            if cors_origins
            else None
        ),
        middleware=[stream_limits(StreamSlots())],
        before_send=[add_security_headers],
        debug=False,
        logging_config=None,
    )
