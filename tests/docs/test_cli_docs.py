"""docs/cli.md's reference is the real --help of every command, kept fresh; help shows
no Python type names, and counts agree with their nouns."""

from __future__ import annotations

import re

from originledger.cli.output import counted
from tests.docs import cli_docs


def test_cli_md_reference_is_the_current_help() -> None:
    current = cli_docs.CLI_MD.read_text()
    assert cli_docs.render(current) == current, f"docs/cli.md is stale: run `{cli_docs.REGENERATE}`"


def test_every_command_is_in_the_reference() -> None:
    text = cli_docs.CLI_MD.read_text()
    for path in cli_docs.command_paths():
        assert f"### `{' '.join(['origin', *path])}`" in text


def test_help_names_no_python_types() -> None:
    for path in cli_docs.command_paths():
        shown = cli_docs.help_text(path)
        assert not re.search(r"<(bool|str|int|float|path)>|\{[a-z_]+\}", shown), path


def test_counted_nouns_agree_with_their_number() -> None:
    assert counted(1, "block") == "1 block"
    assert counted(0, "block") == "0 blocks"
    assert counted(2, "entry", "entries") == "2 entries"
    assert counted(1234, "block") == "1,234 blocks"
