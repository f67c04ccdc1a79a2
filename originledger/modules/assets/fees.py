"""Transaction fees (optional; see the README's "Fees"): the schedule genesis sets, what a
transaction owes, whether its payer can pay, and the charge.

The kernel (``app.py``) calls these; no message does. A chain without ``fees`` in the
assets genesis section has neither state key, and the kernel never calls the charge.

- Who pays: the transaction's first signer.
- How much: ``per_tx + per_message * len(messages)`` minor units of the fee asset
  (genesis bounds both so that no transaction's fee can overflow).
- From what: the payer's available balance in the fee asset (amount less held and
  partially frozen units); a line frozen (or deep frozen) in the fee asset cannot pay.
  The asset's pause and global freeze do not stop fees: a paused fee asset must not stop
  the chain, including the transaction that unpauses it.
- To whom: ``FEE_COLLECTOR``, a module account that no message may name. The total ever
  paid is recorded beside the schedule, and the collector's balance must equal it.
- The charge is not a movement (monitoring watches transfers, not fees) and emits no
  event: a transaction's fee follows from the schedule, its messages and its result.
"""

from __future__ import annotations

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount, add, compare_units, format_units
from originledger.core.codec import decode, encode
from originledger.core.codes import TxCode
from originledger.core.context import BlockState, StateGetter, StateView
from originledger.core.limits import AMOUNT_MAX, MESSAGES_PER_TX_MAX
from originledger.core.tx import Failure
from originledger.modules.assets.keys import (
    FEE_COLLECTOR,
    FEE_SCHEDULE_KEY,
    FEES_COLLECTED_KEY,
    asset_key,
    balance_key,
)
from originledger.modules.assets.types import AssetRecord, Balance, FeeSchedule

__all__ = [
    "FEE_COLLECTOR",
    "charge_fee",
    "fee_for",
    "fee_refusal",
    "fee_schedule",
    "fees_collected",
    "genesis_fees",
]

_replace = msgspec.structs.replace


def fee_schedule(state: StateGetter) -> FeeSchedule | None:
    """The chain's fee schedule; ``None`` when it charges no fees."""
    raw = state.get(FEE_SCHEDULE_KEY)
    return None if raw is None else decode(raw, FeeSchedule)


def fees_collected(state: StateGetter) -> Amount:
    raw = state.get(FEES_COLLECTED_KEY)
    return Amount(0) if raw is None else decode(raw, Amount)


def fee_for(schedule: FeeSchedule, messages: int) -> int:
    """What a transaction of ``messages`` messages owes (below 2^128: genesis checks)."""
    return schedule.per_tx + schedule.per_message * messages


def genesis_fees(state: BlockState, schedule: FeeSchedule) -> None:
    """Write the schedule genesis sets, after the genesis assets exist."""
    if state.get(asset_key(schedule.symbol)) is None:
        raise ValueError(f"genesis: fees are in {schedule.symbol!r}, which is no genesis asset")
    if fee_for(schedule, 1) == 0:
        raise ValueError("genesis: a fee schedule that charges nothing (leave `fees` out)")
    if fee_for(schedule, MESSAGES_PER_TX_MAX) > AMOUNT_MAX:
        raise ValueError("genesis: the fee of the largest transaction exceeds the amount range")
    state.set(FEE_SCHEDULE_KEY, encode(schedule))
    state.set(FEES_COLLECTED_KEY, encode(Amount(0)))


def _load_line(state: StateGetter, account: Address, symbol: str) -> Balance | None:
    raw = state.get(balance_key(account, symbol))
    return None if raw is None else decode(raw, Balance)


def _refusal(state: StateGetter, symbol: str, line: Balance | None, fee: int) -> str | None:
    """Why ``line`` cannot pay ``fee`` (amounts in the fee asset's units), or ``None``."""
    if line is not None and (line.frozen or line.deep):
        return "the payer is frozen in the fee asset"
    if line is not None and line.available >= fee:
        return None
    raw_asset = state.get(asset_key(symbol))
    decimals = 0 if raw_asset is None else decode(raw_asset, AssetRecord).decimals
    if line is None:
        return f"no balance; the fee is {format_units(fee, decimals)} {symbol}"
    return "available " + compare_units(line.available, "< fee", fee, decimals, symbol)


def fee_refusal(
    state: StateGetter, schedule: FeeSchedule, payer: Address, messages: int
) -> str | None:
    """Why ``payer`` cannot pay the fee of a transaction of ``messages`` messages (None
    when it can): the admission check, over committed state."""
    symbol = schedule.symbol
    return _refusal(state, symbol, _load_line(state, payer, symbol), fee_for(schedule, messages))


def charge_fee(
    state: StateView, schedule: FeeSchedule, payer: Address, messages: int
) -> Failure | None:
    """Move the fee from ``payer`` to the collector and record it; or, when the payer
    cannot pay (or, defensively, a counter would overflow), write nothing and return
    ``FEE_UNPAID``."""
    symbol = schedule.symbol
    fee = fee_for(schedule, messages)
    line = _load_line(state, payer, symbol)
    refusal = _refusal(state, symbol, line, fee)
    if refusal is not None or line is None:
        return Failure(TxCode.FEE_UNPAID, refusal or "")
    raw_asset = state.get(asset_key(symbol))
    if raw_asset is None:  # assets are never deleted; genesis checked this one exists
        return Failure(TxCode.FEE_UNPAID, f"no asset {symbol}")
    collector = _load_line(state, FEE_COLLECTOR, symbol)
    credited = add(0 if collector is None else collector.amount, fee)
    collected = add(fees_collected(state), fee)
    if credited is None or collected is None:
        return Failure(TxCode.FEE_UNPAID, "the fee collector's balance would overflow")
    payer_after = _replace(line, amount=Amount(line.amount - fee))
    collector_after = (
        Balance(credited) if collector is None else _replace(collector, amount=credited)
    )
    for account, after in ((payer, payer_after), (FEE_COLLECTOR, collector_after)):
        key = balance_key(account, symbol)
        if after.empty:
            state.delete(key)
        else:
            state.set(key, encode(after))
    # The payer held units (it could pay); the collector may hold its first ones.
    holders = int(collector is None or collector.amount == 0) - int(payer_after.amount == 0)
    if holders:
        asset = decode(raw_asset, AssetRecord)
        state.set(asset_key(symbol), encode(_replace(asset, holders=asset.holders + holders)))
    state.set(FEES_COLLECTED_KEY, encode(collected))
    return None
