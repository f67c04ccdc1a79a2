"""The assets module through the Application: issue, mint, burn, transfer; every code."""

from __future__ import annotations

import json

import msgspec
import pytest

from originledger.app import Application
from originledger.core.address import account_address
from originledger.core.amounts import Amount
from originledger.core.codec import encode
from originledger.core.context import BlockState, TxState
from originledger.core.limits import AMOUNT_MAX
from originledger.core.module import InvariantBroken, QueryError
from originledger.modules.accounts.types import AccountCreated, GrantRole
from originledger.modules.assets import AssetsCode, balance_of, load_asset, move
from originledger.modules.assets.invariants import (
    balance_lines_are_well_formed,
    supply_equals_sum_of_balances,
)
from originledger.modules.assets.keys import asset_key, balance_key
from originledger.modules.assets.logic import mint_to
from originledger.modules.assets.queries import AccountBalance, AssetBalance
from originledger.modules.assets.types import (
    AssetIssued,
    AssetRecord,
    Balance,
    Burn,
    Burned,
    Issue,
    Mint,
    Minted,
    Transfer,
    Transferred,
)
from originledger.store import SqliteStore
from tests.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    GENESIS_TIME_MS,
    ISSUER,
    Chain,
    DictStore,
    Party,
    assert_failed,
    genesis_builder,
)


def issue(
    symbol: str = "GLD",
    *,
    issuer: Party = ISSUER,
    name: str = "Vaulted gold",
    decimals: int = 3,
    asset_class: str = "reserve",
    max_supply: int = 10**9,
) -> Issue:
    return Issue(issuer.address, symbol, name, decimals, asset_class, Amount(max_supply))


def mint(
    amount: int, recipient: Party = ALICE, symbol: str = "USD", issuer: Party = ISSUER
) -> Mint:
    return Mint(issuer.address, symbol, recipient.address, Amount(amount))


def transfer(
    amount: int, sender: Party = ALICE, recipient: Party = BOB, symbol: str = "USD"
) -> Transfer:
    return Transfer(sender.address, recipient.address, symbol, Amount(amount))


# -- issue ------------------------------------------------------------------------------


def test_issue_success(chain: Chain) -> None:
    outcome = chain.run(issue(), ISSUER)
    assert outcome.result.ok
    # ISSUER is a genesis account: signing creates nothing.
    assert outcome.events == [AssetIssued("GLD", ISSUER.address, "reserve", 3, Amount(10**9))]
    assert load_asset(chain.store, "GLD") == AssetRecord(
        "GLD",
        "Vaulted gold",
        3,
        "reserve",
        ISSUER.address,
        Amount(10**9),
        Amount(0),
        1,
        agent=ISSUER.address,
    )


@pytest.mark.parametrize("asset_class", ["reserve", "utility", "entertainment"])
def test_issue_open_class_without_issuer_role(chain: Chain, asset_class: str) -> None:
    outcome = chain.run(issue(issuer=ALICE, asset_class=asset_class), ALICE)
    assert outcome.result.ok
    assert outcome.events == [
        AccountCreated(ALICE.address),
        AssetIssued(
            "GLD",
            ALICE.address,
            asset_class,
            3,
            Amount(10**9),
            speculative=asset_class == "entertainment",
        ),
    ]


@pytest.mark.parametrize("asset_class", ["payment", "credit", "security"])
def test_invalid_issue_issuer_role_required(chain: Chain, asset_class: str) -> None:
    message = issue(issuer=ALICE, asset_class=asset_class)
    if asset_class == "credit":
        message = msgspec.structs.replace(message, maturity_ms=GENESIS_TIME_MS * 2, coupon_bps=500)
    outcome = chain.run(message, ALICE)
    assert_failed(outcome, AssetsCode.ISSUER_ROLE_REQUIRED)
    assert load_asset(chain.store, "GLD") is None
    # With the role granted, the same issuance goes through.
    assert chain.run(GrantRole(ADMIN.address, ALICE.address, "issuer"), ADMIN).result.ok
    assert chain.run(message, ALICE).result.ok


