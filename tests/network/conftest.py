"""Fixtures for the network mode: the toolchain (built once per machine), a funded
genesis, and local networks of real CometBFT and app processes that are always stopped.

Everything listens on loopback addresses (127.0.0.2 and up); every wait is bounded.
"""

from __future__ import annotations

import base64
import random
import shutil
import socket
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from originledger.comet.tools import ToolchainError
from originledger.core.amounts import Amount
from originledger.core.block import BlockHeader
from originledger.core.codec import decode
from originledger.core.tx import Msg
from originledger.genesis import GenesisBuilder
from originledger.modules.assets.types import Balance, Transfer
from originledger.node.network import (
    NetworkPlan,
    ValidatorPlan,
    create_network,
    rpc,
    start_network,
    stop_network,
)
from originledger.node.toolchain import ensure_toolchain
from tests.conftest import ADMIN, ALICE, BOB, CAROL, ISSUER, Party, sign_tx

SYMBOL = "USD"
OPENING_MINOR = 1_000_000
TX_LIFETIME_MS = 120_000
HASH_SEEDS = (0, 1, 4242, 987654321)


_HERE = Path(__file__).resolve().parent
_built: list[Path | ToolchainError] = []


def _build_toolchain() -> Path | ToolchainError:
    if not _built:
        try:
            _built.append(ensure_toolchain(print))
        except ToolchainError as error:
            _built.append(error)
    return _built[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Build the toolchain once collection chose a network test: on a fresh machine the
    build takes minutes, which must not count against the first test's timeout."""
    if any(_HERE in Path(str(item.path)).resolve().parents for item in items):
        _build_toolchain()


@pytest.fixture(scope="session")
def toolchain() -> Path:
    """The pinned CometBFT and the ABCI classes: built on a fresh machine (a few minutes,
    once), reused afterwards. Needs Go; without it the network tests fail with the reason."""
    built = _build_toolchain()
    if isinstance(built, ToolchainError):
        pytest.fail(f"the network toolchain is not available: {built}")
    return built


def funded_app_state() -> dict[str, Any]:
    """ISSUER issues USD (2 decimals); ALICE, BOB and CAROL hold 10,000.00 each; ADMIN
    holds the admin role (it changes the validator set)."""
    genesis = (
        GenesisBuilder("unused", genesis_time_ms=0)  # only its module sections are used
        .account(ISSUER.address, roles=["issuer"])
        .account(ADMIN.address, roles=["admin"])
        .asset(
            SYMBOL,
            name="US dollar",
            decimals=2,
            asset_class="payment",
            issuer=ISSUER.address,
            max_supply=10**12,
        )
    )
    for holder in (ALICE, BOB, CAROL):
        genesis.balance(holder.address, SYMBOL, OPENING_MINOR)
    return genesis.app_state()


def _ports_free(base: int, hosts: int) -> bool:
    for index in range(hosts):
        for port in (base, base + 1, base + 2):
            with socket.socket() as probe:
                try:
                    probe.bind((f"127.0.0.{2 + index}", port))
                except OSError:
                    return False
    return True


def free_base_port(validators: int) -> int:
    for _ in range(50):
        base = random.randrange(30_000, 60_000, 3)
        if _ports_free(base, validators):
            return base
    raise RuntimeError("no free ports on the loopback addresses")


@dataclass
class LocalNetwork:
    directory: Path
    plan: NetworkPlan
    client_id: int = 0

    @property
    def validators(self) -> list[ValidatorPlan]:
        return self.plan.validators

    def transfer(self, sender: Party, recipient: Party, amount_minor: int) -> bytes:
        """A signed transfer, valid for the next two minutes of wall clock."""
        message = Transfer(sender.address, recipient.address, SYMBOL, Amount(amount_minor))
        return self.signed(message, sender)

    def signed(self, message: Msg, signer: Party) -> bytes:
        """A signed transaction of one message, valid for the next two minutes."""
        self.client_id += 1
        return sign_tx(
            [message],
            [signer.key],
            chain_id=self.plan.chain_id,
            client_id=self.client_id,
            expires_at_ms=time.time_ns() // 1_000_000 + TX_LIFETIME_MS,
        )

    def broadcast(self, validator: ValidatorPlan, raw: bytes, method: str) -> Any:
        return rpc(validator, method, 15.0, tx=base64.b64encode(raw).decode())


def header_app_hash(validator: ValidatorPlan, height: int) -> bytes:
    header = rpc(validator, "commit", height=str(height))["signed_header"]["header"]
    return bytes.fromhex(header["app_hash"])


def app_state_roots(directory: Path, validator: ValidatorPlan) -> dict[int, bytes]:
    """The state root after each block, as the validator's app committed it (read-only)."""
    path = validator.home(directory) / "data" / "ledger.sqlite"
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        rows = connection.execute("SELECT height, header FROM blocks ORDER BY height").fetchall()
    finally:
        connection.close()
    return {height: decode(bytes(raw), BlockHeader).state_root for height, raw in rows}


def query_state(validator: ValidatorPlan, key: bytes) -> dict[str, Any]:
    return rpc(validator, "abci_query", path="/state", data=key.hex(), prove=True)["response"]


def balance_in(response: dict[str, Any]) -> int:
    return int(decode(base64.b64decode(response["value"]), Balance).amount)


@pytest.fixture
def local_network(toolchain: Path) -> Iterator[Any]:
    """A factory of started local networks; each is stopped (SIGKILL) at the end."""
    made: list[Path] = []

    def make(
        validators: int,
        *,
        block_interval_ms: int = 200,
        app_arguments: dict[int, list[str]] | None = None,
        snapshot_interval_blocks: int = 0,
        cometbft_events: bool = True,  # tests look transactions up with CometBFT's `tx`
    ) -> LocalNetwork:
        # A short directory: the ABCI socket's path must fit in 100 bytes.
        directory = Path(tempfile.mkdtemp(prefix="on-")) / "net"
        made.append(directory)
        plan = create_network(
            directory,
            validators,
            chain_id="origin-test-net",
            base_port=free_base_port(validators),
            block_interval_ms=block_interval_ms,
            app_state=funded_app_state(),
            snapshot_interval_blocks=snapshot_interval_blocks,
            cometbft_events=cometbft_events,
        )
        # Each validator's app runs with its own hash seed: the app hashes must agree
        # all the same (no iteration order of sets or dicts leaks into state).
        seeds = {
            index: {"PYTHONHASHSEED": str(HASH_SEEDS[index % 4])} for index in range(validators)
        }
        start_network(directory, timeout_s=60, app_arguments=app_arguments, app_env=seeds)
        return LocalNetwork(directory, plan)

    yield make
    for directory in made:
        try:
            stop_network(directory, kill=True)
        finally:
            shutil.rmtree(directory.parent, ignore_errors=True)
