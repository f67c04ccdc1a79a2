"""Faults on a four-validator network (loopback only, every wait bounded): one validator
dies and the chain goes on, then it catches up; two die and the chain halts, then resumes
with nothing lost; one computes a wrong state and halts alone."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

from originledger.core.crypto import sha256
from originledger.modules.assets.keys import balance_key
from originledger.node.network import (
    NetworkError,
    ValidatorPlan,
    rpc,
    start_validator,
    stop_validator,
    wait_for_height,
)
from tests.conftest import ALICE, BOB, CAROL
from tests.network.conftest import (
    OPENING_MINOR,
    LocalNetwork,
    app_state_roots,
    balance_in,
    query_state,
)

WAIT_S = 45.0


def height_of(validator: ValidatorPlan) -> int:
    return int(rpc(validator, "status")["sync_info"]["latest_block_height"])


def committed_code(validator: ValidatorPlan, raw: bytes, timeout_s: float = WAIT_S) -> int:
    """The code of ``raw`` once ``validator`` has it in a block (bounded wait)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            found = rpc(validator, "tx", hash=base64.b64encode(sha256(raw)).decode())
            return int(found["tx_result"]["code"])
        except NetworkError:
            time.sleep(0.2)
    raise AssertionError(f"the transaction is not in a block of {validator.name}")


def assert_same_roots(network: LocalNetwork, up_to: int) -> None:
    roots = [app_state_roots(network.directory, v) for v in network.validators]
    for height in range(1, up_to + 1):
        assert len({r[height] for r in roots}) == 1, f"app hashes differ at height {height}"


def test_kill_one_chain_goes_on_and_restart_catches_up(local_network: Any) -> None:
    network: LocalNetwork = local_network(4)
    survivors, victim = network.validators[:3], network.validators[3]
    stopped = stop_validator(network.directory, victim, kill=True)
    assert len(stopped) == 2
    raws = [network.transfer(ALICE, BOB, 10 + i) for i in range(5)]
    for raw in raws:
        assert network.broadcast(survivors[0], raw, "broadcast_tx_sync")["code"] == 0
    assert all(committed_code(survivors[1], raw) == 0 for raw in raws)
    target = height_of(survivors[0]) + 3
    wait_for_height(network.directory, target, timeout_s=WAIT_S, validators=survivors)
    start_validator(network.directory, victim)
    wait_for_height(network.directory, target, timeout_s=WAIT_S)
    assert_same_roots(network, target)
    assert all(committed_code(victim, raw) == 0 for raw in raws)
    expected = OPENING_MINOR + sum(10 + i for i in range(5))
    assert balance_in(query_state(victim, balance_key(BOB.address, "USD"))) == expected


def test_kill_two_halts_and_restart_resumes_with_nothing_lost(local_network: Any) -> None:
    network: LocalNetwork = local_network(4)
    alive, dead = network.validators[:2], network.validators[2:]
    for validator in dead:
        stop_validator(network.directory, validator, kill=True)
    raw = network.transfer(CAROL, ALICE, 777)
    assert network.broadcast(alive[0], raw, "broadcast_tx_sync")["code"] == 0
    time.sleep(1.0)  # a block already voted on may still land
    halted_at = height_of(alive[0])
    time.sleep(3.0)  # many block intervals: nothing may commit with half the power gone
    assert max(height_of(v) for v in alive) <= halted_at
    for validator in dead:
        start_validator(network.directory, validator)
    wait_for_height(network.directory, halted_at + 3, timeout_s=WAIT_S)
    assert all(committed_code(v, raw) == 0 for v in network.validators)
    assert_same_roots(network, halted_at + 3)
    answers = {balance_in(query_state(v, balance_key(ALICE.address, "USD"))) for v in alive}
    assert answers == {OPENING_MINOR + 777}


def test_wrong_state_validator_halts_while_others_continue(local_network: Any) -> None:
    wrong_from = 4
    network: LocalNetwork = local_network(
        4, app_arguments={3: ["--test-wrong-app-hash-from", str(wrong_from)]}
    )
    honest, liar = network.validators[:3], network.validators[3]
    raw = network.transfer(ALICE, CAROL, 5)
    assert network.broadcast(honest[0], raw, "broadcast_tx_sync")["code"] == 0
    wait_for_height(network.directory, wrong_from + 8, timeout_s=WAIT_S, validators=honest)
    assert committed_code(honest[2], raw) == 0
    assert height_of(liar) <= wrong_from + 1
    log = (liar.home(network.directory) / "cometbft.log").read_text(errors="replace")
    assert "wrong Block.Header.AppHash" in log
    roots = [app_state_roots(network.directory, v) for v in honest]
    assert len({r[wrong_from + 8] for r in roots}) == 1


def test_restart_replays_blocks_the_app_lacks(local_network: Any) -> None:
    """The app loses its last blocks (its ledger goes back in time) while CometBFT keeps
    them: at restart, the Info handshake replays exactly those into the app."""
    network: LocalNetwork = local_network(1)
    (validator,) = network.validators
    home = validator.home(network.directory)
    assert network.broadcast(validator, network.transfer(ALICE, BOB, 1), "broadcast_tx_commit")
    stop_validator(network.directory, validator)  # SIGTERM: the ledger closes cleanly
    ledger = home / "data" / "ledger.sqlite"
    saved = {p.name: p.read_bytes() for p in ledger.parent.glob("ledger.sqlite*")}
    behind = max(app_state_roots(network.directory, validator))
    start_validator(network.directory, validator)
    wait_for_height(network.directory, behind + 1, timeout_s=WAIT_S)
    raws = [network.transfer(BOB, CAROL, 10 + i) for i in range(3)]
    for raw in raws:
        assert network.broadcast(validator, raw, "broadcast_tx_commit")["tx_result"]["code"] == 0
    ahead = height_of(validator) + 2
    wait_for_height(network.directory, ahead, timeout_s=WAIT_S)
    stop_validator(network.directory, validator)
    before = app_state_roots(network.directory, validator)
    for path in ledger.parent.glob("ledger.sqlite*"):
        path.unlink()
    for name, data in saved.items():
        (ledger.parent / name).write_bytes(data)
    assert max(app_state_roots(network.directory, validator)) == behind
    start_validator(network.directory, validator)
    wait_for_height(network.directory, ahead + 2, timeout_s=WAIT_S)
    after = app_state_roots(network.directory, validator)
    assert all(after[height] == root for height, root in before.items())
    assert balance_in(query_state(validator, balance_key(CAROL.address, "USD"))) == (
        OPENING_MINOR + 10 + 11 + 12
    )
    log = (home / "cometbft.log").read_text(errors="replace")
    handshakes = re.findall(r"ABCI Replay Blocks.*appHeight=(\d+) storeHeight=(\d+)", log)
    app_height, store_height = (int(h) for h in handshakes[-1])
    assert app_height == behind and store_height >= max(before)
