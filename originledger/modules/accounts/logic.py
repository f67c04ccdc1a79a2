"""Pure handlers of the accounts module, and the protocol other modules use.

Protocol (for other modules and the app): ``has_role``, ``note_signer``.
"""

from __future__ import annotations

from originledger.core.address import Address
from originledger.core.codec import decode, encode
from originledger.core.context import BlockState, Event, StateGetter, TxContext, TxState
from originledger.core.tx import Failure
from originledger.modules.accounts.codes import AccountsCode
from originledger.modules.accounts.keys import account_key
from originledger.modules.accounts.types import (
    ROLE_VALUES,
    AccountCreated,
    AccountRecord,
    AccountsGenesis,
    CreateAccount,
    GrantRole,
    RevokeRole,
    Role,
    RoleGranted,
    RoleRevoked,
)

__all__ = [
    "create_account",
    "genesis_init",
    "grant_role",
    "has_role",
    "load_account",
    "note_signer",
    "revoke_role",
]


def load_account(state: StateGetter, address: Address) -> AccountRecord | None:
    raw = state.get(account_key(address))
    return None if raw is None else decode(raw, AccountRecord)


def has_role(state: StateGetter, address: Address, role: Role) -> bool:
    record = load_account(state, address)
    return record is not None and role.value in record.roles


def note_signer(state: TxState, address: Address, public_key: bytes, height: int) -> Event | None:
    """Record a signer's account on its first signed transaction (created on first use)."""
    record = load_account(state, address)
    if record is None:
        state.set(account_key(address), encode(AccountRecord(height, public_key, [])))
        return AccountCreated(address)
    if not record.public_key:
        state.set(account_key(address), encode(AccountRecord(height, public_key, record.roles)))
    return None


def create_account(ctx: TxContext, message: CreateAccount) -> Failure | None:
    if load_account(ctx.state, message.address) is not None:
        return Failure(AccountsCode.ACCOUNT_EXISTS, str(message.address))
    public_key = message.public_key or b""
    ctx.state.put_record(account_key(message.address), AccountRecord(ctx.block.height, public_key))
    ctx.emit(AccountCreated(message.address))
    return None


def grant_role(ctx: TxContext, message: GrantRole) -> Failure | None:
    if not has_role(ctx.state, message.admin, Role.ADMIN):
        return Failure(AccountsCode.NOT_ADMIN)
    existing = load_account(ctx.state, message.account)
    record = existing or AccountRecord(ctx.block.height)
    if message.role in record.roles:
        return Failure(AccountsCode.ROLE_ALREADY_GRANTED, message.role)
    if existing is None:
        ctx.emit(AccountCreated(message.account))
    roles = sorted([*record.roles, message.role])
    ctx.state.put_record(
        account_key(message.account),
        AccountRecord(record.created_height, record.public_key, roles),
    )
    ctx.emit(RoleGranted(message.account, message.role, message.admin))
    return None


def revoke_role(ctx: TxContext, message: RevokeRole) -> Failure | None:
    if not has_role(ctx.state, message.admin, Role.ADMIN):
        return Failure(AccountsCode.NOT_ADMIN)
    record = load_account(ctx.state, message.account)
    if record is None or message.role not in record.roles:
        return Failure(AccountsCode.ROLE_NOT_GRANTED, message.role)
    if message.role == Role.ADMIN and message.account == message.admin:
        # An admin may hand over the role but never leave the ledger without one by
        # revoking its own: another admin must do that.
        return Failure(AccountsCode.LAST_ADMIN)
    roles = [role for role in record.roles if role != message.role]
    ctx.state.put_record(
        account_key(message.account),
        AccountRecord(record.created_height, record.public_key, roles),
    )
    ctx.emit(RoleRevoked(message.account, message.role, message.admin))
    return None


def genesis_init(state: BlockState, genesis: AccountsGenesis) -> list[Event]:
    events: list[Event] = []
    for entry in genesis.accounts:
        for role in entry.roles:
            if role not in ROLE_VALUES:
                raise ValueError(f"genesis: unknown role {role!r} for {entry.address}")
        key = account_key(entry.address)
        if state.get(key) is not None:
            raise ValueError(f"genesis: account {entry.address} listed twice")
        roles = sorted(set(entry.roles))
        state.set(key, encode(AccountRecord(0, entry.public_key or b"", roles)))
        events.append(AccountCreated(entry.address))
        events.extend(RoleGranted(entry.address, role, None) for role in roles)
    return events
