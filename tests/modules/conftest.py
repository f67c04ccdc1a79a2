"""Fixtures of the assets module's tests: chains with a payment, a utility or a security
asset set up, over the roles of ``assets_helpers.controls_genesis``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from originledger.core.amounts import Amount
from originledger.core.tx import Msg
from originledger.modules.assets.types import AttestReserves, Authorize, Mint, Pause
from tests.conftest import ALICE, BOB, ISSUER, Chain, Party, close_chain
from tests.modules.assets_helpers import (
    AGENT,
    CUSTODIAN,
    REGULATOR_JURISDICTION,
    controls_genesis,
    issue,
    ok,
)


def _setup(chain: Chain, messages: list[Msg], signers: list[Party]) -> None:
    ok(chain.run(messages, signers))


@pytest.fixture
def controls_chain() -> Iterator[Chain]:
    """Roles from ``controls_genesis``; no assets."""
    fresh = Chain(controls_genesis())
    yield fresh
    close_chain(fresh)


@pytest.fixture
def payment_chain() -> Iterator[Chain]:
    """USD (payment; CUSTODIAN attested 10,000; agent AGENT): ALICE 1,000, BOB 500."""
    fresh = Chain(controls_genesis())
    _setup(
        fresh,
        [
            issue(
                "USD",
                "payment",
                custodian=CUSTODIAN.address,
                agent=AGENT.address,
                jurisdiction=REGULATOR_JURISDICTION,
            )
        ],
        [ISSUER],
    )
    _setup(
        fresh,
        [AttestReserves(CUSTODIAN.address, "USD", Amount(10_000), fresh.next_time_ms)],
        [CUSTODIAN],
    )
    _setup(
        fresh,
        [
            Mint(ISSUER.address, "USD", ALICE.address, Amount(1_000)),
            Mint(ISSUER.address, "USD", BOB.address, Amount(500)),
        ],
        [ISSUER],
    )
    yield fresh
    close_chain(fresh)


@pytest.fixture
def utility_chain() -> Iterator[Chain]:
    """PTS (utility, no freeze, no clawback): ALICE 1,000, BOB 500."""
    fresh = Chain(controls_genesis())
    _setup(
        fresh,
        [
            issue("PTS", "utility", jurisdiction=REGULATOR_JURISDICTION),
            Mint(ISSUER.address, "PTS", ALICE.address, Amount(1_000)),
            Mint(ISSUER.address, "PTS", BOB.address, Amount(500)),
        ],
        [ISSUER],
    )
    yield fresh
    close_chain(fresh)


@pytest.fixture
def security_chain() -> Iterator[Chain]:
    """FUND (security, agent AGENT), unpaused; ALICE and BOB authorized: ALICE 1,000."""
    fresh = Chain(controls_genesis())
    _setup(
        fresh,
        [
            issue("FUND", "security", agent=AGENT.address),
            Authorize(ISSUER.address, "FUND", ALICE.address, True),
            Authorize(ISSUER.address, "FUND", BOB.address, True),
            Mint(ISSUER.address, "FUND", ALICE.address, Amount(1_000)),
            Pause(ISSUER.address, "FUND", False),
        ],
        [ISSUER],
    )
    yield fresh
    close_chain(fresh)
