"""Pure handlers of the assets module and the protocol other modules move funds with.

Protocol (granted to other modules in ``app.py``): ``load_asset``, ``balance_of``,
``move`` (transfer between accounts); ``mint_to`` and ``burn_from`` are capabilities that
only ``app.py`` hands out.
"""

from __future__ import annotations

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount, add, subtract
from originledger.core.codec import decode, encode
from originledger.core.context import BlockState, Event, StateGetter, StateView, TxContext
from originledger.core.tx import Failure
from originledger.modules.accounts import Role, has_role
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.keys import asset_key, balance_key
from originledger.modules.assets.types import (
    CLASS_POLICIES,
    AssetIssued,
    AssetRecord,
    AssetsGenesis,
    Balance,
    Burn,
    Burned,
    Issue,
    Mint,
    Minted,
    Transfer,
    Transferred,
)

__all__ = [
    "balance_of",
    "burn",
    "burn_from",
    "genesis_init",
    "issue",
    "load_asset",
    "mint",
    "mint_to",
    "move",
    "transfer",
]

_ZERO = Amount(0)


def load_asset(state: StateGetter, symbol: str) -> AssetRecord | None:
    raw = state.get(asset_key(symbol))
    return None if raw is None else decode(raw, AssetRecord)


def balance_of(state: StateGetter, account: Address, symbol: str) -> Amount:
    raw = state.get(balance_key(account, symbol))
    return _ZERO if raw is None else decode(raw, Balance).amount


def _set_balance(state: StateView, account: Address, symbol: str, amount: Amount) -> None:
    key = balance_key(account, symbol)
    if amount == 0:
        state.delete(key)  # zero balances take no room in state
    else:
        state.set(key, encode(Balance(amount)))


def move(
    state: StateView, symbol: str, sender: Address, recipient: Address, amount: Amount
) -> Failure | None:
    """Move ``amount`` of an existing asset; fails without writing anything."""
    sender_balance = balance_of(state, sender, symbol)
    sender_after = subtract(sender_balance, amount)
    if sender_after is None:
        return Failure(AssetsCode.INSUFFICIENT_BALANCE, f"{sender_balance} < {amount}")
    recipient_after = add(balance_of(state, recipient, symbol), amount)
    if recipient_after is None:
        return Failure(AssetsCode.BALANCE_OVERFLOW)
    _set_balance(state, sender, symbol, sender_after)
    _set_balance(state, recipient, symbol, recipient_after)
    return None


def mint_to(
    state: StateView, asset: AssetRecord, recipient: Address, amount: Amount
) -> tuple[AssetRecord, Failure | None]:
    """Create units: the capability behind ``Mint``. Returns the updated asset record."""
    supply_after = add(asset.supply, amount)
    if supply_after is None or supply_after > asset.max_supply:
        return asset, Failure(
            AssetsCode.MAX_SUPPLY_EXCEEDED, f"supply {asset.supply} + {amount} > {asset.max_supply}"
        )
    recipient_after = add(balance_of(state, recipient, asset.symbol), amount)
    if recipient_after is None:  # unreachable while supply <= 2**128 - 1, kept as a guard
        return asset, Failure(AssetsCode.BALANCE_OVERFLOW)
    updated = _with_supply(asset, supply_after)
    state.set(asset_key(asset.symbol), encode(updated))
    _set_balance(state, recipient, asset.symbol, recipient_after)
    return updated, None


def burn_from(
    state: StateView, asset: AssetRecord, holder: Address, amount: Amount
) -> tuple[AssetRecord, Failure | None]:
    """Destroy units held by ``holder``: the capability behind ``Burn``."""
    balance = balance_of(state, holder, asset.symbol)
    balance_after = subtract(balance, amount)
    if balance_after is None:
        return asset, Failure(AssetsCode.INSUFFICIENT_BALANCE, f"{balance} < {amount}")
    supply_after = subtract(asset.supply, amount)
    if supply_after is None:
        raise RuntimeError(f"invariant broken: supply of {asset.symbol} below a balance")
    updated = _with_supply(asset, supply_after)
    state.set(asset_key(asset.symbol), encode(updated))
    _set_balance(state, holder, asset.symbol, balance_after)
    return updated, None


def _with_supply(asset: AssetRecord, supply: Amount) -> AssetRecord:
    return msgspec.structs.replace(asset, supply=supply)