def test_issue_boundaries(chain: Chain) -> None:
    messages = [
        issue("A", decimals=0, max_supply=1, name="x"),
        issue("ABCDEFGHIJ.-", decimals=18, max_supply=AMOUNT_MAX, name="n" * 64),
        issue("Z9", name="é" * 32),  # 64 bytes of UTF-8
    ]
    assert chain.run(messages, ISSUER).result.ok
    assert load_asset(chain.store, "ABCDEFGHIJ.-").max_supply == AMOUNT_MAX  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "symbol", ["", "usd", "Usd", "1USD", ".USD", "-USD", "ABCDEFGHIJKLM", "US D", "USD\n", "ÜSD"]
)
def test_invalid_issue_symbol(chain: Chain, symbol: str) -> None:
    assert_failed(chain.run(issue(symbol), ISSUER), AssetsCode.INVALID_SYMBOL)


@pytest.mark.parametrize("name", ["", "n" * 65, "é" * 33, "tab\there", "line\n"])
def test_invalid_issue_name(chain: Chain, name: str) -> None:
    assert_failed(chain.run(issue(name=name), ISSUER), AssetsCode.INVALID_NAME)


@pytest.mark.parametrize("decimals", [-1, 19, 2**40])
def test_invalid_issue_decimals(chain: Chain, decimals: int) -> None:
    assert_failed(chain.run(issue(decimals=decimals), ISSUER), AssetsCode.INVALID_DECIMALS)


@pytest.mark.parametrize("asset_class", ["", "Payment", "stablecoin", "meme"])
def test_invalid_issue_class(chain: Chain, asset_class: str) -> None:
    assert_failed(chain.run(issue(asset_class=asset_class), ISSUER), AssetsCode.INVALID_CLASS)


def test_invalid_issue_amount_zero(chain: Chain) -> None:
    assert_failed(chain.run(issue(max_supply=0), ISSUER), AssetsCode.AMOUNT_ZERO)


def test_invalid_issue_symbol_taken(funded_chain: Chain) -> None:
    outcome = funded_chain.run(issue("USD", issuer=ALICE, asset_class="utility"), ALICE)
    assert_failed(outcome, AssetsCode.SYMBOL_TAKEN)
    assert load_asset(funded_chain.store, "USD").issuer == ISSUER.address  # type: ignore[union-attr]


def test_invalid_issue_symbol_taken_before_role_check(funded_chain: Chain) -> None:
    # Both SYMBOL_TAKEN (11) and ISSUER_ROLE_REQUIRED (12) apply: the lower code wins.
    outcome = funded_chain.run(issue("USD", issuer=ALICE, asset_class="payment"), ALICE)
    assert_failed(outcome, AssetsCode.SYMBOL_TAKEN)


def test_invalid_issue_stateless_checks_in_order(chain: Chain) -> None:
    outcome = chain.run(issue("bad", name="", decimals=99, asset_class="x", max_supply=0), ISSUER)
    assert_failed(outcome, AssetsCode.INVALID_SYMBOL)
    outcome = chain.run(issue(name="", decimals=99, asset_class="x", max_supply=0), ISSUER)
    assert_failed(outcome, AssetsCode.INVALID_NAME)
    outcome = chain.run(issue(decimals=99, asset_class="x", max_supply=0), ISSUER)
    assert_failed(outcome, AssetsCode.INVALID_DECIMALS)
    outcome = chain.run(issue(asset_class="x", max_supply=0), ISSUER)
    assert_failed(outcome, AssetsCode.INVALID_CLASS)


def test_invalid_issue_twice_in_one_transaction(chain: Chain) -> None:
    outcome = chain.run([issue(), issue()], ISSUER)
    assert_failed(outcome, AssetsCode.SYMBOL_TAKEN, message_index=1)
    assert load_asset(chain.store, "GLD") is None


# -- mint -------------------------------------------------------------------------------


def test_mint_success(funded_chain: Chain) -> None:
    outcome = funded_chain.run(mint(250, CAROL), ISSUER)
    assert outcome.result.ok
    assert outcome.events == [Minted("USD", CAROL.address, Amount(250), Amount(1_750))]
    assert funded_chain.balance(CAROL, "USD") == 250
    assert funded_chain.supply("USD") == 1_750


