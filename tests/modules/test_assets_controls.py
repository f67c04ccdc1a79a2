"""Controls of the assets module: pause, freezes (account, deep, partial, global),
clawback, forced transfer and lost-wallet recovery (issue #3)."""

from __future__ import annotations

from typing import Any

import pytest

from originledger.core.amounts import Amount
from originledger.modules.assets import AssetsCode
from originledger.modules.assets.types import (
    AssetFrozenSet,
    AssetPaused,
    Authorize,
    Balance,
    Burn,
    Clawback,
    ClawedBack,
    ForcedTransfer,
    ForceTransfer,
    Freeze,
    FreezeAsset,
    FreezeSet,
    Mint,
    Pause,
    Recover,
    Recovered,
    Transfer,
)
from tests.conftest import ALICE, BOB, CAROL, ISSUER, Chain, Party, assert_failed
from tests.modules.assets_helpers import (
    AGENT,
    REGULATOR,
    asset_of,
    hold,
    issue,
    line_of,
    ok,
)


def pay(amount: int, sender: Party = ALICE, recipient: Party = BOB, symbol: str = "USD") -> Any:
    return Transfer(sender.address, recipient.address, symbol, Amount(amount))


def freeze(
    account: Party = ALICE,
    *,
    frozen: bool = True,
    deep: bool = False,
    amount_frozen: int = 0,
    authority: Party = ISSUER,
    symbol: str = "USD",
) -> Freeze:
    return Freeze(authority.address, symbol, account.address, frozen, deep, Amount(amount_frozen))


def balance_answer(chain: Chain, account: Party, symbol: str = "USD") -> Any:
    return chain.app.query("assets", "balance", {"account": str(account.address), "symbol": symbol})


# -- pause --------------------------------------------------------------------------------


def test_pause_stops_transfers_and_holds(payment_chain: Chain) -> None:
    outcome = ok(payment_chain.run(Pause(ISSUER.address, "USD", True), ISSUER))
    assert outcome.events == [AssetPaused("USD", True)]
    assert_failed(payment_chain.run(pay(1), ALICE), AssetsCode.PAUSED)
    assert_failed(payment_chain.run(hold(payment_chain, 1), ALICE), AssetsCode.PAUSED)
    assert balance_answer(payment_chain, ALICE).asset_paused
    assert payment_chain.app.query("assets", "asset", {"symbol": "USD"}).asset.paused
    ok(payment_chain.run(Pause(ISSUER.address, "USD", False), ISSUER))
    ok(payment_chain.run(pay(1), ALICE))


def test_pause_allows_issuer_operations(payment_chain: Chain) -> None:
    ok(payment_chain.run(Pause(ISSUER.address, "USD", True), ISSUER))
    ok(payment_chain.run(Mint(ISSUER.address, "USD", ISSUER.address, Amount(5)), ISSUER))
    ok(payment_chain.run(Burn(ISSUER.address, "USD", Amount(5)), ISSUER))
    ok(payment_chain.run(Clawback(ISSUER.address, "USD", ALICE.address, Amount(5)), ISSUER))
    force = ForceTransfer(AGENT.address, "USD", ALICE.address, BOB.address, Amount(5))
    ok(payment_chain.run(force, AGENT))


def test_security_starts_paused_and_mints(controls_chain: Chain) -> None:
    ok(
        controls_chain.run(
            [
                issue("FUND", "security"),
                Authorize(ISSUER.address, "FUND", ALICE.address, True),
                Authorize(ISSUER.address, "FUND", BOB.address, True),
                Mint(ISSUER.address, "FUND", ALICE.address, Amount(10)),
            ],
            ISSUER,
        )
    )
    assert_failed(controls_chain.run(pay(1, symbol="FUND"), ALICE), AssetsCode.PAUSED)
    ok(controls_chain.run(Pause(ISSUER.address, "FUND", False), ISSUER))
    ok(controls_chain.run(pay(1, symbol="FUND"), ALICE))


@pytest.mark.parametrize(
    ("signer", "symbol", "paused", "code"),
    [
        (ISSUER, "NOPE", True, AssetsCode.ASSET_NOT_FOUND),
        (ALICE, "USD", True, AssetsCode.NOT_ISSUER),
        (REGULATOR, "USD", True, AssetsCode.NOT_ISSUER),
        (ISSUER, "USD", False, AssetsCode.UNCHANGED),
    ],
)
def test_invalid_pause(
    payment_chain: Chain, signer: Party, symbol: str, paused: bool, code: AssetsCode
) -> None:
    assert_failed(payment_chain.run(Pause(signer.address, symbol, paused), signer), code)


