"""Routes of the chain itself: health, status, genesis and blocks.

- ``GET /health``: ``{"ok", "height"}``, 503 once the node stopped after a failure.
- ``GET /v1/status``: chain id, height, hashes, time, validator, mempool size, modules,
  the node's clock.
- ``GET /v1/genesis``: the genesis document the chain started from.
- ``GET /v1/blocks/latest``, ``GET /v1/blocks/{height}``: a block's signed header and its
  transaction hashes.
"""

from __future__ import annotations

from litestar import MediaType, Response, get
from litestar.params import FromPath

from originledger.api.context import ApiContext, Context
from originledger.api.errors import ApiError
from originledger.api.models import BlockAnswer, StatusAnswer
from originledger.api.params import json_response, parse_int

__all__ = ["ROUTES", "block_answer"]


@get("/health", sync_to_thread=False)
def health(context: Context) -> Response[bytes]:
    healthy = context.node.failure is None
    height = context.chain.latest_height()
    return json_response({"ok": healthy, "height": height}, 200 if healthy else 503)


@get("/v1/status", sync_to_thread=False)
def status(context: Context) -> StatusAnswer:
    info = context.chain.info()
    if info is None:
        raise ApiError(503, "not_ready", "the chain is not initialized")
    answer = StatusAnswer(
        info.chain_id,
        info.height,
        info.app_hash.hex(),
        info.last_hash.hex(),
        info.time_ms,
        context.node.validator_key.public_key.hex(),
        len(context.node.mempool),
        info.modules,
        context.node.clock_ms(),
    )
    return json_response(answer)  # type: ignore[return-value]


@get("/v1/genesis", sync_to_thread=False)
def genesis(context: Context) -> Response[bytes]:
    raw = context.chain.genesis()
    if raw is None:
        raise ApiError(503, "not_ready", "the chain is not initialized")
    return Response(raw, media_type=MediaType.JSON)


def block_answer(context: ApiContext, height: int) -> BlockAnswer:
    stored = context.chain.block(height)
    if stored is None:
        raise ApiError(404, "block_not_found", f"no block at height {height}")
    hashes, _ = context.chain.block_tx_leaves(height)
    return BlockAnswer(height, stored.hash.hex(), stored.signed_header, [h.hex() for h in hashes])


@get("/v1/blocks/latest", sync_to_thread=True)
def latest_block(context: Context) -> BlockAnswer:
    height = context.chain.latest_height()
    if height < 1:
        raise ApiError(404, "block_not_found", "no block has been committed yet")
    return json_response(block_answer(context, height))  # type: ignore[return-value]


@get("/v1/blocks/{height:str}", sync_to_thread=True)
def block_at(context: Context, height: FromPath[str]) -> BlockAnswer:
    number = parse_int(height, "height", 0, 1, 2**63 - 1)
    return json_response(block_answer(context, number))  # type: ignore[return-value]


ROUTES = [health, status, genesis, latest_block, block_at]
