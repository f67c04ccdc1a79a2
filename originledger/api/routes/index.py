"""Routes of the index API (the node's indexer, ``indexer/``; 503 when it runs none).

- ``GET /v1/search?q=``: what a height, hash, address or asset symbol names.
- ``GET /v1/index/status``: how far the index has come, and what it skipped.
- ``GET /v1/index/stats``: counts of blocks, transactions (and failed ones), accounts,
  assets, and each asset's holders.
- ``GET /v1/index/blocks?before=&limit=``, ``GET /v1/index/txs?before=&limit=&height=&address=``,
  ``GET /v1/index/txs/failed?before=&limit=`` (failed transactions with their messages).
- ``GET /v1/index/accounts/{address}``, ``.../history?cursor=&limit=``.
- ``GET /v1/index/assets``, ``/v1/index/assets/{symbol}``, ``.../holders?limit=``,
  ``.../volume?days=``, ``.../supply?limit=``.
- ``GET /v1/index/payments?account=&kind=&status=&cursor=&limit=``,
  ``GET /v1/index/payments/{payment_id}``.

Every listing is limited to ``PAGE_ITEMS_MAX`` items; errors are the API's usual 4xx.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath
from sqlalchemy.exc import SQLAlchemyError

from originledger.api.context import ApiContext, Context
from originledger.api.errors import ApiError
from originledger.api.params import json_response, parse_int
from originledger.core.limits import PAGE_ITEMS_MAX
from originledger.indexer.reader import VOLUME_DAYS_MAX, ReaderError

__all__ = ["DEFAULT_PAGE", "ROUTES"]

DEFAULT_PAGE = 25


def _call(context: ApiContext, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function`` (a method of the node's ``IndexReader``), its refusals as the API's
    errors."""
    try:
        return function(*args, **kwargs)
    except ReaderError as error:
        raise ApiError(400, error.code, str(error)) from None
    except SQLAlchemyError:
        if context.index is None or context.index.reader.has_tables():
            raise
        raise ApiError(
            503, "index_not_ready", "the indexer has not made its tables yet; retry shortly"
        ) from None


def _limit_of(request: Request[Any, Any, Any], default: int = DEFAULT_PAGE) -> int:
    return parse_int(request.query_params.get("limit"), "limit", default, 1, PAGE_ITEMS_MAX)


@get("/v1/search", sync_to_thread=True)
def search(context: Context, request: Request[Any, Any, Any]) -> Response[bytes]:
    query = request.query_params.get("q", "")
    results = _call(context, context.index_reader().search, query)
    return json_response({"query": query, "results": results})


@get("/v1/index/status", sync_to_thread=True)
def index_status(context: Context) -> Response[bytes]:
    index = context.index
    if index is None:
        answer: dict[str, Any] = {"indexed_height": None, "error": None}
        answer.update(degraded=False, failures=0, skipped=[])
    else:
        answer = index.status()  # error: the last one, without the database's password
    height = context.chain.latest_height()
    return json_response({"enabled": index is not None, "node_height": height, **answer})


@get("/v1/index/blocks", sync_to_thread=True)
def index_blocks(context: Context, request: Request[Any, Any, Any]) -> Response[bytes]:
    before_text = request.query_params.get("before")
    before = parse_int(before_text, "before", 0, 0, 2**63 - 1) if before_text else None
    return json_response(_call(context, context.index_reader().blocks, before, _limit_of(request)))


@get("/v1/index/txs", sync_to_thread=True)
def index_txs(context: Context, request: Request[Any, Any, Any]) -> Response[bytes]:
    params = request.query_params
    height_text = params.get("height")
    height = parse_int(height_text, "height", 0, 0, 2**63 - 1) if height_text else None
    answer = _call(
        context,
        context.index_reader().txs,
        before=params.get("before"),
        limit=_limit_of(request),
        height=height,
        address=params.get("address") or None,
    )
    return json_response(answer)