def test_mint_up_to_max_supply(chain: Chain) -> None:
    assert chain.run(issue(max_supply=100), ISSUER).result.ok
    assert chain.run(mint(60, symbol="GLD"), ISSUER).result.ok
    assert chain.run(mint(40, BOB, symbol="GLD"), ISSUER).result.ok
    assert chain.supply("GLD") == 100


def test_mint_max_supply_of_amount_max(chain: Chain) -> None:
    assert chain.run(issue(max_supply=AMOUNT_MAX), ISSUER).result.ok
    assert chain.run(mint(AMOUNT_MAX, symbol="GLD"), ISSUER).result.ok
    assert chain.balance(ALICE, "GLD") == AMOUNT_MAX
    assert_failed(chain.run(mint(1, BOB, symbol="GLD"), ISSUER), AssetsCode.MAX_SUPPLY_EXCEEDED)
    assert chain.run(transfer(AMOUNT_MAX, symbol="GLD"), ALICE).result.ok
    assert chain.balance(BOB, "GLD") == AMOUNT_MAX


def test_invalid_mint_max_supply_exceeded(chain: Chain) -> None:
    assert chain.run(issue(max_supply=100), ISSUER).result.ok
    assert chain.run(mint(60, symbol="GLD"), ISSUER).result.ok
    assert_failed(chain.run(mint(41, symbol="GLD"), ISSUER), AssetsCode.MAX_SUPPLY_EXCEEDED)
    assert chain.supply("GLD") == 60


def test_invalid_mint_asset_not_found(chain: Chain) -> None:
    assert_failed(chain.run(mint(1, symbol="NOPE"), ISSUER), AssetsCode.ASSET_NOT_FOUND)


def test_invalid_mint_not_issuer(funded_chain: Chain) -> None:
    # Holding the issuer role is not enough: only the asset's own issuer mints it.
    assert funded_chain.run(GrantRole(ADMIN.address, ALICE.address, "issuer"), ADMIN).result.ok
    outcome = funded_chain.run(mint(5, ALICE, issuer=ALICE), ALICE)
    assert_failed(outcome, AssetsCode.NOT_ISSUER)
    assert funded_chain.supply("USD") == 1_500


def test_invalid_mint_amount_zero(funded_chain: Chain) -> None:
    assert_failed(funded_chain.run(mint(0), ISSUER), AssetsCode.AMOUNT_ZERO)


def test_invalid_mint_symbol(funded_chain: Chain) -> None:
    assert_failed(funded_chain.run(mint(0, symbol="usd"), ISSUER), AssetsCode.INVALID_SYMBOL)


# -- burn -------------------------------------------------------------------------------


def test_burn_success(funded_chain: Chain) -> None:
    assert funded_chain.run(mint(300, ISSUER), ISSUER).result.ok
    outcome = funded_chain.run(Burn(ISSUER.address, "USD", Amount(100)), ISSUER)
    assert outcome.result.ok
    assert outcome.events == [Burned("USD", ISSUER.address, Amount(100), Amount(1_700))]
    assert funded_chain.balance(ISSUER, "USD") == 200
    assert funded_chain.supply("USD") == 1_700


def test_burn_whole_balance_deletes_it(funded_chain: Chain) -> None:
    assert funded_chain.run(mint(300, ISSUER), ISSUER).result.ok
    assert funded_chain.run(Burn(ISSUER.address, "USD", Amount(300)), ISSUER).result.ok
    assert funded_chain.store.get(balance_key(ISSUER.address, "USD")) is None
    assert funded_chain.supply("USD") == 1_500


def test_burn_frees_room_under_max_supply(chain: Chain) -> None:
    assert chain.run([issue(max_supply=10), mint(10, ISSUER, symbol="GLD")], ISSUER).result.ok
    assert chain.run(
        [Burn(ISSUER.address, "GLD", Amount(4)), mint(4, BOB, symbol="GLD")], ISSUER
    ).result.ok
    assert (chain.balance(ISSUER, "GLD"), chain.balance(BOB, "GLD")) == (6, 4)


def test_invalid_burn_insufficient_balance(funded_chain: Chain) -> None:
    outcome = funded_chain.run(Burn(ISSUER.address, "USD", Amount(1)), ISSUER)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE)
    assert funded_chain.supply("USD") == 1_500


