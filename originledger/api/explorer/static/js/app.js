// The Origin explorer: hash routes, views over the node's API and its index, live updates
// from the event stream (server-sent events), proofs checked in the browser.

import { api, enc, ApiError } from "./api.js";
import { barChart, lineChart } from "./charts.js";
import { ago, escapeHtml as h, formatAmount, formatBps, formatCount, formatTime, label, short } from "./format.js";
import {
  Trust,
  VerificationError,
  addressToText,
  base64ToBytes,
  bytesToHex,
  followValidatorSet,
  genesisHashHex,
  msgpackDecode,
  sha256,
  verifyReceipt,
  verifyStateValue,
} from "./proof.js";

const view = document.getElementById("view");
const state = { trust: null, decimals: new Map(), route: "", live: null, lastHeight: 0, genesisHeight: null };

// -- small helpers -------------------------------------------------------------------------

const link = (route, text, attrs = "") => `<a href="#/${route}" ${attrs}>${h(text)}</a>`;
const accountLink = (address, keep = 8) => (address ? link(`account/${enc(address)}`, short(address, keep), `title="${h(address)}" class="mono"`) : "—");
const assetLink = (symbol) => link(`asset/${enc(symbol)}`, symbol);
const txLink = (hash, keep = 8) => link(`tx/${hash}`, short(hash, keep), `class="mono" data-hash="${h(hash)}"`);
const amount = (value, symbol) => `${h(formatAmount(value, state.decimals.get(symbol) ?? 0))}`;
const badge = (ok, text) => `<span class="badge ${ok ? "ok" : "fail"}">${h(text)}</span>`;

// A height as a link; the genesis state (height initial_height - 1, no block of its own) is
// "genesis".
const isGenesis = (height) => state.genesisHeight !== null && Number(height) <= state.genesisHeight;
const blockLink = (height) =>
  height === null || height === undefined ? "—" : isGenesis(height) ? `<span class="tag" title="the genesis state, before block #${Number(height) + 1}">genesis</span>` : link(`block/${height}`, `#${height}`);

// The genesis height: the genesis file's initial_height (1 when absent) minus one.
async function loadGenesisHeight() {
  if (state.genesisHeight !== null) return state.genesisHeight;
  try {
    const genesis = await api("/v1/genesis");
    state.genesisHeight = Number(genesis.initial_height ?? 1) - 1;
  } catch {
    state.genesisHeight = 0;
  }
  return state.genesisHeight;
}

// The account address of a validator's Ed25519 key, as core/address.py derives it: the first
// 20 bytes of SHA-256("origin/account/ed25519" || public key), in bech32m. Shown for people;
// the header's raw field stays what the proofs check.
const ACCOUNT_TAG = new TextEncoder().encode("origin/account/ed25519");
async function validatorAddress(publicKey) {
  const bytes = new Uint8Array(ACCOUNT_TAG.length + publicKey.length);
  bytes.set(ACCOUNT_TAG);
  bytes.set(publicKey, ACCOUNT_TAG.length);
  return addressToText((await sha256(bytes)).slice(0, 20));
}

const hexOrBase64 = (text) => (/^[0-9a-f]{64}$/.test(text) ? Uint8Array.from(text.match(/../g), (x) => parseInt(x, 16)) : base64ToBytes(text));

// Columns: a header is text, or num(text) for a numeric column (right-aligned, header too).
const num = (text) => ({ text, num: true });

// A column that a phone hides (its cells carry the same class).
const wide = (text) => ({ text, wide: true });

