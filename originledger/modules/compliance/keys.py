"""State keys of the compliance module (all under ``compliance/``)."""

from __future__ import annotations

from originledger.core.address import Address

__all__ = [
    "APPROVAL_PREFIX",
    "ENTITY_PREFIX",
    "INDEX_KEY",
    "LICENSE_PREFIX",
    "ORDER_PREFIX",
    "ORDER_SEQUENCE_KEY",
    "PACK_PREFIX",
    "REGULATOR_PREFIX",
    "approval_key",
    "entity_key",
    "inflow_key",
    "license_key",
    "license_prefix",
    "order_key",
    "pack_key",
    "regulator_key",
    "regulator_prefix",
    "structuring_key",
]

PACK_PREFIX = b"compliance/pack/"
INDEX_KEY = b"compliance/index"
REGULATOR_PREFIX = b"compliance/regulator/"
ENTITY_PREFIX = b"compliance/entity/"
LICENSE_PREFIX = b"compliance/license/"
APPROVAL_PREFIX = b"compliance/approval/"
ORDER_PREFIX = b"compliance/order/"
ORDER_SEQUENCE_KEY = b"compliance/order_sequence"
MONITOR_PREFIX = b"compliance/monitor/"


def pack_key(jurisdiction: str) -> bytes:
    """``compliance/pack/<JJ>`` -> ``PolicyPack``."""
    return PACK_PREFIX + jurisdiction.encode()


def regulator_prefix(jurisdiction: str) -> bytes:
    return REGULATOR_PREFIX + jurisdiction.encode() + b"/"


def regulator_key(jurisdiction: str, account: Address) -> bytes:
    """``compliance/regulator/<JJ>/<account 20>`` -> ``RegulatorRecord``."""
    return regulator_prefix(jurisdiction) + account


def entity_key(account: Address) -> bytes:
    """``compliance/entity/<account 20>`` -> ``Entity``."""
    return ENTITY_PREFIX + account


def license_prefix(account: Address) -> bytes:
    return LICENSE_PREFIX + account


def license_key(account: Address, jurisdiction: str, kind: str) -> bytes:
    """``compliance/license/<account 20><JJ>/<kind>`` -> ``License``; an account's
    licences are contiguous."""
    return LICENSE_PREFIX + account + jurisdiction.encode() + b"/" + kind.encode()


def approval_key(jurisdiction: str, symbol: str) -> bytes:
    """``compliance/approval/<JJ>/<symbol>`` -> ``Approval``."""
    return APPROVAL_PREFIX + jurisdiction.encode() + b"/" + symbol.encode()


def order_key(order_id: int) -> bytes:
    """``compliance/order/<id: 8 bytes big-endian>`` -> ``ClawbackOrder``."""
    return ORDER_PREFIX + order_id.to_bytes(8, "big")


def structuring_key(rule_id: str, account: Address) -> bytes:
    """``compliance/monitor/s/<rule id>/<account 20>`` -> ``StructuringCount``."""
    return MONITOR_PREFIX + b"s/" + rule_id.encode() + b"/" + account


def inflow_key(rule_id: str, account: Address, symbol: str) -> bytes:
    """``compliance/monitor/r/<rule id>/<account 20><symbol>`` -> ``InflowMark``."""
    return MONITOR_PREFIX + b"r/" + rule_id.encode() + b"/" + account + symbol.encode()
