"""An issuer whose issuer role an admin revokes keeps no power over the assets it issued.

Before the fix the role was checked only at ``assets/issue``: a revoked issuer of a
payment asset could still mint, pause, freeze, authorize, claw back and choose the KYC
providers its holders are checked against. Now every issuer power over an asset of a
class that needs the role checks it (burning its own units, to redeem, stays open)."""

from __future__ import annotations

import pytest

from originledger.core.amounts import Amount
from originledger.core.tx import Msg
from originledger.modules.accounts.types import GrantRole, RevokeRole
from originledger.modules.assets import AssetsCode
from originledger.modules.assets.types import (
    Authorize,
    Burn,
    Clawback,
    Freeze,
    FreezeAsset,
    Mint,
    Pause,
)
from originledger.modules.attest.codes import AttestCode
from originledger.modules.attest.types import SetTrusted
from tests.conftest import ADMIN, ALICE, ISSUER, Chain, assert_failed
from tests.modules.assets_helpers import ok

POWERS: list[Msg] = [
    Mint(ISSUER.address, "USD", ALICE.address, Amount(1)),
    Pause(ISSUER.address, "USD", True),
    Freeze(ISSUER.address, "USD", ALICE.address, True),
    FreezeAsset(ISSUER.address, "USD", True),
    Authorize(ISSUER.address, "USD", ALICE.address, True),
    Clawback(ISSUER.address, "USD", ALICE.address, Amount(1)),
]


def _revoke(chain: Chain) -> None:
    ok(chain.run(RevokeRole(ADMIN.address, ISSUER.address, "issuer"), ADMIN))


@pytest.mark.parametrize("message", POWERS, ids=lambda m: type(m).__name__)
def test_regression_revoked_issuer_keeps_no_power_over_its_assets(
    payment_chain: Chain, message: Msg
) -> None:
    _revoke(payment_chain)
    assert_failed(payment_chain.run(message, ISSUER), AssetsCode.ISSUER_ROLE_REVOKED)


def test_regression_revoked_issuer_cannot_choose_trusted_attesters(payment_chain: Chain) -> None:
    _revoke(payment_chain)
    message = SetTrusted(ISSUER.address, "asset:USD", "kyc_level", ALICE.address, True)
    assert_failed(payment_chain.run(message, ISSUER), AttestCode.ISSUER_ROLE_REVOKED)


def test_revoked_issuer_may_still_burn_its_own_units_and_regains_powers_with_the_role(
    payment_chain: Chain,
) -> None:
    ok(payment_chain.run(Mint(ISSUER.address, "USD", ISSUER.address, Amount(10)), ISSUER))
    _revoke(payment_chain)
    ok(payment_chain.run(Burn(ISSUER.address, "USD", Amount(10)), ISSUER))
    ok(payment_chain.run(GrantRole(ADMIN.address, ISSUER.address, "issuer"), ADMIN))
    ok(payment_chain.run(Mint(ISSUER.address, "USD", ALICE.address, Amount(1)), ISSUER))


def test_issuer_of_a_class_without_the_role_keeps_its_powers(utility_chain: Chain) -> None:
    # Anyone may issue a utility asset: revoking a role it never needed changes nothing.
    _revoke(utility_chain)
    ok(utility_chain.run(Mint(ISSUER.address, "PTS", ALICE.address, Amount(1)), ISSUER))
