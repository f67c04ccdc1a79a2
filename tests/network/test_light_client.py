"""The SDK's light client follows a validator-set change on a real CometBFT network: the
change of block C signs CometBFT's headers from C + 2 on, and the client learns it from
proven data (by skipping, and sequentially from the change's verified receipt)."""

from __future__ import annotations

import base64
import time
from typing import Any

from originledger.core.crypto import SigningKey
from originledger.modules.validators.types import SetValidatorPower
from originledger.node.network import rpc, wait_for_height
from originledger.sdk import Client
from originledger.sdk.verify import COMETBFT_SET_DELAY, DEFAULT_TRUSTING_PERIOD_MS
from tests.conftest import ADMIN, BOB
from tests.network.conftest import LocalNetwork
from tests.network.test_api import wait_for_api

NEWCOMER = SigningKey(b"\x55" * 32)  # a validator that never runs: 1 of 4 + 1 power


def _cometbft_set(network: LocalNetwork, height: int) -> dict[bytes, int]:
    listed = rpc(network.validators[0], "validators", height=str(height))["validators"]
    return {base64.b64decode(v["pub_key"]["value"]): int(v["voting_power"]) for v in listed}


def test_light_client_follows_validator_change_network(local_network: Any) -> None:
    network: LocalNetwork = local_network(4)
    for validator in network.validators:
        wait_for_api(validator.api_url)
    genesis_raw = (network.directory / "genesis.json").read_bytes()
    url = network.validators[1].api_url
    with Client(url, genesis=genesis_raw) as client:
        genesis_powers = dict(client.trust().powers)
        [answer] = client.submit_raw(
            [network.signed(SetValidatorPower(ADMIN.address, NEWCOMER.public_key, 1), ADMIN)],
            wait_ms=20_000,
        )
        assert answer.status == "committed" and answer.ok, answer
        changed_at = answer.height or 0
        wait_for_height(network.directory, changed_at + COMETBFT_SET_DELAY + 2, timeout_s=30)
        expected = {**genesis_powers, NEWCOMER.public_key: 1}
        # CometBFT itself applies the change two blocks later.
        assert _cometbft_set(network, changed_at + 1) == genesis_powers
        assert _cometbft_set(network, changed_at + COMETBFT_SET_DELAY) == expected

    # Skipping: the old set still signs (4 of 5), and the set proven there is learned.
    with Client(url, genesis=genesis_raw) as fresh:
        fresh.verified_balance(BOB.address, "USD")
        trusted = fresh.trust()
        assert trusted.powers == expected and trusted.anchor_height > changed_at
        # Skipping learns the set from the proven state on, not where it changed.
        learned_from = trusted.anchor_height + COMETBFT_SET_DELAY
        assert trusted.powers_at(learned_from, COMETBFT_SET_DELAY) == expected
        assert trusted.powers_at(changed_at + 1, COMETBFT_SET_DELAY) == genesis_powers

    # Sequential: beyond the trusting period, the client walks the change's receipt.
    with Client(url, genesis=genesis_raw) as late:
        trusted = late.trust()
        now_ms = time.time_ns() // 1_000_000
        trusted.clock = lambda: now_ms + 2 * DEFAULT_TRUSTING_PERIOD_MS
        trusted.anchor_time_ms = now_ms - 2 * DEFAULT_TRUSTING_PERIOD_MS
        late.verified_balance(BOB.address, "USD")
        assert trusted.powers == expected
        assert trusted.powers_at(changed_at + COMETBFT_SET_DELAY, COMETBFT_SET_DELAY) == expected
