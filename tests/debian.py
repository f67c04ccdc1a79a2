"""Debian packages that some tests need, installed with apt-get when they are missing.

A fresh CI machine has none of them; before the first test, tests/prerequisites.py
installs those the selected tests use (idempotent: a package already there costs nothing)
and, when one truly cannot be installed (no apt-get, not root, no network to Debian's
mirrors), stops the session naming the command that installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

APT_TIMEOUT_S = 900


def apt_install(package: str, present: Callable[[], bool]) -> str | None:
    """Install ``package`` unless ``present()``; None once it is there, else why not."""
    if present():
        return None
    if shutil.which("apt-get") is None:
        return f"apt-get is not available to install Debian's {package}"
    if os.geteuid() != 0:
        return f"not root: cannot apt-get install {package}"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Try without refreshing the package lists first; refresh them once if that fails.
    for command in (["apt-get", "install", "-y", "-q", package], ["apt-get", "update", "-q"]):
        subprocess.run(command, env=env, capture_output=True, timeout=APT_TIMEOUT_S, check=False)
        if present():
            return None
    done = subprocess.run(
        ["apt-get", "install", "-y", "-q", package],
        env=env,
        capture_output=True,
        text=True,
        timeout=APT_TIMEOUT_S,
        check=False,
    )
    return None if present() else f"apt-get install {package} failed: {done.stderr[-500:]}"
