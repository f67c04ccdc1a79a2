"""What a module gives the simulator (``originledger/testing/``): message generators.

Each module keeps its generators next to its messages, in
``originledger/modules/<name>/simulation.py``, as ``GENERATORS``: a mapping from each
message type the module handles to one or more generators. A generator is pure: it draws
from the random source it is handed (modules never import ``random``) and reads the
simulator's world through ``SimWorld`` (accounts by kind, asset symbols, ids that events
have named so far, the next block's time), and returns one message. It need not return a
valid message: hostile and boundary values are the point. Who signs is the simulator's
choice (the message's required signers, usually; sometimes someone else).

The helpers below draw the values every module needs: boundary amounts, times at and
around deadlines, texts at and beyond their limits, known and unknown ids, and
addresses of every kind (module accounts and unknown ones included).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from originledger.core.address import ADDRESS_BYTES, Address
from originledger.core.amounts import Amount
from originledger.core.limits import AMOUNT_MAX
from originledger.core.tx import Msg

__all__ = [
    "ACCOUNT_KINDS",
    "Generator",
    "Generators",
    "RandomSource",
    "SimWorld",
    "address",
    "amount",
    "chance",
    "deadline",
    "ident",
    "issuer",
    "number",
    "party",
    "pick",
    "symbol",
    "text",
]

T = TypeVar("T")

# The kinds of accounts the simulator's world holds (``SimWorld.accounts``).
ACCOUNT_KINDS = (
    "user",  # ordinary accounts
    "issuer",  # holds the issuer role
    "custodian",  # holds the custodian role
    "regulator",  # appointed regulator of a jurisdiction
    "attester",  # an attester
    "admin",  # the admin
    "revoked",  # had roles that were revoked
    "module",  # module accounts: no key controls them
    "unknown",  # addresses the chain has never seen
)


class RandomSource(Protocol):
    """The part of ``random.Random`` a generator may use (the simulator seeds it)."""

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int: ...

    def getrandbits(self, k: int, /) -> int: ...


class SimWorld(Protocol):
    """A read-only view of the simulator's world."""

    @property
    def time_ms(self) -> int:
        """The time of the block being built."""
        ...

    @property
    def chain_id(self) -> str: ...

    def accounts(self, kind: str) -> Sequence[Address]:
        """Accounts of one of ``ACCOUNT_KINDS`` (possibly none)."""
        ...

    def symbols(self) -> Sequence[str]:
        """Symbols of assets issued so far."""
        ...

    def issuer_of(self, symbol: str) -> Address | None:
        """The issuer of an asset issued so far."""
        ...

    def ids(self, name: str) -> Sequence[object]:
        """Values that committed events carried in a field of this name (``"escrow_id"``,
        ``"cycle_id"``...), oldest first."""
        ...

    def about(self, name: str, value: object) -> Mapping[str, object]:
        """The fields of the first committed event that carried ``value`` in a field
        ``name`` (empty when none did): who the payee of an escrow is, and so on."""
        ...

    def secret(self, index: int) -> bytes:
        """A 32-byte secret the simulator knows by a small index (for hash locks and
        channel claim keys, so that a later message can prove knowledge of it)."""
        ...


Generator = Callable[[RandomSource, SimWorld], Msg]
Generators = Mapping[type[Msg], Sequence[Generator]]


# -- drawing values ---------------------------------------------------------------------


def chance(rng: RandomSource, percent: int) -> bool:
    return rng.randrange(100) < percent


def pick(rng: RandomSource, items: Sequence[T]) -> T:
    return items[rng.randrange(len(items))]


_AMOUNT_EDGES = (0, 1, 2, 2**63 - 1, 2**64 - 1, 2**64, 2**127, AMOUNT_MAX - 1, AMOUNT_MAX)


def amount(rng: RandomSource, typical: int = 10_000) -> Amount:
    """Mostly small amounts (so that things succeed), sometimes a boundary value."""
    roll = rng.randrange(100)
    if roll < 70:
        return Amount(1 + rng.randrange(typical))
    if roll < 82:
        return Amount(rng.randrange(1, 10**8))
    return Amount(pick(rng, _AMOUNT_EDGES))


_NUMBER_EDGES = (0, 1, 2, 2**31 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1)


def number(rng: RandomSource, typical: int = 10, limit: int | None = None) -> int:
    """A count or other small number: typical, at its limit (and one past), or an edge."""
    roll = rng.randrange(100)
    if roll < 65:
        return rng.randrange(typical + 1)
    if limit is not None and roll < 85:
        return limit + rng.randrange(2)
    return pick(rng, _NUMBER_EDGES)


