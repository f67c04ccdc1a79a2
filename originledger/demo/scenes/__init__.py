"""The scenes of ``origin demo``, in the order they play; each is a function of the
demo's shared context (``originledger/demo/context.py``), one per file."""

from __future__ import annotations

from originledger.demo.context import Scene
from originledger.demo.scenes import (
    cny,
    escrow,
    ev_charging,
    hk_fund,
    holds,
    hotel,
    netting,
    payments,
    qr_payment,
    reserves,
)

__all__ = ["SCENES"]

SCENES: tuple[Scene, ...] = (
    reserves.play,
    payments.play,
    holds.play,
    hk_fund.play,
    cny.play,
    # The payment scenes (issue #4).
    qr_payment.play,
    hotel.play,
    escrow.play,
    ev_charging.play,
    netting.play,
)
