"""Submission off the node's interpreter lock: API worker processes in front of an
embedded node.

The node's process (``serve`` with ``api_workers`` > 0) binds the API's address and hands
the listening socket to ``api_workers`` worker processes (``python -m
originledger.server.ingress_worker``), which accept every HTTP connection:

- ``POST /v1/txs`` (without ``wait_ms``) is served by the worker: it reads the body,
  decodes every transaction, verifies its signatures, answers itself those that fail
  there (undecodable, a bad signature: answers that depend on the bytes alone), and hands
  the node the others over a Unix socket (``IngressHub``, one connection per worker, a
  frame per submission). The node runs the rest of the admission check (committed,
  expiry, message checks, fees, mempool policy) exactly as ``EmbeddedNode.submit`` does,
  but verifies none of their signatures and decodes them without the checks the worker
  made (``EmbeddedNode.submit_verified``), and answers per transaction; the worker
  encodes the HTTP answer. The node trusts its workers as it trusts its
  signature-verifying processes: they are its own children. It trusts nobody else on the
  socket: a connection whose peer (``SO_PEERCRED``) is not one of its workers has its
  transactions checked in full (``EmbeddedNode.submit``; docs/decisions.md).
- Every other request (reads, event streams, a submission with ``wait_ms``) is forwarded
  to the node's own API, served by the node on a second Unix socket, with the client's
  address in ``X-Forwarded-For`` (trusted on that socket only).

Answers to clients are those of a node without workers: the same routes, statuses and
bodies (``tests/api``). Workers die with the node (``PR_SET_PDEATHSIG``, and each exits
when its connection to the node ends); the node restarts a worker that died.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import msgspec

from originledger.driver.answers import SubmitAnswer
from originledger.node.embedded import EmbeddedNode

__all__ = [
    "HUB_FRAME_BYTES_MAX",
    "Handshake",
    "IngressHub",
    "Submission",
    "WorkerPool",
    "bind_listener",
    "default_api_workers",
    "peer_pid",
    "read_frame",
    "write_frame",
]

log = logging.getLogger("originledger.server")

HUB_FRAME_BYTES_MAX = 64 * 1024 * 1024
_LENGTH_BYTES = 4
_BIND_RETRY_S = 5.0


class Handshake(msgspec.Struct, frozen=True):
    """What the node tells a worker when it connects."""

    chain_id: str


class Submission(msgspec.Struct, frozen=True):
    """A worker's checked transactions: decoded, every signature verified."""

    raws: list[bytes]


class HubAnswer(msgspec.Struct, frozen=True):
    """The node's answers, one per transaction, or why it could not answer."""

    answers: list[SubmitAnswer] = []
    error: str | None = None


def default_api_workers() -> int:
    """One worker per core: with the workers verifying signatures, the node's own
    verifying processes stay idle, so the node and its workers share the cores."""
    return os.cpu_count() or 1


def write_frame(stream: socket.socket, payload: bytes) -> None:
    stream.sendall(len(payload).to_bytes(_LENGTH_BYTES, "big") + payload)


def _read_exactly(stream: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = stream.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: socket.socket) -> bytes:
    size = int.from_bytes(_read_exactly(stream, _LENGTH_BYTES), "big")
    if size > HUB_FRAME_BYTES_MAX:
        raise EOFError
    return _read_exactly(stream, size)


def peer_pid(connection: socket.socket) -> int | None:
    """The process id of the peer of a Unix socket, as the kernel recorded it when the
    peer connected (``SO_PEERCRED``); None where the platform does not tell."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    credentials = connection.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    pid: int = struct.unpack("3i", credentials)[0]
    return pid


class IngressHub:
    """The node's end: a Unix socket its workers connect to, a thread per worker."""

    def __init__(
        self,
        node: EmbeddedNode,
        path: Path,
        workers: Callable[[], Collection[int]] = lambda: (),
    ) -> None:
        self.node = node
        self.path = path
        self._workers = workers  # the process ids of the node's own API workers
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        self._listener.listen(64)
        self._closed = threading.Event()
        self._connections: list[socket.socket] = []
        self._decode = msgspec.msgpack.Decoder(Submission).decode
        self._encode = msgspec.msgpack.Encoder().encode

    def start(self) -> IngressHub:
        threading.Thread(target=self._accept, name="ingress-hub", daemon=True).start()
        return self

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._connections.append(connection)
            threading.Thread(
                target=self._serve, args=(connection,), name="ingress-worker", daemon=True
            ).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            meta = self.node.store.chain_meta()
            chain_id = "" if meta is None else meta.chain_id
            write_frame(connection, self._encode(Handshake(chain_id)))
            # Checked transactions are taken as checked from the node's own workers only:
            # any other process that reaches the socket has each of its transactions
            # checked in full, as over HTTP (docs/decisions.md).
            peer = peer_pid(connection)
            trusted = peer in self._workers()
            if not trusted:
                log.warning(
                    "process %s, not an API worker of this node, connected to its ingress "
                    "socket: its transactions are checked in full",
                    peer,
                )
            submit = self.node.submit_verified if trusted else self.node.submit
            while True:
                submission = self._decode(read_frame(connection))
                try:
                    answer = HubAnswer(submit(submission.raws))
                except RuntimeError as error:  # the node stopped after a failure
                    answer = HubAnswer(error=str(error))
                write_frame(connection, self._encode(answer))
        except (EOFError, OSError, msgspec.DecodeError):
            pass
        finally:
            connection.close()

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        for connection in self._connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


