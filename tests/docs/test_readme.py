"""The README's first two commands are what a newcomer pastes: they must make their own
virtual environment (a stock Debian/Ubuntu python3 refuses pip installs, PEP 668), say the
Python they need, and `.ci/run` must run exactly the test one."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _first_commands() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None, "README.md starts with no sh block"
    commands = {}
    for line in block.group(1).splitlines():
        command, _, comment = line.partition("#")
        commands[comment.strip().split(":")[0]] = command.strip()
    return commands


def test_readme_first_commands_run_and_test_in_a_virtual_environment() -> None:
    commands = _first_commands()
    assert set(commands) == {"run", "test"}
    for command in commands.values():
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
        assert " pip install" not in command.replace(".venv/bin/pip install", "")
    assert commands["run"].endswith(".venv/bin/origin demo")
    assert commands["test"].endswith(".venv/bin/python -m pytest -q")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    lines = [line for line in script.splitlines() if line and not line.startswith("#")]
    assert _first_commands()["test"] in lines


def test_readme_states_the_minimum_python() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    minimum = project["requires-python"].removeprefix(">=")
    head = (ROOT / "README.md").read_text()[:2000]
    assert f"Python {minimum} or newer" in head
