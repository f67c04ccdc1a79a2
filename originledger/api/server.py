"""The HTTP API of a node, as a Litestar application.

Routes (all JSON unless said otherwise; errors are ``{"error": {"code", "message"}}`` with a
4xx status, never a 500 for anything a client sends):

- ``POST /v1/txs``: submit one transaction or a batch. JSON ``{"tx": hex}`` or
  ``{"txs": [hex, ...]}``, or ``application/msgpack`` (an array of byte strings: the fast
  path). ``?wait_ms=N`` waits up to N ms for the accepted ones to commit.
- ``GET /v1/txs/{hash}``: receipt with result, events and inclusion proof.
- ``GET /v1/blocks/latest``, ``GET /v1/blocks/{height}``.
- ``GET /v1/accounts/{address}``: roles and balances (``?prove=true`` adds proofs).
- ``GET /v1/state/{key_hex}``: one raw state value (``?prove=true`` adds its proof).
- ``GET /v1/query/{module}/{name}?...``: a module's query (``?prove=true`` proves the keys
  it read).
- ``GET /v1/events?after=H:I&limit=N``: events after a durable cursor, and
  ``GET /v1/events/stream?after=H:I``: the same as server-sent events, live.
- ``GET /v1/status``, ``GET /v1/genesis``, ``GET /health``, ``GET /openapi.json``.
- ``GET /v1/compliance/trace?...``: fund tracing (``api/compliance.py``).
- ``GET /`` (the explorer), ``GET /v1/search`` and ``GET /v1/index/...``: see
  ``api/explorer/routes.py``.
- ``GET /v1/payments/requests/{id}/uri|qr.svg|qr.png``: a payment request's URI and QR
  code (``api/payments.py``).

Limits (body size, batch size, open streams, replay window) are in ``api/limits.py``;
every number from outside goes through ``core.numbers.parse_decimal``; security headers and
the stream limit are in ``api/headers.py``; the query parameters the OpenAPI document
declares are in ``api/openapi.py``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from litestar import Litestar, MediaType, Request, Response, get, post
from litestar.config.cors import CORSConfig
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.params import FromPath
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from originledger import __version__
from originledger.api.compliance import compliance_routes
from originledger.api.headers import StreamSlots, add_security_headers, stream_limits
from originledger.api.limits import (
    REQUEST_BODY_BYTES_MAX,
    SQLITE_INT_MAX,
    STREAM_KEEPALIVE_S,
    STREAM_PAGE_EVENTS_MAX,
    STREAM_REPLAY_BLOCKS_MAX,
    WAIT_MS_MAX,
)
from originledger.api.models import (
    AccountAnswer,
    BlockAnswer,
    ConsensusInclusionProof,
    EventAnswer,
    EventPage,
    InclusionProof,
    ProvenState,
    QueryAnswer,
    ReceiptAnswer,
    ResultAnswer,
    StatusAnswer,
    SubmitAnswerItem,
    SubmitAnswers,
    SubmitRequest,
)
from originledger.api.openapi import declare_query_parameters
from originledger.api.payments import payments_routes
from originledger.app import BlockOutcome
from originledger.comet.results import exec_result_bytes
from originledger.core.address import Address, AddressError
from originledger.core.batch import exec_result_fields
from originledger.core.block import ResultLeaf, SignedHeader
from originledger.core.codec import CodecError, decode, from_json, to_builtins, to_json
from originledger.core.codes import TxResult
from originledger.core.context import StateReader
from originledger.core.limits import PAGE_ITEMS_MAX, SUBMIT_BATCH_TXS_MAX
from originledger.core.merkle import list_inclusion_proof
from originledger.core.module import BLOCK_TIME_PARAMETER, QueryError
from originledger.core.numbers import parse_decimal
from originledger.modules.accounts import load_account
from originledger.modules.assets.queries import query_balances
from originledger.node.driver import LedgerNode
from originledger.node.embedded import SubmitAnswer
from originledger.store.sqlite import EventRow, ProvenValue

if TYPE_CHECKING:
    from originledger.indexer.service import IndexService

__all__ = ["ApiError", "create_app"]

log = logging.getLogger("originledger.api")


class ApiError(Exception):
    """A client error: an HTTP status, a stable code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


