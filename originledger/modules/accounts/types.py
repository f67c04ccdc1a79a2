"""Messages, state records, events and genesis of the accounts module."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from originledger.core.address import ADDRESS_BYTES, Address, account_address
from originledger.core.codec import encode
from originledger.core.context import Event
from originledger.core.crypto import sha256
from originledger.core.tx import Failure, Msg
from originledger.modules.accounts.codes import AccountsCode

__all__ = [
    "MULTISIG_MEMBERS_MAX",
    "MULTISIG_WEIGHT_MAX",
    "RESERVED_ROLES",
    "ROLES_PER_ACCOUNT_MAX",
    "ROLE_VALUES",
    "AccountCreated",
    "AccountRecord",
    "AccountsGenesis",
    "CreateAccount",
    "CreateMultisig",
    "GenesisAccount",
    "GenesisMultisig",
    "GrantRole",
    "MultisigCreated",
    "MultisigMember",
    "MultisigRecord",
    "RevokeRole",
    "Role",
    "RoleGranted",
    "RoleRevoked",
    "check_multisig",
    "multisig_address",
]

ROLES_PER_ACCOUNT_MAX = 16
_ROLE_TEXT_MAX = 32
MULTISIG_MEMBERS_MAX = 16
MULTISIG_WEIGHT_MAX = 255
_MULTISIG_TAG = b"origin/account/multisig"


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
# Roles no module of this chain checks: granting them would promise a power nobody has.
# The validator set is governed by consensus keys and the admin (validators module), and
# oracle feeds come with the oracle module, which will give ``oracle`` its meaning. Until a
# module checks them they are not granted (nor in genesis); revoking one stays possible.
RESERVED_ROLES = frozenset({Role.ORACLE.value, Role.VALIDATOR.value})
RoleText = Annotated[str, msgspec.Meta(max_length=_ROLE_TEXT_MAX)]
PublicKey = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]


def _role_failure(role: str) -> Failure | None:
    if role not in ROLE_VALUES:
        return Failure(AccountsCode.INVALID_ROLE, repr(role))
    return None


def _grant_failure(role: str) -> Failure | None:
    if role in RESERVED_ROLES:
        return Failure(AccountsCode.ROLE_RESERVED, role)
    return _role_failure(role)


# State ----------------------------------------------------------------------------------


class AccountRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An account the ledger knows. ``public_key`` is empty until the key is seen."""

    created_height: int
    public_key: bytes = b""
    roles: list[str] = []


class MultisigMember(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A member of a multisig account: a key's account and the weight its signature adds."""

    address: Address
    weight: int


class MultisigRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A multisig account: it authorizes a message when the members who signed the
    transaction together carry at least ``threshold`` weight. No key controls it alone."""

    members: list[MultisigMember]
    threshold: int


def multisig_address(members: list[MultisigMember], threshold: int) -> Address:
    """The address of the multisig with these members and threshold: the same definition
    always has the same address, and no key's address can equal it (another hash domain)."""
    digest = sha256(_MULTISIG_TAG + encode(MultisigRecord(members, threshold)))
    return Address(digest[:ADDRESS_BYTES])


def check_multisig(members: list[MultisigMember], threshold: int) -> Failure | None:
    """The stateless rules of a multisig definition."""
    addresses = [member.address for member in members]
    if (
        not 1 <= len(members) <= MULTISIG_MEMBERS_MAX
        or addresses != sorted(addresses)
        or len(set(addresses)) != len(addresses)
        or not all(1 <= member.weight <= MULTISIG_WEIGHT_MAX for member in members)
        or not 1 <= threshold <= sum(member.weight for member in members)
    ):
        return Failure(AccountsCode.INVALID_MULTISIG)
    return None


# Messages -------------------------------------------------------------------------------


class CreateAccount(Msg, frozen=True, tag="accounts/create"):
    """Register an account before first use. Anyone may create any absent account."""

    address: Address
    public_key: PublicKey | None = None

    def validate(self) -> Failure | None:
        if self.public_key is not None and account_address(self.public_key) != self.address:
            return Failure(AccountsCode.PUBLIC_KEY_MISMATCH)
        return None


class CreateMultisig(Msg, frozen=True, tag="accounts/create_multisig"):
    """Register a multisig account (its address is ``multisig_address(members,
    threshold)``). Anyone may; it holds no power until an admin grants it roles (an admin
    council: grant it ``admin``, then revoke the single keys' admin role)."""

    members: Annotated[list[MultisigMember], msgspec.Meta(max_length=MULTISIG_MEMBERS_MAX)]
    threshold: Annotated[int, msgspec.Meta(ge=0)]

    def validate(self) -> Failure | None:
        return check_multisig(self.members, self.threshold)

    @property
    def address(self) -> Address:
        return multisig_address(self.members, self.threshold)


class GrantRole(Msg, frozen=True, tag="accounts/grant_role"):
    admin: Address
    account: Address
    role: RoleText

    def required_signers(self) -> tuple[Address, ...]:
        return (self.admin,)

    def validate(self) -> Failure | None:
        return _grant_failure(self.role)


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


class MultisigCreated(Event, frozen=True, tag="accounts/multisig_created"):
    address: Address
    members: list[MultisigMember]
    threshold: int


class GenesisMultisig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    members: list[MultisigMember]
    threshold: int


class GenesisAccount(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    address: Address
    roles: list[RoleText] = []
    public_key: PublicKey | None = None
    multisig: GenesisMultisig | None = None  # the address must be the multisig's address


class AccountsGenesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    accounts: list[GenesisAccount] = []
