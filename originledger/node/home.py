"""A node's home directory: configuration, genesis, validator key, keystores and data.

HOME/config.toml          node, mempool and API settings
HOME/genesis.json         the chain: id, time, validators, each module's opening state
HOME/validator_key.json   the validator's Ed25519 seed (mode 0600, as CometBFT keeps its
                          priv_validator_key.json: a node must start unattended)
HOME/keys/NAME.json       account keystores, encrypted with a passphrase
HOME/data/ledger.sqlite   the ledger (SQLite, WAL)
"""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

import msgspec

from originledger.app import default_consensus_versions
from originledger.core.crypto import SigningKey
from originledger.core.limits import (
    MEMPOOL_UNREGISTERED_PER_SIGNER_MAX,
    MEMPOOL_UNREGISTERED_TXS_MAX,
)
from originledger.genesis import GenesisBuilder
from originledger.keystore import (
    DEV_PASSPHRASE,
    Key,
    generate_key,
    save_dev_keystore,
    write_private_file,
)
from originledger.node.embedded import NodeSettings
from originledger.node.mempool import Admission
from originledger.policies import load_packs

__all__ = [
    "DEV_ASSET",
    "DEV_PASSPHRASE",
    "HomeError",
    "NodeConfig",
    "init_home",
    "load_config",
    "load_validator_key",
]

DEFAULT_API = "127.0.0.1:8700"
DEV_ASSET = "USDD"
DEV_ACCOUNTS = ("admin", "alice", "bob", "carol")
DEV_BALANCE_MINOR = 1_000_000_00  # 1,000,000.00 USDD each


class HomeError(Exception):
    """The home directory is missing, incomplete or invalid."""


class NodeSection(msgspec.Struct, forbid_unknown_fields=True):
    block_interval_ms: int = 200
    block_txs_max: int = 20_000
    verify_workers: int = 0  # 0: one per core


class MempoolSection(msgspec.Struct, forbid_unknown_fields=True):
    txs_max: int = 200_000
    txs_per_signer_max: int = 50_000
    admission: str = "quota"  # quota | accounts | roles | open (node/mempool.py)
    unregistered_txs_max: int = MEMPOOL_UNREGISTERED_TXS_MAX
    unregistered_per_signer_max: int = MEMPOOL_UNREGISTERED_PER_SIGNER_MAX


class ApiSection(msgspec.Struct, forbid_unknown_fields=True):
    listen: str = DEFAULT_API
    cors_origins: list[str] = []
    workers: int = 0  # API worker processes (server/ingress.py): 0 none, -1 one per core


class NodeConfig(msgspec.Struct, forbid_unknown_fields=True):
    node: NodeSection = msgspec.field(default_factory=NodeSection)
    mempool: MempoolSection = msgspec.field(default_factory=MempoolSection)
    api: ApiSection = msgspec.field(default_factory=ApiSection)

    def settings(self) -> NodeSettings:
        if not 1 <= self.node.block_interval_ms <= 60_000:
            raise HomeError("node.block_interval_ms must be between 1 and 60000")
        if self.mempool.admission not in {a.value for a in Admission}:
            choices = ", ".join(a.value for a in Admission)
            raise HomeError(f"mempool.admission is one of {choices}")
        return NodeSettings(
            block_interval_ms=self.node.block_interval_ms,
            block_txs_max=self.node.block_txs_max,
            mempool_txs_max=self.mempool.txs_max,
            mempool_txs_per_signer_max=self.mempool.txs_per_signer_max,
            verify_workers=self.node.verify_workers or None,
            mempool_admission=self.mempool.admission,
            mempool_unregistered_txs_max=self.mempool.unregistered_txs_max,
            mempool_unregistered_per_signer_max=self.mempool.unregistered_per_signer_max,
            api_cors_origins=tuple(self.api.cors_origins),
            api_workers=self.api.workers,
        )


