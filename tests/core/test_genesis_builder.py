"""The typed genesis builder (originledger/genesis.py): what it builds always passes
``parse_genesis`` and decodes into each module's genesis type; the same inputs give the
same bytes; invalid inputs are refused with a ``GenesisError`` that says what is wrong."""

from __future__ import annotations

import base64
import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from originledger.app import (
    DEFAULT_MODULES,
    Application,
    default_consensus_versions,
    parse_genesis,
)
from originledger.core.amounts import AMOUNT_MAX
from originledger.core.codec import from_json
from originledger.core.limits import TIME_MS_MAX
from originledger.genesis import RECORD_TYPES, GenesisBuilder, GenesisError
from originledger.modules.accounts.types import AccountsGenesis, GenesisAccount
from originledger.modules.assets.types import AssetsGenesis
from originledger.modules.compliance.types import ComplianceGenesis
from originledger.store import SqliteStore
from tests.conftest import ADMIN, ALICE, BOB, ISSUER, VALIDATOR, party

PARTIES = [party(f"party-{index}") for index in range(8)]
ROLES = ["admin", "issuer", "custodian", "regulator", "attester"]
SYMBOLS = ["USD", "EUR", "GLD", "BOND", "PTS"]
CLASSES = ["payment", "utility", "reserve", "security"]


def _builder(chain_id: str = "origin-test") -> GenesisBuilder:
    return GenesisBuilder(chain_id, genesis_time_ms=1_000).validator(VALIDATOR.key.public_key)


@st.composite
def genesis_inputs(draw: st.DrawFn) -> dict[str, Any]:
    accounts = draw(
        st.lists(
            st.tuples(
                st.sampled_from(range(len(PARTIES))),
                st.lists(st.sampled_from(ROLES), max_size=3),
                st.booleans(),
            ),
            max_size=6,
            unique_by=lambda entry: entry[0],
        )
    )
    assets = draw(
        st.lists(
            st.tuples(
                st.sampled_from(SYMBOLS),
                st.integers(0, 18),
                st.sampled_from(CLASSES),
                st.integers(0, AMOUNT_MAX),
            ),
            max_size=4,
            unique_by=lambda entry: entry[0],
        )
    )
    balances = draw(
        st.lists(
            st.tuples(
                st.sampled_from(range(len(PARTIES))),
                st.sampled_from(SYMBOLS),
                st.integers(0, AMOUNT_MAX),
                st.booleans(),
            ),
            max_size=8,
        )
    )
    return {
        "chain_id": draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=64)),
        "time_ms": draw(st.integers(0, TIME_MS_MAX)),
        "power": draw(st.none() | st.integers(1, 1_000)),
        "initial_height": draw(st.none() | st.integers(1, 2**40)),
        "versions": draw(st.booleans()),
        "accounts": accounts,
        "assets": assets,
        "balances": balances,
        "regulators": draw(st.lists(st.sampled_from(range(len(PARTIES))), max_size=3)),
        "fees": draw(st.booleans()),
    }


def _build(inputs: dict[str, Any]) -> GenesisBuilder:
    genesis = GenesisBuilder(
        inputs["chain_id"],
        genesis_time_ms=inputs["time_ms"],
        initial_height=inputs["initial_height"],
        consensus_versions=default_consensus_versions() if inputs["versions"] else None,
    ).validator(VALIDATOR.key.public_key, power=inputs["power"])
    for index, roles, registered in inputs["accounts"]:
        member = PARTIES[index]
        genesis.account(
            member.address, roles=roles, public_key=member.key.public_key if registered else None
        )
    for symbol, decimals, asset_class, max_supply in inputs["assets"]:
        genesis.asset(
            symbol,
            name=f"{symbol} token",
            decimals=decimals,
            asset_class=asset_class,
            issuer=ISSUER.address,
            max_supply=max_supply,
        )
    for index, symbol, amount, authorized in inputs["balances"]:
        genesis.balance(PARTIES[index].address, symbol, amount, authorized=authorized)
    for index in inputs["regulators"]:
        genesis.regulator("US", PARTIES[index].address)
    if inputs["fees"]:
        genesis.fees("USD", per_tx=3, per_message=2)
    return genesis


@settings(max_examples=60, deadline=None)
@given(genesis_inputs())
def test_builder_output_always_passes_parse_genesis(inputs: dict[str, Any]) -> None:
    raw = _build(inputs).build()
    genesis = parse_genesis(raw)
    assert genesis.chain_id == inputs["chain_id"]
    assert genesis.genesis_time_ms == inputs["time_ms"]
    assert genesis.validators[0].power == (inputs["power"] or 1)
    assert genesis.initial_height == (inputs["initial_height"] or 1)
    sections = {
        "accounts": AccountsGenesis,
        "assets": AssetsGenesis,
        "compliance": ComplianceGenesis,
    }
    for module, section in genesis.app_state.items():
        from_json(bytes(section), sections[module])
    accounts = from_json(bytes(genesis.app_state.get("accounts", b"{}")), AccountsGenesis)
    assert [account.address for account in accounts.accounts] == [
        PARTIES[index].address for index, _, _ in inputs["accounts"]
    ]
    balances = from_json(bytes(genesis.app_state.get("assets", b"{}")), AssetsGenesis).balances
    assert [(b.symbol, b.amount, b.authorized) for b in balances] == [
        (symbol, amount, authorized) for _, symbol, amount, authorized in inputs["balances"]
    ]
    # The same inputs give the same bytes, compact or indented.
    assert _build(inputs).build() == raw
    assert json.loads(_build(inputs).build(indent=2)) == json.loads(raw)


