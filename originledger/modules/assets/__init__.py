"""assets: issue tokens of six classes; mint and burn by the issuer; transfer."""

from __future__ import annotations

from originledger.core.module import Module
from originledger.modules.assets import types
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.genesis import AssetsGenesis, genesis_init
from originledger.modules.assets.invariants import (
    balances_are_positive,
    supply_equals_sum_of_balances,
)
from originledger.modules.assets.logic import (
    balance_of,
    burn,
    issue,
    load_asset,
    mint,
    move,
    transfer,
)
from originledger.modules.assets.queries import (
    query_asset,
    query_assets,
    query_balance,
    query_balances,
)
from originledger.modules.assets.types import AssetClass

__all__ = ["MODULE", "AssetClass", "AssetsCode", "balance_of", "load_asset", "move"]

MODULE = Module(
    name="assets",
    version=1,
    codes=AssetsCode,
    summary="issue tokens of six classes; mint and burn by the issuer; transfer",
    handlers={
        types.Issue: issue,
        types.Mint: mint,
        types.Burn: burn,
        types.Transfer: transfer,
    },
    events=(types.AssetIssued, types.Minted, types.Burned, types.Transferred),
    queries={
        "asset": query_asset,
        "assets": query_assets,
        "balance": query_balance,
        "balances": query_balances,
    },
    invariants={
        "supply_equals_sum_of_balances": supply_equals_sum_of_balances,
        "balances_are_positive": balances_are_positive,
    },
    genesis_type=AssetsGenesis,
    genesis_init=genesis_init,
)
