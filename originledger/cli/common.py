"""What the commands share: errors and their exit codes, output (Rich or JSON), the
options every command takes, and finding the home, the keys and the node."""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec
import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from originledger.cli.exit_codes import ExitCode
from originledger.cli.wording import readable_help_types
from originledger.core.address import Address, AddressError
from originledger.core.amounts import Amount, parse_units
from originledger.core.tx import Msg
from originledger.node.home import HomeError, load_config
from originledger.node.runner import parse_listen
from originledger.sdk import Client, ClientError, Key, KeystoreError, TxBuilder, VerificationError
from originledger.sdk.wallet import (
    load_keystore,
    pop_environment_passphrase,
    read_keystore_public,
)

__all__ = [
    "DEFAULT_HOME",
    "DEFAULT_WAIT_MS",
    "WAIT_MS_MAX",
    "CliError",
    "GenesisHashOption",
    "GenesisOption",
    "HomeOption",
    "JsonOption",
    "NodeOption",
    "OriginTyper",
    "Output",
    "PassphraseFileOption",
    "asset_record",
    "fields",
    "keystore_path",
    "load_key",
    "open_client",
    "parse_amount",
    "read_passphrase",
    "resolve_address",
    "save_trust",
    "trusted_client",
]

DEFAULT_HOME = Path("~/.origin")
DEFAULT_WAIT_MS = 10_000
WAIT_MS_MAX = 30_000  # the API waits at most this long for a commit
PASSPHRASE_ENV = "ORIGIN_PASSPHRASE"
_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

Function = TypeVar("Function", bound=Callable[..., Any])

# Options shared by many commands --------------------------------------------------------

HomeOption = Annotated[
    Path,
    typer.Option(
        "--home",
        envvar="ORIGIN_HOME",
        show_default="$ORIGIN_HOME or ~/.origin",
        help="The node's home: keystores in HOME/keys, the API address in HOME/config.toml.",
    ),
]
NodeOption = Annotated[
    str | None,
    typer.Option(
        "--node",
        envvar="ORIGIN_NODE",
        show_default="[api] listen of HOME/config.toml",
        help="The node's API URL, e.g. http://127.0.0.1:8700.",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON on stdout, and nothing else.")
]
PassphraseFileOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        show_default=False,
        help=f"Read the passphrase from this file (else ${PASSPHRASE_ENV}, else a prompt).",
    ),
]
GenesisOption = Annotated[
    Path | None,
    typer.Option(
        "--genesis",
        show_default="HOME/genesis.json",
        help="With --prove: the genesis.json you trust (never taken from the node).",
    ),
]
GenesisHashOption = Annotated[
    str | None,
    typer.Option(
        "--genesis-hash",
        show_default=False,
        help="With --prove: the SHA-256 (hex) of the genesis you trust; the node's genesis "
        "must have it.",
    ),
]


# Errors ---------------------------------------------------------------------------------


class CliError(Exception):
    """An expected failure: one line for the user, a stable code and an exit code."""

    def __init__(self, exit_code: ExitCode, code: str, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.code = code
        self.message = message


def _as_cli_error(error: Exception) -> CliError:
    if isinstance(error, CliError):
        return error
    if isinstance(error, ClientError):
        if error.status == 404:
            return CliError(ExitCode.NOT_FOUND, error.code, error.message)
        message = error.message
        if error.status == 0:
            message += " (is the node running? `origin start`, or pass --node URL)"
        return CliError(ExitCode.NODE_ERROR, error.code, message)
    if isinstance(error, VerificationError):
        return CliError(ExitCode.VERIFICATION_FAILED, "verification_failed", str(error))
    if isinstance(error, KeystoreError):
        return CliError(ExitCode.SETUP_ERROR, "keystore_error", str(error))
    return CliError(ExitCode.SETUP_ERROR, "home_error", str(error))


def reports_errors(function: Function) -> Function:
    """Turn expected errors into one line (or a JSON object) and their exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (CliError, ClientError, VerificationError, HomeError, KeystoreError) as error:
            failure = _as_cli_error(error)
            if kwargs.get("json_output"):
                Output.emit_json({"error": {"code": failure.code, "message": failure.message}})
            else:
                Console(stderr=True, highlight=False, soft_wrap=True).print(
                    f"[bold red]error:[/] {escape(failure.message)}"
                )
            raise typer.Exit(failure.exit_code) from None

    return wrapper  # type: ignore[return-value]


readable_help_types()  # `--json` rather than `--json <bool>` in --help


class OriginTyper(typer.Typer):
    """A Typer whose every command reports expected errors with their exit code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("no_args_is_help", True)
        kwargs.setdefault("pretty_exceptions_show_locals", False)  # locals may hold secrets
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Function], Function]:
        register = super().command(*args, **kwargs)

        def decorator(function: Function) -> Function:
            register(reports_errors(function))
            return function

        return decorator


