"""A local network of validators on this machine: each with its app process and its
CometBFT process (what ``origin net up/down/status`` run, and the network tests).

Layout of ``DIR`` (docs/network.md):

    DIR/network.json            the plan: chain id, and per validator its addresses
    DIR/genesis.json            the Origin genesis (CometBFT's genesis ``app_state``)
    DIR/keys/                   dev account keystores (passphrase "dev")
    DIR/validator-I/            an Origin home (config.toml, genesis.json, data/, ...)
        cometbft/               CometBFT's home (config/, data/)
        app.sock                the ABCI socket between the two processes
        app.pid  cometbft.pid   the process ids ``net down`` stops (and only those)
        app.log  cometbft.log

Addresses: validator I listens on its own loopback address ``127.0.0.(2+I)``, on the same
ports everywhere: P2P ``base_port``, RPC ``base_port + 1``, HTTP API ``base_port + 2``
(26656, 26657, 26658 by default).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec

from originledger.app import default_consensus_versions, parse_genesis
from originledger.comet.validators import genesis_validator_entry
from originledger.core.codec import to_builtins
from originledger.core.consensus import require_consensus_versions
from originledger.core.crypto import sha256
from originledger.core.limits import BLOCK_BYTES_MAX
from originledger.keystore import child_environment, write_private_file
from originledger.node.abci import APP_VERSION
from originledger.node.home import init_home, load_validator_key
from originledger.node.network_node import RPC_BATCH_MAX
from originledger.node.toolchain import check_cometbft

__all__ = [
    "DEFAULT_BASE_PORT",
    "DEFAULT_SNAPSHOT_INTERVAL_BLOCKS",
    "NetworkError",
    "NetworkPlan",
    "ValidatorPlan",
    "add_node",
    "create_network",
    "free_base_port",
    "load_plan",
    "network_status",
    "rpc",
    "start_network",
    "start_validator",
    "stop_network",
    "stop_validator",
    "wait_for_height",
]

DEFAULT_BASE_PORT = 26656
VALIDATORS_MAX = 200  # loopback addresses 127.0.0.2 .. 127.0.0.201
SOCKET_PATH_BYTES_MAX = 100  # sun_path is 108 bytes on Linux
_STOP_WAIT_S = 15.0
DEFAULT_SNAPSHOT_INTERVAL_BLOCKS = 100
PEER_GOSSIP_SLEEP_MS = 10  # CometBFT's consensus.peer_gossip_sleep_duration (default 100)


class NetworkError(Exception):
    """The network's directory, processes or RPC are not as expected."""


class ValidatorPlan(msgspec.Struct, frozen=True):
    index: int
    name: str
    host: str
    p2p_port: int
    rpc_port: int
    api_port: int
    node_id: str
    public_key: str  # hex

    def home(self, directory: Path) -> Path:
        return directory / self.name

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.rpc_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def p2p_address(self) -> str:
        return f"{self.node_id}@{self.host}:{self.p2p_port}"


class NetworkPlan(msgspec.Struct, frozen=True):
    chain_id: str
    base_port: int
    block_interval_ms: int
    validators: list[ValidatorPlan]  # and nodes added later (``add_node``), in order
    snapshot_interval_blocks: int = 0  # each app's state-sync snapshots (0: none)
    index: bool = True  # each app runs the indexer of its node (HOME/data/index.sqlite)
    # Each app hands its transactions' events to CometBFT (FinalizeBlock's attributes) and
    # CometBFT indexes them (its ``kv`` tx indexer): off unless asked for, Origin's API
    # serves the events itself.
    cometbft_events: bool = False


@dataclass(frozen=True)
class _Paths:
    home: Path

    @property
    def cometbft(self) -> Path:
        return self.home / "cometbft"

    @property
    def socket(self) -> Path:
        return self.home / "app.sock"

    def pid_file(self, process: str) -> Path:
        return self.home / f"{process}.pid"

    def log_file(self, process: str) -> Path:
        return self.home / f"{process}.log"


# -- creating ------------------------------------------------------------------------------


