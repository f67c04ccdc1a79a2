"""validators: the consensus validator set, and the message that changes it."""

from __future__ import annotations

from originledger.core.module import Module
from originledger.core.wiring import fill
from originledger.modules.validators import expected, types
from originledger.modules.validators.codes import ValidatorsCode
from originledger.modules.validators.index import INDEX
from originledger.modules.validators.invariants import set_ordered_and_bounded
from originledger.modules.validators.logic import (
    load_validators,
    record_genesis_validators,
    set_validator_power,
    validator_updates,
)
from originledger.modules.validators.queries import query_validators

__all__ = [
    "MODULE",
    "ValidatorsCode",
    "load_validators",
    "record_genesis_validators",
    "validator_updates",
    "wire",
]

MODULE = Module(
    name="validators",
    version=1,
    codes=ValidatorsCode,
    summary="the consensus validator set (from genesis) and the admin's changes to it",
    handlers={types.SetValidatorPower: set_validator_power},
    events=(types.ValidatorPowerChanged,),
    queries={"validators": query_validators},
    invariants={"set_ordered_and_bounded": set_ordered_and_bounded},
    index=INDEX,
)


def wire(*, accounts: expected.AccountsKeeper) -> None:
    """Hand validators the public face of each module it expects (``expected.py``): ``app.py``
    calls it once, before any block."""
    fill(expected.accounts_keeper, accounts)
