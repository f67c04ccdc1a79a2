// Formatting: amounts are integers in minor units (BigInt), shown with the asset's decimals.

export function formatAmount(text, decimals = 0) {
  const value = BigInt(text ?? 0);
  if (!decimals) return groupDigits(value.toString());
  const base = 10n ** BigInt(decimals);
  const whole = value / base;
  const fraction = (value % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return groupDigits(whole.toString()) + (fraction ? "." + fraction : "");
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
