"""Cheap invariants of the payments module, checked by the node on every block (and, to
name the culprit after a breach, on each transaction): see ``Module.block_invariants``.

- ``module_account_moves_with_locked``: per asset, the payments module account's balance
  changes at least as much as ``payments/locked`` (escrow and channel deposits lock what
  arrives; releases, refunds and payouts unlock what leaves). Units may arrive that no
  record accounts for (someone sending to the module account directly, while that is
  allowed: nobody can move them out), never leave: any payout beyond what a record
  unlocked, or a lock without its units, breaks it.
"""

from __future__ import annotations

from collections.abc import Mapping

from originledger.core.amounts import Amount
from originledger.core.codec import decode
from originledger.core.context import StateGetter
from originledger.modules.payments.expected import assets_keeper
from originledger.modules.payments.keys import LOCKED_PREFIX
from originledger.modules.payments.logic import PAYMENTS_ACCOUNT

__all__ = ["module_account_moves_with_locked"]


class _After:
    """State after ``writes``: what a block invariant compares with ``before``."""

    def __init__(self, before: StateGetter, writes: Mapping[bytes, bytes | None]) -> None:
        self.before = before
        self.writes = writes

    def get(self, key: bytes) -> bytes | None:
        return self.writes[key] if key in self.writes else self.before.get(key)


def _locked(raw: bytes | None) -> int:
    return 0 if raw is None else int(decode(raw, Amount))


def module_account_moves_with_locked(
    before: StateGetter, writes: Mapping[bytes, bytes | None]
) -> str | None:
    account_lines = assets_keeper.balance_prefix(PAYMENTS_ACCOUNT)
    symbols: set[bytes] = set()
    for key in writes:
        if key.startswith(LOCKED_PREFIX):
            symbols.add(key[len(LOCKED_PREFIX) :])
        elif key.startswith(account_lines):
            symbols.add(key[len(account_lines) :])
    after = _After(before, writes)
    for raw_symbol in sorted(symbols):
        symbol = raw_symbol.decode(errors="replace")
        key = LOCKED_PREFIX + raw_symbol
        locked = _locked(after.get(key)) - _locked(before.get(key))
        held = assets_keeper.balance_of(after, PAYMENTS_ACCOUNT, symbol) - assets_keeper.balance_of(
            before, PAYMENTS_ACCOUNT, symbol
        )
        if held < locked:
            return (
                f"{symbol}: the module account's balance changed by {held}, "
                f"its locked units by {locked}"
            )
    return None
