"""House style that a machine can check: ruff (lint and format) on the whole tree and
mypy --strict on the pure layers (the strictness is set in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_ruff_lint_and_format_clean() -> None:
    lint = _run("ruff", "check", "--output-format", "concise", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatting = _run("ruff", "format", "--check", ".")
    assert formatting.returncode == 0, formatting.stdout + formatting.stderr


def test_mypy_strict_on_pure_layers() -> None:
    result = _run("mypy", "originledger/core", "originledger/modules", "originledger/app.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
