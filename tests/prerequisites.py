"""What the selected tests need beyond the Python packages: got before the first test runs.

Once collection has chosen the tests (after ``-k``, ``-m`` and ``--deselect``), each
prerequisite the chosen tests need is checked. What is missing is installed when this
machine allows it: Debian's ``chromium``, ``postgresql`` and ``zbar-tools`` with apt-get
as root (tests/debian.py); Go from apt when apt's Go is new enough; CometBFT and its
protobuf classes built with Go (``ensure_toolchain``, once per machine). Whatever is still
missing then stops the session before any test runs, naming the one command that
installs it all: a failure, never a skip.

A test needs a prerequisite through a fixture (``browser``, ``postgres``, ``toolchain``)
or a marker: ``@pytest.mark.needs("zbar-tools")``.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.debian import apt_install

__all__ = ["MARKER", "PREREQUISITES", "missing_prerequisites", "needed_by"]

MARKER = "needs"
GO_MINIMUM = (1, 22)
GO_RELEASE = "1.23.4"  # what the command below installs when no Go is new enough
Log = Callable[[str], None]
Missing = tuple[str, str]  # what is missing, and the command that installs it


@dataclass(frozen=True)
class Prerequisite:
    name: str
    what: str  # what it is for, in the message
    fixtures: frozenset[str]
    get: Callable[[Log], Missing | None]  # installs it if it can; None once it is there


def _sudo() -> str:
    return "" if os.geteuid() == 0 else "sudo "


def _apt_get(packages: str) -> str:
    return f"{_sudo()}apt-get install -y {packages}"


def _pip_command() -> str:
    return f"{sys.executable} -m pip install -e '.[test]'"


def _python_package(module: str) -> Callable[[Log], Missing | None]:
    def get(_: Log) -> Missing | None:
        if importlib.util.find_spec(module):
            return None
        return f"the Python module {module}", _pip_command()

    return get


def _debian(package: str, present: Callable[[], bool]) -> Callable[[Log], Missing | None]:
    def get(log: Log) -> Missing | None:
        if present():
            return None
        log(f"installing Debian's {package} with apt-get (the selected tests need it)")
        problem = apt_install(package, present)
        return None if problem is None else (problem, _apt_get(package))

    return get


def _postgres_present() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


# -- Go and CometBFT --------------------------------------------------------------------


def _go() -> str | None:
    found = shutil.which("go")
    return found or next((str(p) for p in (Path("/usr/local/go/bin/go"),) if p.exists()), None)


def _version(text: str) -> tuple[int, int] | None:
    match = re.search(r"(?:\d+:)?(?:go)?(\d+)\.(\d+)", text)
    return None if match is None else (int(match[1]), int(match[2]))


def _go_version(go: str) -> tuple[int, int] | None:
    try:
        done = subprocess.run(
            [go, "env", "GOVERSION"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _version(done.stdout.strip())


def _apt_go_is_new_enough() -> bool:
    """Whether apt would install a Go of at least GO_MINIMUM (Ubuntu 24.04, Debian 13;
    not Debian 12, whose golang-go is 1.19)."""
    if shutil.which("apt-cache") is None:
        return False
    done = subprocess.run(
        ["apt-cache", "policy", "golang-go"], capture_output=True, text=True, check=False
    )
    candidate = re.search(r"Candidate:\s*(\S+)", done.stdout)
    version = _version(candidate[1]) if candidate else None
    return version is not None and version >= GO_MINIMUM


def _go_command() -> str:
    arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())
    tarball = f"go{GO_RELEASE}.linux-{arch or platform.machine()}.tar.gz"
    return f"curl -fsSL https://go.dev/dl/{tarball} | {_sudo()}tar -C /usr/local -xz"


def _go_ready(log: Log) -> Missing | None:
    go = _go()
    if go is not None and (_go_version(go) or (0, 0)) >= GO_MINIMUM:
        return None
    if _apt_go_is_new_enough():
        installed = _debian("golang-go", lambda: _go() is not None)(log) is None
        if installed and (_go_version(_go() or "go") or (0, 0)) >= GO_MINIMUM:
            return None
        return "Go from apt-get (not root?)", _apt_get("golang-go")
    found = "no Go" if go is None else f"Go {_go_version(go)} at {go}"
    return f"Go {GO_MINIMUM[0]}.{GO_MINIMUM[1]} or newer (found {found})", _go_command()


def _toolchain(log: Log) -> Missing | None:
    """CometBFT and its protobuf classes, built with Go when they are not built yet."""
    from originledger.node.toolchain import ToolchainError, ensure_toolchain

    if importlib.util.find_spec("grpc_tools") is None:  # generates the protobuf classes
        return "the Python module grpc_tools (grpcio-tools)", _pip_command()
    try:
        ensure_toolchain(log)  # quick when built; Go is needed only to build
        return None
    except ToolchainError:
        missing_go = _go_ready(log)
        if missing_go is not None:
            return missing_go
    try:
        ensure_toolchain(log)
        return None
    except ToolchainError as error:  # Go is there: the Go module proxy, say
        return f"CometBFT, built with Go: {error}", "python3 -m originledger.cli.main net setup"


PREREQUISITES = (
    Prerequisite(
        "chromium",
        "the browser tests (tests/browser)",
        frozenset({"browser", "page"}),
        _debian("chromium", Path("/usr/bin/chromium").exists),
    ),
    Prerequisite(
        "postgresql",
        "the indexer's PostgreSQL tests",
        frozenset({"postgres"}),
        _debian("postgresql", _postgres_present),
    ),
    Prerequisite(
        "zbar-tools",
        "reading QR codes back (zbarimg)",
        frozenset(),
        _debian("zbar-tools", lambda: shutil.which("zbarimg") is not None),
    ),
    Prerequisite(
        "cometbft",
        "the network-mode tests (CometBFT v0.38.25, built with Go once into .tools/)",
        frozenset({"toolchain"}),
        _toolchain,
    ),
    Prerequisite(
        "playwright",
        "the browser tests",
        frozenset({"browser", "page"}),
        _python_package("playwright"),
    ),
    Prerequisite(
        "psycopg",
        "the indexer's PostgreSQL tests",
        frozenset({"postgres"}),
        _python_package("psycopg"),
    ),
    Prerequisite(
        "schemathesis",
        "the API fuzz test",
        frozenset(),
        _python_package("schemathesis"),
    ),
)


def needed_by(items: Iterable[pytest.Item]) -> dict[str, int]:
    """Each prerequisite the items need, with how many of them need it."""
    counts: dict[str, int] = {}
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        marked = {name for mark in item.iter_markers(MARKER) for name in mark.args}
        for prerequisite in PREREQUISITES:
            if prerequisite.name in marked or prerequisite.fixtures & fixtures:
                counts[prerequisite.name] = counts.get(prerequisite.name, 0) + 1
    return counts


def missing_prerequisites(items: Iterable[pytest.Item], log: Log) -> str | None:
    """Get what the items need; the message that stops the session, or None."""
    counts = needed_by(items)
    missing: list[tuple[Prerequisite, Missing, int]] = []
    for prerequisite in PREREQUISITES:
        if prerequisite.name in counts:
            found = prerequisite.get(log)
            if found is not None:
                missing.append((prerequisite, found, counts[prerequisite.name]))
    if not missing:
        return None
    lines = ["the selected tests need what this machine lacks; no test ran:"]
    for prerequisite, (problem, _), count in missing:
        tests = f"{count} test{'' if count == 1 else 's'}"
        lines.append(f"  - {prerequisite.name}, for {prerequisite.what}, {tests}: {problem}")
    commands = list(dict.fromkeys(command for _, (_, command), _ in missing))
    apt_prefix = _apt_get("")
    packages = [c.removeprefix(apt_prefix) for c in commands if c.startswith(apt_prefix)]
    steps = [c for c in commands if not c.startswith(apt_prefix)]
    if packages:
        steps.insert(0, apt_prefix + " ".join(packages))
    lines += ["run this, then the tests again:", "", "    " + " && ".join(steps), ""]
    return "\n".join(lines)
