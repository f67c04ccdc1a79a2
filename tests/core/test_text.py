"""Consensus text rules: explicit code point rules, the same verdict on every Python."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.text import (
    FREE_TEXT_REFUSED_RANGES,
    ascii_lower,
    has_edge_space,
    is_ascii_digits,
    is_ascii_printable,
    is_free_text,
)
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.types import Issue
from originledger.modules.compliance.rules import find_restricted_term

ROOT = Path(__file__).resolve().parents[2]

# Characters whose Unicode properties differ between the Pythons a validator may run:
# U+1F6DC (wireless, Unicode 15: unassigned on 3.11, a symbol on 3.12), U+1FAE8 (shaking
# face, Unicode 15), U+31350 (a CJK ideograph of Unicode 15), U+11F00 (Kawi sign, Unicode
# 15), U+0CF3 (a Kannada sign, Unicode 15).
CHANGED_CHARACTERS = ["\U0001f6dc", "\U0001fae8", "\U00031350", "\U00011f00", "\u0cf3"]

# str methods whose answer reads the interpreter's Unicode database.
UNICODE_DEPENDENT_METHODS = frozenset(
    {
        "isprintable",
        "isalnum",
        "isalpha",
        "isdigit",
        "isdecimal",
        "isnumeric",
        "isidentifier",
        "isspace",
        "islower",
        "isupper",
        "istitle",
        "lower",
        "upper",
        "casefold",
        "title",
        "capitalize",
        "swapcase",
        "splitlines",
    }
)
# Without arguments these split or strip on Unicode whitespace.
WHITESPACE_DEFAULT_METHODS = frozenset({"strip", "lstrip", "rstrip", "split", "rsplit"})
UNICODE_DEPENDENT_PATTERN = re.compile(r"\\[wWdDsSb]|\(\?[a-zA-Z]*i")


def _consensus_files() -> list[Path]:
    """core/ and modules/: the pure layers every validator runs. ``queries.py`` files are
    left out: they answer reads and write no state, so they cannot split the chain (their
    parsing of numbers from outside is the API's one strict parser's concern)."""
    files = sorted((ROOT / "originledger" / "core").rglob("*.py"))
    files += sorted((ROOT / "originledger" / "modules").rglob("*.py"))
    return [path for path in files if path.name != "queries.py"]


def _unicode_dependent_calls(paths: list[Path] | None = None) -> list[str]:
    found: list[str] = []
    for path in _consensus_files() if paths is None else paths:
        tree = ast.parse(path.read_text(), str(path))
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names]
                module = node.module if isinstance(node, ast.ImportFrom) else None
                if "unicodedata" in names or module == "unicodedata":
                    found.append(f"{where}:{node.lineno}: imports unicodedata")
            called = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            if called and node.func.attr in UNICODE_DEPENDENT_METHODS:
                found.append(f"{where}:{node.lineno}: .{node.func.attr}()")
            if (  # str.isdigit passed as a function
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "str"
                and node.attr in UNICODE_DEPENDENT_METHODS | WHITESPACE_DEFAULT_METHODS
            ):
                found.append(f"{where}:{node.lineno}: str.{node.attr}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WHITESPACE_DEFAULT_METHODS
                and not node.args
                and not node.keywords
            ):
                found.append(f"{where}:{node.lineno}: .{node.func.attr}() on Unicode whitespace")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"IGNORECASE", "I", "UNICODE"}
                and isinstance(node.value, ast.Name)
                and node.value.id == "re"
            ):
                found.append(f"{where}:{node.lineno}: re.{node.attr}")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and UNICODE_DEPENDENT_PATTERN.search(node.value)
            ):
                found.append(f"{where}:{node.lineno}: a regex class that reads Unicode")
    return found


def _issue(name: str) -> Issue:
    return Issue(Address(bytes(20)), "ABC", name, 2, "utility", Amount(1000))


@pytest.mark.parametrize("character", CHANGED_CHARACTERS)
def test_regression_text_rules_do_not_depend_on_unicode_version(character: str) -> None:
    # The verdicts are fixed numbers, whatever this interpreter's Unicode database says.
    assert is_free_text(f"Wireless {character} token") is True
    assert is_ascii_printable(character) is False
    assert ascii_lower(f"A{character}Z") == f"a{character}z"
    assert _issue(f"Net {character}").validate() is None
    # ... and no consensus code asks the interpreter's Unicode database.
    assert _unicode_dependent_calls() == []


def test_regression_text_scan_sees_a_unicode_dependent_call(tmp_path: Path) -> None:
    # The scan bites: a validate() written with str.isprintable is reported.
    source = "def validate(name: str) -> bool:\n    return name.isprintable()\n"
    (tmp_path / "sample.py").write_text(source)
    assert _unicode_dependent_calls([tmp_path / "sample.py"]) == [
        f"{tmp_path / 'sample.py'}:2: .isprintable()"
    ]
    assert UNICODE_DEPENDENT_PATTERN.search(r"[\w-]+")
    assert not UNICODE_DEPENDENT_PATTERN.search(r"[A-Za-z0-9._-]{1,32}")


@pytest.mark.parametrize(
    "text",
    [
        "nul\x00",
        "tab\there",
        "line\nbreak",
        "del\x7f",
        "c1\x85",
        "c1\x9f",
        "override\u202egnp.exe",
        "isolate\u2066",
        "zero\u200bwidth",
        "bom\ufeff",
        "separator\u2028",
        "nonchar\ufdd0",
        "nonchar\uffff",
        "plane\U0001fffe",
        "surrogate\ud800",
    ],
)
def test_invalid_free_text_controls_and_invisibles(text: str) -> None:
    assert is_free_text(text) is False


def test_invalid_asset_name_with_nul_or_override() -> None:
    for name in ["Bad\x00Name", "Bad\u202eName", "Bad\x85Name"]:
        failure = _issue(name).validate()
        assert failure is not None
        assert failure.code == AssetsCode.INVALID_NAME


@pytest.mark.parametrize("text", ["plain", "Grüße", "日本円", "emoji 🙂", "a\u00a0b", ""])
def test_free_text_accepts_letters_of_every_script(text: str) -> None:
    assert is_free_text(text) is True


def test_free_text_refused_ranges_are_sorted_and_disjoint() -> None:
    previous_high = -1
    for low, high in FREE_TEXT_REFUSED_RANGES:
        assert previous_high < low <= high <= sys.maxunicode
        previous_high = high


def test_ascii_predicates_refuse_other_scripts() -> None:
    assert is_ascii_digits("0123456789")
    assert not is_ascii_digits("")
    assert not is_ascii_digits("²")
    assert not is_ascii_digits("١٢")  # Arabic-Indic digits, which int() would read
    assert is_ascii_printable(" ~Az09")
    assert not is_ascii_printable("é")
    assert ascii_lower("ÀBC") == "Àbc"
    assert has_edge_space(" a") and has_edge_space("a\u3000") and not has_edge_space("a b")


def test_restricted_terms_match_ascii_words_only() -> None:
    terms = ["stablecoin"]
    assert find_restricted_term("Euro Stablecoins", terms) == "stablecoin"
    assert find_restricted_term("EuroStablecoin", terms) == "stablecoin"
    assert find_restricted_term("Unstablecoin", terms) is None
    # Case folding is ASCII only: a Kelvin sign or a dotted capital I is not a letter here.
    assert find_restricted_term("\u212a", ["k"]) is None
    assert find_restricted_term("\u0130nvest", ["invest"]) is None
