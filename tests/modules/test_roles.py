"""Every role a ledger grants means something: a message checks it, or it is not granted.

Before, ``oracle``, ``validator`` and ``attester`` were granted but no message checked
them. ``attester`` now gates attesting under schemas that ask for it; ``oracle`` and
``validator`` are reserved (refused) until a module gives them a power (the validator set
is governed through consensus keys by an admin, see the validators module)."""

from __future__ import annotations

import msgspec

from originledger.core.amounts import Amount
from originledger.core.codec import encode
from originledger.core.crypto import tagged_hash
from originledger.modules.accounts import AccountsCode
from originledger.modules.accounts.types import GrantRole
from originledger.modules.attest.codes import AttestCode
from originledger.modules.attest.logic import SCHEMA_ID_TAG, schema_id_of
from originledger.modules.attest.types import (
    Field,
    RegisterSchema,
    SchemaRegistered,
    UintValue,
)
from tests.conftest import ADMIN, Chain, assert_failed
from tests.modules.assets_helpers import ok
from tests.modules.test_attest import ALICE, KYC_PROVIDER, attest_message, chain  # noqa: F401

LEVEL = [Field("level", "uint")]


def _licensed_schema(chain: Chain) -> bytes:  # noqa: F811
    message = RegisterSchema(KYC_PROVIDER.address, "Licensed KYC", LEVEL, True, None, True)
    outcome = ok(chain.run(message, KYC_PROVIDER))
    assert isinstance(outcome.events[-1], SchemaRegistered)
    assert outcome.events[-1].attester_role_required
    return schema_id_of("Licensed KYC", LEVEL, True, None, True)


def test_regression_attester_role_is_checked_where_a_schema_requires_it(
    chain: Chain,  # noqa: F811
) -> None:
    schema_id = _licensed_schema(chain)
    message = attest_message(schema_id, [UintValue(Amount(2))], recipient=ALICE)
    assert_failed(chain.run(message, KYC_PROVIDER), AttestCode.ATTESTER_ROLE_REQUIRED)
    ok(chain.run(GrantRole(ADMIN.address, KYC_PROVIDER.address, "attester"), ADMIN))
    ok(chain.run(message, KYC_PROVIDER))


def test_schemas_without_the_flag_keep_their_ids_and_need_no_role(
    chain: Chain,  # noqa: F811
) -> None:
    class Definition(msgspec.Struct):  # the definition as it was hashed before the flag
        name: str
        fields: list[Field]
        revocable: bool
        topic: str | None

    before = tagged_hash(SCHEMA_ID_TAG, encode(Definition("Level", LEVEL, True, None)))
    assert schema_id_of("Level", LEVEL, True, None) == before
    assert schema_id_of("Level", LEVEL, True, None, True) != before
    ok(chain.run(RegisterSchema(KYC_PROVIDER.address, "Level", LEVEL, True, None), KYC_PROVIDER))
    ok(chain.run(attest_message(before, [UintValue(Amount(1))]), KYC_PROVIDER))


def test_regression_reserved_roles_are_not_granted(chain: Chain) -> None:  # noqa: F811
    for role in ("oracle", "validator"):
        outcome = chain.run(GrantRole(ADMIN.address, ALICE.address, role), ADMIN)
        assert_failed(outcome, AccountsCode.ROLE_RESERVED)
