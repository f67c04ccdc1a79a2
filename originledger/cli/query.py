"""``origin query``: read accounts, balances, blocks, transactions and assets; with
``--prove``, check the answer against a header the validators signed."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from originledger.cli.command import NodeCommand, OriginTyper
from originledger.cli.connection import asset_record, save_trust, trusted_client
from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.options import GenesisHashOption, GenesisOption
from originledger.cli.output import counted, fields
from originledger.core.address import Address, account_address
from originledger.core.amounts import format_units
from originledger.core.codec import to_builtins
from originledger.sdk import Client, ClientError, VerificationError

__all__ = ["query_app"]

query_app = OriginTyper(help="Read the ledger (with --prove, verify what the node answers).")

ProveOption = Annotated[
    bool,
    typer.Option(
        "--prove", help="Verify the answer with a Merkle proof against a validator-signed header."
    ),
]
AddressArgument = Annotated[
    str, typer.Argument(help="An address, or the name of a key in HOME/keys.", show_default=False)
]
SymbolArgument = Annotated[str, typer.Argument(help="The asset's symbol.", show_default=False)]

VERIFIED = "[green]✔ verified[/] against block {height} signed by the validators"


def _hex(base64_text: str) -> str:
    return base64.b64decode(base64_text).hex()


def _proposer(base64_key: str) -> str:
    """The proposing validator as people know it (the address ``origin init`` lists)."""
    key = base64.b64decode(base64_key)
    return f"{account_address(key)} (validator key {key.hex()[:16]}…)"


def _time(time_ms: int) -> str:
    return datetime.fromtimestamp(time_ms / 1000, UTC).isoformat(timespec="milliseconds")


class _Decimals:
    """Each asset's decimals, asked of the node once (proven with ``prove``)."""

    def __init__(self, client: Client, prove: bool = False) -> None:
        self.client = client
        self.prove = prove
        self.known: dict[str, int] = {}

    def format(self, symbol: str, amount: int | str) -> str:
        if symbol not in self.known:
            if self.prove:
                self.known[symbol] = self.client.verified_asset(symbol)[0].decimals
            else:
                self.known[symbol] = int(asset_record(self.client, symbol)["decimals"])
        return format_units(int(amount), self.known[symbol])


def _trusted(cmd: NodeCommand, genesis: Path | None, genesis_hash: str | None) -> Client:
    """The node's client, verifying against the genesis you trust (see ``trusted_client``)."""
    return trusted_client(cmd.client, genesis, cmd.home, genesis_hash)


@query_app.command("account")
def account(
    address: AddressArgument,
    prove: ProveOption = False,
    genesis: GenesisOption = None,
    genesis_hash: GenesisHashOption = None,
    *,
    cmd: NodeCommand,
) -> None:
    """An account's roles and balances (with --prove, the record and every balance listed
    are verified against one validator-signed header)."""
    parsed = cmd.address(address)
    answer = cmd.client.account(parsed, prove=prove)
    record = answer["account"]
    height = answer["height"]
    if prove:
        verified = _trusted(cmd, genesis, genesis_hash).verified_account(parsed)
        save_trust(cmd.client, cmd.home)
        record = None if verified.record is None else to_builtins(verified.record)
        amounts = {symbol: str(amount) for symbol, amount in verified.balances.items()}
        height = verified.height
    else:
        amounts = {item["symbol"]: item["amount"] for item in answer["balances"]}
    if record is None and not amounts:
        raise CliError(
            ExitCode.NOT_FOUND, "account_not_found", f"the ledger knows no account {parsed}"
        )
    decimals = _Decimals(cmd.client, prove)
    balances = [
        {"symbol": symbol, "amount": amount, "units": decimals.format(symbol, amount)}
        for symbol, amount in sorted(amounts.items())
    ]
    data = {
        "address": str(parsed),
        "height": height,
        "account": record,
        "balances": balances,
        "verified": prove,
    }
    cmd.out.result(data, *_account_lines(data, prove))


def _account_lines(data: dict[str, Any], prove: bool) -> list[Any]:
    record, height = data["account"], data["height"]
    table = Table("symbol", "balance", title="balances", title_justify="left")
    for item in data["balances"]:
        table.add_row(item["symbol"], item["units"])
    roles = ", ".join(record["roles"]) if record and record["roles"] else "-"
    lines: list[Any] = [
        fields(
            [
                ("address", data["address"]),
                ("height", height),
                ("created at", record["created_height"] if record else "- (not yet registered)"),
                ("roles", roles),
            ]
        ),
        table,
    ]
    if prove:
        lines.append(f"record and balances {VERIFIED.format(height=height)}")
    return lines


