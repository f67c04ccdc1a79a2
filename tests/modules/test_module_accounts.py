"""Module accounts are not counterparties, and self-references create nothing (issue #11).

The sweep puts every module account, and every other address of the same message (a
self-reference), into every address field of every message type of every module, at any
depth (participant lists, swap legs, attestation data), and runs each variant through the
application: nothing escapes, every result is a known code, a variant with a module
account fails (with ``accounts/MODULE_ACCOUNT`` once its own stateless checks pass), and
after every block every invariant holds (supply equals the sum of balances, module
accounts hold exactly what their records say).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest

from originledger.app import DEFAULT_MODULES, Registry, default_registry
from originledger.core.address import Address, module_address
from originledger.core.amounts import Amount
from originledger.core.codes import ResultCode, TxCode
from originledger.core.crypto import sha256
from originledger.core.module import Module
from originledger.core.tx import Msg
from originledger.modules.accounts import AccountsCode
from originledger.modules.accounts.counterparties import account_checks, address_fields
from originledger.modules.accounts.types import (
    CreateAccount,
    CreateMultisig,
    GrantRole,
    MultisigMember,
    RevokeRole,
)
from originledger.modules.assets import balance_of, load_asset
from originledger.modules.assets import types as assets
from originledger.modules.attest import schema_id_of
from originledger.modules.attest import types as attest
from originledger.modules.clearing import CLEARING_ACCOUNT
from originledger.modules.clearing.types import CloseCycle, OpenCycle, SubmitObligation
from originledger.modules.compliance import types as compliance
from originledger.modules.payments import PAYMENTS_ACCOUNT, claim_digest
from originledger.modules.payments import types as payments
from originledger.modules.validators.types import SetValidatorPower
from tests.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    CHAIN_ID,
    ISSUER,
    VALIDATOR,
    Chain,
    Party,
    party,
)
from tests.modules.payments_helpers import payments_chain
from tests.modules.test_value_movement import pay_request

OPERATOR = party("clearing-house")
DEVICE = party("device")
PARTIES = {p.address: p for p in (ADMIN, ISSUER, ALICE, BOB, CAROL, OPERATOR, DEVICE)}
MODULE_ACCOUNTS = sorted(default_registry().module_accounts)
KNOWN_CODES = {
    "tx": {int(code) for code in TxCode},
    **{module.name: {int(code) for code in module.codes} for module in DEFAULT_MODULES},
}
HOUR_MS = 3_600_000


def _id(label: str) -> bytes:
    return sha256(label.encode())


NOTE_FIELDS = [attest.Field("who", "address")]
NOTE_SCHEMA = schema_id_of("Note", NOTE_FIELDS, True, None)


def _fixture() -> Iterator[Chain]:
    """The payments chain (USD, EUR, BOND) with one of each object a message can name:
    a request, a paid request, an authorization, an escrow, a channel, a hold, a cycle
    with an obligation, a schema."""
    for chain in payments_chain():
        now = chain.next_time_ms
        setup: list[tuple[Msg, Party | list[Party]]] = [
            (
                payments.CreateRequest(
                    BOB.address, "USD", Amount(100), now + HOUR_MS, request_id=_id("r")
                ),
                BOB,
            ),
            (
                payments.CreateRequest(
                    BOB.address, "USD", Amount(100), now + HOUR_MS, request_id=_id("p")
                ),
                BOB,
            ),
            (pay_request(ALICE.address, BOB.address, _id("p"), "USD", 100), ALICE),
            (
                payments.Authorize(
                    ALICE.address,
                    BOB.address,
                    "USD",
                    Amount(100),
                    now + HOUR_MS,
                    authorization_id=_id("a"),
                ),
                ALICE,
            ),
            (
                payments.CreateEscrow(
                    ALICE.address,
                    CAROL.address,
                    "USD",
                    Amount(100),
                    release_after_ms=now + 1,
                    escrow_id=_id("e"),
                ),
                ALICE,
            ),
            (
                payments.OpenChannel(
                    ALICE.address,
                    BOB.address,
                    "USD",
                    Amount(1_000),
                    DEVICE.key.public_key,
                    5_000,
                    _id("c"),
                ),
                ALICE,
            ),
            (
                assets.PlaceHold(
                    ALICE.address, BOB.address, "USD", Amount(100), now + HOUR_MS, _id("h")
                ),
                ALICE,
            ),
            (
                OpenCycle(
                    OPERATOR.address,
                    "day",
                    now + HOUR_MS,
                    [ALICE.address, BOB.address, CAROL.address],
                ),
                OPERATOR,
            ),
            (SubmitObligation(ALICE.address, 1, BOB.address, "USD", Amount(50)), ALICE),
            (attest.RegisterSchema(ALICE.address, "Note", NOTE_FIELDS, True, None), ALICE),
        ]
        outcome = chain.block([chain.tx(message, signers) for message, signers in setup])
        for tx in outcome.txs:
            assert tx.result.ok, tx.result
        yield chain


def _base_messages(now: int) -> dict[type[Msg], Msg]:
    """One plausible message of every type, naming the fixture's objects."""
    pack = compliance.PolicyPack("CN", "pack", 1, "source", [])
    data = [attest.AddressValue(CAROL.address)]
    claim = DEVICE.key.sign(claim_digest(CHAIN_ID, _id("c"), 10))
    messages: list[Msg] = [
        CreateAccount(CAROL.address),
        CreateMultisig(
            [MultisigMember(a, 1) for a in sorted([ALICE.address, BOB.address], key=bytes)], 2
        ),
        GrantRole(ADMIN.address, CAROL.address, "custodian"),
        RevokeRole(ADMIN.address, ISSUER.address, "issuer"),
        assets.Issue(ISSUER.address, "NEW", "new", 2, "utility", Amount(10**9), agent=BOB.address),
        assets.Mint(ISSUER.address, "USD", ALICE.address, Amount(10)),
        assets.Burn(ISSUER.address, "USD", Amount(1)),
        assets.Transfer(ALICE.address, BOB.address, "USD", Amount(10)),
        assets.AttestReserves(ISSUER.address, "USD", Amount(10**12), now),
        assets.EnableClawback(ISSUER.address, "USD"),
        assets.Authorize(ISSUER.address, "BOND", CAROL.address, True),
        assets.Pause(ISSUER.address, "USD", True),
        assets.Freeze(ISSUER.address, "BOND", ALICE.address, True, False, Amount(0)),
        assets.FreezeAsset(ISSUER.address, "BOND", True),
        assets.Clawback(ISSUER.address, "BOND", BOB.address, Amount(1)),
        assets.ForceTransfer(ISSUER.address, "BOND", BOB.address, ALICE.address, Amount(1)),
        assets.Recover(ISSUER.address, "BOND", BOB.address, ALICE.address),
        assets.PlaceHold(ALICE.address, BOB.address, "USD", Amount(10), now + HOUR_MS),
        assets.PostHold(BOB.address, _id("h"), Amount(60)),
        assets.VoidHold(BOB.address, _id("h")),
        attest.RegisterSchema(BOB.address, "Other", NOTE_FIELDS, True, None),
        attest.Attest(ALICE.address, NOTE_SCHEMA, BOB.address, list(data), now + HOUR_MS),
        attest.Revoke(ALICE.address, _id("no such attestation")),
        attest.SetTrusted(ISSUER.address, "asset:USD", "kyc_level", BOB.address, True),
        compliance.AppointRegulator(ADMIN.address, "CN", BOB.address, True),
        compliance.SetPack(BOB.address, pack),
        compliance.RegisterEntity(ALICE.address, "Alice Ltd", "CN", False, None),
        compliance.SetLicense(BOB.address, "CN", ALICE.address, "issuer", True),
        compliance.DecideIssuance(BOB.address, "CN", "USD", ISSUER.address, True, ""),
        compliance.OrderClawback(BOB.address, "CN", "USD", ALICE.address, Amount(1), ""),
        payments.CreateRequest(CAROL.address, "USD", Amount(10), now + HOUR_MS),
        pay_request(ALICE.address, BOB.address, _id("r"), "USD", 100),
        payments.CancelRequest(BOB.address, _id("r")),
        payments.Authorize(ALICE.address, CAROL.address, "USD", Amount(10), now + HOUR_MS),
        payments.Capture(BOB.address, _id("a"), Amount(60), False),
        payments.VoidAuthorization(BOB.address, _id("a")),
        payments.Refund(BOB.address, _id("p"), Amount(10), ""),
        payments.CreateEscrow(
            ALICE.address, BOB.address, "USD", Amount(10), release_after_ms=now + 1
        ),
        payments.ReleaseEscrow(CAROL.address, _id("e")),
        payments.CancelEscrow(CAROL.address, _id("e")),
        payments.OpenChannel(
            ALICE.address, CAROL.address, "USD", Amount(10), DEVICE.key.public_key, 5_000
        ),
        payments.FundChannel(ALICE.address, _id("c"), Amount(10)),
        payments.ClaimChannel(BOB.address, _id("c"), Amount(10), claim),
        payments.CloseChannel(BOB.address, _id("c")),
        payments.SettleChannel(CAROL.address, _id("c")),
        payments.Swap(
            [
                payments.Leg(ALICE.address, BOB.address, "USD", Amount(10)),
                payments.Leg(BOB.address, ALICE.address, "EUR", Amount(9)),
            ]
        ),
        OpenCycle(OPERATOR.address, "night", now + HOUR_MS, [ALICE.address, BOB.address]),
        SubmitObligation(BOB.address, 1, CAROL.address, "USD", Amount(30)),
        CloseCycle(OPERATOR.address, 1),
        SetValidatorPower(ADMIN.address, VALIDATOR.key.public_key, 5),
    ]
    return {type(message): message for message in messages}


