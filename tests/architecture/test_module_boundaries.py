"""Modules meet only in app.py: a module imports another module's data types and result
codes, nothing else; what it calls on another it declares in its ``expected.py`` (its
expected keepers), and app.py wires each expectation to the provider's public face."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import originledger.app  # noqa: F401  (importing it wires the modules)
from originledger.core.wiring import Slot, describe_slot, protocol_members
from originledger.modules.catalogue import DEFAULT_MODULES

ROOT = Path(__file__).resolve().parents[2] / "originledger"
MODULES = ROOT / "modules"
SHARED = {"types", "codes"}  # what a module may import of another
MODULE_NAMES = sorted(path.name for path in MODULES.iterdir() if (path / "__init__.py").exists())


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """Each import of ``path``: (line, module imported from, names imported)."""
    found: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((node.lineno, "." * node.level + (node.module or ""), []))
            else:
                found.append((node.lineno, node.module or "", [a.name for a in node.names]))
    return found


def _reach(owner: str, module: str, names: list[str]) -> str | None:
    """Why importing ``names`` from ``module`` inside module ``owner`` is not allowed."""
    if module.startswith("."):
        return "relative import"
    parts = module.split(".")
    if parts[0] != "originledger":
        return None
    if parts[1:2] == ["core"]:
        return None
    if parts[1:2] != ["modules"]:
        return f"{module} is above the modules layer"
    if len(parts) == 2:  # from originledger.modules import <name>
        others = [name for name in names if name != owner]
        return f"the packages {others} of other modules" if others else None
    if parts[2] == owner:
        return None
    if len(parts) == 3:
        behaviour = [name for name in names if name not in SHARED]
        return f"{behaviour} of {module}" if behaviour or not names else None
    return None if parts[3] in SHARED else f"{module} (internals of {parts[2]})"


@pytest.mark.parametrize("owner", MODULE_NAMES)
def test_modules_import_only_types_and_codes_of_other_modules(owner: str) -> None:
    breaches = [
        f"{path.relative_to(ROOT)}:{line}: {why}"
        for path in sorted((MODULES / owner).rglob("*.py"))
        for line, module, names in _imports(path)
        if (why := _reach(owner, module, names)) is not None
    ]
    assert breaches == []


def test_invalid_reach_is_seen() -> None:
    """The check itself: each way of reaching into another module is caught."""
    assert _reach("payments", "originledger.modules.assets.logic", ["move"]) is not None
    assert _reach("payments", "originledger.modules.assets.keys", ["balance_prefix"])
    assert _reach("payments", "originledger.modules.assets", ["balance_of"]) is not None
    assert _reach("payments", "originledger.modules.assets.public", ["move"]) is not None
    assert _reach("payments", "originledger.modules", ["assets"]) is not None
    assert _reach("payments", "originledger.app", ["Registry"]) is not None
    assert _reach("payments", "originledger.modules.assets", ["types"]) is None
    assert _reach("payments", "originledger.modules.assets.codes", ["AssetsCode"]) is None
    assert _reach("payments", "originledger.modules.payments.logic", ["swap"]) is None


def _slots() -> list[tuple[str, str, Slot]]:
    found: list[tuple[str, str, Slot]] = []
    for name in MODULE_NAMES:
        if not (MODULES / name / "expected.py").exists():
            continue
        expected = importlib.import_module(f"originledger.modules.{name}.expected")
        for attribute, value in vars(expected).items():
            if isinstance(value, Slot):
                found.append((name, attribute, value))
    return found


SLOTS = _slots()


def test_every_module_that_calls_another_declares_it() -> None:
    consumers = {name for name, _, _ in SLOTS}
    assert consumers == {"assets", "attest", "compliance", "payments", "clearing", "validators"}


@pytest.mark.parametrize(
    ("owner", "attribute", "slot"), SLOTS, ids=[f"{owner}.{name}" for owner, name, _ in SLOTS]
)
def test_every_expected_keeper_is_satisfied_by_what_app_wires(
    owner: str, attribute: str, slot: Slot
) -> None:
    consumer, protocol, provider = describe_slot(slot)
    assert consumer == owner
    assert provider is not None, f"app.py does not wire {owner}.{attribute}"
    assert inspect.ismodule(provider) and provider.__name__.endswith(".public")
    for member in protocol_members(protocol):
        expected = inspect.signature(getattr(protocol, member))
        parameters = list(expected.parameters.values())[1:]  # without self
        expected = expected.replace(parameters=parameters)
        given = inspect.signature(getattr(provider, member))
        assert str(given) == str(expected), f"{protocol.__name__}.{member}"
        assert getattr(slot, member) is getattr(provider, member)


def test_invalid_unwired_slot_names_what_is_missing() -> None:
    from typing import Protocol

    from originledger.core.wiring import NotWired, expect, fill

    class Needs(Protocol):
        def thing(self) -> int: ...

    slot = expect("demo", Needs)
    with pytest.raises(NotWired, match=r"demo expects Needs\.thing"):
        slot.thing()
    with pytest.raises(TypeError, match="does not provide"):
        fill(slot, object())


def test_only_app_wires_modules() -> None:
    callers = []
    for path in sorted(ROOT.rglob("*.py")):
        if path == ROOT / "app.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                function = node.func
                name = function.attr if isinstance(function, ast.Attribute) else None
                if isinstance(function, ast.Name):
                    name = function.id
                if name == "wire" or (name == "fill" and path.name != "__init__.py"):
                    callers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert callers == []


def test_default_modules_are_every_module() -> None:
    assert sorted(module.name for module in DEFAULT_MODULES) == MODULE_NAMES


def test_minting_is_a_capability_outside_every_public_face() -> None:
    from originledger.modules.assets import public, supply

    assert {"mint_to", "burn_from"} <= set(supply.__all__)
    for owner, _, slot in SLOTS:
        _, protocol, provider = describe_slot(slot)
        assert provider is not supply, f"app.py hands {owner} the supply capability"
        assert not {"mint_to", "burn_from"} & set(protocol_members(protocol))
    assert not {"mint_to", "burn_from"} & set(public.__all__)


def test_sdk_decodes_without_the_application() -> None:
    """The sdk reads transactions with the catalogue (core + modules), never app.py."""
    code = (
        "import sys, originledger.sdk.verify\n"
        "loaded = sorted(m for m in sys.modules if m == 'originledger.app')\n"
        "print(loaded)\n"
    )
    answer = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert answer.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("owner", "attribute", "slot"), SLOTS, ids=[f"{owner}.{name}" for owner, name, _ in SLOTS]
)
def test_expected_keepers_name_exactly_what_the_module_calls(
    owner: str, attribute: str, slot: Slot
) -> None:
    called: set[str] = set()
    for path in sorted((MODULES / owner).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == attribute
            ):
                called.add(node.attr)
    _, protocol, _ = describe_slot(slot)
    assert called == set(protocol_members(protocol))
