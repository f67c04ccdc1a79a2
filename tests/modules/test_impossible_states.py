"""A module that finds a state that cannot be raises ``InvariantBroken``: the execution
barrier lets it through and the node halts, where a bare ``RuntimeError`` would have been
contained (the transaction failing ``tx/INTERNAL``, the end-of-block hook dropped with a
``kernel/end_block_failed`` event, and the chain going on from a corrupt state).

The corrupt states are written by a test-only module whose message erases a key: no
message of the real modules can reach them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from originledger.app import DEFAULT_MODULES, Registry
from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codes import ResultCode
from originledger.core.context import TxContext
from originledger.core.module import HaltNode, InvariantBroken, Module
from originledger.core.tx import Failure, Msg
from originledger.modules.assets import load_hold
from originledger.modules.assets.keys import hold_key
from originledger.modules.assets.types import PlaceHold
from originledger.modules.payments.keys import authorization_key
from originledger.modules.payments.logic import load_authorization
from originledger.modules.payments.types import Authorize, Capture
from tests.conftest import ALICE, BOB, Chain


class CorruptCode(ResultCode, codespace="corrupt"):
    OK = 0, "ok"


class Erase(Msg, frozen=True, tag="corrupt/erase"):
    """Deletes ``key`` from state, whatever module owns it: a stand-in for a bug or a
    damaged store."""

    account: Address
    key: bytes

    def required_signers(self) -> tuple[Address, ...]:
        return (self.account,)


def erase(ctx: TxContext, message: Erase) -> Failure | None:
    ctx.state.delete(message.key)
    return None


CORRUPT = Module(name="corrupt", version=1, codes=CorruptCode, handlers={Erase: erase})
HOLD_ID = bytes(range(32))
AUTHORIZATION_ID = bytes(range(1, 33))


@pytest.fixture
def chain() -> Iterator[Chain]:
    chain = Chain(registry=Registry((*DEFAULT_MODULES, CORRUPT)))
    chain.issue_and_mint("USD", {ALICE: 1_000, BOB: 500})
    yield chain
    chain.store.close()


def _corrupt(chain: Chain, key: bytes) -> None:
    """Commit a block that erases ``key`` (without the full invariant check ``block``
    runs after it, which would find the damage first)."""
    outcome = chain.finalize([chain.tx(Erase(ALICE.address, key), ALICE)])
    assert outcome.txs[0].result.ok
    chain.app.commit()
    chain.time_ms = outcome.header.time_ms


def _halts(chain: Chain, txs: list[bytes], time_ms: int, match: str) -> None:
    height = chain.height
    with pytest.raises(InvariantBroken, match=match) as broken:
        chain.finalize(txs, time_ms)
    assert isinstance(broken.value, HaltNode)
    assert chain.height == height  # nothing committed


def test_hold_expiry_entry_without_its_hold_halts(chain: Chain) -> None:
    """Was: the assets hook raised ``RuntimeError``, contained as ``EndBlockFailed`` at
    every block from then on (no hold of the chain would ever expire again)."""
    expires = chain.next_time_ms + 60_000
    place = PlaceHold(ALICE.address, BOB.address, "USD", Amount(40), expires, hold_id=HOLD_ID)
    placed = chain.run(place, ALICE)
    assert placed.result.ok
    [hold_id] = [event.hold_id for event in placed.events if hasattr(event, "hold_id")]
    _corrupt(chain, hold_key(hold_id))
    _halts(chain, [], expires + 1, "expiry entry without hold")


def test_authorization_without_its_hold_halts_the_capture(chain: Chain) -> None:
    """Was: the capture failed with ``tx/INTERNAL`` and the chain went on."""
    expires = chain.next_time_ms + 60_000
    authorize = Authorize(
        ALICE.address, BOB.address, "USD", Amount(100), expires, authorization_id=AUTHORIZATION_ID
    )
    assert chain.run(authorize, ALICE).result.ok
    record = load_authorization(chain.store, AUTHORIZATION_ID)
    assert record is not None and load_hold(chain.store, record.hold_id) is not None
    _corrupt(chain, hold_key(record.hold_id))
    capture = chain.tx(Capture(BOB.address, AUTHORIZATION_ID, Amount(10)), BOB)
    _halts(chain, [capture], chain.next_time_ms, "without its asset or hold")


def test_authorization_expiry_entry_without_its_record_halts(chain: Chain) -> None:
    """Was: the payments hook raised ``RuntimeError``, contained as ``EndBlockFailed``."""
    expires = chain.next_time_ms + 60_000
    authorize = Authorize(
        ALICE.address, BOB.address, "USD", Amount(100), expires, authorization_id=AUTHORIZATION_ID
    )
    assert chain.run(authorize, ALICE).result.ok
    _corrupt(chain, authorization_key(AUTHORIZATION_ID))
    _halts(chain, [], expires + 1, "without authorization")