# Walking and replacing addresses at any depth ---------------------------------------------

Path = tuple[str | int, ...]


def _slots(value: Any, path: Path = ()) -> Iterator[tuple[Path, Address]]:
    if isinstance(value, Address):
        yield path, value
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from _slots(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _slots(item, (*path, position))


def _replace(value: Any, path: Path, new: Address) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, msgspec.Struct):
        assert isinstance(head, str)
        return msgspec.structs.replace(value, **{head: _replace(getattr(value, head), rest, new)})
    assert isinstance(head, int) and isinstance(value, list)
    return [_replace(item, rest, new) if i == head else item for i, item in enumerate(value)]


def _variants(message: Msg) -> Iterator[tuple[Msg, bool]]:
    """``(variant, names_a_module_account)`` for every address slot of ``message``."""
    slots = list(_slots(message))
    for path, _ in slots:
        for account in MODULE_ACCOUNTS:
            yield _replace(message, path, account), True
        for other_path, other in slots:
            if other_path != path:
                yield _replace(message, path, other), False


def _signers(message: Msg) -> tuple[list[Party], bool]:
    required = message.required_signers()
    known = [PARTIES[address] for address in dict.fromkeys(required) if address in PARTIES]
    return known or [ALICE], len(known) == len(set(required))


def _module_accounts_hold_their_records(chain: Chain) -> None:
    for symbol in ("USD", "EUR", "BOND", "NEW"):
        if load_asset(chain.store, symbol) is None:
            continue
        for account in MODULE_ACCOUNTS:
            if account != PAYMENTS_ACCOUNT:
                assert balance_of(chain.store, account, symbol) == 0, (account, symbol)


