"""Fixtures for node tests: a home with funded benchmark accounts and node processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from originledger.bench.accounts import bench_public_keys, write_funded_genesis
from originledger.node.home import init_home

ACCOUNTS = 64


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class NodeProcess:
    """A node in its own process, as `origin start` runs it, that tests may SIGKILL."""

    def __init__(self, home: Path, port: int, arguments: tuple[str, ...] = ()) -> None:
        self.home = home
        self.port = port
        self.arguments = arguments
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> None:
        log = open(self.home / "node.log", "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "originledger.server",
                "--home",
                str(self.home),
                "--api",
                f"127.0.0.1:{self.port}",
                *self.arguments,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.home / "node.log").read_text()[-3000:])
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("node did not start")

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("not started")
        return self.process.pid

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="session")
def bench_keys() -> list[bytes]:
    return bench_public_keys(ACCOUNTS)


@pytest.fixture
def funded_home(tmp_path: Path, bench_keys: list[bytes]) -> Path:
    home = tmp_path / "home"
    init_home(home, chain_id="origin-bench", block_interval_ms=50)
    write_funded_genesis(home, bench_keys)
    return home


@pytest.fixture
def node_process(funded_home: Path) -> Iterator[NodeProcess]:
    node = NodeProcess(funded_home, free_port())
    yield node
    node.stop()
