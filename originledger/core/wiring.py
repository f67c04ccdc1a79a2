"""Expected keepers: how a module names what it needs of another, and how it gets it.

A module never imports another module's behaviour (its logic, keys or invariants); data
types (``<module>.types``) and result codes (``<module>.codes``) are the only shared
imports. What a module calls on another it declares in its ``expected.py``, as Cosmos
modules declare expected keepers: one ``Protocol`` per provider naming exactly the
functions it calls, with their signatures, and one slot per provider (``expect``) that
its logic calls through (``assets_keeper.move_asset(...)``).

``app.py`` is the only place where modules meet: it fills each slot once, at import, with
the provider's public face (``<provider>/public.py``, a module of plain functions), through
the consumer's ``wire`` function. A filled slot holds exactly the members its protocol
names, as plain attributes: a call through it costs one attribute read more than a direct
call, and a consumer cannot reach what it did not declare. Handlers stay pure: the slot is
composition, fixed before the first block, not state.
"""

from __future__ import annotations

import inspect
from typing import Any, NoReturn

__all__ = ["NotWired", "Slot", "describe_slot", "expect", "fill", "protocol_members"]


class NotWired(RuntimeError):
    """A module called a provider it expects before ``app.py`` wired one."""


def protocol_members(protocol: type) -> tuple[str, ...]:
    """The functions a protocol names (its public methods), in declaration order."""
    return tuple(
        name
        for name, value in vars(protocol).items()
        if not name.startswith("_") and inspect.isfunction(value)
    )


class Slot:
    """Stands for a provider a module expects. Until ``fill``, reading any member raises
    ``NotWired``; after it, the protocol's members are plain attributes of the slot."""

    def __init__(self, consumer: str, protocol: type) -> None:
        self.__dict__["_consumer"] = consumer
        self.__dict__["_protocol"] = protocol
        self.__dict__["_members"] = protocol_members(protocol)
        self.__dict__["_provider"] = None

    def __getattr__(self, name: str) -> NoReturn:
        # Called only for attributes the slot does not hold: it is not filled yet.
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotWired(
            f"{self.__dict__['_consumer']} expects {self.__dict__['_protocol'].__name__}"
            f".{name}, which app.py has not wired (import originledger.app)"
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a slot is filled by fill(), once per provider")

    def __repr__(self) -> str:
        provider = self.__dict__["_provider"]
        state = "unwired" if provider is None else f"wired to {provider!r}"
        return f"<{self.__dict__['_consumer']} {self.__dict__['_protocol'].__name__}: {state}>"


def expect(consumer: str, protocol: type) -> Any:
    """A slot for the provider of ``protocol`` that module ``consumer`` calls; declare it
    in the consumer's ``expected.py`` with the protocol as its type."""
    return Slot(consumer, protocol)


def fill(slot: object, provider: object) -> None:
    """Hand ``slot`` the members of its protocol from ``provider`` (``app.py``, through
    the consumer's ``wire``). Raises ``TypeError`` when the provider lacks one."""
    if not isinstance(slot, Slot):
        raise TypeError(f"{slot!r} is not a slot of expected.py")
    members = slot.__dict__["_members"]
    found: dict[str, object] = {}
    for name in members:
        member = getattr(provider, name, None)
        if not callable(member):
            raise TypeError(
                f"{slot.__dict__['_consumer']} expects {slot.__dict__['_protocol'].__name__}"
                f".{name}, which {provider!r} does not provide"
            )
        found[name] = member
    slot.__dict__.update(found)
    slot.__dict__["_provider"] = provider


def describe_slot(slot: Slot) -> tuple[str, type, object | None]:
    """``(consumer, protocol, provider)`` of a slot; provider None until filled."""
    return slot.__dict__["_consumer"], slot.__dict__["_protocol"], slot.__dict__["_provider"]
