"""``python -m originledger.server --home DIR [--api HOST:PORT]``: run a node without the
CLI (the benchmarks and crash tests start nodes this way).

``python -m originledger.server --home DIR --abci unix:///path/app.sock``: serve the ledger
of DIR to CometBFT over ABCI instead (network mode; see ``node/abci.py``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from originledger.node.embedded import NodeSettings
from originledger.node.home import HomeError, load_config
from originledger.node.log import FORMAT_ENV, LEVEL_ENV, configure_logging
from originledger.node.runner import open_node
from originledger.server.serve import serve


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m originledger.server")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--api", default=None, help="HOST:PORT (default: from config.toml)")
    parser.add_argument("--abci", default=None, help="unix:///PATH: serve CometBFT over ABCI")
    parser.add_argument("--rpc", default=None, help="with --abci: the local CometBFT RPC URL")
    parser.add_argument(
        "--snapshot-interval-blocks",
        type=int,
        default=0,
        help="with --abci: take a state-sync snapshot every N blocks (0: none)",
    )
    parser.add_argument("--snapshots-keep", type=int, default=2, help="snapshots kept")
    parser.add_argument(
        "--genesis-hash",
        type=bytes.fromhex,
        default=None,
        help="with --abci: the sha256 (hex) of the chain's genesis document; state sync "
        "accepts only snapshots of it (default: the hash of HOME/genesis.json)",
    )
    parser.add_argument(
        "--test-wrong-app-hash-from", type=int, default=None, help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--no-index", action="store_true", help="run no indexer (HOME/data/index.sqlite)"
    )
    parser.add_argument(
        "--cometbft-events",
        action="store_true",
        help="with --abci: hand each transaction's events to CometBFT (FinalizeBlock)",
    )
    parser.add_argument(
        "--api-workers",
        type=int,
        default=None,
        help="API worker processes that accept connections and check submissions "
        "(default: config.toml's [api] workers, 0: the API in the node's process; "
        "-1: one per core)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    try:  # Origin's own log: a line per block (node/log.py)
        configure_logging(os.environ.get(LEVEL_ENV, "info"), os.environ.get(FORMAT_ENV, "text"))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if arguments.abci:
        return _run_abci(arguments)
    return _run_embedded(arguments)


def _run_abci(arguments: argparse.Namespace) -> int:
    """A validator's app process: ABCI to CometBFT, and the API when HOME has a config."""
    from originledger.server.network import run_abci_process

    api: str | None = arguments.api  # a bare home (no config.toml): ABCI only
    settings: NodeSettings | None = None  # and the default settings
    if (arguments.home / "config.toml").exists():
        try:  # the validator's own settings: its mempool admission, the API's CORS
            config = load_config(arguments.home)
            settings = config.settings()
        except HomeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 6
        api = arguments.api or config.api.listen
    return run_abci_process(
        arguments.home,
        arguments.abci,
        arguments.test_wrong_app_hash_from,
        api=api,
        rpc_url=arguments.rpc,
        snapshot_interval_blocks=arguments.snapshot_interval_blocks,
        snapshots_keep=arguments.snapshots_keep,
        index=not arguments.no_index,
        genesis_hash=arguments.genesis_hash,
        settings=settings,
        cometbft_events=arguments.cometbft_events,
    )


def _run_embedded(arguments: argparse.Namespace) -> int:
    """The home's embedded node, served until interrupted."""
    try:
        listen = arguments.api or load_config(arguments.home).api.listen
        node = open_node(arguments.home)
    except HomeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 6
    try:
        serve(node, listen, index=not arguments.no_index, api_workers=arguments.api_workers)
    finally:
        node.stop()
        node.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
