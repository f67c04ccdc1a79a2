"""Result messages show amounts in the asset's units with its symbol, never in minor
units beside a formatted amount (#13: "the balance is lower than the amount: 99998750 <
9999999900"). The text is part of the result leaf: integer formatting only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from originledger.core.amounts import Amount, compare_units
from originledger.core.codes import TxCode
from originledger.core.crypto import sha256
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.types import Freeze, Mint, PlaceHold, Transfer
from originledger.modules.payments.codes import PaymentsCode
from originledger.modules.payments.types import Authorize, Capture
from tests.conftest import ALICE, BOB, CAROL, ISSUER, Chain, assert_failed, party
from tests.modules.payments_helpers import payments_chain
from tests.modules.test_fees import fees_genesis

MERCHANT = party("merchant")


@pytest.fixture
def chain() -> Iterator[Chain]:
    yield from payments_chain()


def test_compare_units_is_integer_formatting() -> None:
    assert compare_units(99_998_750, "<", 9_999_999_900, 2, "USDX") == (
        "999987.50 < 99999999.00 USDX"
    )
    assert compare_units(7, ">", 0, 0, "BOND") == "7 > 0 BOND"
    huge = 2**128 - 1
    assert compare_units(huge, "<", huge, 18, "X").startswith("340282366920938463463.")


def test_regression_insufficient_balance_in_asset_units(chain: Chain) -> None:
    outcome = chain.run(Transfer(BOB.address, CAROL.address, "USD", Amount(99_999_99)), BOB)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)
    assert outcome.result.message == ("the balance is lower than the amount: 10.00 < 99999.99 USD")


def test_regression_insufficient_available_in_asset_units(chain: Chain) -> None:
    hold = PlaceHold(BOB.address, CAROL.address, "USD", Amount(600), chain.next_time_ms + 60_000)
    assert chain.run(hold, BOB).result.ok
    outcome = chain.run(Transfer(BOB.address, CAROL.address, "USD", Amount(500)), BOB)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_AVAILABLE)
    assert outcome.result.message.endswith(": 4.00 < 5.00 USD")


def test_regression_max_supply_and_freeze_in_asset_units(chain: Chain) -> None:
    minted = chain.run(Mint(ISSUER.address, "BOND", BOB.address, Amount(2**100)), ISSUER)
    assert_failed(minted, AssetsCode.MAX_SUPPLY_EXCEEDED)
    assert " BOND" in minted.result.message and "supply " in minted.result.message
    frozen = chain.run(
        Freeze(ISSUER.address, "USD", BOB.address, False, amount_frozen=Amount(1_001)), ISSUER
    )
    assert_failed(frozen, AssetsCode.FREEZE_EXCEEDS_BALANCE)
    assert frozen.result.message.endswith(": 10.01 > 10.00 - 0.00 held USD")


def test_regression_capture_beyond_authorized_in_asset_units(chain: Chain) -> None:
    authorize = Authorize(
        ALICE.address, MERCHANT.address, "USD", Amount(1_000), chain.next_time_ms + 60_000,
        "booking-7", sha256(b"auth"),
    )  # fmt: skip
    assert chain.run(authorize, ALICE).result.ok
    outcome = chain.run(Capture(MERCHANT.address, sha256(b"auth"), Amount(1_001)), MERCHANT)
    assert_failed(outcome, PaymentsCode.CAPTURE_EXCEEDS_AUTHORIZED)
    assert outcome.result.message.endswith(": 10.01 > 10.00 USD left")


def test_regression_fee_unpaid_in_asset_units() -> None:
    chain = Chain(fees_genesis({ALICE: 1_000, CAROL: 4}))
    check = chain.check(chain.tx(Transfer(CAROL.address, BOB.address, "USD", Amount(1)), CAROL))
    assert check.result.code == TxCode.FEE_UNPAID
    assert check.result.message.endswith("available 0.04 < fee 0.05 USD")
    nobody = party("nobody")
    check = chain.check(chain.tx(Transfer(nobody.address, BOB.address, "USD", Amount(1)), nobody))
    assert check.result.message.endswith("no balance; the fee is 0.05 USD")
