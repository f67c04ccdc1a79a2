"""Messages, state records, events and genesis of the accounts module."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from originledger.core.address import Address, account_address
from originledger.core.context import Event
from originledger.core.tx import Failure, Msg
from originledger.modules.accounts.codes import AccountsCode

__all__ = [
    "ROLES_PER_ACCOUNT_MAX",
    "ROLE_VALUES",
    "AccountCreated",
    "AccountRecord",
    "AccountsGenesis",
    "CreateAccount",
    "GenesisAccount",
    "GrantRole",
    "RevokeRole",
    "Role",
    "RoleGranted",
    "RoleRevoked",
]

ROLES_PER_ACCOUNT_MAX = 16
_ROLE_TEXT_MAX = 32


class Role(StrEnum):
    """Powers an account may hold. Admins grant and revoke roles."""

    ADMIN = "admin"
    ISSUER = "issuer"
    CUSTODIAN = "custodian"
    REGULATOR = "regulator"
    ORACLE = "oracle"
    VALIDATOR = "validator"
    ATTESTER = "attester"


ROLE_VALUES = frozenset(role.value for role in Role)
RoleText = Annotated[str, msgspec.Meta(max_length=_ROLE_TEXT_MAX)]
PublicKey = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]


def _role_failure(role: str) -> Failure | None:
    if role not in ROLE_VALUES:
        return Failure(AccountsCode.INVALID_ROLE, repr(role))
    return None


# State ----------------------------------------------------------------------------------


class AccountRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An account the ledger knows. ``public_key`` is empty until the key is seen."""

    created_height: int
    public_key: bytes = b""
    roles: list[str] = []


# Messages -------------------------------------------------------------------------------


class CreateAccount(Msg, frozen=True, tag="accounts/create"):
    """Register an account before first use. Anyone may create any absent account."""

    address: Address
    public_key: PublicKey | None = None

    def validate(self) -> Failure | None:
        if self.public_key is not None and account_address(self.public_key) != self.address:
            return Failure(AccountsCode.PUBLIC_KEY_MISMATCH)
        return None


class GrantRole(Msg, frozen=True, tag="accounts/grant_role"):
    admin: Address
    account: Address
    role: RoleText

    def required_signers(self) -> tuple[Address, ...]:
        return (self.admin,)

    def validate(self) -> Failure | None:
        return _role_failure(self.role)


class RevokeRole(Msg, frozen=True, tag="accounts/revoke_role"):
    admin: Address
    account: Address
    role: RoleText

    def required_signers(self) -> tuple[Address, ...]:
        return (self.admin,)

    def validate(self) -> Failure | None:
        return _role_failure(self.role)


# Events ---------------------------------------------------------------------------------


class AccountCreated(Event, frozen=True, tag="accounts/created"):
    address: Address


class RoleGranted(Event, frozen=True, tag="accounts/role_granted"):
    account: Address
    role: str
    admin: Address | None


class RoleRevoked(Event, frozen=True, tag="accounts/role_revoked"):
    account: Address
    role: str
    admin: Address


# Genesis --------------------------------------------------------------------------------


class GenesisAccount(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    address: Address
    roles: list[RoleText] = []
    public_key: PublicKey | None = None


class AccountsGenesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    accounts: list[GenesisAccount] = []
