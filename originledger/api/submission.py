"""Reading a submission (``POST /v1/txs``): its media type, its body (refused as early as
possible when too large) and the transactions it holds."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from originledger.api.errors import TOO_LARGE, ApiError
from originledger.api.limits import REQUEST_BODY_BYTES_MAX, SQLITE_INT_MAX
from originledger.api.models import SubmitRequest
from originledger.core.codec import CodecError, from_json
from originledger.core.limits import SUBMIT_BATCH_TXS_MAX
from originledger.core.numbers import parse_decimal

__all__ = ["decode_submission", "msgpack_array_length", "read_submission", "submission_media"]

_MSGPACK = "msgpack"
_JSON = "json"


def submission_media(content_type: str) -> str:
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


async def read_submission(request: Request[Any, Any, Any], media: str) -> bytes:
    """The body of a submission, refused as early as possible: by its Content-Length
    before a byte is read, by its size as it arrives, and (msgpack) by the item count
    its array header announces before the rest is read."""
    announced = request.headers.get("content-length")
    if announced is not None:
        length = parse_decimal(announced, 0, SQLITE_INT_MAX)
        if length is None:
            raise ApiError(400, "invalid_request", "Content-Length is not a number")
        if length > REQUEST_BODY_BYTES_MAX:
            raise ApiError(413, "request_too_large", TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    counted = media != _MSGPACK
    head = b""
    async for chunk in request.stream():
        size += len(chunk)
        if size > REQUEST_BODY_BYTES_MAX:
            raise ApiError(413, "request_too_large", TOO_LARGE)
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


def decode_submission(media: str, body: bytes) -> list[bytes]:
    """The transactions of a submission body; the number of items is bounded before any
    is decoded, so that a body of many tiny items costs no more memory than its size."""
    raws = _decode_msgpack(body) if media == _MSGPACK else _decode_json(body)
    if not raws:
        raise ApiError(400, "invalid_body", "no transaction in the request")
    if len(raws) > SUBMIT_BATCH_TXS_MAX:
        raise _batch_too_large()
    return raws


def _decode_msgpack(body: bytes) -> list[bytes]:
    count = msgpack_array_length(body[:5])
    if count is not None and count > SUBMIT_BATCH_TXS_MAX:
        raise _batch_too_large()
    try:
        return msgspec.msgpack.decode(body, type=list[bytes])
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise ApiError(400, "invalid_body", f"expected a msgpack array of bytes: {error}") from None


def _decode_json(body: bytes) -> list[bytes]:
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
        return [bytes.fromhex(text) for text in texts]
    except ValueError:
        raise ApiError(400, "invalid_body", "transactions are given in hex") from None
