"""``origin escrow``: escrow released by time and/or a SHA-256 hash-lock (see
docs/payments.md). Amounts, durations and ids as in ``origin request``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from originledger.cli.command import NodeCommand, OriginTyper
from originledger.cli.options import (
    AmountArgument,
    FromOption,
    IdArgument,
    MinorOption,
    RefOption,
    SymbolArgument,
)
from originledger.cli.output import fields
from originledger.cli.parsing import parse_id, read_file
from originledger.cli.signing import SignedCommand
from originledger.core.crypto import sha256
from originledger.modules.payments.types import CancelEscrow, CreateEscrow, ReleaseEscrow
from originledger.sdk.payments import new_id

__all__ = ["escrow_app"]

escrow_app = OriginTyper(help="Escrow released by time and/or a SHA-256 hash-lock.")


@escrow_app.command("create")
def escrow_create(
    amount: AmountArgument,
    symbol: SymbolArgument,
    to: Annotated[str, typer.Option("--to", help="The payee: address or key name.")],
    from_key: FromOption,
    release_in: Annotated[
        int | None, typer.Option("--release-in", min=0, help="Seconds before release is allowed.")
    ] = None,
    cancel_in: Annotated[
        int | None, typer.Option("--cancel-in", min=1, help="Seconds before it may be cancelled.")
    ] = None,
    hash_lock: Annotated[
        str | None, typer.Option("--hash-lock", help="SHA-256 digest (hex) of the preimage.")
    ] = None,
    lock_file: Annotated[
        Path | None,
        typer.Option("--lock-file", help="Lock with the SHA-256 of this file (a bill of lading)."),
    ] = None,
    reference: RefOption = "",
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Put AMOUNT in escrow for the payee, released by time and/or hash-lock."""
    payee = cmd.address(to)
    lock = None
    if lock_file is not None:
        lock = sha256(read_file(lock_file, "the lock file"))
    elif hash_lock is not None:
        lock = parse_id(hash_lock)
    moved = cmd.amount(symbol, amount, minor)
    now = cmd.chain_time_ms()
    signer = cmd.key(from_key)
    escrow_id = new_id()
    message = CreateEscrow(
        signer.address,
        payee,
        symbol,
        moved,
        None if release_in is None else now + release_in * 1000,
        None if cancel_in is None else now + cancel_in * 1000,
        lock,
        reference,
        escrow_id,
    )
    cmd.submit(message, signer, f"escrow {amount} {symbol}", [("escrow_id", escrow_id.hex())])


@escrow_app.command("release")
def escrow_release(
    escrow_id: IdArgument,
    from_key: FromOption,
    preimage_file: Annotated[
        Path | None, typer.Option("--preimage-file", help="The file whose hash locks it.")
    ] = None,
    preimage: Annotated[
        str | None, typer.Option("--preimage", help="The preimage as text.")
    ] = None,
    *,
    cmd: SignedCommand,
) -> None:
    """Release an escrow whose conditions are met (anyone may)."""
    if preimage_file is not None:
        secret: bytes | None = read_file(preimage_file, "the preimage file")
    else:
        secret = (preimage or "").encode() or None
    cmd.connect()
    signer = cmd.key(from_key)
    cmd.submit(ReleaseEscrow(signer.address, parse_id(escrow_id), secret), signer, "release")


@escrow_app.command("cancel")
def escrow_cancel(escrow_id: IdArgument, from_key: FromOption, *, cmd: SignedCommand) -> None:
    """Return an escrow to its payer (anyone after its cancel time; the payee any time)."""
    cmd.connect()
    signer = cmd.key(from_key)
    cmd.submit(CancelEscrow(signer.address, parse_id(escrow_id)), signer, "cancel")


@escrow_app.command("show")
def escrow_show(escrow_id: IdArgument, *, cmd: NodeCommand) -> None:
    """An escrow: amount, conditions, status, whether it can be released or cancelled."""
    cmd.connect()
    view = cmd.query("payments", "escrow", id=parse_id(escrow_id).hex())
    escrow = view["escrow"]
    rows = [
        ("id", view["id"]),
        ("status", escrow["status"]),
        ("payer", escrow["payer"]),
        ("payee", escrow["payee"]),
        ("amount", cmd.shown(escrow["symbol"], escrow["amount"])),
        ("release after", escrow["release_after_ms"] or "-"),
        ("cancel after", escrow["cancel_after_ms"] or "-"),
        ("hash-lock", escrow["hash_lock"] or "-"),
        ("releasable now", view["releasable"]),
        ("cancellable now", view["cancellable"]),
    ]
    cmd.out.result(view, fields(rows))