# The sweep -------------------------------------------------------------------------------


def test_the_sweep_covers_every_message_type() -> None:
    registered = set(default_registry().handlers)
    assert set(_base_messages(0)) == registered  # a new message type needs a base message


@pytest.mark.parametrize(
    "kind", sorted(default_registry().handlers, key=lambda kind: str(kind.__struct_config__.tag))
)
def test_every_message_with_module_accounts_and_self_references(kind: type[Msg]) -> None:
    for chain in _fixture():
        base = _base_messages(chain.next_time_ms)[kind]
        variants = list(_variants(base))
        raws = []
        for variant, _ in variants:
            signers, _ = _signers(variant)
            raws.append(chain.tx(variant, signers))
        supplies = {s: chain.supply(s) for s in ("USD", "EUR", "BOND")}
        outcome = chain.block(raws)  # raises if anything escaped; checks every invariant
        for (variant, named), tx in zip(variants, outcome.txs, strict=True):
            result = tx.result
            assert result.code in KNOWN_CODES[result.codespace], (variant, result)
            _, complete = _signers(variant)
            if named and complete:
                assert not result.ok, variant
                if variant.validate() is None:
                    assert (result.codespace, result.code) == (
                        "accounts",
                        AccountsCode.MODULE_ACCOUNT,
                    ), (variant, result)
        _module_accounts_hold_their_records(chain)
        if kind not in (assets.Mint, assets.Burn, assets.Clawback):
            assert {s: chain.supply(s) for s in supplies} == supplies  # no unit created


