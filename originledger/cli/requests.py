"""``origin request``: create a payment request (its URI and QR code), show it, cancel it
(see docs/payments.md).

Amounts are in the asset's units (``12.50``) unless ``--minor``; durations are seconds
counted from the node's latest block time (the ledger's clock, not this machine's); ids
are 64 hex characters.
"""

from __future__ import annotations

from pathlib import Path
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
from originledger.cli.output import Output, fields
from originledger.cli.parsing import parse_id
from originledger.cli.signing import SignedCommand
from originledger.modules.payments.types import AcceptedAsset, CancelRequest, CreateRequest
from originledger.sdk.payments import (
    PaymentUri,
    build_payment_uri,
    new_id,
    qr_png,
    qr_svg,
    qr_terminal,
    uri_of_request,
)

__all__ = ["request_app"]

request_app = OriginTyper(help="Payment requests: create one (URI and QR code), show, cancel.")

SvgOption = Annotated[Path | None, typer.Option("--svg", help="Write the QR code as SVG.")]
PngOption = Annotated[Path | None, typer.Option("--png", help="Write the QR code as PNG.")]


def _write(path: Path | None, data: bytes | str) -> None:
    if path is None:
        return
    try:
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    except OSError as error:
        raise CliError(ExitCode.SETUP_ERROR, "write_failed", f"{path}: {error}") from None


def _print_uri(out: Output, uri: str, qr: bool) -> None:
    """The URI on a line of its own (to copy whole), then the QR code to scan."""
    if out.json:
        return
    typer.echo(uri)
    if qr:
        typer.echo(qr_terminal(uri))


def _accepted(cmd: NodeCommand, accept: list[str], minor: bool) -> list[AcceptedAsset]:
    """The other assets a request accepts, from ``SYMBOL:AMOUNT`` texts."""
    accepted = []
    for item in accept:
        other, colon, text = item.partition(":")
        if not colon:
            raise CliError(ExitCode.USAGE_ERROR, "invalid_accept", f"{item!r}: SYMBOL:AMOUNT")
        accepted.append(AcceptedAsset(other, cmd.amount(other, text, minor)))
    return accepted


def _uri_of(chain_id: str, message: CreateRequest, request_id: bytes) -> str:
    """The URI (and QR code) a payer scans for the request ``message`` creates."""
    return build_payment_uri(
        PaymentUri(
            chain_id,
            message.merchant,
            request_id,
            message.symbol,
            message.amount,
            message.expires_at_ms,
            message.reference,
            message.accepted,
        )
    )


@request_app.command("create")
def request_create(
    amount: AmountArgument,
    symbol: SymbolArgument,
    from_key: FromOption,
    reference: RefOption = "",
    expires_in: Annotated[
        int, typer.Option("--expires-in", min=1, help="Seconds the request stays payable.")
    ] = 900,
    accept: Annotated[
        list[str] | None,
        typer.Option("--accept", help="Another accepted asset, SYMBOL:AMOUNT (repeatable)."),
    ] = None,
    svg: SvgOption = None,
    png: PngOption = None,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Create a payment request; print its URI and its QR code."""
    asked = cmd.amount(symbol, amount, minor)
    accepted = _accepted(cmd, accept or [], minor)
    signer = cmd.key(from_key)
    request_id = new_id()
    chain_id = cmd.client.status()["chain_id"]
    expires_at_ms = cmd.chain_time_ms() + expires_in * 1000
    message = CreateRequest(
        signer.address, symbol, asked, expires_at_ms, reference, accepted, request_id
    )
    uri = _uri_of(chain_id, message, request_id)
    _write(svg, qr_svg(uri))
    _write(png, qr_png(uri))
    cmd.submit(
        message,
        signer,
        f"request {amount} {symbol}",
        [("request_id", request_id.hex())],
        {"uri": uri},
    )
    _print_uri(cmd.out, uri, qr=True)


@request_app.command("show")
def request_show(
    request_id: IdArgument,
    svg: SvgOption = None,
    png: PngOption = None,
    qr: Annotated[bool, typer.Option("--qr/--no-qr", help="Draw the QR code.")] = True,
    *,
    cmd: NodeCommand,
) -> None:
    """A request's state, its URI and its QR code."""
    cmd.connect()
    identifier = parse_id(request_id)
    view = cmd.query("payments", "request", id=identifier.hex())
    request = view["request"]
    uri = uri_of_request(cmd.client.status()["chain_id"], identifier, request)
    _write(svg, qr_svg(uri))
    _write(png, qr_png(uri))
    rows: list[tuple[str, object]] = [
        ("id", identifier.hex()),
        ("state", view["state"]),
        ("merchant", request["merchant"]),
        ("amount", cmd.shown(request["symbol"], request["amount"])),
        ("reference", request["reference"] or "-"),
        ("expires at", request["expires_at_ms"]),
    ]
    for item in request["accepted"]:
        rows.append(("or", cmd.shown(item["symbol"], item["amount"])))
    cmd.out.result({**view, "uri": uri}, fields(rows))
    _print_uri(cmd.out, uri, qr)


@request_app.command("cancel")
def request_cancel(request_id: IdArgument, from_key: FromOption, *, cmd: SignedCommand) -> None:
    """Cancel an unpaid request (the merchant)."""
    cmd.connect()
    signer = cmd.key(from_key)
    cmd.submit(CancelRequest(signer.address, parse_id(request_id)), signer, "cancel")
