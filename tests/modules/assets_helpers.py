"""Shared set-up for the tests of the assets module's policies, controls and holds.

``controls_genesis`` gives the roles those tests need: ADMIN (admin), ISSUER (issuer),
CUSTODIAN (custodian), REGULATOR (regulator). AGENT is a plain account that issuers name
as their agent.
"""

from __future__ import annotations

from typing import Any

from originledger.app import TxOutcome
from originledger.core.amounts import Amount
from originledger.modules.assets.logic import load_asset, load_line
from originledger.modules.assets.types import AssetRecord, Balance, Issue, PlaceHold
from tests.conftest import (
    ADMIN,
    ALICE,
    BOB,
    ISSUER,
    Chain,
    Party,
    genesis_builder,
    party,
)

__all__ = [
    "AGENT",
    "CUSTODIAN",
    "REGULATOR",
    "REGULATOR_JURISDICTION",
    "asset_of",
    "controls_genesis",
    "hold_id_of",
    "issue",
    "line_of",
    "ok",
]

CUSTODIAN = party("custodian")
REGULATOR = party("regulator")
REGULATOR_JURISDICTION = "US"
AGENT = party("agent")


def controls_genesis(**assets_section: Any) -> dict[str, Any]:
    document = (
        genesis_builder()
        .account(ADMIN.address, roles=["admin"])
        .account(ISSUER.address, roles=["issuer"])
        .account(CUSTODIAN.address, roles=["custodian"])
        .account(REGULATOR.address, roles=["regulator"])
        # REGULATOR acts for the US only: the assets it freezes are at home there.
        .regulator(REGULATOR_JURISDICTION, REGULATOR.address)
        .document()
    )
    # The test's own assets section, as given (some tests give invalid ones on purpose).
    document["app_state"]["assets"].update(assets_section)
    return document


def issue(
    symbol: str,
    asset_class: str,
    *,
    issuer: Party = ISSUER,
    max_supply: int = 10**12,
    **policy: Any,
) -> Issue:
    return Issue(
        issuer.address, symbol, f"{symbol} token", 2, asset_class, Amount(max_supply), **policy
    )


def ok(outcome: TxOutcome) -> TxOutcome:
    """The outcome, after failing the test unless it succeeded."""
    if not outcome.result.ok:
        raise AssertionError(f"expected success: {outcome.result}")
    return outcome


def asset_of(chain: Chain, symbol: str) -> AssetRecord:
    asset = load_asset(chain.store, symbol)
    if asset is None:
        raise AssertionError(f"no asset {symbol}")
    return asset


def line_of(chain: Chain, holder: Party, symbol: str) -> Balance | None:
    return load_line(chain.store, holder.address, symbol)


def hold_id_of(outcome: TxOutcome, index: int = 0) -> bytes:
    """The id of the ``index``-th hold placed by a transaction."""
    ids = [event.hold_id for event in outcome.events if type(event).__name__ == "HoldPlaced"]
    return bytes(ids[index])  # type: ignore[attr-defined]


def hold(
    chain: Chain,
    amount: int,
    *,
    payer: Party = ALICE,
    payee: Party = BOB,
    symbol: str = "USD",
    lifetime_ms: int = 60_000,
    hold_id: bytes | None = None,
) -> PlaceHold:
    return PlaceHold(
        payer.address,
        payee.address,
        symbol,
        Amount(amount),
        chain.next_time_ms + lifetime_ms,
        hold_id,
    )


__all__ += ["hold"]
