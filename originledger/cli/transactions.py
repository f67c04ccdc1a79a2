"""Commands that sign and submit a transaction: ``asset``, ``transfer``, ``account``."""

from __future__ import annotations

from typing import Annotated

import typer

from originledger.cli.command import OriginTyper
from originledger.cli.options import (
    AmountArgument,
    FromOption,
    MinorOption,
    SymbolArgument,
    ToOption,
)
from originledger.cli.parsing import parse_amount
from originledger.cli.signing import SignedCommand
from originledger.core.limits import ASSET_DECIMALS_MAX
from originledger.modules.accounts.types import GrantRole, RevokeRole, Role
from originledger.modules.assets.types import AssetClass, Burn, Issue, Mint, Transfer

__all__ = ["account_app", "asset_app", "transfer"]

asset_app = OriginTyper(help="Issue, mint and burn assets.")
account_app = OriginTyper(help="Grant and revoke account roles (admins only).")


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
    *,
    cmd: SignedCommand,
) -> None:
    """Issue a new asset; the signer becomes its issuer."""
    cap = parse_amount(max_supply, decimals)
    signer = cmd.key(from_key)
    message = Issue(
        issuer=signer.address,
        symbol=symbol,
        name=name,
        decimals=decimals,
        asset_class=asset_class.value,
        max_supply=cap,
    )
    cmd.submit(message, signer, f"issue {symbol} ({asset_class.value}, max supply {max_supply})")


@asset_app.command("mint")
def mint(
    symbol: SymbolArgument,
    amount: AmountArgument,
    to: ToOption,
    from_key: FromOption,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Mint new units into an account (the asset's issuer only)."""
    recipient = cmd.address(to)
    minted = cmd.amount(symbol, amount, minor)
    signer = cmd.key(from_key)
    message = Mint(issuer=signer.address, symbol=symbol, recipient=recipient, amount=minted)
    cmd.submit(message, signer, f"mint {amount} {symbol} to {to}")


@asset_app.command("burn")
def burn(
    symbol: SymbolArgument,
    amount: AmountArgument,
    from_key: FromOption,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Burn units from the issuer's own balance."""
    burned = cmd.amount(symbol, amount, minor)
    signer = cmd.key(from_key)
    message = Burn(issuer=signer.address, symbol=symbol, amount=burned)
    cmd.submit(message, signer, f"burn {amount} {symbol}")


def transfer(
    amount: AmountArgument,
    symbol: SymbolArgument,
    to: ToOption,
    from_key: FromOption,
    minor: MinorOption = False,
    *,
    cmd: SignedCommand,
) -> None:
    """Transfer an amount of an asset to another account."""
    recipient = cmd.address(to)
    moved = cmd.amount(symbol, amount, minor)
    signer = cmd.key(from_key)
    message = Transfer(sender=signer.address, recipient=recipient, symbol=symbol, amount=moved)
    cmd.submit(message, signer, f"transfer {amount} {symbol} from {from_key} to {to}")


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


def _change_role(cmd: SignedCommand, grant: bool, role: Role, to: str, from_key: str) -> None:
    account = cmd.address(to)
    admin = cmd.key(from_key)
    kind = GrantRole if grant else RevokeRole
    message = kind(admin=admin.address, account=account, role=role.value)
    verb, preposition = ("grant", "to") if grant else ("revoke", "from")
    cmd.submit(message, admin, f"{verb} role {role.value} {preposition} {to}")


@account_app.command("grant")
def grant(
    role: RoleArgument, to: AccountOption, from_key: FromOption, *, cmd: SignedCommand
) -> None:
    """Grant a role to an account (signed by an admin)."""
    _change_role(cmd, True, role, to, from_key)


@account_app.command("revoke")
def revoke(
    role: RoleArgument, to: AccountOption, from_key: FromOption, *, cmd: SignedCommand
) -> None:
    """Revoke a role from an account (signed by an admin)."""
    _change_role(cmd, False, role, to, from_key)