def test_invalid_burn_not_issuer(funded_chain: Chain) -> None:
    # A holder cannot burn: burning is the issuer's redemption.
    assert_failed(
        funded_chain.run(Burn(ALICE.address, "USD", Amount(1)), ALICE), AssetsCode.NOT_ISSUER
    )
    assert funded_chain.balance(ALICE, "USD") == 1_000


def test_invalid_burn_asset_not_found(chain: Chain) -> None:
    assert_failed(
        chain.run(Burn(ISSUER.address, "NOPE", Amount(1)), ISSUER), AssetsCode.ASSET_NOT_FOUND
    )


def test_invalid_burn_amount_zero(funded_chain: Chain) -> None:
    assert_failed(
        funded_chain.run(Burn(ISSUER.address, "USD", Amount(0)), ISSUER), AssetsCode.AMOUNT_ZERO
    )


# -- transfer ---------------------------------------------------------------------------


def test_transfer_success(funded_chain: Chain) -> None:
    outcome = funded_chain.run(transfer(400, ALICE, CAROL), ALICE)
    assert outcome.result.ok
    assert outcome.events == [
        AccountCreated(ALICE.address),
        Transferred("USD", ALICE.address, CAROL.address, Amount(400)),
    ]
    assert funded_chain.balance(ALICE, "USD") == 600
    assert funded_chain.balance(CAROL, "USD") == 400
    assert funded_chain.supply("USD") == 1_500


def test_transfer_whole_balance_deletes_it(funded_chain: Chain) -> None:
    assert funded_chain.run(transfer(500, BOB, ALICE), BOB).result.ok
    assert funded_chain.store.get(balance_key(BOB.address, "USD")) is None
    assert funded_chain.balance(ALICE, "USD") == 1_500


def test_transfer_to_unknown_account(funded_chain: Chain) -> None:
    stranger = account_address(b"stranger".ljust(32, b"."))
    outcome = funded_chain.run(Transfer(ALICE.address, stranger, "USD", Amount(1)), ALICE)
    assert outcome.result.ok
    assert funded_chain.balance(stranger, "USD") == 1


def test_transfer_in_and_out_within_one_block(funded_chain: Chain) -> None:
    # CAROL's balance is created and deleted inside one block: no trace is left.
    before = funded_chain.module_state()
    in_raw = funded_chain.tx(transfer(100, ALICE, CAROL), ALICE)
    out_raw = funded_chain.tx(transfer(100, CAROL, ALICE), CAROL)
    outcome = funded_chain.block([in_raw, out_raw])
    assert [tx.result.ok for tx in outcome.txs] == [True, True]
    assert funded_chain.store.get(balance_key(CAROL.address, "USD")) is None
    after = funded_chain.module_state()
    created = {key for key in after if key not in before}
    assert all(key.startswith(b"accounts/") for key in created)


def test_invalid_transfer_insufficient_balance(funded_chain: Chain) -> None:
    assert_failed(funded_chain.run(transfer(1_001), ALICE), AssetsCode.INSUFFICIENT_BALANCE)
    assert_failed(
        funded_chain.run(transfer(1, CAROL, ALICE), CAROL), AssetsCode.INSUFFICIENT_BALANCE
    )
    assert funded_chain.balance(ALICE, "USD") == 1_000


def test_invalid_transfer_self(funded_chain: Chain) -> None:
    assert_failed(funded_chain.run(transfer(1, ALICE, ALICE), ALICE), AssetsCode.SELF_TRANSFER)


def test_invalid_transfer_amount_zero_before_self(funded_chain: Chain) -> None:
    assert_failed(funded_chain.run(transfer(0, ALICE, ALICE), ALICE), AssetsCode.AMOUNT_ZERO)


def test_invalid_transfer_asset_not_found(funded_chain: Chain) -> None:
    assert_failed(funded_chain.run(transfer(1, symbol="EUR"), ALICE), AssetsCode.ASSET_NOT_FOUND)


def test_invalid_transfer_symbol(funded_chain: Chain) -> None:
    assert_failed(funded_chain.run(transfer(1, symbol="usd"), ALICE), AssetsCode.INVALID_SYMBOL)


