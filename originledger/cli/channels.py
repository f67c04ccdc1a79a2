"""``origin channel``: payment channels: deposits, signed off-ledger claims, close (see
docs/payments.md). Amounts, durations and ids as in ``origin request``."""

from __future__ import annotations

import base64
from typing import Annotated

import typer

from originledger.cli.command import NodeCommand, OriginTyper
from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.home import load_key
from originledger.cli.options import (
    DEFAULT_HOME,
    AmountArgument,
    FromOption,
    HomeOption,
    IdArgument,
    JsonOption,
    MinorOption,
    NodeOption,
    PassphraseFileOption,
    SymbolArgument,
)
from originledger.cli.output import fields
from originledger.cli.parsing import parse_id
from originledger.cli.signing import SignedCommand
from originledger.core.tx import Msg
from originledger.modules.payments.types import (
    ClaimChannel,
    CloseChannel,
    FundChannel,
    OpenChannel,
    SettleChannel,
)
from originledger.sdk.payments import (
    ChannelClaim,
    decode_claim,
    encode_claim,
    new_id,
    sign_claim,
    verify_claim,
)

__all__ = ["channel_app"]

channel_app = OriginTyper(help="Payment channels: deposits, signed off-ledger claims, close.")

ClaimArgument = Annotated[str, typer.Argument(help="An origin-claim:... line.")]


def _claim(text: str) -> ChannelClaim:
    try:
        return decode_claim(text)
    except ValueError as error:
        raise CliError(ExitCode.USAGE_ERROR, "invalid_claim", str(error)) from None


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
    *,
    cmd: SignedCommand,
) -> None:
    """Open a payment channel with a deposit."""
    recipient = cmd.address(to)
    amount = cmd.amount(symbol, deposit, minor)
    signer = cmd.key(from_key)
    claimer = signer if claim_key is None else cmd.key(claim_key)
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
    cmd.submit(
        message,
        signer,
        f"open a channel of {deposit} {symbol}",
        [("channel_id", channel_id.hex())],
    )


@channel_app.command("fund")
def channel_fund(
    channel_id: IdArgument,
    amount: AmountArgument,
    from_key: FromOption,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Add to a channel's deposit (the sender)."""
    identifier = parse_id(channel_id)
    symbol = cmd.query("payments", "channel", id=identifier.hex())["channel"]["symbol"]
    signer = cmd.key(from_key)
    message = FundChannel(signer.address, identifier, cmd.amount(symbol, amount, minor))
    cmd.submit(message, signer, "fund")


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
    with NodeCommand(home, node, json_output) as cmd:
        view = cmd.query("payments", "channel", id=identifier.hex())
        owed = cmd.amount(view["channel"]["symbol"], amount, minor)
        key = load_key(home, from_key, passphrase_file)
        claim = sign_claim(key, cmd.client.status()["chain_id"], identifier, owed)
    text = encode_claim(claim)
    cmd.out.result({"claim": text, "amount": str(owed)}, text)


@channel_app.command("verify")
def channel_verify(claim: ClaimArgument, *, cmd: NodeCommand) -> None:
    """Check a claim against its channel (key, deposit, what was paid); no transaction."""
    parsed = _claim(claim)
    view = cmd.query("payments", "channel", id=parsed.channel_id.hex())
    channel = view["channel"]
    key = base64.b64decode(channel["claim_key"])  # bytes are base64 in JSON answers
    signature_ok = verify_claim(key, cmd.client.status()["chain_id"], parsed)
    covered = int(channel["paid"]) < parsed.amount <= int(channel["deposit"])
    good = signature_ok and covered and view["state"] in ("open", "closing")
    data = {"valid": good, "signature": signature_ok, "covered": covered, **view}
    cmd.out.result(
        data,
        f"{'[green]✔ valid' if good else '[red]✘ not valid'}[/]: "
        f"signature {'ok' if signature_ok else 'bad'}, "
        f"{cmd.shown(channel['symbol'], parsed.amount)} "
        f"{'within' if covered else 'outside'} (paid, deposit]",
    )
    if not good:
        raise typer.Exit(ExitCode.VERIFICATION_FAILED)


@channel_app.command("claim")
def channel_claim(
    claim: ClaimArgument,
    from_key: FromOption,
    close: Annotated[bool, typer.Option("--close", help="Close the channel too.")] = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Redeem a claim on the ledger (the recipient); --close closes the channel after."""
    parsed = _claim(claim)
    cmd.connect()
    signer = cmd.key(from_key)
    messages: list[Msg] = [
        ClaimChannel(signer.address, parsed.channel_id, parsed.amount, parsed.signature)
    ]
    if close:
        messages.append(CloseChannel(signer.address, parsed.channel_id))
    cmd.submit(messages, signer, "claim")


@channel_app.command("close")
def channel_close(channel_id: IdArgument, from_key: FromOption, *, cmd: SignedCommand) -> None:
    """Close a channel: at once (the recipient) or after the dispute window (the sender)."""
    cmd.connect()
    signer = cmd.key(from_key)
    cmd.submit(CloseChannel(signer.address, parse_id(channel_id)), signer, "close")


@channel_app.command("settle")
def channel_settle(channel_id: IdArgument, from_key: FromOption, *, cmd: SignedCommand) -> None:
    """End a closing channel once its dispute window is over (anyone)."""
    cmd.connect()
    signer = cmd.key(from_key)
    cmd.submit(SettleChannel(signer.address, parse_id(channel_id)), signer, "settle")


@channel_app.command("show")
def channel_show(channel_id: IdArgument, *, cmd: NodeCommand) -> None:
    """A channel: deposit, paid, remaining, state."""
    cmd.connect()
    view = cmd.query("payments", "channel", id=parse_id(channel_id).hex())
    channel = view["channel"]
    symbol = channel["symbol"]
    rows = [
        ("id", view["id"]),
        ("state", view["state"]),
        ("sender", channel["sender"]),
        ("recipient", channel["recipient"]),
        ("deposit", cmd.shown(symbol, channel["deposit"])),
        ("paid", cmd.shown(symbol, channel["paid"])),
        ("remaining", cmd.shown(symbol, view["remaining"])),
        ("closes at", channel["closes_at_ms"] or "-"),
    ]
    cmd.out.result(view, fields(rows))
