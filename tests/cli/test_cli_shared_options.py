"""The options every node command shares are declared once (``NodeCommand.OPTIONS``,
``SignedCommand.OPTIONS``) and stand in for the command's one context parameter."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from originledger.cli import ExitCode, app
from originledger.cli.command import NodeCommand, OriginTyper, with_shared_options
from originledger.cli.options import DEFAULT_HOME, DEFAULT_WAIT_MS
from originledger.cli.signing import SignedCommand

from .helpers import PLAIN_ENV

SIGNED = ["home", "node", "passphrase_file", "wait_ms", "json_output"]


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, child in sorted(getattr(command, "commands", {}).items()):
        found += _commands(child, (*path, name))
    return found


def test_every_command_that_submits_ends_with_the_same_five_options() -> None:
    submitting = [
        (path, command)
        for path, command in _commands(typer.main.get_command(app))
        if any(param.name == "wait_ms" for param in command.params)
    ]
    assert len(submitting) >= 35  # every transaction command of every group
    reference = {param.name: param for param in submitting[0][1].params[-5:]}
    for path, command in submitting:
        tail = command.params[-5:]
        assert [param.name for param in tail] == SIGNED, path
        for param in tail:
            assert param.opts == reference[param.name].opts, (path, param.name)
            assert param.help == reference[param.name].help, (path, param.name)
            assert param.default == reference[param.name].default, (path, param.name)


def test_the_context_parameter_becomes_the_shared_options() -> None:
    seen: list[SignedCommand] = []

    def command(symbol: str, minor: bool = False, *, cmd: SignedCommand) -> None:
        seen.append(cmd)

    expanded = with_shared_options(command)
    parameters = inspect.signature(expanded).parameters
    assert list(parameters) == ["symbol", "minor", *SIGNED]
    assert parameters["home"].default == DEFAULT_HOME
    assert parameters["wait_ms"].default == DEFAULT_WAIT_MS
    expanded(
        symbol="USDD",
        minor=False,
        home=Path("/nowhere"),
        node="http://127.0.0.1:1",
        passphrase_file=None,
        wait_ms=5,
        json_output=True,
    )
    [cmd] = seen
    assert (cmd.home, cmd.node, cmd.wait_ms, cmd.out.json) == (
        Path("/nowhere"),
        "http://127.0.0.1:1",
        5,
        True,
    )


def test_a_command_without_a_context_parameter_is_left_alone() -> None:
    def command(home: Path, json_output: bool = False) -> None:
        pass

    assert with_shared_options(command) is command


def test_the_client_opens_when_first_needed_and_closes_with_the_command(tmp_path: Path) -> None:
    """A missing home fails only when the node is needed: a usage error comes first."""
    group = OriginTyper()
    clients: list[Any] = []

    @group.command("probe")
    def probe(connect: bool = False, *, cmd: NodeCommand) -> None:
        if connect:
            clients.append(cmd.connect())
            assert cmd.connect() is clients[0]
        cmd.out.result({"connected": connect}, "ok")

    runner = CliRunner()
    offline = runner.invoke(group, ["--home", str(tmp_path), "--json"], env=PLAIN_ENV)
    assert offline.exit_code == 0 and '"connected": false' in offline.stdout
    missing = runner.invoke(group, ["--home", str(tmp_path), "--connect"], env=PLAIN_ENV)
    assert missing.exit_code == ExitCode.SETUP_ERROR and "config.toml" in missing.stderr
    online = runner.invoke(group, ["--node", "http://127.0.0.1:1", "--connect"], env=PLAIN_ENV)
    assert online.exit_code == 0, online.output
    assert clients[0]._http.is_closed
