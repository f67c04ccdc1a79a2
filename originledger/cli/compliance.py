"""``origin compliance``: why a transaction was refused (``explain``), where money went
(``trace``), and the active policy packs (``packs``)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer
from rich.table import Table

from originledger.cli.command import NodeCommand, OriginTyper
from originledger.cli.connection import asset_record
from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.output import fields
from originledger.core.amounts import format_units
from originledger.modules.catalogue import default_catalogue
from originledger.modules.compliance import ComplianceCode, rule_id_of
from originledger.modules.compliance.tracing import TRACE_FANOUT_MAX, TRACE_HOPS_MAX

__all__ = ["compliance_app"]

compliance_app = OriginTyper(
    help="Compliance: why a transaction was refused, where money went, the active rules."
)


def _code_name(codespace: str, code: int) -> str:
    """The name of a result code (``RECEIVER_NOT_VERIFIED``), from the modules' enums."""
    from originledger.core.codes import TxCode

    module = default_catalogue().by_name.get(codespace)
    enum = TxCode if codespace == TxCode.codespace else (module.codes if module else None)
    names = {int(member): member.name for member in enum} if enum is not None else {}
    return names.get(code, str(code))


@compliance_app.command("explain")
def explain(
    tx_hash: Annotated[str, typer.Argument(metavar="TX", help="The transaction's hash (hex).")],
    *,
    cmd: NodeCommand,
) -> None:
    """Which module and code refused a transaction and why; for a compliance refusal, the
    rule, its policy pack, its citation and the reason."""
    if re.fullmatch(r"[0-9a-fA-F]{64}", tx_hash) is None:
        raise CliError(
            ExitCode.USAGE_ERROR, "invalid_hash", "a transaction hash is 64 hex characters"
        )
    receipt = cmd.client.receipt(tx_hash)
    result = receipt.get("result")
    if receipt["status"] != "committed" or result is None:
        answer = {"hash": receipt["hash"], "status": receipt["status"], "refused": None}
        cmd.out.result(answer, f"{receipt['hash']} is {receipt['status']}: not in a block yet")
        return
    answer = _explanation(cmd, receipt, result)
    if not answer["refused"]:
        cmd.out.result(answer, f"[green]✔[/] {receipt['hash']} committed at block "
                       f"{receipt['height']} with result ok: no rule refused it")  # fmt: skip
        return
    cmd.out.result(answer, "[red]✘[/] refused", fields(_refusal_rows(answer)))


def _explanation(
    cmd: NodeCommand, receipt: dict[str, Any], result: dict[str, Any]
) -> dict[str, Any]:
    """A committed transaction's result, named, with the compliance rule that refused it."""
    messages = (receipt.get("tx") or {}).get("messages", [])
    index = int(result["message_index"])
    message_type = messages[index]["type"] if 0 <= index < len(messages) else None
    codespace, code = result["codespace"], int(result["code"])
    rule: dict[str, Any] | None = None
    if codespace == ComplianceCode.codespace:
        rule_id = rule_id_of(result["message"])
        if rule_id is not None:
            rule = cmd.client.query("compliance", "rule", id=rule_id)["result"]
    return {
        "hash": receipt["hash"],
        "status": "committed",
        "height": receipt["height"],
        "refused": code != 0,
        "codespace": codespace,
        "code": code,
        "name": _code_name(codespace, code),
        "message": result["message"],
        "message_index": index,
        "message_type": message_type,
        "rule": rule,
    }


def _refusal_rows(answer: dict[str, Any]) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        ("transaction", answer["hash"]),
        ("block", answer["height"]),
        ("refused by", f"{answer['codespace']} {answer['name']} ({answer['code']})"),
        ("message", f"#{answer['message_index']} {answer['message_type'] or '-'}"),
        ("reason", answer["message"]),
    ]
    rule = answer["rule"]
    if rule is not None:
        cites = rule["rule"]["cites"]
        rows += [
            ("rule", f"{rule['rule']['id']} ({rule['kind']})"),
            ("pack", f"{rule['jurisdiction']}: {rule['pack']} (version {rule['version']})"),
            ("why", rule["rule"]["summary"]),
            ("cites", f"{cites['document']}, {cites['section']}"),
            ("quote", f"“{cites['quote']}”"),
        ]
    return rows


@compliance_app.command("trace")
def trace(
    account: Annotated[
        str, typer.Argument(help="The account the money comes from (address or key name).")
    ],
    symbol: Annotated[str, typer.Argument(help="The asset's symbol.")],
    after_height: Annotated[
        int, typer.Option("--after-height", min=0, help="Follow transfers after this block.")
    ] = 0,
    hops: Annotated[
        int, typer.Option("--hops", min=1, max=TRACE_HOPS_MAX, help="How many hops to follow.")
    ] = 4,
    fanout: Annotated[
        int,
        typer.Option(
            "--fanout", min=1, max=TRACE_FANOUT_MAX, help="Outflows followed per account."
        ),
    ] = 32,
    *,
    cmd: NodeCommand,
) -> None:
    """Follow money from an account through later transfers, hop by hop, with amounts
    (first in, first out; see docs/compliance.md)."""
    origin = cmd.address(account)
    decimals = int(asset_record(cmd.client, symbol)["decimals"])
    answer = cmd.client.compliance_trace(
        origin, symbol, after_height=after_height, hops=hops, fanout=fanout
    )
    result = answer["trace"]

    def units(amount: str | int) -> str:
        return format_units(int(amount), decimals)

    table = Table("hop", "block", "kind", "from", "to", "amount", "traced", title="hops")
    for hop in result["hops"]:
        table.add_row(
            str(hop["hop"]),
            str(hop["height"]),
            hop["kind"],
            hop["sender"],
            hop["recipient"] or "(out of circulation)",
            units(hop["amount"]),
            units(hop["traced"]),
        )
    rest = Table("account", "traced money held", title="at rest")
    for item in result["at_rest"]:
        rest.add_row(item["account"], units(item["amount"]))
    summary = fields(
        [
            ("from", origin),
            ("asset", symbol),
            ("after block", after_height),
            ("sent", units(result["sent"])),
            ("truncated", "yes: a bound cut the trace" if result["truncated"] else "no"),
        ]
    )
    cmd.out.result(answer, summary, table, rest)


@compliance_app.command("packs")
def packs(*, cmd: NodeCommand) -> None:
    """The active policy packs and their rules, each with its citation."""
    answer = cmd.client.query("compliance", "packs")["result"]
    renderables: list[Any] = []
    for pack in answer["packs"]:
        table = Table(
            "rule",
            "kind",
            "what it says",
            "cites",
            title=f"{pack['jurisdiction']}: {pack['name']} (version {pack['version']})",
            title_justify="left",
        )
        for rule in pack["rules"]:
            cites = rule["cites"]
            table.add_row(rule["id"], rule["kind"], rule["summary"], cites["section"])
        renderables.append(table)
    if not renderables:
        renderables.append("no policy pack is active")
    cmd.out.result(answer, *renderables)
