"""The policy packs shipped as JSON files: they load, validate and cite their sources;
a malformed pack file is refused with a clear error; ``origin init`` puts them in
genesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from originledger.modules.compliance.types import pack_problem
from originledger.node.home import init_home
from originledger.policies import (
    PACKS_DIRECTORY,
    SHIPPED_PACKS,
    PolicyError,
    load_pack,
    load_packs,
    parse_pack,
)

REFERENCE = Path("/work/shared/reference")


@pytest.mark.parametrize("jurisdiction", SHIPPED_PACKS)
def test_shipped_pack_loads_and_cites(jurisdiction: str) -> None:
    pack = load_pack(jurisdiction)
    assert pack.jurisdiction == jurisdiction and pack_problem(pack) is None
    for rule in pack.rules:
        assert rule.id.startswith(jurisdiction + "-")
        assert rule.cites.document and rule.cites.section and len(rule.cites.quote) > 20


@pytest.mark.skipif(not REFERENCE.exists(), reason="the reference texts are not on this machine")
@pytest.mark.parametrize("jurisdiction", SHIPPED_PACKS)
def test_shipped_pack_quotes_are_in_the_reference_texts(jurisdiction: str) -> None:
    texts = " ".join(path.read_text() for path in REFERENCE.glob("*.txt"))
    flat = " ".join(texts.split())
    for rule in load_pack(jurisdiction).rules:
        for fragment in rule.cites.quote.split(" ... "):
            assert " ".join(fragment.split()) in flat, (rule.id, fragment)


def test_load_packs_default_and_by_path(tmp_path: Path) -> None:
    assert [pack.jurisdiction for pack in load_packs()] == ["CN", "HK", "US"]
    copy = tmp_path / "mine.json"
    copy.write_bytes((PACKS_DIRECTORY / "hk.json").read_bytes())
    assert load_packs([copy])[0].jurisdiction == "HK"
    assert load_packs([]) == []


def _document() -> dict:
    return json.loads((PACKS_DIRECTORY / "hk.json").read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("rules"), "rules"),
        (lambda d: d["rules"][0].update(kind="ban"), "kind"),
        (lambda d: d["rules"][0].pop("cites"), "cites"),
        (lambda d: d["rules"][0].update(colour="red"), "colour"),
        (lambda d: d["rules"].append(d["rules"][0]), "repeated"),
        (lambda d: d["rules"][0].update(classes=["bonds"]), "classes"),
        (lambda d: d["rules"][4].update(pegs=["hkd"]), "pegs"),
        (lambda d: d.update(version=0), "version"),
    ],
)
def test_invalid_pack_file_refused(change, message: str) -> None:
    document = _document()
    change(document)
    with pytest.raises(PolicyError, match=message):
        parse_pack(json.dumps(document), "hk.json")


def test_invalid_pack_file_not_json_or_missing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(PolicyError, match=r"broken\.json"):
        load_pack(broken)
    with pytest.raises(PolicyError, match="cannot read"):
        load_pack(tmp_path / "absent.json")
    with pytest.raises(PolicyError, match="two policy packs"):
        load_packs(["HK", PACKS_DIRECTORY / "hk.json"])


def test_init_home_puts_packs_in_genesis(tmp_path: Path) -> None:
    init_home(tmp_path / "all", genesis_time_ms=1)
    genesis = json.loads((tmp_path / "all" / "genesis.json").read_text())
    packs = genesis["app_state"]["compliance"]["packs"]
    assert [pack["jurisdiction"] for pack in packs] == ["CN", "HK", "US"]
    init_home(tmp_path / "hk", genesis_time_ms=1, policies=["HK"])
    genesis = json.loads((tmp_path / "hk" / "genesis.json").read_text())
    assert [p["jurisdiction"] for p in genesis["app_state"]["compliance"]["packs"]] == ["HK"]
    init_home(tmp_path / "none", genesis_time_ms=1, policies=[])
    genesis = json.loads((tmp_path / "none" / "genesis.json").read_text())
    assert "compliance" not in genesis["app_state"]
    with pytest.raises(PolicyError):
        init_home(tmp_path / "bad", genesis_time_ms=1, policies=["XX"])
    assert not (tmp_path / "bad" / "genesis.json").exists()
