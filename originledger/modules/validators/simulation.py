"""Message generators of the validators module for the simulator (see core/simulation.py)."""

from __future__ import annotations

from originledger.core.crypto import SigningKey
from originledger.core.simulation import Generators, RandomSource, SimWorld, address, number
from originledger.core.tx import Msg
from originledger.modules.validators.types import POWER_MAX, SetValidatorPower

__all__ = ["GENERATORS"]


def set_power(rng: RandomSource, world: SimWorld) -> Msg:
    key = SigningKey(world.secret(rng.randrange(4))).public_key
    return SetValidatorPower(
        address(rng, world, "admin"), key, number(rng, typical=20, limit=POWER_MAX)
    )


GENERATORS: Generators = {SetValidatorPower: (set_power,)}
