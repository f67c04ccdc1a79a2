"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and a node with
its indexer serving the explorer on a free local port.

Chromium is installed with apt-get when it is missing (idempotent; needs root). Playwright's
own browser downloads are never used: no CDN is reachable from here.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from originledger.core.crypto import SigningKey
from originledger.genesis import GenesisBuilder
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.sdk import Key
from originledger.server.background import BackgroundServer
from originledger.server.index import index_service_for
from originledger.store.sqlite import SqliteStore
from tests.debian import apt_install

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
CHAIN = "explorer-test"
VALIDATOR = SigningKey(bytes(range(1, 33)))
ISSUER = Key(SigningKey(b"\x0b" * 32), "issuer")
ALICE = Key(SigningKey(b"\x01" * 32), "alice")
BOB = Key(SigningKey(b"\x02" * 32), "bob")


def _install_chromium() -> str | None:
    """Why Chromium cannot be had, or None once it is there."""
    return apt_install("chromium", Path(CHROMIUM).exists)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    problem = _install_chromium()
    if problem is not None:
        pytest.fail(f"Debian's Chromium cannot be installed: {problem}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser screenshots go to {ARTIFACTS}")
    yield browser
    browser.close()
    playwright.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def genesis_bytes() -> bytes:
    return (
        GenesisBuilder(CHAIN, genesis_time_ms=1_000)
        .validator(VALIDATOR.public_key)
        .account(ISSUER.address, roles=["admin", "issuer", "custodian"])
        .asset(
            "USDX",
            name="Explorer Dollar",
            decimals=2,
            asset_class="payment",
            issuer=ISSUER.address,
            max_supply=1_000_000_000,
        )
        .balance(ALICE.address, "USDX", 500_000)
        .build()
    )


class ExplorerNode:
    def __init__(self, home: Path, *, index: bool = True) -> None:
        (home / "data").mkdir(parents=True)
        self.node = EmbeddedNode(
            SqliteStore(home / "data" / "ledger.sqlite"),
            genesis_bytes(),
            VALIDATOR,
            NodeSettings(block_interval_ms=20),
        )
        self.index = index_service_for(self.node) if index else None
        self.server = BackgroundServer(
            self.node, f"127.0.0.1:{_free_port()}", index=self.index
        ).start()
        self.url = self.server.url

    def stop(self) -> None:
        self.server.stop()
        self.node.store.close()


@pytest.fixture
def explorer(tmp_path: Path) -> Iterator[ExplorerNode]:
    node = ExplorerNode(tmp_path / "home")
    yield node
    node.stop()


@pytest.fixture
def explorer_without_index(tmp_path: Path) -> Iterator[ExplorerNode]:
    node = ExplorerNode(tmp_path / "home", index=False)
    yield node
    node.stop()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()
    assert not errors, f"the page raised: {errors}"
