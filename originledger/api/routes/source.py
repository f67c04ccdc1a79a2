"""Routes of the chain as an indexer reads it (what a standalone indexer follows over HTTP:
``indexer/source.py``'s ``HttpSource``).

- ``GET /v1/index/source``: ``{"chain_id", "genesis_height", "height"}``.
- ``GET /v1/index/source/blocks/{height}``: one block's ``BlockData`` (header fields,
  transactions with their results, events); the genesis "block" at ``genesis_height``.
"""

from __future__ import annotations

from litestar import MediaType, Response, get
from litestar.params import FromPath

from originledger.api.context import ApiContext, Context
from originledger.api.errors import ApiError
from originledger.api.params import json_response, parse_int
from originledger.core.block import Genesis
from originledger.core.codec import to_json
from originledger.indexer.source import block_data_from_store

__all__ = ["ROUTES"]


def _genesis(context: ApiContext) -> Genesis:
    genesis = context.genesis()
    if genesis is None:
        raise ApiError(503, "not_ready", "the chain is not initialized")
    return genesis


@get("/v1/index/source", sync_to_thread=True)
def source_info(context: Context) -> Response[bytes]:
    meta = context.chain.chain_meta()
    chain = _genesis(context)
    return json_response(
        {
            "chain_id": chain.chain_id,
            "genesis_height": chain.initial_height - 1,
            "height": -1 if meta is None else meta.height,
        }
    )


@get("/v1/index/source/blocks/{height:str}", sync_to_thread=True)
def source_block(context: Context, height: FromPath[str]) -> Response[bytes]:
    number = parse_int(height, "height", 0, 0, 2**63 - 1)
    chain = context.chain
    data = block_data_from_store(chain, chain.registry, _genesis(context), number)
    if data is None:
        raise ApiError(404, "block_not_found", f"no block at height {number}")
    return Response(to_json(data), media_type=MediaType.JSON)


ROUTES = [source_info, source_block]
