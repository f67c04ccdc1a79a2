"""Multilateral netting, pure: obligations in, net positions and totals out.

A participant's net position in an asset is what it is owed minus what it owes. Positions
sum to zero per asset (every unit owed is a unit owed to someone), so settling them moves
``net`` = the sum of the positive positions instead of ``gross`` = the sum of every
obligation; ``saved_bps`` is the liquidity saved, in basis points of gross.

Every sum is computed in plain integers and checked against the amount range before it
becomes an ``Amount``: a result out of range is answered with ``None`` (the caller's
``AMOUNT_OVERFLOW``), never an exception. A submission keeps each asset's gross within
range (``gross_after``), so a cycle's positions and totals always fit: a position is at
most its asset's gross.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.limits import AMOUNT_MAX
from originledger.modules.clearing.types import BPS, AssetTotals, Obligation, Position

__all__ = ["active_obligations", "asset_totals", "gross_after", "net_positions", "saved_bps"]


def active_obligations(
    obligations: Sequence[Obligation], excluded: Collection[Address]
) -> list[Obligation]:
    """The obligations that involve no excluded participant."""
    return [o for o in obligations if o.payer not in excluded and o.payee not in excluded]


def gross_after(gross: int, amount: int) -> Amount | None:
    """An asset's gross in a cycle after one more obligation, or ``None`` past the range."""
    total = gross + amount
    return None if total > AMOUNT_MAX else Amount(total)


def net_positions(obligations: Sequence[Obligation]) -> list[Position] | None:
    """Every non-zero net position, ordered by asset, then account bytes; ``None`` when a
    position lies outside the amount range (never for obligations a cycle accepted)."""
    nets: dict[tuple[str, bytes], int] = {}
    for obligation in obligations:
        payer = (obligation.symbol, bytes(obligation.payer))
        payee = (obligation.symbol, bytes(obligation.payee))
        nets[payer] = nets.get(payer, 0) - int(obligation.amount)
        nets[payee] = nets.get(payee, 0) + int(obligation.amount)
    positions = []
    for (symbol, account), net in sorted(nets.items()):
        if not net:
            continue
        if abs(net) > AMOUNT_MAX:
            return None
        pays, receives = (-net, 0) if net < 0 else (0, net)
        positions.append(Position(Address(account), symbol, Amount(pays), Amount(receives)))
    return positions


def saved_bps(gross: int, net: int) -> int:
    """Liquidity saved, in basis points of gross, rounded down (integers only)."""
    return 0 if gross == 0 else (gross - net) * BPS // gross


def asset_totals(
    obligations: Sequence[Obligation], positions: Sequence[Position], symbols: Sequence[str]
) -> list[AssetTotals] | None:
    """Gross versus net per asset, in the order of ``symbols``; ``None`` when a gross
    lies outside the amount range (never for obligations a cycle accepted)."""
    totals = []
    for symbol in symbols:
        mine = [o for o in obligations if o.symbol == symbol]
        gross = sum(int(o.amount) for o in mine)
        net = sum(int(p.pays) for p in positions if p.symbol == symbol)
        if gross > AMOUNT_MAX or net > gross:
            return None
        totals.append(
            AssetTotals(symbol, len(mine), Amount(gross), Amount(net), saved_bps(gross, net))
        )
    return totals