# Output ---------------------------------------------------------------------------------


class Output:
    """Where a command's result goes: JSON on stdout with --json, else Rich text."""

    def __init__(self, json_output: bool) -> None:
        self.json = json_output
        self.console = Console(highlight=False)

    @staticmethod
    def emit_json(data: Any) -> None:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        sys.stdout.flush()

    def result(self, data: Any, *renderables: RenderableType | str) -> None:
        """The command's answer: ``data`` as JSON, or the renderables for people."""
        if self.json:
            self.emit_json(data)
        else:
            for renderable in renderables:
                self.console.print(renderable)

    def say(self, text: RenderableType | str) -> None:
        """A line for people only (progress, hints); silent with --json."""
        if not self.json:
            self.console.print(text)


def fields(rows: Iterable[tuple[str, object]]) -> Table:
    """Label/value rows; values are shown as plain text (never as markup)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in rows:
        table.add_row(label, value if isinstance(value, Text) else Text(str(value)))
    return table


# Home, keys and passphrases -------------------------------------------------------------


def home_path(home: Path) -> Path:
    return home.expanduser()


def keystore_path(home: Path, name: str) -> Path:
    if _KEY_NAME.fullmatch(name) is None:
        raise CliError(
            ExitCode.USAGE_ERROR,
            "invalid_key_name",
            f"{name!r} is not a key name: letters, digits, '_', '.', '-' (at most 64)",
        )
    return home_path(home) / "keys" / f"{name}.json"


_environment_passphrase: list[str | None] = [None]


def take_environment_passphrase() -> None:
    """Take ``$ORIGIN_PASSPHRASE`` out of the environment at the start of a command (the
    root callback), before anything can start a child process that would inherit it; the
    command's ``read_passphrase`` answers it from memory."""
    _environment_passphrase[0] = pop_environment_passphrase()


def read_passphrase(passphrase_file: Path | None, *, confirm: bool = False) -> str:
    """From --passphrase-file, else $ORIGIN_PASSPHRASE, else a hidden prompt."""
    if passphrase_file is not None:
        try:
            return passphrase_file.read_text().rstrip("\r\n")
        except OSError as error:
            raise CliError(
                ExitCode.SETUP_ERROR, "passphrase_file", f"cannot read the passphrase file: {error}"
            ) from None
    from_environment = _environment_passphrase[0]
    if from_environment is None:  # not taken at the start of this command (a direct call)
        from_environment = pop_environment_passphrase()
    if from_environment is not None:
        return from_environment
    try:
        return str(
            typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True)
        )
    except typer.Abort:
        raise CliError(
            ExitCode.SETUP_ERROR,
            "no_passphrase",
            f"no passphrase given (use --passphrase-file or ${PASSPHRASE_ENV})",
        ) from None


def load_key(home: Path, name: str, passphrase_file: Path | None) -> Key:
    path = keystore_path(home, name)
    if not path.exists():
        raise CliError(
            ExitCode.SETUP_ERROR,
            "key_not_found",
            f"no key named {name!r} in {path.parent} (see `origin keys list`)",
        )
    return load_keystore(path, read_passphrase(passphrase_file))


def resolve_address(text: str, home: Path) -> Address:
    """An address given as text, or the address of a key in HOME/keys."""
    try:
        return Address.from_text(text)
    except AddressError:
        pass
    path = home_path(home) / "keys" / f"{text}.json"
    if _KEY_NAME.fullmatch(text) is None or not path.exists():
        raise CliError(
            ExitCode.SETUP_ERROR,
            "key_not_found",
            f"{text!r} is neither an address nor a key in {path.parent}",
        )
    return Address.from_text(read_keystore_public(path)["address"])


def parse_amount(text: str, decimals: int) -> Amount:
    try:
        return parse_units(text, decimals)
    except ValueError as error:
        raise CliError(ExitCode.USAGE_ERROR, "invalid_amount", str(error)) from None


# The node -------------------------------------------------------------------------------


def node_url(home: Path, node: str | None) -> str:
    if node:
        return node
    host, port = parse_listen(load_config(home_path(home)).api.listen)
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def open_client(home: Path, node: str | None) -> Client:
    return Client(node_url(home, node))


