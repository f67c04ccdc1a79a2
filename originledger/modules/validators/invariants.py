"""Invariants of the validators module."""

from __future__ import annotations

from originledger.core.codec import CodecError, decode
from originledger.core.context import StateReader
from originledger.modules.validators.keys import VALIDATOR_SET_KEY
from originledger.modules.validators.types import POWER_MAX, VALIDATORS_MAX, ValidatorSet

__all__ = ["set_ordered_and_bounded"]


def set_ordered_and_bounded(state: StateReader) -> str | None:
    raw = state.get(VALIDATOR_SET_KEY)
    if raw is None:
        return None
    try:
        validators = decode(raw, ValidatorSet).validators
    except CodecError as error:
        return f"the validator set does not decode: {error}"
    keys = [record.public_key for record in validators]
    if keys != sorted(set(keys)) or any(len(key) != 32 for key in keys):
        return "the validator set is not ordered by unique 32-byte keys"
    if any(not 0 < record.power <= POWER_MAX for record in validators):
        return "a validator's power is out of bounds"
    if len(validators) > VALIDATORS_MAX:
        return f"{len(validators)} validators, above the limit {VALIDATORS_MAX}"
    return None
