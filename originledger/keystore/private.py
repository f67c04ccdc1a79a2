"""Private files and the passphrase's environment variable.

**Files** are written with mode 0600, whatever a previous file at the path (or a stale
temporary file) had: a fresh temporary file is created exclusively with 0600, set to 0600
again (``fchmod``, in case a umask or a filesystem widened it), written, synced, then renamed
over the target (:func:`write_private_file`). Keystores, the validator key and CometBFT's
key files are written this way.

**The passphrase** may come from ``$ORIGIN_PASSPHRASE``: a process that reads it takes it
out of its environment (:func:`pop_environment_passphrase`), and the child processes a
node starts get an environment without it (:func:`child_environment`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = [
    "PASSPHRASE_ENV",
    "child_environment",
    "pop_environment_passphrase",
    "write_private_file",
]


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600, never reusing the mode of an
    earlier file: opening an existing file with ``O_TRUNC`` keeps its old mode, so the
    text goes to a new temporary file (created exclusively) that replaces ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()  # a stale one from a crash: never write through its mode
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


PASSPHRASE_ENV = "ORIGIN_PASSPHRASE"


def pop_environment_passphrase() -> str | None:
    """``$ORIGIN_PASSPHRASE``, taken out of this process's environment, so that no child
    process started later inherits it (None when it is not set)."""
    return os.environ.pop(PASSPHRASE_ENV, None)


def child_environment() -> dict[str, str]:
    """This process's environment for a child process, without the passphrase."""
    return {name: value for name, value in os.environ.items() if name != PASSPHRASE_ENV}
