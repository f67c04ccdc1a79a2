"""Invariants of the assets module: total supply equals the sum of balances; no balance is
negative or zero (zero balances are deleted); every balance belongs to a known asset."""

from __future__ import annotations

from originledger.core.codec import CodecError, decode
from originledger.core.context import StateReader
from originledger.modules.assets.keys import ASSET_PREFIX, BALANCE_PREFIX, split_balance_key
from originledger.modules.assets.types import AssetRecord, Balance

__all__ = ["balances_are_positive", "supply_equals_sum_of_balances"]


def supply_equals_sum_of_balances(state: StateReader) -> str | None:
    sums: dict[str, int] = {}
    for key, raw in state.scan(BALANCE_PREFIX):
        _, symbol = split_balance_key(key)
        sums[symbol] = sums.get(symbol, 0) + decode(raw, Balance).amount
    for _, raw in state.scan(ASSET_PREFIX):
        asset = decode(raw, AssetRecord)
        total = sums.pop(asset.symbol, 0)
        if total != asset.supply:
            return f"{asset.symbol}: supply {asset.supply} != sum of balances {total}"
        if asset.supply > asset.max_supply:
            return f"{asset.symbol}: supply {asset.supply} > max supply {asset.max_supply}"
    if sums:
        return f"balances in unknown assets: {sorted(sums)}"
    return None


def balances_are_positive(state: StateReader) -> str | None:
    for key, raw in state.scan(BALANCE_PREFIX):
        try:
            amount = decode(raw, Balance).amount
        except CodecError as error:  # a negative or oversized amount cannot decode
            return f"balance {key.hex()} does not decode: {error}"
        if amount <= 0:
            return f"balance {key.hex()} is {amount}; zero balances must be deleted"
    return None
