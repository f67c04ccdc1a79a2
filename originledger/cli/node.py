"""Commands on a node's home: ``init``, ``start`` and ``verify-chain``."""

from __future__ import annotations

import itertools
import socket
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.home import home_path, require_home
from originledger.cli.log_options import LogFormatOption, LogLevelOption, uvicorn_level
from originledger.cli.options import DEFAULT_HOME, HomeOption, JsonOption
from originledger.cli.output import Output, counted, fields
from originledger.core.module import InvariantBroken
from originledger.node.embedded import EmbeddedNode
from originledger.node.home import DEFAULT_API, DEV_PASSPHRASE, HomeError, init_home, load_config
from originledger.node.log import configure_logging, unconfigure
from originledger.node.replay import ReplayReport, verify_chain
from originledger.node.runner import open_node, parse_listen
from originledger.policies import PolicyError
from originledger.server.serve import serve
from originledger.store.sqlite import SqliteStore

__all__ = ["init", "start", "verify_chain_command"]


def _check_listen(value: str | None) -> str | None:
    if value is not None:
        try:
            parse_listen(value)
        except HomeError as error:
            raise typer.BadParameter(str(error)) from None
    return value


def _check_free(listen: str) -> None:
    """Fail before announcing the node when its address is taken (uvicorn would exit)."""
    host, port = parse_listen(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CliError(
                ExitCode.SETUP_ERROR,
                "serve_failed",
                f"cannot serve the API on {listen}: {error.strerror}",
            ) from None


def _url(listen: str) -> str:
    host, port = parse_listen(listen)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def init(
    home: HomeOption = DEFAULT_HOME,
    chain_id: Annotated[str, typer.Option("--chain-id", help="The chain's id.")] = "origin-local",
    dev: Annotated[
        bool,
        typer.Option(
            "--dev", help=f"Also write funded dev accounts (passphrase {DEV_PASSPHRASE!r})."
        ),
    ] = False,
    api: Annotated[
        str,
        typer.Option(
            "--api", metavar="HOST:PORT", callback=_check_listen, help="Where the API listens."
        ),
    ] = DEFAULT_API,
    block_interval_ms: Annotated[
        int,
        typer.Option(
            "--block-interval-ms", min=1, max=60_000, help="At most one block this often."
        ),
    ] = 200,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing home.")] = False,
    policy: Annotated[
        list[str] | None,
        typer.Option(
            "--policy",
            metavar="JURISDICTION|FILE|none",
            show_default="CN, HK and US",
            help="A policy pack for genesis (repeat it); 'none' for no pack.",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Create a node's home: config, genesis, validator key (and dev accounts)."""
    out = Output(json_output)
    directory = home_path(home)
    try:
        written = init_home(
            directory,
            chain_id=chain_id,
            dev=dev,
            api=api,
            block_interval_ms=block_interval_ms,
            force=force,
            policies=None if not policy else [p for p in policy if p.lower() != "none"],
        )
    except PolicyError as error:
        raise CliError(ExitCode.USAGE_ERROR, "invalid_policy", str(error)) from None
    except OSError as error:
        raise CliError(
            ExitCode.SETUP_ERROR, "home_error", f"cannot write {directory}: {error}"
        ) from None
    data = {
        "home": str(directory),
        "chain_id": chain_id,
        "api": api,
        "keys": written,
        "dev_passphrase": DEV_PASSPHRASE if dev else None,
    }
    out.result(data, *_init_lines(directory, chain_id, api, written, dev))


def _init_lines(
    directory: Path, chain_id: str, api: str, written: dict[str, str], dev: bool
) -> list[Any]:
    """What ``init`` tells people: the files it wrote, the keys, what to do next."""
    keys = Table("key", "address", "file", title="keys written", title_justify="left")
    for name, address in written.items():
        keys.add_row(
            name, address, "validator_key.json" if name == "validator" else f"keys/{name}.json"
        )
    lines: list[Any] = [
        f"[green]✔[/] initialized [bold]{directory}[/] for chain [bold]{chain_id}[/]",
        fields(
            [
                ("config", directory / "config.toml"),
                ("genesis", directory / "genesis.json"),
                ("data", directory / "data"),
                ("api", _url(api)),
            ]
        ),
        keys,
    ]
    if dev:
        lines.append(
            f"dev keystores use the passphrase [bold]{DEV_PASSPHRASE}[/]; "
            "the dev accounts hold 1,000,000.00 USDD each"
        )
    lines.append(f"next: [bold]origin start --home {directory}[/]")
    return lines


def start(
    home: HomeOption = DEFAULT_HOME,
    api: Annotated[
        str | None,
        typer.Option(
            "--api",
            metavar="HOST:PORT",
            callback=_check_listen,
            show_default="[api] listen",
            help="Where the API listens (overrides config.toml).",
        ),
    ] = None,
    no_index: Annotated[
        bool,
        typer.Option(
            "--no-index", help="Run no indexer (the explorer's search and history need it)."
        ),
    ] = False,
    log_level: LogLevelOption = "info",
    log_format: LogFormatOption = "text",
    json_output: JsonOption = False,
) -> None:
    """Run the node: produce blocks and serve the API (and the explorer at /) until Ctrl-C."""
    out = Output(json_output)
    directory = require_home(home)
    listen = api or load_config(directory).api.listen
    node = _open_with_progress(directory, out)
    log_handler = configure_logging(log_level, log_format)
    try:
        _check_free(listen)
        info = node.app.info()
        chain_id, height = (info.chain_id, info.height) if info else ("?", 0)
        out.result(
            {"api": _url(listen), "chain_id": chain_id, "height": height, "home": str(directory)},
            f"[green]●[/] Origin node of chain [bold]{chain_id}[/] at height {height}",
            f"  API      {_url(listen)}  (OpenAPI at /openapi.json)",
            f"  explorer {_url(listen)}/",
            f"  home     {directory}",
            "  Ctrl-C to stop",
        )
        serve(node, listen, index=not no_index, log_level=uvicorn_level(log_level))
    except SystemExit as error:  # uvicorn exits when it cannot bind
        if error.code:
            raise CliError(
                ExitCode.SETUP_ERROR, "serve_failed", f"cannot serve the API on {listen} (in use?)"
            ) from None
    finally:
        unconfigure(log_handler)
        node.store.close()
    out.say("stopped")


def _open_with_progress(directory: Path, out: Output) -> EmbeddedNode:
    """Open the node; the first time, it imports the genesis state, with a bar on a terminal
    of each long list's records applied (a million-account genesis takes minutes)."""
    if (directory / "data" / "ledger.sqlite").exists():
        return open_node(directory)
    try:
        size = (directory / "genesis.json").stat().st_size
    except OSError:
        return open_node(directory)  # open_node says what is missing
    with out.progress(f"importing the genesis state ({size / 1_000_000:,.1f} MB)", 0) as bar:

        def progress(section: str, done: int, total: int) -> None:
            bar.describe(f"importing the genesis state: {section}")
            bar.update(done, total)

        return open_node(directory, genesis_progress=progress)


def verify_chain_command(home: HomeOption = DEFAULT_HOME, json_output: JsonOption = False) -> None:
    """Replay every block from genesis and check it gives the committed state root."""
    out = Output(json_output)
    report = _replay(_ledger_path(require_home(home)), out)
    data = {
        "ok": report.ok,
        "blocks": report.blocks,
        "txs": report.txs,
        "height": report.height,
        "state_root": report.state_root.hex(),
        "problems": report.problems,
    }
    summary = fields(
        [
            ("blocks", report.blocks),
            ("txs", report.txs),
            ("height", report.height),
            ("state root", report.state_root.hex()),
        ]
    )
    if report.ok:
        out.result(
            data,
            summary,
            f"[green]OK[/]: the replay of {counted(report.blocks, 'block')} from "
            "genesis gives the committed state root",
        )
        return
    out.result(data, summary, *(f"[red]✘[/] {problem}" for problem in report.problems))
    raise typer.Exit(ExitCode.VERIFICATION_FAILED)


def _ledger_path(directory: Path) -> Path:
    """The home's ledger database (a setup error, exit 6, when there is none)."""
    path = directory / "data" / "ledger.sqlite"
    if not path.exists():
        hint = (
            "the node of this home has never run"
            if (directory / "genesis.json").exists()
            else "it is not a node's home"
        )
        raise CliError(ExitCode.SETUP_ERROR, "no_ledger", f"{path} does not exist: {hint}")
    return path


def _replay(path: Path, out: Output) -> ReplayReport:
    """Replay the ledger at ``path`` from genesis, with a progress bar on a terminal."""
    store = SqliteStore(path)
    try:
        meta = store.chain_meta()
        with out.progress("replaying blocks", None if meta is None else meta.height) as bar:
            replayed = itertools.count(1)
            try:
                return verify_chain(store, progress=lambda _: bar.update(next(replayed)))
            except InvariantBroken as error:
                raise CliError(
                    ExitCode.VERIFICATION_FAILED,
                    "invariant_broken",
                    f"an invariant breaks during the replay: {error}",
                ) from None
    finally:
        store.close()
