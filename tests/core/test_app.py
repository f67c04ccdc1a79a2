"""The Application: genesis, blocks, headers, commit, proposals, queries, limits."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from originledger.app import (
    DEFAULT_MODULES,
    Application,
    BlockRequest,
    Registry,
    default_registry,
)
from originledger.core.amounts import Amount
from originledger.core.block import ResultLeaf, header_hash
from originledger.core.codec import decode, encode
from originledger.core.codes import ResultCode, TxCode
from originledger.core.context import Event, TxContext
from originledger.core.crypto import sha256
from originledger.core.limits import BLOCK_TXS_MAX, EVENTS_PER_TX_MAX
from originledger.core.merkle import list_root
from originledger.core.module import InvariantBroken, Module, QueryError
from originledger.core.tx import Failure, Msg
from originledger.modules.accounts.types import AccountCreated, GrantRole
from originledger.modules.assets.keys import balance_key
from originledger.modules.assets.types import Balance, Transfer, Transferred
from originledger.store import SqliteStore
from tests.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CHAIN_ID,
    GENESIS_TIME_MS,
    VALIDATOR,
    Chain,
    DictStore,
    assert_failed,
    default_genesis,
)


def transfer(amount: int = 10) -> Transfer:
    return Transfer(ALICE.address, BOB.address, "USD", Amount(amount))


# -- genesis ----------------------------------------------------------------------------


def test_init_chain_info(chain: Chain) -> None:
    info = chain.app.info()
    assert info is not None
    assert (info.chain_id, info.height, info.time_ms) == (CHAIN_ID, 0, GENESIS_TIME_MS)
    assert info.app_hash == chain.genesis_app_hash
    assert info.modules == {
        "accounts": 2,
        "assets": 3,
        "attest": 1,
        "compliance": 2,
        "payments": 2,
        "clearing": 1,
        "validators": 1,
    }
    genesis_raw = chain.store.genesis()
    assert genesis_raw is not None
    assert info.last_hash == sha256(genesis_raw)


def test_init_chain_same_genesis_same_app_hash() -> None:
    first, second = Chain(), Chain()
    assert first.genesis_app_hash == second.genesis_app_hash
    other = Chain(default_genesis() | {"chain_id": "elsewhere"})
    # The chain id is not state: only the modules' records are.
    assert other.genesis_app_hash == first.genesis_app_hash


def test_init_chain_chain_id_at_limit() -> None:
    chain = Chain(default_genesis() | {"chain_id": "c" * 64})
    raw = chain.tx(GrantRole(ADMIN.address, ALICE.address, "custodian"), ADMIN, chain_id="c" * 64)
    assert chain.check(raw).ok
    assert chain.block([raw]).txs[0].result.ok
    chain.store.close()


def test_init_chain_initial_height() -> None:
    chain = Chain(default_genesis() | {"initial_height": 5})
    assert chain.height == 4
    assert chain.block([]).header.height == 5
    chain.store.close()


def test_invalid_init_chain_twice(chain: Chain) -> None:
    with pytest.raises(RuntimeError, match="already"):
        chain.app.init_chain(json.dumps(default_genesis()).encode())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda g: g | {"validators": []},
        lambda g: g | {"chain_id": ""},
        lambda g: g | {"app_state": {"nomodule": {}}},
        lambda g: g | {"unknown_field": 1},
        lambda g: g | {"app_state": {"accounts": {"accounts": [{"address": "og1bad"}]}}},
        lambda g: g | {"initial_height": 0},
        lambda g: g | {"validators": [g["validators"][0] | {"power": 0}]},
        lambda g: g | {"validators": [g["validators"][0] | {"power": -5}]},
        lambda g: g | {"validators": [{"public_key": base64.b64encode(bytes(31)).decode()}]},
        lambda g: g | {"validators": g["validators"] * 2},
        lambda g: g | {"chain_id": "c" * 65},
    ],
    ids=[
        "no_validators",
        "no_chain_id",
        "unknown_module",
        "unknown_field",
        "bad_address",
        "initial_height_0",
        "power_0",
        "power_negative",
        "key_31_bytes",
        "validator_twice",
        "chain_id_65_bytes",
    ],
)
def test_invalid_genesis(mutate) -> None:  # type: ignore[no-untyped-def]
    app = Application(SqliteStore(None))
    with pytest.raises(ValueError):
        app.init_chain(json.dumps(mutate(default_genesis())).encode())
    assert app.info() is None


def test_invalid_genesis_not_json() -> None:
    with pytest.raises(ValueError, match="genesis"):
        Application(SqliteStore(None)).init_chain(b"{not json")


def test_invalid_finalize_before_init_chain() -> None:
    app = Application(SqliteStore(None))
    with pytest.raises(RuntimeError, match="init_chain"):
        app.finalize_block(BlockRequest(1, 1, b"", []))
    with pytest.raises(RuntimeError, match="init_chain"):
        app.check_tx(b"", 1)


# -- blocks -----------------------------------------------------------------------------


def test_finalize_block_header_commits_to_txs_and_results(funded_chain: Chain) -> None:
    previous = funded_chain.store.block(funded_chain.height)
    assert previous is not None
    good = funded_chain.tx(transfer(), ALICE)
    failing = funded_chain.tx(transfer(10**9), ALICE)
    outcome = funded_chain.block([good, b"junk", failing])
    header = outcome.header
    assert header.height == 2
    assert header.previous_hash == previous.hash == header_hash(previous.signed_header.header)
    assert header.tx_count == 3
    assert header.proposer == VALIDATOR.key.public_key
    assert header.tx_root == list_root([tx.hash for tx in outcome.txs])
    assert outcome.txs[1].hash == sha256(b"junk")
    leaves = [
        ResultLeaf(
            tx.hash,
            tx.result.codespace,
            tx.result.code,
            tx.result.message,
            tx.result.message_index,
            sha256(encode(tx.events)),
        )
        for tx in outcome.txs
    ]
    assert outcome.result_leaves == [encode(leaf) for leaf in leaves]
    assert header.results_root == list_root([encode(leaf) for leaf in leaves])
    assert [tx.result.codespace for tx in outcome.txs] == ["tx", "tx", "assets"]
    stored = funded_chain.store.block(2)
    assert stored is not None and stored.signed_header.header == header
    assert funded_chain.app.info().last_hash == header_hash(header)  # type: ignore[union-attr]


def test_finalize_block_first_block_links_to_genesis(chain: Chain) -> None:
    genesis_hash = chain.app.info().last_hash  # type: ignore[union-attr]
    outcome = chain.block([])
    assert outcome.header.previous_hash == genesis_hash
    assert outcome.header.tx_root == list_root([])
    assert outcome.app_hash == chain.genesis_app_hash


def test_finalize_block_persists_nothing(funded_chain: Chain) -> None:
    before = funded_chain.state_items()
    root, height = funded_chain.state_root, funded_chain.height
    outcome = funded_chain.finalize([funded_chain.tx(transfer(), ALICE)])
    assert outcome.txs[0].result.ok
    assert outcome.app_hash != root
    assert funded_chain.state_items() == before
    assert (funded_chain.state_root, funded_chain.height) == (root, height)
    funded_chain.app.discard()
    with pytest.raises(RuntimeError, match="without finalize"):
        funded_chain.app.commit()


def test_finalize_block_again_gives_same_outcome(funded_chain: Chain) -> None:
    raws = [funded_chain.tx(transfer(n), ALICE) for n in (1, 2, 3)]
    first = funded_chain.finalize(raws)
    second = funded_chain.finalize(raws)
    assert first.header == second.header
    assert first.writes == second.writes
    funded_chain.app.commit()
    assert funded_chain.state_root == first.app_hash


def test_invalid_finalize_block_wrong_height(chain: Chain) -> None:
    for height in (0, 2, 5):
        with pytest.raises(RuntimeError, match="expected 1"):
            chain.app.finalize_block(BlockRequest(height, GENESIS_TIME_MS + 1, b"", []))


def test_finalize_block_later_tx_sees_earlier_writes(funded_chain: Chain) -> None:
    # BOB holds 500; ALICE sends him 600 and then he sends 1,000 on, in one block.
    first = funded_chain.tx(transfer(600), ALICE)
    second = funded_chain.tx(Transfer(BOB.address, ALICE.address, "USD", Amount(1_000)), BOB)
    outcome = funded_chain.block([first, second])
    assert [tx.result.ok for tx in outcome.txs] == [True, True]
    assert funded_chain.balance(ALICE, "USD") == 1_400
    assert funded_chain.balance(BOB, "USD") == 100


def test_finalize_block_order_decides(funded_chain: Chain) -> None:
    second = funded_chain.tx(Transfer(BOB.address, ALICE.address, "USD", Amount(1_000)), BOB)
    first = funded_chain.tx(transfer(600), ALICE)
    outcome = funded_chain.block([second, first])
    assert outcome.txs[0].result.code == 15  # INSUFFICIENT_BALANCE: 500 < 1,000
    assert outcome.txs[1].result.ok
    assert funded_chain.balance(BOB, "USD") == 1_100


def test_commit_stores_txs_and_events(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE)
    outcome = funded_chain.block([raw])
    stored = funded_chain.store.tx(outcome.txs[0].hash)
    assert stored is not None
    assert (stored.height, stored.position, stored.raw) == (2, 0, raw)
    assert stored.result.ok
    rows = funded_chain.store.tx_events(2, 0)
    expected = [
        AccountCreated(ALICE.address),  # her first signature creates her account
        Transferred("USD", ALICE.address, BOB.address, Amount(10)),
    ]
    assert outcome.txs[0].events == expected
    assert [row.data for row in rows] == [encode(event) for event in expected]


def test_block_event_records_have_contiguous_cursors(chain: Chain) -> None:
    chain.issue_and_mint("USD", {ALICE: 100, BOB: 100})
    raws = [chain.tx(transfer(1), ALICE), chain.tx(transfer(2), ALICE)]
    records = chain.block(raws).event_records()
    assert [record.index for record in records] == list(range(len(records)))
    assert [record.tx_index for record in records] == [0, 0, 1]
    assert isinstance(records[0].event, AccountCreated)  # ALICE's first signature


def test_commit_duplicate_tx_in_block(funded_chain: Chain) -> None:
    """A proposal may repeat a transaction (CometBFT does not filter it); the block must
    still commit, with the repeat rejected as ALREADY_COMMITTED."""
    raw = funded_chain.tx(transfer(), ALICE)
    outcome = funded_chain.finalize([raw, raw])
    assert outcome.txs[1].result.code == TxCode.ALREADY_COMMITTED
    funded_chain.app.commit()
    assert funded_chain.height == 2


def test_commit_replayed_tx_in_later_block(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE)
    funded_chain.block([raw])
    outcome = funded_chain.finalize([raw])
    assert outcome.txs[0].result.code == TxCode.ALREADY_COMMITTED
    funded_chain.app.commit()
    assert funded_chain.height == 3


def test_commit_same_garbage_twice(funded_chain: Chain) -> None:
    funded_chain.finalize([b"junk", b"junk"])
    funded_chain.app.commit()
    assert funded_chain.height == 2


# -- proposals --------------------------------------------------------------------------


def test_prepare_proposal_drops_undecodable(funded_chain: Chain) -> None:
    good = [funded_chain.tx(transfer(n), ALICE) for n in (1, 2)]
    chosen = funded_chain.app.prepare_proposal([b"junk", good[0], b"", good[1]])
    assert chosen == good


def test_prepare_proposal_respects_bytes_max(funded_chain: Chain) -> None:
    raws = [funded_chain.tx(transfer(n), ALICE) for n in (1, 2, 3)]
    budget = len(raws[0]) + len(raws[1])
    assert funded_chain.app.prepare_proposal(raws, bytes_max=budget) == raws[:2]
    assert funded_chain.app.prepare_proposal(raws, bytes_max=len(raws[0]) - 1) == []


def test_process_proposal_limits() -> None:
    app = Application(SqliteStore(None))
    assert app.process_proposal([b"junk", b""])
    assert not app.process_proposal([b""] * (BLOCK_TXS_MAX + 1))


# -- queries and invariants ------------------------------------------------------------


def test_invalid_query_unknown(chain: Chain) -> None:
    for module, name in (("nomodule", "x"), ("assets", "nothing")):
        with pytest.raises(QueryError) as raised:
            chain.app.query(module, name, {})
        assert raised.value.not_found


def test_invalid_invariants_supply_differs_from_balances(funded_chain: Chain) -> None:
    items = funded_chain.state_items()
    items[balance_key(ALICE.address, "USD")] = encode(Balance(Amount(999)))
    with pytest.raises(InvariantBroken, match="supply_equals_sum_of_balances"):
        Application(DictStore(items)).check_invariants()  # type: ignore[arg-type]


def test_check_invariants_on_committed_chain(funded_chain: Chain) -> None:
    funded_chain.app.check_invariants()
    Application(DictStore(funded_chain.state_items())).check_invariants()  # type: ignore[arg-type]


# -- a test module: the event limit and the registry's rules --------------------------


class NoisyCode(ResultCode, codespace="noisy"):
    OK = 0, "ok"


class Emit(Msg, frozen=True, tag="noisy/emit"):
    count: int


class Noise(Event, frozen=True, tag="noisy/noise"):
    index: int


def emit(ctx: TxContext, message: Emit) -> Failure | None:
    ctx.state.set(b"noisy/last", message.count.to_bytes(4, "big"))
    for index in range(message.count):
        ctx.emit(Noise(index))
    return None


NOISY = Module(name="noisy", version=1, codes=NoisyCode, handlers={Emit: emit}, events=(Noise,))


@pytest.fixture
def noisy_chain() -> Iterator[Chain]:
    chain = Chain(registry=Registry((*DEFAULT_MODULES, NOISY)))
    yield chain
    chain.store.close()


def test_execute_events_at_limit(noisy_chain: Chain) -> None:
    outcome = noisy_chain.block([noisy_chain.tx(Emit(EVENTS_PER_TX_MAX), ADMIN)])
    assert outcome.txs[0].result.ok
    assert len(outcome.txs[0].events) == EVENTS_PER_TX_MAX
    assert noisy_chain.store.get(b"noisy/last") is not None


def test_invalid_too_many_events(noisy_chain: Chain) -> None:
    before = noisy_chain.module_state()
    outcome = noisy_chain.block([noisy_chain.tx(Emit(EVENTS_PER_TX_MAX + 1), ADMIN)])
    result = outcome.txs[0].result
    assert (result.codespace, result.code) == ("tx", TxCode.TOO_MANY_EVENTS)
    assert outcome.txs[0].events == []
    assert noisy_chain.module_state() == before
    assert noisy_chain.store.get(b"noisy/last") is None


def test_invalid_registry_module_twice() -> None:
    with pytest.raises(ValueError, match="repeat"):
        Registry((*DEFAULT_MODULES, DEFAULT_MODULES[0]))


def test_invalid_module_codespace_or_tag() -> None:
    with pytest.raises(ValueError, match="codespace"):
        Module(name="other", version=1, codes=NoisyCode, handlers={})
    with pytest.raises(ValueError, match="tag"):
        Module(name="noisy", version=1, codes=NoisyCode, handlers={Transfer: emit})


def test_default_registry_knows_every_message() -> None:
    assert default_registry().message_tags() == sorted(
        [
            "accounts/create",
            "accounts/create_multisig",
            "accounts/grant_role",
            "accounts/revoke_role",
            "assets/attest_reserves",
            "assets/authorize",
            "assets/burn",
            "assets/clawback",
            "assets/enable_clawback",
            "assets/force_transfer",
            "assets/freeze",
            "assets/freeze_asset",
            "assets/hold",
            "assets/issue",
            "assets/mint",
            "assets/pause",
            "assets/post",
            "assets/recover",
            "assets/transfer",
            "assets/void",
            "attest/attest",
            "attest/register_schema",
            "attest/revoke",
            "attest/set_trusted",
            "compliance/appoint_regulator",
            "compliance/decide_issuance",
            "compliance/license",
            "compliance/order_clawback",
            "compliance/register_entity",
            "compliance/set_pack",
            "clearing/close",
            "clearing/open_cycle",
            "clearing/submit",
            "payments/authorize",
            "payments/cancel_escrow",
            "payments/cancel_request",
            "payments/capture",
            "payments/claim_channel",
            "payments/close_channel",
            "payments/create_escrow",
            "payments/create_request",
            "payments/fund_channel",
            "payments/open_channel",
            "payments/pay",
            "payments/refund",
            "payments/release_escrow",
            "payments/settle_channel",
            "payments/swap",
            "payments/void",
            "validators/set_power",
        ]
    )


# -- guards: one module's checks before another module's handler -------------------------


class GateCode(ResultCode, codespace="gate"):
    OK = 0, "ok"
    OVER_LIMIT = 1, "transfer over the gate's limit"


class Watched(Event, frozen=True, tag="gate/watched"):
    amount: Amount
    balance_before: Amount


def gate_transfer(ctx: TxContext, message: Transfer) -> Failure | None:
    """Refuses transfers over 100; notes those of 50 and more with the sender's balance as
    the guard sees it (after the transaction's earlier messages)."""
    if message.amount > 100:
        return Failure(GateCode.OVER_LIMIT, f"{message.amount} > 100")
    if message.amount >= 50:
        raw = ctx.state.get(balance_key(message.sender, message.symbol))
        before = Amount(0) if raw is None else decode(raw, Balance).amount
        ctx.emit(Watched(message.amount, before))
    return None


GATE = Module(
    name="gate",
    version=1,
    codes=GateCode,
    handlers={},
    events=(Watched,),
    guards={Transfer: gate_transfer},
)


@pytest.fixture
def gated_chain() -> Iterator[Chain]:
    chain = Chain(registry=Registry((*DEFAULT_MODULES, GATE)))
    chain.issue_and_mint("USD", {ALICE: 1_000, BOB: 500})
    yield chain
    chain.store.close()


def test_guard_allows_and_emits_before_the_handler(gated_chain: Chain) -> None:
    outcome = gated_chain.run([transfer(10), transfer(60)], ALICE)
    assert outcome.result.ok
    events = [event for event in outcome.events if not isinstance(event, AccountCreated)]
    assert [type(event) for event in events] == [Transferred, Watched, Transferred]
    watched = events[1]
    assert isinstance(watched, Watched)
    # The guard of the second message sees the first one applied.
    assert (watched.amount, watched.balance_before) == (60, 990)
    assert gated_chain.balance(ALICE, "USD") == 930


def test_invalid_guard_refuses_whole_transaction(gated_chain: Chain) -> None:
    before = gated_chain.module_state()
    outcome = gated_chain.run([transfer(10), transfer(101)], ALICE)
    assert_failed(outcome, GateCode.OVER_LIMIT, message_index=1)
    assert gated_chain.module_state() == before
    assert gated_chain.balance(ALICE, "USD") == 1_000


def test_invalid_guard_not_reached_when_message_invalid(gated_chain: Chain) -> None:
    # Stateless checks come first: a zero amount fails in assets, never reaching the guard.
    outcome = gated_chain.run(transfer(0), ALICE)
    assert outcome.result.codespace == "assets"


def test_invalid_guard_of_unhandled_message() -> None:
    orphan = Module(name="gate", version=1, codes=GateCode, handlers={}, guards={Emit: emit})
    with pytest.raises(ValueError, match="no module handles"):
        Registry((*DEFAULT_MODULES, orphan))


def test_recheck_txs_is_expiry_for_checked_and_full_check_otherwise(funded_chain: Chain) -> None:
    chain = funded_chain
    raw = chain.tx(transfer(), ALICE)
    assert chain.check(raw).ok
    now = chain.next_time_ms
    assert [c.ok for c in chain.app.recheck_txs([raw], now)] == [True]
    expires = chain.app.recheck_txs([raw], now + 10**7)[0]
    assert expires.result.code == TxCode.EXPIRED
    unseen = chain.tx(transfer(), ALICE)
    forged = unseen[:-1] + bytes([unseen[-1] ^ 1])
    answers = chain.app.recheck_txs([forged, raw], now)
    assert [a.result.code for a in answers] == [TxCode.SIGNATURE_INVALID, TxCode.OK]
