"""Test-only modules with planted bugs, for the simulator to catch (tests/sim/test_sim.py).

``planted_raise`` has a handler that raises on some values (an unexpected exception inside
execution); ``planted_mint`` credits units without adding them to the asset's supply (the
assets module's supply invariant breaks). Each gives its generators as ``SIM_GENERATORS``
beside its messages, as a module living outside ``originledger.modules`` must.
"""

from __future__ import annotations

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codes import ResultCode
from originledger.core.context import TxContext
from originledger.core.module import Module
from originledger.core.simulation import Generators, RandomSource, SimWorld, address, pick
from originledger.core.tx import Failure, Msg
from originledger.modules.assets.keys import balance_key
from originledger.modules.assets.logic import load_line


class RaiseCode(ResultCode, codespace="planted_raise"):
    OK = 0, "ok"


class Divide(Msg, frozen=True, tag="planted_raise/divide"):
    account: Address
    divisor: int

    def required_signers(self) -> tuple[Address, ...]:
        return (self.account,)


def divide(ctx: TxContext, message: Divide) -> Failure | None:
    ctx.state.set(b"planted_raise/" + bytes(message.account), bytes([100 // message.divisor]))
    return None


def generate_divide(rng: RandomSource, world: SimWorld) -> Msg:
    return Divide(address(rng, world, "user"), pick(rng, (1, 2, 5, 0)))


RAISE_MODULE = Module("planted_raise", 1, RaiseCode, {Divide: divide})


class MintCode(ResultCode, codespace="planted_mint"):
    OK = 0, "ok"


class Gift(Msg, frozen=True, tag="planted_mint/gift"):
    account: Address
    symbol: str

    def required_signers(self) -> tuple[Address, ...]:
        return (self.account,)


def gift(ctx: TxContext, message: Gift) -> Failure | None:
    line = load_line(ctx.state, message.account, message.symbol)
    if line is None or line.amount == 0:
        return None  # only a holder gets a gift: the holders count stays right
    grown = msgspec.structs.replace(line, amount=Amount(line.amount + 1))
    ctx.state.put_record(balance_key(message.account, message.symbol), grown)
    return None


def generate_gift(rng: RandomSource, world: SimWorld) -> Msg:
    return Gift(address(rng, world, "user"), pick(rng, world.symbols()))


MINT_MODULE = Module("planted_mint", 1, MintCode, {Gift: gift})

SIM_GENERATORS: Generators = {Divide: (generate_divide,), Gift: (generate_gift,)}


class OrderCode(ResultCode, codespace="planted_order"):
    OK = 0, "ok"


class Note(Msg, frozen=True, tag="planted_order/note"):
    account: Address

    def required_signers(self) -> tuple[Address, ...]:
        return (self.account,)


def note(ctx: TxContext, message: Note) -> Failure | None:
    # A set of strings iterates in an order that depends on PYTHONHASHSEED.
    first = next(iter({"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}))
    ctx.state.set(b"planted_order/" + bytes(message.account), first.encode())
    return None


def generate_note(rng: RandomSource, world: SimWorld) -> Msg:
    return Note(address(rng, world, "user"))


ORDER_MODULE = Module("planted_order", 1, OrderCode, {Note: note})

SIM_GENERATORS = {**SIM_GENERATORS, Note: (generate_note,)}