def bind_listener(host: str, port: int) -> socket.socket:
    """The API's listening socket. A restart right after a crash may find the dead node's
    workers still closing it: the bind is retried for a few seconds."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    deadline = time.monotonic() + _BIND_RETRY_S
    while True:
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((host, port))
        except OSError as error:
            listener.close()
            if time.monotonic() >= deadline or error.errno != 98:  # EADDRINUSE
                raise
            time.sleep(0.1)
            continue
        listener.listen(2048)
        listener.set_inheritable(True)
        return listener


class WorkerPool:
    """The worker processes, restarted when one dies, stopped with the node."""

    def __init__(
        self,
        count: int,
        listener: socket.socket,
        hub_path: Path,
        api_path: Path,
        cors_origins: Sequence[str],
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.count = count
        self.listener = listener
        self.command = [
            sys.executable,
            "-m",
            "originledger.server.ingress_worker",
            "--fd",
            str(listener.fileno()),
            "--hub",
            str(hub_path),
            "--api",
            str(api_path),
            "--parent",
            str(os.getpid()),
            *[argument for origin in cors_origins for argument in ("--cors", origin)],
        ]
        self.processes: list[subprocess.Popen[bytes]] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._node_stopping = stopping

    def _spawn(self) -> subprocess.Popen[bytes]:
        # A session of its own: a Ctrl-C or a signal to the node's process group reaches
        # the node alone, which then stops its workers (never restarting them meanwhile).
        return subprocess.Popen(
            self.command,
            pass_fds=(self.listener.fileno(),),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def start(self) -> WorkerPool:
        with self._lock:
            self.processes = [self._spawn() for _ in range(self.count)]
        threading.Thread(target=self._supervise, name="api-workers", daemon=True).start()
        return self

    def _supervise(self) -> None:
        while not self._stopping.wait(0.5):
            with self._lock:
                for index, process in enumerate(self.processes):
                    if self._stopping.is_set() or self._node_stopping():
                        return
                    if process.poll() is not None:
                        log.warning(
                            "API worker %d exited (%s); starting another",
                            process.pid,
                            process.returncode,
                        )
                        self.processes[index] = self._spawn()

    def pids(self) -> list[int]:
        with self._lock:
            return [process.pid for process in self.processes]

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            processes = list(self.processes)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


_DIRECTORY_PREFIX = "origin-api-"


def private_directory() -> Path:
    """A directory only this user reads, for the node's Unix sockets, named after this
    process. Directories of this user's nodes that died without removing theirs (killed
    with SIGKILL) are removed first."""
    remove_stale_directories(Path(tempfile.gettempdir()))
    return Path(tempfile.mkdtemp(prefix=f"{_DIRECTORY_PREFIX}{os.getpid()}-"))


def remove_stale_directories(base: Path) -> list[Path]:
    """Remove this user's socket directories in ``base`` whose node process is gone;
    returns them."""
    removed: list[Path] = []
    for path in base.glob(f"{_DIRECTORY_PREFIX}*-*"):
        pid_text = path.name[len(_DIRECTORY_PREFIX) :].partition("-")[0]
        if not pid_text.isdigit():
            continue
        try:
            if path.lstat().st_uid != os.getuid() or _process_alive(int(pid_text)):
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process of that number
        return True
    return True


def remove_directory(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


__all__ += ["HubAnswer", "private_directory", "remove_directory", "remove_stale_directories"]
