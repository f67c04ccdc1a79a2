"""The network mode's toolchain: the pinned CometBFT binary, and setting up all of it.

Both are built on this machine, from the Go module proxy, by ``origin net setup`` (and by
the test suite's session fixture, through the same function, :func:`ensure_toolchain`):

- ``cometbft`` is ``go install``-ed at exactly :data:`COMETBFT_VERSION` into
  ``TOOLS/bin`` (here). ``@latest`` would give v1.x, whose ABCI wire format differs.
- The Python protobuf classes are generated from CometBFT's own ``.proto`` files
  (``comet/protos.py``, which owns CometBFT's wire format).

``TOOLS`` and running Go are ``comet/tools.py``'s. Every step is idempotent: a binary that
reports the pinned version, and generated code whose stamp names the same versions, are
kept as they are. A file lock serializes concurrent setups of one tools directory.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from originledger.comet.protos import generate_protos
from originledger.comet.tools import (
    COMETBFT_MODULE,
    COMETBFT_VERSION,
    SETUP_HINT,
    Log,
    ToolchainError,
    quiet,
    run_go,
    tools_dir,
    tools_lock,
)

__all__ = [
    "COMETBFT_ENV",
    "check_cometbft",
    "cometbft_path",
    "cometbft_version",
    "ensure_toolchain",
    "install_cometbft",
]

COMETBFT_ENV = "ORIGIN_COMETBFT"  # an explicit binary, checked like the installed one
_GO_INSTALL_TIMEOUT_S = 1_800


def cometbft_path() -> Path:
    explicit = os.environ.get(COMETBFT_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return tools_dir() / "bin" / "cometbft"


def cometbft_version(path: Path) -> str | None:
    """What ``path version`` prints, or None when it does not run."""
    try:
        completed = subprocess.run(
            [str(path), "version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout.strip() or None


def check_cometbft() -> Path:
    """The CometBFT binary, after checking that it is the pinned version."""
    path = cometbft_path()
    if not path.exists():
        raise ToolchainError(f"CometBFT is not installed at {path}: {SETUP_HINT}")
    version = cometbft_version(path)
    if version is None:
        raise ToolchainError(f"{path} does not run (`{path} version` failed): {SETUP_HINT}")
    if version != COMETBFT_VERSION:
        raise ToolchainError(
            f"{path} is CometBFT {version}, Origin needs exactly {COMETBFT_VERSION}: {SETUP_HINT}"
        )
    return path


def install_cometbft(log: Log = quiet) -> Path:
    """``go install`` the pinned CometBFT into ``TOOLS/bin``, unless it is already there."""
    path = cometbft_path()
    if cometbft_version(path) == COMETBFT_VERSION:
        return path
    if os.environ.get(COMETBFT_ENV):
        raise ToolchainError(
            f"{COMETBFT_ENV}={path} is not CometBFT {COMETBFT_VERSION}; unset it to let "
            "`origin net setup` build one"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    log(f"building CometBFT v{COMETBFT_VERSION} with Go (a few minutes, once)")
    run_go(
        ["install", f"{COMETBFT_MODULE}/cmd/cometbft@v{COMETBFT_VERSION}"],
        _GO_INSTALL_TIMEOUT_S,
        {"GOBIN": str(path.parent)},
    )
    return check_cometbft()


def ensure_toolchain(log: Log = quiet) -> Path:
    """Everything the network mode needs, built when missing; returns the CometBFT binary."""
    with tools_lock():
        path = install_cometbft(log)
        generate_protos(log)
    return path
