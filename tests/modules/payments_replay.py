"""A fixed scenario of every payments and clearing flow on a fresh in-memory chain; prints
the state root after each block as JSON. ``test_payments_determinism.py`` runs it under
different ``PYTHONHASHSEED`` values and compares::

    python -m tests.modules.payments_replay
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from originledger.core.amounts import Amount
from originledger.core.crypto import sha256
from originledger.modules.clearing.types import CloseCycle, OpenCycle, SubmitObligation
from originledger.modules.payments import claim_digest
from originledger.modules.payments.types import (
    Authorize,
    Capture,
    ClaimChannel,
    CloseChannel,
    CreateEscrow,
    CreateRequest,
    Leg,
    OpenChannel,
    PayRequest,
    Refund,
    ReleaseEscrow,
    Swap,
)
from tests.conftest import ALICE, BOB, CAROL, CHAIN_ID, Chain, party
from tests.modules.payments_helpers import payments_chain

OPERATOR = party("clearing-house")
DEVICE = party("device")


def scenario() -> list[str]:
    """The state root after each step."""
    roots: list[str] = []
    for _ in scenario_chain(roots):
        pass
    return roots


def scenario_chain(roots: list[str] | None = None) -> Iterator[Chain]:
    """Play the scenario, then yield the chain (closed afterwards); ``roots`` collects the
    state root after each step."""
    roots = [] if roots is None else roots
    chains = payments_chain()
    chain = next(chains)

    def run(messages, signers) -> None:  # type: ignore[no-untyped-def]
        outcome = chain.run(messages, signers)
        if not outcome.result.ok:
            raise RuntimeError(f"scenario step failed: {outcome.result}")
        roots.append(chain.state_root.hex())

    try:
        ids = [sha256(bytes([n])) for n in range(8)]
        expires = chain.next_time_ms + 60_000
        run(CreateRequest(BOB.address, "USD", Amount(500), expires, "o-1", request_id=ids[0]), BOB)
        run(PayRequest(ALICE.address, BOB.address, ids[0], "USD", Amount(500)), ALICE)
        run(Refund(BOB.address, ids[0], Amount(50)), BOB)
        run(Authorize(ALICE.address, BOB.address, "USD", Amount(300), expires, "", ids[1]), ALICE)
        run(Capture(BOB.address, ids[1], Amount(100)), BOB)
        run(
            Authorize(
                ALICE.address,
                CAROL.address,
                "USD",
                Amount(70),
                chain.next_time_ms + 1_000,
                "",
                ids[2],
            ),
            ALICE,
        )
        lock = {"hash_lock": sha256(b"doc"), "cancel_after_ms": expires, "escrow_id": ids[3]}
        run(CreateEscrow(ALICE.address, CAROL.address, "USD", Amount(250), **lock), ALICE)  # type: ignore[arg-type]
        run(ReleaseEscrow(CAROL.address, ids[3], b"doc"), CAROL)
        run(
            OpenChannel(
                ALICE.address, BOB.address, "USD", Amount(90), DEVICE.key.public_key, 5_000, ids[4]
            ),
            ALICE,
        )
        signature = DEVICE.key.sign(claim_digest(CHAIN_ID, ids[4], 42))
        run(
            [
                ClaimChannel(BOB.address, ids[4], Amount(42), signature),
                CloseChannel(BOB.address, ids[4]),
            ],
            BOB,
        )
        legs = [
            Leg(ALICE.address, BOB.address, "USD", Amount(10)),
            Leg(BOB.address, ALICE.address, "EUR", Amount(9)),
        ]
        run(Swap(legs), [ALICE, BOB])
        run(
            OpenCycle(
                OPERATOR.address, "day", expires, [ALICE.address, BOB.address, CAROL.address]
            ),
            OPERATOR,
        )
        run(SubmitObligation(ALICE.address, 1, BOB.address, "USD", Amount(400)), ALICE)
        run(SubmitObligation(BOB.address, 1, CAROL.address, "USD", Amount(300)), BOB)
        run(SubmitObligation(CAROL.address, 1, ALICE.address, "USD", Amount(9_999)), CAROL)
        run(CloseCycle(OPERATOR.address, 1), OPERATOR)
        yield chain
    finally:
        chains.close()


if __name__ == "__main__":
    print(json.dumps(scenario()))
