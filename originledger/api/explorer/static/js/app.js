// The Origin explorer: hash routes, views over the node's API and its index, live updates
// from the event stream (server-sent events), proofs checked in the browser.

import { api, enc, ApiError } from "./api.js";
import { barChart, lineChart } from "./charts.js";
import { ago, escapeHtml as h, formatAmount, formatTime, short } from "./format.js";
import {
  Trust,
  VerificationError,
  bytesToHex,
  followValidatorSet,
  genesisHashHex,
  msgpackDecode,
  verifyReceipt,
  verifyStateValue,
} from "./proof.js";

const view = document.getElementById("view");
const state = { trust: null, decimals: new Map(), route: "", live: null, lastHeight: 0 };

// -- small helpers -------------------------------------------------------------------------

const link = (route, text, attrs = "") => `<a href="#/${route}" ${attrs}>${h(text)}</a>`;
const accountLink = (address, keep = 8) => (address ? link(`account/${enc(address)}`, short(address, keep), `title="${h(address)}" class="mono"`) : "—");
const assetLink = (symbol) => link(`asset/${enc(symbol)}`, symbol);
const blockLink = (height) => link(`block/${height}`, `#${height}`);
const txLink = (hash, keep = 8) => link(`tx/${hash}`, short(hash, keep), `class="mono" data-hash="${h(hash)}"`);
const amount = (value, symbol) => `${h(formatAmount(value, state.decimals.get(symbol) ?? 0))}`;
const badge = (ok, text) => `<span class="badge ${ok ? "ok" : "fail"}">${h(text)}</span>`;

function table(headers, rows, attrs = "") {
  if (!rows.length) return `<p class="empty">Nothing yet.</p>`;
  return `<div class="table-wrap"><table ${attrs}><thead><tr>${headers.map((x) => `<th>${h(x)}</th>`).join("")}</tr></thead>
  <tbody>${rows.join("")}</tbody></table></div>`;
}

