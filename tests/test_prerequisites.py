"""The suite's prerequisites (tests/prerequisites.py): what the selected tests need is
found from their fixtures and markers, and what is missing stops the session before any
test runs, naming the one command that installs it all."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests import prerequisites

ROOT = Path(__file__).resolve().parents[1]


class FakeItem:
    def __init__(self, fixtures: tuple[str, ...] = (), needs: tuple[str, ...] = ()) -> None:
        self.fixturenames = fixtures
        self._marks = [SimpleNamespace(args=needs)] if needs else []

    def iter_markers(self, name: str) -> list[Any]:
        return self._marks if name == prerequisites.MARKER else []


def _missing(*names: str) -> tuple[prerequisites.Prerequisite, ...]:
    def fake(prerequisite: prerequisites.Prerequisite) -> prerequisites.Prerequisite:
        if prerequisite.name not in names:
            return dataclasses.replace(prerequisite, get=lambda log: None)
        command = {
            "chromium": prerequisites._apt_get("chromium"),
            "zbar-tools": prerequisites._apt_get("zbar-tools"),
            "cometbft": prerequisites._go_command(),
        }.get(prerequisite.name, prerequisites._pip_command())
        return dataclasses.replace(prerequisite, get=lambda log: ("not here", command))

    return tuple(fake(prerequisite) for prerequisite in prerequisites.PREREQUISITES)


def test_needs_come_from_fixtures_and_markers() -> None:
    items = [
        FakeItem(("browser", "page")),
        FakeItem(("page",)),
        FakeItem(("toolchain", "tmp_path")),
        FakeItem(needs=("zbar-tools",)),
        FakeItem(("tmp_path",)),
    ]
    assert prerequisites.needed_by(items) == {  # type: ignore[arg-type]
        "chromium": 2,
        "playwright": 2,
        "cometbft": 1,
        "zbar-tools": 1,
    }


def test_nothing_needed_nothing_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prerequisites, "PREREQUISITES", _missing("chromium", "cometbft"))
    assert prerequisites.missing_prerequisites([FakeItem(("tmp_path",))], print) is None  # type: ignore[list-item]


def test_missing_ones_are_named_with_one_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        prerequisites, "PREREQUISITES", _missing("chromium", "zbar-tools", "cometbft")
    )
    items = [FakeItem(("browser",)), FakeItem(needs=("zbar-tools",)), FakeItem(("toolchain",))]
    message = prerequisites.missing_prerequisites(items, print)  # type: ignore[arg-type]
    assert message is not None
    assert "chromium, for the browser tests (tests/browser), 1 test: not here" in message
    assert "playwright" not in message  # present
    commands = [line.strip() for line in message.splitlines() if "apt-get install" in line]
    assert commands == [
        prerequisites._apt_get("chromium zbar-tools") + " && " + prerequisites._go_command()
    ]


def test_a_missing_prerequisite_stops_the_session_before_any_test() -> None:
    """The real hook: the QR test needs zbar-tools, made missing here."""
    code = (
        "import dataclasses, sys, pytest\n"
        "from tests import prerequisites as p\n"
        "p.PREREQUISITES = tuple(dataclasses.replace(x, get=lambda log: "
        "('cannot', p._apt_get('zbar-tools'))) if x.name == 'zbar-tools' else x "
        "for x in p.PREREQUISITES)\n"
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', "
        "'tests/sdk/test_payments_sdk.py']))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert prerequisites._apt_get("zbar-tools") in done.stdout
    assert "no test ran" in done.stdout and " passed" not in done.stdout
