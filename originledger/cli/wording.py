"""Words for people: the type column of ``--help`` (plurals: ``cli/output.counted``).

Typer (0.29 and later) labels every parameter in ``--help`` with its Python type:
``--json <bool>`` for a flag, which takes no value, and ``address <str>`` for text, and
writes a required argument ``{address}`` in the usage line. :func:`readable_help_types`
shows nothing for a flag, click's words for the rest (``TEXT``, ``INTEGER``, ``PATH``) and
``ADDRESS`` (``[HEIGHT]`` when optional) in the usage line; a ``metavar`` always wins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer.core

__all__ = ["readable_help_types"]

_WORDS = {"str": "TEXT", "int": "INTEGER", "int range": "INTEGER", "float": "FLOAT"}


def _readable(label: str | None) -> str | None:
    if label is None or not (label.startswith("<") and ">" in label):
        return label
    inner, _, rest = label[1:].partition(">")
    word = _WORDS.get(inner, inner.upper() if inner.replace(" ", "").isalpha() else inner)
    return word + rest


def _wrap(original: Callable[..., str | None]) -> Callable[..., str | None]:
    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if getattr(self, "metavar", None) is None and getattr(self, "is_flag", False):
            return None
        return _readable(original(self, ctx))

    display_type_rich.__wrapped__ = original  # type: ignore[attr-defined]
    return display_type_rich


def _usage_name(self: Any) -> str:
    name = self.metavar if self.metavar is not None else self.name.upper()
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


def readable_help_types() -> None:
    """Install the readable type column and usage names (idempotent)."""
    for cls in (typer.core.TyperOption, typer.core.TyperArgument):
        current = getattr(cls, "display_type_rich", None)  # Typer before 0.29 has none
        if current is not None and not hasattr(current, "__wrapped__"):
            cls.display_type_rich = _wrap(current)  # type: ignore[method-assign]
    if hasattr(typer.core.TyperArgument, "_usage_display_name"):  # Typer 0.29's usage line
        typer.core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]
