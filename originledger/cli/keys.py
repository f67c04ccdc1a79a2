"""``origin keys``: account keystores in HOME/keys/NAME.json."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from originledger.cli.command import OriginTyper
from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.home import home_path, keystore_path, no_such_key, read_passphrase
from originledger.cli.options import DEFAULT_HOME, HomeOption, JsonOption, PassphraseFileOption
from originledger.cli.output import Output, fields
from originledger.keystore import generate_key, read_keystore_public, save_keystore

__all__ = ["keys_app"]

keys_app = OriginTyper(help="Create and list account keys (encrypted keystores).")

NameArgument = Annotated[
    str, typer.Argument(help="The key's name (its file is HOME/keys/NAME.json).")
]


@keys_app.command("new")
def new_key(
    name: NameArgument,
    home: HomeOption = DEFAULT_HOME,
    passphrase_file: PassphraseFileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Create a key and save it encrypted with a passphrase."""
    out = Output(json_output)
    path = keystore_path(home, name)
    if path.exists():
        raise CliError(ExitCode.SETUP_ERROR, "key_exists", f"{path} already exists")
    passphrase = read_passphrase(passphrase_file, confirm=True)
    if not passphrase:
        raise CliError(ExitCode.USAGE_ERROR, "empty_passphrase", "the passphrase must not be empty")
    key = generate_key(name)
    save_keystore(key, path, passphrase)
    out.result(
        {
            "name": name,
            "address": str(key.address),
            "public_key": key.public_key.hex(),
            "path": str(path),
        },
        f"[green]✔[/] created key [bold]{name}[/]",
        fields(
            [("address", key.address), ("public key", key.public_key.hex()), ("keystore", path)]
        ),
    )


@keys_app.command("list")
def list_keys(home: HomeOption = DEFAULT_HOME, json_output: JsonOption = False) -> None:
    """List the keys of a home (no passphrase needed)."""
    out = Output(json_output)
    directory = home_path(home) / "keys"
    paths = sorted(directory.glob("*.json")) if directory.is_dir() else []
    keys = [{**read_keystore_public(path), "name": path.stem} for path in paths]
    table = Table("name", "address", title=f"keys in {directory}", title_justify="left")
    for key in keys:
        table.add_row(key["name"], key["address"])
    out.result(
        {"keys": keys}, table if keys else f"no keys in {directory} (`origin keys new NAME`)"
    )


@keys_app.command("show")
def show_key(
    name: NameArgument, home: HomeOption = DEFAULT_HOME, json_output: JsonOption = False
) -> None:
    """Show a key's address and public key (no passphrase needed)."""
    out = Output(json_output)
    path = keystore_path(home, name)
    if not path.exists():
        raise no_such_key(home, name, ExitCode.NOT_FOUND)
    key = {**read_keystore_public(path), "name": name, "path": str(path)}
    out.result(
        key,
        fields(
            [
                ("name", name),
                ("address", key["address"]),
                ("public key", key["public_key"]),
                ("keystore", path),
            ]
        ),
    )
