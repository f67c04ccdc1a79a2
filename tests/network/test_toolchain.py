"""The toolchain: the pinned CometBFT is checked at start with a clear message, setup is
idempotent, and the generated classes live under one private package."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from originledger.comet import tools as comet_tools
from originledger.comet.protos import PROTO_PACKAGE, abci_types
from originledger.comet.tools import COMETBFT_VERSION, ToolchainError
from originledger.node import toolchain as tools
from originledger.node.toolchain import check_cometbft, ensure_toolchain


def test_check_cometbft_names_the_setup_command_when_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(tools.COMETBFT_ENV, str(tmp_path / "cometbft"))
    with pytest.raises(ToolchainError, match="origin net setup"):
        check_cometbft()


def test_invalid_cometbft_version_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "cometbft"
    fake.write_text("#!/bin/sh\necho 1.0.1\n")
    fake.chmod(0o755)
    monkeypatch.setenv(tools.COMETBFT_ENV, str(fake))
    with pytest.raises(ToolchainError, match=f"needs exactly {COMETBFT_VERSION}"):
        check_cometbft()
    with pytest.raises(ToolchainError, match="is not CometBFT"):
        tools.install_cometbft()  # an explicit binary is never replaced


def test_ensure_toolchain_is_idempotent(toolchain: Path) -> None:
    stamp = toolchain.parent.parent / "python" / PROTO_PACKAGE / "STAMP.json"
    before = (toolchain.stat().st_mtime_ns, stamp.stat().st_mtime_ns)
    started = time.monotonic()
    assert ensure_toolchain() == toolchain
    assert time.monotonic() - started < 10  # checks versions, builds nothing
    assert (toolchain.stat().st_mtime_ns, stamp.stat().st_mtime_ns) == before
    assert check_cometbft() == toolchain


def test_generated_classes_stay_under_one_package(toolchain: Path) -> None:
    types = abci_types()
    assert types.__name__ == f"{PROTO_PACKAGE}.tendermint.abci.types_pb2"
    assert "tendermint" not in sys.modules and "gogoproto" not in sys.modules
    request = types.Request(check_tx=types.RequestCheckTx(tx=b"abc"))
    assert types.Request.FromString(request.SerializeToString()).check_tx.tx == b"abc"


def test_tools_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(comet_tools.TOOLS_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(tools.COMETBFT_ENV, raising=False)
    assert comet_tools.tools_dir() == tmp_path.resolve()
    assert tools.cometbft_path() == tmp_path.resolve() / "bin" / "cometbft"
    assert os.environ[comet_tools.TOOLS_DIR_ENV] == str(tmp_path)