function keyValues(entries) {
  return `<dl class="kv">${entries
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<dt>${h(k)}</dt><dd>${v}</dd>`)
    .join("")}</dl>`;
}

function plain(value) {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value)) return value.length ? value.map(plain).join(", ") : "—";
  if (typeof value === "object") return `<code>${h(JSON.stringify(value))}</code>`;
  if (typeof value === "string" && value.startsWith("og1")) return accountLink(value, 10);
  return h(String(value));
}

function showError(error) {
  const notFound = error instanceof ApiError && error.status === 404;
  view.innerHTML = `<section class="card"><h2>${notFound ? "Not found" : "Something went wrong"}</h2>
    <p class="error" data-testid="error">${h(error.message || String(error))}</p><p>${link("", "Back to the latest blocks")}</p></section>`;
}

async function loadAssets() {
  try {
    const answer = await api("/v1/index/assets");
    for (const asset of answer.assets) state.decimals.set(asset.symbol, asset.decimals);
    return answer.assets;
  } catch {
    return [];
  }
}

// -- trust: the genesis the user pins, and the validator sets followed from it ---------------

// The genesis hash the user pinned in this browser (localStorage, per node origin), or null.
const PIN_KEY = "origin.genesis_hash";
const HASH_RE = /^[0-9a-f]{64}$/;

function pinnedGenesis() {
  try {
    const value = localStorage.getItem(PIN_KEY);
    return value && HASH_RE.test(value) ? value : null;
  } catch {
    return null;
  }
}

function setPinnedGenesis(hash) {
  if (hash === null) localStorage.removeItem(PIN_KEY);
  else localStorage.setItem(PIN_KEY, hash);
  state.trust = null;
}

// The node's genesis file, its exact bytes (the genesis hash is over them).
async function genesisBytes() {
  const response = await fetch("/v1/genesis", { headers: { accept: "application/json" } });
  if (!response.ok) throw new VerificationError(`the node serves no genesis (${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

// The light client's trust, built from the node's genesis (which must hash to the pinned
// hash when one is pinned), then brought up to the node's latest validator set.
// The proven validator sets are kept in localStorage by genesis hash, so that the next
// visit can skip to the latest set (within the trusting period) instead of re-reading every
// change since genesis.
const trustStoreKey = (genesisHash) => `origin.trust.${genesisHash}`;

async function trust() {
  const pinned = pinnedGenesis();
  if (!state.trust || state.trust.pinnedHash !== pinned) {
    const fresh = await Trust.fromGenesis(await genesisBytes(), pinned);
    fresh.pinnedHash = pinned;
    try {
      fresh.restore(JSON.parse(localStorage.getItem(trustStoreKey(fresh.genesisHash)) || "null"));
    } catch {
      /* nothing saved, or unreadable: start from the genesis */
    }
    state.trust = fresh;
  }
  try {
    await followValidatorSet(state.trust, api);
  } catch (error) {
    state.trust = null;
    throw error;
  }
  try {
    localStorage.setItem(trustStoreKey(state.trust.genesisHash), JSON.stringify(state.trust.export()));
  } catch {
    /* storage full or disabled: the next visit starts from the genesis again */
  }
  return state.trust;
}

// -- views ---------------------------------------------------------------------------------

async function homeView() {
  const status = await api("/v1/status");
  let blocks, txs;
  try {
    [blocks, txs] = await Promise.all([api("/v1/index/blocks?limit=10"), api("/v1/index/txs?limit=15")]);
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "index_disabled")) throw error;
    view.innerHTML = `<section class="card"><h2>${h(status.chain_id)} at block ${blockLink(status.height)}</h2>
      <p class="empty" data-testid="no-index">This node runs no indexer: blocks, transactions and accounts open by
      their height, hash or address (${link(`block/${status.height}`, "latest block")}), but search, histories
      and charts need the index (start the node without --no-index).</p></section>`;
    return;
  }
  const assets = await loadAssets();
  view.innerHTML = `
    <section class="stats">
      <div class="stat"><span>Chain</span><strong>${h(status.chain_id)}</strong></div>
      <div class="stat"><span>Height</span><strong data-testid="height">${status.height}</strong></div>
      <div class="stat"><span>Mempool</span><strong>${status.mempool_txs}</strong></div>
      <div class="stat"><span>Assets</span><strong>${assets.length}</strong></div>
    </section>
    <div class="columns">
      <section class="card"><h2>Latest blocks</h2><div id="latest-blocks">${blocksTable(blocks.blocks)}</div></section>
      <section class="card"><h2>Latest transactions</h2><div id="latest-txs">${txsTable(txs.txs)}</div></section>
    </div>
    <section class="card"><h2>Assets</h2>${assetsTable(assets)}</section>`;
}

function blocksTable(blocks) {
  return table(
    ["Block", "Time", "Txs", "Events"],
    blocks.map((b) => `<tr data-height="${b.height}"><td>${blockLink(b.height)}</td><td title="${h(formatTime(b.time_ms))}">${ago(b.time_ms)}</td><td>${b.tx_count}</td><td>${b.event_count}</td></tr>`),
    'data-testid="blocks"',
  );
}

function txsTable(txs) {
  return table(
    ["Transaction", "Block", "Type", "Result"],
    txs.map((t) => `<tr data-hash="${h(t.hash)}"><td>${txLink(t.hash)}</td><td>${blockLink(t.height)}</td><td>${h(t.types.join(", "))}</td><td>${badge(t.ok, t.ok ? "ok" : `${t.codespace} ${t.code}`)}</td></tr>`),
    'data-testid="txs"',
  );
}

function assetsTable(assets) {
  return table(
    ["Asset", "Class", "Supply", "Issuer"],
    assets.map((a) => `<tr><td>${assetLink(a.symbol)}</td><td>${h(a.asset_class)}</td><td class="num">${amount(a.supply, a.symbol)}</td><td>${accountLink(a.issuer)}</td></tr>`),
  );
}

