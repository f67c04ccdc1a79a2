"""The commands that sign and submit a transaction share one sequence: resolve the node
and the signing keys, build the transaction for the node's chain from the command's
messages, sign, submit, wait for the commit as ``--wait-ms`` asks, and report the result
the same way (exit 1 when the ledger refuses). ``SignedCommand`` is that sequence and the
options that go with it."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import msgspec
import typer

from originledger.cli.command import HOME, JSON, NODE, NodeCommand, option
from originledger.cli.exit_codes import ExitCode
from originledger.cli.home import load_key
from originledger.cli.options import DEFAULT_WAIT_MS, PassphraseFileOption, WaitOption
from originledger.cli.output import fields
from originledger.core.tx import Msg
from originledger.sdk import Key, SubmitResult

__all__ = ["SignedCommand"]


class SignedCommand(NodeCommand):
    """A command that signs and submits a transaction: ``--home``, ``--node``,
    ``--passphrase-file``, ``--wait-ms`` and ``--json``."""

    OPTIONS: ClassVar[tuple[inspect.Parameter, ...]] = (
        HOME,
        NODE,
        option("passphrase_file", PassphraseFileOption, None),
        option("wait_ms", WaitOption, DEFAULT_WAIT_MS),
        JSON,
    )

    def __init__(
        self,
        home: Path,
        node: str | None,
        passphrase_file: Path | None,
        wait_ms: int,
        json_output: bool,
    ) -> None:
        super().__init__(home, node, json_output)
        self.passphrase_file = passphrase_file
        self.wait_ms = wait_ms

    def key(self, name: str) -> Key:
        """The key named ``name`` in HOME/keys, unlocked with the passphrase."""
        return load_key(self.home, name, self.passphrase_file)

    def submit(
        self,
        messages: Msg | Sequence[Msg],
        signers: Key | Sequence[Key],
        summary: str,
        extra: Sequence[tuple[str, object]] = (),
        json_extra: dict[str, object] | None = None,
    ) -> SubmitResult:
        """Sign for the node's chain, submit, report (with ``extra`` rows, also in the
        JSON, and ``json_extra`` in the JSON only); exit 1 when the ledger refuses."""
        messages = list(messages) if isinstance(messages, Sequence) else [messages]
        signers = [signers] if isinstance(signers, Key) else list(signers)
        tx = self.client.tx_builder().build(messages, signers)
        result = self.client.submit(tx, wait_ms=self.wait_ms)
        self._report(result, summary, extra, json_extra or {})
        if not result.ok:
            raise typer.Exit(ExitCode.TX_REFUSED)
        return result

    def _report(
        self,
        result: SubmitResult,
        summary: str,
        extra: Sequence[tuple[str, object]],
        json_extra: dict[str, object],
    ) -> None:
        if not result.ok:
            headline = f"[red]✘ refused[/]: {summary}"
        elif result.status == "committed":
            headline = f"[green]✔[/] {summary}: committed in block {result.height}"
        else:
            headline = f"[yellow]…[/] {summary}: {result.status}, not committed yet"
        data = {**msgspec.structs.asdict(result), "ok": result.ok, **dict(extra), **json_extra}
        rows = [
            *extra,
            ("hash", result.hash),
            ("status", result.status),
            ("code", f"{result.codespace}/{result.code}"),
            ("message", result.message),
            ("height", "-" if result.height is None else result.height),
        ]
        self.out.result(data, headline, fields(rows))
