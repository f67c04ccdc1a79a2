"""``origin pay``: pay a request's URI; authorize, capture, void, refund; atomic multi-leg
payments (see docs/payments.md). Amounts, durations and ids as in ``origin request``."""

from __future__ import annotations

from typing import Annotated

import typer

from originledger.cli.command import NodeCommand, OriginTyper
from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.options import (
    AmountArgument,
    FromOption,
    IdArgument,
    MinorOption,
    RefOption,
    SymbolArgument,
)
from originledger.cli.output import counted, fields
from originledger.cli.parsing import parse_id
from originledger.cli.signing import SignedCommand
from originledger.modules.payments.types import (
    Authorize,
    Capture,
    Leg,
    Refund,
    Swap,
    VoidAuthorization,
)
from originledger.sdk.payments import (
    PaymentUriError,
    RequestMismatchError,
    checked_pay_message,
    new_id,
    parse_payment_uri,
)

__all__ = ["pay_app"]

pay_app = OriginTyper(
    help="Pay a request's URI; authorize, capture, void, refund; atomic multi-leg payments."
)


@pay_app.command("uri")
def pay_uri(
    uri: Annotated[str, typer.Argument(help="The request's origin:pay?... URI (its QR code).")],
    from_key: FromOption,
    asset: Annotated[
        str | None, typer.Option("--asset", help="Pay in this accepted alternative asset.")
    ] = None,
    *,
    cmd: SignedCommand,
) -> None:
    """Pay a payment request from its URI (checksum and chain checked first)."""
    try:
        parsed = parse_payment_uri(uri)
    except PaymentUriError as error:
        raise CliError(ExitCode.USAGE_ERROR, "invalid_uri", str(error)) from None
    chain_id = cmd.client.status()["chain_id"]
    if parsed.chain_id != chain_id:
        raise CliError(
            ExitCode.USAGE_ERROR, "wrong_chain", f"the request is for chain {parsed.chain_id}"
        )
    signer = cmd.key(from_key)
    try:
        # The request on the ledger must be the one the URI shows (merchant, asset,
        # amount, expiry, still open) before anything is signed.
        message = checked_pay_message(cmd.client, parsed, signer.address, asset)
    except RequestMismatchError as error:
        raise CliError(ExitCode.USAGE_ERROR, "request_mismatch", str(error)) from None
    except PaymentUriError as error:
        raise CliError(ExitCode.USAGE_ERROR, "asset_not_accepted", str(error)) from None
    summary = f"pay {cmd.shown(message.symbol, message.amount)} to {parsed.merchant}"
    cmd.submit(
        message,
        signer,
        summary,
        [("request_id", parsed.request_id.hex()), ("reference", parsed.reference)],
    )


@pay_app.command("authorize")
def pay_authorize(
    amount: AmountArgument,
    symbol: SymbolArgument,
    to: Annotated[str, typer.Option("--to", help="The merchant: address or key name.")],
    from_key: FromOption,
    reference: RefOption = "",
    expires_in: Annotated[
        int, typer.Option("--expires-in", min=1, help="Seconds until the authorization lapses.")
    ] = 7 * 24 * 3600,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Authorize a merchant to capture up to AMOUNT (held on your balance)."""
    merchant = cmd.address(to)
    held = cmd.amount(symbol, amount, minor)
    signer = cmd.key(from_key)
    authorization_id = new_id()
    expires_at_ms = cmd.chain_time_ms() + expires_in * 1000
    message = Authorize(
        signer.address, merchant, symbol, held, expires_at_ms, reference, authorization_id
    )
    cmd.submit(
        message,
        signer,
        f"authorize {amount} {symbol}",
        [("authorization_id", authorization_id.hex())],
    )


@pay_app.command("capture")
def pay_capture(
    authorization_id: IdArgument,
    amount: AmountArgument,
    from_key: FromOption,
    final: Annotated[bool, typer.Option("--final", help="Release what is left.")] = False,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Capture part or all of an authorization (the merchant)."""
    identifier = parse_id(authorization_id)
    view = cmd.query("payments", "authorization", id=identifier.hex())
    symbol = str(view["authorization"]["symbol"])
    captured = cmd.amount(symbol, amount, minor)
    signer = cmd.key(from_key)
    message = Capture(signer.address, identifier, captured, final)
    cmd.submit(message, signer, f"capture {amount} {symbol}")


@pay_app.command("void")
def pay_void(authorization_id: IdArgument, from_key: FromOption, *, cmd: SignedCommand) -> None:
    """Void what is left of an authorization (the merchant)."""
    cmd.connect()
    signer = cmd.key(from_key)
    cmd.submit(VoidAuthorization(signer.address, parse_id(authorization_id)), signer, "void")


@pay_app.command("refund")
def pay_refund(
    payment_id: Annotated[str, typer.Argument(help="The paid request's or authorization's id.")],
    amount: AmountArgument,
    from_key: FromOption,
    reason: Annotated[str, typer.Option("--reason", help="Why (no personal data).")] = "",
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Refund part or all of a settled payment (the merchant)."""
    identifier = parse_id(payment_id)
    symbol = str(cmd.query("payments", "payment", id=identifier.hex())["symbol"])
    refunded = cmd.amount(symbol, amount, minor)
    signer = cmd.key(from_key)
    message = Refund(signer.address, identifier, refunded, reason)
    cmd.submit(message, signer, f"refund {amount} {symbol}")


@pay_app.command("show")
def pay_show(identifier: IdArgument, *, cmd: NodeCommand) -> None:
    """A settled payment (paid request or captures): settled, refunded, refundable."""
    cmd.connect()
    view = cmd.query("payments", "payment", id=parse_id(identifier).hex())
    symbol = view["symbol"]
    rows = [
        ("id", view["id"]),
        ("kind", view["kind"]),
        ("merchant", view["merchant"]),
        ("payer", view["payer"]),
        ("settled", cmd.shown(symbol, view["settled"])),
        ("refunded", cmd.shown(symbol, view["refunded"])),
        ("refundable", cmd.shown(symbol, view["refundable"])),
    ]
    cmd.out.result(view, fields(rows))


def _leg(cmd: NodeCommand, text: str, minor: bool) -> Leg:
    """A leg from ``SENDER>RECIPIENT:AMOUNT:SYMBOL``."""
    route, _, rest = text.partition(":")
    sender, arrow, recipient = route.partition(">")
    amount, colon, symbol = rest.partition(":")
    if not arrow or not colon:
        raise CliError(
            ExitCode.USAGE_ERROR, "invalid_leg", f"{text!r}: SENDER>RECIPIENT:AMOUNT:SYMBOL"
        )
    return Leg(
        cmd.address(sender), cmd.address(recipient), symbol, cmd.amount(symbol, amount, minor)
    )


@pay_app.command("atomic")
def pay_atomic(
    legs: Annotated[
        list[str],
        typer.Option(
            "--leg",
            help="SENDER>RECIPIENT:AMOUNT:SYMBOL (names or addresses), repeatable; "
            "every leg settles or none does.",
        ),
    ],
    from_keys: Annotated[
        list[str], typer.Option("--from", help="Every sender's key name (repeatable).")
    ],
    reference: RefOption = "",
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """An atomic multi-leg payment (PvP, DvP): every leg settles or none does."""
    cmd.connect()
    parsed = [_leg(cmd, text, minor) for text in legs]
    signers = [cmd.key(name) for name in from_keys]
    cmd.submit(Swap(parsed, reference), signers, f"atomic payment of {counted(len(parsed), 'leg')}")
