"""Message generators of the accounts module for the simulator (see core/simulation.py)."""

from __future__ import annotations

from originledger.core.crypto import SigningKey
from originledger.core.simulation import (
    Generators,
    RandomSource,
    SimWorld,
    address,
    chance,
    pick,
    text,
)
from originledger.core.tx import Msg
from originledger.modules.accounts.types import (
    MULTISIG_MEMBERS_MAX,
    ROLE_VALUES,
    CreateAccount,
    CreateMultisig,
    GrantRole,
    MultisigMember,
    RevokeRole,
)

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


def create_multisig(rng: RandomSource, world: SimWorld) -> Msg:
    """Mostly well-formed councils; sometimes past the member limit, out of address
    order, with a repeated member, a weight of 0 or 256, or a threshold of 0 or above
    the sum of the weights."""
    count = MULTISIG_MEMBERS_MAX + 1 if chance(rng, 5) else 1 + rng.randrange(4)
    members = sorted({address(rng, world, "user", "admin") for _ in range(count)}, key=bytes)
    if chance(rng, 5) and members:
        members.append(members[0])  # repeated, and out of order
    weights = [pick(rng, (0, 256)) if chance(rng, 5) else 1 + rng.randrange(3) for _ in members]
    total = sum(weights)
    threshold = pick(rng, (0, total + 1)) if chance(rng, 10) else 1 + rng.randrange(max(total, 1))
    return CreateMultisig(
        [MultisigMember(member, weight) for member, weight in zip(members, weights, strict=True)],
        threshold,
    )


GENERATORS: Generators = {
    CreateAccount: (create_account,),
    CreateMultisig: (create_multisig,),
    GrantRole: (grant_role,),
    RevokeRole: (revoke_role,),
}