def test_builder_writes_what_was_given_and_nothing_more() -> None:
    document = (
        _builder()
        .account(ADMIN.address, roles=["admin"])
        .asset(
            "USD",
            name="US dollar",
            decimals=2,
            asset_class="payment",
            issuer=ISSUER.address,
            max_supply=1000,
        )
        .balance(ALICE.address, "USD", 600)
        .document()
    )
    assert document == {
        "chain_id": "origin-test",
        "genesis_time_ms": 1_000,
        "validators": [{"public_key": base64.b64encode(VALIDATOR.key.public_key).decode()}],
        "app_state": {
            "accounts": {"accounts": [{"address": str(ADMIN.address), "roles": ["admin"]}]},
            "assets": {
                "assets": [
                    {
                        "symbol": "USD",
                        "name": "US dollar",
                        "decimals": 2,
                        "asset_class": "payment",
                        "issuer": str(ISSUER.address),
                        "max_supply": "1000",
                    }
                ],
                "balances": [{"account": str(ALICE.address), "symbol": "USD", "amount": "600"}],
            },
        },
    }


def test_builder_empty_lists_when_named() -> None:
    document = _builder().accounts().assets().balances().regulators().document()
    assert document["app_state"] == {
        "accounts": {"accounts": []},
        "assets": {"assets": [], "balances": []},
        "compliance": {"regulators": []},
    }
    assert _builder().document()["app_state"] == {}


def test_builder_grant_role_adds_to_a_listed_account() -> None:
    document = (
        _builder()
        .account(ADMIN.address, roles=["admin"])
        .grant_role(ADMIN.address, "issuer", "admin")
        .grant_role(BOB.address, "custodian")
        .document()
    )
    assert document["app_state"]["accounts"]["accounts"] == [
        {"address": str(ADMIN.address), "roles": ["admin", "issuer"]},
        {"address": str(BOB.address), "roles": ["custodian"]},
    ]


def test_builder_genesis_initializes_a_chain() -> None:
    raw = (
        _builder()
        .account(ISSUER.address, roles=["issuer"])
        .asset(
            "USD",
            name="US dollar",
            decimals=2,
            asset_class="payment",
            issuer=ISSUER.address,
            max_supply=1000,
        )
        .balance(ALICE.address, "USD", 600)
        .build()
    )
    app = Application(SqliteStore(None))
    assert len(app.init_chain(raw)) == 32


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: GenesisBuilder("", genesis_time_ms=1).validator(bytes(32)), "chain_id"),
        (lambda: GenesisBuilder("c", genesis_time_ms=1), "at least one validator"),
        (lambda: GenesisBuilder("c" * 65, genesis_time_ms=1).validator(bytes(32)), "longer"),
        (lambda: GenesisBuilder("c", genesis_time_ms=-1).validator(bytes(32)), "genesis_time_ms"),
        (
            lambda: GenesisBuilder("c", genesis_time_ms=1, initial_height=0).validator(bytes(32)),
            "initial_height",
        ),
        (
            lambda: (
                GenesisBuilder("c", genesis_time_ms=1).validator(bytes(32)).validator(bytes(32))
            ),
            "listed twice",
        ),
        (lambda: GenesisBuilder("c", genesis_time_ms=1).validator(bytes(31)), "32-byte"),
        (lambda: GenesisBuilder("c", genesis_time_ms=1).validator(bytes(32), power=0), "power"),
        (lambda: _builder().account(b"\x01" * 32, public_key=bytes(3)), "account must be"),
        (lambda: _builder().account(ALICE.address, public_key=bytes(3)), "accounts section"),
        (lambda: _builder().account(ALICE.address).account(ALICE.address), "listed twice"),
    ],
)
def test_invalid_builder_document(build: Any, message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        build().build()


@pytest.mark.parametrize(
    ("add", "message"),
    [
        (lambda g: g.account("og1notanaddress"), "not an address"),
        (lambda g: g.balance(ALICE.address, "USD", -1), "outside"),
        (lambda g: g.balance(ALICE.address, "USD", AMOUNT_MAX + 1), "outside"),
        (lambda g: g.balance(ALICE.address, "USD", True), "integer"),
        (
            lambda g: g.asset(
                "USD",
                name="x",
                decimals=2,
                asset_class="payment",
                issuer=ISSUER.address,
                max_supply=1,
                colour="red",
            ),
            "asset USD",
        ),
        (lambda g: g.accounts(GenesisAccount(ALICE.address), object()), "GenesisAccount"),
        (lambda g: g.fees("USD", per_tx=-5), "per_tx"),
    ],
)
def test_invalid_builder_input(add: Any, message: str) -> None:
    with pytest.raises(GenesisError, match=message):
        add(_builder())


def test_builder_knows_every_list_of_every_module_section() -> None:
    """A module whose genesis type gains a list (or a new module with a genesis) must teach
    the builder its record type."""
    lists = {}
    for module in DEFAULT_MODULES:
        if module.genesis_type is None:
            continue
        info = msgspec.inspect.type_info(module.genesis_type)
        assert isinstance(info, msgspec.inspect.StructType)
        for field in info.fields:
            if isinstance(field.type, msgspec.inspect.ListType):
                item = field.type.item_type
                assert isinstance(item, msgspec.inspect.StructType)
                lists[(module.name, field.encode_name)] = item.cls
    assert lists == RECORD_TYPES