def asset_record(client: Client, symbol: str) -> dict[str, Any]:
    """The asset's record from the node (404, exit 5, when there is none)."""
    return client.query("assets", "asset", symbol=symbol)["result"]["asset"]  # type: ignore[no-any-return]


TRUST_STATE_FILE = "light-client.json"


def trusted_client(
    client: Client, genesis: Path | None, home: Path, genesis_hash: str | None = None
) -> Client:
    """Pin the chain the client verifies against: ``genesis`` (a file you hold), else
    ``genesis_hash`` (the node's genesis must hash to it), else HOME/genesis.json (your own
    node's). Never the node's own word. Resumes the light client's state saved in HOME."""
    pinned: bytes | None = None
    if genesis_hash is not None:
        try:
            pinned = bytes.fromhex(genesis_hash)
        except ValueError:
            pinned = None
        if pinned is None or len(pinned) != 32:
            raise CliError(
                ExitCode.USAGE_ERROR, "invalid_genesis_hash", "a genesis hash is 64 hex characters"
            )
    path = genesis
    if path is None and pinned is None:
        path = home_path(home) / "genesis.json"
        if not path.exists():
            raise CliError(
                ExitCode.SETUP_ERROR,
                "no_trusted_genesis",
                f"--prove needs the genesis you trust: no {path}; pass --genesis FILE or "
                "--genesis-hash HEX (the node being checked cannot vouch for itself)",
            )
    try:
        trusted = client.trust(path.read_bytes() if path else None, genesis_hash=pinned)
    except OSError as error:
        raise CliError(
            ExitCode.SETUP_ERROR, "genesis_file", f"cannot read {path}: {error}"
        ) from None
    except VerificationError:
        raise
    except ValueError as error:  # a document that does not decode as a genesis
        raise CliError(ExitCode.SETUP_ERROR, "genesis_file", f"{path}: {error}") from error
    client.check_genesis()
    state_file = home_path(home) / TRUST_STATE_FILE
    with contextlib.suppress(OSError, ValueError):
        trusted.restore(json.loads(state_file.read_text()))
    return client


def save_trust(client: Client, home: Path) -> None:
    """Keep the light client's state (the validator sets it proved) for the next command."""
    directory = home_path(home)
    if directory.is_dir():
        with contextlib.suppress(OSError):
            (directory / TRUST_STATE_FILE).write_text(json.dumps(client.trust().export()))


def submit_messages(
    out: Output,
    client: Client,
    messages: Sequence[Msg],
    signers: Sequence[Key],
    wait_ms: int,
    summary: str,
    extra: Sequence[tuple[str, object]] = (),
    json_extra: dict[str, object] | None = None,
) -> None:
    """Sign for the node's chain, submit, report (with ``extra`` rows, also in the JSON);
    exit 1 when the ledger refuses."""
    tx = TxBuilder(client.status()["chain_id"]).build(list(messages), list(signers))
    result = client.submit(tx, wait_ms=wait_ms)
    if not result.ok:
        headline = f"[red]✘ refused[/]: {summary}"
    elif result.status == "committed":
        headline = f"[green]✔[/] {summary}: committed in block {result.height}"
    else:
        headline = f"[yellow]…[/] {summary}: {result.status}, not committed yet"
    data = {**msgspec.structs.asdict(result), "ok": result.ok, **dict(extra), **(json_extra or {})}
    rows = [
        *extra,
        ("hash", result.hash),
        ("status", result.status),
        ("code", f"{result.codespace}/{result.code}"),
        ("message", result.message),
        ("height", "-" if result.height is None else result.height),
    ]
    out.result(data, headline, fields(rows))
    if not result.ok:
        raise typer.Exit(ExitCode.TX_REFUSED)


# Options and arguments of the commands that sign and submit a transaction.
FromOption = Annotated[
    str,
    typer.Option("--from", help="The name of the signing key in HOME/keys.", show_default=False),
]
ToOption = Annotated[
    str,
    typer.Option(
        "--to",
        help="The recipient: an address, or the name of a key in HOME/keys.",
        show_default=False,
    ),
]
WaitOption = Annotated[
    int,
    typer.Option(
        "--wait-ms", min=0, max=WAIT_MS_MAX, help="How long to wait for the commit (0: don't)."
    ),
]
MinorOption = Annotated[
    bool,
    typer.Option(
        "--minor", help="AMOUNT is in minor units (an integer), not in the asset's units."
    ),
]
AmountArgument = Annotated[
    str, typer.Argument(help="In the asset's units, e.g. 12.50 (or in minor units with --minor).")
]
SymbolArgument = Annotated[str, typer.Argument(help="The asset's symbol, e.g. USDD.")]
