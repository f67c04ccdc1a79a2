"""Where CometBFT's pieces are built on this machine, at which version, and running Go.

Both the CometBFT binary (``node/toolchain.py``) and the protobuf classes
(``comet/protos.py``) come from the pinned CometBFT Go module, through the Go toolchain,
into one tools directory ``TOOLS``: ``$ORIGIN_TOOLS_DIR`` when set; else ``.tools/`` in a
repository checkout (gitignored); else ``~/.cache/originledger/tools``. A file lock
(:func:`tools_lock`) serializes concurrent setups of one tools directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = [
    "COMETBFT_MODULE",
    "COMETBFT_VERSION",
    "SETUP_HINT",
    "TOOLS_DIR_ENV",
    "Log",
    "ToolchainError",
    "quiet",
    "run_go",
    "tools_dir",
    "tools_lock",
]

COMETBFT_VERSION = "0.38.25"
COMETBFT_MODULE = "github.com/cometbft/cometbft"
TOOLS_DIR_ENV = "ORIGIN_TOOLS_DIR"
SETUP_HINT = "run `origin net setup` (it needs Go; see docs/network.md)"

Log = Callable[[str], None]


class ToolchainError(Exception):
    """A tool the network mode needs is missing, of the wrong version, or failed to build."""


def quiet(_: str) -> None:
    """A :data:`Log` that says nothing."""


def _repo_root() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / ".git").exists():
        return root
    return None


def tools_dir() -> Path:
    override = os.environ.get(TOOLS_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    root = _repo_root()
    if root is not None:
        return root / ".tools"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "originledger" / "tools"


@contextlib.contextmanager
def tools_lock() -> Iterator[None]:
    """Hold the tools directory's setup lock (one setup at a time per directory)."""
    directory = tools_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".setup.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _go() -> str:
    found = shutil.which("go") or next(
        (str(p) for p in (Path("/usr/local/go/bin/go"),) if p.exists()), None
    )
    if found is None:
        raise ToolchainError(
            "the Go toolchain is needed to build CometBFT and was not found on PATH "
            "(install Go 1.22 or newer, then run `origin net setup`)"
        )
    return found


def run_go(arguments: list[str], timeout_s: int, env: dict[str, str] | None = None) -> str:
    """``go ARGUMENTS`` (with ``env`` added to this environment); its standard output."""
    command = [_go(), *arguments]
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            env={**os.environ, **(env or {})},
        )
    except subprocess.TimeoutExpired as error:
        raise ToolchainError(f"`{' '.join(command)}` took more than {timeout_s} s") from error
    if completed.returncode != 0:
        raise ToolchainError(
            f"`{' '.join(command)}` failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
        )
    return completed.stdout
