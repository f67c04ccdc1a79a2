"""The layers of docs/architecture.md, checked on every run.

The contracts live in pyproject.toml (``[tool.importlinter]``) and are checked by
import-linter, which reads every import of the package, also those inside functions and
under ``TYPE_CHECKING``: a lazy import is still an arrow. The layers contract is
exhaustive, so a new top-level package fails here until it is given its place.
Run by hand: ``lint-imports`` from the repository's root.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _LINT, "--no-cache", "pyproject.toml"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_imports_follow_the_layers() -> None:
    result = _lint_imports(ROOT)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Contracts: 5 kept, 0 broken." in report, report


def test_a_wrong_way_import_is_caught(tmp_path: Path) -> None:
    """The check has teeth: the same contracts on a copy of the package with one import
    that runs upward (core importing the CLI) fail and name the import."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "originledger",
        tmp_path / "originledger",
        ignore=shutil.ignore_patterns("__pycache__", "static"),
    )
    victim = tmp_path / "originledger" / "core" / "text.py"
    upward = "\n\ndef _upward() -> None:\n    import originledger.cli\n"
    victim.write_text(victim.read_text() + upward)
    result = _lint_imports(tmp_path)
    report = result.stdout + result.stderr
    assert result.returncode != 0, report
    assert "originledger.core.text -> originledger.cli" in report, report
