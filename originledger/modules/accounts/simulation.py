"""Message generators of the accounts module for the simulator (see core/simulation.py)."""

from __future__ import annotations

from originledger.core.crypto import SigningKey
from originledger.core.simulation import Generators, RandomSource, SimWorld, address, pick, text
from originledger.core.tx import Msg
from originledger.modules.accounts.types import ROLE_VALUES, CreateAccount, GrantRole, RevokeRole

__all__ = ["GENERATORS"]

_ROLES = sorted(ROLE_VALUES)


def _role(rng: RandomSource) -> str:
    if rng.randrange(100) < 85:
        return pick(rng, _ROLES)
    return text(rng, 32, "role")


def create_account(rng: RandomSource, world: SimWorld) -> Msg:
    key = None
    if rng.randrange(100) < 50:
        key = SigningKey(world.secret(rng.randrange(8))).public_key
    return CreateAccount(address(rng, world, "unknown", "user"), key)


def grant_role(rng: RandomSource, world: SimWorld) -> Msg:
    return GrantRole(
        address(rng, world, "admin"), address(rng, world, "user", "revoked"), _role(rng)
    )


def revoke_role(rng: RandomSource, world: SimWorld) -> Msg:
    return RevokeRole(
        address(rng, world, "admin"),
        address(rng, world, "issuer", "regulator", "custodian", "attester", "admin"),
        _role(rng),
    )


GENERATORS: Generators = {
    CreateAccount: (create_account,),
    GrantRole: (grant_role,),
    RevokeRole: (revoke_role,),
}