_TOO_LARGE = f"a request body is at most {REQUEST_BODY_BYTES_MAX} bytes"


def _error_response(status: int, code: str, message: str) -> Response[bytes]:
    body = to_json({"error": {"code": code, "message": message}})
    return Response(body, status_code=status, media_type=MediaType.JSON)


def _api_error_handler(_: Request[Any, Any, Any], error: ApiError) -> Response[bytes]:
    return _error_response(error.status, error.code, error.message)


def _http_error_handler(_: Request[Any, Any, Any], error: HTTPException) -> Response[bytes]:
    status = error.status_code
    if isinstance(error, ValidationException):
        code = "invalid_request"
    elif isinstance(error, NotFoundException):
        code = "not_found"
    elif status == 405:
        code = "method_not_allowed"
    elif status == 413:
        return _error_response(413, "request_too_large", _TOO_LARGE)
    else:
        code = "http_error"
    message = str(error.detail)
    extra = getattr(error, "extra", None)
    if extra:
        message = f"{message}: {extra}"
    return _error_response(status, code, message[:500])


def _internal_error_handler(_: Request[Any, Any, Any], error: Exception) -> Response[bytes]:
    log.exception("internal error", exc_info=error)
    return _error_response(500, "internal", "internal error; the node logged it")


def _json(value: Any, status: int = 200) -> Response[bytes]:
    return Response(to_json(value), status_code=status, media_type=MediaType.JSON)


