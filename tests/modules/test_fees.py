"""Optional transaction fees (assets genesis ``fees``): who pays, when, what a failure
keeps, the payer who cannot pay, admission, genesis checks and the collector invariant."""

from __future__ import annotations

from typing import Any

import pytest

from originledger.core.amounts import Amount
from originledger.core.codec import encode
from originledger.core.codes import TxCode
from originledger.core.tx import SPENT_PREFIX
from originledger.modules.accounts.codes import AccountsCode
from originledger.modules.accounts.types import GrantRole
from originledger.modules.assets import FEE_COLLECTOR, fee_collector_matches_fees, fees_collected
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.keys import (
    FEE_SCHEDULE_KEY,
    FEES_COLLECTED_KEY,
    balance_key,
)
from originledger.modules.assets.logic import load_asset
from originledger.modules.assets.types import Freeze, FreezeAsset, Pause, Transfer
from tests.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    ISSUER,
    Chain,
    DictStore,
    Party,
    assert_failed,
    genesis_builder,
    party,
)

PER_TX = 3
PER_MESSAGE = 2
DAVE = party("dave")


def fees_genesis(
    balances: dict[Party, int] | None = None, fees: dict[str, Any] | None = None
) -> dict[str, Any]:
    held = {ISSUER: 1_000, ALICE: 1_000, BOB: 500} if balances is None else balances
    genesis = (
        genesis_builder()
        .account(ADMIN.address, roles=["admin"])
        .account(ISSUER.address, roles=["issuer"])
        .asset(
            "USD",
            name="US dollar",
            decimals=2,
            asset_class="payment",
            issuer=ISSUER.address,
            max_supply=1_000_000,
        )
    )
    for who, amount in held.items():
        genesis.balance(who.address, "USD", amount)
    document = genesis.document()
    # The fee schedule, as given (some tests give invalid ones on purpose).
    document["app_state"]["assets"]["fees"] = (
        {"symbol": "USD", "per_tx": str(PER_TX), "per_message": str(PER_MESSAGE)}
        if fees is None
        else fees
    )
    return document


def send(sender: Party, recipient: Party, amount: int) -> Transfer:
    return Transfer(sender.address, recipient.address, "USD", Amount(amount))


def fee(messages: int) -> int:
    return PER_TX + PER_MESSAGE * messages


@pytest.fixture
def fees_chain() -> Chain:
    return Chain(fees_genesis())


def test_fees_off_writes_no_fee_state() -> None:
    chain = Chain()
    chain.issue_and_mint("USD", {ALICE: 1_000})
    chain.run(send(ALICE, BOB, 100), ALICE)
    assert chain.store.get(FEE_SCHEDULE_KEY) is None
    assert chain.store.get(FEES_COLLECTED_KEY) is None
    assert (chain.balance(ALICE, "USD"), chain.balance(BOB, "USD")) == (900, 100)
    assert chain.balance(FEE_COLLECTOR, "USD") == 0


def test_transfer_pays_fee_and_amount(fees_chain: Chain) -> None:
    outcome = fees_chain.run(send(ALICE, BOB, 100), ALICE)
    assert outcome.result.ok
    assert fees_chain.balance(ALICE, "USD") == 1_000 - 100 - fee(1)
    assert fees_chain.balance(BOB, "USD") == 600
    assert fees_chain.balance(FEE_COLLECTOR, "USD") == fee(1)
    assert fees_collected(fees_chain.store) == fee(1)
    assert fees_chain.supply("USD") == 2_500


def test_fee_grows_with_messages(fees_chain: Chain) -> None:
    fees_chain.run([send(ALICE, BOB, 1), send(ALICE, CAROL, 1), send(ALICE, BOB, 1)], ALICE)
    assert fees_chain.balance(ALICE, "USD") == 1_000 - 3 - fee(3)
    assert fees_collected(fees_chain.store) == fee(3)


def test_first_signer_pays(fees_chain: Chain) -> None:
    # BOB signs first, ALICE's message: BOB pays the fee.
    fees_chain.run(send(ALICE, CAROL, 10), [BOB, ALICE])
    assert fees_chain.balance(ALICE, "USD") == 990
    assert fees_chain.balance(BOB, "USD") == 500 - fee(1)


def test_failed_transaction_pays_fee_and_rolls_back(fees_chain: Chain) -> None:
    raw = fees_chain.tx([send(ALICE, BOB, 10), send(ALICE, BOB, 10**5)], ALICE)
    outcome = fees_chain.block([raw]).txs[0]
    assert_failed(outcome, AssetsCode.INSUFFICIENT_BALANCE, message_index=1)
    assert fees_chain.balance(ALICE, "USD") == 1_000 - fee(2)
    assert fees_chain.balance(BOB, "USD") == 500
    assert fees_collected(fees_chain.store) == fee(2)
    # The hash is spent: the same bytes cannot pay (or fail) twice.
    assert fees_chain.check(raw).result.code == TxCode.ALREADY_COMMITTED


