"""Edges of the assets module that mutation testing found unpinned (issue #11): each test
here kills at least one surviving mutant of ``modules/assets/logic.py`` (see
docs/testing.md, "Scores")."""

from __future__ import annotations

import hashlib

import msgspec

from originledger.core.amounts import Amount
from originledger.core.codec import encode
from originledger.modules.assets import AssetsCode, derive_hold_id
from originledger.modules.assets import logic as assets_logic
from originledger.modules.assets.keys import asset_key
from originledger.modules.assets.types import Transfer
from tests.conftest import BOB, CAROL, Chain, DictStore, assert_failed

# -- reading ------------------------------------------------------------------------------


def test_load_asset_cache_stays_bounded(funded_chain: Chain) -> None:
    record = assets_logic.load_asset(funded_chain.store, "USD")
    assert record is not None
    limit = assets_logic._ASSET_RECORDS_MAX
    assets_logic._ASSET_RECORDS.clear()
    for supply in range(limit + 2):
        changed = msgspec.structs.replace(record, supply=Amount(supply))
        state = DictStore({asset_key("USD"): encode(changed)})
        loaded = assets_logic.load_asset(state, "USD")
        assert loaded is not None and loaded.supply == supply
        assert len(assets_logic._ASSET_RECORDS) <= limit
    assets_logic._ASSET_RECORDS.clear()


# -- moving -------------------------------------------------------------------------------


def test_transfer_without_line_reports_zero_balance(funded_chain: Chain) -> None:
    outcome = funded_chain.run(Transfer(CAROL.address, BOB.address, "USD", Amount(5)), CAROL)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)
    assert outcome.result.message.endswith(": 0 < 5")
    assert funded_chain.balance(BOB, "USD") == 500


# -- holds --------------------------------------------------------------------------------


def test_derive_hold_id_matches_documented_layout() -> None:
    # README: tagged_hash("origin/assets/hold", tx hash || position, 4 bytes big-endian).
    tx_hash = bytes(range(32))
    expected = hashlib.sha256(
        b"origin/assets/hold" + b"\x00" + tx_hash + bytes([0, 0, 1, 2])
    ).digest()
    assert derive_hold_id(tx_hash, 258) == expected
    assert derive_hold_id(tx_hash, 0) != derive_hold_id(tx_hash, 1)
