"""The assets module's `peg` and `jurisdiction` fields, which the compliance module's
policy packs read: stateless checks, and what the record keeps."""

from __future__ import annotations

from typing import Any

import pytest

from originledger.modules.assets import AssetsCode
from tests.conftest import ISSUER, Chain, assert_failed
from tests.modules.assets_helpers import asset_of, issue, ok


def test_issue_peg_and_jurisdiction_recorded(controls_chain: Chain) -> None:
    ok(controls_chain.run(issue("HKDC", "payment", peg="HKD", jurisdiction="HK"), ISSUER))
    asset = asset_of(controls_chain, "HKDC")
    assert (asset.peg, asset.jurisdiction) == ("HKD", "HK")


def test_issue_without_peg_or_jurisdiction(controls_chain: Chain) -> None:
    ok(controls_chain.run(issue("PTS", "utility"), ISSUER))
    asset = asset_of(controls_chain, "PTS")
    assert (asset.peg, asset.jurisdiction) == (None, None)


def test_issue_jurisdiction_on_any_class(controls_chain: Chain) -> None:
    ok(controls_chain.run(issue("FUND", "security", jurisdiction="HK"), ISSUER))
    assert asset_of(controls_chain, "FUND").jurisdiction == "HK"


@pytest.mark.parametrize(
    ("asset_class", "policy"),
    [
        ("utility", {"peg": "USD"}),
        ("security", {"peg": "USD"}),
        ("payment", {"peg": "usd"}),
        ("payment", {"peg": "US"}),
        ("payment", {"peg": "USDX"}),
        ("payment", {"jurisdiction": "hk"}),
        ("payment", {"jurisdiction": "HKG"}),
        ("payment", {"jurisdiction": "US-NY"}),
    ],
)
def test_invalid_issue_peg_or_jurisdiction(
    controls_chain: Chain, asset_class: str, policy: dict[str, Any]
) -> None:
    outcome = controls_chain.run(issue("TOK", asset_class, **policy), ISSUER)
    assert_failed(outcome, AssetsCode.INVALID_POLICY_FIELD)


def test_genesis_asset_with_peg_and_jurisdiction() -> None:
    from tests.modules.assets_helpers import controls_genesis

    genesis = controls_genesis(
        assets=[
            {
                "symbol": "CNYX",
                "name": "Yuan coin",
                "decimals": 2,
                "asset_class": "payment",
                "issuer": str(ISSUER.address),
                "max_supply": "1000",
                "peg": "CNY",
                "jurisdiction": "CN",
            }
        ]
    )
    chain = Chain(genesis)
    asset = asset_of(chain, "CNYX")
    assert (asset.peg, asset.jurisdiction) == ("CNY", "CN")
    chain.store.close()