def test_signer_missing_pays_fee(fees_chain: Chain) -> None:
    outcome = fees_chain.run(send(BOB, CAROL, 10), ALICE)
    assert outcome.result.code == TxCode.SIGNER_MISSING
    assert fees_chain.balance(ALICE, "USD") == 1_000 - fee(1)
    assert fees_chain.balance(BOB, "USD") == 500


def test_expired_transaction_pays_nothing(fees_chain: Chain) -> None:
    raw = fees_chain.tx(send(ALICE, BOB, 10), ALICE, expires_at_ms=fees_chain.next_time_ms)
    outcome = fees_chain.block([raw]).txs[0]
    assert outcome.result.code == TxCode.EXPIRED
    assert fees_chain.balance(ALICE, "USD") == 1_000
    assert fees_collected(fees_chain.store) == 0


def test_invalid_fee_unpaid_refused_at_admission(fees_chain: Chain) -> None:
    check = fees_chain.check(fees_chain.tx(send(CAROL, BOB, 1), CAROL))
    assert check.result.code == TxCode.FEE_UNPAID
    assert not check.ok


def test_invalid_fee_unpaid_in_block_writes_nothing() -> None:
    chain = Chain(fees_genesis({ALICE: 1_000, DAVE: fee(1) - 1}))
    before = chain.state_items()
    raw = chain.tx(send(DAVE, BOB, 1), DAVE)
    assert chain.check(raw).result.code == TxCode.FEE_UNPAID
    outcome = chain.block([raw]).txs[0]  # a proposer forced it in
    assert (outcome.result.codespace, outcome.result.code) == ("tx", TxCode.FEE_UNPAID)
    assert outcome.events == []
    assert not outcome.result.spends_hash
    assert chain.state_items() == before
    # The hash is free: funded, the same bytes pay and run.
    chain.run(send(ALICE, DAVE, 2), ALICE)
    assert chain.block([raw]).txs[0].result.ok
    assert chain.balance(DAVE, "USD") == 0
    assert not any(key.startswith(balance_key(DAVE.address, "USD")) for key in chain.state_items())


def test_fee_unpaid_is_deterministic_within_a_block() -> None:
    # DAVE can pay one fee: the first transaction pays, the second fails FEE_UNPAID.
    chain = Chain(fees_genesis({ALICE: 1_000, DAVE: fee(1) + 1}))
    first = chain.tx(send(DAVE, BOB, 1), DAVE)
    second = chain.tx(send(DAVE, BOB, 1), DAVE)
    assert chain.check(first).ok and chain.check(second).ok  # each alone can pay
    outcomes = chain.block([first, second]).txs
    assert outcomes[0].result.ok
    assert outcomes[1].result.code == TxCode.FEE_UNPAID
    assert chain.balance(DAVE, "USD") == 0
    asset = load_asset(chain.store, "USD")
    assert asset is not None and asset.holders == 3  # ALICE, BOB and the collector
    spent = [key for key in chain.state_items() if key.startswith(SPENT_PREFIX)]
    assert len(spent) == 1


def test_payer_frozen_in_fee_asset_cannot_pay(fees_chain: Chain) -> None:
    frozen = fees_chain.run(Freeze(ISSUER.address, "USD", ALICE.address, True), ISSUER)
    assert frozen.result.ok
    check = fees_chain.check(fees_chain.tx(send(BOB, CAROL, 1), [ALICE, BOB]))
    assert check.result.code == TxCode.FEE_UNPAID
    assert "frozen" in check.result.message


def test_partial_freeze_and_holds_are_not_spendable_for_fees(fees_chain: Chain) -> None:
    freeze = Freeze(ISSUER.address, "USD", ALICE.address, False, amount_frozen=Amount(999))
    fees_chain.run(freeze, ISSUER)
    check = fees_chain.check(fees_chain.tx(send(BOB, CAROL, 1), [ALICE, BOB]))
    assert check.result.code == TxCode.FEE_UNPAID


def test_paused_fee_asset_still_takes_fees(fees_chain: Chain) -> None:
    assert fees_chain.run(Pause(ISSUER.address, "USD", True), ISSUER).result.ok
    failed = fees_chain.run(send(ALICE, BOB, 10), ALICE)
    assert_failed(failed, AssetsCode.PAUSED)
    assert fees_chain.balance(ALICE, "USD") == 1_000 - fee(1)
    # The issuer can still pay to unpause: a paused fee asset does not stop the chain.
    assert fees_chain.run(Pause(ISSUER.address, "USD", False), ISSUER).result.ok
    assert fees_chain.run(FreezeAsset(ISSUER.address, "USD", True), ISSUER).result.ok
    assert fees_chain.run(FreezeAsset(ISSUER.address, "USD", False), ISSUER).result.ok
    assert fees_chain.balance(ISSUER, "USD") == 1_000 - 4 * fee(1)


