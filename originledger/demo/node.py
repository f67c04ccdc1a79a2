"""The demo's own node: a fresh home in a temporary directory, served on a port nobody
else holds, removed when the demo ends (also on SIGTERM)."""

from __future__ import annotations

import signal
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from originledger.node.home import init_home
from originledger.node.runner import open_node, parse_listen
from originledger.sdk import Client
from originledger.server.background import BackgroundServer
from originledger.server.index import index_service_for

__all__ = ["DemoError", "DemoNode", "demo_node", "free_listen"]

CHAIN_ID = "origin-demo"


class DemoError(Exception):
    """The demo cannot run as asked (said to the user without a traceback)."""


@dataclass(frozen=True)
class DemoNode:
    home: Path
    url: str
    genesis: bytes


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_listen(api: str, say: Callable[..., None]) -> str:
    """``api`` if its port is free, else the same host on a port the system picks (said)."""
    host, port = parse_listen(api)
    if port != 0 and _port_free(host, port):
        return api
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, 0))
        except OSError as error:
            raise DemoError(f"cannot listen on {host}: {error}") from None
        free = int(probe.getsockname()[1])
    shown_host = f"[{host}]" if ":" in host else host
    if port != 0:
        say(
            f"[yellow]Port {port} is taken (another node?): the demo's own node listens "
            f"on port {free} instead.[/]"
        )
    return f"{shown_host}:{free}"


@contextmanager
def _removed_on_sigterm() -> Iterator[None]:
    """SIGTERM ends the demo as Ctrl-C does, so its temporary home is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_ours(url: str, genesis: bytes) -> None:
    """Refuse to go on unless the node answering on ``url`` runs the demo's own chain."""
    try:
        served = Client(url).genesis()
    except Exception as error:
        raise DemoError(f"the demo's node on {url} does not answer: {error}") from None
    if served != genesis:
        raise DemoError(
            f"another node answers on {url}, not the demo's own: the demo stops without "
            "writing to its chain; pass --api HOST:PORT with a free port"
        )


@contextmanager
def demo_node(api: str, say: Callable[..., None]) -> Iterator[DemoNode]:
    """Start the demo's node in a temporary home; stop it and remove the home on exit."""
    with _removed_on_sigterm(), tempfile.TemporaryDirectory(prefix="origin-demo-") as directory:
        home = Path(directory)
        listen = free_listen(api, say)
        init_home(home, chain_id=CHAIN_ID, dev=True, api=listen, block_interval_ms=100)
        genesis = (home / "genesis.json").read_bytes()
        node = open_node(home)
        try:
            try:
                # With its index, so the explorer shows the demo at its best: histories,
                # charts, search (``<home>/data/index.sqlite``, removed with the home).
                server = BackgroundServer(node, listen, index=index_service_for(node)).start()
            except RuntimeError as error:
                raise DemoError(str(error)) from None
            try:
                _check_ours(server.url, genesis)
                yield DemoNode(home, server.url, genesis)
            finally:
                server.stop()
        finally:
            node.store.close()
