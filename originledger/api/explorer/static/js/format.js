// Formatting: amounts are integers in minor units (BigInt), shown with the asset's decimals
// (all of them: 12.50 for a 2-decimal asset, never 12.5), field names as words for people.

export function formatAmount(text, decimals = 0) {
  const value = BigInt(text ?? 0);
  const sign = value < 0n ? "-" : "";
  const magnitude = value < 0n ? -value : value;
  if (!decimals) return sign + groupDigits(magnitude.toString());
  const base = 10n ** BigInt(decimals);
  const whole = magnitude / base;
  const fraction = (magnitude % base).toString().padStart(decimals, "0");
  return `${sign}${groupDigits(whole.toString())}.${fraction}`;
}

// A count (transactions, holders...) with thousands separators.
export function formatCount(n) {
  return groupDigits(String(n ?? 0));
}

// Field names as labels: the known ones by hand, the rest from their snake_case.
const LABELS = {
  symbol: "Symbol", name: "Name", decimals: "Decimals", asset_class: "Class", issuer: "Issuer",
  max_supply: "Max supply", supply: "Supply", created_height: "Created at", holders: "Holders",
  auth_required: "Holders need authorization", freezable: "Freezable",
  clawback_enabled: "Clawback enabled", speculative: "Speculative", agent: "Agent",
  custodian: "Custodian", maturity_ms: "Matures", coupon_bps: "Coupon",
  required_claims: "Required claims", jurisdictions: "Jurisdictions", holders_max: "Holders at most",
  balance_max: "Balance at most", peg: "Peg", jurisdiction: "Jurisdiction", paused: "Paused",
  global_freeze: "Frozen for all", ever_minted: "Ever minted", reserves: "Reserves",
  reserves_as_of_ms: "Reserves as of", from: "From", to: "To", amount: "Amount",
  account: "Account", payer: "Payer", payee: "Payee", expires_at_ms: "Expires",
  hold_id: "Hold", memo: "Memo", address: "Address", role: "Role", reason: "Reason",
  amount_frozen: "Amount frozen", held: "Held", available: "Available", released: "Released",
  public_key: "Public key", power: "Power", as_of_ms: "As of", at_ms: "At", deep: "Deep freeze",
  recipient: "Recipient", sender: "Sender", granted_by: "Granted by", id: "Id",
};

export function label(key) {
  if (Object.hasOwn(LABELS, key)) return LABELS[key];
  // A time, a height or basis points: the unit goes (the value is shown as a date, a block
  // or a percentage); "created_height" reads "Created at".
  const words = String(key)
    .replace(/_(ms|bps)$/, "")
    .replace(/ed_height$/, "ed_at")
    .replace(/_height$/, "")
    .split("_")
    .filter(Boolean)
    .join(" ");
  return words ? words[0].toUpperCase() + words.slice(1) : String(key);
}

function groupDigits(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function short(text, keep = 8) {
  if (!text || text.length <= keep * 2 + 1) return text || "";
  return `${text.slice(0, keep)}…${text.slice(-keep)}`;
}

export function formatTime(ms) {
  if (ms === null || ms === undefined) return "";
  const date = new Date(Number(ms));
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

// Basis points as a percentage: 250 -> "2.50%".
export function formatBps(bps) {
  const value = Number(bps);
  return `${(value / 100).toFixed(2)}%`;
}

export function ago(ms) {
  const seconds = Math.max(0, Math.round((Date.now() - Number(ms)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
