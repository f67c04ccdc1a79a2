"""Docs are part of the product: every message, event, result code and query of every
module is in that module's README, and every envelope code is in docs/api.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from originledger.app import DEFAULT_MODULES
from originledger.core.codes import TxCode

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", DEFAULT_MODULES, ids=lambda m: m.name)
def test_module_readme_documents_everything(module) -> None:
    readme = ROOT / "originledger" / "modules" / module.name / "README.md"
    text = readme.read_text()
    missing = []
    for kind in module.handlers:
        if f"`{kind.__struct_config__.tag}`" not in text:
            missing.append(f"message {kind.__struct_config__.tag}")
    for kind in module.events:
        if f"`{kind.__struct_config__.tag}`" not in text:
            missing.append(f"event {kind.__struct_config__.tag}")
    for code in module.codes:
        if f"| {int(code)} | `{code.name}` | {code.message} |" not in text:
            missing.append(f"code {code.name} ({int(code)}) with its message")
    for name in module.queries:
        if f"`{name}" not in text:
            missing.append(f"query {name}")
    for name in [*module.invariants, *module.block_invariants]:
        if f"`{name}`" not in text:
            missing.append(f"invariant {name}")
    assert not missing, f"{readme} lacks: {missing}"


def test_api_doc_lists_envelope_codes() -> None:
    text = (ROOT / "docs" / "api.md").read_text()
    missing = [code.name for code in TxCode if f"| {int(code)} | `{code.name}` |" not in text]
    assert not missing, f"docs/api.md lacks tx codes {missing}"
