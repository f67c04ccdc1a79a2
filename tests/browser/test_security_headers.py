"""The explorer under the API's security headers: its Content-Security-Policy (own origin
only, ES modules, no inline script) lets every page work, and the browser reports no
violation while the pages load, verify a proof and follow the live stream."""

from __future__ import annotations

from originledger.core.amounts import Amount
from originledger.modules.assets.types import Transfer
from originledger.sdk import Client, TxBuilder

from .conftest import ALICE, BOB, CHAIN

TIMEOUT_MS = 10_000


def test_explorer_works_under_its_content_security_policy(explorer, page) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    client = Client(explorer.url)
    tx = TxBuilder(CHAIN).build([Transfer(ALICE.address, BOB.address, "USDX", Amount(5))], [ALICE])
    assert client.submit(tx, wait_ms=10_000).status == "committed"
    explorer.index.wait_for(client.status()["height"])

    response = page.goto(explorer.url + "/")
    headers = response.all_headers()
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    page.wait_for_selector(f'#latest-txs tr[data-hash="{tx.hash_hex}"]', timeout=TIMEOUT_MS)
    page.wait_for_selector('#live[data-state="on"]', timeout=TIMEOUT_MS)
    page.evaluate(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.goto(explorer.url + f"/#/tx/{tx.hash_hex}")
    page.wait_for_selector("#verify-proof", timeout=TIMEOUT_MS)
    page.click("#verify-proof")  # WebCrypto (SHA-256, Ed25519) under the policy
    page.wait_for_selector('#proof-result[data-verified="true"]', timeout=TIMEOUT_MS)
    page.goto(explorer.url + "/#/asset/USDX")
    page.wait_for_selector("main svg", timeout=TIMEOUT_MS)  # the charts: inline SVG
    assert page.evaluate("window.__violations") == []
    assert not violations, violations
