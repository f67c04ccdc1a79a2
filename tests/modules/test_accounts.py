"""The accounts module through the Application: creation, roles, queries, genesis."""

from __future__ import annotations

import json

import pytest

from originledger.app import Application
from originledger.core.address import account_address
from originledger.core.module import QueryError
from originledger.modules.accounts import AccountsCode, Role, has_role, load_account
from originledger.modules.accounts.types import (
    RESERVED_ROLES,
    ROLE_VALUES,
    AccountCreated,
    AccountRecord,
    CreateAccount,
    GrantRole,
    RevokeRole,
    RoleGranted,
    RoleRevoked,
)
from originledger.store import SqliteStore
from tests.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    ISSUER,
    Chain,
    assert_failed,
    default_genesis,
    genesis_builder,
)

# -- genesis ----------------------------------------------------------------------------


def test_genesis_accounts_and_roles(chain: Chain) -> None:
    admin = load_account(chain.store, ADMIN.address)
    assert admin == AccountRecord(0, b"", ["admin"])
    assert has_role(chain.store, ISSUER.address, Role.ISSUER)
    assert not has_role(chain.store, ISSUER.address, Role.ADMIN)
    assert load_account(chain.store, ALICE.address) is None


def test_genesis_roles_sorted_and_deduplicated() -> None:
    chain = Chain(
        genesis_builder()
        .account(
            ALICE.address,
            roles=["custodian", "admin", "custodian"],
            public_key=ALICE.key.public_key,
        )
        .document()
    )
    record = load_account(chain.store, ALICE.address)
    assert record == AccountRecord(0, ALICE.key.public_key, ["admin", "custodian"])
    chain.app.check_invariants()


@pytest.mark.parametrize(
    "accounts",
    [
        [{"address": str(ALICE.address), "roles": ["emperor"]}],
        [{"address": str(ALICE.address)}, {"address": str(ALICE.address)}],
        [{"address": str(ALICE.address), "public_key": "AAAA"}],
    ],
)
def test_invalid_genesis_accounts(accounts: list[dict[str, object]]) -> None:
    app = Application(SqliteStore(None))
    document = genesis_builder().document()
    document["app_state"]["accounts"]["accounts"] = accounts  # invalid on purpose
    with pytest.raises(ValueError):
        app.init_chain(json.dumps(document).encode())
    assert app.info() is None


# -- created on first use ---------------------------------------------------------------


def test_note_signer_creates_account_on_first_use(chain: Chain) -> None:
    grant = GrantRole(ADMIN.address, ALICE.address, "custodian")
    # ALICE co-signs: her account is created by her signature, before the grant runs.
    outcome = chain.run(grant, [ADMIN, ALICE])
    assert outcome.result.ok
    assert outcome.events == [
        AccountCreated(ALICE.address),
        RoleGranted(ALICE.address, "custodian", ADMIN.address),
    ]
    record = load_account(chain.store, ALICE.address)
    assert record == AccountRecord(1, ALICE.key.public_key, ["custodian"])
    # The second signature creates nothing.
    again = chain.run(GrantRole(ADMIN.address, ALICE.address, "attester"), [ADMIN, ALICE])
    assert again.events == [RoleGranted(ALICE.address, "attester", ADMIN.address)]


def test_note_signer_records_key_of_genesis_account(chain: Chain) -> None:
    assert load_account(chain.store, ADMIN.address).public_key == b""  # type: ignore[union-attr]
    outcome = chain.run(GrantRole(ADMIN.address, ALICE.address, "custodian"), ADMIN)
    # ALICE was unknown: granting her a role creates her account, and says so.
    assert outcome.events == [
        AccountCreated(ALICE.address),
        RoleGranted(ALICE.address, "custodian", ADMIN.address),
    ]
    admin = load_account(chain.store, ADMIN.address)
    assert admin == AccountRecord(1, ADMIN.key.public_key, ["admin"])


def test_note_signer_undone_when_tx_fails(chain: Chain) -> None:
    root = chain.module_state()
    outcome = chain.run(GrantRole(ALICE.address, BOB.address, "custodian"), ALICE)
    assert_failed(outcome, AccountsCode.NOT_ADMIN)
    assert load_account(chain.store, ALICE.address) is None
    assert chain.module_state() == root


# -- create -----------------------------------------------------------------------------


def test_create_account_with_key(chain: Chain) -> None:
    outcome = chain.run(CreateAccount(BOB.address, BOB.key.public_key), ALICE)
    assert outcome.result.ok
    assert outcome.events == [AccountCreated(ALICE.address), AccountCreated(BOB.address)]
    assert load_account(chain.store, BOB.address) == AccountRecord(1, BOB.key.public_key, [])