_LINE_CONTROLS = ("held", "amount_frozen", "available", "frozen", "deep", "authorized")


def _balance_line(
    cmd: NodeCommand, parsed: Address, symbol: str
) -> tuple[int, int, int, dict[str, Any]]:
    """The balance line as the node answers it: decimals, height, amount, holds and
    freezes."""
    decimals = int(asset_record(cmd.client, symbol)["decimals"])
    line = cmd.client.query("assets", "balance", account=str(parsed), symbol=symbol)
    amount, height = int(line["result"]["amount"]), int(line["height"])
    controls = {name: line["result"][name] for name in _LINE_CONTROLS}
    return decimals, height, amount, controls


def _proven_balance_line(
    cmd: NodeCommand,
    parsed: Address,
    symbol: str,
    genesis: Path | None,
    genesis_hash: str | None,
) -> tuple[int, int, int, dict[str, Any]]:
    """The balance line and the asset's record (its decimals) both proven: the node's
    answer must show exactly them."""
    verified = _trusted(cmd, genesis, genesis_hash).verified_balance_line(parsed, symbol)
    save_trust(cmd.client, cmd.home)
    controls: dict[str, Any] = {
        "held": str(verified.line.held),
        "amount_frozen": str(verified.line.amount_frozen),
        "available": str(verified.line.available),
        "frozen": verified.line.frozen,
        "deep": verified.line.deep,
        "authorized": verified.line.authorized,
    }
    return verified.asset.decimals, verified.height, int(verified.line.amount), controls


@query_app.command("balance")
def balance(
    address: AddressArgument,
    symbol: SymbolArgument,
    prove: ProveOption = False,
    genesis: GenesisOption = None,
    genesis_hash: GenesisHashOption = None,
    *,
    cmd: NodeCommand,
) -> None:
    """An account's balance of one asset."""
    parsed = cmd.address(address)
    if prove:
        line = _proven_balance_line(cmd, parsed, symbol, genesis, genesis_hash)
    else:
        line = _balance_line(cmd, parsed, symbol)
    decimals, height, amount, controls = line
    units = format_units(amount, decimals)
    lines = [f"[bold]{units} {symbol}[/]  ({parsed}, block {height})"]
    if prove:
        lines.append(VERIFIED.format(height=height))
    # Holds and freezes (with --prove, from the proven line).
    held, frozen = int(controls["held"]), int(controls["amount_frozen"])
    flags = [name for name in ("frozen", "deep", "authorized") if controls[name]]
    if held or frozen or flags:
        lines.append(
            f"held {format_units(held, decimals)}, frozen {format_units(frozen, decimals)}, "
            f"available {format_units(int(controls['available']), decimals)}"
            + (f"; {', '.join(flags)}" if flags else "")
        )
    cmd.out.result(
        {
            "address": str(parsed),
            "symbol": symbol,
            "amount": str(amount),
            "units": units,
            "decimals": decimals,
            "height": height,
            "verified": prove,
            **controls,
        },
        *lines,
    )


@query_app.command("block")
def block(
    height: Annotated[str, typer.Argument(help="A height, or latest.")] = "latest",
    *,
    cmd: NodeCommand,
) -> None:
    """A block's header, signatures and transactions."""
    if height != "latest" and not height.isdigit():
        raise CliError(
            ExitCode.USAGE_ERROR, "invalid_height", f"expected a height or latest, got {height!r}"
        )
    answer = cmd.client.block(height)
    header = answer["signed_header"]["header"]
    title = counted(len(answer["txs"]), "transaction")
    txs = Table("#", "transaction hash", title=title, title_justify="left")
    for index, tx_hash in enumerate(answer["txs"]):
        txs.add_row(str(index), tx_hash)
    cmd.out.result(
        answer,
        fields(
            [
                ("height", header["height"]),
                ("hash", answer["hash"]),
                ("time", _time(header["time_ms"])),
                ("chain", header["chain_id"]),
                ("previous", _hex(header["previous_hash"])),
                ("state root", _hex(header["state_root"])),
                ("tx root", _hex(header["tx_root"])),
                ("results root", _hex(header["results_root"])),
                ("proposer", _proposer(header["proposer"])),
                ("signatures", len(answer["signed_header"]["signatures"])),
            ]
        ),
        txs,
    )


