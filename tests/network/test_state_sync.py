"""A fresh node joins a running network by state sync (a validator's snapshot, checked
against the trusted app hash), then becomes a validator through ``validators/set_power``,
which CometBFT applies: the new validator signs blocks. Also: snapshots are taken every N
blocks, the newest kept, and replay protection survives the restore (it is in the state the
light client authenticates), and the genesis is checked against the node's own."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from originledger.core.amounts import Amount
from originledger.core.codes import TxCode
from originledger.modules.assets.types import Transfer
from originledger.modules.validators.types import SetValidatorPower
from originledger.node.network import add_node, rpc, start_validator, wait_for_height
from originledger.node.snapshots import Snapshots
from originledger.sdk import Client
from tests.conftest import ADMIN, ALICE, BOB, sign_tx
from tests.network.conftest import SYMBOL, LocalNetwork
from tests.network.test_api import wait_for_api

SNAPSHOT_INTERVAL = 10
SNAPSHOTS_KEPT = 4  # a snapshot must outlive the new node's discovery (5 s) and fetch
WAIT_S = 60.0


def _wait(condition: Any, what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout_s:.0f} s"
        time.sleep(0.2)


def _lowest_block(home: Path) -> int | None:
    path = home / "data" / "ledger.sqlite"
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute("SELECT MIN(height) FROM blocks").fetchone()[0]
    finally:
        connection.close()


def test_state_sync_then_validator_update_on_a_real_network(local_network: Any) -> None:
    keep = ["--snapshots-keep", str(SNAPSHOTS_KEPT)]
    network: LocalNetwork = local_network(
        3,
        snapshot_interval_blocks=SNAPSHOT_INTERVAL,
        app_arguments={index: keep for index in range(3)},
    )
    first = network.validators[0]
    wait_for_api(first.api_url)
    client = Client(first.api_url)
    try:
        # Valid for an hour: still inside the replay window when the new node has synced.
        early = sign_tx(
            [Transfer(ALICE.address, BOB.address, SYMBOL, Amount(5))],
            [ALICE.key],
            chain_id=network.plan.chain_id,
            client_id=10**6,
            expires_at_ms=time.time_ns() // 1_000_000 + 3_600_000,
        )
        assert client.submit_raw([early], wait_ms=20_000)[0].status == "committed"
        wait_for_height(network.directory, 2 * SNAPSHOT_INTERVAL, timeout_s=WAIT_S)
        # Each app takes a snapshot every N blocks and keeps the newest ones.
        snapshots = Snapshots(first.home(network.directory) / "data" / "snapshots", 1).list()
        assert 2 <= len(snapshots) <= SNAPSHOTS_KEPT
        assert all(s.height % SNAPSHOT_INTERVAL == 0 for s in snapshots)

        # A fresh node restores the newest snapshot, then block-syncs to the tip.
        node = add_node(network.directory, state_sync=True)
        start_validator(network.directory, node, timeout_s=WAIT_S)
        home = node.home(network.directory)
        _wait(
            lambda: "restored the ledger at height" in (home / "app.log").read_text(),
            "the new node restored a snapshot",
        )
        tip = int(rpc(first, "status")["sync_info"]["latest_block_height"])
        wait_for_height(network.directory, tip + 2, timeout_s=WAIT_S, validators=[node])
        lowest = _lowest_block(home)
        assert lowest is not None and lowest > SNAPSHOT_INTERVAL, "it replayed from genesis"
        wait_for_api(node.api_url)
        newcomer = Client(node.api_url)
        # The restored node knows what committed before its snapshot, from authenticated
        # state (the spent hashes): no replay. It holds no receipt of that block.
        again = newcomer.submit_raw([early])[0]
        assert (again.status, again.codespace, again.code) == (
            "rejected",
            "tx",
            TxCode.ALREADY_COMMITTED,
        ), again
        assert client.submit_raw([early])[0].status == "committed"
        # Its app hash matches the others' at a common height.
        height = tip + 1
        hashes = {
            rpc(v, "commit", height=str(height))["signed_header"]["header"]["app_hash"]
            for v in [*network.validators, node]
        }
        assert len(hashes) == 1

        # The admin makes the new node a validator: CometBFT applies it two blocks later.
        key = bytes.fromhex(node.public_key)
        joined = client.submit_raw(
            [network.signed(SetValidatorPower(ADMIN.address, key, 1), ADMIN)], wait_ms=20_000
        )[0]
        assert joined.status == "committed" and joined.ok, joined
        address = node_address = rpc(node, "status")["validator_info"]["address"]

        def signs_blocks() -> bool:
            latest = int(rpc(first, "status")["sync_info"]["latest_block_height"])
            commit = rpc(first, "commit", height=str(latest))["signed_header"]["commit"]
            return any(
                s["validator_address"] == address and s["block_id_flag"] == 2
                for s in commit["signatures"]
            )

        _wait(signs_blocks, "the new validator signs commits")
        listed = rpc(first, "validators")["validators"]
        assert len(listed) == 4 and node_address in {v["address"] for v in listed}
        # Re-weighting: CometBFT applies the new power.
        reweighted = client.submit_raw(
            [network.signed(SetValidatorPower(ADMIN.address, key, 3), ADMIN)], wait_ms=20_000
        )[0]
        assert reweighted.ok, reweighted

        def power_is_three() -> bool:
            listed = rpc(first, "validators")["validators"]
            return any(v["address"] == address and v["voting_power"] == "3" for v in listed)

        _wait(power_is_three, "the new power applies")
        newcomer.close()
    finally:
        client.close()