_CONFIG_TEMPLATE = """\
# Origin node configuration. Every setting has its unit in its name.

[node]
# A block is produced at most this often, and only when transactions are waiting.
block_interval_ms = {block_interval_ms}
block_txs_max = {block_txs_max}
# Threads that verify signatures; 0 means one per core.
verify_workers = 0

[mempool]
txs_max = 200000
txs_per_signer_max = 50000
# Who may submit (there are no fees): "quota" gives accounts that exist in state the
# per-signer quota and lets all other signers share unregistered_txs_max places;
# "accounts" admits only accounts that exist in state, "roles" only accounts with a role,
# "open" anyone (docs/operations.md).
admission = "quota"
unregistered_txs_max = 20000
unregistered_per_signer_max = 100

[api]
# The API binds to loopback unless you say otherwise.
listen = "{listen}"
# Web origins whose pages may call the API from a browser; none by default (the
# explorer is served from the API's own origin). Example: ["https://wallet.example"]
cors_origins = []
# Processes that accept the API's connections, decode and verify submissions and hand
# the node only checked transactions: 0 none (the node serves alone), -1 one per core.
# Off by default: on 2 cores they cut flood latency but cost throughput (performance.md).
workers = 0
"""


def load_config(home: Path) -> NodeConfig:
    path = home / "config.toml"
    try:
        data = tomllib.loads(path.read_text())
        return msgspec.convert(data, NodeConfig)
    except FileNotFoundError:
        raise HomeError(f"{path} is missing: run `origin init --home {home}`") from None
    except (tomllib.TOMLDecodeError, msgspec.ValidationError) as error:
        raise HomeError(f"{path}: {error}") from error


def load_validator_key(home: Path) -> SigningKey:
    path = home / "validator_key.json"
    try:
        document = json.loads(path.read_text())
        return SigningKey(bytes.fromhex(document["seed"]))
    except FileNotFoundError:
        raise HomeError(f"{path} is missing: run `origin init --home {home}`") from None
    except (ValueError, KeyError, TypeError) as error:
        raise HomeError(f"{path}: not a validator key ({error})") from error


def _write_private(path: Path, text: str) -> None:
    write_private_file(path, text)  # 0600 even over an older file with a wider mode


def init_home(
    home: Path,
    *,
    chain_id: str = "origin-local",
    dev: bool = False,
    api: str = DEFAULT_API,
    block_interval_ms: int = 200,
    force: bool = False,
    genesis_time_ms: int | None = None,
    policies: Sequence[str] | None = None,
) -> dict[str, str]:
    """Create a home: config, validator key, genesis (and, with ``dev``, funded dev
    accounts whose keystores use the passphrase ``dev``, and the asset ``USDD``).
    ``policies`` names the policy packs of genesis (jurisdictions or files; default all
    shipped packs, empty for none). Returns the names and addresses of the keys it wrote."""
    if (home / "genesis.json").exists() and not force:
        raise HomeError(f"{home} already holds a node; pass --force to overwrite it")
    packs = load_packs(policies)  # a bad pack fails before anything is written
    (home / "data").mkdir(parents=True, exist_ok=True)
    (home / "keys").mkdir(parents=True, exist_ok=True)
    validator = generate_key("validator")
    _write_private(
        home / "validator_key.json",
        json.dumps(
            {"public_key": validator.public_key.hex(), "seed": validator.signing_key.seed.hex()},
            indent=2,
        )
        + "\n",
    )
    (home / "config.toml").write_text(
        _CONFIG_TEMPLATE.format(
            block_interval_ms=block_interval_ms, block_txs_max=20_000, listen=api
        )
    )
    genesis = GenesisBuilder(
        chain_id,
        genesis_time_ms=genesis_time_ms
        if genesis_time_ms is not None
        else time.time_ns() // 1_000_000,
        initial_height=1,
        # What every validator must run; a node with other versions refuses the chain.
        consensus_versions=default_consensus_versions(),
    ).validator(validator.public_key, power=1, name="validator-0")
    written = {"validator": str(validator.address)}
    if dev:
        keys: dict[str, Key] = {name: generate_key(name) for name in DEV_ACCOUNTS}
        for name, key in keys.items():
            save_dev_keystore(key, home / "keys" / f"{name}.json")
            written[name] = str(key.address)
        admin = keys["admin"]
        genesis.account(admin.address, roles=["admin", "issuer"]).asset(
            DEV_ASSET,
            name="Dev US Dollar",
            decimals=2,
            asset_class="payment",
            issuer=admin.address,
            max_supply=10**15,
        )
        for name in ("alice", "bob", "carol"):
            genesis.balance(keys[name].address, DEV_ASSET, DEV_BALANCE_MINOR)
    if packs:
        genesis.policy_packs(*packs)
    (home / "genesis.json").write_bytes(genesis.build(indent=2))
    return written
