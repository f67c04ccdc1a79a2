"""The explorer's in-browser verifier is as strict as the SDK's (docs/verification.md):
every field of a receipt the page shows is checked against proven bytes, state proofs are
bound to their key, the genesis is pinned by the user (else the page says that trust comes
from the node), and the validator set is followed as it changes. A node, or a proxy, that
rewrites an answer is simulated with Playwright's route interception."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from originledger.core.amounts import Amount
from originledger.core.crypto import SigningKey
from originledger.modules.assets.types import Transfer
from originledger.modules.validators.types import SetValidatorPower
from originledger.sdk import Client, TxBuilder

from . import event_schema
from .conftest import ALICE, ARTIFACTS, BOB, CHAIN, ISSUER, VALIDATOR, genesis_bytes

TIMEOUT_MS = 15_000
EVENTS_JS = Path(__file__).resolve().parents[2] / "originledger/api/explorer/static/js/events.js"
NEWCOMER = SigningKey(b"\x0c" * 32)
GENESIS_HASH = hashlib.sha256(genesis_bytes()).hexdigest()


def _submit(client: Client, messages: list[Any], signer: Any) -> dict[str, Any]:
    tx = TxBuilder(CHAIN).build(messages, [signer])
    answer = client.submit(tx, wait_ms=10_000)
    assert answer.status == "committed", answer
    return client.receipt(tx.hash_hex)


def _transfer(client: Client, amount: int) -> dict[str, Any]:
    return _submit(client, [Transfer(ALICE.address, BOB.address, "USDX", Amount(amount))], ALICE)


def _verdict(page: Any, url: str) -> tuple[str, str]:
    """Open a transaction page; its verdict (data-verified) and the proof box's text."""
    page.goto(url)
    tx_hash = url.rsplit("/", 1)[1]
    # The page is replaced on a hash change: wait for this transaction's own verdict.
    page.wait_for_selector(f'[data-testid="tx-hash"]:text-is("{tx_hash}")', timeout=TIMEOUT_MS)
    page.wait_for_selector("#proof-result[data-verified]", timeout=TIMEOUT_MS)
    return (
        page.get_attribute("#proof-result", "data-verified") or "",
        page.text_content("#proof-result") or "",
    )


def _rewrite(page: Any, pattern: str, change: Callable[[Any], Any]) -> None:
    """Serve the node's real answer to ``pattern``, rewritten by ``change``."""

    def handle(route: Any) -> None:
        response = route.fetch()
        body = change(response.json())
        route.fulfill(response=response, body=json.dumps(body))

    page.route(pattern, handle)


def _section_badges(page: Any) -> list[str]:
    return [
        (text or "").strip()
        for text in page.locator('[data-testid="section-status"]').all_text_contents()
    ]


def _set(path: list[Any], value: Any) -> Callable[[Any], Any]:
    def change(receipt: Any) -> Any:
        target = receipt
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value(target[path[-1]]) if callable(value) else value
        return receipt

    return change


TAMPERING: dict[str, Callable[[Any], Any]] = {
    "recipient": _set(["tx", "messages", 0, "recipient"], str(ISSUER.address)),
    "amount": _set(["tx", "messages", 0, "amount"], "990000"),
    "sender": _set(["tx", "messages", 0, "sender"], str(BOB.address)),
    "memo": _set(["tx", "memo"], "refund"),
    "message": _set(["result", "message"], "ok, reversed"),
    "message_index": _set(["result", "message_index"], 0),
    "index": _set(["index"], 1),
    # The amount's 16 bytes in hex: all digits here, they would read as another amount.
    "amount_as_hex": _set(["tx", "messages", 0, "amount"], (0x1234).to_bytes(16, "big").hex()),
    "event_amount": _set(["events", -1, "data", "amount"], "1"),
    "event_recipient": _set(["events", -1, "data", "recipient"], str(ISSUER.address)),
    "event_dropped": _set(["events"], lambda events: events[:-1]),
    "event_added": _set(["events"], lambda events: events + events[-1:]),
    "event_moved": _set(["events", -1, "tx_index"], 3),
}


