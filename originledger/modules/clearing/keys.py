"""State keys of the clearing module (all under ``clearing/``)."""

from __future__ import annotations

__all__ = [
    "CYCLE_PREFIX",
    "OBLIGATION_PREFIX",
    "REPORT_PREFIX",
    "SEQUENCE_KEY",
    "cycle_key",
    "obligation_key",
    "obligation_prefix",
    "report_key",
]

CYCLE_PREFIX = b"clearing/cycle/"
OBLIGATION_PREFIX = b"clearing/obl/"
REPORT_PREFIX = b"clearing/report/"
SEQUENCE_KEY = b"clearing/sequence"


def cycle_key(cycle_id: int) -> bytes:
    """``clearing/cycle/<id: 8 bytes BE>`` -> ``Cycle``."""
    return CYCLE_PREFIX + cycle_id.to_bytes(8, "big")


def obligation_prefix(cycle_id: int) -> bytes:
    return OBLIGATION_PREFIX + cycle_id.to_bytes(8, "big")


def obligation_key(cycle_id: int, index: int) -> bytes:
    """``clearing/obl/<cycle: 8 bytes BE><index: 4 bytes BE>`` -> ``Obligation``, in the
    order submitted."""
    return obligation_prefix(cycle_id) + index.to_bytes(4, "big")


def report_key(cycle_id: int) -> bytes:
    """``clearing/report/<cycle: 8 bytes BE>`` -> ``CycleReport``."""
    return REPORT_PREFIX + cycle_id.to_bytes(8, "big")
