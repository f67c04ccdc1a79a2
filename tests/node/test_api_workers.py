"""API worker processes (``server/ingress.py``): they answer submissions exactly as the
node's own API does, forward every other request to it, and never outlive it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest

from originledger.bench.accounts import sign_transfers
from originledger.core.codec import decode, encode
from originledger.core.tx import SignedTx

from .conftest import NodeProcess, free_port


@pytest.fixture
def node_process(funded_home: Path) -> Iterator[NodeProcess]:
    """A node with two API workers (they are off by default: ``[api] workers = 0``)."""
    node = NodeProcess(funded_home, free_port(), ("--api-workers", "2"))
    yield node
    node.stop()


def _workers_of(pid: int) -> set[int]:
    """The API worker processes whose parent is ``pid``."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields[1] == str(pid) and b"ingress_worker" in command:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return False
    return fields[0] != "Z"


def _wait_until(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def _submissions(bench_keys: list[bytes]) -> list[tuple[str, str, bytes]]:
    """Requests of every kind of answer: (content type, query, body)."""
    now_ms = time.time_ns() // 1_000_000
    good = sign_transfers(bench_keys, 0, 4, now_ms + 600_000)
    envelope = decode(good[1], SignedTx)
    forged = encode(SignedTx(envelope.body, [bytes(64)]))
    expired = sign_transfers(bench_keys, 10, 1, now_ms - 1_000)[0]
    too_far = sign_transfers(bench_keys, 11, 1, now_ms + 10 * 86_400_000)[0]
    batch = [good[0], good[0], forged, good[1], b"\x00junk", expired, too_far, good[2]]
    msgpack = "application/msgpack"
    return [
        (msgpack, "", msgspec.msgpack.encode(batch)),
        ("application/json", "", msgspec.json.encode({"tx": good[3].hex()})),
        ("application/json", "", msgspec.json.encode({"txs": ["zz"]})),
        ("application/json", "", b"{}"),
        (msgpack, "", b"\xc1"),
        (msgpack, "", msgspec.msgpack.encode([good[0]] * 1001)),
        ("text/plain", "", b"hello"),
        ("application/json", "?wait_ms=nope", msgspec.json.encode({"tx": good[3].hex()})),
    ]


def _answers(
    node: NodeProcess, submissions: list[tuple[str, str, bytes]]
) -> list[tuple[int, object]]:
    found = []
    for media, query, body in submissions:
        response = httpx.post(
            node.url + "/v1/txs" + query, content=body, headers={"content-type": media}
        )
        found.append((response.status_code, response.json()))
    return found


def test_api_workers_answer_submissions_as_the_node_does(
    funded_home: Path, tmp_path: Path, bench_keys: list[bytes]
) -> None:
    # The same genesis in a second home, served without workers.
    plain_home = tmp_path / "plain"
    shutil.copytree(funded_home, plain_home)
    with_workers = NodeProcess(funded_home, free_port(), ("--api-workers", "2"))
    without = NodeProcess(plain_home, free_port(), ("--api-workers", "0"))
    try:
        with_workers.start()
        without.start()
        assert len(_workers_of(with_workers.pid)) == 2
        assert not _workers_of(without.pid)
        submissions = _submissions(bench_keys)
        answers = _answers(with_workers, submissions)
        expected = _answers(without, submissions)
        for got, want in zip(answers, expected, strict=True):
            assert got == want
        statuses = [item["status"] for item in answers[0][1]["answers"]]
        assert statuses.count("accepted") == 4 and statuses.count("rejected") == 4
        # The node took its workers' transactions as checked (IngressHub): it warns of any
        # other process on its ingress socket.
        assert "not an API worker" not in (funded_home / "node.log").read_text()
    finally:
        with_workers.stop()
        without.stop()


def test_api_workers_forward_reads_and_streams(node_process: NodeProcess, bench_keys) -> None:
    node_process.start()
    assert _workers_of(node_process.pid)
    raw = sign_transfers(bench_keys, 0, 1, time.time_ns() // 1_000_000 + 600_000)[0]
    # A submission that waits is forwarded to the node (it alone hears of commits).
    response = httpx.post(
        node_process.url + "/v1/txs?wait_ms=5000",
        content=msgspec.msgpack.encode([raw]),
        headers={"content-type": "application/msgpack"},
    )
    assert response.status_code == 200, response.text
    (answer,) = response.json()["answers"]
    assert answer["status"] == "committed"
    receipt = httpx.get(f"{node_process.url}/v1/txs/{answer['hash']}")
    assert receipt.status_code == 200 and receipt.json()["status"] == "committed"
    assert receipt.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(node_process.url + "/v1/txs/" + "00" * 32).status_code == 404
    with httpx.stream("GET", node_process.url + "/v1/events/stream?after=0:0", timeout=10) as s:
        assert s.status_code == 200
        assert s.headers["content-type"].startswith("text/event-stream")
        for line in s.iter_lines():
            if line.startswith("data:"):
                break


def test_api_workers_die_with_a_killed_node(node_process: NodeProcess) -> None:
    node_process.start()
    workers = _workers_of(node_process.pid)
    assert len(workers) >= 1
    node_process.kill()  # SIGKILL: the node runs no cleanup
    assert _wait_until(lambda: not any(_alive(pid) for pid in workers))
    node_process.start()  # the port is free again
    assert httpx.get(node_process.url + "/health").status_code == 200


def test_api_workers_stop_with_the_node(node_process: NodeProcess) -> None:
    node_process.start()
    workers = _workers_of(node_process.pid)
    assert workers
    node_process.stop()  # SIGTERM
    assert node_process.process is not None and node_process.process.returncode == 0
    assert not any(_alive(pid) for pid in workers)


def test_a_dead_api_worker_is_replaced(node_process: NodeProcess) -> None:
    node_process.start()
    workers = _workers_of(node_process.pid)
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    assert _wait_until(lambda: len(_workers_of(node_process.pid) - {victim}) == len(workers))
    for _ in range(10):  # whichever worker takes the connection, it is served
        assert httpx.get(node_process.url + "/health").status_code == 200


@pytest.mark.parametrize("count", ["1"])
def test_api_workers_count_is_configurable(funded_home: Path, count: str) -> None:
    node = NodeProcess(funded_home, free_port(), ("--api-workers", count))
    try:
        node.start()
        assert len(_workers_of(node.pid)) == int(count)
    finally:
        node.stop()


def test_api_workers_are_off_by_default(funded_home: Path) -> None:
    # On 2 cores they cost about 7% of flood throughput (docs/performance.md): opt in.
    node = NodeProcess(funded_home, free_port())
    try:
        node.start()
        assert _workers_of(node.pid) == set()
        assert httpx.get(node.url + "/health").status_code == 200
    finally:
        node.stop()


def test_regression_workers_not_restarted_when_the_node_group_is_signalled(
    funded_home: Path,
) -> None:
    # `timeout`, systemd and a terminal's Ctrl-C signal a whole process group: the
    # workers used to exit with it and the node started new ones while it stopped.
    port = free_port()
    log = funded_home / "group.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "originledger.server",
                "--home",
                str(funded_home),
                "--api",
                f"127.0.0.1:{port}",
                "--api-workers",
                "2",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/health"

        def ready() -> bool:
            try:
                return httpx.get(url, timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        assert _wait_until(ready, 60)
        workers = _workers_of(process.pid)
        assert len(workers) == 2
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert not any(_alive(pid) for pid in workers)
        assert "starting another" not in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_socket_directories_of_killed_nodes_are_removed(tmp_path: Path) -> None:
    """Regression: a node killed with SIGKILL left its ``origin-api-*`` socket directory
    behind; the next node's ``private_directory`` removes those whose process is gone."""
    from originledger.server.ingress import remove_stale_directories

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"origin-api-{dead.pid}-abc"
    stale.mkdir()
    (stale / "node.sock").write_text("")
    alive = tmp_path / f"origin-api-{os.getpid()}-def"
    alive.mkdir()
    other = tmp_path / "origin-api-notapid"
    other.mkdir()
    assert remove_stale_directories(tmp_path) == [stale]
    assert not stale.exists()
    assert alive.exists() and other.exists()