def test_invalid_balance_overflow_in_move() -> None:
    # Unreachable through messages (supply bounds every balance), so checked on ``move``.
    state = TxState(BlockState(DictStore({})))  # type: ignore[arg-type]
    state.set(
        asset_key("USD"),
        encode(AssetRecord("USD", "x", 0, "utility", ISSUER.address, Amount(1), Amount(1), 1)),
    )
    state.set(balance_key(ALICE.address, "USD"), encode(Balance(Amount(10))))
    state.set(balance_key(BOB.address, "USD"), encode(Balance(Amount(AMOUNT_MAX - 5))))
    failure = move(state, "USD", ALICE.address, BOB.address, Amount(6))
    assert failure is not None and failure.code == AssetsCode.BALANCE_OVERFLOW
    assert balance_of(state, ALICE.address, "USD") == 10
    assert move(state, "USD", ALICE.address, BOB.address, Amount(5)) is None
    assert balance_of(state, BOB.address, "USD") == AMOUNT_MAX
    assert balance_of(state, ALICE.address, "USD") == 5


def test_invalid_mint_to_balance_overflow_guard() -> None:
    # The guard behind MAX_SUPPLY_EXCEEDED: the supply cannot pass 2**128 - 1 either.
    state = TxState(BlockState(DictStore({})))  # type: ignore[arg-type]
    asset = AssetRecord(
        "X", "x", 0, "utility", ALICE.address, Amount(AMOUNT_MAX), Amount(AMOUNT_MAX), 1
    )
    unchanged, failure = mint_to(state, asset, BOB.address, Amount(1), time_ms=GENESIS_TIME_MS)
    assert failure is not None and failure.code == AssetsCode.MAX_SUPPLY_EXCEEDED
    assert unchanged is asset
    assert state.writes == {}


# -- atomicity --------------------------------------------------------------------------


def test_transfer_atomic_with_failing_message(funded_chain: Chain) -> None:
    before = funded_chain.module_state()
    root = funded_chain.module_state()
    outcome = funded_chain.run([transfer(100), transfer(10**6)], ALICE)
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE, message_index=1)
    assert funded_chain.module_state() == before  # not even ALICE's account was created
    assert funded_chain.module_state() == root
    assert funded_chain.balance(BOB, "USD") == 500


def test_transfer_atomic_failing_message_of_other_module(funded_chain: Chain) -> None:
    root = funded_chain.module_state()
    outcome = funded_chain.run(
        [transfer(100), mint(5, BOB), GrantRole(ALICE.address, BOB.address, "admin")],
        [ALICE, ISSUER],
    )
    assert (outcome.result.codespace, outcome.result.code, outcome.result.message_index) == (
        "accounts",
        10,
        2,
    )
    assert outcome.events == []
    assert funded_chain.module_state() == root
    assert funded_chain.supply("USD") == 1_500


def test_transfer_chain_inside_one_transaction(funded_chain: Chain) -> None:
    # Delivery against payment in one transaction: each leg sees the previous one.
    assert funded_chain.run([issue("GLD", max_supply=10)], ISSUER).result.ok
    assert funded_chain.run(mint(10, BOB, symbol="GLD"), ISSUER).result.ok
    outcome = funded_chain.run(
        [
            transfer(700, ALICE, BOB),
            transfer(10, BOB, ALICE, symbol="GLD"),
            transfer(1_200, BOB, CAROL),
        ],
        [ALICE, BOB],
    )
    assert outcome.result.ok
    assert [type(event).__name__ for event in outcome.events] == [
        "AccountCreated",
        "AccountCreated",
        "Transferred",
        "Transferred",
        "Transferred",
    ]
    assert funded_chain.balance(CAROL, "USD") == 1_200
    assert funded_chain.balance(ALICE, "GLD") == 10


# -- queries ----------------------------------------------------------------------------


def test_query_asset_and_assets(funded_chain: Chain) -> None:
    assert funded_chain.run(issue("MEME", asset_class="entertainment"), ISSUER).result.ok
    view = funded_chain.app.query("assets", "asset", {"symbol": "MEME"})
    assert view.speculative
    assert view.asset.asset_class == "entertainment"
    views = funded_chain.app.query("assets", "assets", {})
    assert [(v.asset.symbol, v.speculative) for v in views] == [("MEME", True), ("USD", False)]


