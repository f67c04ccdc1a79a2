"""Issuer and regulator controls (``origin asset ...``) and two-phase holds (``origin hold``).

Each command signs one message of the assets module (its README says who may send it and
the codes that can refuse it) and submits it like every transaction command: exit 0 when
committed, 1 when the ledger refused it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from originledger.cli.command import OriginTyper
from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.home import resolve_address
from originledger.cli.options import (
    AmountArgument,
    FromOption,
    MinorOption,
    SymbolArgument,
    ToOption,
)
from originledger.cli.signing import SignedCommand
from originledger.cli.transactions import asset_app
from originledger.core.amounts import Amount
from originledger.core.crypto import sha256
from originledger.modules.assets import client_hold_id
from originledger.modules.assets.types import (
    AttestReserves,
    Authorize,
    Clawback,
    ForceTransfer,
    Freeze,
    FreezeAsset,
    Pause,
    PlaceHold,
    PostHold,
    Recover,
    VoidHold,
)

__all__ = ["hold_app"]

hold_app = OriginTyper(help="Two-phase payments: place a hold, then post (settle) or void it.")

AccountArgument = Annotated[
    str, typer.Argument(help="The account: an address, or the name of a key in HOME/keys.")
]
HoldIdArgument = Annotated[
    str,
    typer.Argument(
        help="The hold's stored id (64 hex characters, as `hold place` prints it); with "
        "--payer, the id or reference text the payer chose instead."
    ),
]
PayerOption = Annotated[
    str | None,
    typer.Option(
        "--payer",
        help="The payer who chose the hold's --id (an address or key name): HOLD is then "
        "that choice, not the stored id.",
        show_default=False,
    ),
]


def hold_id_of(text: str) -> bytes:
    """A hold id from 64 hex characters, or the SHA-256 of a reference text (an order
    number: the same text names the same hold)."""
    if len(text) == 64:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    if not text:
        raise CliError(ExitCode.USAGE_ERROR, "invalid_hold_id", "a hold id cannot be empty")
    return sha256(text.encode())


def stored_hold_id_of(text: str, payer: str | None, home: Path) -> bytes:
    """The id a hold is stored under: ``text`` itself (64 hex characters), or, with a
    payer, ``client_hold_id(payer, hold_id_of(text))``, the id of the payer's choice."""
    if payer is not None:
        return client_hold_id(resolve_address(payer, home), hold_id_of(text))
    try:
        stored = bytes.fromhex(text) if len(text) == 64 else b""
    except ValueError:
        stored = b""
    if not stored:
        raise CliError(
            ExitCode.USAGE_ERROR,
            "invalid_hold_id",
            "a hold's stored id is 64 hex characters (as `hold place` prints it); "
            "for the payer's chosen id or reference text, add --payer",
        )
    return stored


# -- controls ---------------------------------------------------------------------------


