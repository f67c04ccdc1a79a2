"""Policy packs shipped with Origin, one JSON file per jurisdiction, and their loader.

This is shell code (it reads files): ``origin init`` puts the packs it loads into the
genesis ``app_state`` under ``compliance``, and the compliance module stores them. A pack
is refused with a ``PolicyError`` that says what is wrong (the file, the field, the rule)
before any chain sees it. See docs/compliance.md for how to write one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from originledger.core.codec import CodecError, from_json, to_builtins
from originledger.modules.compliance.types import PolicyPack, pack_problem

__all__ = [
    "PACKS_DIRECTORY",
    "SHIPPED_PACKS",
    "PolicyError",
    "load_pack",
    "load_packs",
    "pack_document",
    "parse_pack",
]

PACKS_DIRECTORY = Path(__file__).resolve().parent
SHIPPED_PACKS = ("CN", "HK", "US")


class PolicyError(ValueError):
    """A policy pack that cannot be used: unreadable, malformed or invalid."""


def parse_pack(raw: bytes | str, origin: str = "policy pack") -> PolicyPack:
    """A pack from its JSON text, checked: decoding (fields, types, rule kinds) and then
    the pack's rules (``pack_problem``)."""
    try:
        pack = from_json(raw, PolicyPack)
    except CodecError as error:
        raise PolicyError(f"{origin}: {error}") from error
    problem = pack_problem(pack)
    if problem is not None:
        raise PolicyError(f"{origin}: {problem}")
    return pack


def load_pack(source: str | Path) -> PolicyPack:
    """A shipped pack by jurisdiction (``"CN"``) or any pack file by path."""
    path = Path(source)
    if isinstance(source, str) and source.upper() in SHIPPED_PACKS and not path.exists():
        path = PACKS_DIRECTORY / f"{source.lower()}.json"
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PolicyError(f"cannot read the policy pack {path}: {error.strerror}") from error
    return parse_pack(raw, str(path))


def load_packs(sources: Sequence[str | Path] | None = None) -> list[PolicyPack]:
    """Packs by jurisdiction or path (default: every shipped pack); one per jurisdiction."""
    packs = [load_pack(source) for source in (SHIPPED_PACKS if sources is None else sources)]
    seen: set[str] = set()
    for pack in packs:
        if pack.jurisdiction in seen:
            raise PolicyError(f"two policy packs for {pack.jurisdiction}")
        seen.add(pack.jurisdiction)
    return packs


def pack_document(pack: PolicyPack) -> dict[str, Any]:
    """The pack as JSON-ready data (as it goes into genesis)."""
    document: dict[str, Any] = to_builtins(pack)
    return document
