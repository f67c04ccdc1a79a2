"""Messages, state records and events of the validators module."""

from __future__ import annotations

from typing import Annotated

import msgspec

from originledger.core.address import Address
from originledger.core.context import Event
from originledger.core.tx import Failure, Msg
from originledger.modules.validators.codes import ValidatorsCode

__all__ = [
    "POWER_MAX",
    "VALIDATORS_MAX",
    "SetValidatorPower",
    "ValidatorPowerChanged",
    "ValidatorRecord",
    "ValidatorSet",
]

# Limits: one validator's voting power, and the size of the set. Their product stays far
# below CometBFT's total voting power limit (2**63 / 8).
POWER_MAX = 10**12
VALIDATORS_MAX = 200

PublicKey = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]


class ValidatorRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A validator of the set: its Ed25519 consensus key and voting power (> 0)."""

    public_key: bytes
    power: int
    since_height: int


class ValidatorSet(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The current set, ordered by public key."""

    validators: list[ValidatorRecord] = []


class SetValidatorPower(Msg, frozen=True, tag="validators/set_power"):
    """Add a validator (a new key), re-weight one, or remove one (power 0)."""

    admin: Address
    public_key: PublicKey
    power: Annotated[int, msgspec.Meta(ge=0)]

    def required_signers(self) -> tuple[Address, ...]:
        return (self.admin,)

    def validate(self) -> Failure | None:
        if self.power > POWER_MAX:
            return Failure(ValidatorsCode.POWER_TOO_HIGH, f"limit {POWER_MAX}")
        return None


class ValidatorPowerChanged(Event, frozen=True, tag="validators/power_changed"):
    """The set changed: the consensus engine applies it two blocks later (CometBFT)."""

    public_key: bytes
    power: int
    previous_power: int
