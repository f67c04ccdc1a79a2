"""A validator's app process in network mode: the ABCI application served to CometBFT
(``node/abci_process.py``), alone or with the node's HTTP API and indexer composed over a
:class:`~originledger.node.network_node.NetworkNode` that submits through CometBFT's RPC."""

from __future__ import annotations

import signal
import threading
import tomllib
from pathlib import Path

from originledger.node.abci_process import AbciProcess, serve_home
from originledger.node.embedded import NodeSettings
from originledger.node.home import load_validator_key
from originledger.node.network_node import NetworkNode
from originledger.server.serve import serve

__all__ = ["run_abci_process"]


def run_abci_process(
    home: Path,
    address: str,
    wrong_app_hash_from: int | None = None,
    *,
    api: str | None = None,
    rpc_url: str | None = None,
    snapshot_interval_blocks: int = 0,
    snapshots_keep: int = 2,
    index: bool = True,
    genesis_hash: bytes | None = None,
    settings: NodeSettings | None = None,
    cometbft_events: bool = False,
) -> int:
    """The app process of a validator, until SIGTERM or SIGINT. With ``api`` it also
    serves the HTTP API, submitting through the CometBFT RPC at ``rpc_url``, and (with
    ``index``) runs the node's indexer. ``settings`` (HOME/config.toml's) give the
    mempool admission policy CheckTx applies and the API's CORS origins. With
    ``cometbft_events`` FinalizeBlock hands CometBFT each transaction's events."""
    if api is None:
        stop = threading.Event()
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stop.set())
        return serve_home(
            home,
            address,
            stop=stop,
            wrong_app_hash_from=wrong_app_hash_from,
            snapshot_interval_blocks=snapshot_interval_blocks,
            snapshots_keep=snapshots_keep,
            genesis_hash=genesis_hash,
            settings=settings,
            cometbft_events=cometbft_events,
        )
    process = AbciProcess(
        home,
        address,
        wrong_app_hash_from=wrong_app_hash_from,
        snapshot_interval_blocks=snapshot_interval_blocks,
        snapshots_keep=snapshots_keep,
        genesis_hash=genesis_hash,
        settings=settings,
        cometbft_events=cometbft_events,
    ).start()
    node = NetworkNode(process.handler, load_validator_key(home), rpc_url or _local_rpc(home))
    try:
        serve(node, api, index=index, cors_origins=process.settings.api_cors_origins)
    finally:
        process.close()
    return 0


def _local_rpc(home: Path) -> str:
    """The RPC address in HOME/cometbft/config/config.toml."""
    config = tomllib.loads((home / "cometbft" / "config" / "config.toml").read_text())
    return str(config["rpc"]["laddr"]).replace("tcp://", "http://", 1)
