"""The API's errors: ``ApiError`` (a client error: status, stable code, message) and the
exception handlers that turn every error into ``{"error": {"code", "message"}}`` with a
4xx status, never a 500 for anything a client sends."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.types import ExceptionHandlersMap

from originledger.api.limits import REQUEST_BODY_BYTES_MAX
from originledger.core.codec import to_json
from originledger.core.module import QueryError
from originledger.driver import NodeOverloaded

__all__ = [
    "EXCEPTION_HANDLERS",
    "TOO_LARGE",
    "ApiError",
    "error_response",
    "query_error",
]

log = logging.getLogger("originledger.api")

TOO_LARGE = f"a request body is at most {REQUEST_BODY_BYTES_MAX} bytes"


class ApiError(Exception):
    """A client error: an HTTP status, a stable code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def query_error(error: QueryError) -> ApiError:
    """A module query's refusal as the API answers it: 404 when it found nothing, else 400."""
    return ApiError(
        404 if error.not_found else 400,
        "not_found" if error.not_found else "invalid_query",
        str(error),
    )


def error_response(status: int, code: str, message: str) -> Response[bytes]:
    body = to_json({"error": {"code": code, "message": message}})
    return Response(body, status_code=status, media_type=MediaType.JSON)


def _api_error_handler(_: Request[Any, Any, Any], error: ApiError) -> Response[bytes]:
    return error_response(error.status, error.code, error.message)


def _overloaded_handler(_: Request[Any, Any, Any], error: NodeOverloaded) -> Response[bytes]:
    """503 ``overloaded``: the node's backlog is full; ``Retry-After`` says when to retry."""
    response = error_response(503, "overloaded", error.message)
    response.headers["Retry-After"] = str(error.retry_after_s)
    return response


def _http_error_handler(_: Request[Any, Any, Any], error: HTTPException) -> Response[bytes]:
    status = error.status_code
    if isinstance(error, ValidationException):
        code = "invalid_request"
    elif isinstance(error, NotFoundException):
        code = "not_found"
    elif status == 405:
        code = "method_not_allowed"
    elif status == 413:
        return error_response(413, "request_too_large", TOO_LARGE)
    else:
        code = "http_error"
    message = str(error.detail)
    extra = getattr(error, "extra", None)
    if extra:
        message = f"{message}: {extra}"
    return error_response(status, code, message[:500])


def _internal_error_handler(_: Request[Any, Any, Any], error: Exception) -> Response[bytes]:
    log.exception("internal error", exc_info=error)
    return error_response(500, "internal", "internal error; the node logged it")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ApiError: _api_error_handler,
    NodeOverloaded: _overloaded_handler,
    HTTPException: _http_error_handler,
    Exception: _internal_error_handler,
}
