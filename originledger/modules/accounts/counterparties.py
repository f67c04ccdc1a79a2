"""Module accounts are not counterparties of user messages.

A module account (``module_address(name)`` and any other account a module declares in
``Module.accounts``) is controlled by no key: only its module moves units in and out of
it, and its balance must equal what the module's records say. A user message that names
one where an account is expected (a recipient, a payee, a cycle participant, an agent)
would give the module's money, or a movement from the account to itself, to whoever
wrote the message; so the application refuses every message with a module account in
any address field, at any depth (lists, nested structs), except the top-level fields
that the module owning the message declares in ``Module.account_fields`` (which may then
name that module's own accounts only).

``account_checks`` compiles, per message type, the check the application runs after the
message's stateless checks: a message type with no address field gets no check; one
whose address fields are plain top-level ``Address`` fields (a transfer) costs a set
intersection; others walk their values.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec

from originledger.core.address import Address, module_address
from originledger.core.module import Module
from originledger.core.tx import Failure, Msg
from originledger.modules.accounts.codes import AccountsCode

__all__ = ["AccountCheck", "account_checks", "address_fields", "module_accounts"]

AccountCheck = Callable[[Any], Failure | None]


def module_accounts(modules: Sequence[Module]) -> dict[Address, str]:
    """Every module account of the composition, with the name of its module."""
    found: dict[Address, str] = {}
    for module in modules:
        for account in (module_address(module.name), *module.accounts):
            owner = found.setdefault(Address(account), module.name)
            if owner != module.name:
                raise ValueError(f"module account {account} claimed by {owner} and {module.name}")
    return found


def _strip(kind: Any) -> Any:
    while get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    return kind


def _may_hold_address(kind: Any, seen: set[Any]) -> bool:
    """Whether a value of type ``kind`` can contain an ``Address`` anywhere."""
    kind = _strip(kind)
    if isinstance(kind, type):
        if issubclass(kind, Address):
            return True
        if issubclass(kind, msgspec.Struct):
            if kind in seen:
                return False
            seen.add(kind)
            return any(_may_hold_address(info.type, seen) for info in msgspec.structs.fields(kind))
        return False
    origin = get_origin(kind)
    if origin in (Union, types.UnionType, list, tuple, dict, set, frozenset) or origin in (
        Sequence,
        Mapping,
    ):
        return any(_may_hold_address(arg, seen) for arg in get_args(kind) if arg is not ...)
    return False


def address_fields(kind: type[msgspec.Struct]) -> tuple[list[str], list[str]]:
    """The fields of ``kind`` that can hold an address: those typed ``Address`` itself,
    and those that can hold one deeper (optional, lists, nested structs)."""
    plain: list[str] = []
    nested: list[str] = []
    for info in msgspec.structs.fields(kind):
        field_type = _strip(info.type)
        if isinstance(field_type, type) and issubclass(field_type, Address):
            plain.append(info.name)
        elif _may_hold_address(field_type, set()):
            nested.append(info.name)
    return plain, nested


def _addresses(value: Any) -> Iterator[Address]:
    if isinstance(value, Address):
        yield value
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from _addresses(getattr(value, name))
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _addresses(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _addresses(key)
            yield from _addresses(item)


def _refusal(field: str, account: Address, owners: Mapping[Address, str]) -> Failure:
    return Failure(AccountsCode.MODULE_ACCOUNT, f"{field}: {account} ({owners[account]})")


def _compile(
    kind: type[Msg], forbidden: Mapping[Address, str], allowed: Mapping[str, frozenset[Address]]
) -> AccountCheck | None:
    plain, nested = address_fields(kind)
    if not plain and not nested:
        return None
    accounts = frozenset(forbidden)
    simple = [name for name in plain if name not in allowed]
    special = [name for name in plain if name in allowed]
    getter = attrgetter(*simple) if simple else None
    if len(simple) > 1 and not special and not nested and getter is not None:
        # The common shape (a transfer: sender and recipient): one intersection.
        many = getter

        def check_plain(message: Any) -> Failure | None:
            values = many(message)
            if accounts.isdisjoint(values):
                return None
            for name, value in zip(simple, values, strict=True):
                if value in accounts:
                    return _refusal(name, value, forbidden)
            return None  # unreachable: one of the values is a module account

        return check_plain

    def check(message: Any) -> Failure | None:
        if getter is not None:
            values = getter(message)
            if len(simple) == 1:
                values = (values,)
            if not accounts.isdisjoint(values):
                for name, value in zip(simple, values, strict=True):
                    if value in accounts:
                        return _refusal(name, value, forbidden)
        for name in special:
            value = getattr(message, name)
            if value in accounts and value not in allowed[name]:
                return _refusal(name, value, forbidden)
        for name in nested:
            own = allowed.get(name, frozenset())
            for value in _addresses(getattr(message, name)):
                if value in accounts and value not in own:
                    return _refusal(name, value, forbidden)
        return None

    return check


def account_checks(modules: Sequence[Module]) -> dict[type[Msg], AccountCheck]:
    """The module-account check of every message type that has an address field."""
    owners = module_accounts(modules)
    checks: dict[type[Msg], AccountCheck] = {}
    for module in modules:
        own = frozenset(account for account, name in owners.items() if name == module.name)
        for kind, names in module.account_fields.items():
            if kind not in module.handlers:
                raise ValueError(f"{module.name} declares fields of {kind.__name__}, not its own")
            known = set(kind.__struct_fields__)
            for name in names:
                if name not in known:
                    raise ValueError(f"{kind.__name__} has no field {name!r}")
        for kind in module.handlers:
            allowed = {name: own for name in module.account_fields.get(kind, ())}
            check = _compile(kind, owners, allowed)
            if check is not None:
                checks[kind] = check
    return checks