function table(headers, rows, attrs = "", empty = "Nothing yet.") {
  if (!rows.length) return `<p class="empty">${h(empty)}</p>`;
  const head = headers.map((x) => (typeof x === "string" ? `<th scope="col">${h(x)}</th>` : `<th scope="col" class="${x.num ? "num" : ""}${x.wide ? "wide-only" : ""}">${h(x.text)}</th>`));
  return `<div class="table-wrap"><table ${attrs}><thead><tr>${head.join("")}</tr></thead>
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
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.length ? value.map(plain).join(", ") : "—";
  if (typeof value === "object") return `<code>${h(JSON.stringify(value))}</code>`;
  if (typeof value === "string" && /^og1[02-9ac-hj-np-z]{38}$/.test(value)) return accountLink(value, 10);
  return h(String(value));
}

// A field's value by what its name says it is: amounts in the asset's units, times as dates,
// heights as blocks, basis points as percentages, the rest plainly.
function fieldValue(key, value, symbol) {
  if (value === null || value === undefined) return "—";
  if (AMOUNT_FIELDS.has(key) && /^\d+$/.test(String(value))) {
    return `${amount(String(value), symbol)}${symbol ? ` <small>${h(symbol)}</small>` : ""}`;
  }
  if (key.endsWith("_ms") && /^\d+$/.test(String(value))) return Number(value) === 0 ? "—" : h(formatTime(value));
  if (key.endsWith("_height") && /^\d+$/.test(String(value))) return blockLink(value);
  if (key.endsWith("_bps") && /^\d+$/.test(String(value))) return h(formatBps(value));
  return plain(value);
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

const durationText = (ms) => {
  const n = Number(ms);
  if (n < 1000) return `${n} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(1)} s`;
  if (n < 3_600_000) return `${(n / 60_000).toFixed(1)} min`;
  return `${(n / 3_600_000).toFixed(1)} h`;
};

const ACTIVITY_BLOCKS = 60;

async function homeView() {
  const [status] = await Promise.all([api("/v1/status"), loadGenesisHeight()]);
  let blocks, txs, failed, stats;
  try {
    [blocks, txs, failed, stats] = await Promise.all([
      api(`/v1/index/blocks?limit=${ACTIVITY_BLOCKS}`),
      api("/v1/index/txs?limit=12"),
      api("/v1/index/txs/failed?limit=8"),
      api("/v1/index/stats"),
    ]);
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "index_disabled")) throw error;
    view.innerHTML = `<section class="card"><h2>${h(status.chain_id)} at block ${blockLink(status.height)}</h2>
      <p class="empty" data-testid="no-index">This node runs no indexer: blocks, transactions and accounts open by
      their height, hash or address (${link(`block/${status.height}`, "latest block")}), but search, histories
      and charts need the index, which <code>origin start</code> runs unless it is told <code>--no-index</code>.</p></section>`;
    return;
  }
  const assets = await loadAssets();
  const empty = stats.txs === 0;
  view.innerHTML = `
    <div class="page-head"><h1>${h(status.chain_id)}</h1><span class="muted">Origin ledger · ${
      status.height > state.genesisHeight ? `latest block ${blockLink(status.height)} ${ago(status.time_ms)}` : "no block yet"
    }</span></div>
    <section class="stats" data-testid="stats">
      ${statCard("Height", `<span data-testid="height">${status.height}</span>`, `${formatCount(stats.blocks)} blocks indexed`)}
      ${statCard("Transactions", `<span data-testid="stat-txs">${formatCount(stats.txs)}</span>`, stats.failed_txs ? `${formatCount(stats.failed_txs)} failed` : "none failed")}
      ${statCard("Accounts", `<span data-testid="stat-accounts">${formatCount(stats.accounts)}</span>`, "seen by the index")}
      ${statCard("Assets", `<span data-testid="stat-assets">${formatCount(stats.assets)}</span>`, `${formatCount(status.mempool_txs)} in the mempool`)}
    </section>
    ${empty ? emptyChainCard(assets) : ""}
    <div class="columns">
      <section class="card"><h2>Transactions per block <small>last ${ACTIVITY_BLOCKS} blocks</small></h2><div class="chart-box" data-testid="txs-chart"></div></section>
      <section class="card"><h2>Time between blocks <small>last ${ACTIVITY_BLOCKS} blocks</small></h2><div class="chart-box" data-testid="blocktime-chart"></div></section>
    </div>
    <div class="columns">
      <section class="card"><h2>Latest blocks</h2><div id="latest-blocks">${blocksTable(blocks.blocks.slice(0, 10))}</div></section>
      <section class="card"><h2>Latest transactions</h2><div id="latest-txs">${txsTable(txs.txs)}</div></section>
    </div>
    <div class="columns">
      <section class="card"><h2>Assets</h2>${assetsTable(assets, stats.holders)}</section>
      <section class="card"><h2>Recent failures</h2><div id="recent-failures">${failuresTable(failed.txs)}</div></section>
    </div>`;
  drawActivity(blocks.blocks);
}

function statCard(title, value, note) {
  return `<div class="stat"><span>${h(title)}</span><strong>${value}</strong><small>${h(note)}</small></div>`;
}

// What to do on a chain with no transaction yet: the commands of the README, with the key
// names `origin init --dev` makes and an asset this chain has.
function emptyChainCard(assets) {
  const asset = assets.find((a) => a.asset_class === "payment") || assets[0];
  const symbol = asset ? asset.symbol : "USDD";
  const decimals = asset ? asset.decimals : 2;
  const sample = formatAmount(String(1250n * 10n ** BigInt(Math.max(decimals, 2) - 2)), decimals);
  return `<section class="card next-steps" data-testid="empty-chain"><h2>No transactions yet</h2>
    <p>This chain has its genesis and nothing else. To see the explorer at work, run the demo (its own node and chain, with the explorer open on it), or send a transfer to this node from a home made with <code>origin init --dev</code> (dev keys <code>alice</code> and <code>bob</code>, passphrase <code>dev</code>):</p>
    <pre class="cmd"><code>origin demo</code></pre>
    <pre class="cmd"><code>ORIGIN_PASSPHRASE=dev origin transfer ${h(sample)} ${h(symbol)} --to bob --from alice --home ./node</code></pre>
    <p class="note">New blocks and transactions appear here by themselves.</p></section>`;
}

function drawActivity(blocks) {
  const txsBox = view.querySelector('[data-testid="txs-chart"]');
  const timeBox = view.querySelector('[data-testid="blocktime-chart"]');
  if (!txsBox || !timeBox) return;
  const oldest = [...blocks].reverse();
  txsBox.replaceChildren(
    barChart("Transactions per block", oldest.map((b) => ({ label: `#${b.height}`, value: BigInt(b.tx_count) })), (v) => formatCount(v), {
      formatAverage: (sum, count) => (Number(sum) / count).toFixed(1),
    }),
  );
  const gaps = [];
  for (let i = 1; i < oldest.length; i++) {
    gaps.push({ label: `#${oldest[i].height}`, value: BigInt(Math.max(0, oldest[i].time_ms - oldest[i - 1].time_ms)) });
  }
  timeBox.replaceChildren(barChart("Time between blocks", gaps, (v) => durationText(v)));
}

