"""The modules' events as the indexer reads them: decoded from the JSON form the sources
hand over (amounts as decimal strings, addresses as bech32m text, bytes as base64) into the
modules' own typed event structs, and the modules' index handlers by event type."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import Event
from originledger.core.index import IndexHandler
from originledger.core.limits import AMOUNT_MAX
from originledger.core.module import Module

__all__ = ["EventDecoder", "address_text", "index_handlers"]

_AMOUNT_DIGITS_MAX = len(str(AMOUNT_MAX))
_new_int = int.__new__


@lru_cache(maxsize=262_144)
def address_text(address: Address) -> str:
    """``str(address)``, remembered: bech32m in pure Python costs more than a row."""
    return str(address)


@lru_cache(maxsize=262_144)
def _address_of_text(text: str) -> Address:
    return Address.from_text(text)


def _amount_of(value: Any) -> Amount:
    if (
        type(value) is str
        and 0 < len(value) <= _AMOUNT_DIGITS_MAX
        and value.isascii()
        and value.isdigit()
        and (value[0] != "0" or len(value) == 1)
    ):
        number = int(value)
        if number <= AMOUNT_MAX:  # the checks of Amount.from_decimal_string, inlined
            return _new_int(Amount, number)
    if type(value) is int:
        return Amount(value)
    if type(value) is str:
        return Amount.from_decimal_string(value)
    raise ValueError("an amount is a string of decimal digits")


def _decode_hook(kind: type, value: Any) -> Any:
    if kind is Address:
        if type(value) is not str:
            raise ValueError("an address is bech32m text")
        return _address_of_text(value)
    if kind is Amount:
        return _amount_of(value)
    raise NotImplementedError(f"cannot decode {kind.__name__}")


class EventDecoder:
    """Turns an event's JSON form back into its typed struct (``types``: by tag)."""

    def __init__(self, event_types: Iterable[type[Event]]) -> None:
        self.types: dict[str, type[Event]] = {
            str(kind.__struct_config__.tag): kind for kind in event_types
        }

    def decode(self, data: dict[str, Any], kind: type[Event]) -> Event:
        """``data`` (without its ``type``) as a ``kind``; raises ``msgspec.ValidationError``
        (a ``ValueError``) when it is not one."""
        return msgspec.convert(data, kind, dec_hook=_decode_hook)

    @classmethod
    def of_modules(cls, modules: Sequence[Module]) -> EventDecoder:
        return cls(kind for module in modules for kind in module.events)


def index_handlers(modules: Sequence[Module]) -> dict[type[Event], IndexHandler]:
    """The index handlers of ``modules`` by event type (a module without any: none)."""
    handlers: dict[type[Event], IndexHandler] = {}
    for module in modules:
        if module.index is not None:
            handlers.update(module.index.handlers)
    return handlers
