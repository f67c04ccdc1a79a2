"""The catalogue of a composition of modules: its message and event types, and their
decoders. It is what a client needs to read transactions and events (the sdk builds it
from ``originledger.modules.catalogue`` without the application); ``app.Registry`` adds
to it what executing them needs (handlers, guards, account checks, watchers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

from originledger.core.codec import TypedDecoder
from originledger.core.context import Event
from originledger.core.module import EndBlockFailed, Module
from originledger.core.tx import Msg, TxDecoder

__all__ = ["KERNEL_EVENTS", "KERNEL_NAMESPACES", "Catalogue"]

# State keys under ``tx/`` and events tagged ``kernel/`` belong to the kernel, not to a module.
KERNEL_NAMESPACES = ("tx", "kernel")
KERNEL_EVENTS: tuple[type[Event], ...] = (EndBlockFailed,)


class Catalogue:
    """The modules' names, message types and event types (the kernel's first), with a
    transaction decoder and an event decoder for them."""

    def __init__(self, modules: Sequence[Module]) -> None:
        names = [module.name for module in modules]
        if len(set(names)) != len(names):
            raise ValueError(f"module names repeat: {names}")
        reserved = set(names) & set(KERNEL_NAMESPACES)
        if reserved:
            raise ValueError(f"module names {sorted(reserved)} are the kernel's")
        self.modules = tuple(modules)
        self.by_name = {module.name: module for module in modules}
        message_types: dict[type[Msg], None] = {}
        event_types: list[type[Event]] = list(KERNEL_EVENTS)
        for module in modules:
            for kind in module.handlers:
                if kind in message_types:
                    raise ValueError(f"message {kind.__name__} registered twice")
                message_types[kind] = None
            event_types.extend(module.events)
        self.message_types = tuple(message_types)
        self.tx_decoder = TxDecoder(self.message_types)
        self.event_types = tuple(event_types)
        self.event_union: Any = Union[tuple(event_types)]  # noqa: UP007
        self._events: TypedDecoder[Event] = TypedDecoder(self.event_union)

    def decode_event(self, raw: bytes) -> Event:
        return self._events.decode(raw)

    def message_tags(self) -> list[str]:
        return sorted(self.tx_decoder.tags)
