"""``python -m originledger.node --home DIR [--api HOST:PORT]``: run a node without the CLI
(the benchmarks and crash tests start nodes this way)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from originledger.node.home import HomeError, load_config
from originledger.node.runner import open_node, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m originledger.node")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--api", default=None, help="HOST:PORT (default: from config.toml)")
    parser.add_argument(
        "--no-index", action="store_true", help="run no indexer (HOME/data/index.sqlite)"
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    try:
        listen = arguments.api or load_config(arguments.home).api.listen
        node = open_node(arguments.home)
    except HomeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 6
    try:
        serve(node, listen, index=not arguments.no_index)
    finally:
        node.stop()
        node.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