def _issuer_asset(state: StateGetter, symbol: str, issuer: Address) -> AssetRecord | Failure:
    asset = load_asset(state, symbol)
    if asset is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, symbol)
    if asset.issuer != issuer:
        return Failure(AssetsCode.NOT_ISSUER)
    return asset


# Handlers -------------------------------------------------------------------------------


def issue(ctx: TxContext, message: Issue) -> Failure | None:
    if load_asset(ctx.state, message.symbol) is not None:
        return Failure(AssetsCode.SYMBOL_TAKEN, message.symbol)
    policy = CLASS_POLICIES[message.asset_class]
    if policy.issuer_role_required and not has_role(ctx.state, message.issuer, Role.ISSUER):
        return Failure(AssetsCode.ISSUER_ROLE_REQUIRED, message.asset_class)
    record = AssetRecord(
        symbol=message.symbol,
        name=message.name,
        decimals=message.decimals,
        asset_class=message.asset_class,
        issuer=message.issuer,
        max_supply=message.max_supply,
        supply=_ZERO,
        created_height=ctx.block.height,
    )
    ctx.state.put_record(asset_key(message.symbol), record)
    ctx.emit(
        AssetIssued(
            message.symbol,
            message.issuer,
            message.asset_class,
            message.decimals,
            message.max_supply,
        )
    )
    return None


def mint(ctx: TxContext, message: Mint) -> Failure | None:
    asset = _issuer_asset(ctx.state, message.symbol, message.issuer)
    if isinstance(asset, Failure):
        return asset
    updated, failure = mint_to(ctx.state, asset, message.recipient, message.amount)
    if failure:
        return failure
    ctx.emit(Minted(message.symbol, message.recipient, message.amount, updated.supply))
    return None


def burn(ctx: TxContext, message: Burn) -> Failure | None:
    asset = _issuer_asset(ctx.state, message.symbol, message.issuer)
    if isinstance(asset, Failure):
        return asset
    updated, failure = burn_from(ctx.state, asset, message.issuer, message.amount)
    if failure:
        return failure
    ctx.emit(Burned(message.symbol, message.issuer, message.amount, updated.supply))
    return None


def transfer(ctx: TxContext, message: Transfer) -> Failure | None:
    if ctx.state.get(asset_key(message.symbol)) is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, message.symbol)
    failure = move(ctx.state, message.symbol, message.sender, message.recipient, message.amount)
    if failure:
        return failure
    ctx.emit(Transferred(message.symbol, message.sender, message.recipient, message.amount))
    return None


def genesis_init(state: BlockState, genesis: AssetsGenesis) -> list[Event]:
    events: list[Event] = []
    supplies: dict[str, int] = {}
    for entry in genesis.assets:
        failure = Issue(
            entry.issuer,
            entry.symbol,
            entry.name,
            entry.decimals,
            entry.asset_class,
            entry.max_supply,
        ).validate()
        if failure is not None:
            raise ValueError(f"genesis: asset {entry.symbol!r}: {failure.code.message}")
        if entry.symbol in supplies:
            raise ValueError(f"genesis: asset {entry.symbol!r} listed twice")
        supplies[entry.symbol] = 0
        events.append(
            AssetIssued(
                entry.symbol, entry.issuer, entry.asset_class, entry.decimals, entry.max_supply
            )
        )
    for balance in genesis.balances:
        if balance.symbol not in supplies:
            raise ValueError(f"genesis: balance in unknown asset {balance.symbol!r}")
        key = balance_key(balance.account, balance.symbol)
        if state.get(key) is not None:
            raise ValueError(f"genesis: balance of {balance.account} listed twice")
        if balance.amount:
            state.set(key, encode(Balance(balance.amount)))
        supplies[balance.symbol] += balance.amount
        events.append(
            Minted(
                balance.symbol, balance.account, balance.amount, Amount(supplies[balance.symbol])
            )
        )
    for entry in genesis.assets:
        supply = supplies[entry.symbol]
        if supply > entry.max_supply:
            raise ValueError(f"genesis: balances of {entry.symbol} exceed its max supply")
        state.set(
            asset_key(entry.symbol),
            encode(
                AssetRecord(
                    entry.symbol,
                    entry.name,
                    entry.decimals,
                    entry.asset_class,
                    entry.issuer,
                    entry.max_supply,
                    Amount(supply),
                    0,
                )
            ),
        )
    return events
