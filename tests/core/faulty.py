"""A deliberately buggy module for the kernel's safety tests: handlers that raise, a
handler that mints units without supply, an end-of-block hook that raises on demand.

Its messages are signed by ordinary accounts, as an attacker would send them to a chain
whose module has such a bug."""

from __future__ import annotations

from originledger.app import DEFAULT_MODULES, Registry
from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codec import decode, encode
from originledger.core.codes import ResultCode
from originledger.core.context import BlockContext, BlockState, Event, TxContext
from originledger.core.module import HaltNode, Module
from originledger.core.tx import Failure, Msg
from originledger.modules.assets.keys import balance_key
from originledger.modules.assets.types import Balance

__all__ = ["FAULTY", "HOOK_FLAG", "Boom", "Mint", "faulty_registry"]

HOOK_FLAG = b"faulty/hook_fails"


class FaultyCode(ResultCode, codespace="faulty"):
    OK = 0, "ok"


class Boom(Msg, frozen=True, tag="faulty/boom"):
    """``kind``: what the handler raises after writing and emitting: "value", "overflow",
    "object" (an error whose text holds an object's repr), "halt", "memory"; "hook" arms
    the end-of-block hook instead (it raises at this block's end and the next ones)."""

    account: bytes
    kind: str


class Mint(Msg, frozen=True, tag="faulty/mint"):
    """Credits ``amount`` of ``symbol`` to ``account`` without touching the supply: the
    kind of bug (a self-transfer, an unchecked sum) that live invariants must catch."""

    account: Address
    symbol: str
    amount: int


class Booming(Event, frozen=True, tag="faulty/booming"):
    kind: str


class Unprintable:
    def __repr__(self) -> str:
        return f"<Unprintable object at {hex(id(self))}>"


def boom(ctx: TxContext, message: Boom) -> Failure | None:
    ctx.state.set(b"faulty/written", message.kind.encode())
    ctx.emit(Booming(message.kind))
    if message.kind == "value":
        raise ValueError("boom")
    if message.kind == "overflow":
        Amount(2**128 - 1 + int(message.account[0] != 255))  # an unchecked sum
    if message.kind == "object":
        raise TypeError(f"cannot use {Unprintable()!r}")
    if message.kind == "halt":
        raise HaltNode("a state that cannot be")
    if message.kind == "memory":
        raise MemoryError
    if message.kind == "hook":
        ctx.state.set(HOOK_FLAG, b"1")
    return None


def mint(ctx: TxContext, message: Mint) -> Failure | None:
    key = balance_key(message.account, message.symbol)
    raw = ctx.state.get(key)
    before = 0 if raw is None else decode(raw, Balance).amount
    ctx.state.set(key, encode(Balance(Amount(before + message.amount))))
    return None


def hook(block: BlockContext, state: BlockState) -> list[Event]:
    if state.get(HOOK_FLAG) is None:
        return []
    state.set(b"faulty/hook_wrote", block.height.to_bytes(8, "big"))
    raise KeyError(b"faulty/missing")


FAULTY = Module(
    name="faulty",
    version=1,
    codes=FaultyCode,
    handlers={Boom: boom, Mint: mint},
    events=(Booming,),
    end_block=hook,
)


def faulty_registry() -> Registry:
    return Registry((*DEFAULT_MODULES, FAULTY))
