"""Cheap invariants of the assets module, checked by the node on every block (and, to name
the culprit after a breach, on each transaction): see ``Module.block_invariants``. Each
reads only the keys a block (or transaction) wrote, and their values before it.

- ``supply_moves_with_balances``: per asset, the sum of the changes of its balance lines
  equals the change of its supply (units are neither created nor destroyed except by
  minting and burning, which change both); a line in an asset without a record changes
  the sum and breaks it too.
"""

from __future__ import annotations

from collections.abc import Mapping

from originledger.core.address import ADDRESS_BYTES
from originledger.core.codec import decode
from originledger.core.context import StateGetter
from originledger.modules.assets.keys import ASSET_PREFIX, BALANCE_PREFIX
from originledger.modules.assets.types import AssetRecord, Balance

__all__ = ["supply_moves_with_balances"]

_SYMBOL_AT = len(BALANCE_PREFIX) + ADDRESS_BYTES
# A balance line is a msgpack map whose first entry is ``amount``: 16 bytes (bin 8). The
# amount is read from there without decoding the line (the transfer path writes two lines
# a transaction); any other shape is decoded in full.
_AMOUNT_ENTRY = b"\xa6amount\xc4\x10"
_AMOUNT_AT = 1 + len(_AMOUNT_ENTRY)


def _line_amount(raw: bytes | None) -> int:
    if raw is None:
        return 0
    if raw[1:_AMOUNT_AT] == _AMOUNT_ENTRY and 0x81 <= raw[0] <= 0x8F:
        return _from_bytes(raw[_AMOUNT_AT : _AMOUNT_AT + 16], "big")
    return int(decode(raw, Balance).amount)


_from_bytes = int.from_bytes


def _supply(raw: bytes | None) -> int:
    return 0 if raw is None else int(decode(raw, AssetRecord).supply)


def supply_moves_with_balances(
    before: StateGetter, writes: Mapping[bytes, bytes | None]
) -> str | None:
    moved: dict[bytes, int] = {}
    read = before.get
    amount = _line_amount
    for key, value in writes.items():
        if key.startswith(BALANCE_PREFIX):
            symbol = key[_SYMBOL_AT:]
            moved[symbol] = moved.get(symbol, 0) + amount(value) - amount(read(key))
        elif key.startswith(ASSET_PREFIX):
            moved.setdefault(key[len(ASSET_PREFIX) :], 0)
    for symbol, change in moved.items():
        key = ASSET_PREFIX + symbol
        supplied = _supply(writes[key]) - _supply(before.get(key)) if key in writes else 0
        if change != supplied:
            return (
                f"{symbol.decode(errors='replace')}: balances changed by {change}, "
                f"supply by {supplied}"
            )
    return None
