"""accounts: Ed25519 accounts, created on first use or explicitly, multisig accounts
(weighted thresholds of keys), and their roles."""

from __future__ import annotations

from originledger.core.module import Module
from originledger.modules.accounts import types
from originledger.modules.accounts.codes import AccountsCode
from originledger.modules.accounts.genesis import GENESIS_STREAM, AccountsGenesis, genesis_init
from originledger.modules.accounts.index import INDEX
from originledger.modules.accounts.invariants import roles_are_known_and_sorted
from originledger.modules.accounts.logic import (
    authorizes,
    create_account,
    create_multisig,
    grant_role,
    has_role,
    load_account,
    load_multisig,
    note_signer,
    revoke_role,
)
from originledger.modules.accounts.queries import query_account
from originledger.modules.accounts.types import Role

__all__ = [
    "MODULE",
    "AccountsCode",
    "Role",
    "authorizes",
    "has_role",
    "load_account",
    "load_multisig",
    "note_signer",
]

MODULE = Module(
    name="accounts",
    version=2,
    codes=AccountsCode,
    summary="Ed25519 accounts, created on first use or explicitly, and their roles",
    handlers={
        types.CreateAccount: create_account,
        types.CreateMultisig: create_multisig,
        types.GrantRole: grant_role,
        types.RevokeRole: revoke_role,
    },
    events=(
        types.AccountCreated,
        types.RoleGranted,
        types.RoleRevoked,
        types.MultisigCreated,
    ),
    queries={"account": query_account},
    invariants={"roles_are_known_and_sorted": roles_are_known_and_sorted},
    genesis_type=AccountsGenesis,
    genesis_init=genesis_init,
    genesis_stream=GENESIS_STREAM,
    index=INDEX,
)
