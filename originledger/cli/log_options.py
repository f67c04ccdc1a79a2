"""``--log-level`` and ``--log-format``: the node's log (originledger/node/log.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from originledger.node.log import FORMAT_ENV, LEVEL_ENV, LEVELS, LOG_FORMATS, parse_level

__all__ = ["LogFormatOption", "LogLevelOption", "uvicorn_level"]


def _check_level(value: str) -> str:
    try:
        parse_level(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    return value.strip().lower()


def _check_format(value: str) -> str:
    if value.strip().lower() not in LOG_FORMATS:
        raise typer.BadParameter(f"one of {', '.join(LOG_FORMATS)}, not {value!r}")
    return value.strip().lower()


LogLevelOption = Annotated[
    str,
    typer.Option(
        "--log-level",
        envvar=LEVEL_ENV,
        metavar="|".join(LEVELS),
        callback=_check_level,
        help="The node's log on stderr: a line per block at info, warnings and errors above.",
    ),
]
LogFormatOption = Annotated[
    str,
    typer.Option(
        "--log-format",
        envvar=FORMAT_ENV,
        metavar="|".join(LOG_FORMATS),
        callback=_check_format,
        help="text, or json: one JSON object per line (time, level, logger, message, fields).",
    ),
]


def uvicorn_level(level: str) -> str:
    """The HTTP server's own log: its start-up chatter only at debug."""
    return level if level in ("debug", "error", "critical") else "warning"
