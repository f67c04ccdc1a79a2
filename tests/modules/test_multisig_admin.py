"""A multisig admin: admin powers satisfied by a threshold of keys, never by one key.

Before, one admin key controlled every role, the validator set and the regulators. An
account may now be a multisig of weighted member keys (accounts module); a message that
needs its signature is authorized by members whose weights reach its threshold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from originledger.core.address import Address
from originledger.core.codes import TxCode
from originledger.modules.accounts import AccountsCode, has_role
from originledger.modules.accounts.types import (
    CreateMultisig,
    GenesisMultisig,
    GrantRole,
    MultisigMember,
    RevokeRole,
    Role,
    multisig_address,
)
from originledger.modules.validators.types import SetValidatorPower
from tests.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    Chain,
    Party,
    assert_failed,
    close_chain,
    default_genesis,
    genesis_builder,
    party,
)
from tests.modules.assets_helpers import ok

DAVE = party("dave")
TREASURER = party("treasurer")


def _members(*weighted: tuple[Party, int]) -> list[MultisigMember]:
    return sorted(
        (MultisigMember(p.address, weight) for p, weight in weighted), key=lambda m: m.address
    )


COUNCIL_MEMBERS = _members((ALICE, 1), (BOB, 1), (CAROL, 1))
COUNCIL = multisig_address(COUNCIL_MEMBERS, 2)


@pytest.fixture
def chain() -> Iterator[Chain]:
    """ADMIN hands the admin role to a 2-of-3 council (ALICE, BOB, CAROL) and loses it."""
    fresh = Chain(default_genesis())
    ok(fresh.run(CreateMultisig(COUNCIL_MEMBERS, 2), DAVE))
    ok(fresh.run(GrantRole(ADMIN.address, COUNCIL, "admin"), ADMIN))
    ok(fresh.run(RevokeRole(COUNCIL, ADMIN.address, "admin"), [ALICE, BOB]))
    yield fresh
    close_chain(fresh)


def test_regression_one_key_cannot_use_admin_powers_of_a_multisig_admin(chain: Chain) -> None:
    grant = GrantRole(COUNCIL, TREASURER.address, "issuer")
    for lone in (ALICE, BOB, CAROL, DAVE):
        assert_failed(chain.run(grant, lone), TxCode.SIGNER_MISSING)
    assert_failed(
        chain.run(GrantRole(ADMIN.address, TREASURER.address, "issuer"), ADMIN),
        AccountsCode.NOT_ADMIN,
    )
    # A lone member is refused at admission too, before any block.
    assert chain.check(chain.tx(grant, ALICE)).result.code == TxCode.SIGNER_MISSING
    assert not has_role(chain.store, TREASURER.address, _role("issuer"))


def test_multisig_admin_acts_with_a_threshold_of_keys(chain: Chain) -> None:
    assert chain.check(chain.tx(GrantRole(COUNCIL, TREASURER.address, "issuer"), [BOB, CAROL])).ok
    ok(chain.run(GrantRole(COUNCIL, TREASURER.address, "issuer"), [BOB, CAROL]))
    assert has_role(chain.store, TREASURER.address, _role("issuer"))
    # Every admin power: the validator set too.
    message = SetValidatorPower(COUNCIL, bytes(range(32)), 5)
    assert_failed(chain.run(message, CAROL), TxCode.SIGNER_MISSING)
    ok(chain.run(message, [ALICE, CAROL]))


def test_multisig_weights_count_toward_the_threshold() -> None:
    members = _members((ALICE, 2), (BOB, 1), (CAROL, 1))
    weighted = multisig_address(members, 2)
    chain = Chain(default_genesis())
    try:
        ok(chain.run(CreateMultisig(members, 2), DAVE))
        ok(chain.run(GrantRole(ADMIN.address, weighted, "admin"), ADMIN))
        grant = GrantRole(weighted, TREASURER.address, "custodian")
        assert_failed(chain.run(grant, BOB), TxCode.SIGNER_MISSING)  # weight 1 < 2
        ok(chain.run(grant, ALICE))  # weight 2
    finally:
        close_chain(chain)


def test_genesis_may_start_with_a_multisig_admin() -> None:
    document = (
        genesis_builder()
        .account(
            COUNCIL,
            roles=["admin"],
            multisig=GenesisMultisig(members=list(COUNCIL_MEMBERS), threshold=2),
        )
        .document()
    )
    chain = Chain(document)
    try:
        grant = GrantRole(COUNCIL, TREASURER.address, "issuer")
        assert_failed(chain.run(grant, ALICE), TxCode.SIGNER_MISSING)
        ok(chain.run(grant, [ALICE, BOB]))
    finally:
        close_chain(chain)


def test_invalid_genesis_multisig_at_another_address() -> None:
    document = default_genesis()
    document["app_state"]["accounts"]["accounts"].append(
        {
            "address": str(ALICE.address),
            "multisig": {"members": [{"address": str(BOB.address), "weight": 1}], "threshold": 1},
        }
    )
    with pytest.raises(ValueError, match="not the address of its multisig"):
        Chain(document)


@pytest.mark.parametrize(
    ("members", "threshold"),
    [
        ([], 1),
        (list(reversed(COUNCIL_MEMBERS)), 2),  # not in address order
        ([COUNCIL_MEMBERS[0], COUNCIL_MEMBERS[0]], 1),  # a repeat
        ([MultisigMember(ALICE.address, 0)], 1),
        ([MultisigMember(ALICE.address, 256)], 1),
        (COUNCIL_MEMBERS, 0),
        (COUNCIL_MEMBERS, 4),  # above the sum of the weights
    ],
)
def test_invalid_multisig(chain: Chain, members: list[MultisigMember], threshold: int) -> None:
    assert_failed(
        chain.run(CreateMultisig(members, threshold), DAVE), AccountsCode.INVALID_MULTISIG
    )


def test_invalid_multisig_too_many_members(chain: Chain) -> None:
    members = [MultisigMember(Address(bytes([i]) * 20), 1) for i in range(1, 18)]
    failure = CreateMultisig(members, 1).validate()  # 17: the wire refuses it while decoding
    assert failure is not None and failure.code == AccountsCode.INVALID_MULTISIG
    assert_failed(chain.run(CreateMultisig(members, 1), DAVE), TxCode.MALFORMED)


def test_invalid_multisig_exists_or_nested(chain: Chain) -> None:
    assert_failed(chain.run(CreateMultisig(COUNCIL_MEMBERS, 2), DAVE), AccountsCode.ACCOUNT_EXISTS)
    nested = sorted(
        [MultisigMember(COUNCIL, 1), MultisigMember(DAVE.address, 1)], key=lambda m: m.address
    )
    assert_failed(chain.run(CreateMultisig(nested, 1), DAVE), AccountsCode.NESTED_MULTISIG)


def _role(name: str) -> Role:
    return Role(name)


def test_council_members_sign_apart_with_the_sdk(chain: Chain) -> None:
    from originledger.keystore import Key
    from originledger.sdk.builder import TxBuilder, assemble_transaction, sign_transaction_body
    from tests.conftest import CHAIN_ID

    alice, carol = Key(ALICE.key), Key(CAROL.key)
    body = TxBuilder(CHAIN_ID).build_body(
        [GrantRole(COUNCIL, TREASURER.address, "custodian")],
        [alice.public_key, carol.public_key],
        expires_at_ms=chain.next_time_ms + 60_000,
    )
    # Each member signs on their own machine; anyone assembles and submits.
    signatures = [sign_transaction_body(alice, body), sign_transaction_body(carol, body)]
    transaction = assemble_transaction(body, signatures)
    outcome = chain.block([transaction.raw]).txs[0]
    assert outcome.result.ok, outcome.result
    assert outcome.hash == transaction.hash
    assert has_role(chain.store, TREASURER.address, Role.CUSTODIAN)
