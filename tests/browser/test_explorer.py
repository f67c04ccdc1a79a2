"""The explorer in a real browser (Debian's Chromium, headless, through Playwright): live
blocks and transactions, search, account and asset pages, proof verification in the page,
the JS encoder against Python's, and a phone-sized screen. Screenshots go to
tests/artifacts/browser/."""

from __future__ import annotations

import msgspec
import pytest

from originledger.core.amounts import Amount
from originledger.core.codec import encode, to_builtins
from originledger.modules.assets.types import Transfer
from originledger.sdk import Client, TxBuilder

from .conftest import ALICE, ARTIFACTS, BOB, CHAIN

TIMEOUT_MS = 10_000


def _transfer(client: Client, amount: int, wait_ms: int = 10_000) -> str:
    tx = TxBuilder(CHAIN).build(
        [Transfer(ALICE.address, BOB.address, "USDX", Amount(amount))], [ALICE]
    )
    answer = client.submit(tx, wait_ms=wait_ms)
    assert answer.status in ("accepted", "committed"), answer
    return tx.hash_hex


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_explorer_shows_new_transactions_live(explorer, page) -> None:
    client = Client(explorer.url)
    first = _transfer(client, 100)
    explorer.index.wait_for(client.status()["height"])
    page.goto(explorer.url + "/")
    page.wait_for_selector(f'#latest-txs tr[data-hash="{first}"]', timeout=TIMEOUT_MS)
    page.wait_for_selector('#live[data-state="on"]', timeout=TIMEOUT_MS)
    page.evaluate("window.__sameDocument = true")

    hashes = [_transfer(client, 200 + n, wait_ms=0) for n in range(3)]
    for tx_hash in hashes:
        page.wait_for_selector(f'#latest-txs tr[data-hash="{tx_hash}"]', timeout=TIMEOUT_MS)
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded instead of updating"
    height = int(page.text_content('[data-testid="height"]') or "0")
    assert height >= client.receipt(hashes[-1])["height"]
    _shot(page, "home-live")


def test_search_opens_account_with_history(explorer, page) -> None:
    client = Client(explorer.url)
    _transfer(client, 1234)
    explorer.index.wait_for(client.status()["height"])
    page.goto(explorer.url + "/")
    page.fill("#search-input", str(BOB.address))
    page.press("#search-input", "Enter")
    page.wait_for_selector('[data-testid="account-address"]', timeout=TIMEOUT_MS)
    assert page.text_content('[data-testid="account-address"]') == str(BOB.address)
    assert page.text_content('[data-testid="balance-USDX"]') == "12.34"
    history = page.text_content('[data-testid="history"]') or ""
    assert "Transfer" in history and "+12.34" in history
    _shot(page, "account")

    page.fill("#search-input", "usdx")
    page.press("#search-input", "Enter")
    page.wait_for_selector('[data-testid="supply-chart"] svg', timeout=TIMEOUT_MS)
    assert page.text_content('[data-testid="supply"]') == "5,000.00"
    assert page.locator('[data-testid="volume-chart"] rect').count() == 30
    assert str(ALICE.address)[:8] in (page.text_content('[data-testid="holders"]') or "")
    _shot(page, "asset")

    page.fill("#search-input", "no-such-thing")
    page.press("#search-input", "Enter")
    page.wait_for_selector('[data-testid="no-results"]', timeout=TIMEOUT_MS)


def test_transaction_proof_verifies_in_the_browser(explorer, page) -> None:
    client = Client(explorer.url)
    tx_hash = _transfer(client, 77)
    page.goto(f"{explorer.url}/#/tx/{tx_hash}")
    page.wait_for_selector("#verify-proof", timeout=TIMEOUT_MS)
    assert "ok" in (page.text_content('[data-testid="tx-result"]') or "")
    assert "assets/transferred" in (page.text_content('[data-testid="events"]') or "")
    page.click("#verify-proof")
    page.wait_for_selector("#proof-result[data-verified]", timeout=TIMEOUT_MS)
    assert page.get_attribute("#proof-result", "data-verified") == "true", page.text_content(
        "#proof-result"
    )
    _shot(page, "tx-verified")

    # The same check refuses a receipt whose proof was tampered with, or a stranger's key.
    outcome = page.evaluate(
        """async (hash) => {
            const p = await import('/explorer/js/proof.js');
            const receipt = await (await fetch('/v1/txs/' + hash)).json();
            const raw = new Uint8Array(await (await fetch('/v1/genesis')).arrayBuffer());
            const trust = await p.Trust.fromGenesis(raw, await p.genesisHashHex(raw));
            const good = await p.verifyReceipt(receipt, trust);
            const forged = structuredClone(receipt);
            forged.result.code = 7;
            const badCode = await p.verifyReceipt(forged, trust);
            const moved = structuredClone(receipt);
            moved.proof.signed_header.header.height += 1;
            const badHeader = await p.verifyReceipt(moved, trust);
            const genesis = JSON.parse(new TextDecoder().decode(raw));
            const strangerKey = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)));
            genesis.validators = [{public_key: strangerKey}];
            const stranger = await p.Trust.fromGenesis(
                new TextEncoder().encode(JSON.stringify(genesis)));
            const badKey = await p.verifyReceipt(receipt, stranger);
            return [good.ok, badCode.ok, badHeader.ok, badKey.ok];
        }""",
        tx_hash,
    )
    assert outcome == [True, False, False, False]