def test_create_account_without_key_then_first_use_fills_it(chain: Chain) -> None:
    assert chain.run(CreateAccount(BOB.address), ALICE).result.ok
    assert load_account(chain.store, BOB.address) == AccountRecord(1, b"", [])
    outcome = chain.run(GrantRole(ADMIN.address, CAROL.address, "custodian"), [ADMIN, BOB])
    assert outcome.result.ok
    assert AccountCreated(BOB.address) not in outcome.events
    assert load_account(chain.store, BOB.address) == AccountRecord(2, BOB.key.public_key, [])


def test_invalid_create_account_exists(chain: Chain) -> None:
    assert_failed(chain.run(CreateAccount(ADMIN.address), ALICE), AccountsCode.ACCOUNT_EXISTS)
    # The signer's own account exists by the time the message runs.
    assert_failed(chain.run(CreateAccount(BOB.address), BOB), AccountsCode.ACCOUNT_EXISTS)


def test_invalid_create_account_public_key_mismatch(chain: Chain) -> None:
    outcome = chain.run(CreateAccount(BOB.address, ALICE.key.public_key), ALICE)
    assert_failed(outcome, AccountsCode.PUBLIC_KEY_MISMATCH)
    assert load_account(chain.store, BOB.address) is None


# -- roles ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLE_VALUES - RESERVED_ROLES))
def test_grant_role_each_role(chain: Chain, role: str) -> None:
    outcome = chain.run(GrantRole(ADMIN.address, ALICE.address, role), ADMIN)
    assert outcome.result.ok
    assert outcome.events == [
        AccountCreated(ALICE.address),
        RoleGranted(ALICE.address, role, ADMIN.address),
    ]
    assert has_role(chain.store, ALICE.address, Role(role))


def test_grant_role_keeps_roles_sorted(chain: Chain) -> None:
    for role in ("regulator", "attester", "custodian"):
        assert chain.run(GrantRole(ADMIN.address, ALICE.address, role), ADMIN).result.ok
    assert load_account(chain.store, ALICE.address).roles == [  # type: ignore[union-attr]
        "attester",
        "custodian",
        "regulator",
    ]


def test_grant_role_to_new_admin_who_then_grants(chain: Chain) -> None:
    assert chain.run(GrantRole(ADMIN.address, ALICE.address, "admin"), ADMIN).result.ok
    outcome = chain.run(GrantRole(ALICE.address, BOB.address, "issuer"), ALICE)
    assert outcome.result.ok
    assert has_role(chain.store, BOB.address, Role.ISSUER)


def test_invalid_grant_role_not_admin(chain: Chain) -> None:
    assert_failed(
        chain.run(GrantRole(ISSUER.address, ALICE.address, "issuer"), ISSUER),
        AccountsCode.NOT_ADMIN,
    )
    assert not has_role(chain.store, ALICE.address, Role.ISSUER)


def test_invalid_grant_role_already_granted(chain: Chain) -> None:
    outcome = chain.run(GrantRole(ADMIN.address, ISSUER.address, "issuer"), ADMIN)
    assert_failed(outcome, AccountsCode.ROLE_ALREADY_GRANTED)


@pytest.mark.parametrize("role", ["", "Admin", "emperor", "admin "])
def test_invalid_grant_role_invalid_role(chain: Chain, role: str) -> None:
    assert_failed(
        chain.run(GrantRole(ADMIN.address, ALICE.address, role), ADMIN), AccountsCode.INVALID_ROLE
    )
    assert_failed(
        chain.run(RevokeRole(ADMIN.address, ISSUER.address, role), ADMIN), AccountsCode.INVALID_ROLE
    )


def test_invalid_grant_role_stateless_check_first(chain: Chain) -> None:
    # An unknown role from a non-admin: the stateless check (code 1) wins over NOT_ADMIN.
    assert_failed(
        chain.run(GrantRole(ALICE.address, BOB.address, "emperor"), ALICE),
        AccountsCode.INVALID_ROLE,
    )


def test_revoke_role(chain: Chain) -> None:
    outcome = chain.run(RevokeRole(ADMIN.address, ISSUER.address, "issuer"), ADMIN)
    assert outcome.result.ok
    assert outcome.events == [RoleRevoked(ISSUER.address, "issuer", ADMIN.address)]
    assert load_account(chain.store, ISSUER.address).roles == []  # type: ignore[union-attr]


def test_revoke_role_admin_from_another_admin(chain: Chain) -> None:
    assert chain.run(GrantRole(ADMIN.address, ALICE.address, "admin"), ADMIN).result.ok
    assert chain.run(RevokeRole(ALICE.address, ADMIN.address, "admin"), ALICE).result.ok
    assert not has_role(chain.store, ADMIN.address, Role.ADMIN)
    assert has_role(chain.store, ALICE.address, Role.ADMIN)


