"""Parsing the parameters of module queries (strings from the API) into typed values; a bad
one raises ``QueryError`` (a 4xx answer)."""

from __future__ import annotations

from collections.abc import Mapping

from originledger.core.address import Address, AddressError
from originledger.core.module import QueryError

__all__ = ["parse_address"]


def parse_address(params: Mapping[str, str], name: str) -> Address:
    """The address in parameter ``name``; required."""
    text = params.get(name)
    if not text:
        raise QueryError(f"parameter {name!r} is required")
    try:
        return Address.from_text(text)
    except AddressError as error:
        raise QueryError(f"parameter {name!r} is not an address: {error}") from None
