"""Message generators of the clearing module for the simulator (see core/simulation.py)."""

from __future__ import annotations

from originledger.core.address import Address, module_address
from originledger.core.amounts import Amount
from originledger.core.limits import AMOUNT_MAX
from originledger.core.simulation import (
    Generators,
    RandomSource,
    SimWorld,
    address,
    amount,
    chance,
    deadline,
    number,
    pick,
    symbol,
    text,
)
from originledger.core.tx import Msg
from originledger.modules.clearing.types import (
    CYCLE_DURATION_MS_MAX,
    NAME_BYTES_MAX,
    PARTICIPANTS_MAX,
    REFERENCE_BYTES_MAX,
    CloseCycle,
    DefaultRule,
    OpenCycle,
    SubmitObligation,
)

__all__ = ["GENERATORS"]


def _cycle(rng: RandomSource, world: SimWorld) -> int:
    known = [value for value in world.ids("cycle_id") if isinstance(value, int)]
    if known and chance(rng, 85):
        return pick(rng, known)
    return number(rng, 50)


def open_cycle(rng: RandomSource, world: SimWorld) -> Msg:
    count = 2 + rng.randrange(4) if chance(rng, 85) else number(rng, 2, PARTICIPANTS_MAX)
    participants = [address(rng, world, "user") for _ in range(min(count, PARTICIPANTS_MAX + 1))]
    if chance(rng, 90):
        participants = list(dict.fromkeys(participants))  # duplicates, now and then
    if chance(rng, 5):
        participants.append(module_address("clearing"))
    rule = pick(rng, (DefaultRule.EXCLUDE.value, DefaultRule.REJECT.value, "bogus"))
    return OpenCycle(
        address(rng, world, "user"),
        text(rng, NAME_BYTES_MAX, "cycle"),
        deadline(rng, world, CYCLE_DURATION_MS_MAX),
        participants,
        rule,
    )


def submit(rng: RandomSource, world: SimWorld) -> Msg:
    cycle_id = _cycle(rng, world)
    about = world.about("cycle_id", cycle_id)
    members = about.get("participants")
    payer, payee = address(rng, world, "user"), address(rng, world, "user")
    if isinstance(members, list) and len(members) >= 2 and chance(rng, 85):
        first, second = pick(rng, members), pick(rng, members)
        if isinstance(first, Address) and isinstance(second, Address):
            payer, payee = first, second
    value = amount(rng)
    if chance(rng, 10):
        value = Amount(pick(rng, (AMOUNT_MAX, AMOUNT_MAX - 1, 2**127)))  # netting sums them
    return SubmitObligation(
        payer,
        cycle_id,
        payee,
        symbol(rng, world),
        value,
        "" if chance(rng, 70) else text(rng, REFERENCE_BYTES_MAX, "ref"),
    )


def close(rng: RandomSource, world: SimWorld) -> Msg:
    cycle_id = _cycle(rng, world)
    operator = world.about("cycle_id", cycle_id).get("operator")
    if isinstance(operator, Address) and chance(rng, 60):
        return CloseCycle(operator, cycle_id)
    return CloseCycle(address(rng, world, "user"), cycle_id)


GENERATORS: Generators = {
    OpenCycle: (open_cycle,),
    SubmitObligation: (submit,),
    CloseCycle: (close,),
}