def _rfc3339(time_ms: int) -> str:
    moment = datetime.fromtimestamp(time_ms // 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{time_ms % 1000:03d}Z"


def _set_options(text: str, section: str, values: dict[str, str]) -> str:
    """Set ``key = value`` lines of one section of a TOML file (``""``: the top level);
    every key must already be there (CometBFT's template names them all)."""
    lines = text.splitlines()
    current = ""
    missing = dict(values)
    for number, line in enumerate(lines):
        header = re.fullmatch(r"\[([A-Za-z0-9_.]+)\]\s*", line)
        if header:
            current = header.group(1)
            continue
        match = re.match(r"([A-Za-z0-9_]+)\s*=", line)
        if current == section and match and match.group(1) in missing:
            key = match.group(1)
            lines[number] = f"{key} = {missing.pop(key)}"
    if missing:
        raise NetworkError(f"CometBFT's config.toml has no {sorted(missing)} in [{section}]")
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return json.dumps(text)


def _node_id(node_key_path: Path) -> str:
    document = json.loads(node_key_path.read_text())
    private = base64.b64decode(document["priv_key"]["value"])
    return sha256(private[32:])[:20].hex()


def _write_private(path: Path, text: str) -> None:
    write_private_file(path, text)  # 0600 even over an older file with a wider mode


def create_network(
    directory: Path,
    validators: int = 4,
    *,
    chain_id: str = "origin-net",
    base_port: int = DEFAULT_BASE_PORT,
    block_interval_ms: int = 500,
    app_state: dict[str, Any] | None = None,
    genesis_time_ms: int | None = None,
    snapshot_interval_blocks: int = DEFAULT_SNAPSHOT_INTERVAL_BLOCKS,
    block_bytes_max: int = BLOCK_BYTES_MAX,
    index: bool = True,
    cometbft_events: bool = False,
) -> NetworkPlan:
    """Write genesis, keys, homes and configuration for ``validators`` validators.

    ``app_state`` is the Origin genesis ``app_state``; by default, dev accounts (admin,
    alice, bob, carol; passphrase "dev") funded with USDD, as ``origin init --dev``.
    """
    directory = directory.resolve()
    _check_new_network(directory, validators, base_port)
    cometbft = check_cometbft()
    directory.mkdir(parents=True, exist_ok=True)
    time_ms = genesis_time_ms if genesis_time_ms is not None else time.time_ns() // 1_000_000
    plans = [
        _make_home(
            cometbft,
            directory,
            index,
            chain_id=chain_id,
            base_port=base_port,
            block_interval_ms=block_interval_ms,
            time_ms=time_ms,
            dev=index == 0 and app_state is None,
        )
        for index in range(validators)
    ]
    if app_state is None:
        app_state = json.loads((directory / "validator-0" / "genesis.json").read_text())[
            "app_state"
        ]
        shutil.copytree(directory / "validator-0" / "keys", directory / "keys")
    genesis_raw, cometbft_genesis = _write_genesis(
        directory, chain_id, time_ms, plans, app_state, block_bytes_max
    )
    plan = NetworkPlan(
        chain_id,
        base_port,
        block_interval_ms,
        plans,
        snapshot_interval_blocks,
        index,
        cometbft_events,
    )
    _write_validator_configs(directory, plan, genesis_raw, cometbft_genesis)
    (directory / "network.json").write_bytes(msgspec.json.format(msgspec.json.encode(plan)))
    return plan


def _check_new_network(directory: Path, validators: int, base_port: int) -> None:
    """Refuse a count of validators or a base port out of range, or a non-empty directory."""
    if not 1 <= validators <= VALIDATORS_MAX:
        raise NetworkError(f"--validators must be between 1 and {VALIDATORS_MAX}")
    if not 1024 <= base_port <= 65533:
        raise NetworkError("the base port must be between 1024 and 65533")
    if directory.exists() and any(directory.iterdir()):
        raise NetworkError(f"{directory} is not empty: choose a new directory")


def _write_genesis(
    directory: Path,
    chain_id: str,
    time_ms: int,
    plans: list[ValidatorPlan],
    app_state: dict[str, Any],
    block_bytes_max: int,
) -> tuple[str, str]:
    """Write the Origin genesis to ``DIR/genesis.json`` (one unit of power per validator);
    return it and CometBFT's genesis that carries it, as JSON texts."""
    genesis = {
        "chain_id": chain_id,
        "genesis_time_ms": time_ms,
        "validators": [
            {
                "public_key": base64.b64encode(bytes.fromhex(plan.public_key)).decode(),
                "power": 1,
                "name": plan.name,
            }
            for plan in plans
        ],
        "app_state": app_state,
        "initial_height": 1,
        "consensus_versions": to_builtins(default_consensus_versions()),
    }
    genesis_raw = json.dumps(genesis, separators=(",", ":"), sort_keys=True)
    (directory / "genesis.json").write_text(genesis_raw)
    if not 1024 <= block_bytes_max <= BLOCK_BYTES_MAX:
        raise NetworkError(f"the block size must be between 1 KiB and {BLOCK_BYTES_MAX} bytes")
    cometbft_genesis = _cometbft_genesis(chain_id, time_ms, plans, genesis_raw, block_bytes_max)
    return genesis_raw, cometbft_genesis


def _write_validator_configs(
    directory: Path, plan: NetworkPlan, genesis_raw: str, cometbft_genesis: str
) -> None:
    """Give every validator's home both geneses and configure its CometBFT (config.toml)."""
    for validator in plan.validators:
        home = validator.home(directory)
        paths = _Paths(home)
        (home / "genesis.json").write_text(genesis_raw)
        (paths.cometbft / "config" / "genesis.json").write_text(cometbft_genesis)
        config_path = paths.cometbft / "config" / "config.toml"
        config_path.write_text(_configure(config_path.read_text(), plan, validator, paths))


def _make_home(
    cometbft: Path,
    directory: Path,
    index: int,
    *,
    chain_id: str,
    base_port: int,
    block_interval_ms: int,
    time_ms: int,
    dev: bool,
) -> ValidatorPlan:
    """An Origin home with its validator key, and CometBFT's home with the same key."""
    name = f"validator-{index}"
    home = directory / name
    host = f"127.0.0.{2 + index}"
    if len(str(_Paths(home).socket).encode()) > SOCKET_PATH_BYTES_MAX:
        raise NetworkError(f"{directory} is too long a path for the ABCI socket: use a shorter")
    init_home(
        home,
        chain_id=chain_id,
        dev=dev,
        api=f"{host}:{base_port + 2}",
        block_interval_ms=block_interval_ms,
        genesis_time_ms=time_ms,
    )
    paths = _Paths(home)
    _run([str(cometbft), "init", "--home", str(paths.cometbft)])
    key = load_validator_key(home)
    public = key.public_key
    _write_private(
        paths.cometbft / "config" / "priv_validator_key.json",
        json.dumps(
            {
                "address": sha256(public)[:20].hex().upper(),
                "pub_key": {
                    "type": "tendermint/PubKeyEd25519",
                    "value": base64.b64encode(public).decode(),
                },
                "priv_key": {
                    "type": "tendermint/PrivKeyEd25519",
                    "value": base64.b64encode(key.seed + public).decode(),
                },
            },
            indent=2,
        ),
    )
    node_id = _node_id(paths.cometbft / "config" / "node_key.json")
    return ValidatorPlan(
        index, name, host, base_port, base_port + 1, base_port + 2, node_id, public.hex()
    )


def _require_consensus_versions(genesis_raw: str) -> None:
    """Refuse (``NetworkError``) a network whose genesis declares consensus versions this
    installation does not run."""
    try:
        genesis = parse_genesis(genesis_raw.encode())
        require_consensus_versions(
            genesis.consensus_versions, default_consensus_versions(), genesis.chain_id
        )
    except ValueError as error:  # ConsensusVersionError, or a genesis that does not parse
        raise NetworkError(str(error)) from error


def add_node(directory: Path, *, state_sync: bool = True) -> ValidatorPlan:
    """Add a node to a running network: a new home (its own key) with the network's
    genesis, dialing every other node. It is a full node until the validators module adds
    its key (``validators/set_power``). With ``state_sync`` it starts from a validator's
    snapshot (trusting block 1's hash, read from validator-0) instead of replaying every
    block. Start it with ``start_validator``; ``stop_network`` stops it too."""
    directory = directory.resolve()
    plan = load_plan(directory)
    cometbft = check_cometbft()
    index = len(plan.validators)
    if index >= VALIDATORS_MAX:
        raise NetworkError(f"at most {VALIDATORS_MAX} nodes on the loopback addresses")
    first = plan.validators[0]
    genesis_raw = (directory / "genesis.json").read_text()
    time_ms = int(json.loads(genesis_raw)["genesis_time_ms"])
    _require_consensus_versions(genesis_raw)  # refuse before writing anything
    node = _make_home(
        cometbft,
        directory,
        index,
        chain_id=plan.chain_id,
        base_port=plan.base_port,
        block_interval_ms=plan.block_interval_ms,
        time_ms=time_ms,
        dev=False,
    )
    grown = msgspec.structs.replace(plan, validators=[*plan.validators, node])
    home = node.home(directory)
    paths = _Paths(home)
    (home / "genesis.json").write_text(genesis_raw)
    shutil.copyfile(
        _Paths(first.home(directory)).cometbft / "config" / "genesis.json",
        paths.cometbft / "config" / "genesis.json",
    )
    config_path = paths.cometbft / "config" / "config.toml"
    text = _configure(config_path.read_text(), grown, node, paths)
    if state_sync:
        servers = [v.rpc_url for v in plan.validators[:2]]
        trusted = rpc(first, "commit", height="1")["signed_header"]["commit"]["block_id"]
        text = _set_options(
            text,
            "statesync",
            {
                "enable": "true",
                "rpc_servers": _toml_string(",".join(servers * (3 - len(servers)))),
                "trust_height": "1",
                "trust_hash": _toml_string(str(trusted["hash"])),
                "trust_period": _toml_string("168h0m0s"),
                "discovery_time": _toml_string("5s"),
            },
        )
    config_path.write_text(text)
    (directory / "network.json").write_bytes(msgspec.json.format(msgspec.json.encode(grown)))
    return node


def _cometbft_genesis(
    chain_id: str,
    time_ms: int,
    plans: list[ValidatorPlan],
    genesis_raw: str,
    block_bytes_max: int = BLOCK_BYTES_MAX,
) -> str:
    validators = [
        genesis_validator_entry(bytes.fromhex(plan.public_key), 1, plan.name) for plan in plans
    ]
    # app_state is the Origin genesis, byte for byte: CometBFT hands these bytes to
    # InitChain, and the app hashes them into the chain's identity.
    head = json.dumps(
        {
            "genesis_time": _rfc3339(time_ms),
            "chain_id": chain_id,
            "initial_height": "1",
            "consensus_params": {
                "block": {"max_bytes": str(block_bytes_max), "max_gas": "-1"},
                "evidence": {
                    "max_age_num_blocks": "100000",
                    "max_age_duration": "172800000000000",
                    "max_bytes": str(min(1_048_576, block_bytes_max // 2)),
                },
                "validator": {"pub_key_types": ["ed25519"]},
                "version": {"app": str(APP_VERSION)},
                "abci": {"vote_extensions_enable_height": "0"},
            },
            "validators": validators,
            "app_hash": "",
        },
        indent=2,
    )
    return head[: head.rindex("}")].rstrip() + f',\n  "app_state": {genesis_raw}\n}}\n'


def _configure(text: str, plan: NetworkPlan, validator: ValidatorPlan, paths: _Paths) -> str:
    peers = ",".join(v.p2p_address for v in plan.validators if v.index != validator.index)
    text = _set_options(
        text,
        "",
        {
            "proxy_app": _toml_string(f"unix://{paths.socket}"),
            "moniker": _toml_string(validator.name),
            "abci": _toml_string("socket"),
            "log_level": _toml_string("info"),
        },
    )
    text = _set_options(
        text,
        "rpc",
        {
            "laddr": _toml_string(f"tcp://{validator.host}:{validator.rpc_port}"),
            # The app process hands submissions over in JSON-RPC batches of this size.
            "max_request_batch_size": str(RPC_BATCH_MAX),
            "max_body_bytes": str(8 * 1024 * 1024),
        },
    )
    text = _set_options(
        text,
        "p2p",
        {
            "laddr": _toml_string(f"tcp://{validator.host}:{validator.p2p_port}"),
            "persistent_peers": _toml_string(peers),
            # Loopback addresses are not routable: accept them, and several per host.
            "addr_book_strict": "false",
            "allow_duplicate_ip": "true",
            "pex": "false",
            "flush_throttle_timeout": _toml_string("10ms"),
            "persistent_peers_max_dial_period": _toml_string("2s"),
        },
    )
    text = _set_options(text, "mempool", {"size": "100000", "cache_size": "200000"})
    # Without Origin's events CometBFT's tx indexer would store each result for nothing.
    text = _set_options(
        text, "tx_index", {"indexer": _toml_string("kv" if plan.cometbft_events else "null")}
    )
    return _set_options(
        text,
        "consensus",
        {
            "timeout_commit": _toml_string(f"{plan.block_interval_ms}ms"),
            "create_empty_blocks": "true",
            # CometBFT 0.38 sends proposals, block parts and votes to each peer from a
            # loop that sleeps this long whenever it has nothing new to send: each of a
            # round's three steps waited up to 100 ms (the default) for it.
            "peer_gossip_sleep_duration": _toml_string(f"{PEER_GOSSIP_SLEEP_MS}ms"),
        },
    )


def _run(command: list[str]) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if completed.returncode != 0:
        raise NetworkError(f"`{' '.join(command)}` failed: {completed.stderr[-2000:]}")


def free_base_port(validators: int, attempts: int = 50) -> int:
    """A base port whose three ports are free on the first ``validators`` loopback
    addresses (for benchmarks and tests; a race with other programs remains possible)."""
    import random
    import socket

    for _ in range(attempts):
        base = random.randrange(30_000, 60_000, 3)
        free = True
        for index in range(validators):
            for port in (base, base + 1, base + 2):
                with socket.socket() as probe:
                    try:
                        probe.bind((f"127.0.0.{2 + index}", port))
                    except OSError:
                        free = False
        if free:
            return base
    raise NetworkError("no free ports on the loopback addresses")


def load_plan(directory: Path) -> NetworkPlan:
    directory = directory.resolve()
    path = directory / "network.json"
    try:
        return msgspec.json.decode(path.read_bytes(), type=NetworkPlan)
    except FileNotFoundError:
        raise NetworkError(
            f"{path} is missing: create the network with `origin net up --dir {directory}`"
        ) from None
    except msgspec.DecodeError as error:
        raise NetworkError(f"{path}: {error}") from error


# -- processes -----------------------------------------------------------------------------

_children: dict[int, subprocess.Popen[bytes]] = {}  # reaped when stopped (no zombies)


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _alive(pid: int, marker: str) -> bool:
    """Whether ``pid`` runs and is ours: one of its arguments is ``marker`` (its home)."""
    child = _children.get(pid)
    if child is not None:  # started by this process: ask it (its command line may not be
        return child.poll() is None  # exec'd yet)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    return marker in arguments  # an exact argument: validator-1 is not validator-10


def _launch(
    command: list[str], paths: _Paths, process: str, env: dict[str, str] | None = None
) -> int:
    with open(paths.log_file(process), "ab") as log:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives `origin net up`; Ctrl-C there does not reach it
            # Never the keystore passphrase: a node or CometBFT needs none.
            env={**child_environment(), "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    _children[child.pid] = child
    paths.pid_file(process).write_text(f"{child.pid}\n")
    return child.pid


def _wait_until(condition: Any, timeout_s: float, what: str, step_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step_s)
    raise NetworkError(f"{what} within {timeout_s:.0f} s")


def start_validator(
    directory: Path,
    validator: ValidatorPlan,
    *,
    timeout_s: float = 30.0,
    app_arguments: list[str] | None = None,
    app_env: dict[str, str] | None = None,
) -> None:
    """Start the validator's app process, wait for its socket, then start CometBFT.
    Processes already running (as recorded) are left alone. ``app_arguments`` and
    ``app_env`` are for tests (a fault switch, a hash seed)."""
    directory = directory.resolve()
    cometbft = check_cometbft()
    plan = load_plan(directory)
    paths = _Paths(validator.home(directory))
    marker = str(paths.home)
    app_pid = _read_pid(paths.pid_file("app"))
    if app_pid is None or not _alive(app_pid, marker):
        if paths.socket.exists():
            paths.socket.unlink()
        command = [
            sys.executable,
            "-m",
            "originledger.server",
            "--home",
            str(paths.home),
            "--abci",
            f"unix://{paths.socket}",
            "--rpc",
            validator.rpc_url,
            "--snapshot-interval-blocks",
            str(plan.snapshot_interval_blocks),
            *([] if plan.index else ["--no-index"]),
            *(["--cometbft-events"] if plan.cometbft_events else []),
            *(app_arguments or []),
        ]
        app_pid = _launch(command, paths, "app", app_env)
        pid = app_pid
        _wait_until(
            lambda: paths.socket.exists() or not _alive(pid, marker),
            timeout_s,
            f"the app of {validator.name} did not open {paths.socket}",
        )
        if not _alive(app_pid, marker):
            raise NetworkError(f"the app of {validator.name} exited: {_tail(paths, 'app')}")
    comet_pid = _read_pid(paths.pid_file("cometbft"))
    if comet_pid is None or not _alive(comet_pid, str(paths.cometbft)):
        _launch([str(cometbft), "start", "--home", str(paths.cometbft)], paths, "cometbft")


def _tail(paths: _Paths, process: str, size: int = 2000) -> str:
    try:
        return paths.log_file(process).read_text(errors="replace")[-size:]
    except FileNotFoundError:
        return "(no log)"


def _stop_pid(pid: int, marker: str, kill: bool) -> bool:
    if not _alive(pid, marker):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    deadline = time.monotonic() + _STOP_WAIT_S
    while _alive(pid, marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid, marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_until(lambda: not _alive(pid, marker), _STOP_WAIT_S, f"process {pid} did not die")
    child = _children.pop(pid, None)
    if child is not None:
        child.wait(timeout=_STOP_WAIT_S)
    return True


def stop_validator(directory: Path, validator: ValidatorPlan, *, kill: bool = False) -> list[int]:
    """Stop the validator's recorded processes (CometBFT first); ``kill`` sends SIGKILL.
    Returns the pids that were running and are now stopped."""
    directory = directory.resolve()
    paths = _Paths(validator.home(directory))
    stopped: list[int] = []
    for process, marker in (("cometbft", str(paths.cometbft)), ("app", str(paths.home))):
        pid = _read_pid(paths.pid_file(process))
        if pid is not None and _stop_pid(pid, marker, kill):
            stopped.append(pid)
        paths.pid_file(process).unlink(missing_ok=True)
    return stopped


def recorded_pids(directory: Path) -> dict[str, dict[str, int | None]]:
    """The recorded process ids per validator (None when none is recorded)."""
    directory = directory.resolve()
    plan = load_plan(directory)
    return {
        v.name: {
            process: _read_pid(_Paths(v.home(directory)).pid_file(process))
            for process in ("app", "cometbft")
        }
        for v in plan.validators
    }


def start_network(
    directory: Path,
    *,
    timeout_s: float = 60.0,
    app_arguments: dict[int, list[str]] | None = None,
    app_env: dict[int, dict[str, str]] | None = None,
) -> NetworkPlan:
    """Start every validator and wait until each has committed block 1 (``app_arguments``
    and ``app_env``, by validator index, are for tests)."""
    directory = directory.resolve()
    plan = load_plan(directory)
    for validator in plan.validators:
        start_validator(
            directory,
            validator,
            timeout_s=timeout_s,
            app_arguments=(app_arguments or {}).get(validator.index),
            app_env=(app_env or {}).get(validator.index),
        )
    deadline = time.monotonic() + timeout_s
    while not all((_height(v) or 0) >= 1 for v in plan.validators):
        for validator in plan.validators:
            paths = _Paths(validator.home(directory))
            for process, marker in (("app", str(paths.home)), ("cometbft", str(paths.cometbft))):
                pid = _read_pid(paths.pid_file(process))
                if pid is None or not _alive(pid, marker):
                    raise NetworkError(
                        f"the {process} process of {validator.name} exited; the end of "
                        f"{paths.log_file(process)}:\n{_tail(paths, process)}"
                    )
        if time.monotonic() > deadline:
            raise NetworkError(f"not every validator reached height 1 within {timeout_s:.0f} s")
        time.sleep(0.1)
    return plan


def stop_network(directory: Path, *, kill: bool = False) -> list[int]:
    directory = directory.resolve()
    plan = load_plan(directory)
    stopped: list[int] = []
    for validator in plan.validators:
        stopped.extend(stop_validator(directory, validator, kill=kill))
    return stopped


# -- RPC and status ------------------------------------------------------------------------


def rpc(validator: ValidatorPlan, method: str, timeout_s: float = 5.0, **params: Any) -> Any:
    """A CometBFT JSON-RPC call; returns ``result`` or raises NetworkError."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    try:
        response = httpx.post(validator.rpc_url, json=body, timeout=timeout_s)
        answer = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise NetworkError(f"{validator.name} RPC {method}: {error!r}") from error
    if "error" in answer:
        raise NetworkError(f"{validator.name} RPC {method}: {answer['error']}")
    return answer["result"]


def _height(validator: ValidatorPlan) -> int | None:
    try:
        return int(rpc(validator, "status", 1.0)["sync_info"]["latest_block_height"])
    except NetworkError:
        return None


def wait_for_height(
    directory: Path,
    height: int,
    *,
    timeout_s: float = 60.0,
    validators: list[ValidatorPlan] | None = None,
) -> None:
    """Wait until each validator (all by default) has committed ``height``."""
    directory = directory.resolve()
    chosen = validators if validators is not None else load_plan(directory).validators

    def reached() -> bool:
        return all((_height(v) or 0) >= height for v in chosen)

    _wait_until(reached, timeout_s, f"not every validator reached height {height}", 0.1)


class ValidatorStatus(msgspec.Struct, frozen=True):
    name: str
    rpc: str
    app_pid: int | None
    cometbft_pid: int | None
    running: bool
    height: int | None = None
    app_hash: str | None = None
    peers: int | None = None
    catching_up: bool | None = None


def network_status(directory: Path) -> list[ValidatorStatus]:
    directory = directory.resolve()
    plan = load_plan(directory)
    answers: list[ValidatorStatus] = []
    for validator in plan.validators:
        paths = _Paths(validator.home(directory))
        app_pid = _read_pid(paths.pid_file("app"))
        comet_pid = _read_pid(paths.pid_file("cometbft"))
        running = (
            app_pid is not None
            and comet_pid is not None
            and _alive(app_pid, str(paths.home))
            and _alive(comet_pid, str(paths.cometbft))
        )
        try:
            status = rpc(validator, "status", 1.0)
            peers = int(rpc(validator, "net_info", 1.0)["n_peers"])
        except NetworkError:
            answers.append(
                ValidatorStatus(validator.name, validator.rpc_url, app_pid, comet_pid, running)
            )
            continue
        sync = status["sync_info"]
        answers.append(
            ValidatorStatus(
                validator.name,
                validator.rpc_url,
                app_pid,
                comet_pid,
                running,
                int(sync["latest_block_height"]),
                str(sync["latest_app_hash"]).lower(),
                peers,
                bool(sync["catching_up"]),
            )
        )
    return answers


__all__ += ["ValidatorStatus", "recorded_pids"]