function blocksTable(blocks) {
  return table(
    ["Block", "Time", num("Txs"), num("Events")],
    blocks.map((b) => `<tr data-height="${b.height}"><td>${blockLink(b.height)}</td><td title="${h(formatTime(b.time_ms))}">${ago(b.time_ms)}</td><td class="num">${formatCount(b.tx_count)}</td><td class="num">${formatCount(b.event_count)}</td></tr>`),
    'data-testid="blocks"',
  );
}

// A transaction's result: "ok", or "failed" with its codespace, code and message.
function resultCell(t) {
  if (t.ok) return badge(true, "ok");
  const text = `${t.codespace} ${t.code}: ${t.message}`;
  return `${badge(false, "failed")} <span class="fail-msg" data-testid="fail-message" title="${h(text)}">${h(text)}</span>`;
}

function txsTable(txs) {
  return table(
    ["Transaction", "Block", wide("Type"), "Result"],
    txs.map((t) => `<tr data-hash="${h(t.hash)}"><td>${txLink(t.hash)}</td><td>${blockLink(t.height)}</td><td class="wide-only">${h(t.types.join(", "))}</td><td class="result">${resultCell(t)}</td></tr>`),
    'data-testid="txs"',
  );
}

function failuresTable(txs) {
  if (!txs.length) return `<p class="empty" data-testid="no-failures">No failed transaction yet.</p>`;
  return table(
    ["Transaction", "Block", "Message"],
    txs.map((t) => `<tr data-hash="${h(t.hash)}"><td>${txLink(t.hash, 6)}</td><td>${blockLink(t.height)}</td><td><span class="fail-msg wrap" data-testid="fail-message"><strong>${h(t.codespace)} ${h(t.code)}</strong>: ${h(t.message)}</span></td></tr>`),
    'data-testid="failures"',
  );
}

