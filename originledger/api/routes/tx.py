"""Routes of transactions: submit them, read their receipts.

- ``POST /v1/txs``: submit one transaction or a batch. JSON ``{"tx": hex}`` or
  ``{"txs": [hex, ...]}``, or ``application/msgpack`` (an array of byte strings: the fast
  path; ``api/submission.py`` reads it). ``?wait_ms=N`` waits up to N ms for the accepted
  ones to commit.
- ``GET /v1/txs/{hash}``: receipt with result, events and inclusion proof (Origin's
  signed header in embedded mode, ``proof``; CometBFT's signed header of the next block in
  network mode, ``cometbft_proof``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
from litestar import Request, get, post
from litestar.params import FromPath

from originledger.api.context import ApiContext, Context, result_answer, submit_item
from originledger.api.errors import ApiError
from originledger.api.limits import WAIT_MS_MAX
from originledger.api.models import (
    ConsensusInclusionProof,
    InclusionProof,
    ReceiptAnswer,
    SubmitAnswers,
)
from originledger.api.params import json_response, parse_hash, parse_int
from originledger.api.submission import decode_submission, read_submission, submission_media
from originledger.comet.results import exec_result_bytes
from originledger.core.batch import exec_result_fields
from originledger.core.block import ResultLeaf
from originledger.core.codec import decode
from originledger.core.merkle import list_inclusion_proof
from originledger.driver import StoredTx, SubmitAnswer

__all__ = ["ROUTES", "consensus_inclusion"]


@post("/v1/txs", status_code=200)
async def submit(context: Context, request: Request[Any, Any, Any]) -> SubmitAnswers:
    wait_ms = parse_int(request.query_params.get("wait_ms"), "wait_ms", 0, 0, WAIT_MS_MAX)
    media = submission_media(request.headers.get("content-type", ""))
    body = await read_submission(request, media)
    raws = decode_submission(media, body)
    del body
    answers = await anyio.to_thread.run_sync(context.node.submit, raws)
    if wait_ms:
        answers = await _wait_for_commits(context, answers, wait_ms)
    return json_response(SubmitAnswers([submit_item(a) for a in answers]))  # type: ignore[return-value]


async def _wait_for_commits(
    context: ApiContext, answers: list[SubmitAnswer], wait_ms: int
) -> list[SubmitAnswer]:
    commits, chain = context.commits, context.chain
    pending = {
        a.hash: commits.wait_for(a.hash)
        for a in answers
        if a.status == "accepted" and a.hash is not None
    }
    # A block may have committed between the answer and the registration.
    for tx_hash, future in pending.items():
        if not future.done() and chain.tx(tx_hash) is not None:
            future.set_result(-1)
    if pending:
        await asyncio.wait(pending.values(), timeout=wait_ms / 1000)
    final: list[SubmitAnswer] = []
    for answer in answers:
        waited = pending.get(answer.hash) if answer.hash else None
        if waited is not None and waited.done() and answer.hash is not None:
            stored = chain.tx(answer.hash)
            if stored is not None:
                answer = SubmitAnswer(answer.hash, "committed", stored.result, stored.height)
        elif waited is not None and answer.hash is not None:
            waited.cancel()
            commits.forget(answer.hash, waited)
        final.append(answer)
    return final


@get("/v1/txs/{tx_hash:str}", sync_to_thread=True)
def receipt(context: Context, tx_hash: FromPath[str]) -> ReceiptAnswer:
    raw_hash = parse_hash(tx_hash)
    stored = context.chain.tx(raw_hash)
    if stored is None:
        if context.node.mempool.contains(raw_hash):
            return json_response(ReceiptAnswer(tx_hash.lower(), "accepted"))  # type: ignore[return-value]
        raise ApiError(404, "tx_not_found", "no transaction with this hash is known")
    return json_response(_committed_receipt(context, stored))  # type: ignore[return-value]


def _committed_receipt(context: ApiContext, stored: StoredTx) -> ReceiptAnswer:
    chain = context.chain
    hashes, leaves = chain.block_tx_leaves(stored.height)
    signed = context.signed_header_at(stored.height)
    proof = None
    cometbft_proof = None
    if signed is None:
        cometbft_proof = consensus_inclusion(context, stored.height, stored.position, leaves)
    if signed is not None:
        proof = InclusionProof(
            stored.position,
            len(hashes),
            list_inclusion_proof(hashes, stored.position),
            leaves[stored.position],
            list_inclusion_proof(leaves, stored.position),
            signed,
        )
    events = [context.event_answer(row) for row in chain.tx_events(stored.height, stored.position)]
    return ReceiptAnswer(
        hash=stored.hash.hex(),
        status="committed",
        height=stored.height,
        index=stored.position,
        result=result_answer(stored.result),
        events=events,
        tx=chain.registry.tx_decoder.describe(stored.raw),
        raw=stored.raw,
        proof=proof,
        cometbft_proof=cometbft_proof,
    )


def consensus_inclusion(
    context: ApiContext, height: int, position: int, leaves: list[bytes]
) -> ConsensusInclusionProof | None:
    """The proof of a transaction against CometBFT's header H + 1 (None when the driver
    has none: embedded mode, or block H + 1 not there yet)."""
    next_block = context.consensus_header_after(height)
    layout = context.node.consensus_layout(height)
    if next_block is None or layout is None or sum(layout) != len(leaves):
        return None
    codes = [decode(leaf, ResultLeaf).code for leaf in leaves]
    items: list[bytes] = []
    index = first = start = 0
    for number, count in enumerate(layout):
        if start <= position < start + count:
            index, first = number, start
        items.append(
            exec_result_bytes(
                *exec_result_fields(leaves[start : start + count], codes[start : start + count])
            )
        )
        start += count
    carried = leaves[first : first + layout[index]]
    return ConsensusInclusionProof(
        index=index,
        count=len(layout),
        batch_index=position - first,
        batch_count=len(carried),
        result_leaf=leaves[position],
        batch_proof=list_inclusion_proof(carried, position - first),
        result_proof=list_inclusion_proof(items, index),
        signed_header=next_block,
    )


ROUTES = [submit, receipt]
