"""Read-only queries of the accounts module."""

from __future__ import annotations

from collections.abc import Mapping

from originledger.core.context import StateReader
from originledger.core.module import QueryError
from originledger.core.query_params import parse_address
from originledger.modules.accounts.logic import load_account
from originledger.modules.accounts.types import AccountRecord

__all__ = ["query_account"]


def query_account(state: StateReader, params: Mapping[str, str]) -> AccountRecord:
    address = parse_address(params, "address")
    record = load_account(state, address)
    if record is None:
        raise QueryError(f"account {address} not found", not_found=True)
    return record
