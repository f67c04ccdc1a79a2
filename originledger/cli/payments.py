"""Payment commands: ``origin request``, ``origin pay``, ``origin escrow``,
``origin channel`` (see docs/cli.md and docs/payments.md).

Amounts are in the asset's units (``12.50``) unless ``--minor``; durations are seconds
counted from the node's latest block time (the ledger's clock, not this machine's); ids
are 64 hex characters.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated, Any

import typer

from originledger.cli.common import (
    DEFAULT_HOME,
    DEFAULT_WAIT_MS,
    AmountArgument,
    CliError,
    FromOption,
    HomeOption,
    JsonOption,
    MinorOption,
    NodeOption,
    OriginTyper,
    Output,
    PassphraseFileOption,
    SymbolArgument,
    WaitOption,
    asset_record,
    fields,
    load_key,
    open_client,
    parse_amount,
    resolve_address,
    submit_messages,
)
from originledger.cli.exit_codes import ExitCode
from originledger.core.amounts import Amount, format_units
from originledger.core.crypto import sha256
from originledger.core.tx import Msg
from originledger.modules.payments.types import (
    AcceptedAsset,
    Authorize,
    CancelEscrow,
    CancelRequest,
    Capture,
    ClaimChannel,
    CloseChannel,
    CreateEscrow,
    CreateRequest,
    FundChannel,
    Leg,
    OpenChannel,
    Refund,
    ReleaseEscrow,
    SettleChannel,
    Swap,
    VoidAuthorization,
)
from originledger.sdk import Client
from originledger.sdk.payments import (
    PaymentUri,
    PaymentUriError,
    RequestMismatchError,
    build_payment_uri,
    checked_pay_message,
    decode_claim,
    encode_claim,
    new_id,
    parse_payment_uri,
    qr_png,
    qr_svg,
    qr_terminal,
    sign_claim,
    uri_of_request,
    verify_claim,
)

__all__ = ["channel_app", "escrow_app", "pay_app", "request_app"]

request_app = OriginTyper(help="Payment requests: create one (URI and QR code), show, cancel.")
pay_app = OriginTyper(
    help="Pay a request's URI; authorize, capture, void, refund; atomic multi-leg payments."
)
escrow_app = OriginTyper(help="Escrow released by time and/or a SHA-256 hash-lock.")
channel_app = OriginTyper(help="Payment channels: deposits, signed off-ledger claims, close.")

IdArgument = Annotated[str, typer.Argument(help="The id, 64 hex characters.")]
RefOption = Annotated[
    str, typer.Option("--ref", help="An order or invoice number (no personal data).")
]


def parse_id(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 32:
        raise CliError(ExitCode.USAGE_ERROR, "invalid_id", f"{text!r} is not a 32-byte hex id")
    return value


def units(client: Client, symbol: str, text: str, minor: bool) -> Amount:
    decimals = 0 if minor else int(asset_record(client, symbol)["decimals"])
    return parse_amount(text, decimals)


def shown(client: Client, symbol: str, amount: object) -> str:
    decimals = int(asset_record(client, symbol)["decimals"])
    return f"{format_units(Amount(int(str(amount))), decimals)} {symbol}"


def chain_time_ms(client: Client) -> int:
    return int(client.status()["time_ms"])


def _query(client: Client, module: str, name: str, **params: str) -> dict[str, Any]:
    answer: dict[str, Any] = client.query(module, name, prove=False, **dict(params))
    return answer["result"]  # type: ignore[no-any-return]


def _write(path: Path | None, data: bytes | str) -> None:
    if path is None:
        return
    try:
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    except OSError as error:
        raise CliError(ExitCode.SETUP_ERROR, "write_failed", f"{path}: {error}") from None


def _show_request(
    out: Output, client: Client, request_id: bytes, svg: Path | None, png: Path | None, qr: bool
) -> None:
    view = _query(client, "payments", "request", id=request_id.hex())
    request = view["request"]
    uri = uri_of_request(client.status()["chain_id"], request_id, request)
    _write(svg, qr_svg(uri))
    _write(png, qr_png(uri))
    rows: list[tuple[str, object]] = [
        ("id", request_id.hex()),
        ("state", view["state"]),
        ("merchant", request["merchant"]),
        ("amount", shown(client, request["symbol"], request["amount"])),
        ("reference", request["reference"] or "-"),
        ("expires at", request["expires_at_ms"]),
    ]
    for item in request["accepted"]:
        rows.append(("or", shown(client, item["symbol"], item["amount"])))
    out.result({**view, "uri": uri}, fields(rows))
    _print_uri(out, uri, qr)


def _print_uri(out: Output, uri: str, qr: bool) -> None:
    """The URI on a line of its own (to copy whole), then the QR code to scan."""
    if out.json:
        return
    typer.echo(uri)
    if qr:
        typer.echo(qr_terminal(uri))


# origin request ---------------------------------------------------------------------------


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
    svg: Annotated[Path | None, typer.Option("--svg", help="Write the QR code as SVG.")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Write the QR code as PNG.")] = None,
    minor: MinorOption = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Create a payment request; print its URI and its QR code."""
    out = Output(json_output)
    with open_client(home, node) as client:
        asked = units(client, symbol, amount, minor)
        accepted = []
        for item in accept or []:
            other, colon, text = item.partition(":")
            if not colon:
                raise CliError(ExitCode.USAGE_ERROR, "invalid_accept", f"{item!r}: SYMBOL:AMOUNT")
            accepted.append(AcceptedAsset(other, units(client, other, text, minor)))
        signer = load_key(home, from_key, passphrase_file)
        request_id = new_id()
        chain_id = client.status()["chain_id"]
        message = CreateRequest(
            signer.address,
            symbol,
            asked,
            chain_time_ms(client) + expires_in * 1000,
            reference,
            accepted,
            request_id,
        )
        uri = build_payment_uri(
            PaymentUri(
                chain_id,
                signer.address,
                request_id,
                symbol,
                asked,
                message.expires_at_ms,
                reference,
                accepted,
            )
        )
        _write(svg, qr_svg(uri))
        _write(png, qr_png(uri))
        submit_messages(
            out,
            client,
            [message],
            [signer],
            wait_ms,
            f"request {amount} {symbol}",
            [("request_id", request_id.hex())],
            {"uri": uri},
        )
        _print_uri(out, uri, qr=True)


