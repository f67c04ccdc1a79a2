"""How the indexer indexes the accounts module's events (see ``core/index.py``)."""

from __future__ import annotations

from originledger.core.index import (
    AccountCreated,
    Concerns,
    IndexEffect,
    ModuleIndex,
    RoleSet,
)
from originledger.modules.accounts import types

__all__ = ["INDEX"]


def created(event: types.AccountCreated) -> list[IndexEffect]:
    return [AccountCreated(event.address), Concerns((event.address,))]


def role_granted(event: types.RoleGranted) -> list[IndexEffect]:
    return [RoleSet(event.account, event.role, True), Concerns((event.account,))]


def role_revoked(event: types.RoleRevoked) -> list[IndexEffect]:
    return [RoleSet(event.account, event.role, False), Concerns((event.account,))]


INDEX = ModuleIndex(
    handlers={
        types.AccountCreated: created,
        types.RoleGranted: role_granted,
        types.RoleRevoked: role_revoked,
    },
    not_indexed=(types.MultisigCreated,),
)
