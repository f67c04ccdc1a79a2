"""Where a command's answer goes: JSON on stdout with --json, else Rich text."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

__all__ = ["Output", "counted", "fields"]


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
