"""``origin query``: read accounts, balances, blocks, transactions and assets; with
``--prove``, check the answer against a header the validators signed."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from originledger.cli.common import (
    DEFAULT_HOME,
    CliError,
    GenesisHashOption,
    GenesisOption,
    HomeOption,
    JsonOption,
    NodeOption,
    OriginTyper,
    Output,
    asset_record,
    fields,
    open_client,
    resolve_address,
    save_trust,
    trusted_client,
)
from originledger.cli.exit_codes import ExitCode
from originledger.cli.wording import plural
from originledger.core.amounts import format_units
from originledger.core.codec import to_builtins
from originledger.sdk import Client

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


@query_app.command("account")
def account(
    address: AddressArgument,
    prove: ProveOption = False,
    genesis: GenesisOption = None,
    genesis_hash: GenesisHashOption = None,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """An account's roles and balances (with --prove, the record and every balance listed
    are verified against one validator-signed header)."""
    out = Output(json_output)
    parsed = resolve_address(address, home)
    with open_client(home, node) as client:
        answer = client.account(parsed, prove=prove)
        record = answer["account"]
        height = answer["height"]
        if prove:
            verified = trusted_client(client, genesis, home, genesis_hash).verified_account(parsed)
            save_trust(client, home)
            record = None if verified.record is None else to_builtins(verified.record)
            amounts = {symbol: str(amount) for symbol, amount in verified.balances.items()}
            height = verified.height
        else:
            amounts = {item["symbol"]: item["amount"] for item in answer["balances"]}
        if record is None and not amounts:
            raise CliError(
                ExitCode.NOT_FOUND, "account_not_found", f"the ledger knows no account {parsed}"
            )
        decimals = _Decimals(client, prove)
        balances = [
            {"symbol": symbol, "amount": amount, "units": decimals.format(symbol, amount)}
            for symbol, amount in sorted(amounts.items())
        ]
    table = Table("symbol", "balance", title="balances", title_justify="left")
    for item in balances:
        table.add_row(item["symbol"], item["units"])
    roles = ", ".join(record["roles"]) if record and record["roles"] else "-"
    lines: list[Any] = [
        fields(
            [
                ("address", parsed),
                ("height", height),
                ("created at", record["created_height"] if record else "- (not yet registered)"),
                ("roles", roles),
            ]
        ),
        table,
    ]
    if prove:
        lines.append(f"record and balances {VERIFIED.format(height=height)}")
    out.result(
        {
            "address": str(parsed),
            "height": height,
            "account": record,
            "balances": balances,
            "verified": prove,
        },
        *lines,
    )


@query_app.command("balance")
def balance(
    address: AddressArgument,
    symbol: SymbolArgument,
    prove: ProveOption = False,
    genesis: GenesisOption = None,
    genesis_hash: GenesisHashOption = None,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """An account's balance of one asset."""
    out = Output(json_output)
    parsed = resolve_address(address, home)
    with open_client(home, node) as client:
        if prove:
            # The line and the asset's record (its decimals) both proven: the node's answer
            # must show exactly them.
            trusted = trusted_client(client, genesis, home, genesis_hash)
            verified = trusted.verified_balance_line(parsed, symbol)
            save_trust(client, home)
            decimals, height = verified.asset.decimals, verified.height
            amount = int(verified.line.amount)
            controls: dict[str, Any] = {
                "held": str(verified.line.held),
                "amount_frozen": str(verified.line.amount_frozen),
                "available": str(verified.line.available),
                "frozen": verified.line.frozen,
                "deep": verified.line.deep,
                "authorized": verified.line.authorized,
            }
        else:
            decimals = int(asset_record(client, symbol)["decimals"])
            line = client.query("assets", "balance", account=str(parsed), symbol=symbol)
            amount, height = int(line["result"]["amount"]), int(line["height"])
            controls = {name: line["result"][name] for name in _LINE_CONTROLS}
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
    out.result(
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


_LINE_CONTROLS = ("held", "amount_frozen", "available", "frozen", "deep", "authorized")


@query_app.command("block")
def block(
    height: Annotated[str, typer.Argument(help="A height, or latest.")] = "latest",
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """A block's header, signatures and transactions."""
    out = Output(json_output)
    if height != "latest" and not height.isdigit():
        raise CliError(
            ExitCode.USAGE_ERROR, "invalid_height", f"expected a height or latest, got {height!r}"
        )
    with open_client(home, node) as client:
        answer = client.block(height)
    header = answer["signed_header"]["header"]
    title = plural(len(answer["txs"]), "transaction")
    txs = Table("#", "transaction hash", title=title, title_justify="left")
    for index, tx_hash in enumerate(answer["txs"]):
        txs.add_row(str(index), tx_hash)
    out.result(
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
                ("proposer", _hex(header["proposer"])),
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
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """A transaction's receipt: status, result, messages and events."""
    out = Output(json_output)
    if re.fullmatch(r"[0-9a-fA-F]{64}", tx_hash) is None:
        raise CliError(
            ExitCode.USAGE_ERROR, "invalid_hash", "a transaction hash is 64 hex characters"
        )
    with open_client(home, node) as client:
        if prove:
            trusted = trusted_client(client, genesis, home, genesis_hash)
            receipt, verified = trusted.verified_receipt(tx_hash)
            save_trust(client, home)
        else:
            receipt, verified = client.receipt(tx_hash), None
    if verified is not None:
        # Show only what the proof binds: the transaction decoded here from the raw bytes
        # that hash to the proven hash, the whole proven result leaf, its proven position
        # and the events that hash to the proven events hash.
        leaf = verified.result
        result: dict[str, Any] = {
            "codespace": leaf.codespace,
            "code": leaf.code,
            "message": leaf.message,
            "message_index": leaf.message_index,
        }
        position = (
            f"index {verified.index}"
            if verified.batch_index is None
            else f"CometBFT tx {verified.index}, batch index {verified.batch_index}"
        )
        receipt = {
            "hash": verified.hash.hex(),
            "status": "committed",
            "height": verified.height,
            "index": verified.index,
            "result": result,
            "tx": verified.tx,
            "events": [
                {"type": event["type"], "data": {k: v for k, v in event.items() if k != "type"}}
                for event in verified.events
            ],
            "raw": receipt.get("raw"),
        }
    else:
        result = receipt.get("result") or {}
        position = f"index {receipt.get('index')}"
    rows: list[tuple[str, object]] = [("hash", receipt["hash"]), ("status", receipt["status"])]
    if receipt["status"] == "committed":
        rows += [
            ("block", f"{receipt['height']} ({position})"),
            ("result", f"{result['codespace']}/{result['code']} {result['message']}"),
        ]
    description = receipt.get("tx") or {}
    for message in description.get("messages", []):
        rows.append(("message", " ".join(f"{k}={v}" for k, v in message.items())))
    events = Table("type", "data", title="events", title_justify="left")
    for event in receipt.get("events", []):
        events.add_row(event["type"], " ".join(f"{k}={v}" for k, v in event["data"].items()))
    lines: list[Any] = [fields(rows), events]
    if verified is not None:
        lines.append("the transaction and its result " + VERIFIED.format(height=verified.height))
    proven = (
        None
        if verified is None
        else {
            "height": verified.height,
            "index": verified.index,
            "batch_index": verified.batch_index,
        }
    )
    out.result({**receipt, "verified": proven}, *lines)


@query_app.command("asset")
def asset(
    symbol: SymbolArgument,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    json_output: JsonOption = False,
) -> None:
    """An asset's record: issuer, class, decimals, supply and its cap."""
    out = Output(json_output)
    with open_client(home, node) as client:
        answer = client.query("assets", "asset", symbol=symbol)
    record = answer["result"]["asset"]
    decimals = int(record["decimals"])
    out.result(
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
