"""Reading what a client sends (every number through ``core.numbers.parse_decimal``) and
answering JSON: the helpers every route module shares."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Response

from originledger.api.errors import ApiError
from originledger.api.limits import SQLITE_INT_MAX
from originledger.core.codec import to_json
from originledger.core.numbers import parse_decimal

__all__ = ["json_response", "parse_bool", "parse_cursor", "parse_hash", "parse_int"]


def json_response(value: Any, status: int = 200) -> Response[bytes]:
    """``value`` encoded as the API's JSON (``core.codec.to_json``)."""
    return Response(to_json(value), status_code=status, media_type=MediaType.JSON)


def parse_hash(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise ApiError(400, "invalid_hash", "a hash is 64 hex characters") from None
    if len(raw) != 32:
        raise ApiError(400, "invalid_hash", "a hash is 64 hex characters")
    return raw


def parse_bool(text: str | None) -> bool:
    if text is None or text == "":
        return False
    lowered = text.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ApiError(400, "invalid_parameter", f"expected true or false, got {text!r}")


def parse_int(text: str | None, name: str, default: int, low: int, high: int) -> int:
    """A number from outside (``core.numbers.parse_decimal``): ASCII digits in range."""
    if text is None or text == "":
        return default
    value = parse_decimal(text, low, high)
    if value is None:
        raise ApiError(
            400, "invalid_parameter", f"{name} must be a whole number from {low} to {high}"
        )
    return value


def parse_cursor(text: str | None, default: tuple[int, int]) -> tuple[int, int]:
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
