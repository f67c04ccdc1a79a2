"""Helpers for the tests of the `origin` command."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from originledger.cli import app

__all__ = ["PLAIN_ENV", "Cli", "DevNode", "free_port"]

# Plain, wide output: no colour codes or wrapping to trip the assertions.
PLAIN_ENV = {
    "NO_COLOR": "1",
    "FORCE_COLOR": None,
    "COLUMNS": "200",
    "ORIGIN_NODE": None,
    "ORIGIN_HOME": None,
    "ORIGIN_PASSPHRASE": None,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cli:
    """Runs `origin` in-process with a fixed environment."""

    env: dict[str, str | None]

    def __call__(self, *args: str, input: str | None = None, **env: str | None) -> Result:
        return CliRunner().invoke(app, list(args), env={**self.env, **env}, input=input)

    def json(self, *args: str, expect: int = 0, **env: str | None) -> Any:
        result = self(*args, "--json", **env)
        assert result.exit_code == expect, (result.stdout, result.stderr)
        return json.loads(result.stdout)


@dataclass
class DevNode:
    home: Path
    url: str
    addresses: dict[str, str]
    cli: Cli