# -- account freezes ----------------------------------------------------------------------


def test_freeze_stops_sending_not_receiving(payment_chain: Chain) -> None:
    outcome = ok(payment_chain.run(freeze(ALICE), ISSUER))
    assert outcome.events == [
        FreezeSet("USD", ALICE.address, ISSUER.address, True, False, Amount(0))
    ]
    assert_failed(payment_chain.run(pay(1), ALICE), AssetsCode.SENDER_FROZEN)
    assert_failed(payment_chain.run(hold(payment_chain, 1), ALICE), AssetsCode.SENDER_FROZEN)
    ok(payment_chain.run(pay(7, BOB, ALICE), BOB))
    answer = balance_answer(payment_chain, ALICE)
    assert (answer.frozen, answer.deep, answer.amount) == (True, False, 1_007)
    ok(payment_chain.run(freeze(ALICE, frozen=False), ISSUER))
    ok(payment_chain.run(pay(1), ALICE))
    assert line_of(payment_chain, ALICE, "USD") == Balance(Amount(1_006))


def test_freeze_deep_stops_receiving_and_minting(payment_chain: Chain) -> None:
    ok(payment_chain.run(freeze(BOB, deep=True, authority=REGULATOR), REGULATOR))
    assert_failed(payment_chain.run(pay(1), ALICE), AssetsCode.RECIPIENT_FROZEN)
    assert_failed(payment_chain.run(pay(1, BOB, ALICE), BOB), AssetsCode.SENDER_FROZEN)
    assert_failed(payment_chain.run(hold(payment_chain, 1), ALICE), AssetsCode.RECIPIENT_FROZEN)
    mint = Mint(ISSUER.address, "USD", BOB.address, Amount(1))
    assert_failed(payment_chain.run(mint, ISSUER), AssetsCode.RECIPIENT_FROZEN)
    assert balance_answer(payment_chain, BOB).deep


def test_freeze_account_without_balance_keeps_a_line(payment_chain: Chain) -> None:
    ok(payment_chain.run(freeze(CAROL, deep=True), ISSUER))
    assert line_of(payment_chain, CAROL, "USD") == Balance(Amount(0), frozen=True, deep=True)
    assert_failed(payment_chain.run(pay(1, ALICE, CAROL), ALICE), AssetsCode.RECIPIENT_FROZEN)
    ok(payment_chain.run(freeze(CAROL, frozen=False), ISSUER))
    assert line_of(payment_chain, CAROL, "USD") is None


def test_freeze_partial_amount(payment_chain: Chain) -> None:
    ok(
        payment_chain.run(
            freeze(ALICE, frozen=False, amount_frozen=900, authority=REGULATOR), REGULATOR
        )
    )
    answer = balance_answer(payment_chain, ALICE)
    assert (answer.amount, answer.amount_frozen, answer.available) == (1_000, 900, 100)
    assert_failed(payment_chain.run(pay(101), ALICE), AssetsCode.INSUFFICIENT_AVAILABLE)
    assert_failed(payment_chain.run(pay(1_001), ALICE), AssetsCode.INSUFFICIENT_BALANCE)
    assert_failed(
        payment_chain.run(hold(payment_chain, 101), ALICE), AssetsCode.INSUFFICIENT_AVAILABLE
    )
    ok(payment_chain.run(pay(100), ALICE))
    assert balance_answer(payment_chain, ALICE).available == 0


def test_freeze_partial_counts_held_amounts(payment_chain: Chain) -> None:
    ok(payment_chain.run(hold(payment_chain, 600), ALICE))
    outcome = payment_chain.run(freeze(ALICE, frozen=False, amount_frozen=401), ISSUER)
    assert_failed(outcome, AssetsCode.FREEZE_EXCEEDS_BALANCE)
    ok(payment_chain.run(freeze(ALICE, frozen=False, amount_frozen=400), ISSUER))
    assert balance_answer(payment_chain, ALICE).available == 0