@pytest.mark.parametrize("field", sorted(TAMPERING))
def test_regression_browser_receipt_tampering_detected(explorer, page, field: str) -> None:
    """Before the fix, the page bound only the code and codespace to the proven leaf: a
    rewritten recipient, amount, message, message index, index or event showed as
    verified."""
    client = Client(explorer.url)
    receipt = _transfer(client, 0x1234)  # 46.60, whose 16 bytes in hex are all digits
    url = f"{explorer.url}/#/tx/{receipt['hash']}"
    verdict, text = _verdict(page, url)
    assert verdict == "true", text
    assert set(_section_badges(page)) == {"verified (genesis not pinned)"}

    _rewrite(page, f"**/v1/txs/{receipt['hash']}", TAMPERING[field])
    page.reload()
    page.wait_for_selector("#proof-result[data-verified]", timeout=TIMEOUT_MS)
    text = page.text_content("#proof-result") or ""
    assert page.get_attribute("#proof-result", "data-verified") == "false", text
    assert "Not verified" in text
    assert set(_section_badges(page)) == {"not verified"}
    if field == "recipient":
        _shot(page, "tx-forged-recipient")


CAUGHT_BEFORE: dict[str, Callable[[Any], Any]] = {
    "code": _set(["result", "code"], 3),
    "index_and_proof": lambda r: _set(["proof", "index"], 1)(_set(["index"], 1)(r)),
}


@pytest.mark.parametrize("field", sorted(CAUGHT_BEFORE))
def test_browser_receipt_tampering_caught_before_still_detected(explorer, page, field) -> None:
    """The result code and the proof's own position were bound before the fix too."""
    receipt = _transfer(Client(explorer.url), 4322)
    _rewrite(page, f"**/v1/txs/{receipt['hash']}", CAUGHT_BEFORE[field])
    verdict, text = _verdict(page, f"{explorer.url}/#/tx/{receipt['hash']}")
    assert verdict == "false", text


def test_regression_browser_receipt_of_another_transaction_refused(explorer, page) -> None:
    """A node answering the page's question with another transaction's valid receipt."""
    client = Client(explorer.url)
    asked = _transfer(client, 15)
    other = _transfer(client, 16)
    _rewrite(page, f"**/v1/txs/{asked['hash']}", lambda _: other)
    page.goto(f"{explorer.url}/#/tx/{asked['hash']}")
    page.wait_for_selector("#proof-result[data-verified]", timeout=TIMEOUT_MS)
    text = page.text_content("#proof-result") or ""
    assert page.get_attribute("#proof-result", "data-verified") == "false", text
    assert "the transaction asked for" in text


def test_regression_browser_decimals_checked_against_the_asset_record(explorer, page) -> None:
    """The index's decimals place the decimal point of every amount shown: a node that
    shifts them (46.60 shown as 4.660) is caught against the proven asset record."""
    client = Client(explorer.url)
    receipt = _transfer(client, 4660)
    explorer.index.wait_for(client.status()["height"])
    url = f"{explorer.url}/#/tx/{receipt['hash']}"
    verdict, text = _verdict(page, url)
    assert verdict == "true", text
    assert "USDX amounts are placed by the asset's proven decimals" in text

    def shift(body: Any) -> Any:
        for asset in body["assets"]:
            asset["decimals"] += 1
        return body

    _rewrite(page, "**/v1/index/assets*", shift)
    page.reload()
    page.wait_for_selector("#proof-result[data-verified]", timeout=TIMEOUT_MS)
    text = page.text_content("#proof-result") or ""
    assert page.get_attribute("#proof-result", "data-verified") == "false", text
    assert "proven 2, shown 3" in text


def test_regression_browser_failed_result_fields_bound(explorer, page) -> None:
    """A failed transaction: its message and message index are proven. Before the fix a
    node could keep the code and rewrite the reason, or blame another message."""
    client = Client(explorer.url)
    tx = TxBuilder(CHAIN).build([Transfer(ALICE.address, BOB.address, "NOPE", Amount(1))], [ALICE])
    answer = client.submit(tx, wait_ms=10_000)
    receipt = client.receipt(tx.hash_hex)
    assert answer.status == "committed" and receipt["result"]["code"] != 0, receipt
    url = f"{explorer.url}/#/tx/{tx.hash_hex}"
    verdict, text = _verdict(page, url)
    assert verdict == "true", text
    assert "(message 0)" in (page.text_content('[data-testid="tx-result"]') or "")
    forgeries = [
        _set(["result", "message"], "rejected by the recipient's jurisdiction"),
        _set(["result", "message_index"], 1),
    ]
    for forge in forgeries:
        page.unroute_all()
        _rewrite(page, f"**/v1/txs/{tx.hash_hex}", forge)
        page.reload()
        page.wait_for_selector("#proof-result[data-verified]", timeout=TIMEOUT_MS)
        assert page.get_attribute("#proof-result", "data-verified") == "false"