def test_js_encoding_matches_python(explorer, page) -> None:
    client = Client(explorer.url)
    _transfer(client, 5)
    page.goto(explorer.url + "/")
    page.wait_for_selector("#latest-txs", timeout=TIMEOUT_MS)
    block = client.block("latest")
    header_json = block["signed_header"]["header"]
    samples = [
        0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1,
        -1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, -(2**63),
        "", "a" * 31, "b" * 32, "c" * 255, "d" * 256, "é" * 40000, "日本",
        True, False, None,
    ]  # fmt: skip
    encoded = page.evaluate(
        """async ([header, samples]) => {
            const p = await import('/explorer/js/proof.js');
            const hex = p.bytesToHex;
            return {
                header: hex(p.encodeHeader(header)),
                digest: hex(await p.headerSigningDigest(header)),
                samples: samples.map((s) => hex(p.msgpackEncode(s && s.int ? BigInt(s.int) : s))),
                bins: [0, 1, 255, 256, 70000].map(
                    (n) => hex(p.msgpackEncode(new Uint8Array(n).fill(7)))),
                decoded: p.msgpackDecode(
                    p.msgpackEncode(new Map([["k", [1, "x", new Uint8Array([1, 2])]]]))
                ).get("k")[1],
            };
        }""",
        [header_json, [{"int": str(s)} if type(s) is int else s for s in samples]],
    )
    from originledger.core.block import BlockHeader, header_signing_digest
    from originledger.core.codec import from_json, to_json

    header = from_json(to_json(header_json), BlockHeader)
    assert encoded["header"] == encode(header).hex()
    assert encoded["digest"] == header_signing_digest(header).hex()
    assert encoded["samples"] == [msgspec.msgpack.encode(s).hex() for s in samples]
    assert encoded["bins"] == [
        msgspec.msgpack.encode(b"\x07" * n).hex() for n in (0, 1, 255, 256, 70000)
    ]
    assert encoded["decoded"] == "x"
    assert to_builtins(header)["height"] == header_json["height"]


@pytest.mark.parametrize("route", ["", "tx", "asset/USDX"])
def test_phone_screen_has_no_sideways_scroll(explorer, browser, route) -> None:
    client = Client(explorer.url)
    tx_hash = _transfer(client, 9)
    explorer.index.wait_for(client.status()["height"])
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        target = f"tx/{tx_hash}" if route == "tx" else route
        page.goto(f"{explorer.url}/#/{target}")
        page.wait_for_selector('main[aria-busy="false"] .card', timeout=TIMEOUT_MS)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width}px wide on a 390px screen"
        page.screenshot(
            path=str(ARTIFACTS / f"phone-{(route or 'home').replace('/', '-')}.png"), full_page=True
        )
    finally:
        context.close()


def test_explorer_without_index_says_so(explorer_without_index, page) -> None:
    client = Client(explorer_without_index.url)
    tx_hash = _transfer(client, 3)
    page.goto(explorer_without_index.url + "/")
    page.wait_for_selector('[data-testid="no-index"]', timeout=TIMEOUT_MS)
    page.goto(f"{explorer_without_index.url}/#/tx/{tx_hash}")
    page.click("#verify-proof")
    page.wait_for_selector("#proof-result[data-verified=true]", timeout=TIMEOUT_MS)
    # No index to say where the decimal point goes: the proven asset record does.
    assert "0.03" in (page.text_content('[data-section="messages"]') or "")
