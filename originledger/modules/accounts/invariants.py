"""Invariants of the accounts module: checked after every block in tests and verify-chain."""

from __future__ import annotations

from originledger.core.codec import CodecError, decode
from originledger.core.context import StateReader
from originledger.modules.accounts.keys import ACCOUNT_PREFIX
from originledger.modules.accounts.types import ROLE_VALUES, ROLES_PER_ACCOUNT_MAX, AccountRecord

__all__ = ["roles_are_known_and_sorted"]


def roles_are_known_and_sorted(state: StateReader) -> str | None:
    for key, raw in state.scan(ACCOUNT_PREFIX):
        try:
            record = decode(raw, AccountRecord)
        except CodecError as error:
            return f"account record {key.hex()} does not decode: {error}"
        if record.roles != sorted(set(record.roles)) or not set(record.roles) <= ROLE_VALUES:
            return f"account record {key.hex()} has roles {record.roles}"
        if len(record.roles) > ROLES_PER_ACCOUNT_MAX:
            return f"account record {key.hex()} has too many roles"
    return None