function assetsTable(assets, holders = null) {
  const withHolders = holders !== null;
  return table(
    ["Asset", "Class", num("Supply"), ...(withHolders ? [num("Holders")] : []), "Issuer"],
    assets.map((a) => `<tr data-symbol="${h(a.symbol)}"><td>${assetLink(a.symbol)}</td><td><span class="tag">${h(a.asset_class)}</span></td><td class="num" data-testid="asset-supply-${h(a.symbol)}">${amount(a.supply, a.symbol)}</td>${
      withHolders ? `<td class="num">${formatCount(holders[a.symbol] ?? 0)}</td>` : ""
    }<td>${accountLink(a.issuer, 6)}</td></tr>`),
    'data-testid="assets"',
  );
}

async function refreshHome() {
  const [blocks, txs, failed, stats, status] = await Promise.all([
    api(`/v1/index/blocks?limit=${ACTIVITY_BLOCKS}`),
    api("/v1/index/txs?limit=12"),
    api("/v1/index/txs/failed?limit=8"),
    api("/v1/index/stats"),
    api("/v1/status"),
  ]);
  const blocksBox = document.getElementById("latest-blocks");
  const txsBox = document.getElementById("latest-txs");
  if (!blocksBox || !txsBox) return;
  if (view.querySelector('[data-testid="empty-chain"]') && stats.txs > 0) {
    await homeView(); // the first transactions: the page takes its full form
    return;
  }
  blocksBox.innerHTML = blocksTable(blocks.blocks.slice(0, 10));
  txsBox.innerHTML = txsTable(txs.txs);
  const failures = document.getElementById("recent-failures");
  if (failures) failures.innerHTML = failuresTable(failed.txs);
  const set = (id, value) => {
    const node = view.querySelector(`[data-testid="${id}"]`);
    if (node) node.textContent = value;
  };
  set("height", status.height);
  set("stat-txs", formatCount(stats.txs));
  set("stat-accounts", formatCount(stats.accounts));
  set("stat-assets", formatCount(stats.assets));
  drawActivity(blocks.blocks);
}

