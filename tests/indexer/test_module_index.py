"""Each module owns how its events are indexed (``modules/<m>/index.py``): every event a
module declares has an index handler or is listed as deliberately not indexed, each
handler is typed on its own event struct (so renaming a field is a type error mypy
reports, not a silent miss in the indexer), and every effect a handler can return is one
the indexer applies."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from originledger.app import DEFAULT_MODULES
from originledger.core.index import IndexEffect, ModuleIndex
from originledger.core.module import Module
from originledger.indexer import BlockData, EventData, Indexer, StoreSource, open_engine
from originledger.indexer.effects import APPLY
from originledger.modules.accounts.codes import AccountsCode
from originledger.modules.accounts.index import created
from originledger.modules.accounts.types import AccountCreated, MultisigCreated

from .conftest import Workload, dump, new_node

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", DEFAULT_MODULES, ids=lambda module: module.name)
def test_every_event_is_indexed_or_listed_as_not_indexed(module: Module) -> None:
    assert module.index is not None, f"{module.name} declares no index (modules/<m>/index.py)"
    handled, left_out = set(module.index.handlers), set(module.index.not_indexed)
    assert handled.isdisjoint(left_out)
    missing = [kind.__name__ for kind in module.events if kind not in handled | left_out]
    assert missing == [], f"{module.name}: neither indexed nor listed as not indexed"


@pytest.mark.parametrize("module", DEFAULT_MODULES, ids=lambda module: module.name)
def test_index_handlers_take_their_own_typed_event(module: Module) -> None:
    assert module.index is not None
    for kind, handler in module.index.handlers.items():
        hints = typing.get_type_hints(handler)
        (parameter,) = (name for name in hints if name != "return")
        assert hints[parameter] is kind, f"{handler.__name__} is typed on {hints[parameter]}"
        assert hints["return"] == list[IndexEffect]


def test_every_effect_type_is_applied() -> None:
    assert set(IndexEffect.__subclasses__()) == set(APPLY)


def test_invalid_index_of_events_the_module_does_not_declare() -> None:
    def module(index: ModuleIndex) -> Module:
        return Module("accounts", 1, AccountsCode, {}, events=(MultisigCreated,), index=index)

    with pytest.raises(ValueError, match="does not declare"):
        module(ModuleIndex({AccountCreated: created}))
    with pytest.raises(ValueError, match="twice"):
        module(ModuleIndex({}, (MultisigCreated, MultisigCreated)))
    assert module(ModuleIndex({}, (MultisigCreated,))).index is not None


def test_renaming_an_event_field_is_a_type_error(tmp_path: Path) -> None:
    """A copy of the assets module's events and index handlers, with one field of
    ``Transferred`` renamed: mypy (which the style test runs on every module) reports the
    handler that still reads the old name."""
    package = tmp_path / "renamed_assets"
    package.mkdir()
    (package / "__init__.py").write_text("")
    assets = ROOT / "originledger" / "modules" / "assets"
    types_text, renamed = re.subn(
        r"(class Transferred\(Event.*?\n    symbol: str\n    )sender:",
        r"\1source:",
        (assets / "types.py").read_text(),
        flags=re.DOTALL,
    )
    assert renamed == 1
    (package / "types.py").write_text(types_text)
    index_text = (assets / "index.py").read_text()
    index_text = index_text.replace(
        "from originledger.modules.assets import types", "from renamed_assets import types"
    )
    (package / "index.py").write_text(index_text)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(package / "index.py")],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": f"{ROOT}{os.pathsep}{tmp_path}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout
    assert "index.py" in errors[0] and '"Transferred" has no attribute "sender"' in errors[0]


class _JsonOnly:
    """A source handing over events in their JSON form only (as ``HttpSource`` does)."""

    def __init__(self, source: StoreSource) -> None:
        self.source = source

    def chain_id(self) -> str:
        return self.source.chain_id()

    def genesis_height(self) -> int:
        return self.source.genesis_height()

    def latest_height(self) -> int:
        return self.source.latest_height()

    def block(self, height: int) -> BlockData | None:
        block = self.source.block(height)
        if block is None:
            return None
        events = [EventData(e.seq, e.tx_index, e.type, e.data) for e in block.events]
        return BlockData(
            block.chain_id, block.height, block.hash, block.time_ms, block.proposer,
            block.state_root, block.txs, events,
        )  # fmt: skip


def test_typed_and_json_events_index_the_same() -> None:
    node = new_node()
    try:
        Workload(node, seed=11).run(blocks=12)
        source = StoreSource(node.store, node.app.registry)
        typed = Indexer(open_engine("sqlite://"), source)
        decoded = Indexer(open_engine("sqlite://"), _JsonOnly(source))
        assert typed.catch_up() == decoded.catch_up() == node.store.latest_height() + 1
        tables = dump(typed.engine)
        assert tables == dump(decoded.engine)
        assert tables["ix_transfers"] and tables["ix_holds"] and not tables["ix_failures"]
    finally:
        node.stop()
        node.store.close()
