"""Pure handlers of the validators module, and what the app reads of it.

Protocol (for the app): ``record_genesis_validators`` (the genesis set), and
``validator_updates`` (a block's changes, for the consensus engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from originledger.core.block import GenesisValidator
from originledger.core.codec import decode, encode
from originledger.core.context import Event, StateGetter, StateView, TxContext
from originledger.core.tx import Failure
from originledger.modules.accounts.types import Role
from originledger.modules.validators.codes import ValidatorsCode
from originledger.modules.validators.expected import accounts_keeper
from originledger.modules.validators.keys import VALIDATOR_SET_KEY
from originledger.modules.validators.types import (
    VALIDATORS_MAX,
    SetValidatorPower,
    ValidatorPowerChanged,
    ValidatorRecord,
    ValidatorSet,
)

__all__ = [
    "load_validators",
    "record_genesis_validators",
    "set_validator_power",
    "validator_updates",
]


def load_validators(state: StateGetter) -> list[ValidatorRecord]:
    """The current set, ordered by public key."""
    raw = state.get(VALIDATOR_SET_KEY)
    return [] if raw is None else decode(raw, ValidatorSet).validators


def _store(state: StateView, validators: list[ValidatorRecord]) -> None:
    ordered = sorted(validators, key=lambda record: record.public_key)
    state.set(VALIDATOR_SET_KEY, encode(ValidatorSet(ordered)))


def record_genesis_validators(
    state: StateView, validators: Sequence[GenesisValidator], height: int
) -> list[Event]:
    """Record the genesis validator set (genesis.json's top-level ``validators``)."""
    records = {
        v.public_key: ValidatorRecord(v.public_key, v.power, height)
        for v in validators
        if v.power > 0
    }
    if records:
        _store(state, list(records.values()))
    return []


def set_validator_power(ctx: TxContext, message: SetValidatorPower) -> Failure | None:
    if not accounts_keeper.has_role(ctx.state, message.admin, Role.ADMIN):
        return Failure(ValidatorsCode.NOT_ADMIN)
    current = load_validators(ctx.state)
    previous = next((v for v in current if v.public_key == message.public_key), None)
    if message.power == 0 and previous is None:
        return Failure(ValidatorsCode.UNKNOWN_VALIDATOR)
    remaining = sum(v.power for v in current if v.public_key != message.public_key)
    if remaining + message.power == 0:
        return Failure(ValidatorsCode.LAST_VALIDATOR)
    if previous is None and len(current) >= VALIDATORS_MAX:
        return Failure(ValidatorsCode.TOO_MANY_VALIDATORS, f"limit {VALIDATORS_MAX}")
    others = [v for v in current if v.public_key != message.public_key]
    if message.power > 0:
        since = previous.since_height if previous is not None else ctx.block.height
        others.append(ValidatorRecord(message.public_key, message.power, since))
    _store(ctx.state, others)
    previous_power = 0 if previous is None else previous.power
    ctx.emit(ValidatorPowerChanged(message.public_key, message.power, previous_power))
    return None


def validator_updates(events: Iterable[Event]) -> list[tuple[bytes, int]]:
    """A block's changes of the set, from its committed events: one entry per key (its
    last power in the block), in the order the keys first changed."""
    latest: dict[bytes, int] = {}
    for event in events:
        if type(event) is ValidatorPowerChanged:
            latest[event.public_key] = event.power
    return list(latest.items())