def test_burn_limited_to_available(payment_chain: Chain) -> None:
    ok(payment_chain.run(Mint(ISSUER.address, "USD", ISSUER.address, Amount(10)), ISSUER))
    ok(
        payment_chain.run(
            freeze(ISSUER, frozen=False, amount_frozen=4, authority=REGULATOR), REGULATOR
        )
    )
    burn = Burn(ISSUER.address, "USD", Amount(7))
    assert_failed(payment_chain.run(burn, ISSUER), AssetsCode.INSUFFICIENT_AVAILABLE)
    ok(payment_chain.run(Burn(ISSUER.address, "USD", Amount(6)), ISSUER))


@pytest.mark.parametrize(
    ("message", "signer", "code"),
    [
        (freeze(ALICE, frozen=False, deep=True), ISSUER, AssetsCode.INVALID_FREEZE),
        (freeze(ALICE, symbol="NOPE"), ISSUER, AssetsCode.ASSET_NOT_FOUND),
        (freeze(ALICE, authority=BOB), BOB, AssetsCode.NOT_AUTHORITY),
        (freeze(ALICE, authority=AGENT), AGENT, AssetsCode.NOT_AUTHORITY),
        (freeze(ALICE, frozen=False), ISSUER, AssetsCode.UNCHANGED),
        (freeze(ALICE, amount_frozen=1_001), ISSUER, AssetsCode.FREEZE_EXCEEDS_BALANCE),
    ],
)
def test_invalid_freeze(
    payment_chain: Chain, message: Freeze, signer: Party, code: AssetsCode
) -> None:
    assert_failed(payment_chain.run(message, signer), code)


def test_invalid_freeze_not_freezable(utility_chain: Chain) -> None:
    outcome = utility_chain.run(freeze(ALICE, symbol="PTS", authority=REGULATOR), REGULATOR)
    assert_failed(outcome, AssetsCode.NOT_FREEZABLE)


# -- global freeze ------------------------------------------------------------------------


def test_freeze_asset_stops_every_account(payment_chain: Chain) -> None:
    outcome = ok(payment_chain.run(FreezeAsset(REGULATOR.address, "USD", True), REGULATOR))
    assert outcome.events == [AssetFrozenSet("USD", REGULATOR.address, True)]
    assert_failed(payment_chain.run(pay(1), ALICE), AssetsCode.ASSET_FROZEN)
    assert_failed(payment_chain.run(hold(payment_chain, 1), ALICE), AssetsCode.ASSET_FROZEN)
    assert balance_answer(payment_chain, BOB).asset_frozen
    assert payment_chain.app.query("assets", "asset", {"symbol": "USD"}).asset.global_freeze
    ok(payment_chain.run(FreezeAsset(ISSUER.address, "USD", False), ISSUER))
    ok(payment_chain.run(pay(1), ALICE))


def test_pause_checked_before_global_freeze(payment_chain: Chain) -> None:
    ok(payment_chain.run(FreezeAsset(ISSUER.address, "USD", True), ISSUER))
    ok(payment_chain.run(Pause(ISSUER.address, "USD", True), ISSUER))
    assert_failed(payment_chain.run(pay(1), ALICE), AssetsCode.PAUSED)


@pytest.mark.parametrize(
    ("signer", "symbol", "frozen", "code"),
    [
        (ISSUER, "NOPE", True, AssetsCode.ASSET_NOT_FOUND),
        (ALICE, "USD", True, AssetsCode.NOT_AUTHORITY),
        (ISSUER, "USD", False, AssetsCode.UNCHANGED),
    ],
)
def test_invalid_freeze_asset(
    payment_chain: Chain, signer: Party, symbol: str, frozen: bool, code: AssetsCode
) -> None:
    assert_failed(payment_chain.run(FreezeAsset(signer.address, symbol, frozen), signer), code)


def test_invalid_freeze_asset_not_freezable(controls_chain: Chain) -> None:
    ok(controls_chain.run(issue("BTC", "reserve", jurisdiction="US"), ISSUER))
    outcome = controls_chain.run(FreezeAsset(REGULATOR.address, "BTC", True), REGULATOR)
    assert_failed(outcome, AssetsCode.NOT_FREEZABLE)


# -- clawback -----------------------------------------------------------------------------


def test_clawback_destroys_units(payment_chain: Chain) -> None:
    clawback = Clawback(ISSUER.address, "USD", BOB.address, Amount(500))
    outcome = ok(payment_chain.run(clawback, ISSUER))
    assert outcome.events == [ClawedBack("USD", BOB.address, Amount(500), Amount(1_000))]
    assert payment_chain.supply("USD") == 1_000
    assert line_of(payment_chain, BOB, "USD") is None
    assert asset_of(payment_chain, "USD").holders == 1


