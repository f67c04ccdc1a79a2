"""Every page of the explorer, looked at in Chromium at 1400x1000 and at phone width (390 px):
screenshots into tests/artifacts/browser/, and the checks a person would make by eye.

- numeric columns: the header's right edge is its numbers' right edge, and every cell sits
  under its own header (bounding boxes compared);
- amounts keep the asset's decimals ("12.50" for a 2-decimal asset);
- failed transactions show their result message, on the home page and their own page;
- the block proposer is an address (bech32m), the one core/address.py derives;
- no raw field names (``reserves_as_of_ms``) where people read labels;
- genesis is "genesis", not "#0"; a chart of one point says so instead of a flat line;
- an empty chain says what to run; no sideways scrolling on a phone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from originledger.core.address import account_address
from originledger.core.amounts import Amount
from originledger.modules.assets.types import AttestReserves, PlaceHold, Transfer
from originledger.sdk import Client, TxBuilder

from .conftest import ALICE, ARTIFACTS, BOB, CHAIN, ISSUER, VALIDATOR, ExplorerNode

TIMEOUT_MS = 10_000
WIDE = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}

# Each numeric header and the cells of its column, and every cell against its header: the
# bounding boxes of a table's header cells and of each row's cells. A row whose cell count
# differs from the header's is reported too.
ALIGNMENT_JS = """() => {
  const problems = [];
  let checked = 0;
  for (const table of document.querySelectorAll('main table')) {
    const heads = [...table.querySelectorAll('thead th')];
    for (const row of table.querySelectorAll('tbody tr')) {
      const cells = [...row.children];
      if (cells.length !== heads.length) {
        problems.push(`a row of ${cells.length} cells under ${heads.length} headers`);
        continue;
      }
      cells.forEach((cell, i) => {
        const head = heads[i].getBoundingClientRect();
        const box = cell.getBoundingClientRect();
        const name = heads[i].textContent.trim();
        checked += 1;
        if (Math.abs(box.left - head.left) > 1 || Math.abs(box.right - head.right) > 1) {
          problems.push(`cell ${i} (${cell.textContent.trim()}) is not under ${name}`);
        }
        const numeric = heads[i].classList.contains('num');
        if (numeric !== cell.classList.contains('num')) {
          problems.push(`cell ${i} is aligned unlike its header ${name}`);
        }
        if (numeric) {
          // The text's own right edge (not the cell's): a range over the cell's contents.
          const range = document.createRange();
          range.selectNodeContents(cell);
          const text = range.getBoundingClientRect();
          const label = document.createRange();
          label.selectNodeContents(heads[i]);
          const headText = label.getBoundingClientRect();
          if (Math.abs(text.right - headText.right) > 1.5) {
            problems.push(`${name}: number ends at ${text.right}, header at ${headText.right}`);
          }
          if (getComputedStyle(heads[i]).textAlign !== 'right') {
            problems.push(`${name} is not right-aligned`);
          }
        }
      });
    }
  }
  return { problems, checked };
}"""


AS_OF_MS = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC


def _submit(client: Client, sender, recipient, amount: int, message=None) -> dict:
    message = message or Transfer(sender.address, recipient.address, "USDX", Amount(amount))
    tx = TxBuilder(CHAIN).build([message], [sender])
    answer = client.submit(tx, wait_ms=10_000)
    assert answer.status == "committed", answer
    return {"hash": tx.hash_hex, "code": answer.code, "message": answer.message}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ExplorerNode, dict]]:
    node = ExplorerNode(tmp_path_factory.mktemp("pages") / "home")
    client = Client(node.url)
    ok = _submit(client, ALICE, BOB, 1250)  # 12.50 USDX
    failed = _submit(client, BOB, ALICE, 99_999_999)  # more than Bob has
    assert ok["code"] == 0 and failed["code"] != 0, (ok, failed)
    # An open hold (the account page's holds table) and a reserve attestation (the asset's
    # "Reserves ... as of" and its attestations table).
    expires = client.status()["time_ms"] + 3_600_000
    hold = PlaceHold(ALICE.address, BOB.address, "USDX", Amount(300), expires)
    assert _submit(client, ALICE, BOB, 0, hold)["code"] == 0
    attest = AttestReserves(ISSUER.address, "USDX", Amount(500_000), AS_OF_MS)
    assert _submit(client, ISSUER, BOB, 0, attest)["code"] == 0
    node.index.wait_for(client.status()["height"])
    yield node, {"ok": ok, "failed": failed, "height": client.receipt(ok["hash"])["height"]}
    node.stop()


def _open(browser, url: str, viewport: dict) -> tuple[object, object]:
    context = browser.new_context(
        viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(url)
    page.wait_for_selector('main[aria-busy="false"] .card', timeout=TIMEOUT_MS)
    return context, page


def _look(page, name: str, viewport: dict) -> None:
    """The screenshot, and what holds on every page at every width."""
    page.wait_for_timeout(150)  # charts and the proposer's address are drawn after the HTML
    suffix = "phone" if viewport is PHONE else "wide"
    page.screenshot(path=str(ARTIFACTS / f"page-{name}-{suffix}.png"), full_page=True)
    assert not page.errors, page.errors
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{name}: the page is {width}px wide on {viewport}"
    if viewport is PHONE:
        # Not even inside a table: a phone shows every column without scrolling it.
        wide = page.evaluate(
            "() => [...document.querySelectorAll('main .table-wrap')]"
            ".filter((n) => n.scrollWidth > n.clientWidth + 1)"
            ".map((n) => n.querySelector('thead').textContent.trim())"
        )
        assert wide == [], f"{name}: tables wider than a phone: {wide}"
    raw = page.evaluate(
        "() => [...document.querySelectorAll('main dt, main th')]"
        ".map((n) => n.textContent.trim()).filter((t) => /[a-z]_[a-z]/.test(t))"
    )
    assert raw == [], f"{name}: raw field names shown as labels: {raw}"
    if viewport is WIDE:
        outcome = page.evaluate(ALIGNMENT_JS)
        assert outcome["problems"] == [], f"{name}: {outcome['problems']}"


def _pages(chain: tuple[ExplorerNode, dict]) -> list[tuple[str, str, str]]:
    _, facts = chain
    return [
        ("home", "/", '[data-testid="failures"]'),
        ("block", f"/#/block/{facts['height']}", '[data-testid="proposer-address"]'),
        ("tx", f"/#/tx/{facts['ok']['hash']}", "#proof-result[data-verified]"),
        ("tx-failed", f"/#/tx/{facts['failed']['hash']}", "#proof-result[data-verified]"),
        ("account", f"/#/account/{BOB.address}", '[data-testid="history"]'),
        ("account-alice", f"/#/account/{ALICE.address}", '[data-testid="holds"]'),
        ("asset", "/#/asset/USDX", '[data-testid="supply-chart"] svg'),
        ("search", "/#/search/nothing-here", '[data-testid="no-results"]'),
    ]


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1400x1000", "390"])
def test_every_page_looks_right(chain, browser, viewport) -> None:
    node, _ = chain
    for name, route, ready in _pages(chain):
        context, page = _open(browser, node.url + route, viewport)
        try:
            page.wait_for_selector(ready, timeout=TIMEOUT_MS)
            _look(page, name, viewport)
        finally:
            context.close()


def test_amounts_keep_the_assets_decimals(chain, browser) -> None:
    node, _ = chain
    context, page = _open(browser, f"{node.url}/#/account/{BOB.address}", WIDE)
    try:
        page.wait_for_selector('[data-testid="history"]', timeout=TIMEOUT_MS)
        assert page.text_content('[data-testid="balance-USDX"]') == "12.50"
        history = page.text_content('[data-testid="history"]') or ""
        assert "+12.50" in history
        page.goto(f"{node.url}/#/asset/USDX")
        page.wait_for_selector('[data-testid="holders"]', timeout=TIMEOUT_MS)
        assert page.text_content('[data-testid="supply"]') == "5,000.00"
        holders = page.text_content('[data-testid="holders"]') or ""
        assert "4,987.50" in holders and "12.50" in holders
        page.goto(f"{node.url}/#/")
        page.wait_for_selector('[data-testid="assets"]', timeout=TIMEOUT_MS)
        assert page.text_content('[data-testid="asset-supply-USDX"]') == "5,000.00"
    finally:
        context.close()


def test_failed_transactions_show_their_message(chain, browser) -> None:
    node, facts = chain
    message = facts["failed"]["message"]
    assert message, facts
    context, page = _open(browser, node.url + "/", WIDE)
    try:
        page.wait_for_selector('[data-testid="failures"]', timeout=TIMEOUT_MS)
        failures = page.text_content('[data-testid="failures"]') or ""
        assert message in failures and "assets 15" in failures
        latest = page.locator(f'#latest-txs tr[data-hash="{facts["failed"]["hash"]}"]')
        assert message in (latest.text_content() or "")
        page.goto(f"{node.url}/#/account/{BOB.address}")
        page.wait_for_selector('[data-testid="account-txs"]', timeout=TIMEOUT_MS)
        assert message in (page.text_content('[data-testid="account-txs"]') or "")
        page.goto(f"{node.url}/#/tx/{facts['failed']['hash']}")
        page.wait_for_selector('[data-testid="tx-result"]', timeout=TIMEOUT_MS)
        assert message in (page.text_content('[data-testid="tx-result"]') or "")
    finally:
        context.close()


def test_block_proposer_is_an_address(chain, browser) -> None:
    node, facts = chain
    context, page = _open(browser, f"{node.url}/#/block/{facts['height']}", WIDE)
    try:
        page.wait_for_selector('[data-testid="proposer-address"]', timeout=TIMEOUT_MS)
        expected = str(account_address(VALIDATOR.public_key))
        assert expected.startswith("og1")
        shown = page.get_attribute('[data-testid="proposer-address"]', "data-address")
        assert shown == expected
        assert page.locator(f'[data-testid="proposer"] a[title="{expected}"]').count() == 1
    finally:
        context.close()


def test_genesis_is_named_and_one_point_is_not_a_line(chain, browser) -> None:
    node, _ = chain
    context, page = _open(browser, f"{node.url}/#/account/{ALICE.address}", WIDE)
    try:
        page.wait_for_selector('[data-testid="account-since"]', timeout=TIMEOUT_MS)
        assert page.text_content('[data-testid="account-since"]') == "genesis"
        # Alice's record was written again, with her key, by her first transaction.
        assert "first transaction it signed" in (
            page.text_content('[data-testid="record-note"]') or ""
        )
        page.goto(f"{node.url}/#/asset/USDX")
        page.wait_for_selector('[data-testid="supply-chart"] figure', timeout=TIMEOUT_MS)
        chart = page.locator('[data-testid="supply-chart"] figure')
        assert chart.get_attribute("data-points") == "1"
        assert "not enough data" in (chart.text_content() or "")
        assert "5,000.00" in (chart.text_content() or "")
        assert page.locator('[data-testid="supply-chart"] .chart-line').count() == 0
        policy = page.text_content('[data-testid="policy"]') or ""
        assert "Clawback enabled" in policy and "clawback_enabled" not in policy
        reserves = page.text_content('[data-testid="reserves"]') or ""
        assert "5,000.00" in reserves and "as of 2023-11-14 22:13:20 UTC" in reserves
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1400x1000", "390"])
def test_empty_chain_says_what_to_do(tmp_path: Path, browser, viewport) -> None:
    node = ExplorerNode(tmp_path / "home")
    try:
        context, page = _open(browser, node.url + "/", viewport)
        try:
            page.wait_for_selector('[data-testid="empty-chain"]', timeout=TIMEOUT_MS)
            text = page.text_content('[data-testid="empty-chain"]') or ""
            assert "origin demo" in text
            assert "origin transfer 12.50 USDX --to bob --from alice" in text
            assert page.text_content('[data-testid="stat-txs"]') == "0"
            _look(page, "home-empty", viewport)
        finally:
            context.close()
    finally:
        node.stop()


def test_formatting_helpers(chain, browser) -> None:
    """Amounts keep every decimal, field names read as labels (the module the pages use)."""
    node, _ = chain
    context, page = _open(browser, node.url + "/", WIDE)
    try:
        outcome = page.evaluate(
            """async () => {
                const f = await import('/explorer/js/format.js');
                return {
                    amounts: [['1250', 2], ['5', 2], ['0', 2], ['1000000', 6], ['123456789', 0],
                              ['100000000000000000000000000000000000000', 18]]
                        .map(([v, d]) => f.formatAmount(v, d)),
                    labels: ['reserves_as_of_ms', 'clawback_enabled', 'settle_by_height',
                             'fee_bps', 'amount', 'placed_height'].map(f.label),
                    bps: f.formatBps(250),
                };
            }"""
        )
        assert outcome["amounts"] == [
            "12.50", "0.05", "0.00", "1.000000", "123,456,789",
            "100,000,000,000,000,000,000.000000000000000000",
        ]  # fmt: skip
        assert outcome["labels"] == [
            "Reserves as of", "Clawback enabled", "Settle by", "Fee", "Amount", "Placed at"
        ]  # fmt: skip
        assert outcome["bps"] == "2.50%"
    finally:
        context.close()
