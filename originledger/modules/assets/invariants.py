"""Invariants of the assets module, checked after every block in the tests (and by the
node's replay). Each reads the whole module state; each returns the first breach found.

- ``supply_equals_sum_of_balances``: supply = sum of balances <= max supply, per asset; no
  line in an unknown asset.
- ``balance_lines_are_well_formed``: every line decodes, is not empty, and a deep freeze is
  also a freeze.
- ``available_is_never_negative``: held + frozen amount <= balance, on every line.
- ``held_equals_open_holds``: per line, held = the sum of the open holds it pays; every hold
  is positive, between two different accounts, in a known asset, with its expiry and
  account index entries, and no index entry lacks its hold; the expiry cursor counts the
  open holds and no hold expires in a bucket behind it.
- ``holder_counts_match``: an asset's holder count = its lines with a positive balance.
- ``fee_collector_matches_fees``: the fee collector holds the total of fees ever paid, in
  the fee asset only, with nothing held or frozen; a chain without fees has no fee state
  and the collector holds nothing.
"""

from __future__ import annotations

from originledger.core.codec import CodecError, decode
from originledger.core.context import StateReader
from originledger.modules.assets.fees import fee_schedule, fees_collected
from originledger.modules.assets.keys import (
    ASSET_PREFIX,
    BALANCE_PREFIX,
    EXPIRY_CURSOR_KEY,
    FEE_COLLECTOR,
    FEES_COLLECTED_KEY,
    HOLD_ACCOUNT_PREFIX,
    HOLD_EXPIRY_PREFIX,
    HOLD_PREFIX,
    balance_prefix,
    hold_account_key,
    hold_expiry_key,
    split_balance_key,
)
from originledger.modules.assets.types import (
    HOLD_EXPIRY_BUCKET_BITS,
    AssetRecord,
    Balance,
    ExpiryCursor,
    Hold,
)

__all__ = [
    "available_is_never_negative",
    "balance_lines_are_well_formed",
    "fee_collector_matches_fees",
    "held_equals_open_holds",
    "holder_counts_match",
    "supply_equals_sum_of_balances",
]


def _assets(state: StateReader) -> dict[str, AssetRecord]:
    return {
        record.symbol: record
        for record in (decode(raw, AssetRecord) for _, raw in state.scan(ASSET_PREFIX))
    }


def supply_equals_sum_of_balances(state: StateReader) -> str | None:
    sums: dict[str, int] = {}
    for key, raw in state.scan(BALANCE_PREFIX):
        _, symbol = split_balance_key(key)
        sums[symbol] = sums.get(symbol, 0) + decode(raw, Balance).amount
    for asset in _assets(state).values():
        total = sums.pop(asset.symbol, 0)
        if total != asset.supply:
            return f"{asset.symbol}: supply {asset.supply} != sum of balances {total}"
        if asset.supply > asset.max_supply:
            return f"{asset.symbol}: supply {asset.supply} > max supply {asset.max_supply}"
    if sums:
        return f"balances in unknown assets: {sorted(sums)}"
    return None


def balance_lines_are_well_formed(state: StateReader) -> str | None:
    for key, raw in state.scan(BALANCE_PREFIX):
        try:
            line = decode(raw, Balance)  # a negative or oversized amount cannot decode
        except CodecError as error:
            return f"balance {key.hex()} does not decode: {error}"
        if line.empty:
            return f"balance {key.hex()} is empty; empty lines must be deleted"
        if line.deep and not line.frozen:
            return f"balance {key.hex()} is deep-frozen but not frozen"
    return None


def available_is_never_negative(state: StateReader) -> str | None:
    for key, raw in state.scan(BALANCE_PREFIX):
        line = decode(raw, Balance)
        if line.held + line.amount_frozen > line.amount:
            return (
                f"balance {key.hex()}: held {line.held} + frozen {line.amount_frozen} "
                f"> amount {line.amount}"
            )
    return None


def held_equals_open_holds(state: StateReader) -> str | None:
    assets = _assets(state)
    held: dict[tuple[bytes, str], int] = {}
    expected_index: set[bytes] = set()
    buckets: list[int] = []
    for key, raw in state.scan(HOLD_PREFIX):
        hold_id = key[len(HOLD_PREFIX) :]
        hold = decode(raw, Hold)
        if hold.amount <= 0 or hold.payer == hold.payee or hold.symbol not in assets:
            return f"hold {hold_id.hex()} is malformed: {hold}"
        line = (bytes(hold.payer), hold.symbol)
        held[line] = held.get(line, 0) + hold.amount
        expected_index.add(hold_expiry_key(hold.expires_at_ms, hold_id))
        expected_index.add(hold_account_key(hold.payer, hold_id))
        expected_index.add(hold_account_key(hold.payee, hold_id))
        buckets.append(hold.expires_at_ms >> HOLD_EXPIRY_BUCKET_BITS)
    for key, raw in state.scan(BALANCE_PREFIX):
        account, symbol = split_balance_key(key)
        line_held = decode(raw, Balance).held
        if held.pop((bytes(account), symbol), 0) != line_held:
            return f"{account} {symbol}: held {line_held} is not the sum of its open holds"
    if held:
        return f"open holds without a balance line: {sorted(held)}"
    index = {key for key, _ in state.scan(HOLD_EXPIRY_PREFIX)}
    index |= {key for key, _ in state.scan(HOLD_ACCOUNT_PREFIX)}
    if index != expected_index:
        extra = sorted(index - expected_index)[:3]
        missing = sorted(expected_index - index)[:3]
        return f"hold indexes differ from the holds: extra {extra}, missing {missing}"
    raw_cursor = state.get(EXPIRY_CURSOR_KEY)
    cursor = ExpiryCursor(0, 0) if raw_cursor is None else decode(raw_cursor, ExpiryCursor)
    if cursor.open_holds != len(buckets):
        return f"the expiry cursor counts {cursor.open_holds} open holds, state has {len(buckets)}"
    if buckets and min(buckets) < cursor.bucket:
        return f"a hold expires in bucket {min(buckets)}, behind the cursor at {cursor.bucket}"
    return None


def holder_counts_match(state: StateReader) -> str | None:
    counts: dict[str, int] = {}
    for key, raw in state.scan(BALANCE_PREFIX):
        _, symbol = split_balance_key(key)
        if decode(raw, Balance).amount > 0:
            counts[symbol] = counts.get(symbol, 0) + 1
    for asset in _assets(state).values():
        if asset.holders != counts.get(asset.symbol, 0):
            return (
                f"{asset.symbol}: holder count {asset.holders} != "
                f"{counts.get(asset.symbol, 0)} positive balances"
            )
    return None


def fee_collector_matches_fees(state: StateReader) -> str | None:
    schedule = fee_schedule(state)
    lines = {
        split_balance_key(key)[1]: decode(raw, Balance)
        for key, raw in state.scan(balance_prefix(FEE_COLLECTOR))
    }
    if schedule is None:
        if lines or state.get(FEES_COLLECTED_KEY) is not None:
            return "a chain without fees has fee state or a fee collector balance"
        return None
    others = sorted(set(lines) - {schedule.symbol})
    if others:
        return f"the fee collector holds {others}, not the fee asset {schedule.symbol}"
    line = lines.get(schedule.symbol)
    collected = fees_collected(state)
    amount = 0 if line is None else line.amount
    if amount != collected:
        return f"the fee collector holds {amount} {schedule.symbol}; fees paid {collected}"
    if line is not None and (line.held or line.amount_frozen or line.frozen or line.deep):
        return "the fee collector's line is held or frozen"
    return None
