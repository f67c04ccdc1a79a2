"""Every time on the ledger is bounded by ``TIME_MS_MAX`` (the end of the year 9999).

An attestation's ``expires_at_ms`` of 2**64 - 1 once stopped the indexer (its column is a
signed 64-bit integer). Each message's stateless checks now refuse a time beyond the
limit; this test finds every time field of every message by introspection, so that a new
field without a bound fails here.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from originledger.app import DEFAULT_MODULES, parse_genesis
from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codec import from_json, to_json
from originledger.core.limits import TIME_MS_MAX
from originledger.core.tx import Msg
from originledger.modules.assets.types import AttestReserves, Issue, PlaceHold
from originledger.modules.attest.types import Attest, TimestampValue
from originledger.modules.clearing.types import OpenCycle
from originledger.modules.compliance.types import SetPack
from originledger.modules.payments.types import (
    Authorize,
    CreateEscrow,
    CreateRequest,
    OpenChannel,
)
from originledger.policies import load_pack

A = Address(bytes([1]) * 20)
B = Address(bytes([2]) * 20)
SOON_MS = 1_700_000_000_000

# Codes that refuse an out-of-range time: the new bound, or an older, tighter bound of a
# duration field (a monitoring window of a pack, a channel's dispute window), or a typed
# value's range (an attestation's timestamp value).
TIME_REFUSALS = {"TIME_OUT_OF_RANGE", "INVALID_PACK", "INVALID_DISPUTE_WINDOW", "INVALID_VALUE"}

SAMPLES: list[Msg] = [
    Issue(A, "BOND", "A bond", 2, "credit", Amount(10**6), maturity_ms=SOON_MS, coupon_bps=500),
    AttestReserves(A, "USDX", Amount(5), SOON_MS),
    PlaceHold(A, B, "USDX", Amount(5), SOON_MS),
    Attest(A, bytes(32), B, [TimestampValue(SOON_MS)], expires_at_ms=SOON_MS),
    CreateRequest(A, "USDX", Amount(5), SOON_MS),
    Authorize(A, B, "USDX", Amount(5), SOON_MS),
    CreateEscrow(A, B, "USDX", Amount(5), release_after_ms=SOON_MS),
    CreateEscrow(A, B, "USDX", Amount(5), hash_lock=bytes(32), cancel_after_ms=SOON_MS),
    OpenChannel(A, B, "USDX", Amount(5), bytes(32), 60_000),
    OpenCycle(A, "Daily net", SOON_MS, [A, B]),
    SetPack(A, load_pack("CN")),
]


def _is_time_field(name: str) -> bool:
    return name.endswith("_ms") or "deadline" in name or "expir" in name


def _time_fields(kind: Any, seen: frozenset[Any] = frozenset()) -> set[str]:
    """Names of the time fields of a type, its nested structs included; a struct of a time
    type (``TimestampValue``) counts by its tag."""
    found: set[str] = set()
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        if kind in seen:
            return found
        if kind is TimestampValue:
            found.add("timestamp_ms")
        for field in msgspec.structs.fields(kind):
            if _is_time_field(field.name):
                found.add(field.name)
            found |= _time_fields(field.type, seen | {kind})
        return found
    for argument in typing.get_args(kind):
        found |= _time_fields(argument, seen)
    return found


def _time_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Where the JSON form of a message holds a time: (path, field name)."""
    if isinstance(value, dict):
        if value.get("type") == "timestamp_ms":
            yield (*path, "value"), "timestamp_ms"
        for key, inner in value.items():
            if _is_time_field(key) and isinstance(inner, int):
                yield (*path, key), key
            yield from _time_paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _time_paths(inner, (*path, index))


def _with(data: Any, path: tuple[Any, ...], new: int) -> Any:
    copy = json.loads(json.dumps(data))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


def _message_types() -> list[type[Msg]]:
    return [kind for module in DEFAULT_MODULES for kind in module.handlers]


def test_every_time_field_is_bounded() -> None:
    covered: dict[type[Msg], set[str]] = {}
    for sample in SAMPLES:
        assert sample.validate() is None, f"{type(sample).__name__}: sample must be valid"
        data = json.loads(to_json(sample))
        for path, name in _time_paths(data):
            covered.setdefault(type(sample), set()).add(name)
            beyond = from_json(json.dumps(_with(data, path, TIME_MS_MAX + 1)), type(sample))
            failure = beyond.validate()
            assert failure is not None, f"{type(sample).__name__}.{'.'.join(map(str, path))}"
            assert failure.code.name in TIME_REFUSALS, (path, failure)
            if name not in {"window_ms", "dispute_window_ms"}:  # durations are tighter
                at_limit = from_json(json.dumps(_with(data, path, TIME_MS_MAX)), type(sample))
                assert at_limit.validate() is None, (type(sample).__name__, path)
            beyond_uint64 = _with(data, path, 2**64 - 1)
            failure = from_json(json.dumps(beyond_uint64), type(sample)).validate()
            assert failure is not None and failure.code.name in TIME_REFUSALS
    # Every time field of every message has a sample that reaches it.
    missing = []
    for kind in _message_types():
        for name in sorted(_time_fields(kind)):
            if name not in covered.get(kind, set()):
                missing.append(f"{kind.__struct_config__.tag}.{name}")
    assert not missing, f"time fields without a bound test: {missing}"


def test_time_ms_max_is_the_end_of_year_9999_and_fits_a_signed_64_bit_column() -> None:
    import datetime

    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=datetime.UTC)
    assert (end - epoch) // datetime.timedelta(milliseconds=1) == TIME_MS_MAX
    assert TIME_MS_MAX < 2**63 - 1


@pytest.mark.parametrize("time_ms", [TIME_MS_MAX + 1, 2**64 - 1])
def test_invalid_genesis_time_beyond_the_limit(time_ms: int) -> None:
    document = {
        "chain_id": "origin-test",
        "genesis_time_ms": time_ms,
        "validators": [{"public_key": "A" * 43 + "=", "power": 1}],
    }
    with pytest.raises(ValueError, match="genesis_time_ms"):
        parse_genesis(json.dumps(document).encode())


def test_invalid_genesis_time_parameter_beyond_the_limit() -> None:
    from tests.conftest import Chain, genesis_builder

    document = genesis_builder().document()
    document["app_state"]["assets"]["params"] = {"reserve_attestation_age_max_ms": 2**64 - 1}
    with pytest.raises(ValueError, match="reserve_attestation_age_max_ms"):
        Chain(document)