# The mechanism ---------------------------------------------------------------------------


def test_module_accounts_include_every_module_and_declared_ones() -> None:
    accounts = default_registry().module_accounts
    assert {module_address(m.name) for m in DEFAULT_MODULES} <= accounts
    assert PAYMENTS_ACCOUNT in accounts and CLEARING_ACCOUNT in accounts


def test_address_fields_found_at_any_depth() -> None:
    assert address_fields(assets.Transfer) == (["sender", "recipient"], [])
    assert address_fields(payments.Swap) == ([], ["legs"])
    assert address_fields(OpenCycle) == (["operator"], ["participants"])
    assert address_fields(attest.Attest) == (["attester", "recipient"], ["data"])
    assert address_fields(assets.Issue)[1] == ["agent", "custodian"]
    assert address_fields(SetValidatorPower) == (["admin"], [])


class _Pool(payments.Swap, frozen=True, tag="pool/deposit"):
    """A message of a module that lets one field name its own account."""


class PoolCode(ResultCode, codespace="pool"):
    OK = 0, "ok"


def _pool_module(fields: tuple[str, ...]) -> Module:
    return Module(
        name="pool",
        version=1,
        codes=PoolCode,
        handlers={_Pool: lambda ctx, message: None},
        accounts=(module_address("pool/main"),),
        account_fields={_Pool: fields},
    )


def test_a_module_may_let_its_messages_name_its_own_accounts() -> None:
    pool = module_address("pool/main")
    checks = account_checks([*DEFAULT_MODULES, _pool_module(("legs",))])
    own = _Pool([payments.Leg(ALICE.address, pool, "USD", Amount(1))])
    other = _Pool([payments.Leg(ALICE.address, PAYMENTS_ACCOUNT, "USD", Amount(1))])
    assert checks[_Pool](own) is None
    refused = checks[_Pool](other)
    assert refused is not None and refused.code == AccountsCode.MODULE_ACCOUNT
    # Without the declaration, its own account is refused too.
    strict = account_checks([*DEFAULT_MODULES, _pool_module(())])
    failure = strict[_Pool](own)
    assert failure is not None and failure.code == AccountsCode.MODULE_ACCOUNT


def test_invalid_account_fields_declaration() -> None:
    with pytest.raises(ValueError, match="no field"):
        account_checks([*DEFAULT_MODULES, _pool_module(("nothing",))])
    assert Registry([*DEFAULT_MODULES, _pool_module(("legs",))]).account_checks


def test_messages_without_address_fields_get_no_check() -> None:
    checks = default_registry().account_checks
    assert assets.Transfer in checks and SetValidatorPower in checks
    check: Callable[[Any], object] = checks[assets.Transfer]
    assert check(assets.Transfer(ALICE.address, BOB.address, "USD", Amount(1))) is None