@query_app.command("tx")
def tx(
    tx_hash: Annotated[str, typer.Argument(metavar="HASH", help="The transaction's hash (hex).")],
    prove: ProveOption = False,
    genesis: GenesisOption = None,
    genesis_hash: GenesisHashOption = None,
    *,
    cmd: NodeCommand,
) -> None:
    """A transaction's receipt: status, result, messages and events."""
    if re.fullmatch(r"[0-9a-fA-F]{64}", tx_hash) is None:
        raise CliError(
            ExitCode.USAGE_ERROR, "invalid_hash", "a transaction hash is 64 hex characters"
        )
    if prove:
        receipt, verified = _trusted(cmd, genesis, genesis_hash).verified_receipt(tx_hash)
        save_trust(cmd.client, cmd.home)
    else:
        receipt, verified = cmd.client.receipt(tx_hash), None
    if verified is not None:
        receipt = _proven_receipt(verified, receipt)
        position = (
            f"index {verified.index}"
            if verified.batch_index is None
            else f"CometBFT tx {verified.index}, batch index {verified.batch_index}"
        )
    else:
        position = f"index {receipt.get('index')}"
    lines = _receipt_lines(receipt, position, _Decimals(cmd.client))
    proven = None
    if verified is not None:
        lines.append("the transaction and its result " + VERIFIED.format(height=verified.height))
        proven = {
            "height": verified.height,
            "index": verified.index,
            "batch_index": verified.batch_index,
        }
    cmd.out.result({**receipt, "verified": proven}, *lines)


def _proven_receipt(verified: Any, receipt: dict[str, Any]) -> dict[str, Any]:
    """Only what the proof binds: the transaction decoded here from the raw bytes that
    hash to the proven hash, the whole proven result leaf, its proven position and the
    events that hash to the proven events hash."""
    leaf = verified.result
    return {
        "hash": verified.hash.hex(),
        "status": "committed",
        "height": verified.height,
        "index": verified.index,
        "result": {
            "codespace": leaf.codespace,
            "code": leaf.code,
            "message": leaf.message,
            "message_index": leaf.message_index,
        },
        "tx": verified.tx,
        "events": [
            {"type": event["type"], "data": {k: v for k, v in event.items() if k != "type"}}
            for event in verified.events
        ],
        "raw": receipt.get("raw"),
    }


_AMOUNT_FIELDS = frozenset({"amount", "supply", "remaining", "captured", "refunded", "deposit"})


def _field(message: dict[str, Any], key: str, value: object, decimals: _Decimals) -> str:
    """A message's (or an event's) field for people: an amount of the asset it names in
    the asset's units with its symbol."""
    symbol = message.get("symbol")
    if key in _AMOUNT_FIELDS and isinstance(symbol, str) and str(value).isdigit():
        try:
            return f"{key}={decimals.format(symbol, str(value))} {symbol}"
        except (ClientError, VerificationError, KeyError, ValueError):
            pass  # no such asset (the message was refused for it): minor units
    return f"{key}={value}"


def _receipt_lines(receipt: dict[str, Any], position: str, decimals: _Decimals) -> list[Any]:
    rows: list[tuple[str, object]] = [("hash", receipt["hash"]), ("status", receipt["status"])]
    if receipt["status"] == "committed":
        result = receipt.get("result") or {}
        rows += [
            ("block", f"{receipt['height']} ({position})"),
            ("result", f"{result['codespace']}/{result['code']} {result['message']}"),
        ]
    description = receipt.get("tx") or {}
    for message in description.get("messages", []):
        shown = (_field(message, k, v, decimals) for k, v in message.items())
        rows.append(("message", " ".join(shown)))
    if not receipt.get("events"):
        return [fields(rows)]
    events = Table("type", "data", title="events", title_justify="left")
    for event in receipt["events"]:
        data = event["data"]
        shown = (_field(data, k, v, decimals) for k, v in data.items())
        events.add_row(event["type"], " ".join(shown))
    return [fields(rows), events]


@query_app.command("asset")
def asset(symbol: SymbolArgument, *, cmd: NodeCommand) -> None:
    """An asset's record: issuer, class, decimals, supply and its cap."""
    answer = cmd.client.query("assets", "asset", symbol=symbol)
    record = answer["result"]["asset"]
    decimals = int(record["decimals"])
    cmd.out.result(
        answer["result"],
        fields(
            [
                ("symbol", record["symbol"]),
                ("name", record["name"]),
                (
                    "class",
                    record["asset_class"]
                    + (" (speculative)" if answer["result"]["speculative"] else ""),
                ),
                ("issuer", record["issuer"]),
                ("decimals", decimals),
                ("supply", format_units(int(record["supply"]), decimals)),
                ("max supply", format_units(int(record["max_supply"]), decimals)),
                ("created at", f"block {record['created_height']}"),
            ]
        ),
    )