async function refreshHome() {
  const [blocks, txs, status] = await Promise.all([
    api("/v1/index/blocks?limit=10"),
    api("/v1/index/txs?limit=15"),
    api("/v1/status"),
  ]);
  const blocksBox = document.getElementById("latest-blocks");
  const txsBox = document.getElementById("latest-txs");
  if (!blocksBox || !txsBox) return;
  blocksBox.innerHTML = blocksTable(blocks.blocks);
  txsBox.innerHTML = txsTable(txs.txs);
  const height = document.querySelector('[data-testid="height"]');
  if (height) height.textContent = status.height;
}

async function blockView(height) {
  const [block, txs] = await Promise.all([
    api(`/v1/blocks/${enc(height)}`),
    api(`/v1/index/txs?height=${enc(height)}&limit=500`).catch(() => ({ txs: [] })),
  ]);
  const header = block.signed_header.header;
  const b64hex = (b) => {
    const bin = atob(b);
    return Array.from(bin, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  };
  const n = Number(height);
  view.innerHTML = `<section class="card"><h2>Block #${h(height)}</h2>
    <p class="nav">${n > 1 ? link(`block/${n - 1}`, "← previous") : ""} ${link(`block/${n + 1}`, "next →")}</p>
    ${keyValues([
      ["Hash", `<span class="mono">${h(block.hash)}</span>`],
      ["Time", h(formatTime(header.time_ms))],
      ["Transactions", h(header.tx_count)],
      ["Previous hash", `<span class="mono">${h(b64hex(header.previous_hash))}</span>`],
      ["State root", `<span class="mono">${h(b64hex(header.state_root))}</span>`],
      ["Tx root", `<span class="mono">${h(b64hex(header.tx_root))}</span>`],
      ["Results root", `<span class="mono">${h(b64hex(header.results_root))}</span>`],
      ["Proposer", `<span class="mono">${h(b64hex(header.proposer))}</span>`],
      ["Signatures", h(block.signed_header.signatures.length)],
    ])}</section>
    <section class="card"><h2>Transactions</h2>${
      txs.txs.length ? txsTable(txs.txs) : table(["Transaction"], block.txs.map((t) => `<tr><td>${txLink(t, 16)}</td></tr>`))
    }</section>`;
}

async function txView(hash) {
  const receipt = await api(`/v1/txs/${enc(hash)}`);
  if (receipt.status !== "committed") {
    view.innerHTML = `<section class="card"><h2>Transaction</h2><p class="mono">${h(hash)}</p>
      <p>${badge(true, receipt.status)} waiting in the mempool; this page refreshes when it commits.</p></section>`;
    setTimeout(() => state.route === `tx/${hash}` && render(), 1000);
    return;
  }
  await loadAssets();
  const result = receipt.result;
  const ok = result.code === 0;
  const tx = receipt.tx || { messages: [], signers: [], memo: "" };
  const status = `<span class="badge pending" data-testid="section-status">not yet verified</span>`;
  const failedAt = result.message_index >= 0 ? ` (message ${h(result.message_index)})` : "";
  view.innerHTML = `<section class="card" data-section="tx"><h2>Transaction ${status}</h2>
    ${keyValues([
      ["Hash", `<span class="mono" data-testid="tx-hash">${h(receipt.hash)}</span>`],
      ["Result", `${badge(ok, ok ? "ok" : "failed")} <span data-testid="tx-result">${h(result.codespace)} ${h(result.code)}: ${h(result.message)}${failedAt}</span>`],
      ["Block", `${blockLink(receipt.height)} · position <span data-testid="tx-index">${h(receipt.index)}</span>`],
      ["Signers", tx.signers.length ? tx.signers.map((k) => `<span class="mono">${h(short(k, 10))}</span>`).join(", ") : "—"],
      ["Memo", h(tx.memo || "—")],
      ["Expires", h(formatTime(tx.expires_at_ms))],
    ])}</section>
    <section class="card"><h2>Proof</h2>
      <p>Checks in this browser, against the validators of the genesis below, that this transaction, its whole result, its position and its events are in a block those validators signed (Ed25519, RFC 6962 Merkle proofs, the state tree's proofs for validator-set changes, WebCrypto). Only what matches the proven bytes is marked verified.</p>
      <div id="trust-panel" data-testid="trust"></div>
      <button id="verify-proof" type="button">Verify proof</button>
      <div id="proof-result" aria-live="polite"></div></section>
    <section class="card" data-section="messages"><h2>Messages ${status}</h2>${tx.messages.map((m) => `<div class="message"><h3>${h(m.type)}</h3>${keyValues(Object.entries(m).filter(([k]) => k !== "type").map(([k, v]) => [k, plainAmount(k, v, m.symbol)]))}</div>`).join("") || `<p class="empty">Undecodable.</p>`}</section>
    <section class="card" data-section="events"><h2>Events ${status}</h2>${table(["#", "Type", "Data"], receipt.events.map((e, i) => `<tr><td>${i}</td><td>${h(e.type)}</td><td>${keyValues(Object.entries(e.data).map(([k, v]) => [k, plainAmount(k, v, e.data.symbol)]))}</td></tr>`), 'data-testid="events"')}</section>`;
  const button = document.getElementById("verify-proof");
  const run = () => verifyShown(receipt, button, hash);
  button.addEventListener("click", run);
  await renderTrustPanel(run);
  run();
}

// Mark every section of the transaction page verified or not.
function markSections(verdict, pinned = false) {
  const text = { true: pinned ? "verified" : "verified (genesis not pinned)", false: "not verified", pending: "not yet verified" }[verdict];
  const kind = { true: pinned ? "ok" : "warn", false: "fail", pending: "pending" }[verdict];
  for (const node of view.querySelectorAll('[data-testid="section-status"]')) {
    node.className = `badge ${kind}`;
    node.textContent = text;
  }
}

async function verifyShown(receipt, button, askedHash) {
  const box = document.getElementById("proof-result");
  if (!box) return;
  if (button.disabled) {
    // A check is running (e.g. the user pinned a genesis meanwhile): run again after it.
    box.dataset.again = "true";
    return;
  }
  button.disabled = true;
  delete box.dataset.verified;
  box.className = "proof";
  box.innerHTML = "Verifying…";
  markSections("pending");
  let outcome;
  let trusted = null;
  try {
    trusted = await trust();
    outcome = await verifyReceipt(receipt, trusted, askedHash);
    if (outcome.ok) {
      const decimals = await checkDecimals(receipt, trusted);
      if (decimals.learned && view.contains(box)) {
        // Render the page again with the proven decimals (it verifies again, once).
        button.disabled = false;
        await render();
        return;
      }
      outcome.checks.push(...decimals.checks);
      outcome.ok = outcome.checks.every((c) => c.ok);
    }
  } catch (error) {
    outcome = { ok: false, checks: [{ name: "the chain's validators are known from the trusted genesis", ok: false, detail: error.message || String(error) }] };
  }
  const pinned = trusted !== null && trusted.pinned;
  box.className = outcome.ok ? (pinned ? "proof ok" : "proof warn") : "proof fail";
  box.dataset.trust = pinned ? "pinned" : "node";
  const headline = outcome.ok
    ? pinned
      ? "✔ Verified against the genesis you pinned"
      : "✔ Verified, but only against the node's own genesis (not pinned): pin a genesis hash for a check that does not trust this node"
    : "✘ Not verified: what this page shows may be forged";
  box.innerHTML = `<p><strong data-testid="proof-headline">${h(headline)}</strong></p>
    <ul>${outcome.checks.map((c) => `<li class="${c.ok ? "ok" : "fail"}">${c.ok ? "✔" : "✘"} ${h(c.name)}${c.detail ? ` <small class="mono">${h(c.detail)}</small>` : ""}</li>`).join("")}</ul>
    ${outcome.ok ? `<p class="note">Event numbers are positions in this transaction (the node's sequence numbers are not proven).</p>` : ""}`;
  box.dataset.verified = outcome.ok ? "true" : "false";
  markSections(outcome.ok ? true : false, pinned);
  button.disabled = false;
  if (box.dataset.again) {
    delete box.dataset.again;
    await verifyShown(receipt, button, askedHash);
  }
}

// The amounts on the page are placed by each asset's decimals, which come from the index:
// check them against the asset record proven in the latest state (assets/asset/<symbol>).
async function checkDecimals(receipt, trusted) {
  const symbols = new Set();
  for (const m of (receipt.tx && receipt.tx.messages) || []) if (typeof m.symbol === "string") symbols.add(m.symbol);
  for (const e of receipt.events || []) if (e.data && typeof e.data.symbol === "string") symbols.add(e.data.symbol);
  const checks = [];
  let learned = false;
  for (const symbol of symbols) {
    const key = new TextEncoder().encode(`assets/asset/${symbol}`);
    try {
      const proven = await verifyStateValue(trusted, await api(`/v1/state/${bytesToHex(key)}?prove=true`), key);
      const decimals = proven.value === null ? 0 : Number(msgpackDecode(proven.value).get("decimals"));
      if (!state.decimals.has(symbol)) {
        // The index does not know the asset (or there is no index): the page placed its
        // amounts as whole units; take the proven decimals and show the page again.
        state.decimals.set(symbol, decimals);
        learned = true;
      }
      const shown = state.decimals.get(symbol);
      checks.push({ name: `${symbol} amounts are placed by the asset's proven decimals`, ok: decimals === shown, detail: `proven ${decimals}, shown ${shown}` });
    } catch (error) {
      checks.push({ name: `${symbol} amounts are placed by the asset's proven decimals`, ok: false, detail: error.message || String(error) });
    }
  }
  return { checks, learned };
}

// Where the page's trust comes from, and the form to pin a genesis hash.
async function renderTrustPanel(onChange) {
  const panel = document.getElementById("trust-panel");
  const pinned = pinnedGenesis();
  let served = "unavailable";
  try {
    served = await genesisHashHex(await genesisBytes());
  } catch {
    /* shown as unavailable */
  }
  panel.dataset.pinned = pinned ? "true" : "false";
  panel.className = pinned ? "trust" : "trust warn";
  panel.innerHTML = `${
    pinned
      ? `<p>Genesis pinned in this browser: <code class="mono" data-testid="pinned-hash">${h(pinned)}</code>${pinned === served ? "" : ` <strong class="fail">— the node serves another genesis (${h(served)}): it is not the chain you pinned</strong>`}</p>`
      : `<p data-testid="trust-warning"><strong>Trust comes from this node.</strong> No genesis hash is pinned in this browser, so the proofs are checked against the genesis this node serves: they show that the node agrees with itself, not that it tells the truth. Pin the genesis hash of the chain you trust, obtained from somewhere other than this node (its operators, or a genesis file you hold: SHA-256 of its exact bytes).</p>`
  }
    <p class="note">The node's genesis hash, computed here from <code>/v1/genesis</code>: <code class="mono" data-testid="node-genesis-hash">${h(served)}</code></p>
    <form id="pin-form" class="pin"><input id="pin-input" name="hash" autocomplete="off" spellcheck="false" placeholder="genesis hash (64 hex digits)" aria-label="Genesis hash to pin" value="${h(pinned || "")}">
      <button type="submit" id="pin-submit">Pin</button>
      ${HASH_RE.test(served) && served !== pinned ? `<button type="button" id="pin-node">Pin the node's hash (trust on first use)</button>` : ""}
      ${pinned ? `<button type="button" id="pin-forget">Forget the pin</button>` : ""}</form>
    <p class="note">This page's code is served by the node too: pinning stops a node or a proxy that rewrites answers, or a node of another chain, but not a node that changes this page. For a check that trusts no node at all, use the SDK or <code>origin query tx HASH --prove --genesis-hash HEX</code>.</p>
    <p class="error" id="pin-error" role="alert"></p>`;
  const changed = async (hash) => {
    setPinnedGenesis(hash);
    await renderTrustPanel(onChange);
    onChange();
  };
  panel.querySelector("#pin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = panel.querySelector("#pin-input").value.trim().toLowerCase();
    if (!HASH_RE.test(value)) {
      panel.querySelector("#pin-error").textContent = "A genesis hash is 64 hexadecimal digits.";
      return;
    }
    changed(value);
  });
  panel.querySelector("#pin-node")?.addEventListener("click", () => changed(served));
  panel.querySelector("#pin-forget")?.addEventListener("click", () => changed(null));
}

const AMOUNT_FIELDS = new Set(["amount", "supply", "max_supply", "released", "amount_frozen", "held", "available", "reserves"]);

function plainAmount(key, value, symbol) {
  if (AMOUNT_FIELDS.has(key) && typeof value === "string" && /^\d+$/.test(value)) {
    return `${amount(value, symbol)}${symbol ? ` <small>${h(symbol)}</small>` : ""}`;
  }
  return plain(value);
}

async function accountView(address, cursor = null) {
  const [answer, holds, history, indexed] = await Promise.all([
    api(`/v1/accounts/${enc(address)}`),
    api(`/v1/query/assets/holds?account=${enc(address)}`).catch(() => ({ result: { holds: [] } })),
    api(`/v1/index/accounts/${enc(address)}/history?limit=25${cursor ? `&cursor=${enc(cursor)}` : ""}`).catch(() => ({ items: [], next_cursor: null })),
    api(`/v1/index/accounts/${enc(address)}`).catch(() => null),
    loadAssets(),
  ]);
  const account = answer.account;
  const roles = (account && account.roles) || [];
  const balances = answer.balances || [];
  view.innerHTML = `<section class="card"><h2>Account</h2>
    ${keyValues([
      ["Address", `<span class="mono" data-testid="account-address">${h(answer.address)}</span>`],
      ["Status", account ? "on the ledger" : "no account record (it may still receive)"],
      ["Roles", roles.length ? roles.map((r) => `<span class="tag">${h(r)}</span>`).join(" ") : "—"],
      ["Created at", account ? blockLink(account.created_height) : "—"],
      ["First seen (index)", indexed ? blockLink(indexed.first_seen_height) : "—"],
      ["State height", h(answer.height)],
    ])}</section>
    <section class="card"><h2>Balances</h2>${table(
      ["Asset", "Balance", "Held", "Available", "Flags"],
      balances.map((b) => `<tr data-symbol="${h(b.symbol)}"><td>${assetLink(b.symbol)}</td><td class="num" data-testid="balance-${h(b.symbol)}">${amount(b.amount, b.symbol)}</td><td class="num">${amount(b.held, b.symbol)}</td><td class="num">${amount(b.available, b.symbol)}</td><td>${[
        b.frozen ? `<span class="tag warn">${b.deep ? "deep frozen" : "frozen"}</span>` : "",
        b.amount_frozen && b.amount_frozen !== "0" ? `<span class="tag warn">${amount(b.amount_frozen, b.symbol)} frozen</span>` : "",
        b.authorized ? `<span class="tag">authorized</span>` : "",
      ].join(" ") || "—"}</td></tr>`),
      'data-testid="balances"',
    )}</section>
    <section class="card"><h2>Open holds</h2>${table(
      ["Hold", "Asset", "Payer", "Payee", "Amount", "Expires"],
      (holds.result.holds || []).map((x) => `<tr><td class="mono">${h(short(x.hold_id || x.id || "", 6))}</td><td>${assetLink(x.symbol)}</td><td>${accountLink(x.payer)}</td><td>${accountLink(x.payee)}</td><td class="num">${amount(x.amount, x.symbol)}</td><td>${h(formatTime(x.expires_at_ms))}</td></tr>`),
    )}</section>
    <section class="card"><h2>History</h2>${table(
      ["Block", "Kind", "Asset", "Amount", "Balance after", "Counterparty"],
      history.items.map((x) => `<tr><td>${blockLink(x.height)}</td><td>${h(x.kind)}</td><td>${assetLink(x.symbol)}</td><td class="num ${x.direction}">${x.direction === "in" ? "+" : "−"}${amount(x.amount, x.symbol)}</td><td class="num">${amount(x.balance, x.symbol)}</td><td>${accountLink(x.counterparty)}</td></tr>`),
      'data-testid="history"',
    )}${history.next_cursor ? `<p><a href="#/account/${enc(address)}/${enc(history.next_cursor)}">Older →</a></p>` : ""}</section>`;
}

async function assetView(symbol) {
  const [asset, record, holders, volume, supply] = await Promise.all([
    api(`/v1/index/assets/${enc(symbol)}`),
    api(`/v1/query/assets/asset?symbol=${enc(symbol)}`).catch(() => null),
    api(`/v1/index/assets/${enc(symbol)}/holders?limit=25`),
    api(`/v1/index/assets/${enc(symbol)}/volume?days=30`),
    api(`/v1/index/assets/${enc(symbol)}/supply?limit=200`),
  ]);
  state.decimals.set(symbol, asset.decimals);
  const full = record ? record.result.asset : {};
  const fmt = (v) => formatAmount(v.toString(), asset.decimals);
  const policy = Object.entries(full).filter(([k]) => !["symbol", "issuer", "asset_class", "decimals", "supply", "max_supply", "created_height", "name", "holders"].includes(k));
  view.innerHTML = `<section class="card"><h2>${h(symbol)} <small>${h(full.name || "")}</small></h2>
    ${keyValues([
      ["Class", `<span class="tag">${h(asset.asset_class)}</span>`],
      ["Issuer", accountLink(asset.issuer, 12)],
      ["Supply", `<span data-testid="supply">${amount(asset.supply, symbol)}</span>`],
      ["Max supply", amount(asset.max_supply, symbol)],
      ["Decimals", h(asset.decimals)],
      ["Holders", h(asset.holders)],
      ["Issued at", blockLink(asset.created_height)],
      ["Reserves", asset.reserves === null ? "—" : `${amount(asset.reserves, symbol)} as of ${h(formatTime(asset.reserves_as_of_ms))} by ${accountLink(asset.custodian)}`],
    ])}</section>
    <div class="columns">
      <section class="card"><h2>Supply over time</h2><div class="chart-box" data-testid="supply-chart"></div></section>
      <section class="card"><h2>Volume per day (30 days)</h2><div class="chart-box" data-testid="volume-chart"></div></section>
    </div>
    <section class="card"><h2>Policy and controls</h2>${keyValues(policy.map(([k, v]) => [k, plainAmount(k, v, symbol)]))}</section>
    <section class="card"><h2>Top holders</h2>${table(
      ["Account", "Balance", "Held"],
      holders.holders.map((x) => `<tr><td>${accountLink(x.address, 12)}</td><td class="num">${amount(x.amount, symbol)}</td><td class="num">${amount(x.held, symbol)}</td></tr>`),
      'data-testid="holders"',
    )}</section>
    <section class="card"><h2>Reserve attestations</h2>${table(
      ["Block", "Custodian", "Amount", "As of"],
      asset.reserve_attestations.map((r) => `<tr><td>${blockLink(r.height)}</td><td>${accountLink(r.custodian)}</td><td class="num">${amount(r.amount, symbol)}</td><td>${h(formatTime(r.as_of_ms))}</td></tr>`),
    )}</section>`;
  view.querySelector('[data-testid="supply-chart"]').appendChild(
    lineChart(`Supply of ${symbol}`, supply.points.map((p) => ({ label: `#${p.height}`, value: BigInt(p.supply) })), fmt),
  );
  view.querySelector('[data-testid="volume-chart"]').appendChild(
    barChart(`Volume of ${symbol} per day`, volume.days.map((d) => ({ label: d.day, value: BigInt(d.amount), note: `${d.transfers} transfers` })), fmt),
  );
}

async function searchView(query) {
  const answer = await api(`/v1/search?q=${enc(query)}`);
  const results = answer.results;
  const route = (r) => (r.kind === "block" ? `block/${r.id}` : `${r.kind}/${enc(r.id)}`);
  if (results.length === 1) {
    location.replace(`#/${route(results[0])}`);
    return;
  }
  view.innerHTML = `<section class="card"><h2>Search: ${h(query)}</h2>${
    results.length
      ? `<ul class="results">${results.map((r) => `<li><span class="tag">${h(r.kind)}</span> ${link(route(r), r.id)}</li>`).join("")}</ul>`
      : `<p class="empty" data-testid="no-results">Nothing matches. Try a block height, a transaction hash, an address (og1…) or an asset symbol.</p>`
  }</section>`;
}

// -- routing -------------------------------------------------------------------------------

async function render() {
  const route = location.hash.replace(/^#\/?/, "");
  state.route = route;
  const [page, ...rest] = route.split("/");
  const arg = rest.map(decodeURIComponent);
  document.body.dataset.page = page || "home";
  view.setAttribute("aria-busy", "true");
  try {
    if (!page) await homeView();
    else if (page === "block") await blockView(arg[0]);
    else if (page === "tx") await txView(arg[0]);
    else if (page === "account") await accountView(arg[0], arg[1] || null);
    else if (page === "asset") await assetView(arg[0]);
    else if (page === "search") await searchView(arg.join("/"));
    else throw new ApiError(404, "not_found", `no page ${page}`);
  } catch (error) {
    showError(error);
  } finally {
    view.setAttribute("aria-busy", "false");
  }
}

// -- live updates --------------------------------------------------------------------------

let refreshTimer = null;

function scheduleRefresh(height) {
  if (refreshTimer) return;
  refreshTimer = setTimeout(async function again() {
    refreshTimer = null;
    try {
      const status = await api("/v1/index/status");
      if (status.indexed_height !== null && status.indexed_height < height) {
        refreshTimer = setTimeout(again, 150); // the index is a moment behind the block
        return;
      }
      if (state.route === "") await refreshHome();
    } catch {
      /* the next event retries */
    }
  }, 100);
}

async function startLive() {
  const dot = document.getElementById("live");
  const heightBox = document.getElementById("live-height");
  let after = null;
  try {
    const status = await api("/v1/status");
    after = `${status.height}:2147483647`;
    heightBox.textContent = `#${status.height}`;
    state.lastHeight = status.height;
  } catch {
    after = null;
  }
  const connect = () => {
    const source = new EventSource(`/v1/events/stream${after ? `?after=${enc(after)}` : ""}`);
    state.live = source;
    source.onopen = () => {
      dot.dataset.state = "on";
      dot.title = "live: following the event stream";
    };
    source.addEventListener("ledger", (message) => {
      after = message.lastEventId || after;
      const event = JSON.parse(message.data);
      if (event.height > state.lastHeight) {
        state.lastHeight = event.height;
        heightBox.textContent = `#${event.height}`;
      }
      scheduleRefresh(event.height);
    });
    source.onerror = () => {
      dot.dataset.state = "off";
      dot.title = "reconnecting…";
    };
  };
  connect();
}

document.getElementById("search").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("search-input");
  const query = input.value.trim();
  if (query) location.hash = `#/search/${enc(query)}`;
  input.blur();
});

window.addEventListener("hashchange", render);
render();
startLive();