@request_app.command("show")
def request_show(
    request_id: IdArgument,
    svg: Annotated[Path | None, typer.Option("--svg", help="Write the QR code as SVG.")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Write the QR code as PNG.")] = None,
    qr: Annotated[bool, typer.Option("--qr/--no-qr", help="Draw the QR code.")] = True,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """A request's state, its URI and its QR code."""
    with open_client(home, node) as client:
        _show_request(Output(json_output), client, parse_id(request_id), svg, png, qr)


@request_app.command("cancel")
def request_cancel(
    request_id: IdArgument,
    from_key: FromOption,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Cancel an unpaid request (the merchant)."""
    with open_client(home, node) as client:
        signer = load_key(home, from_key, passphrase_file)
        message = CancelRequest(signer.address, parse_id(request_id))
        submit_messages(Output(json_output), client, [message], [signer], wait_ms, "cancel")


# origin pay ---------------------------------------------------------------------------------


@pay_app.command("uri")
def pay_uri(
    uri: Annotated[str, typer.Argument(help="The request's origin:pay?... URI (its QR code).")],
    from_key: FromOption,
    asset: Annotated[
        str | None, typer.Option("--asset", help="Pay in this accepted alternative asset.")
    ] = None,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Pay a payment request from its URI (checksum and chain checked first)."""
    out = Output(json_output)
    try:
        parsed = parse_payment_uri(uri)
    except PaymentUriError as error:
        raise CliError(ExitCode.USAGE_ERROR, "invalid_uri", str(error)) from None
    with open_client(home, node) as client:
        chain_id = client.status()["chain_id"]
        if parsed.chain_id != chain_id:
            raise CliError(
                ExitCode.USAGE_ERROR, "wrong_chain", f"the request is for chain {parsed.chain_id}"
            )
        signer = load_key(home, from_key, passphrase_file)
        try:
            # The request on the ledger must be the one the URI shows (merchant, asset,
            # amount, expiry, still open) before anything is signed.
            message = checked_pay_message(client, parsed, signer.address, asset)
        except RequestMismatchError as error:
            raise CliError(ExitCode.USAGE_ERROR, "request_mismatch", str(error)) from None
        except PaymentUriError as error:
            raise CliError(ExitCode.USAGE_ERROR, "asset_not_accepted", str(error)) from None
        summary = f"pay {shown(client, message.symbol, message.amount)} to {parsed.merchant}"
        submit_messages(
            out,
            client,
            [message],
            [signer],
            wait_ms,
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
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Authorize a merchant to capture up to AMOUNT (held on your balance)."""
    merchant = resolve_address(to, home)
    with open_client(home, node) as client:
        held = units(client, symbol, amount, minor)
        signer = load_key(home, from_key, passphrase_file)
        authorization_id = new_id()
        message = Authorize(
            signer.address,
            merchant,
            symbol,
            held,
            chain_time_ms(client) + expires_in * 1000,
            reference,
            authorization_id,
        )
        submit_messages(
            Output(json_output),
            client,
            [message],
            [signer],
            wait_ms,
            f"authorize {amount} {symbol}",
            [("authorization_id", authorization_id.hex())],
        )


def _authorization_symbol(client: Client, authorization_id: bytes) -> str:
    view = _query(client, "payments", "authorization", id=authorization_id.hex())
    return str(view["authorization"]["symbol"])


@pay_app.command("capture")
def pay_capture(
    authorization_id: IdArgument,
    amount: AmountArgument,
    from_key: FromOption,
    final: Annotated[bool, typer.Option("--final", help="Release what is left.")] = False,
    minor: MinorOption = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Capture part or all of an authorization (the merchant)."""
    identifier = parse_id(authorization_id)
    with open_client(home, node) as client:
        symbol = _authorization_symbol(client, identifier)
        captured = units(client, symbol, amount, minor)
        signer = load_key(home, from_key, passphrase_file)
        message = Capture(signer.address, identifier, captured, final)
        submit_messages(
            Output(json_output), client, [message], [signer], wait_ms, f"capture {amount} {symbol}"
        )


@pay_app.command("void")
def pay_void(
    authorization_id: IdArgument,
    from_key: FromOption,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Void what is left of an authorization (the merchant)."""
    with open_client(home, node) as client:
        signer = load_key(home, from_key, passphrase_file)
        message = VoidAuthorization(signer.address, parse_id(authorization_id))
        submit_messages(Output(json_output), client, [message], [signer], wait_ms, "void")


@pay_app.command("refund")
def pay_refund(
    payment_id: Annotated[str, typer.Argument(help="The paid request's or authorization's id.")],
    amount: AmountArgument,
    from_key: FromOption,
    reason: Annotated[str, typer.Option("--reason", help="Why (no personal data).")] = "",
    minor: MinorOption = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Refund part or all of a settled payment (the merchant)."""
    identifier = parse_id(payment_id)
    with open_client(home, node) as client:
        symbol = str(_query(client, "payments", "payment", id=identifier.hex())["symbol"])
        refunded = units(client, symbol, amount, minor)
        signer = load_key(home, from_key, passphrase_file)
        message = Refund(signer.address, identifier, refunded, reason)
        submit_messages(
            Output(json_output), client, [message], [signer], wait_ms, f"refund {amount} {symbol}"
        )


@pay_app.command("show")
def pay_show(
    identifier: IdArgument,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """A settled payment (paid request or captures): settled, refunded, refundable."""
    with open_client(home, node) as client:
        view = _query(client, "payments", "payment", id=parse_id(identifier).hex())
        symbol = view["symbol"]
        rows = [
            ("id", view["id"]),
            ("kind", view["kind"]),
            ("merchant", view["merchant"]),
            ("payer", view["payer"]),
            ("settled", shown(client, symbol, view["settled"])),
            ("refunded", shown(client, symbol, view["refunded"])),
            ("refundable", shown(client, symbol, view["refundable"])),
        ]
        Output(json_output).result(view, fields(rows))


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
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """An atomic multi-leg payment (PvP, DvP): every leg settles or none does."""
    with open_client(home, node) as client:
        parsed = []
        for text in legs:
            route, _, rest = text.partition(":")
            sender, arrow, recipient = route.partition(">")
            amount, colon, symbol = rest.partition(":")
            if not arrow or not colon:
                raise CliError(
                    ExitCode.USAGE_ERROR, "invalid_leg", f"{text!r}: SENDER>RECIPIENT:AMOUNT:SYMBOL"
                )
            parsed.append(
                Leg(
                    resolve_address(sender, home),
                    resolve_address(recipient, home),
                    symbol,
                    units(client, symbol, amount, minor),
                )
            )
        signers = [load_key(home, name, passphrase_file) for name in from_keys]
        submit_messages(
            Output(json_output),
            client,
            [Swap(parsed, reference)],
            signers,
            wait_ms,
            f"atomic payment of {len(parsed)} legs",
        )


# origin escrow ------------------------------------------------------------------------------


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
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Put AMOUNT in escrow for the payee, released by time and/or hash-lock."""
    payee = resolve_address(to, home)
    lock = None
    if lock_file is not None:
        lock = sha256(lock_file.read_bytes())
    elif hash_lock is not None:
        lock = parse_id(hash_lock)
    with open_client(home, node) as client:
        moved = units(client, symbol, amount, minor)
        now = chain_time_ms(client)
        signer = load_key(home, from_key, passphrase_file)
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
        submit_messages(
            Output(json_output),
            client,
            [message],
            [signer],
            wait_ms,
            f"escrow {amount} {symbol}",
            [("escrow_id", escrow_id.hex())],
        )


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
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Release an escrow whose conditions are met (anyone may)."""
    secret = preimage_file.read_bytes() if preimage_file else (preimage or "").encode() or None
    with open_client(home, node) as client:
        signer = load_key(home, from_key, passphrase_file)
        message = ReleaseEscrow(signer.address, parse_id(escrow_id), secret)
        submit_messages(Output(json_output), client, [message], [signer], wait_ms, "release")


@escrow_app.command("cancel")
def escrow_cancel(
    escrow_id: IdArgument,
    from_key: FromOption,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Return an escrow to its payer (anyone after its cancel time; the payee any time)."""
    with open_client(home, node) as client:
        signer = load_key(home, from_key, passphrase_file)
        message = CancelEscrow(signer.address, parse_id(escrow_id))
        submit_messages(Output(json_output), client, [message], [signer], wait_ms, "cancel")


@escrow_app.command("show")
def escrow_show(
    escrow_id: IdArgument,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """An escrow: amount, conditions, status, whether it can be released or cancelled."""
    with open_client(home, node) as client:
        view = _query(client, "payments", "escrow", id=parse_id(escrow_id).hex())
        escrow = view["escrow"]
        rows = [
            ("id", view["id"]),
            ("status", escrow["status"]),
            ("payer", escrow["payer"]),
            ("payee", escrow["payee"]),
            ("amount", shown(client, escrow["symbol"], escrow["amount"])),
            ("release after", escrow["release_after_ms"] or "-"),
            ("cancel after", escrow["cancel_after_ms"] or "-"),
            ("hash-lock", escrow["hash_lock"] or "-"),
            ("releasable now", view["releasable"]),
            ("cancellable now", view["cancellable"]),
        ]
        Output(json_output).result(view, fields(rows))


# origin channel -----------------------------------------------------------------------------


@channel_app.command("open")
def channel_open(
    deposit: AmountArgument,
    symbol: SymbolArgument,
    to: Annotated[str, typer.Option("--to", help="The recipient: address or key name.")],
    from_key: FromOption,
    claim_key: Annotated[
        str | None,
        typer.Option("--claim-key", help="The key (name) that signs claims; default --from."),
    ] = None,
    dispute_window: Annotated[
        int, typer.Option("--dispute-window", min=1, help="Seconds the recipient has to answer.")
    ] = 3600,
    minor: MinorOption = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Open a payment channel with a deposit."""
    recipient = resolve_address(to, home)
    with open_client(home, node) as client:
        amount = units(client, symbol, deposit, minor)
        signer = load_key(home, from_key, passphrase_file)
        claimer = signer if claim_key is None else load_key(home, claim_key, passphrase_file)
        channel_id = new_id()
        message = OpenChannel(
            signer.address,
            recipient,
            symbol,
            amount,
            claimer.public_key,
            dispute_window * 1000,
            channel_id,
        )
        submit_messages(
            Output(json_output),
            client,
            [message],
            [signer],
            wait_ms,
            f"open a channel of {deposit} {symbol}",
            [("channel_id", channel_id.hex())],
        )


@channel_app.command("fund")
def channel_fund(
    channel_id: IdArgument,
    amount: AmountArgument,
    from_key: FromOption,
    minor: MinorOption = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Add to a channel's deposit (the sender)."""
    identifier = parse_id(channel_id)
    with open_client(home, node) as client:
        symbol = _query(client, "payments", "channel", id=identifier.hex())["channel"]["symbol"]
        signer = load_key(home, from_key, passphrase_file)
        message = FundChannel(signer.address, identifier, units(client, symbol, amount, minor))
        submit_messages(Output(json_output), client, [message], [signer], wait_ms, "fund")


@channel_app.command("sign")
def channel_sign(
    channel_id: IdArgument,
    amount: Annotated[str, typer.Argument(help="The cumulative amount owed, in units.")],
    from_key: Annotated[str, typer.Option("--from", help="The channel's claim key (name).")],
    minor: MinorOption = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Sign an off-ledger claim (no transaction): print the one line to hand over."""
    identifier = parse_id(channel_id)
    with open_client(home, node) as client:
        view = _query(client, "payments", "channel", id=identifier.hex())
        owed = units(client, view["channel"]["symbol"], amount, minor)
        key = load_key(home, from_key, passphrase_file)
        claim = sign_claim(key, client.status()["chain_id"], identifier, owed)
    text = encode_claim(claim)
    Output(json_output).result({"claim": text, "amount": str(owed)}, text)


@channel_app.command("verify")
def channel_verify(
    claim: Annotated[str, typer.Argument(help="An origin-claim:... line.")],
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """Check a claim against its channel (key, deposit, what was paid); no transaction."""
    parsed = _claim(claim)
    with open_client(home, node) as client:
        view = _query(client, "payments", "channel", id=parsed.channel_id.hex())
        channel = view["channel"]
        key = base64.b64decode(channel["claim_key"])  # bytes are base64 in JSON answers
        signature_ok = verify_claim(key, client.status()["chain_id"], parsed)
        covered = int(channel["paid"]) < parsed.amount <= int(channel["deposit"])
        good = signature_ok and covered and view["state"] in ("open", "closing")
        data = {"valid": good, "signature": signature_ok, "covered": covered, **view}
        Output(json_output).result(
            data,
            f"{'[green]✔ valid' if good else '[red]✘ not valid'}[/]: "
            f"signature {'ok' if signature_ok else 'bad'}, "
            f"{shown(client, channel['symbol'], parsed.amount)} "
            f"{'within' if covered else 'outside'} (paid, deposit]",
        )
        if not good:
            raise typer.Exit(ExitCode.VERIFICATION_FAILED)


def _claim(text: str) -> Any:
    try:
        return decode_claim(text)
    except ValueError as error:
        raise CliError(ExitCode.USAGE_ERROR, "invalid_claim", str(error)) from None


@channel_app.command("claim")
def channel_claim(
    claim: Annotated[str, typer.Argument(help="An origin-claim:... line.")],
    from_key: FromOption,
    close: Annotated[bool, typer.Option("--close", help="Close the channel too.")] = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Redeem a claim on the ledger (the recipient); --close closes the channel after."""
    parsed = _claim(claim)
    with open_client(home, node) as client:
        signer = load_key(home, from_key, passphrase_file)
        messages: list[Msg] = [
            ClaimChannel(signer.address, parsed.channel_id, parsed.amount, parsed.signature)
        ]
        if close:
            messages.append(CloseChannel(signer.address, parsed.channel_id))
        submit_messages(Output(json_output), client, messages, [signer], wait_ms, "claim")


@channel_app.command("close")
def channel_close(
    channel_id: IdArgument,
    from_key: FromOption,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Close a channel: at once (the recipient) or after the dispute window (the sender)."""
    with open_client(home, node) as client:
        signer = load_key(home, from_key, passphrase_file)
        message = CloseChannel(signer.address, parse_id(channel_id))
        submit_messages(Output(json_output), client, [message], [signer], wait_ms, "close")


@channel_app.command("settle")
def channel_settle(
    channel_id: IdArgument,
    from_key: FromOption,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """End a closing channel once its dispute window is over (anyone)."""
    with open_client(home, node) as client:
        signer = load_key(home, from_key, passphrase_file)
        message = SettleChannel(signer.address, parse_id(channel_id))
        submit_messages(Output(json_output), client, [message], [signer], wait_ms, "settle")


@channel_app.command("show")
def channel_show(
    channel_id: IdArgument,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """A channel: deposit, paid, remaining, state."""
    with open_client(home, node) as client:
        view = _query(client, "payments", "channel", id=parse_id(channel_id).hex())
        channel = view["channel"]
        symbol = channel["symbol"]
        rows = [
            ("id", view["id"]),
            ("state", view["state"]),
            ("sender", channel["sender"]),
            ("recipient", channel["recipient"]),
            ("deposit", shown(client, symbol, channel["deposit"])),
            ("paid", shown(client, symbol, channel["paid"])),
            ("remaining", shown(client, symbol, view["remaining"])),
            ("closes at", channel["closes_at_ms"] or "-"),
        ]
        Output(json_output).result(view, fields(rows))
