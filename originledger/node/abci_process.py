"""A validator's app process: the ABCI application served to CometBFT on a unix socket.

CometBFT opens four connections to the app (consensus, mempool, query, snapshot) on one
unix socket. On each, requests and responses are protobuf ``Request``/``Response`` messages,
each prefixed by its length as an unsigned varint (``comet/framing.py``). CometBFT
pipelines requests and writes its buffer out when it sends a ``Flush``; the app answers
every request, in order, and flushes its answers at the latest when it has read everything
that arrived. One thread serves each connection; what each request does is
``node/abci.py``'s.

``python -m originledger.server --home HOME --abci unix:///path/to/app.sock`` runs it:
:func:`serve_home` serves the app alone; ``server/network.py`` adds the node's HTTP API
(and indexer) over a :class:`~originledger.node.network_node.NetworkNode`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from pathlib import Path

from originledger.app import Application
from originledger.comet.framing import length_prefixed, take_frames
from originledger.core.crypto import sha256
from originledger.node.abci import AbciApp
from originledger.node.embedded import NodeSettings
from originledger.node.mempool import Admission
from originledger.node.snapshots import Snapshots
from originledger.node.verifier import ParallelVerifier
from originledger.store.sqlite import SqliteStore

__all__ = [
    "AbciProcess",
    "AbciServer",
    "configured_genesis_hash",
    "parse_abci_address",
    "serve_home",
]

log = logging.getLogger("originledger.node.abci")

_RECV_BYTES = 1 << 20


class AbciServer:
    """Serves an :class:`AbciApp` on a unix socket, one thread per connection."""

    def __init__(self, handler: AbciApp, path: Path) -> None:
        self.handler = handler
        self.path = path
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self._stopping = threading.Event()

    def start(self) -> AbciServer:
        if self.path.exists() or self.path.is_symlink():
            self.path.unlink()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        os.chmod(self.path, 0o600)
        listener.listen(8)
        self._listener = listener
        thread = threading.Thread(target=self._accept, name="abci-accept", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def _accept(self) -> None:
        listener = self._listener
        while listener is not None and not self._stopping.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            self._connections.append(connection)
            thread = threading.Thread(
                target=self._serve, args=(connection,), name="abci-conn", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _serve(self, connection: socket.socket) -> None:
        request_type = self.handler.pb.Request
        buffer = bytearray()
        out = bytearray()
        try:
            while True:
                requests = [request_type.FromString(body) for body in take_frames(buffer)]
                # Everything that arrived is answered, in order, before waiting for more:
                # that answers each Flush too (CometBFT waits for it before reading).
                for response in self.handler.handle_many(requests):
                    out += length_prefixed(response.SerializeToString())
                if out:
                    connection.sendall(out)
                    out.clear()
                chunk = connection.recv(_RECV_BYTES)
                if not chunk:
                    return
                buffer += chunk
        except OSError as error:
            if not self._stopping.is_set():
                log.warning("ABCI connection closed: %r", error)
        except Exception as error:
            log.critical("ABCI connection failed: %r", error, exc_info=True)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for connection in self._connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)
        if self.path.exists():
            self.path.unlink()


def parse_abci_address(text: str) -> Path:
    prefix = "unix://"
    if not text.startswith(prefix) or len(text) == len(prefix):
        raise ValueError(f"expected unix:///path/to/app.sock, got {text!r}")
    return Path(text[len(prefix) :])


class AbciProcess:
    """A validator's app: the store of HOME/data/ledger.sqlite served on an ABCI socket.
    The genesis comes from CometBFT's InitChain."""

    def __init__(
        self,
        home: Path,
        address: str,
        *,
        wrong_app_hash_from: int | None = None,
        snapshot_interval_blocks: int = 0,
        snapshots_keep: int = 2,
        genesis_hash: bytes | None = None,
        settings: NodeSettings | None = None,
        cometbft_events: bool = False,
    ):
        path = parse_abci_address(address)
        # The node's own settings (HOME/config.toml): its mempool admission policy applies
        # in CheckTx. Without a config.toml, the defaults (admission ``quota``).
        self.settings = settings or NodeSettings()
        (home / "data").mkdir(parents=True, exist_ok=True)
        self.home = home
        self.store = SqliteStore(home / "data" / "ledger.sqlite")
        self.verifier = ParallelVerifier(None)
        app = Application(self.store, verifier=self.verifier)
        snapshots = Snapshots(home / "data" / "snapshots", snapshot_interval_blocks, snapshots_keep)
        self.handler = AbciApp(
            app,
            self.store,
            wrong_app_hash_from=wrong_app_hash_from,
            snapshots=snapshots,
            genesis_hash=configured_genesis_hash(home, genesis_hash),
            admission=Admission(self.settings.mempool_admission),
            unregistered_txs_max=self.settings.mempool_unregistered_txs_max,
            unregistered_per_signer_max=self.settings.mempool_unregistered_per_signer_max,
            cometbft_events=cometbft_events,
        )
        self.server = AbciServer(self.handler, path)

    def start(self) -> AbciProcess:
        self.server.start()
        log.warning("ABCI app of %s listening on unix://%s", self.home, self.server.path)
        return self

    def close(self) -> None:
        self.server.stop()
        self.verifier.close()
        self.store.close()


def configured_genesis_hash(home: Path, explicit: bytes | None = None) -> bytes | None:
    """The chain's genesis hash: ``explicit`` (``--genesis-hash``), else the sha256 of
    ``HOME/genesis.json`` when the home has one, else None (state sync is then refused)."""
    if explicit is not None:
        return explicit
    path = home / "genesis.json"
    return sha256(path.read_bytes()) if path.is_file() else None


def serve_home(
    home: Path,
    address: str,
    *,
    stop: threading.Event | None = None,
    wrong_app_hash_from: int | None = None,
    snapshot_interval_blocks: int = 0,
    snapshots_keep: int = 2,
    genesis_hash: bytes | None = None,
    settings: NodeSettings | None = None,
    cometbft_events: bool = False,
) -> int:
    """Serve the ledger of ``home`` to CometBFT until ``stop`` is set."""
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
    stopped = stop or threading.Event()
    try:
        while not stopped.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        process.close()
    return 0