def _parse_hash(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise ApiError(400, "invalid_hash", "a hash is 64 hex characters") from None
    if len(raw) != 32:
        raise ApiError(400, "invalid_hash", "a hash is 64 hex characters")
    return raw


def _parse_bool(text: str | None) -> bool:
    if text is None or text == "":
        return False
    lowered = text.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ApiError(400, "invalid_parameter", f"expected true or false, got {text!r}")


def _parse_int(text: str | None, name: str, default: int, low: int, high: int) -> int:
    """A number from outside (``core.numbers.parse_decimal``): ASCII digits in range."""
    if text is None or text == "":
        return default
    value = parse_decimal(text, low, high)
    if value is None:
        raise ApiError(
            400, "invalid_parameter", f"{name} must be a whole number from {low} to {high}"
        )
    return value


def _parse_cursor(text: str | None, default: tuple[int, int]) -> tuple[int, int]:
    """An event cursor ``HEIGHT:INDEX``; both are SQLite integers: -1 (before the first)
    up to 2**63 - 1."""
    if not text:
        return default
    height_text, _, index_text = text.partition(":")
    height = parse_decimal(height_text, -1, SQLITE_INT_MAX)
    index = parse_decimal(index_text or "-1", -1, SQLITE_INT_MAX)
    if height is None or index is None:
        raise ApiError(400, "invalid_cursor", "a cursor is HEIGHT:INDEX, each from -1 to 2**63 - 1")
    return height, index


def _result_answer(result: TxResult) -> ResultAnswer:
    return ResultAnswer(result.codespace, result.code, result.message, result.message_index)


def _submit_item(answer: SubmitAnswer) -> SubmitAnswerItem:
    return SubmitAnswerItem(
        answer.hash.hex() if answer.hash else None,
        answer.status,
        _result_answer(answer.result),
        answer.height,
    )


class _Commits:
    """Tells the event loop about committed blocks: wakes waiters and event streams."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiters: dict[bytes, list[asyncio.Future[int]]] = {}
        self.new_block = asyncio.Event()

    def on_commit(self, outcome: BlockOutcome) -> None:  # runs in the producer thread
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._resolve, outcome)

    def _resolve(self, outcome: BlockOutcome) -> None:
        height = outcome.header.height
        for tx in outcome.txs:
            for future in self.waiters.pop(tx.hash, ()):
                if not future.done():
                    future.set_result(height)
        self.new_block.set()
        self.new_block = asyncio.Event()

    def forget(self, tx_hash: bytes, future: asyncio.Future[int]) -> None:
        futures = self.waiters.get(tx_hash)
        if futures is not None and future in futures:
            futures.remove(future)
            if not futures:
                del self.waiters[tx_hash]

    def wait_for(self, tx_hash: bytes) -> asyncio.Future[int]:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.waiters.setdefault(tx_hash, []).append(future)
        return future


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
    from originledger.api.explorer.routes import explorer_handlers

    store = node.store
    registry = node.app.registry
    commits = _Commits()
    node.add_listener(commits.on_commit)

    def event_answer(row: EventRow) -> EventAnswer:
        event = registry.decode_event(row.data)
        data = to_builtins(event)
        return EventAnswer(row.height, row.seq, row.tx_index, data.pop("type"), data)

    def block_time_ms() -> int:
        """The time of the last committed block (what queries read at)."""
        meta = store.chain_meta()
        return 0 if meta is None else meta.time_ms

    def signed_header_at(height: int) -> SignedHeader | None:
        return node.signed_header(height)

    def consensus_header_after(height: int) -> dict[str, Any] | None:
        return node.consensus_signed_header(height + 1)

    def proven(values: list[ProvenValue]) -> list[ProvenState]:
        return [ProvenState(v.key, v.value, v.height, v.proof) for v in values]

    async def startup() -> None:
        commits.loop = asyncio.get_running_loop()
        if start_node:
            node.start()
            if index is not None:
                index.start()

    async def shutdown() -> None:
        if start_node:
            await anyio.to_thread.run_sync(node.stop)
            if index is not None:
                await anyio.to_thread.run_sync(index.stop)

    @get("/health", sync_to_thread=False)
    def health() -> Response[bytes]:
        healthy = node.failure is None
        return _json({"ok": healthy, "height": store.latest_height()}, 200 if healthy else 503)

    @get("/v1/status", sync_to_thread=False)
    def status() -> StatusAnswer:
        info = node.app.info()
        if info is None:
            raise ApiError(503, "not_ready", "the chain is not initialized")
        answer = StatusAnswer(
            info.chain_id,
            info.height,
            info.app_hash.hex(),
            info.last_hash.hex(),
            info.time_ms,
            node.validator_key.public_key.hex(),
            len(node.mempool),
            info.modules,
        )
        return _json(answer)  # type: ignore[return-value]

    @get("/v1/genesis", sync_to_thread=False)
    def genesis() -> Response[bytes]:
        raw = store.genesis()
        if raw is None:
            raise ApiError(503, "not_ready", "the chain is not initialized")
        return Response(raw, media_type=MediaType.JSON)

    @post("/v1/txs", status_code=200)
    async def submit(request: Request[Any, Any, Any]) -> SubmitAnswers:
        wait_ms = _parse_int(request.query_params.get("wait_ms"), "wait_ms", 0, 0, WAIT_MS_MAX)
        media = _submission_media(request.headers.get("content-type", ""))
        body = await _read_submission(request, media)
        raws = _decode_submission(media, body)
        del body
        answers = await anyio.to_thread.run_sync(node.submit, raws)
        if wait_ms:
            answers = await _wait_for_commits(answers, wait_ms)
        return _json(SubmitAnswers([_submit_item(a) for a in answers]))  # type: ignore[return-value]

    async def _wait_for_commits(answers: list[SubmitAnswer], wait_ms: int) -> list[SubmitAnswer]:
        pending = {
            a.hash: commits.wait_for(a.hash)
            for a in answers
            if a.status == "accepted" and a.hash is not None
        }
        # A block may have committed between the answer and the registration.
        for tx_hash, future in pending.items():
            if not future.done() and store.tx(tx_hash) is not None:
                future.set_result(-1)
        if pending:
            await asyncio.wait(pending.values(), timeout=wait_ms / 1000)
        final: list[SubmitAnswer] = []
        for answer in answers:
            waited = pending.get(answer.hash) if answer.hash else None
            if waited is not None and waited.done() and answer.hash is not None:
                stored = store.tx(answer.hash)
                if stored is not None:
                    answer = SubmitAnswer(answer.hash, "committed", stored.result, stored.height)
            elif waited is not None and answer.hash is not None:
                waited.cancel()
                commits.forget(answer.hash, waited)
            final.append(answer)
        return final

    @get("/v1/txs/{tx_hash:str}", sync_to_thread=True)
    def receipt(tx_hash: FromPath[str]) -> ReceiptAnswer:
        raw_hash = _parse_hash(tx_hash)
        stored = store.tx(raw_hash)
        if stored is None:
            if node.mempool.contains(raw_hash):
                return _json(ReceiptAnswer(tx_hash.lower(), "accepted"))  # type: ignore[return-value]
            raise ApiError(404, "tx_not_found", "no transaction with this hash is known")
        hashes, leaves = store.block_tx_leaves(stored.height)
        signed = signed_header_at(stored.height)
        proof = None
        cometbft_proof = None
        if signed is None:
            cometbft_proof = consensus_inclusion(stored.height, stored.position, leaves)
        if signed is not None:
            proof = InclusionProof(
                stored.position,
                len(hashes),
                list_inclusion_proof(hashes, stored.position),
                leaves[stored.position],
                list_inclusion_proof(leaves, stored.position),
                signed,
            )
        events = [event_answer(row) for row in store.tx_events(stored.height, stored.position)]
        answer = ReceiptAnswer(
            hash=stored.hash.hex(),
            status="committed",
            height=stored.height,
            index=stored.position,
            result=_result_answer(stored.result),
            events=events,
            tx=registry.tx_decoder.describe(stored.raw),
            raw=stored.raw,
            proof=proof,
            cometbft_proof=cometbft_proof,
        )
        return _json(answer)  # type: ignore[return-value]

    def consensus_inclusion(
        height: int, position: int, leaves: list[bytes]
    ) -> ConsensusInclusionProof | None:
        """The proof of a transaction against CometBFT's header H + 1 (None when the driver
        has none: embedded mode, or block H + 1 not there yet)."""
        next_block = consensus_header_after(height)
        layout = node.consensus_layout(height)
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

    def block_answer(height: int) -> BlockAnswer:
        stored = store.block(height)
        if stored is None:
            raise ApiError(404, "block_not_found", f"no block at height {height}")
        hashes, _ = store.block_tx_leaves(height)
        return BlockAnswer(
            height, stored.hash.hex(), stored.signed_header, [h.hex() for h in hashes]
        )

    @get("/v1/blocks/latest", sync_to_thread=True)
    def latest_block() -> BlockAnswer:
        height = store.latest_height()
        if height < 1:
            raise ApiError(404, "block_not_found", "no block has been committed yet")
        return _json(block_answer(height))  # type: ignore[return-value]

    @get("/v1/blocks/{height:str}", sync_to_thread=True)
    def block_at(height: FromPath[str]) -> BlockAnswer:
        number = _parse_int(height, "height", 0, 1, 2**63 - 1)
        return _json(block_answer(number))  # type: ignore[return-value]

    @get("/v1/accounts/{address:str}", sync_to_thread=True)
    def account(address: FromPath[str], request: Request[Any, Any, Any]) -> AccountAnswer:
        try:
            parsed = Address.from_text(address)
        except AddressError as error:
            raise ApiError(400, "invalid_address", f"not an address: {error}") from None
        prove = _parse_bool(request.query_params.get("prove"))

        def read(state: StateReader) -> tuple[Any, Any]:
            record = load_account(state, parsed)
            balances = query_balances(state, {"account": address})
            return record, balances

        (record, balances), height, proofs = store.read_with_proofs(read, prove)
        answer = AccountAnswer(
            address=str(parsed),
            height=height,
            account=None if record is None else to_builtins(record),
            balances=to_builtins(balances),
            proofs=proven(proofs) if prove else None,
            signed_header=signed_header_at(height) if prove else None,
            cometbft_signed_header=consensus_header_after(height) if prove else None,
        )
        return _json(answer)  # type: ignore[return-value]

    @get("/v1/state/{key_hex:str}", sync_to_thread=True)
    def state_value(key_hex: FromPath[str], request: Request[Any, Any, Any]) -> ProvenState:
        try:
            key = bytes.fromhex(key_hex)
        except ValueError:
            raise ApiError(400, "invalid_key", "a state key is given in hex") from None
        if not key or len(key) > 256:
            raise ApiError(400, "invalid_key", "a state key is 1 to 256 bytes")
        prove = _parse_bool(request.query_params.get("prove"))
        value, height, proofs = store.read_with_proofs(lambda state: state.get(key), prove)
        if not prove:
            return _json({"key": key, "value": value, "height": height})  # type: ignore[return-value]
        answer = proven(proofs)[0]
        return _json(
            {
                **to_builtins(answer),  # type: ignore[return-value]
                "signed_header": to_builtins(signed_header_at(height)),
                "cometbft_signed_header": consensus_header_after(height),
            }
        )

    @get("/v1/query/{module_name:str}/{query_name:str}", sync_to_thread=True)
    def module_query(
        module_name: FromPath[str], query_name: FromPath[str], request: Request[Any, Any, Any]
    ) -> QueryAnswer:
        params = {k: v for k, v in request.query_params.items() if k != "prove"}
        prove = _parse_bool(request.query_params.get("prove"))
        module = registry.by_name.get(module_name)
        query: Callable[..., Any] | None = module.queries.get(query_name) if module else None
        if query is None:
            raise ApiError(404, "query_not_found", f"no query {module_name}/{query_name}")
        try:
            result, height, proofs = store.read_with_proofs(
                lambda state: query(state, {**params, BLOCK_TIME_PARAMETER: str(block_time_ms())}),
                prove,
            )
        except QueryError as error:
            raise ApiError(
                404 if error.not_found else 400,
                "not_found" if error.not_found else "invalid_query",
                str(error),
            ) from None
        answer = QueryAnswer(
            height,
            to_builtins(result),
            proven(proofs) if prove else None,
            signed_header_at(height) if prove else None,
            consensus_header_after(height) if prove else None,
        )
        return _json(answer)  # type: ignore[return-value]

    @get("/v1/events", sync_to_thread=True)
    def events(request: Request[Any, Any, Any]) -> EventPage:
        height, index = _parse_cursor(request.query_params.get("after"), (-1, -1))
        limit = _parse_int(request.query_params.get("limit"), "limit", 100, 1, PAGE_ITEMS_MAX)
        rows = store.events_after(height, index, limit)
        answers = [event_answer(row) for row in rows]
        cursor = f"{rows[-1].height}:{rows[-1].seq}" if rows else f"{height}:{index}"
        return _json(EventPage(answers, cursor))  # type: ignore[return-value]

    @get("/v1/events/stream")
    async def event_stream(request: Request[Any, Any, Any]) -> ServerSentEvent:
        start = request.headers.get("last-event-id") or request.query_params.get("after")
        latest = store.latest_height()
        oldest = latest - STREAM_REPLAY_BLOCKS_MAX
        if not start:
            cursor = (-1, -1) if oldest < 0 else (oldest, SQLITE_INT_MAX)
        else:
            cursor = _parse_cursor(start, (-1, -1))
            if cursor[0] < oldest:
                raise ApiError(
                    410,
                    "replay_too_far",
                    f"a stream replays at most {STREAM_REPLAY_BLOCKS_MAX} blocks; read older "
                    "events with GET /v1/events pages, then stream from the last cursor",
                )

        async def generate() -> AsyncIterator[ServerSentEventMessage]:
            height, index = cursor
            while True:
                waiter = commits.new_block
                rows = await anyio.to_thread.run_sync(
                    store.events_after, height, index, STREAM_PAGE_EVENTS_MAX
                )
                for row in rows:
                    height, index = row.height, row.seq
                    yield ServerSentEventMessage(
                        data=to_json(event_answer(row)).decode(),
                        id=f"{height}:{index}",
                        event="ledger",
                    )
                if rows:
                    continue
                try:
                    await asyncio.wait_for(waiter.wait(), STREAM_KEEPALIVE_S)
                except TimeoutError:
                    yield ServerSentEventMessage(comment="keepalive")

        return ServerSentEvent(generate())

    @get("/openapi.json", sync_to_thread=False, include_in_schema=False)
    def openapi(request: Request[Any, Any, Any]) -> Response[bytes]:
        queries = {module.name: list(module.queries) for module in registry.modules}
        schema = declare_query_parameters(request.app.openapi_schema.to_schema(), queries)
        return Response(msgspec.json.encode(schema), media_type=MediaType.JSON)

    return Litestar(
        route_handlers=[
            health,
            status,
            genesis,
            submit,
            receipt,
            latest_block,
            block_at,
            account,
            state_value,
            module_query,
            events,
            event_stream,
            openapi,
            *compliance_routes(node),
            *explorer_handlers(node, index),
            *payments_routes(node),
        ],
        on_startup=[startup],
        on_shutdown=[shutdown],
        exception_handlers={
            ApiError: _api_error_handler,
            HTTPException: _http_error_handler,
            Exception: _internal_error_handler,
        },
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


_MSGPACK = "msgpack"
_JSON = "json"


def _submission_media(content_type: str) -> str:
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/msgpack", "application/x-msgpack"):
        return _MSGPACK
    if media in ("application/json", ""):
        return _JSON
    raise ApiError(415, "unsupported_media_type", "send application/json or application/msgpack")


def _batch_too_large() -> ApiError:
    return ApiError(413, "batch_too_large", f"at most {SUBMIT_BATCH_TXS_MAX} per request")


def msgpack_array_length(head: bytes) -> int | None:
    """The item count a msgpack array announces in its first bytes (``head``), read before
    any item is decoded; None when ``head`` is too short to tell or holds no array."""
    if not head:
        return None
    first = head[0]
    if 0x90 <= first <= 0x9F:
        return first & 0x0F
    if first == 0xDC and len(head) >= 3:
        return int.from_bytes(head[1:3], "big")
    if first == 0xDD and len(head) >= 5:
        return int.from_bytes(head[1:5], "big")
    return None


async def _read_submission(request: Request[Any, Any, Any], media: str) -> bytes:
    """The body of a submission, refused as early as possible: by its Content-Length
    before a byte is read, by its size as it arrives, and (msgpack) by the item count
    its array header announces before the rest is read."""
    announced = request.headers.get("content-length")
    if announced is not None:
        length = parse_decimal(announced, 0, SQLITE_INT_MAX)
        if length is None:
            raise ApiError(400, "invalid_request", "Content-Length is not a number")
        if length > REQUEST_BODY_BYTES_MAX:
            raise ApiError(413, "request_too_large", _TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    counted = media != _MSGPACK
    head = b""
    async for chunk in request.stream():
        size += len(chunk)
        if size > REQUEST_BODY_BYTES_MAX:
            raise ApiError(413, "request_too_large", _TOO_LARGE)
        chunks.append(chunk)
        if not counted:
            head = (head + chunk[:5])[:5]
            count = msgpack_array_length(head)
            if count is not None:
                counted = True
                if count > SUBMIT_BATCH_TXS_MAX:
                    raise _batch_too_large()
            elif len(head) >= 5 or (head and head[0] not in (0xDC, 0xDD)):
                counted = True  # not an array: the decoder refuses it
    return b"".join(chunks)


def _decode_submission(media: str, body: bytes) -> list[bytes]:
    """The transactions of a submission body; the number of items is bounded before any
    is decoded, so that a body of many tiny items costs no more memory than its size."""
    if media == _MSGPACK:
        count = msgpack_array_length(body[:5])
        if count is not None and count > SUBMIT_BATCH_TXS_MAX:
            raise _batch_too_large()
        try:
            raws = msgspec.msgpack.decode(body, type=list[bytes])
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise ApiError(
                400, "invalid_body", f"expected a msgpack array of bytes: {error}"
            ) from None
    else:
        # Every item is a string, and a string takes two quotes: an upper bound of the item
        # count, taken in one pass without decoding (the key "txs" is one more string).
        if body.count(b'"') // 2 > SUBMIT_BATCH_TXS_MAX + 1:
            raise _batch_too_large()
        try:
            request = from_json(body, SubmitRequest)
        except CodecError as error:
            raise ApiError(400, "invalid_body", f"invalid JSON submission: {error}") from None
        texts = ([request.tx] if request.tx is not None else []) + (request.txs or [])
        if request.tx is not None and request.txs is not None:
            raise ApiError(400, "invalid_body", "give either tx or txs, not both")
        try:
            raws = [bytes.fromhex(text) for text in texts]
        except ValueError:
            raise ApiError(400, "invalid_body", "transactions are given in hex") from None
    if not raws:
        raise ApiError(400, "invalid_body", "no transaction in the request")
    if len(raws) > SUBMIT_BATCH_TXS_MAX:
        raise _batch_too_large()
    return raws
