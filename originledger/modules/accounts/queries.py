"""Read-only queries of the accounts module."""

from __future__ import annotations

from collections.abc import Mapping

from originledger.core.address import Address, AddressError
from originledger.core.context import StateReader
from originledger.core.module import QueryError
from originledger.modules.accounts.logic import load_account
from originledger.modules.accounts.types import AccountRecord

__all__ = ["parse_address", "query_account"]


def parse_address(params: Mapping[str, str], name: str) -> Address:
    text = params.get(name)
    if not text:
        raise QueryError(f"parameter {name!r} is required")
    try:
        return Address.from_text(text)
    except AddressError as error:
        raise QueryError(f"parameter {name!r} is not an address: {error}") from None


def query_account(state: StateReader, params: Mapping[str, str]) -> AccountRecord:
    address = parse_address(params, "address")
    record = load_account(state, address)
    if record is None:
        raise QueryError(f"account {address} not found", not_found=True)
    return record
