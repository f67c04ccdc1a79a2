"""Commands that sign and submit a transaction: ``asset``, ``transfer``, ``account``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from originledger.cli.common import (
    DEFAULT_HOME,
    DEFAULT_WAIT_MS,
    AmountArgument,
    FromOption,
    HomeOption,
    JsonOption,
    MinorOption,
    NodeOption,
    OriginTyper,
    Output,
    PassphraseFileOption,
    SymbolArgument,
    ToOption,
    WaitOption,
    asset_record,
    load_key,
    open_client,
    parse_amount,
    resolve_address,
    submit_messages,
)
from originledger.core.amounts import Amount
from originledger.core.limits import ASSET_DECIMALS_MAX
from originledger.core.tx import Msg
from originledger.modules.accounts.types import GrantRole, RevokeRole, Role
from originledger.modules.assets.types import AssetClass, Burn, Issue, Mint, Transfer
from originledger.sdk import Client, Key

__all__ = ["account_app", "asset_app", "transfer"]

asset_app = OriginTyper(help="Issue, mint and burn assets.")
account_app = OriginTyper(help="Grant and revoke account roles (admins only).")


def _amount(client: Client, symbol: str, text: str, minor: bool) -> Amount:
    decimals = 0 if minor else int(asset_record(client, symbol)["decimals"])
    return parse_amount(text, decimals)


def _submit(
    out: Output, client: Client, messages: Sequence[Msg], signer: Key, wait_ms: int, summary: str
) -> None:
    """Sign with one key for the node's chain, submit, report; exit 1 when refused."""
    submit_messages(out, client, messages, [signer], wait_ms, summary)


@asset_app.command("issue")
def issue(
    symbol: SymbolArgument,
    name: Annotated[str, typer.Option("--name", help="The asset's full name.", show_default=False)],
    decimals: Annotated[
        int,
        typer.Option(
            "--decimals",
            min=0,
            max=ASSET_DECIMALS_MAX,
            help="Digits after the decimal point.",
            show_default=False,
        ),
    ],
    asset_class: Annotated[
        AssetClass,
        typer.Option("--class", help="The token class, which sets its policy.", show_default=False),
    ],
    max_supply: Annotated[
        str,
        typer.Option(
            "--max-supply",
            help="The supply cap, in the asset's units (e.g. 1000000).",
            show_default=False,
        ),
    ],
    from_key: FromOption,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Issue a new asset; the signer becomes its issuer."""
    out = Output(json_output)
    cap = parse_amount(max_supply, decimals)
    signer = load_key(home, from_key, passphrase_file)
    message = Issue(
        issuer=signer.address,
        symbol=symbol,
        name=name,
        decimals=decimals,
        asset_class=asset_class.value,
        max_supply=cap,
    )
    with open_client(home, node) as client:
        _submit(
            out,
            client,
            [message],
            signer,
            wait_ms,
            f"issue {symbol} ({asset_class.value}, max supply {max_supply})",
        )


@asset_app.command("mint")
def mint(
    symbol: SymbolArgument,
    amount: AmountArgument,
    to: ToOption,
    from_key: FromOption,
    minor: MinorOption = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Mint new units into an account (the asset's issuer only)."""
    out = Output(json_output)
    recipient = resolve_address(to, home)
    with open_client(home, node) as client:
        minted = _amount(client, symbol, amount, minor)
        signer = load_key(home, from_key, passphrase_file)
        message = Mint(issuer=signer.address, symbol=symbol, recipient=recipient, amount=minted)
        _submit(out, client, [message], signer, wait_ms, f"mint {amount} {symbol} to {to}")


@asset_app.command("burn")
def burn(
    symbol: SymbolArgument,
    amount: AmountArgument,
    from_key: FromOption,
    minor: MinorOption = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Burn units from the issuer's own balance."""
    out = Output(json_output)
    with open_client(home, node) as client:
        burned = _amount(client, symbol, amount, minor)
        signer = load_key(home, from_key, passphrase_file)
        message = Burn(issuer=signer.address, symbol=symbol, amount=burned)
        _submit(out, client, [message], signer, wait_ms, f"burn {amount} {symbol}")


def transfer(
    amount: AmountArgument,
    symbol: SymbolArgument,
    to: ToOption,
    from_key: FromOption,
    minor: MinorOption = False,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Transfer an amount of an asset to another account."""
    out = Output(json_output)
    recipient = resolve_address(to, home)
    with open_client(home, node) as client:
        moved = _amount(client, symbol, amount, minor)
        signer = load_key(home, from_key, passphrase_file)
        message = Transfer(sender=signer.address, recipient=recipient, symbol=symbol, amount=moved)
        _submit(
            out,
            client,
            [message],
            signer,
            wait_ms,
            f"transfer {amount} {symbol} from {from_key} to {to}",
        )


def _change_role(
    grant: bool,
    role: Role,
    to: str,
    from_key: str,
    home: Path,
    node: str | None,
    passphrase_file: Path | None,
    wait_ms: int,
    json_output: bool,
) -> None:
    out = Output(json_output)
    account = resolve_address(to, home)
    admin = load_key(home, from_key, passphrase_file)
    kind = GrantRole if grant else RevokeRole
    message = kind(admin=admin.address, account=account, role=role.value)
    with open_client(home, node) as client:
        _submit(
            out,
            client,
            [message],
            admin,
            wait_ms,
            f"{'grant' if grant else 'revoke'} role {role.value} {'to' if grant else 'from'} {to}",
        )


RoleArgument = Annotated[Role, typer.Argument(help="The role.", show_default=False)]
AccountOption = Annotated[
    str,
    typer.Option(
        "--to",
        "--account",
        help="The account: an address, or the name of a key in HOME/keys.",
        show_default=False,
    ),
]


@account_app.command("grant")
def grant(
    role: RoleArgument,
    to: AccountOption,
    from_key: FromOption,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Grant a role to an account (signed by an admin)."""
    _change_role(True, role, to, from_key, home, node, passphrase_file, wait_ms, json_output)


@account_app.command("revoke")
def revoke(
    role: RoleArgument,
    to: AccountOption,
    from_key: FromOption,
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    passphrase_file: PassphraseFileOption = None,
    wait_ms: WaitOption = DEFAULT_WAIT_MS,
    json_output: JsonOption = False,
) -> None:
    """Revoke a role from an account (signed by an admin)."""
    _change_role(False, role, to, from_key, home, node, passphrase_file, wait_ms, json_output)