def test_invalid_collector_as_counterparty(fees_chain: Chain) -> None:
    message = Transfer(ALICE.address, FEE_COLLECTOR, "USD", Amount(1))
    check = fees_chain.check(fees_chain.tx(message, ALICE))
    assert (check.result.codespace, check.result.code) == ("accounts", AccountsCode.MODULE_ACCOUNT)


def test_new_signer_account_rolls_back_but_fee_stays() -> None:
    # DAVE (never signed before) holds units; his first transaction fails: he pays, and
    # the account record his signature would have created is rolled back with the rest.
    chain = Chain(fees_genesis({ALICE: 1_000, DAVE: 100}))
    outcome = chain.run(GrantRole(DAVE.address, BOB.address, "issuer"), DAVE)
    assert not outcome.result.ok
    assert chain.balance(DAVE, "USD") == 100 - fee(1)


def test_fees_on_is_deterministic() -> None:
    roots = []
    for _ in range(2):
        chain = Chain(fees_genesis())
        chain.block(
            [
                chain.tx(send(ALICE, BOB, 10), ALICE),
                chain.tx(send(ALICE, BOB, 10**6), ALICE),
                chain.tx(send(CAROL, BOB, 1), CAROL),
            ]
        )
        roots.append(chain.state_root)
    assert roots[0] == roots[1]


def test_collector_invariant_breach() -> None:
    chain = Chain(fees_genesis())
    chain.run(send(ALICE, BOB, 1), ALICE)
    items = chain.state_items()
    assert fee_collector_matches_fees(DictStore(items)) is None
    items[FEES_COLLECTED_KEY] = encode(Amount(fee(1) + 1))
    assert "fees paid" in (fee_collector_matches_fees(DictStore(items)) or "")
    other = chain.state_items()
    other[balance_key(FEE_COLLECTOR, "EUR")] = other[balance_key(FEE_COLLECTOR, "USD")]
    assert "not the fee asset" in (fee_collector_matches_fees(DictStore(other)) or "")
    off = Chain()
    off_items = off.state_items()
    assert fee_collector_matches_fees(DictStore(off_items)) is None
    off_items[FEES_COLLECTED_KEY] = encode(Amount(0))
    assert fee_collector_matches_fees(DictStore(off_items)) is not None


@pytest.mark.parametrize(
    ("fees", "error"),
    [
        ({"symbol": "EUR", "per_tx": "1"}, "no genesis asset"),
        ({"symbol": "USD"}, "charges nothing"),
        ({"symbol": "USD", "per_message": str(2**127)}, "exceeds the amount range"),
        ({"symbol": "USD", "per_tx": "-1"}, "decimal digits"),
    ],
)
def test_invalid_genesis_fees(fees: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Chain(fees_genesis(fees=fees))


def test_genesis_fee_state(fees_chain: Chain) -> None:
    assert fees_chain.store.get(FEE_SCHEDULE_KEY) is not None
    assert fees_collected(fees_chain.store) == 0
    assert fees_chain.balance(FEE_COLLECTOR, "USD") == 0


def test_internal_error_keeps_the_fee_and_drops_the_rest() -> None:
    from tests.core.faulty import Boom, faulty_registry

    chain = Chain(fees_genesis(), registry=faulty_registry())
    outcome = chain.run([send(ALICE, BOB, 10), Boom(bytes(20), "value")], ALICE)
    assert (outcome.result.codespace, outcome.result.code) == ("tx", TxCode.INTERNAL)
    assert chain.store.get(b"faulty/written") is None
    assert chain.balance(ALICE, "USD") == 1_000 - fee(2)
    assert chain.balance(BOB, "USD") == 500
    assert fees_collected(chain.store) == fee(2)


def test_query_fees(fees_chain: Chain) -> None:
    fees_chain.run(send(ALICE, BOB, 1), ALICE)
    answer = fees_chain.app.query("assets", "fees", {})
    assert answer.schedule is not None and answer.schedule.symbol == "USD"
    assert (answer.schedule.per_tx, answer.schedule.per_message) == (PER_TX, PER_MESSAGE)
    assert (answer.collector, answer.collected) == (FEE_COLLECTOR, fee(1))
    off = Chain().app.query("assets", "fees", {})
    assert off.schedule is None and off.collected == 0
