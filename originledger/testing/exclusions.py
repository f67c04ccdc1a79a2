"""Known bugs the test suite's short simulation steers around, in one place.

Each entry names the item of issue #11 that will fix it and says which generated messages
reach it. The suite runs with these exclusions (``SimConfig.exclude_known_bugs``); ``origin
sim`` does not, unless asked (``--exclude-known-bugs``). Once a fix is merged, its entry is
deleted: the list should end empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from originledger.core.address import Address, module_address
from originledger.core.tx import Msg

__all__ = ["KNOWN_BUGS", "KnownBug", "addresses_in", "excluded"]

MODULE_ACCOUNTS = frozenset(
    module_address(name)
    for name in ("accounts", "assets", "attest", "compliance", "payments", "clearing", "validators")
)


def addresses_in(value: Any) -> list[Address]:
    """Every address a message names, in nested structs and lists too."""
    if isinstance(value, Address):
        return [value]
    if isinstance(value, msgspec.Struct):
        return [a for name in value.__struct_fields__ for a in addresses_in(getattr(value, name))]
    if isinstance(value, list | tuple):
        return [a for item in value for a in addresses_in(item)]
    return []


@dataclass(frozen=True)
class KnownBug:
    issue_item: str  # the bug's title in issue #11
    what: str
    matches: Callable[[Msg], bool]


KNOWN_BUGS: tuple[KnownBug, ...] = ()


def excluded(message: Msg) -> bool:
    return any(bug.matches(message) for bug in KNOWN_BUGS)
