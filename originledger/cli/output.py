"""Where a command's answer goes: JSON on stdout with --json, else Rich text."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

__all__ = ["Bar", "Output", "counted", "fields", "progress_bar"]


class Bar:
    """A long operation's progress for people: ``update(done)``, ``describe(text)``. The
    bar shows only on a terminal and never with --json; elsewhere its calls do nothing."""

    def __init__(self, progress: Progress | None = None, task: TaskID | None = None) -> None:
        self._progress = progress
        self._task = task

    def update(self, done: int, total: int | None = None) -> None:
        if self._progress is not None and self._task is not None:
            if total is not None:
                self._progress.update(self._task, total=total)
            self._progress.update(self._task, completed=done)

    def describe(self, text: str) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=text)


@contextmanager
def progress_bar(description: str, total: int | None, *, enabled: bool = True) -> Iterator[Bar]:
    """A Rich progress bar on stderr while the block runs (removed when it ends), when
    ``enabled`` and stderr is a terminal. ``total=None``: a pulsing bar and the time."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield Bar()
        return
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        *([MofNCompleteColumn(), TimeRemainingColumn()] if total is not None else []),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, transient=True) as progress:
        yield Bar(progress, progress.add_task(description, total=total))


class Output:
    """Where a command's result goes: JSON on stdout with --json, else Rich text."""

    def __init__(self, json_output: bool) -> None:
        self.json = json_output
        self.console = Console(highlight=False)

    @staticmethod
    def emit_json(data: Any) -> None:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        sys.stdout.flush()

    def result(self, data: Any, *renderables: RenderableType | str) -> None:
        """The command's answer: ``data`` as JSON, or the renderables for people."""
        if self.json:
            self.emit_json(data)
        else:
            for renderable in renderables:
                self.console.print(renderable)

    def progress(self, description: str, total: int | None = None) -> AbstractContextManager[Bar]:
        """A progress bar on stderr for a long operation (not with --json, not off a
        terminal): ``with out.progress("replaying", total=n) as bar: bar.update(i)``."""
        return progress_bar(description, total, enabled=not self.json)

    def say(self, text: RenderableType | str) -> None:
        """A line for people only (progress, hints); silent with --json."""
        if not self.json:
            self.console.print(text)


def counted(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and the noun in the number it needs: "1 block", "2 blocks", "0 blocks"
    (``nouns`` when the plural is not ``noun + "s"``)."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


def fields(rows: Iterable[tuple[str, object]]) -> Table:
    """Label/value rows; values are shown as plain text (never as markup)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in rows:
        table.add_row(label, value if isinstance(value, Text) else Text(str(value)))
    return table