def test_first_visit_says_trust_comes_from_the_node(explorer, page) -> None:
    receipt = _transfer(Client(explorer.url), 10)
    verdict, text = _verdict(page, f"{explorer.url}/#/tx/{receipt['hash']}")
    assert verdict == "true", text
    assert page.get_attribute("#proof-result", "data-trust") == "node"
    assert "not pinned" in text
    warning = page.text_content('[data-testid="trust-warning"]') or ""
    assert "Trust comes from this node" in warning
    assert page.text_content('[data-testid="node-genesis-hash"]') == GENESIS_HASH
    _shot(page, "tx-unpinned")

    # The user confirms the node's hash: pinned, stored, and kept across a reload.
    page.click("#pin-node")
    page.wait_for_selector('#proof-result[data-trust="pinned"][data-verified]', timeout=TIMEOUT_MS)
    assert page.get_attribute("#proof-result", "data-verified") == "true"
    assert page.evaluate("localStorage.getItem('origin.genesis_hash')") == GENESIS_HASH
    page.reload()
    page.wait_for_selector('#proof-result[data-trust="pinned"][data-verified]', timeout=TIMEOUT_MS)
    assert page.text_content('[data-testid="pinned-hash"]') == GENESIS_HASH
    assert set(_section_badges(page)) == {"verified"}
    assert page.locator('[data-testid="trust-warning"]').count() == 0
    _shot(page, "tx-pinned")


def test_regression_browser_pinned_genesis_mismatch_refused(explorer, page) -> None:
    """Before the fix the page took the genesis from the node, whatever it was."""
    receipt = _transfer(Client(explorer.url), 11)
    url = f"{explorer.url}/#/tx/{receipt['hash']}"
    page.goto(url)
    page.wait_for_selector("#pin-input", timeout=TIMEOUT_MS)
    # A hash the user typed in that is not this chain's.
    page.fill("#pin-input", "ab" * 32)
    page.click("#pin-submit")
    page.wait_for_selector('#proof-result[data-verified="false"]', timeout=TIMEOUT_MS)
    assert "not the pinned" in (page.text_content("#proof-result") or "")
    assert "another genesis" in (page.text_content('[data-testid="trust"]') or "")
    # Malformed input is refused and changes nothing.
    page.fill("#pin-input", "not a hash")
    page.click("#pin-submit")
    assert "64 hexadecimal" in (page.text_content("#pin-error") or "")
    assert page.evaluate("localStorage.getItem('origin.genesis_hash')") == "ab" * 32

    # The right pin, and a node (or proxy) that serves another genesis with its own
    # validator: refused, though that genesis' validator "signs" everything.
    page.evaluate(f"localStorage.setItem('origin.genesis_hash', '{GENESIS_HASH}')")
    page.reload()
    page.wait_for_selector("#proof-result[data-verified]", timeout=TIMEOUT_MS)
    assert page.get_attribute("#proof-result", "data-verified") == "true"

    other = json.loads(genesis_bytes())
    other["genesis_time_ms"] = 2_000

    def serve_other(route: Any) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(other))

    page.route("**/v1/genesis", serve_other)
    page.reload()
    page.wait_for_selector("#proof-result[data-verified]", timeout=TIMEOUT_MS)
    text = page.text_content("#proof-result") or ""
    assert page.get_attribute("#proof-result", "data-verified") == "false", text
    assert "not the pinned" in text


def test_browser_state_proof_for_another_key_refused(explorer, page) -> None:
    """A valid proof of another key proves nothing about the validator set (new in the
    page: it read no state proofs before it followed the validator set)."""
    client = Client(explorer.url)
    receipt = _transfer(client, 12)
    other_key = b"accounts/acct/" + bytes(ALICE.address)

    def other_proof(route: Any) -> None:
        base = route.request.url.split("/v1/state/")[0]
        response = route.fetch(url=f"{base}/v1/state/{other_key.hex()}?prove=true")
        route.fulfill(response=response)

    page.route("**/v1/state/76616c696461746f72732f736574*", other_proof)
    verdict, text = _verdict(page, f"{explorer.url}/#/tx/{receipt['hash']}")
    assert verdict == "false", text
    assert "not for the key asked for" in text

    # The same, called directly: a proof of another key is refused, the right one accepted.
    outcome = page.evaluate(
        """async ([otherHex]) => {
            const p = await import('/explorer/js/proof.js');
            const raw = new Uint8Array(await (await fetch('/v1/genesis')).arrayBuffer());
            const trust = await p.Trust.fromGenesis(raw);
            trust.sequential = true;
            const asked = p.VALIDATOR_SET_KEY;
            const other = await (await fetch('/v1/state/' + otherHex + '?prove=true')).json();
            let refused = '';
            try { await p.verifyStateValue(trust, other, asked); }
            catch (error) { refused = error.message; }
            const own = await p.verifyStateValue(trust, other, p.hexToBytes(otherHex));
            return [refused, own.value !== null];
        }""",
        [other_key.hex()],
    )
    assert "not for the key asked for" in outcome[0]
    assert outcome[1] is True


