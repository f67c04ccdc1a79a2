"""Cross-border trade: an escrow released by the bill of lading's hash."""

from __future__ import annotations

from originledger.core.crypto import sha256
from originledger.demo.context import SYMBOL, DemoContext
from originledger.modules.payments.types import CreateEscrow, ReleaseEscrow
from originledger.sdk.payments import new_id

__all__ = ["play"]

BILL = b"B/L SHA2026-0042: 40 cartons of tea, Shanghai to Rotterdam, shipped on board"


def play(ctx: DemoContext) -> None:
    importer, exporter = ctx.party("importer"), ctx.party("exporter")
    ctx.say("\n[bold]Cross-border trade: escrow released by the bill of lading[/]")
    escrow_id = new_id()
    ctx.step(
        "the importer pays 300.00 into escrow, locked to the bill of lading's SHA-256",
        importer,
        CreateEscrow(
            importer.address,
            exporter.address,
            SYMBOL,
            ctx.units("300"),
            cancel_after_ms=ctx.now_ms() + 30 * 86_400_000,
            hash_lock=sha256(BILL),
            reference="PO-7731",
            escrow_id=escrow_id,
        ),
    )
    ctx.refused(
        "someone presents a forged bill of lading",
        exporter,
        ReleaseEscrow(exporter.address, escrow_id, b"B/L forged"),
    )
    ctx.step(
        "the exporter ships and reveals the bill of lading: the escrow pays out",
        exporter,
        ReleaseEscrow(exporter.address, escrow_id, BILL),
    )
    ctx.refused(
        "the escrow is released a second time",
        exporter,
        ReleaseEscrow(exporter.address, escrow_id, BILL),
    )