def test_query_balance_and_balances(funded_chain: Chain) -> None:
    assert funded_chain.run([issue("GLD"), mint(7, symbol="GLD")], ISSUER).result.ok
    balance = funded_chain.app.query(
        "assets", "balance", {"account": str(ALICE.address), "symbol": "USD"}
    )
    thousand = Amount(1_000)
    zero_amount = Amount(0)
    assert balance == AssetBalance(
        ALICE.address,
        "USD",
        thousand,
        zero_amount,
        zero_amount,
        thousand,
        False,
        False,
        False,
        asset_paused=False,
        asset_frozen=False,
        speculative=False,
    )
    zero = funded_chain.app.query(
        "assets", "balance", {"account": str(CAROL.address), "symbol": "USD"}
    )
    assert zero.amount == 0
    balances = funded_chain.app.query("assets", "balances", {"account": str(ALICE.address)})
    assert [(line.symbol, line.amount, line.available) for line in balances] == [
        ("GLD", 7, 7),
        ("USD", 1_000, 1_000),
    ]
    assert all(isinstance(line, AccountBalance) for line in balances)
    assert funded_chain.app.query("assets", "balances", {"account": str(CAROL.address)}) == []


@pytest.mark.parametrize(
    ("name", "params", "not_found"),
    [
        ("asset", {}, False),
        ("asset", {"symbol": "EUR"}, True),
        ("balance", {"symbol": "USD"}, False),
        ("balance", {"account": "og1x", "symbol": "USD"}, False),
        ("balance", {"account": str(ALICE.address)}, False),
        ("balance", {"account": str(ALICE.address), "symbol": "EUR"}, True),
        ("balances", {}, False),
    ],
)
def test_invalid_query_assets(
    funded_chain: Chain, name: str, params: dict[str, str], not_found: bool
) -> None:
    with pytest.raises(QueryError) as raised:
        funded_chain.app.query("assets", name, params)
    assert raised.value.not_found is not_found


# -- genesis and invariants -------------------------------------------------------------


def usd_genesis(balances: list[dict[str, object]], max_supply: str = "1000") -> dict[str, object]:
    """ISSUER's USD (``max_supply``) with ``balances``, as given: some tests give balances
    the module must refuse."""
    document = (
        genesis_builder()
        # A payment asset's issuer keeps its powers only while it holds the issuer role.
        .account(ISSUER.address, roles=["issuer"])
        .asset(
            "USD",
            name="US dollar",
            decimals=2,
            asset_class="payment",
            issuer=ISSUER.address,
            max_supply=int(max_supply),
        )
        .document()
    )
    document["app_state"]["assets"]["balances"] = balances
    return document


def test_genesis_assets_and_balances() -> None:
    chain = Chain(
        usd_genesis(
            [
                {"account": str(ALICE.address), "symbol": "USD", "amount": "600"},
                {"account": str(BOB.address), "symbol": "USD", "amount": "400"},
                {"account": str(CAROL.address), "symbol": "USD", "amount": "0"},
            ]
        )
    )
    assert chain.supply("USD") == 1_000
    assert (chain.balance(ALICE, "USD"), chain.balance(BOB, "USD")) == (600, 400)
    assert chain.store.get(balance_key(CAROL.address, "USD")) is None
    chain.app.check_invariants()
    assert_failed(chain.run(mint(1), ISSUER), AssetsCode.MAX_SUPPLY_EXCEEDED)


@pytest.mark.parametrize(
    ("balances", "max_supply"),
    [
        ([{"account": str(ALICE.address), "symbol": "USD", "amount": "1001"}], "1000"),
        ([{"account": str(ALICE.address), "symbol": "EUR", "amount": "1"}], "1000"),
        ([{"account": str(ALICE.address), "symbol": "USD", "amount": "1"}] * 2, "1000"),
        ([], "0"),
        ([{"account": str(ALICE.address), "symbol": "USD", "amount": "-1"}], "1000"),
    ],
)
def test_invalid_genesis_assets(balances: list[dict[str, object]], max_supply: str) -> None:
    app = Application(SqliteStore(None))
    with pytest.raises(ValueError):
        app.init_chain(json.dumps(usd_genesis(balances, max_supply)).encode())
    assert app.info() is None