@asset_app.command("attest-reserves")
def attest_reserves(
    symbol: SymbolArgument,
    amount: AmountArgument,
    from_key: FromOption,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """State the reserves held for a payment asset, as of now (its custodian only)."""
    cmd.connect()
    signer = cmd.key(from_key)
    held = cmd.amount(symbol, amount, minor)
    message = AttestReserves(signer.address, symbol, held, cmd.chain_time_ms())
    cmd.submit(message, signer, f"attest reserves of {amount} for {symbol}")


@asset_app.command("authorize")
def authorize(
    symbol: SymbolArgument,
    account: AccountArgument,
    from_key: FromOption,
    revoke: Annotated[bool, typer.Option("--revoke", help="Withdraw the authorization.")] = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Allow an account to hold an asset that requires authorization (the issuer only)."""
    address = cmd.address(account)
    cmd.connect()
    signer = cmd.key(from_key)
    message = Authorize(signer.address, symbol, address, not revoke)
    cmd.submit(message, signer, f"{'revoke' if revoke else 'authorize'} {account} for {symbol}")


@asset_app.command("pause")
def pause(
    symbol: SymbolArgument,
    from_key: FromOption,
    resume: Annotated[bool, typer.Option("--resume", help="Unpause the asset.")] = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Pause every movement of an asset, or resume it with --resume (the issuer only)."""
    cmd.connect()
    signer = cmd.key(from_key)
    message = Pause(signer.address, symbol, not resume)
    cmd.submit(message, signer, f"{'resume' if resume else 'pause'} {symbol}")


@asset_app.command("freeze")
def freeze(
    symbol: SymbolArgument,
    from_key: FromOption,
    account: Annotated[
        str | None,
        typer.Argument(help="The account to freeze; none freezes the whole asset."),
    ] = None,
    deep: Annotated[bool, typer.Option("--deep", help="Neither send nor receive.")] = False,
    amount: Annotated[
        str | None,
        typer.Option("--amount", help="Freeze only this amount (a partial freeze)."),
    ] = None,
    lift: Annotated[bool, typer.Option("--lift", help="Lift the freeze.")] = False,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Freeze an account's holding of an asset (or, without ACCOUNT, the whole asset); by
    the issuer, or by a regulator."""
    if account is None:
        if deep or amount is not None:
            raise CliError(
                ExitCode.USAGE_ERROR,
                "invalid_freeze",
                "--deep and --amount apply to one account's holding",
            )
        cmd.connect()
        signer = cmd.key(from_key)
        message: FreezeAsset | Freeze = FreezeAsset(signer.address, symbol, not lift)
        summary = f"{'lift the freeze of' if lift else 'freeze'} all of {symbol}"
    else:
        address = cmd.address(account)
        cmd.connect()
        signer = cmd.key(from_key)
        partial = Amount(0) if amount is None else cmd.amount(symbol, amount, minor)
        if lift:
            message = Freeze(signer.address, symbol, address, False)
        else:
            message = Freeze(signer.address, symbol, address, amount is None, deep, partial)
        summary = f"{'lift the freeze of' if lift else 'freeze'} {account}'s {symbol}"
    cmd.submit(message, signer, summary)


@asset_app.command("clawback")
def clawback(
    symbol: SymbolArgument,
    account: AccountArgument,
    amount: AmountArgument,
    from_key: FromOption,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Take back and destroy units an account holds (the issuer, when clawback is on)."""
    address = cmd.address(account)
    cmd.connect()
    signer = cmd.key(from_key)
    message = Clawback(signer.address, symbol, address, cmd.amount(symbol, amount, minor))
    cmd.submit(message, signer, f"claw back {amount} {symbol} from {account}")


@asset_app.command("force-transfer")
def force_transfer(
    symbol: SymbolArgument,
    account: Annotated[str, typer.Argument(help="The account the units are taken from.")],
    amount: AmountArgument,
    to: ToOption,
    from_key: FromOption,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Move units from one holder to another (the issuer's agent: a court order, an error)."""
    sender, recipient = cmd.address(account), cmd.address(to)
    cmd.connect()
    signer = cmd.key(from_key)
    moved = cmd.amount(symbol, amount, minor)
    message = ForceTransfer(signer.address, symbol, sender, recipient, moved)
    cmd.submit(message, signer, f"force a transfer of {amount} {symbol} from {account} to {to}")


@asset_app.command("recover")
def recover(
    symbol: SymbolArgument,
    lost: Annotated[str, typer.Argument(help="The lost account.")],
    to: ToOption,
    from_key: FromOption,
    *,
    cmd: SignedCommand,
) -> None:
    """Move a lost wallet's whole balance to a new account and deep-freeze the lost one
    (the issuer's agent)."""
    lost_address, new_address = cmd.address(lost), cmd.address(to)
    cmd.connect()
    signer = cmd.key(from_key)
    message = Recover(signer.address, symbol, lost_address, new_address)
    cmd.submit(message, signer, f"recover {lost}'s {symbol} to {to}")


# -- holds ------------------------------------------------------------------------------


@hold_app.command("place")
def place(
    amount: AmountArgument,
    symbol: SymbolArgument,
    to: ToOption,
    from_key: FromOption,
    hold_id: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="The payer's own id for the hold: 64 hex characters or a reference text "
            "(default: derived from the tx). Stored in the payer's namespace.",
        ),
    ] = None,
    expires_in_s: Annotated[
        int,
        typer.Option("--expires-in-s", min=1, help="Seconds until it releases by itself."),
    ] = 3_600,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Reserve an amount of the signer's balance for a payee until it is posted, voided
    or expires. With --id, prints the id the hold is stored under (the choice lives in
    the payer's own namespace): `post` and `void` take it."""
    payee = cmd.address(to)
    chosen = None if hold_id is None else hold_id_of(hold_id)
    cmd.connect()
    signer = cmd.key(from_key)
    held = cmd.amount(symbol, amount, minor)
    expires_at_ms = cmd.chain_time_ms() + expires_in_s * 1_000  # the ledger's clock
    message = PlaceHold(signer.address, payee, symbol, held, expires_at_ms, chosen)
    extra: list[tuple[str, object]] = []
    if chosen is not None:
        extra.append(("hold_id", client_hold_id(signer.address, chosen).hex()))
    cmd.submit(message, signer, f"hold {amount} {symbol} for {to}", extra)


@hold_app.command("post")
def post(
    hold_id: HoldIdArgument,
    amount: AmountArgument,
    symbol: SymbolArgument,
    from_key: FromOption,
    payer: PayerOption = None,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Settle all or part of a hold (its payee); the rest returns to the payer."""
    identity = stored_hold_id_of(hold_id, payer, cmd.home)
    cmd.connect()
    signer = cmd.key(from_key)
    message = PostHold(signer.address, identity, cmd.amount(symbol, amount, minor))
    cmd.submit(message, signer, f"post {amount} {symbol} of hold {identity.hex()[:16]}…")


@hold_app.command("void")
def void(
    hold_id: HoldIdArgument,
    from_key: FromOption,
    payer: PayerOption = None,
    *,
    cmd: SignedCommand,
) -> None:
    """Release a hold entirely (its payee)."""
    identity = stored_hold_id_of(hold_id, payer, cmd.home)
    cmd.connect()
    signer = cmd.key(from_key)
    cmd.submit(VoidHold(signer.address, identity), signer, f"void hold {identity.hex()[:16]}…")