def test_clawback_reaches_frozen_units_not_held(payment_chain: Chain) -> None:
    ok(payment_chain.run(hold(payment_chain, 300), ALICE))
    ok(payment_chain.run(freeze(ALICE, amount_frozen=700), ISSUER))
    too_much = Clawback(ISSUER.address, "USD", ALICE.address, Amount(701))
    assert_failed(payment_chain.run(too_much, ISSUER), AssetsCode.INSUFFICIENT_AVAILABLE)
    ok(payment_chain.run(Clawback(ISSUER.address, "USD", ALICE.address, Amount(200)), ISSUER))
    line = line_of(payment_chain, ALICE, "USD")
    assert line == Balance(Amount(800), Amount(300), Amount(500), frozen=True)


@pytest.mark.parametrize(
    ("signer", "symbol", "amount", "code"),
    [
        (ISSUER, "NOPE", 1, AssetsCode.ASSET_NOT_FOUND),
        (AGENT, "USD", 1, AssetsCode.NOT_ISSUER),
        (ISSUER, "USD", 1_001, AssetsCode.INSUFFICIENT_BALANCE),
        (ISSUER, "USD", 0, AssetsCode.AMOUNT_ZERO),
    ],
)
def test_invalid_clawback(
    payment_chain: Chain, signer: Party, symbol: str, amount: int, code: AssetsCode
) -> None:
    message = Clawback(signer.address, symbol, ALICE.address, Amount(amount))
    assert_failed(payment_chain.run(message, signer), code)


def test_invalid_clawback_disabled(utility_chain: Chain) -> None:
    message = Clawback(ISSUER.address, "PTS", ALICE.address, Amount(1))
    assert_failed(utility_chain.run(message, ISSUER), AssetsCode.CLAWBACK_DISABLED)


# -- forced transfer ----------------------------------------------------------------------


def force(
    amount: int, sender: Party = ALICE, recipient: Party = BOB, *, agent: Party = AGENT
) -> ForceTransfer:
    return ForceTransfer(agent.address, "FUND", sender.address, recipient.address, Amount(amount))


def test_force_transfer_ignores_pause_and_sender_freeze(security_chain: Chain) -> None:
    ok(security_chain.run(Pause(ISSUER.address, "FUND", True), ISSUER))
    ok(security_chain.run(freeze(ALICE, amount_frozen=900, symbol="FUND"), ISSUER))
    outcome = ok(security_chain.run(force(950), AGENT))
    assert outcome.events[-1:] == [
        ForcedTransfer("FUND", AGENT.address, ALICE.address, BOB.address, Amount(950))
    ]
    # The partial freeze shrank to what is left.
    assert line_of(security_chain, ALICE, "FUND") == Balance(
        Amount(50), amount_frozen=Amount(50), frozen=True, authorized=True
    )


def test_force_transfer_from_unauthorized_sender(security_chain: Chain) -> None:
    ok(security_chain.run(Authorize(ISSUER.address, "FUND", ALICE.address, False), ISSUER))
    ok(security_chain.run(force(10), AGENT))
    assert security_chain.balance(BOB, "FUND") == 10


@pytest.mark.parametrize(
    ("message", "signer", "code"),
    [
        (force(1, ALICE, ALICE), AGENT, AssetsCode.SELF_TRANSFER),
        (force(0), AGENT, AssetsCode.AMOUNT_ZERO),
        (force(1, agent=ISSUER), ISSUER, AssetsCode.NOT_AGENT),
        (force(1, ALICE, CAROL), AGENT, AssetsCode.NOT_AUTHORIZED),
        (force(1_001), AGENT, AssetsCode.INSUFFICIENT_BALANCE),
    ],
)
def test_invalid_force_transfer(
    security_chain: Chain, message: ForceTransfer, signer: Party, code: AssetsCode
) -> None:
    assert_failed(security_chain.run(message, signer), code)


def test_invalid_force_transfer_recipient_deep_frozen(security_chain: Chain) -> None:
    ok(security_chain.run(freeze(BOB, deep=True, symbol="FUND"), ISSUER))
    assert_failed(security_chain.run(force(1), AGENT), AssetsCode.RECIPIENT_FROZEN)


def test_invalid_force_transfer_held_units(security_chain: Chain) -> None:
    ok(security_chain.run(hold(security_chain, 900, symbol="FUND"), ALICE))
    assert_failed(security_chain.run(force(101), AGENT), AssetsCode.INSUFFICIENT_AVAILABLE)
    ok(security_chain.run(force(100), AGENT))


