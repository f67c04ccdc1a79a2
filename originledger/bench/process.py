"""The benchmarked node as a process: start it, wait until it answers, stop it, and read
its CPU time and memory from Linux ``/proc``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

__all__ = [
    "cpu_seconds",
    "free_port",
    "node_memory_kib",
    "start_node",
    "stop_node",
    "wait_ready",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def node_memory_kib(pid: int) -> dict[str, int]:
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                found[name] = int(value.split()[0])
    except OSError:
        pass
    return found


def cpu_seconds(pid: int, children: bool = True) -> float:
    """User plus system CPU time so far of a process and (``children``) its children (its
    API and signature verifying workers); Linux ``/proc``, 0 elsewhere."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # After the command name: ppid is field 4, utime 14, stime 15.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or (children and fields[1] == str(pid)):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def start_node(home: Path, log_path: Path, api_workers: int = 0) -> subprocess.Popen[bytes]:
    """The node of ``home`` in a process of its own, with ``api_workers`` API worker
    processes (server/ingress.py; -1 one per core)."""
    command = [sys.executable, "-m", "originledger.server", "--home", str(home), "--no-index"]
    # The ledger alone: a node's indexer shares its process (and its GIL).
    command += ["--api-workers", str(api_workers)]
    with open(log_path, "a") as log_file:
        return subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def stop_node(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the node exited with {process.returncode}; see its node.log")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the node did not become ready")
