"""Pure handlers of the accounts module, and the protocol other modules use.

Protocol (for other modules and the app): ``has_role``, ``note_signer``, and
``authorizes`` (whether a transaction's signers authorize an account: its own key, or
enough weight of a multisig account's members).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from originledger.core.address import Address
from originledger.core.codec import TypedDecoder, decode, encode
from originledger.core.context import BlockState, Event, StateGetter, TxContext, TxState
from originledger.core.tx import Failure
from originledger.modules.accounts.codes import AccountsCode
from originledger.modules.accounts.keys import account_key, multisig_key
from originledger.modules.accounts.types import (
    RESERVED_ROLES,
    ROLE_VALUES,
    AccountCreated,
    AccountRecord,
    AccountsGenesis,
    CreateAccount,
    CreateMultisig,
    GenesisAccount,
    GrantRole,
    MultisigCreated,
    MultisigRecord,
    RevokeRole,
    Role,
    RoleGranted,
    RoleRevoked,
    check_multisig,
    multisig_address,
)

__all__ = [
    "authorizes",
    "create_account",
    "create_multisig",
    "genesis_init",
    "genesis_steps",
    "grant_role",
    "has_role",
    "load_account",
    "load_multisig",
    "note_signer",
    "revoke_role",
]


_ACCOUNTS: TypedDecoder[AccountRecord] = TypedDecoder(AccountRecord)  # read for every signer


def load_account(state: StateGetter, address: Address) -> AccountRecord | None:
    raw = state.get(account_key(address))
    return None if raw is None else _ACCOUNTS.decode(raw)


def has_role(state: StateGetter, address: Address, role: Role) -> bool:
    record = load_account(state, address)
    return record is not None and role.value in record.roles


def load_multisig(state: StateGetter, address: Address) -> MultisigRecord | None:
    raw = state.get(multisig_key(address))
    return None if raw is None else decode(raw, MultisigRecord)


def authorizes(state: StateGetter, account: Address, signers: Collection[Address]) -> bool:
    """Whether a transaction signed by ``signers`` speaks for ``account``: ``account`` is
    one of them, or it is a multisig whose members among them weigh at least its
    threshold. This is how one admin key stops controlling everything: an admin role held
    by a multisig needs a threshold of its members' keys on every admin message."""
    if account in signers:
        return True
    record = load_multisig(state, account)
    if record is None:
        return False
    weight = sum(member.weight for member in record.members if member.address in signers)
    return weight >= record.threshold


def _member_failure(state: StateGetter, members: list[Address]) -> Failure | None:
    for member in members:
        if state.get(multisig_key(member)) is not None:
            return Failure(AccountsCode.NESTED_MULTISIG, str(member))
    return None


def create_multisig(ctx: TxContext, message: CreateMultisig) -> Failure | None:
    address = message.address
    if load_account(ctx.state, address) is not None:
        return Failure(AccountsCode.ACCOUNT_EXISTS, str(address))
    failure = _member_failure(ctx.state, [member.address for member in message.members])
    if failure:
        return failure
    record = MultisigRecord(message.members, message.threshold)
    ctx.state.put_record(multisig_key(address), record)
    ctx.state.put_record(account_key(address), AccountRecord(ctx.block.height))
    ctx.emit(AccountCreated(address))
    ctx.emit(MultisigCreated(address, message.members, message.threshold))
    return None


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
    return [event for step in genesis_steps(state, genesis, genesis.accounts) for event in step]


def genesis_steps(
    state: BlockState, genesis: AccountsGenesis, accounts: Iterable[GenesisAccount]
) -> Iterator[list[Event]]:
    """The genesis of ``accounts`` (the section's list, given apart), one step per account:
    the app's streamed import flushes the writes between steps."""
    multisigs: list[GenesisAccount] = []
    for entry in accounts:
        for role in entry.roles:
            if role not in ROLE_VALUES:
                raise ValueError(f"genesis: unknown role {role!r} for {entry.address}")
            if role in RESERVED_ROLES:
                raise ValueError(f"genesis: the role {role!r} is reserved ({entry.address})")
        key = account_key(entry.address)
        if state.get(key) is not None:
            raise ValueError(f"genesis: account {entry.address} listed twice")
        if entry.multisig is not None:
            definition = entry.multisig
            if check_multisig(definition.members, definition.threshold) is not None:
                raise ValueError(
                    f"genesis: {entry.address}: {AccountsCode.INVALID_MULTISIG.message}"
                )
            if multisig_address(definition.members, definition.threshold) != entry.address:
                raise ValueError(
                    f"genesis: {entry.address} is not the address of its multisig definition"
                )
            if entry.public_key is not None:
                raise ValueError(f"genesis: multisig {entry.address} has no public key")
            record = MultisigRecord(definition.members, definition.threshold)
            state.set(multisig_key(entry.address), encode(record))
            multisigs.append(entry)
        roles = sorted(set(entry.roles))
        state.set(key, encode(AccountRecord(0, entry.public_key or b"", roles)))
        yield [AccountCreated(entry.address), *(RoleGranted(entry.address, r, None) for r in roles)]
    # Members may be listed after their multisig account: checked once all are written.
    for entry in multisigs:
        if entry.multisig is not None:
            failure = _member_failure(state, [m.address for m in entry.multisig.members])
            if failure is not None:
                raise ValueError(f"genesis: {entry.address}: {failure.code.message}")
