"""Shared set-up of the payments and clearing tests: a chain with two payment assets
(USD, EUR) and a security (BOND), funded accounts, and helpers to find ids in outcomes."""

from __future__ import annotations

from collections.abc import Iterator

from originledger.app import TxOutcome
from originledger.core.amounts import Amount
from originledger.modules.assets.types import Authorize as AssetsAuthorize
from originledger.modules.assets.types import Mint, Pause
from tests.conftest import ALICE, BOB, CAROL, ISSUER, Chain, close_chain
from tests.modules.assets_helpers import issue

__all__ = ["event_of", "events_of", "payments_chain"]


def events_of(outcome: TxOutcome, name: str) -> list[object]:
    return [event for event in outcome.events if type(event).__name__ == name]


def event_of(outcome: TxOutcome, name: str) -> object:
    found = events_of(outcome, name)
    if len(found) != 1:
        raise AssertionError(f"expected one {name} event, got {len(found)}: {outcome.events}")
    return found[0]


def payments_chain() -> Iterator[Chain]:
    """USD and EUR (payment): ALICE 10,000 USD and 5,000 EUR, BOB 1,000 USD and 3,000 EUR,
    CAROL 2,000 USD. BOND (security, open): BOB 100, ALICE and BOB authorized. A generator
    for a fixture: ``yield from payments_chain()``."""
    chain = Chain()
    chain.issue_and_mint("USD", {ALICE: 10_000, BOB: 1_000, CAROL: 2_000})
    chain.issue_and_mint("EUR", {ALICE: 5_000, BOB: 3_000})
    outcome = chain.run(
        [
            issue("BOND", "security"),
            AssetsAuthorize(ISSUER.address, "BOND", ALICE.address, True),
            AssetsAuthorize(ISSUER.address, "BOND", BOB.address, True),
            Mint(ISSUER.address, "BOND", BOB.address, Amount(100)),
            Pause(ISSUER.address, "BOND", False),
        ],
        ISSUER,
    )
    assert outcome.result.ok, outcome.result
    yield chain
    close_chain(chain)