def test_invalid_genesis_asset_listed_twice() -> None:
    document = usd_genesis([])
    document["app_state"]["assets"]["assets"] *= 2  # type: ignore[index]
    with pytest.raises(ValueError, match="twice"):
        Application(SqliteStore(None)).init_chain(json.dumps(document).encode())


def test_invariants_detect_breaches(funded_chain: Chain) -> None:
    items = funded_chain.state_items()
    assert supply_equals_sum_of_balances(DictStore(items)) is None  # type: ignore[arg-type]
    assert balance_lines_are_well_formed(DictStore(items)) is None  # type: ignore[arg-type]

    zero = dict(items)
    zero[balance_key(CAROL.address, "USD")] = encode(Balance(Amount(0)))
    breach = balance_lines_are_well_formed(DictStore(zero))  # type: ignore[arg-type]
    assert breach is not None and "empty" in breach

    orphan = dict(items)
    orphan[balance_key(CAROL.address, "EUR")] = encode(Balance(Amount(3)))
    breach = supply_equals_sum_of_balances(DictStore(orphan))  # type: ignore[arg-type]
    assert breach is not None and "unknown assets" in breach

    over = dict(items)
    asset = load_asset(DictStore(items), "USD")  # type: ignore[arg-type]
    assert asset is not None
    over[asset_key("USD")] = encode(
        AssetRecord(
            asset.symbol,
            asset.name,
            asset.decimals,
            asset.asset_class,
            asset.issuer,
            Amount(1_000),
            asset.supply,
            asset.created_height,
        )
    )
    breach = supply_equals_sum_of_balances(DictStore(over))  # type: ignore[arg-type]
    assert breach is not None and "max supply" in breach
    with pytest.raises(InvariantBroken):
        Application(DictStore(over)).check_invariants()  # type: ignore[arg-type]


def test_assets_codes_stable() -> None:
    assert {code.name: int(code) for code in AssetsCode} == {
        "OK": 0,
        "INVALID_SYMBOL": 1,
        "INVALID_NAME": 2,
        "INVALID_DECIMALS": 3,
        "INVALID_CLASS": 4,
        "AMOUNT_ZERO": 5,
        "SELF_TRANSFER": 6,
        "ASSET_NOT_FOUND": 10,
        "SYMBOL_TAKEN": 11,
        "ISSUER_ROLE_REQUIRED": 12,
        "NOT_ISSUER": 13,
        "MAX_SUPPLY_EXCEEDED": 14,
        "INSUFFICIENT_BALANCE": 15,
        "BALANCE_OVERFLOW": 16,
        "POLICY_NOT_ALLOWED": 17,
        "INVALID_CREDIT_TERMS": 18,
        "INVALID_POLICY_FIELD": 19,
        "INVALID_FREEZE": 20,
        "INVALID_HOLD_ID": 21,
        "TIME_OUT_OF_RANGE": 22,
        "PAUSED": 30,
        "ASSET_FROZEN": 31,
        "SENDER_FROZEN": 32,
        "RECIPIENT_FROZEN": 33,
        "NOT_AUTHORIZED": 34,
        "INSUFFICIENT_AVAILABLE": 35,
        "NOT_AUTHORITY": 36,
        "NOT_FREEZABLE": 37,
        "FREEZE_EXCEEDS_BALANCE": 38,
        "CLAWBACK_DISABLED": 39,
        "ALREADY_MINTED": 40,
        "NOT_AGENT": 41,
        "HOLDS_OPEN": 42,
        "NOT_CUSTODIAN": 43,
        "CUSTODIAN_ROLE_REQUIRED": 44,
        "INVALID_ATTESTATION_TIME": 45,
        "RESERVES_STALE": 46,
        "RESERVES_EXCEEDED": 47,
        "AUTHORIZATION_NOT_REQUIRED": 48,
        "UNCHANGED": 49,
        "HOLD_EXPIRY_INVALID": 50,
        "HOLD_EXISTS": 51,
        "HOLD_NOT_FOUND": 52,
        "NOT_PAYEE": 53,
        "HOLD_EXPIRED": 54,
        "POST_EXCEEDS_HOLD": 55,
        "ISSUER_ROLE_REVOKED": 56,
    }
    assert all(code.message for code in AssetsCode)
