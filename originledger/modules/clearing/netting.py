"""Multilateral netting, pure: obligations in, net positions and totals out.

A participant's net position in an asset is what it is owed minus what it owes. Positions
sum to zero per asset (every unit owed is a unit owed to someone), so settling them moves
``net`` = the sum of the positive positions instead of ``gross`` = the sum of every
obligation; ``saved_bps`` is the liquidity saved, in basis points of gross.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.modules.clearing.types import BPS, AssetTotals, Obligation, Position

__all__ = ["active_obligations", "asset_totals", "net_positions", "saved_bps"]


def active_obligations(
    obligations: Sequence[Obligation], excluded: Collection[Address]
) -> list[Obligation]:
    """The obligations that involve no excluded participant."""
    return [o for o in obligations if o.payer not in excluded and o.payee not in excluded]


def net_positions(obligations: Sequence[Obligation]) -> list[Position]:
    """Every non-zero net position, ordered by asset, then account bytes."""
    nets: dict[tuple[str, bytes], int] = {}
    for obligation in obligations:
        payer = (obligation.symbol, bytes(obligation.payer))
        payee = (obligation.symbol, bytes(obligation.payee))
        nets[payer] = nets.get(payer, 0) - obligation.amount
        nets[payee] = nets.get(payee, 0) + obligation.amount
    positions = []
    for (symbol, account), net in sorted(nets.items()):
        if net:
            positions.append(
                Position(
                    Address(account),
                    symbol,
                    Amount(-net if net < 0 else 0),
                    Amount(net if net > 0 else 0),
                )
            )
    return positions


def saved_bps(gross: int, net: int) -> int:
    """Liquidity saved, in basis points of gross, rounded down (integers only)."""
    return 0 if gross == 0 else (gross - net) * BPS // gross


def asset_totals(
    obligations: Sequence[Obligation], positions: Sequence[Position], symbols: Sequence[str]
) -> list[AssetTotals]:
    """Gross versus net per asset, in the order of ``symbols``."""
    totals = []
    for symbol in symbols:
        mine = [o for o in obligations if o.symbol == symbol]
        gross = sum(o.amount for o in mine)
        net = sum(p.pays for p in positions if p.symbol == symbol)
        totals.append(
            AssetTotals(symbol, len(mine), Amount(gross), Amount(net), saved_bps(gross, net))
        )
    return totals
