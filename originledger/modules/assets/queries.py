"""Read-only queries of the assets module: every control shows on the asset and the line."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codec import decode
from originledger.core.context import StateReader
from originledger.core.limits import PAGE_ITEMS_MAX
from originledger.core.module import InvariantBroken, QueryError
from originledger.core.numbers import parse_decimal
from originledger.core.query_params import parse_address
from originledger.modules.assets.fees import FEE_COLLECTOR, fee_schedule, fees_collected
from originledger.modules.assets.keys import (
    ASSET_PREFIX,
    balance_prefix,
    hold_account_prefix,
    split_balance_key,
)
from originledger.modules.assets.logic import agent_of, load_asset, load_hold, load_line
from originledger.modules.assets.types import (
    HOLD_ID_BYTES,
    AssetRecord,
    Balance,
    FeeSchedule,
    Hold,
)

__all__ = [
    "AccountBalance",
    "AssetBalance",
    "AssetView",
    "FeesView",
    "HoldView",
    "HoldsPage",
    "query_asset",
    "query_assets",
    "query_balance",
    "query_balances",
    "query_fees",
    "query_hold",
    "query_holds",
]


class AccountBalance(msgspec.Struct, frozen=True):
    """One account's line in one asset with every control on it."""

    account: Address
    symbol: str
    amount: Amount
    held: Amount
    amount_frozen: Amount
    available: Amount  # amount - held - amount_frozen
    frozen: bool  # cannot send
    deep: bool  # cannot send or receive
    authorized: bool  # what the issuer granted (relevant when the asset requires it)


class AssetBalance(AccountBalance, frozen=True):
    """The answer of ``balance``: the line and the controls of its asset. (``balances``
    lists lines only: it reads nothing outside the account's lines, so that its proofs
    stay within them.)"""

    asset_paused: bool
    asset_frozen: bool  # the asset's global freeze
    speculative: bool


class AssetView(msgspec.Struct, frozen=True):
    """An asset as the API shows it: the record (policy, controls, supply, reserves,
    holder count) and, for convenience, the effective agent and the speculative flag."""

    asset: AssetRecord
    speculative: bool
    agent: Address


class HoldView(msgspec.Struct, frozen=True):
    hold_id: str  # hex
    payer: Address
    payee: Address
    symbol: str
    amount: Amount
    expires_at_ms: int
    created_height: int


class HoldsPage(msgspec.Struct, frozen=True):
    """An account's open holds (as payer or payee) in id order; ``next`` is the ``after``
    parameter of the next page, or ``None`` at the end."""

    holds: list[HoldView]
    next: str | None


def _symbol(params: Mapping[str, str]) -> str:
    symbol = params.get("symbol", "")
    if not symbol:
        raise QueryError("parameter 'symbol' is required")
    return symbol


def _hold_id(text: str, name: str) -> bytes:
    try:
        hold_id = bytes.fromhex(text)
    except ValueError:
        raise QueryError(f"parameter {name!r} is a hold id in hex") from None
    if len(hold_id) != HOLD_ID_BYTES:
        raise QueryError(f"parameter {name!r} is a hold id of {HOLD_ID_BYTES} bytes")
    return hold_id


def _view(asset: AssetRecord) -> AssetView:
    return AssetView(asset, asset.speculative, agent_of(asset))


def _line_view(account: Address, symbol: str, line: Balance) -> AccountBalance:
    return AccountBalance(
        account,
        symbol,
        line.amount,
        line.held,
        line.amount_frozen,
        Amount(line.available),
        line.frozen,
        line.deep,
        line.authorized,
    )


def _hold_view(hold_id: bytes, hold: Hold) -> HoldView:
    return HoldView(
        hold_id.hex(),
        hold.payer,
        hold.payee,
        hold.symbol,
        hold.amount,
        hold.expires_at_ms,
        hold.created_height,
    )


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


def query_balance(state: StateReader, params: Mapping[str, str]) -> AssetBalance:
    account = parse_address(params, "account")
    symbol = _symbol(params)
    asset = load_asset(state, symbol)
    if asset is None:
        raise QueryError(f"asset {symbol!r} not found", not_found=True)
    line = load_line(state, account, symbol) or Balance(Amount(0))
    return AssetBalance(
        account,
        symbol,
        line.amount,
        line.held,
        line.amount_frozen,
        Amount(line.available),
        line.frozen,
        line.deep,
        line.authorized,
        asset.paused,
        asset.global_freeze,
        asset.speculative,
    )


def query_balances(state: StateReader, params: Mapping[str, str]) -> list[AccountBalance]:
    """Every line of the account (one page), including lines that hold no units but carry
    an authorization or a freeze."""
    account = parse_address(params, "account")
    balances = []
    for key, raw in state.scan(balance_prefix(account)):
        _, symbol = split_balance_key(key)
        balances.append(_line_view(account, symbol, decode(raw, Balance)))
        if len(balances) >= PAGE_ITEMS_MAX:
            break
    return balances


def query_hold(state: StateReader, params: Mapping[str, str]) -> HoldView:
    hold_id = _hold_id(params.get("id", ""), "id")
    found = load_hold(state, hold_id)
    if found is None:
        raise QueryError(f"no open hold {hold_id.hex()}", not_found=True)
    return _hold_view(hold_id, found)


def query_holds(state: StateReader, params: Mapping[str, str]) -> HoldsPage:
    """``holds?account=&after=&limit=``: the account's open holds, ``limit`` (default and
    maximum ``PAGE_ITEMS_MAX``) at a time, after the hold id ``after`` (hex)."""
    account = parse_address(params, "account")
    after = _hold_id(params["after"], "after") if params.get("after") else b""
    limit = parse_decimal(params.get("limit") or str(PAGE_ITEMS_MAX), 1, PAGE_ITEMS_MAX)
    if limit is None:
        raise QueryError(f"parameter 'limit' is a whole number from 1 to {PAGE_ITEMS_MAX}")
    prefix = hold_account_prefix(account)
    holds: list[HoldView] = []
    more = False
    for key, _ in state.scan(prefix):
        hold_id = key[len(prefix) :]
        if hold_id <= after:
            continue
        if len(holds) == limit:
            more = True
            break
        found = load_hold(state, hold_id)
        if found is None:
            raise InvariantBroken(f"invariant broken: index entry without hold {hold_id.hex()}")
        holds.append(_hold_view(hold_id, found))
    return HoldsPage(holds, holds[-1].hold_id if more else None)


class FeesView(msgspec.Struct, frozen=True):
    """The answer of ``fees``: the chain's schedule (None: no fees), the collector and the
    total paid."""

    schedule: FeeSchedule | None
    collector: Address
    collected: Amount


def query_fees(state: StateReader, params: Mapping[str, str]) -> FeesView:
    """``fees``: what a transaction costs here (``per_tx + per_message * messages`` of
    ``schedule.symbol``, paid by its first signer), or ``schedule: null`` on a chain
    without fees."""
    return FeesView(fee_schedule(state), FEE_COLLECTOR, fees_collected(state))