@get("/v1/index/txs/failed", sync_to_thread=True)
def index_failed_txs(context: Context, request: Request[Any, Any, Any]) -> Response[bytes]:
    reader = context.index_reader()
    before = request.query_params.get("before")
    return json_response(_call(context, reader.failed_txs, before, _limit_of(request)))


@get("/v1/index/stats", sync_to_thread=True)
def index_stats(context: Context) -> Response[bytes]:
    return json_response(_call(context, context.index_reader().stats))


@get("/v1/index/accounts/{address:str}", sync_to_thread=True)
def index_account(context: Context, address: FromPath[str]) -> Response[bytes]:
    answer = _call(context, context.index_reader().account, address)
    if answer is None:
        raise ApiError(404, "account_not_found", "the index has not seen this account")
    return json_response(answer)


@get("/v1/index/accounts/{address:str}/history", sync_to_thread=True)
def account_history(
    context: Context, address: FromPath[str], request: Request[Any, Any, Any]
) -> Response[bytes]:
    cursor = request.query_params.get("cursor")
    reader = context.index_reader()
    return json_response(_call(context, reader.history, address, cursor, _limit_of(request)))


@get("/v1/index/assets", sync_to_thread=True)
def index_assets(context: Context, request: Request[Any, Any, Any]) -> Response[bytes]:
    reader = context.index_reader()
    return json_response(
        {"assets": _call(context, reader.assets, _limit_of(request, PAGE_ITEMS_MAX))}
    )


@get("/v1/index/assets/{symbol:str}", sync_to_thread=True)
def index_asset(context: Context, symbol: FromPath[str]) -> Response[bytes]:
    answer = _call(context, context.index_reader().asset, symbol)
    if answer is None:
        raise ApiError(404, "asset_not_found", f"no asset {symbol[:20]!r} in the index")
    return json_response(answer)


@get("/v1/index/assets/{symbol:str}/holders", sync_to_thread=True)
def asset_holders(
    context: Context, symbol: FromPath[str], request: Request[Any, Any, Any]
) -> Response[bytes]:
    reader = context.index_reader()
    return json_response(_call(context, reader.holders, symbol, _limit_of(request)))


@get("/v1/index/assets/{symbol:str}/volume", sync_to_thread=True)
def asset_volume(
    context: Context, symbol: FromPath[str], request: Request[Any, Any, Any]
) -> Response[bytes]:
    days = parse_int(request.query_params.get("days"), "days", 30, 1, VOLUME_DAYS_MAX)
    return json_response(_call(context, context.index_reader().volume, symbol, days))


@get("/v1/index/assets/{symbol:str}/supply", sync_to_thread=True)
def asset_supply(
    context: Context, symbol: FromPath[str], request: Request[Any, Any, Any]
) -> Response[bytes]:
    reader = context.index_reader()
    return json_response(_call(context, reader.supply, symbol, _limit_of(request, 200)))


@get("/v1/index/payments", sync_to_thread=True)
def index_payments(context: Context, request: Request[Any, Any, Any]) -> Response[bytes]:
    params = request.query_params
    answer = _call(
        context,
        context.index_reader().payments,
        account=params.get("account") or None,
        kind=params.get("kind") or None,
        status=params.get("status") or None,
        cursor=params.get("cursor"),
        limit=_limit_of(request),
    )
    return json_response(answer)


@get("/v1/index/payments/{payment_id:str}", sync_to_thread=True)
def index_payment(context: Context, payment_id: FromPath[str]) -> Response[bytes]:
    answer = _call(context, context.index_reader().payment, payment_id)
    if answer is None:
        raise ApiError(404, "payment_not_found", "no payment with this id in the index")
    return json_response(answer)


ROUTES = [
    search,
    index_status,
    index_blocks,
    index_txs,
    index_failed_txs,
    index_stats,
    index_account,
    account_history,
    index_assets,
    index_asset,
    asset_holders,
    asset_volume,
    asset_supply,
    index_payments,
    index_payment,
]