def test_browser_follows_validator_set_changes(explorer, page) -> None:
    """The page learns set changes from proven receipts (in block order) and the proven
    validators/set record, as the SDK does; a set that moved on refuses the old signer."""
    client = Client(explorer.url)
    _submit(client, [SetValidatorPower(ISSUER.address, VALIDATOR.public_key, 5)], ISSUER)
    _submit(client, [SetValidatorPower(ISSUER.address, NEWCOMER.public_key, 1)], ISSUER)
    receipt = _transfer(client, 13)
    url = f"{explorer.url}/#/tx/{receipt['hash']}"
    verdict, text = _verdict(page, url)
    assert verdict == "true", text
    powers = page.evaluate(
        """async () => {
            const p = await import('/explorer/js/proof.js');
            const raw = new Uint8Array(await (await fetch('/v1/genesis')).arrayBuffer());
            const trust = await p.Trust.fromGenesis(raw);
            const get = async (path) => (await fetch(path)).json();
            await p.followValidatorSet(trust, get);
            return Object.fromEntries([...trust.epochAt(1e9)].map(([k, v]) => [k, Number(v)]));
        }"""
    )
    assert powers == {VALIDATOR.public_key.hex(): 5, NEWCOMER.public_key.hex(): 1}
    saved = page.evaluate(f"JSON.parse(localStorage.getItem('origin.trust.{GENESIS_HASH}'))")
    assert saved["genesis_hash"] == GENESIS_HASH and saved["anchor_height"] >= receipt["height"]
    assert saved["epochs"][-1]["validators"] == {
        VALIDATOR.public_key.hex(): "5",
        NEWCOMER.public_key.hex(): "1",
    }

    # The next visit starts from what the page proved: it skips to the latest set (within
    # the trusting period) without reading a single event.
    page.route("**/v1/events?*", lambda route: route.abort())
    page.reload()
    page.wait_for_selector("#proof-result[data-verified]", timeout=TIMEOUT_MS)
    assert page.get_attribute("#proof-result", "data-verified") == "true"
    page.unroute("**/v1/events?*")

    # A node hiding the change's events is caught by the proven set.
    def hide(body: Any) -> Any:
        body["events"] = [e for e in body["events"] if e["type"] != "validators/power_changed"]
        return body

    # (What this page proved is kept in localStorage and would let it skip the events:
    # forget it, as a new visitor would have nothing.)
    page.evaluate(f"localStorage.removeItem('origin.trust.{GENESIS_HASH}')")
    _rewrite(page, "**/v1/events?*", hide)
    page.reload()
    page.wait_for_selector("#proof-result[data-verified]", timeout=TIMEOUT_MS)
    text = page.text_content("#proof-result") or ""
    assert page.get_attribute("#proof-result", "data-verified") == "false", text
    assert "hid a change" in text
    page.unroute("**/v1/events?*")

    # A newcomer with most of the power: the node's validator alone no longer signs for
    # the set, and the page says so for a transaction committed after the change.
    _submit(client, [SetValidatorPower(ISSUER.address, NEWCOMER.public_key, 50)], ISSUER)
    later = _transfer(client, 14)
    verdict, text = _verdict(page, f"{explorer.url}/#/tx/{later['hash']}")
    assert verdict == "false", text
    assert "2/3" in text