def test_invalid_force_transfer_disabled_and_unknown(utility_chain: Chain) -> None:
    message = ForceTransfer(ISSUER.address, "PTS", ALICE.address, BOB.address, Amount(1))
    assert_failed(utility_chain.run(message, ISSUER), AssetsCode.CLAWBACK_DISABLED)
    unknown = ForceTransfer(ISSUER.address, "NOPE", ALICE.address, BOB.address, Amount(1))
    assert_failed(utility_chain.run(unknown, ISSUER), AssetsCode.ASSET_NOT_FOUND)


# -- recovery -----------------------------------------------------------------------------


def recover(lost: Party = ALICE, new: Party = BOB, *, agent: Party = AGENT) -> Recover:
    return Recover(agent.address, "FUND", lost.address, new.address)


def test_recover_moves_everything_and_deep_freezes_the_lost(security_chain: Chain) -> None:
    ok(security_chain.run(freeze(ALICE, amount_frozen=300, symbol="FUND"), ISSUER))
    outcome = ok(security_chain.run(recover(), AGENT))
    assert outcome.events[-1:] == [
        Recovered("FUND", AGENT.address, ALICE.address, BOB.address, Amount(1_000))
    ]
    assert line_of(security_chain, ALICE, "FUND") == Balance(Amount(0), frozen=True, deep=True)
    # The new account inherits the freeze: a recovery never lifts one.
    assert line_of(security_chain, BOB, "FUND") == Balance(
        Amount(1_000), amount_frozen=Amount(300), frozen=True, authorized=True
    )
    assert asset_of(security_chain, "FUND").holders == 1
    answer = balance_answer(security_chain, ALICE, "FUND")
    assert (answer.deep, answer.authorized) == (True, False)


def test_recover_empty_account_still_freezes_it(security_chain: Chain) -> None:
    ok(security_chain.run(Authorize(ISSUER.address, "FUND", CAROL.address, True), ISSUER))
    ok(security_chain.run(recover(CAROL, BOB), AGENT))
    assert line_of(security_chain, CAROL, "FUND") == Balance(Amount(0), frozen=True, deep=True)


@pytest.mark.parametrize(
    ("message", "signer", "code"),
    [
        (recover(ALICE, ALICE), AGENT, AssetsCode.SELF_TRANSFER),
        (recover(agent=ISSUER), ISSUER, AssetsCode.NOT_AGENT),
        (recover(ALICE, CAROL), AGENT, AssetsCode.NOT_AUTHORIZED),
    ],
)
def test_invalid_recover(
    security_chain: Chain, message: Recover, signer: Party, code: AssetsCode
) -> None:
    assert_failed(security_chain.run(message, signer), code)


def test_invalid_recover_holds_open(security_chain: Chain) -> None:
    ok(security_chain.run(hold(security_chain, 1, symbol="FUND"), ALICE))
    assert_failed(security_chain.run(recover(), AGENT), AssetsCode.HOLDS_OPEN)


def test_invalid_recover_new_account_deep_frozen(security_chain: Chain) -> None:
    ok(security_chain.run(freeze(BOB, deep=True, symbol="FUND"), ISSUER))
    assert_failed(security_chain.run(recover(), AGENT), AssetsCode.RECIPIENT_FROZEN)


def test_invalid_recover_disabled_and_unknown(utility_chain: Chain) -> None:
    message = Recover(ISSUER.address, "PTS", ALICE.address, CAROL.address)
    assert_failed(utility_chain.run(message, ISSUER), AssetsCode.CLAWBACK_DISABLED)
    unknown = Recover(ISSUER.address, "NOPE", ALICE.address, CAROL.address)
    assert_failed(utility_chain.run(unknown, ISSUER), AssetsCode.ASSET_NOT_FOUND)


# -- every control on the answers ---------------------------------------------------------


def test_balances_show_lines_with_controls(payment_chain: Chain) -> None:
    ok(payment_chain.run(hold(payment_chain, 100), ALICE))
    ok(payment_chain.run(freeze(ALICE, amount_frozen=50), ISSUER))
    [line] = payment_chain.app.query("assets", "balances", {"account": str(ALICE.address)})
    assert (line.amount, line.held, line.amount_frozen, line.available) == (1_000, 100, 50, 850)
    assert (line.frozen, line.deep, line.authorized) == (True, False, False)