def deadline(rng: RandomSource, world: SimWorld, limit_ms: int | None = None) -> int:
    """A time around the block's: exactly now (the boundary), just before or after, a
    little later, at (and past) ``limit_ms`` ahead, zero, or the largest uint64."""
    now = world.time_ms
    roll = rng.randrange(100)
    if roll < 60:
        return now + rng.randrange(1_000, 600_000)
    if roll < 66:
        return now
    if roll < 71:
        return now - 1 - rng.randrange(5_000)
    if roll < 76:
        return now + 1
    if limit_ms is not None and roll < 86:
        return now + limit_ms + rng.randrange(2)
    return pick(rng, (0, 1, 2**53, 2**63 - 1, 2**63, 2**64 - 1))


def address(rng: RandomSource, world: SimWorld, *preferred: str) -> Address:
    """An address: usually of a preferred kind, sometimes of any kind (module accounts,
    unknown addresses, the admin, revoked ones)."""
    kinds = preferred or ("user",)
    if not chance(rng, 85):
        kinds = ACCOUNT_KINDS
    for _ in range(4):
        candidates = world.accounts(pick(rng, kinds))
        if candidates:
            return pick(rng, candidates)
    users = world.accounts("user")
    if users:
        return pick(rng, users)
    return Address(bytes(ADDRESS_BYTES))


def issuer(rng: RandomSource, world: SimWorld, asset_symbol: str) -> Address:
    """The asset's issuer, usually; else another account."""
    owner = world.issuer_of(asset_symbol)
    if owner is not None and chance(rng, 80):
        return owner
    return address(rng, world, "issuer")


def party(
    rng: RandomSource, world: SimWorld, name: str, value: object, field: str, *kinds: str
) -> Address:
    """The account in ``field`` of the event that named this id (the escrow's payee, the
    request's merchant), usually; else an address of ``kinds``."""
    known = world.about(name, value).get(field)
    if isinstance(known, Address) and chance(rng, 80):
        return known
    return address(rng, world, *kinds)


def symbol(rng: RandomSource, world: SimWorld) -> str:
    """A known symbol, usually; else an unknown, empty, over-long or odd one."""
    known = world.symbols()
    if known and chance(rng, 88):
        return pick(rng, known)
    return pick(rng, ("NOPE", "", "A" * 12, "A" * 13, "usd", "U$D", "\u0130X", "X\x00"))


_TEXT_ODDITIES = (
    "",
    "\x00",
    "line\nbreak",
    "\U0001f6dc",  # assigned in Unicode 15 (Python 3.12), not before
    "e\u0301",  # a combining accent
    "\u202eevil",  # right-to-left override
    "\u0130stanbul",  # its lower() grows
    "\ufeff",
    "\ud7ff",
)


def text(rng: RandomSource, limit_bytes: int, typical: str = "sim") -> str:
    """A text: typical, empty, at its byte limit, one byte past it, or odd Unicode."""
    roll = rng.randrange(100)
    if roll < 80:
        return f"{typical} {rng.randrange(1000)}"
    if roll < 85:
        return "x" * limit_bytes
    if roll < 89:
        return "x" * (limit_bytes + 1)
    if roll < 92:
        return "\u00e9" * (limit_bytes // 2) + "x" * (limit_bytes % 2 + 1)
    return pick(rng, _TEXT_ODDITIES)


def ident(
    rng: RandomSource, world: SimWorld, name: str, size: int = 32, limit_bytes: int = 64
) -> bytes:
    """An id: one that events named under ``name`` (so it exists), usually; else a
    fresh one of ``size`` bytes, an empty one, a short one, one at the byte limit, or one
    past it."""
    known = [value for value in world.ids(name) if isinstance(value, bytes)]
    roll = rng.randrange(100)
    if known and roll < 45:
        return pick(rng, known[-6:])  # recent ones are more likely still open
    if known and roll < 75:
        return pick(rng, known)
    if roll < 88:
        return rng.getrandbits(8 * size).to_bytes(size, "big")
    return pick(rng, (b"", b"\x00", b"\xff" * limit_bytes, b"\x01" * (limit_bytes + 1)))


def fresh_or_known(rng: RandomSource, world: SimWorld, name: str, size: int = 32) -> bytes | None:
    """For client-chosen ids: none (the module picks one), a fresh one, or a duplicate."""
    roll = rng.randrange(100)
    if roll < 45:
        return None
    if roll < 85:
        return rng.getrandbits(8 * size).to_bytes(size, "big")
    return ident(rng, world, name, size)


__all__ += ["fresh_or_known"]