def test_event_schema_is_current() -> None:
    """js/events.js lists every event's fields as the registry encodes them."""
    assert EVENTS_JS.read_text() == event_schema.render(), (
        "js/events.js is stale: regenerate it with "
        "`PYTHONPATH=$PWD python3 -m tests.browser.event_schema > "
        "originledger/api/explorer/static/js/events.js`"
    )


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_browser_verifier_matches_the_specification_vectors(explorer, page) -> None:
    """js/proof.js, run in the browser, re-derives docs/verification.md's test vectors:
    the pinned genesis, the signed header of block 1, each transaction's hash, signing
    digest and inclusion proofs, every state proof (bound to its key), and addresses."""
    vectors = json.loads(
        (Path(__file__).resolve().parents[2] / "docs/verification-vectors.json").read_text()
    )
    page.goto(explorer.url + "/")
    page.wait_for_selector("main .card", timeout=TIMEOUT_MS)
    outcome = page.evaluate(
        """async (v) => {
            const p = await import('/explorer/js/proof.js');
            const x = p.hexToBytes, b64 = (hex) => p.bytesToBase64(x(hex));
            const out = {};
            const genesis = x(v.genesis.file);
            const trust = await p.Trust.fromGenesis(genesis, v.genesis.hash);
            const fields = p.msgpackDecode(x(v.header.encoding));
            const header = {};
            for (const [k, value] of fields) {
                header[k] = value instanceof Uint8Array ? p.bytesToBase64(value) : Number(value);
            }
            header.chain_id = fields.get('chain_id');
            out.header = p.bytesToHex(p.encodeHeader(header)) === v.header.encoding;
            out.digest = p.bytesToHex(await p.headerSigningDigest(header));
            const signature = {
                public_key: b64(v.header.validator_public_key),
                signature: b64(v.header.signature),
            };
            const signed = {header, signatures: [signature]};
            out.signed = (await trust.checkHeader(signed)).ok;
            let refused = '';
            try { await p.Trust.fromGenesis(genesis, '00'.repeat(32)); }
            catch (error) { refused = error.message; }
            out.refused = refused;
            out.txs = [];
            for (const [i, t] of v.txs.entries()) {
                const raw = p.msgpackDecode(x(t.raw));
                const hash = await p.sha256(raw.get('body'));
                out.txs.push([
                    p.bytesToHex(hash) === t.hash,
                    p.bytesToHex(await p.taggedHash('origin/tx', raw.get('body')))
                        === t.signing_digest,
                    await p.verifyListInclusion(x(v.header.tx_root), hash, i, v.header.tx_count,
                                                t.tx_proof.map(x)),
                    await p.verifyListInclusion(x(v.header.results_root), x(t.result_leaf), i,
                                                v.header.tx_count, t.result_proof.map(x)),
                    p.bytesToHex(await p.sha256(x(t.events))) === t.events_hash,
                ]);
            }
            out.states = [];
            for (const s of v.state_proofs) {
                const m = p.msgpackDecode(x(s.proof));
                const json = {
                    key: p.bytesToBase64(m.get('key')),
                    value: m.get('value') === null ? null : p.bytesToBase64(m.get('value')),
                    nodes: m.get('nodes').map((n) => ({
                        bitmap: n.get('bitmap'), hashes: n.get('hashes').map(p.bytesToBase64)})),
                    other_leaf: m.get('other_leaf') && {
                        key_hash: p.bytesToBase64(m.get('other_leaf').get('key_hash')),
                        value_hash: p.bytesToBase64(m.get('other_leaf').get('value_hash'))},
                };
                const answer = {height: v.header.height, proof: json, signed_header: signed};
                const proven = await p.verifyStateValue(trust, answer, x(s.key));
                const value = proven.value === null ? null : p.bytesToHex(proven.value);
                let other = '';
                try { await p.verifyStateValue(trust, answer, x(s.key + '00')); }
                catch (error) { other = error.message; }
                out.states.push([value === s.value, other.includes('not for the key')]);
            }
            out.addresses = v.addresses.map((a) =>
                p.addressToText(x(a.address)) === a.text
                && p.bytesToHex(p.addressFromText(a.text)) === a.address
                && p.bytesToHex(p.addressFromText(a.text.toUpperCase())) === a.address);
            return out;
        }""",
        vectors,
    )
    assert outcome["header"] is True
    assert outcome["digest"] == vectors["header"]["signing_digest"]
    assert outcome["signed"] is True
    assert "not the pinned" in outcome["refused"]
    assert outcome["txs"] == [[True] * 5 for _ in vectors["txs"]]
    assert outcome["states"] == [[True, True] for _ in vectors["state_proofs"]]
    assert outcome["addresses"] == [True for _ in vectors["addresses"]]
