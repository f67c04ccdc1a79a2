"""docs/cli.md's reference: the real ``--help`` of every ``origin`` command.

``python3 -m tests.docs.cli_docs --write`` (from the repository root) rewrites everything
below the marker line of docs/cli.md from ``origin ... --help``; the prose above the marker
is written by hand and kept. ``tests/docs/test_cli_docs.py`` fails when the file is stale.
Help is rendered as a terminal of :data:`WIDTH` columns without colour, so the file is the
same on every machine.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
import typer.rich_utils
from typer.testing import CliRunner

from originledger.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
CLI_MD = ROOT / "docs" / "cli.md"
WIDTH = 100
REGENERATE = "python3 -m tests.docs.cli_docs --write"
MARKER = (
    f"<!-- Generated below by `{REGENERATE}` from each command's --help: "
    "change the commands' help, not this part. -->"
)


def command_paths() -> list[list[str]]:
    """Every command and group, depth first, in the order ``--help`` lists them."""

    def walk(command: Any, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in getattr(command, "commands", {}).items():
            if not getattr(sub, "hidden", False):
                yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


@contextmanager
def _plain_terminal() -> Iterator[None]:
    """A colourless terminal of WIDTH columns, whatever this process's environment says."""
    names = ("MAX_WIDTH", "FORCE_TERMINAL", "COLOR_SYSTEM")
    saved = {name: getattr(typer.rich_utils, name) for name in names}
    typer.rich_utils.MAX_WIDTH = WIDTH
    typer.rich_utils.FORCE_TERMINAL = False
    typer.rich_utils.COLOR_SYSTEM = None
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(typer.rich_utils, name, value)


def help_text(path: list[str]) -> str:
    """What ``origin PATH --help`` prints, trailing spaces removed."""
    return _help(tuple(path))


@functools.cache
def _help(path: tuple[str, ...]) -> str:
    env = {"COLUMNS": str(WIDTH), "LINES": "50", "TERM": "dumb", "NO_COLOR": "1"}
    with _plain_terminal():
        result = CliRunner().invoke(app, [*path, "--help"], env=env, prog_name="origin")
    if result.exit_code != 0:
        raise RuntimeError(f"origin {' '.join(path)} --help exited {result.exit_code}")
    lines = [line.rstrip() for line in result.output.splitlines()]
    return "\n".join(lines).strip("\n")


def reference() -> str:
    """The generated part: one section per command."""
    parts = []
    for path in command_paths():
        name = " ".join(["origin", *path])
        parts.append(f"### `{name}`\n\n```text\n$ {name} --help\n{help_text(path)}\n```\n")
    return "\n".join(parts)


def render(current: str) -> str:
    """``current`` (docs/cli.md) with its generated part brought up to date."""
    head, found, _ = current.partition(MARKER)
    if not found:
        raise ValueError(f"docs/cli.md lacks the marker line {MARKER!r}")
    return f"{head}{MARKER}\n\n{reference()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite docs/cli.md")
    arguments = parser.parse_args(argv)
    current = CLI_MD.read_text()
    fresh = render(current)
    if arguments.write:
        CLI_MD.write_text(fresh)
        print(f"wrote {CLI_MD.relative_to(ROOT)} ({len(command_paths())} commands)")
        return 0
    if fresh != current:
        print(f"docs/cli.md is stale: run `{REGENERATE}`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