async function blockView(height) {
  const [block, txs] = await Promise.all([
    api(`/v1/blocks/${enc(height)}`),
    api(`/v1/index/txs?height=${enc(height)}&limit=500`).catch(() => ({ txs: [] })),
    loadGenesisHeight(),
  ]);
  const header = block.signed_header.header;
  const b64hex = (b) => bytesToHex(base64ToBytes(b));
  const proposerKey = base64ToBytes(header.proposer);
  let proposer = `<span class="mono">${h(bytesToHex(proposerKey))}</span>`;
  try {
    const address = await validatorAddress(proposerKey);
    proposer = `${accountLink(address, 12)} <small class="muted" data-testid="proposer-address" data-address="${h(address)}">validator key <span class="mono">${h(short(bytesToHex(proposerKey), 8))}</span></small>`;
  } catch {
    /* no WebCrypto here (a page not served from localhost or over HTTPS): the key in hex */
  }
  const n = Number(height);
  const previous = n - 1 > state.genesisHeight ? link(`block/${n - 1}`, "← previous") : `<span class="muted">← genesis</span>`;
  view.innerHTML = `<section class="card"><div class="card-head"><h2>Block #${h(height)}</h2>
    <p class="nav">${previous} ${link(`block/${n + 1}`, "next →")}</p></div>
    ${keyValues([
      ["Hash", `<span class="mono">${h(block.hash)}</span>`],
      ["Time", `${h(formatTime(header.time_ms))} <small class="muted">${h(ago(header.time_ms))}</small>`],
      ["Transactions", h(header.tx_count)],
      ["Proposer", `<span data-testid="proposer">${proposer}</span>`],
      ["Signatures", h(block.signed_header.signatures.length)],
      ["Previous hash", `<span class="mono">${h(b64hex(header.previous_hash))}</span>`],
      ["State root", `<span class="mono">${h(b64hex(header.state_root))}</span>`],
      ["Transactions root", `<span class="mono">${h(b64hex(header.tx_root))}</span>`],
      ["Results root", `<span class="mono">${h(b64hex(header.results_root))}</span>`],
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
  await Promise.all([loadAssets(), loadGenesisHeight()]);
  const result = receipt.result;
  const ok = result.code === 0;
  const tx = receipt.tx || { messages: [], signers: [], memo: "" };
  const status = `<span class="badge pending" data-testid="section-status">not yet verified</span>`;
  // Signers are public keys: shown as their accounts' addresses (the key in the tooltip).
  const signers = await Promise.all(
    tx.signers.map(async (key) => {
      try {
        const address = await validatorAddress(hexOrBase64(key));
        return `<a href="#/account/${enc(address)}" class="mono" title="public key ${h(key)}">${h(short(address, 10))}</a>`;
      } catch {
        return `<span class="mono">${h(short(key, 10))}</span>`;
      }
    }),
  );
  const failedAt = result.message_index >= 0 ? ` (message ${h(result.message_index)})` : "";
  view.innerHTML = `<section class="card" data-section="tx"><h2>Transaction ${status}</h2>
    ${keyValues([
      ["Hash", `<span class="mono" data-testid="tx-hash">${h(receipt.hash)}</span>`],
      ["Result", ok ? `${badge(true, "ok")} <span data-testid="tx-result" class="muted">ok</span>` : `${badge(false, "failed")} <span data-testid="tx-result" class="fail-text"><strong>${h(result.codespace)} ${h(result.code)}</strong>: ${h(result.message)}${failedAt}</span>`],
      ["Block", `${blockLink(receipt.height)} · position <span data-testid="tx-index">${h(receipt.index)}</span>`],
      ["Signers", tx.signers.length ? signers.join(", ") : "—"],
      ["Memo", h(tx.memo || "—")],
      ["Expires", h(formatTime(tx.expires_at_ms))],
    ])}</section>
    <section class="card"><h2>Proof</h2>
      <p>Checks in this browser, against the validators of the genesis below, that this transaction, its whole result, its position and its events are in a block those validators signed (Ed25519, RFC 6962 Merkle proofs, the state tree's proofs for validator-set changes, WebCrypto). Only what matches the proven bytes is marked verified.</p>
      <div id="trust-panel" data-testid="trust"></div>
      <button id="verify-proof" type="button">Verify proof</button>
      <div id="proof-result" aria-live="polite"></div></section>
    <section class="card" data-section="messages"><h2>Messages ${status}</h2>${tx.messages.map((m) => `<div class="message"><h3>${h(m.type)}</h3>${keyValues(Object.entries(m).filter(([k]) => k !== "type").map(([k, v]) => [label(k), fieldValue(k, v, m.symbol)]))}</div>`).join("") || `<p class="empty">Undecodable.</p>`}</section>
    <section class="card" data-section="events"><h2>Events ${status}</h2>${table([num("#"), "Type", "Data"], receipt.events.map((e, i) => `<tr><td class="num">${i}</td><td>${h(e.type)}</td><td>${keyValues(Object.entries(e.data).map(([k, v]) => [label(k), fieldValue(k, v, e.data.symbol)]))}</td></tr>`), 'data-testid="events"', ok ? "No events." : "No events: a failed transaction changes nothing and emits none.")}</section>`;
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
  if (box.dataset.again) {
    // The trust changed while this check ran (a genesis pinned meanwhile): its verdict is
    // about the old one, so it is not shown; the check runs again for the new one.
    delete box.dataset.again;
    button.disabled = false;
    await verifyShown(receipt, button, askedHash);
    return;
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

const AMOUNT_FIELDS = new Set([
  "amount", "supply", "max_supply", "released", "amount_frozen", "held", "available", "reserves",
  "balance_max", "settled", "refunded", "deposit", "paid", "captured", "fee",
]);

async function accountView(address, cursor = null) {
  const [answer, holds, history, indexed] = await Promise.all([
    api(`/v1/accounts/${enc(address)}`),
    api(`/v1/query/assets/holds?account=${enc(address)}`).catch(() => ({ result: { holds: [] } })),
    api(`/v1/index/accounts/${enc(address)}/history?limit=25${cursor ? `&cursor=${enc(cursor)}` : ""}`).catch(() => ({ items: [], next_cursor: null })),
    api(`/v1/index/accounts/${enc(address)}`).catch(() => null),
    loadAssets(),
    loadGenesisHeight(),
  ]);
  // The transactions that concern the account (signed or named), failed ones with their
  // messages: the history below lists only movements of units.
  const txs = await api(`/v1/index/txs?address=${enc(answer.address)}&limit=10`).catch(() => ({ txs: [] }));
  const account = answer.account;
  const roles = (account && account.roles) || [];
  const balances = answer.balances || [];
  // When the account first appeared (the index saw it, from genesis on), and when the
  // ledger wrote its account record: a signer's record is (re)written, with its public
  // key, by the first transaction it signs, so the two may differ.
  const firstSeen = indexed ? indexed.first_seen_height : null;
  const recorded = account ? account.created_height : null;
  const since = firstSeen !== null && (recorded === null || firstSeen <= recorded) ? firstSeen : recorded;
  const recordNote =
    recorded !== null && since !== null && recorded > since
      ? ` <small class="muted" data-testid="record-note">its account record${account.public_key ? ", with its public key," : ""} was written at ${isGenesis(recorded) ? "genesis" : `block #${h(recorded)}`}${account.public_key ? ", by the first transaction it signed" : ""}</small>`
      : "";
  view.innerHTML = `<section class="card"><h2>Account</h2>
    ${keyValues([
      ["Address", `<span class="mono" data-testid="account-address">${h(answer.address)}</span>`],
      ["Status", account ? "on the ledger" : "no account record (it may still receive)"],
      ["Roles", roles.length ? roles.map((r) => `<span class="tag">${h(r)}</span>`).join(" ") : "—"],
      ["Since", `<span data-testid="account-since">${since === null ? "—" : blockLink(since)}</span>${recordNote}`],
      ["State at", blockLink(answer.height)],
    ])}</section>
    <section class="card"><h2>Balances</h2>${table(
      ["Asset", num("Balance"), num("Held"), num("Available"), "Flags"],
      balances.map((b) => `<tr data-symbol="${h(b.symbol)}"><td>${assetLink(b.symbol)}</td><td class="num" data-testid="balance-${h(b.symbol)}">${amount(b.amount, b.symbol)}</td><td class="num">${amount(b.held, b.symbol)}</td><td class="num">${amount(b.available, b.symbol)}</td><td>${[
        b.frozen ? `<span class="tag warn">${b.deep ? "deep frozen" : "frozen"}</span>` : "",
        b.amount_frozen && b.amount_frozen !== "0" ? `<span class="tag warn">${amount(b.amount_frozen, b.symbol)} frozen</span>` : "",
        b.authorized ? `<span class="tag">authorized</span>` : "",
      ].filter(Boolean).join(" ") || `<span class="muted">—</span>`}</td></tr>`),
      'data-testid="balances"',
    )}</section>
    <section class="card"><h2>Open holds</h2>${table(
      [wide("Hold"), "Asset", "Payer", "Payee", num("Amount"), "Expires"],
      (holds.result.holds || []).map((x) => `<tr><td class="wide-only"><span class="mono" title="${h(x.hold_id || x.id || "")}">${h(short(x.hold_id || x.id || "", 6))}</span></td><td>${assetLink(x.symbol)}</td><td>${accountLink(x.payer, 5)}</td><td>${accountLink(x.payee, 5)}</td><td class="num">${amount(x.amount, x.symbol)}</td><td>${h(formatTime(x.expires_at_ms))}</td></tr>`),
      'data-testid="holds"',
    )}</section>
    <section class="card"><h2>Latest transactions</h2><div data-testid="account-txs">${txsTable(txs.txs)}</div></section>
    <section class="card"><h2>History <small>movements of units, with the balance after each</small></h2>${table(
      ["Block", wide("Kind"), "Asset", num("Amount"), num("Balance after"), "Counterparty"],
      history.items.map((x) => `<tr><td>${blockLink(x.height)}</td><td class="wide-only">${h(label(x.kind))}</td><td>${assetLink(x.symbol)}</td><td class="num ${x.direction}">${x.direction === "in" ? "+" : "−"}${amount(x.amount, x.symbol)}</td><td class="num">${amount(x.balance, x.symbol)}</td><td>${accountLink(x.counterparty, 5)}</td></tr>`),
      'data-testid="history"',
    )}${history.next_cursor ? `<p><a href="#/account/${enc(address)}/${enc(history.next_cursor)}">Older →</a></p>` : ""}</section>`;
}

// The asset record's fields shown in the summary (the rest is its policy and controls).
const ASSET_SUMMARY = ["symbol", "issuer", "asset_class", "decimals", "supply", "max_supply", "created_height", "name", "holders", "reserves", "reserves_as_of_ms", "custodian"];

async function assetView(symbol) {
  const [asset, record, holders, volume, supply] = await Promise.all([
    api(`/v1/index/assets/${enc(symbol)}`),
    api(`/v1/query/assets/asset?symbol=${enc(symbol)}`).catch(() => null),
    api(`/v1/index/assets/${enc(symbol)}/holders?limit=25`),
    api(`/v1/index/assets/${enc(symbol)}/volume?days=30`),
    api(`/v1/index/assets/${enc(symbol)}/supply?limit=200`),
    loadGenesisHeight(),
  ]);
  state.decimals.set(symbol, asset.decimals);
  const full = record ? record.result.asset : {};
  const fmt = (v) => `${formatAmount(v.toString(), asset.decimals)} ${symbol}`;
  const policy = Object.entries(full).filter(([k]) => !ASSET_SUMMARY.includes(k));
  const unset = (v) => v === null || v === undefined || (Array.isArray(v) && v.length === 0);
  const policyRows = policy.filter(([, v]) => !unset(v)).map(([k, v]) => [label(k), fieldValue(k, v, symbol)]);
  const notSet = policy.filter(([, v]) => unset(v)).map(([k]) => label(k));
  if (notSet.length) policyRows.push(["Not set", `<span class="muted">${h(notSet.join(", "))}</span>`]);
  const reserves =
    asset.reserves === null
      ? "none attested"
      : `${amount(asset.reserves, symbol)} <small>${h(symbol)}</small> as of ${h(formatTime(asset.reserves_as_of_ms))} by ${accountLink(asset.custodian)}`;
  view.innerHTML = `<section class="card"><div class="card-head"><h2>${h(symbol)} <small>${h(full.name || "")}</small></h2><span class="tag">${h(asset.asset_class)}</span></div>
    <div class="stats inner">
      ${statCard("Supply", `<span data-testid="supply">${amount(asset.supply, symbol)}</span>`, symbol)}
      ${statCard("Max supply", amount(asset.max_supply, symbol), symbol)}
      ${statCard("Holders", formatCount(asset.holders), "with a positive balance")}
      ${statCard("Decimals", h(asset.decimals), `1 ${symbol} = ${formatCount(10n ** BigInt(asset.decimals))} units`)}
    </div>
    ${keyValues([
      ["Issuer", accountLink(asset.issuer, 12)],
      ["Issued", blockLink(asset.created_height)],
      ["Reserves", `<span data-testid="reserves">${reserves}</span>`],
    ])}</section>
    <div class="columns">
      <section class="card"><h2>Supply over time</h2><div class="chart-box" data-testid="supply-chart"></div></section>
      <section class="card"><h2>Volume per day <small>30 days</small></h2><div class="chart-box" data-testid="volume-chart"></div></section>
    </div>
    <section class="card"><h2>Policy and controls</h2><div data-testid="policy">${keyValues(policyRows)}</div></section>
    <section class="card"><h2>Top holders</h2>${table(
      ["Account", num("Balance"), num("Held")],
      holders.holders.map((x) => `<tr><td>${accountLink(x.address, 12)}</td><td class="num">${amount(x.amount, symbol)}</td><td class="num">${amount(x.held, symbol)}</td></tr>`),
      'data-testid="holders"',
    )}</section>
    <section class="card"><h2>Reserve attestations</h2>${table(
      ["Block", "Custodian", num("Amount"), "As of"],
      asset.reserve_attestations.map((r) => `<tr><td>${blockLink(r.height)}</td><td>${accountLink(r.custodian)}</td><td class="num">${amount(r.amount, symbol)}</td><td>${h(formatTime(r.as_of_ms))}</td></tr>`),
    )}</section>`;
  view.querySelector('[data-testid="supply-chart"]').appendChild(
    lineChart(`Supply of ${symbol}`, supply.points.map((p) => ({ label: isGenesis(p.height) ? "genesis" : `#${p.height}`, value: BigInt(p.supply) })), fmt),
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
