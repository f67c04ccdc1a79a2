"""Read-only queries of the assets module."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codec import decode
from originledger.core.context import StateReader
from originledger.core.limits import PAGE_ITEMS_MAX
from originledger.core.module import QueryError
from originledger.modules.accounts.queries import parse_address
from originledger.modules.assets.keys import ASSET_PREFIX, balance_prefix, split_balance_key
from originledger.modules.assets.logic import balance_of, load_asset
from originledger.modules.assets.types import CLASS_POLICIES, AssetRecord, Balance

__all__ = [
    "AccountBalance",
    "AssetView",
    "query_asset",
    "query_assets",
    "query_balance",
    "query_balances",
]


class AccountBalance(msgspec.Struct, frozen=True):
    account: Address
    symbol: str
    amount: Amount


class AssetView(msgspec.Struct, frozen=True):
    """An asset as the API shows it; ``speculative`` flags entertainment tokens."""

    asset: AssetRecord
    speculative: bool


def _symbol(params: Mapping[str, str]) -> str:
    symbol = params.get("symbol", "")
    if not symbol:
        raise QueryError("parameter 'symbol' is required")
    return symbol


def _view(asset: AssetRecord) -> AssetView:
    policy = CLASS_POLICIES.get(asset.asset_class)
    return AssetView(asset, bool(policy and policy.speculative))


def query_asset(state: StateReader, params: Mapping[str, str]) -> AssetView:
    symbol = _symbol(params)
    asset = load_asset(state, symbol)
    if asset is None:
        raise QueryError(f"asset {symbol!r} not found", not_found=True)
    return _view(asset)


def query_assets(state: StateReader, params: Mapping[str, str]) -> list[AssetView]:
    views = []
    for _, raw in state.scan(ASSET_PREFIX):
        views.append(_view(decode(raw, AssetRecord)))
        if len(views) >= PAGE_ITEMS_MAX:
            break
    return views


def query_balance(state: StateReader, params: Mapping[str, str]) -> AccountBalance:
    account = parse_address(params, "account")
    symbol = _symbol(params)
    if load_asset(state, symbol) is None:
        raise QueryError(f"asset {symbol!r} not found", not_found=True)
    return AccountBalance(account, symbol, balance_of(state, account, symbol))


def query_balances(state: StateReader, params: Mapping[str, str]) -> list[AccountBalance]:
    account = parse_address(params, "account")
    balances = []
    for key, raw in state.scan(balance_prefix(account)):
        _, symbol = split_balance_key(key)
        balances.append(AccountBalance(account, symbol, decode(raw, Balance).amount))
        if len(balances) >= PAGE_ITEMS_MAX:
            break
    return balances
