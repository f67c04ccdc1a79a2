"""Real networks: the pinned cometbft binary and the app processes, on loopback.

One validator: a signed transfer submitted through CometBFT's RPC commits, and the app
hash in the next header is the app's state root. Four validators: the same app hash at
every height, the same answers to queries, and `net down` stops exactly the recorded pids.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import pytest

from originledger.core.codec import decode
from originledger.core.crypto import sha256
from originledger.core.state_proof import verify_state_proof
from originledger.modules.assets.keys import balance_key
from originledger.node.abci import QUERY_PROOF_TYPE
from originledger.node.network import (
    NetworkError,
    network_status,
    recorded_pids,
    rpc,
    stop_network,
    wait_for_height,
)
from originledger.store.records import ProvenValue
from tests.conftest import ALICE, BOB, CAROL
from tests.network.conftest import (
    OPENING_MINOR,
    LocalNetwork,
    app_state_roots,
    balance_in,
    header_app_hash,
    query_state,
)

WAIT_S = 30.0


def process_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def environment_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = [item.partition(b"=") for item in raw.split(b"\0") if item]
    return {key.decode(): value.decode(errors="replace") for key, _, value in pairs}


def test_single_validator_commits_transfer_with_app_hash_in_next_header(
    local_network: Any,
) -> None:
    network: LocalNetwork = local_network(1, cometbft_events=False)  # as `net up` makes it
    (validator,) = network.validators
    raw = network.transfer(ALICE, BOB, 2_500)
    answer = network.broadcast(validator, raw, "broadcast_tx_commit")
    assert answer["check_tx"]["code"] == 0, answer
    assert answer["tx_result"]["code"] == 0, answer
    height = int(answer["height"])
    # Without --cometbft-events the app hands CometBFT no events, and CometBFT indexes nothing.
    results = rpc(validator, "block_results", height=str(height))
    assert [r.get("events") or [] for r in results["txs_results"]] == [[]]
    assert results["txs_results"][0]["data"]  # what last_results_hash binds is there
    with pytest.raises(NetworkError, match="indexing is disabled"):
        rpc(validator, "tx", hash=base64.b64encode(sha256(raw)).decode())
    wait_for_height(network.directory, height + 1, timeout_s=WAIT_S)
    roots = app_state_roots(network.directory, validator)
    assert header_app_hash(validator, height + 1) == roots[height]
    # A proven query: the proof leads to the app hash that header (height + 1) carries.
    response = query_state(validator, balance_key(BOB.address, "USD"))
    assert balance_in(response) == OPENING_MINOR + 2_500
    proven_height = int(response["height"])
    wait_for_height(network.directory, proven_height + 1, timeout_s=WAIT_S)
    (op,) = response["proofOps"]["ops"]
    assert op["type"] == QUERY_PROOF_TYPE
    proven = decode(base64.b64decode(op["data"]), ProvenValue)
    assert verify_state_proof(header_app_hash(validator, proven_height + 1), proven.proof)
    # Resubmitting the same transaction is refused: CometBFT's mempool cache remembers it
    # (and past the cache, CheckTx answers ALREADY_COMMITTED).
    with pytest.raises(NetworkError, match="already exists in cache"):
        network.broadcast(validator, raw, "broadcast_tx_sync")


def test_four_validators_agree_at_every_height_and_net_down_stops_recorded_pids(
    local_network: Any,
) -> None:
    network: LocalNetwork = local_network(4)
    validators = network.validators
    parties = [(ALICE, BOB), (BOB, CAROL), (CAROL, ALICE)]
    raws = [network.transfer(*parties[i % 3], 100 + i) for i in range(12)]
    for index, raw in enumerate(raws):  # submitted to every validator in turn
        answer = network.broadcast(validators[index % 4], raw, "broadcast_tx_sync")
        assert answer["code"] == 0, answer
    last = network.broadcast(
        validators[0], network.transfer(ALICE, CAROL, 1), "broadcast_tx_commit"
    )
    assert last["tx_result"]["code"] == 0, last
    # Every submitted transfer is in a block on every validator, with code 0.
    deadline = time.monotonic() + WAIT_S
    for raw in raws:
        found = None
        while found is None and time.monotonic() < deadline:
            try:
                found = rpc(validators[3], "tx", hash=base64.b64encode(sha256(raw)).decode())
            except NetworkError:
                time.sleep(0.2)
        assert found is not None and found["tx_result"]["code"] == 0
    target = int(last["height"]) + 2
    wait_for_height(network.directory, target, timeout_s=WAIT_S)
    roots = [app_state_roots(network.directory, v) for v in validators]
    for height in range(1, target + 1):
        assert len({r[height] for r in roots}) == 1, f"app hashes differ at height {height}"
        headers = {header_app_hash(v, height + 1) for v in validators}
        assert headers == {roots[0][height]}
    assert len({roots[0][h] for h in range(1, target + 1)}) > 1  # the state did change
    # The same query gives the same answer on every validator.
    key = balance_key(CAROL.address, "USD")
    answers = {balance_in(query_state(v, key)) for v in validators}
    assert len(answers) == 1
    status = network_status(network.directory)
    assert all(s.running and s.peers == 3 for s in status), status
    # `net down` stops exactly the processes `net up` recorded, and nothing else.
    recorded = sorted(
        pid
        for pids in recorded_pids(network.directory).values()
        for pid in pids.values()
        if pid is not None
    )
    assert len(recorded) == 8 and all(process_alive(pid) for pid in recorded)
    # ... and the apps that agreed ran under four different hash seeds.
    app_pids = [pids["app"] for pids in recorded_pids(network.directory).values()]
    assert len({environment_of(pid).get("PYTHONHASHSEED") for pid in app_pids if pid}) == 4
    stopped = stop_network(network.directory)
    assert sorted(stopped) == recorded
    assert not any(process_alive(pid) for pid in recorded)
    assert stop_network(network.directory) == []
