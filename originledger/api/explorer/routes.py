"""Routes of the explorer and the index API (mounted by ``api/server.py``).

- ``GET /``: the explorer page; ``GET /explorer/{path}``: its scripts and styles.
- ``GET /v1/search?q=``: what a height, hash, address or asset symbol names.
- ``GET /v1/index/status``: how far the index has come, and what it skipped.
- ``GET /v1/index/blocks?before=&limit=``, ``GET /v1/index/txs?before=&limit=&height=&address=``.
- ``GET /v1/index/accounts/{address}``, ``.../history?cursor=&limit=``.
- ``GET /v1/index/assets``, ``/v1/index/assets/{symbol}``, ``.../holders?limit=``,
  ``.../volume?days=``, ``.../supply?limit=``.
- ``GET /v1/index/payments?account=&kind=&status=&cursor=&limit=``,
  ``GET /v1/index/payments/{payment_id}``.
- ``GET /v1/index/source`` and ``/v1/index/source/blocks/{height}``: the blocks as an
  indexer reads them (what a standalone indexer follows over HTTP).

Every listing is limited to ``PAGE_ITEMS_MAX`` items; errors are the API's usual 4xx.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath
from litestar.static_files import create_static_files_router
from sqlalchemy.exc import SQLAlchemyError

from originledger.api.server import ApiError, _json, _parse_int
from originledger.core.block import Genesis
from originledger.core.codec import from_json, to_json
from originledger.core.limits import PAGE_ITEMS_MAX
from originledger.indexer.reader import VOLUME_DAYS_MAX, IndexReader, ReaderError
from originledger.indexer.service import IndexService
from originledger.indexer.source import block_data_from_store
from originledger.node.driver import LedgerNode

__all__ = ["STATIC_DIR", "explorer_handlers"]

STATIC_DIR = Path(__file__).parent / "static"
DEFAULT_PAGE = 25


def explorer_handlers(node: LedgerNode, index: IndexService | None) -> list[Any]:
    """The route handlers of the explorer and, when ``index`` is given, of the index API."""
    store = node.store
    registry = node.app.registry
    genesis_cache: list[Genesis] = []

    def genesis() -> Genesis:
        if not genesis_cache:
            raw = store.genesis()
            if raw is None:
                raise ApiError(503, "not_ready", "the chain is not initialized")
            genesis_cache.append(from_json(raw, Genesis))
        return genesis_cache[0]

    def reader() -> IndexReader:
        if index is None:
            raise ApiError(503, "index_disabled", "this node runs no indexer")
        return index.reader

    def call(function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ReaderError as error:
            raise ApiError(400, error.code, str(error)) from None
        except SQLAlchemyError:
            if index is None or index.reader.has_tables():
                raise
            raise ApiError(
                503, "index_not_ready", "the indexer has not made its tables yet; retry shortly"
            ) from None

    def limit_of(request: Request[Any, Any, Any], default: int = DEFAULT_PAGE) -> int:
        return _parse_int(request.query_params.get("limit"), "limit", default, 1, PAGE_ITEMS_MAX)

    @get("/", sync_to_thread=False, include_in_schema=False)
    def home() -> Response[bytes]:
        return Response((STATIC_DIR / "index.html").read_bytes(), media_type=MediaType.HTML)

    @get("/v1/search", sync_to_thread=True)
    def search(request: Request[Any, Any, Any]) -> Response[bytes]:
        query = request.query_params.get("q", "")
        return _json({"query": query, "results": call(reader().search, query)})

    @get("/v1/index/status", sync_to_thread=True)
    def index_status() -> Response[bytes]:
        if index is None:
            answer: dict[str, Any] = {"indexed_height": None, "error": None}
            answer.update(degraded=False, failures=0, skipped=[])
        else:
            answer = index.status()  # error: the last one, without the database's password
        return _json({"enabled": index is not None, "node_height": store.latest_height(), **answer})

    @get("/v1/index/blocks", sync_to_thread=True)
    def index_blocks(request: Request[Any, Any, Any]) -> Response[bytes]:
        before_text = request.query_params.get("before")
        before = _parse_int(before_text, "before", 0, 0, 2**63 - 1) if before_text else None
        return _json(call(reader().blocks, before, limit_of(request)))

    @get("/v1/index/txs", sync_to_thread=True)
    def index_txs(request: Request[Any, Any, Any]) -> Response[bytes]:
        params = request.query_params
        height_text = params.get("height")
        height = _parse_int(height_text, "height", 0, 0, 2**63 - 1) if height_text else None
        answer = call(
            reader().txs,
            before=params.get("before"),
            limit=limit_of(request),
            height=height,
            address=params.get("address") or None,
        )
        return _json(answer)

    @get("/v1/index/accounts/{address:str}", sync_to_thread=True)
    def index_account(address: FromPath[str]) -> Response[bytes]:
        answer = call(reader().account, address)
        if answer is None:
            raise ApiError(404, "account_not_found", "the index has not seen this account")
        return _json(answer)

    @get("/v1/index/accounts/{address:str}/history", sync_to_thread=True)
    def account_history(address: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
        cursor = request.query_params.get("cursor")
        return _json(call(reader().history, address, cursor, limit_of(request)))

    @get("/v1/index/assets", sync_to_thread=True)
    def index_assets(request: Request[Any, Any, Any]) -> Response[bytes]:
        return _json({"assets": call(reader().assets, limit_of(request, PAGE_ITEMS_MAX))})

    @get("/v1/index/assets/{symbol:str}", sync_to_thread=True)
    def index_asset(symbol: FromPath[str]) -> Response[bytes]:
        answer = call(reader().asset, symbol)
        if answer is None:
            raise ApiError(404, "asset_not_found", f"no asset {symbol[:20]!r} in the index")
        return _json(answer)

    @get("/v1/index/assets/{symbol:str}/holders", sync_to_thread=True)
    def asset_holders(symbol: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
        return _json(call(reader().holders, symbol, limit_of(request)))

    @get("/v1/index/assets/{symbol:str}/volume", sync_to_thread=True)
    def asset_volume(symbol: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
        days = _parse_int(request.query_params.get("days"), "days", 30, 1, VOLUME_DAYS_MAX)
        return _json(call(reader().volume, symbol, days))

    @get("/v1/index/assets/{symbol:str}/supply", sync_to_thread=True)
    def asset_supply(symbol: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
        return _json(call(reader().supply, symbol, limit_of(request, 200)))

    @get("/v1/index/payments", sync_to_thread=True)
    def index_payments(request: Request[Any, Any, Any]) -> Response[bytes]:
        params = request.query_params
        answer = call(
            reader().payments,
            account=params.get("account") or None,
            kind=params.get("kind") or None,
            status=params.get("status") or None,
            cursor=params.get("cursor"),
            limit=limit_of(request),
        )
        return _json(answer)

    @get("/v1/index/payments/{payment_id:str}", sync_to_thread=True)
    def index_payment(payment_id: FromPath[str]) -> Response[bytes]:
        answer = call(reader().payment, payment_id)
        if answer is None:
            raise ApiError(404, "payment_not_found", "no payment with this id in the index")
        return _json(answer)

    @get("/v1/index/source", sync_to_thread=True)
    def source_info() -> Response[bytes]:
        meta = store.chain_meta()
        chain = genesis()
        return _json(
            {
                "chain_id": chain.chain_id,
                "genesis_height": chain.initial_height - 1,
                "height": -1 if meta is None else meta.height,
            }
        )

    @get("/v1/index/source/blocks/{height:str}", sync_to_thread=True)
    def source_block(height: FromPath[str]) -> Response[bytes]:
        number = _parse_int(height, "height", 0, 0, 2**63 - 1)
        data = block_data_from_store(store, registry, genesis(), number)
        if data is None:
            raise ApiError(404, "block_not_found", f"no block at height {number}")
        return Response(to_json(data), media_type=MediaType.JSON)

    handlers: list[BaseRouteHandler | Any] = [
        home,
        create_static_files_router(
            path="/explorer", directories=[STATIC_DIR], include_in_schema=False
        ),
        search,
        index_status,
        index_blocks,
        index_txs,
        index_account,
        account_history,
        index_assets,
        index_asset,
        asset_holders,
        asset_volume,
        asset_supply,
        index_payments,
        index_payment,
        source_info,
        source_block,
    ]
    return handlers