def test_invalid_revoke_role_not_admin(chain: Chain) -> None:
    assert_failed(
        chain.run(RevokeRole(ISSUER.address, ISSUER.address, "issuer"), ISSUER),
        AccountsCode.NOT_ADMIN,
    )
    assert has_role(chain.store, ISSUER.address, Role.ISSUER)


@pytest.mark.parametrize("account", [ALICE, ISSUER])
def test_invalid_revoke_role_not_granted(chain: Chain, account: object) -> None:
    outcome = chain.run(RevokeRole(ADMIN.address, account.address, "custodian"), ADMIN)  # type: ignore[attr-defined]
    assert_failed(outcome, AccountsCode.ROLE_NOT_GRANTED)


def test_invalid_revoke_role_last_admin(chain: Chain) -> None:
    assert_failed(
        chain.run(RevokeRole(ADMIN.address, ADMIN.address, "admin"), ADMIN), AccountsCode.LAST_ADMIN
    )
    assert has_role(chain.store, ADMIN.address, Role.ADMIN)


def test_invalid_revoke_role_own_admin_even_with_another_admin(chain: Chain) -> None:
    # Handing over is two steps by two admins: an admin never drops its own role.
    assert chain.run(GrantRole(ADMIN.address, ALICE.address, "admin"), ADMIN).result.ok
    assert_failed(
        chain.run(RevokeRole(ADMIN.address, ADMIN.address, "admin"), ADMIN), AccountsCode.LAST_ADMIN
    )


def test_revoke_role_own_non_admin_role(chain: Chain) -> None:
    assert chain.run(GrantRole(ADMIN.address, ADMIN.address, "custodian"), ADMIN).result.ok
    assert chain.run(RevokeRole(ADMIN.address, ADMIN.address, "custodian"), ADMIN).result.ok
    assert load_account(chain.store, ADMIN.address).roles == ["admin"]  # type: ignore[union-attr]


def test_grant_role_atomic_with_failing_message(chain: Chain) -> None:
    root = chain.module_state()
    outcome = chain.run(
        [
            GrantRole(ADMIN.address, ALICE.address, "custodian"),
            GrantRole(ADMIN.address, ALICE.address, "custodian"),
        ],
        ADMIN,
    )
    assert_failed(outcome, AccountsCode.ROLE_ALREADY_GRANTED, message_index=1)
    assert not has_role(chain.store, ALICE.address, Role.ORACLE)
    assert chain.module_state() == root


# -- queries ----------------------------------------------------------------------------


def test_query_account(chain: Chain) -> None:
    record = chain.app.query("accounts", "account", {"address": str(ISSUER.address)})
    assert record == AccountRecord(0, b"", ["issuer"])


@pytest.mark.parametrize(
    ("params", "not_found"),
    [
        ({}, False),
        ({"address": ""}, False),
        ({"address": "og1nothing"}, False),
        ({"address": str(account_address(b"z" * 32))}, True),
    ],
)
def test_invalid_query_account(chain: Chain, params: dict[str, str], not_found: bool) -> None:
    with pytest.raises(QueryError) as raised:
        chain.app.query("accounts", "account", params)
    assert raised.value.not_found is not_found


def test_accounts_codes_stable() -> None:
    assert {code.name: int(code) for code in AccountsCode} == {
        "OK": 0,
        "INVALID_ROLE": 1,
        "PUBLIC_KEY_MISMATCH": 2,
        "MODULE_ACCOUNT": 3,
        "INVALID_MULTISIG": 4,
        "ROLE_RESERVED": 5,
        "NOT_ADMIN": 10,
        "ACCOUNT_EXISTS": 11,
        "ROLE_ALREADY_GRANTED": 12,
        "ROLE_NOT_GRANTED": 13,
        "LAST_ADMIN": 14,
        "NESTED_MULTISIG": 15,
    }
    assert all(code.message for code in AccountsCode)


@pytest.mark.parametrize("role", sorted(RESERVED_ROLES))
def test_invalid_grant_role_reserved(chain: Chain, role: str) -> None:
    # No module checks these roles: a grant would promise a power nobody has.
    outcome = chain.run(GrantRole(ADMIN.address, ALICE.address, role), ADMIN)
    assert_failed(outcome, AccountsCode.ROLE_RESERVED)


def test_invalid_genesis_reserved_role() -> None:
    document = default_genesis()
    document["app_state"]["accounts"]["accounts"].append(
        {"address": str(ALICE.address), "roles": ["validator"]}
    )
    with pytest.raises(ValueError, match="reserved"):
        Chain(document)
