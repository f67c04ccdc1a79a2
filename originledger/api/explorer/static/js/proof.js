// Proof verification in the browser, written from docs/verification.md: canonical
// MessagePack (as msgspec writes it), RFC 6962 list inclusion proofs and the state tree's
// proofs with WebCrypto SHA-256, Ed25519 header and transaction signatures, bech32m
// addresses, and a light client that starts from a genesis the user pins and follows the
// validator set (as originledger/sdk/verify.py's TrustedValidators does).
//
// Nothing here trusts the node: a value is shown as verified only when it was derived from,
// or compared with, bytes that hash up to a header signed by the trusted validators.

import { EVENT_FIELDS } from "./events.js";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

export function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function hexToBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

function concat(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// -- MessagePack ---------------------------------------------------------------------------

class Writer {
  constructor() {
    this.parts = [];
  }
  byte(b) {
    this.parts.push(Uint8Array.of(b));
  }
  raw(bytes) {
    this.parts.push(bytes);
  }
  uint(prefix, value, size) {
    const view = new DataView(new ArrayBuffer(size + 1));
    view.setUint8(0, prefix);
    if (size === 1) view.setUint8(1, Number(value));
    else if (size === 2) view.setUint16(1, Number(value));
    else if (size === 4) view.setUint32(1, Number(value));
    else view.setBigUint64(1, BigInt(value));
    this.raw(new Uint8Array(view.buffer));
  }
  int(prefix, value, size) {
    const view = new DataView(new ArrayBuffer(size + 1));
    view.setUint8(0, prefix);
    if (size === 1) view.setInt8(1, Number(value));
    else if (size === 2) view.setInt16(1, Number(value));
    else if (size === 4) view.setInt32(1, Number(value));
    else view.setBigInt64(1, BigInt(value));
    this.raw(new Uint8Array(view.buffer));
  }
  bytes() {
    return concat(...this.parts);
  }
}

function writeInteger(w, value) {
  const n = BigInt(value);
  if (n >= 0n) {
    if (n < 128n) w.byte(Number(n));
    else if (n < 256n) w.uint(0xcc, n, 1);
    else if (n < 65536n) w.uint(0xcd, n, 2);
    else if (n < 4294967296n) w.uint(0xce, n, 4);
    else w.uint(0xcf, n, 8);
  } else if (n >= -32n) w.byte(Number(n) & 0xff);
  else if (n >= -128n) w.int(0xd0, n, 1);
  else if (n >= -32768n) w.int(0xd1, n, 2);
  else if (n >= -2147483648n) w.int(0xd2, n, 4);
  else w.int(0xd3, n, 8);
}

function writeLength(w, length, small, smallMax, prefix8, prefix16, prefix32) {
  if (small !== null && length <= smallMax) w.byte(small | length);
  else if (prefix8 !== null && length < 256) w.uint(prefix8, length, 1);
  else if (length < 65536) w.uint(prefix16, length, 2);
  else w.uint(prefix32, length, 4);
}

// Values: {int: n} or a number/bigint for integers, strings, Uint8Array for bytes, arrays,
// Map (ordered keys) or plain objects (insertion order), booleans, null.
export function msgpackEncode(value) {
  const w = new Writer();
  const write = (v) => {
    if (v === null || v === undefined) w.byte(0xc0);
    else if (v === true) w.byte(0xc3);
    else if (v === false) w.byte(0xc2);
    else if (typeof v === "number" || typeof v === "bigint") {
      if (typeof v === "number" && !Number.isInteger(v)) throw new Error("floats are not canonical");
      writeInteger(w, v);
    } else if (typeof v === "string") {
      const bytes = textEncoder.encode(v);
      writeLength(w, bytes.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
      w.raw(bytes);
    } else if (v instanceof Uint8Array) {
      writeLength(w, v.length, null, 0, 0xc4, 0xc5, 0xc6);
      w.raw(v);
    } else if (Array.isArray(v)) {
      writeLength(w, v.length, 0x90, 15, null, 0xdc, 0xdd);
      v.forEach(write);
    } else {
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
      writeLength(w, entries.length, 0x80, 15, null, 0xde, 0xdf);
      for (const [key, item] of entries) {
        write(key);
        write(item);
      }
    }
  };
  write(value);
  return w.bytes();
}

export function msgpackDecode(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  const take = (n) => {
    if (offset + n > bytes.length) throw new Error("truncated msgpack");
    const part = bytes.subarray(offset, offset + n);
    offset += n;
    return part;
  };
  const u8 = () => take(1)[0];
  const at = () => offset;
  const read = () => {
    const b = u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 256;
    if ((b & 0xf0) === 0x80) return readMap(b & 0x0f);
    if ((b & 0xf0) === 0x90) return readArray(b & 0x0f);
    if ((b & 0xe0) === 0xa0) return textDecoder.decode(take(b & 0x1f));
    let start;
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return take(u8()).slice();
      case 0xc5: start = at(); take(2); return take(view.getUint16(start)).slice();
      case 0xc6: start = at(); take(4); return take(view.getUint32(start)).slice();
      case 0xcc: return u8();
      case 0xcd: start = at(); take(2); return view.getUint16(start);
      case 0xce: start = at(); take(4); return view.getUint32(start);
      case 0xcf: start = at(); take(8); return view.getBigUint64(start);
      case 0xd0: start = at(); take(1); return view.getInt8(start);
      case 0xd1: start = at(); take(2); return view.getInt16(start);
      case 0xd2: start = at(); take(4); return view.getInt32(start);
      case 0xd3: start = at(); take(8); return view.getBigInt64(start);
      case 0xd9: return textDecoder.decode(take(u8()));
      case 0xda: start = at(); take(2); return textDecoder.decode(take(view.getUint16(start)));
      case 0xdb: start = at(); take(4); return textDecoder.decode(take(view.getUint32(start)));
      case 0xdc: start = at(); take(2); return readArray(view.getUint16(start));
      case 0xdd: start = at(); take(4); return readArray(view.getUint32(start));
      case 0xde: start = at(); take(2); return readMap(view.getUint16(start));
      case 0xdf: start = at(); take(4); return readMap(view.getUint32(start));
      default: throw new Error(`unsupported msgpack byte 0x${b.toString(16)}`);
    }
  };
  const readArray = (n) => Array.from({ length: n }, read);
  const readMap = (n) => {
    const map = new Map();
    for (let i = 0; i < n; i++) {
      const key = read();
      map.set(key, read());
    }
    return map;
  };
  const value = read();
  if (offset !== bytes.length) throw new Error("trailing bytes after msgpack value");
  return value;
}

// -- hashes and Merkle proofs --------------------------------------------------------------

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

export async function taggedHash(tag, bytes) {
  return sha256(concat(textEncoder.encode(tag), Uint8Array.of(0), bytes));
}

const leafHash = (item) => sha256(concat(Uint8Array.of(0), item));
const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

function split(count) {
  let k = 1;
  while (k * 2 < count) k *= 2;
  return k;
}

// RFC 6962 inclusion: the proof lists sibling hashes from the leaf up (core/merkle.py).
export async function verifyListInclusion(root, item, index, count, proof) {
  if (!Number.isInteger(index) || !Number.isInteger(count) || !(index >= 0 && index < count)) {
    return false;
  }
  const remaining = proof.slice();
  const climb = async (size, position) => {
    if (size === 1) return leafHash(item);
    const k = split(size);
    if (position < k) {
      const inner = await climb(k, position);
      if (!remaining.length) return null;
      return nodeHash(inner, remaining.shift());
    }
    const inner = await climb(size - k, position - k);
    if (!remaining.length) return null;
    return nodeHash(remaining.shift(), inner);
  };
  const computed = await climb(count, index);
  return computed !== null && remaining.length === 0 && equalBytes(computed, root);
}

// -- headers -------------------------------------------------------------------------------

const HEADER_FIELDS = [
  ["chain_id", "str"], ["height", "int"], ["time_ms", "int"], ["previous_hash", "bytes"],
  ["tx_root", "bytes"], ["results_root", "bytes"], ["state_root", "bytes"],
  ["tx_count", "int"], ["proposer", "bytes"],
];

// The header as the API shows it (bytes in base64) -> its canonical bytes (core/block.py).
export function encodeHeader(header) {
  const map = new Map();
  for (const [name, kind] of HEADER_FIELDS) {
    const value = header[name];
    if (value === undefined) throw new Error(`header lacks ${name}`);
    map.set(name, kind === "bytes" ? base64ToBytes(value) : kind === "int" ? BigInt(value) : value);
  }
  return msgpackEncode(map);
}

export async function headerSigningDigest(header) {
  return taggedHash("origin/header", encodeHeader(header));
}

async function verifyEd25519(publicKey, signature, message) {
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, [
    "verify",
  ]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
}

// True when validators holding more than 2/3 of the power of `powers` (a Map of public key
// in hex -> BigInt power) signed the header, one signature per distinct key of the set.
export async function verifySignedHeader(signed, powers) {
  let total = 0n;
  for (const power of powers.values()) total += power;
  if (total <= 0n) return { ok: false, signedPower: 0n, total };
  const digest = await headerSigningDigest(signed.header);
  const seen = new Set();
  let signedPower = 0n;
  for (const entry of signed.signatures || []) {
    const keyBytes = base64ToBytes(entry.public_key);
    const key = bytesToHex(keyBytes);
    const power = powers.get(key) ?? 0n;
    if (power === 0n || seen.has(key)) continue;
    if (await verifyEd25519(keyBytes, base64ToBytes(entry.signature), digest)) {
      seen.add(key);
      signedPower += power;
    }
  }
  return { ok: signedPower * 3n > total * 2n, signedPower, total };
}

// -- bech32m addresses (docs/verification.md, section 8) -------------------------------------

const BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32M_CONST = 0x2bc830a3;
const ADDRESS_HRP = "og";

function polymod(values) {
  const generators = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const value of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= generators[i];
  }
  return chk >>> 0;
}

function hrpExpand(hrp) {
  const codes = Array.from(hrp, (c) => c.charCodeAt(0));
  return [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
}

function regroup(values, from, to, pad) {
  let acc = 0;
  let bits = 0;
  const out = [];
  for (const value of values) {
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & ((1 << to) - 1));
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits) out.push((acc << (to - bits)) & ((1 << to) - 1));
  } else if (bits >= from || acc) {
    return null;
  }
  return out;
}

export function addressToText(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 20) throw new Error("an address is 20 bytes");
  const data = regroup(bytes, 8, 5, true);
  const check = polymod([...hrpExpand(ADDRESS_HRP), ...data, 0, 0, 0, 0, 0, 0]) ^ BECH32M_CONST;
  const sum = Array.from({ length: 6 }, (_, i) => (check >>> (5 * (5 - i))) & 31);
  return `${ADDRESS_HRP}1${[...data, ...sum].map((v) => BECH32_CHARSET[v]).join("")}`;
}

// The 20 bytes of an address's text form; throws on anything else.
export function addressFromText(text) {
  if (typeof text !== "string") throw new Error("an address is text");
  const lower = text.toLowerCase();
  if (text !== lower && text !== text.toUpperCase()) throw new Error("mixed case address");
  if (!lower.startsWith(`${ADDRESS_HRP}1`) || lower.length !== 41) throw new Error(`not an ${ADDRESS_HRP}1 address`);
  const values = Array.from(lower.slice(3), (c) => BECH32_CHARSET.indexOf(c));
  if (values.some((v) => v < 0)) throw new Error("not a bech32m character");
  if (polymod([...hrpExpand(ADDRESS_HRP), ...values]) !== BECH32M_CONST) throw new Error("bad address checksum");
  const bytes = regroup(values.slice(0, -6), 5, 8, false);
  if (bytes === null || bytes.length !== 20) throw new Error("an address is 20 bytes");
  return Uint8Array.from(bytes);
}

export function bytesToBase64(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function amountToDecimal(bytes) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n.toString();
}

function amountFromDecimal(text) {
  if (typeof text !== "string" || !/^(0|[1-9][0-9]*)$/.test(text)) throw new Error(`not an amount: ${text}`);
  let n = BigInt(text);
  if (n >= 1n << 128n) throw new Error("an amount is below 2^128");
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function strictBase64(text) {
  if (typeof text !== "string") throw new Error("bytes are base64 text");
  const bytes = base64ToBytes(text);
  if (bytesToBase64(bytes) !== text) throw new Error("bytes are canonical base64");
  return bytes;
}

// -- comparing what the node shows with what was proven --------------------------------------

const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Map);

// True when `shown` (the node's JSON) says exactly what `proven` (decoded from proven bytes)
// holds: the same keys, items and values; bytes may be shown as base64, hex (32 bytes), an
// address's bech32m text (20 bytes) or an amount's canonical decimal digits (16 bytes),
// forms that cannot be mistaken for one another. `where` collects the path of the first difference.
export function sameValue(proven, shown, where = []) {
  const differ = (path) => {
    where.push(path);
    return false;
  };
  const walk = (p, s, path) => {
    if (p instanceof Map) {
      if (!isPlainObject(s)) return differ(path);
      const keys = Object.keys(s);
      if (keys.length !== p.size) return differ(path);
      for (const key of keys) {
        if (!p.has(key)) return differ(`${path}.${key}`);
        if (!walk(p.get(key), s[key], `${path}.${key}`)) return false;
      }
      return true;
    }
    if (Array.isArray(p)) {
      if (!Array.isArray(s) || s.length !== p.length) return differ(path);
      return p.every((item, i) => walk(item, s[i], `${path}[${i}]`));
    }
    if (p instanceof Uint8Array) {
      if (typeof s !== "string") return differ(path);
      // Hex only for 32-byte keys (the API writes signers so): the hex of an amount can be
      // all digits and would read as another amount.
      const forms = [bytesToBase64(p)];
      if (p.length === 32) forms.push(bytesToHex(p));
      if (p.length === 20) forms.push(addressToText(p));
      if (p.length === 16) forms.push(amountToDecimal(p));
      return forms.includes(s) || differ(path);
    }
    if (typeof p === "number" || typeof p === "bigint") {
      if (Number.isSafeInteger(s)) return BigInt(s) === BigInt(p) || differ(path);
      // Above 2^53 JSON.parse keeps only the nearest double: any JSON text that parses to
      // it is indistinguishable here, so that double must be the proven integer's.
      return (Number.isInteger(s) && s === Number(BigInt(p)) && !Number.isSafeInteger(Number(p))) || differ(path);
    }
    return p === s || differ(path);
  };
  return walk(proven, shown, "");
}

// -- events (docs/verification.md, section 5) ------------------------------------------------

// The canonical value of one field from its JSON form, by the kind events.js lists.
function eventValue(kind, value) {
  if (Array.isArray(kind)) {
    const [form, inner] = kind;
    if (form === "opt") return value === null ? null : eventValue(inner, value);
    if (form === "list") {
      if (!Array.isArray(value)) throw new Error("a list was expected");
      return value.map((item) => eventValue(inner, item));
    }
    if (form === "struct") return eventRecord(inner, value, null);
    throw new Error(`unknown kind ${form}`);
  }
  switch (kind) {
    case "str":
      if (typeof value !== "string") throw new Error("a string was expected");
      return value;
    case "int":
      if (!Number.isSafeInteger(value)) throw new Error("an integer was expected");
      return BigInt(value);
    case "bool":
      if (typeof value !== "boolean") throw new Error("a boolean was expected");
      return value;
    case "bytes":
      return strictBase64(value);
    case "address":
      return addressFromText(value);
    case "amount":
      return amountFromDecimal(value);
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}

function eventRecord(fields, data, tag) {
  if (!isPlainObject(data)) throw new Error("a record was expected");
  const names = fields.map(([name]) => name);
  const extra = Object.keys(data).filter((k) => !names.includes(k));
  if (extra.length) throw new Error(`unknown fields ${extra.join(", ")}`);
  const map = new Map();
  if (tag !== null) map.set("type", tag);
  for (const [name, kind] of fields) {
    if (!(name in data)) throw new Error(`field ${name} is missing`);
    map.set(name, eventValue(kind, data[name]));
  }
  return map;
}

// The canonical encoding of a receipt's events (the node's JSON, in order).
export function encodeEvents(events) {
  return msgpackEncode(
    events.map((event) => {
      const fields = EVENT_FIELDS[event.type];
      if (!fields) throw new Error(`unknown event type ${event.type}`);
      return eventRecord(fields, event.data, event.type);
    }),
  );
}

// -- state proofs (docs/verification.md, section 7) ------------------------------------------

const STATE_KEY_NIBBLES = 64;

function nibble(hash, depth) {
  const byte = hash[depth >> 1];
  return depth % 2 === 0 ? byte >> 4 : byte & 0x0f;
}

const bitCount = (n) => {
  let c = 0;
  for (let v = n; v; v >>= 1) c += v & 1;
  return c;
};

function isHash(b) {
  return b instanceof Uint8Array && b.length === 32;
}

// A state proof as the API writes it (bytes in base64) -> bytes.
function parseStateProof(json) {
  const bytes = (v) => (v === null || v === undefined ? null : strictBase64(v));
  return {
    key: bytes(json.key),
    value: bytes(json.value),
    nodes: (json.nodes || []).map((n) => ({ bitmap: n.bitmap, hashes: (n.hashes || []).map(bytes) })),
    otherLeaf: json.other_leaf ? { keyHash: bytes(json.other_leaf.key_hash), valueHash: bytes(json.other_leaf.value_hash) } : null,
  };
}

// True when, under `root`, the proof shows proof.key holding proof.value (null: absent).
// The caller checks proof.key against the key it asked for (verifyStateValue does).
export async function verifyStateProof(root, proof) {
  const { key, value, nodes, otherLeaf } = proof;
  if (!isHash(root) || !(key instanceof Uint8Array)) return false;
  if (!Array.isArray(nodes) || nodes.length < 1 || nodes.length > STATE_KEY_NIBBLES) return false;
  if (otherLeaf && !(isHash(otherLeaf.keyHash) && isHash(otherLeaf.valueHash))) return false;
  const keyHash = await sha256(key);
  const leaf = async (kh, vh) => sha256(concat(Uint8Array.of(0), kh, vh));
  let expected = root;
  let slot = null;
  for (let depth = 0; depth < nodes.length; depth++) {
    const { bitmap, hashes } = nodes[depth];
    if (!Number.isInteger(bitmap) || bitmap < 0 || bitmap > 0xffff) return false;
    if (!Array.isArray(hashes) || hashes.length !== bitCount(bitmap) || !hashes.every(isHash)) return false;
    const computed = await sha256(concat(Uint8Array.of(1, bitmap >> 8, bitmap & 0xff), ...hashes));
    if (!equalBytes(computed, expected)) return false;
    const bit = 1 << nibble(keyHash, depth);
    slot = bitmap & bit ? hashes[bitCount(bitmap & (bit - 1))] : null;
    if (depth < nodes.length - 1) {
      if (slot === null) return false;
      expected = slot;
    }
  }
  if (value !== null) return otherLeaf === null && slot !== null && equalBytes(slot, await leaf(keyHash, await sha256(value)));
  if (slot === null) return otherLeaf === null;
  if (!otherLeaf || equalBytes(otherLeaf.keyHash, keyHash)) return false;
  for (let d = 0; d < nodes.length; d++) if (nibble(otherLeaf.keyHash, d) !== nibble(keyHash, d)) return false;
  return equalBytes(slot, await leaf(otherLeaf.keyHash, otherLeaf.valueHash));
}

export const VALIDATOR_SET_KEY = textEncoder.encode("validators/set");

// -- the light client's trust (docs/verification.md, section 10) ----------------------------

export const EMBEDDED_SET_DELAY = 1;
export const DEFAULT_TRUSTING_PERIOD_MS = 14 * 24 * 3600 * 1000;

export class VerificationError extends Error {}

function fail(message) {
  throw new VerificationError(message);
}

export async function genesisHashHex(genesisBytes) {
  return bytesToHex(await sha256(genesisBytes));
}

// What the browser trusts: the chain, its genesis hash (pinned by the user, or the node's
// own), and the validator sets it has proven, by the first height each signs.
export class Trust {
  constructor({ chainId, powers, genesisHash, pinned, genesisTimeMs = 0, initialHeight = 1, trustingPeriodMs = DEFAULT_TRUSTING_PERIOD_MS, clock = () => Date.now() }) {
    this.chainId = chainId;
    this.genesisHash = genesisHash;
    this.pinned = pinned;
    this.initialHeight = initialHeight;
    this.epochs = [[initialHeight, powers]];
    this.anchorHeight = initialHeight - 1;
    this.anchorTimeMs = genesisTimeMs;
    this.trustingPeriodMs = trustingPeriodMs;
    this.clock = clock;
    this.sequential = false;
  }

  // Trust a genesis file's exact bytes; with `pinnedHex`, only the file that hashes to it.
  static async fromGenesis(genesisBytes, pinnedHex = null) {
    const digest = await genesisHashHex(genesisBytes);
    if (pinnedHex !== null && digest !== pinnedHex) {
      fail(`the node serves a genesis with hash ${digest}, not the pinned ${pinnedHex}: it is not the chain you trust`);
    }
    let genesis;
    try {
      genesis = JSON.parse(textDecoder.decode(genesisBytes));
    } catch (error) {
      fail(`not a genesis document: ${error.message}`);
    }
    if (!isPlainObject(genesis) || typeof genesis.chain_id !== "string" || !Array.isArray(genesis.validators)) {
      fail("not a genesis document");
    }
    const powers = new Map();
    for (const v of genesis.validators) {
      const key = strictBase64(v.public_key);
      const power = v.power ?? 1;
      if (key.length !== 32 || !Number.isSafeInteger(power) || power < 0) fail("a genesis validator is malformed");
      if (power > 0) powers.set(bytesToHex(key), BigInt(power));
    }
    const initialHeight = genesis.initial_height ?? 1;
    const genesisTimeMs = genesis.genesis_time_ms ?? 0;
    if (!Number.isSafeInteger(initialHeight) || !Number.isSafeInteger(genesisTimeMs)) fail("not a genesis document");
    return new Trust({ chainId: genesis.chain_id, powers, genesisHash: digest, pinned: pinnedHex !== null, genesisTimeMs, initialHeight });
  }

  epochAt(height) {
    let chosen = this.epochs[0][1];
    for (const [first, powers] of this.epochs) if (first <= height) chosen = powers;
    return chosen;
  }

  powersAt(height, delay) {
    if (height < this.initialHeight) fail(`height ${height} is before the chain's first block`);
    if (height > this.anchorHeight + delay && !this.sequential) {
      const age = this.clock() - this.anchorTimeMs;
      if (age > this.trustingPeriodMs) {
        fail(`the validator set was last proven at height ${this.anchorHeight}, ${Math.floor(age / 1000)} s ago: beyond the trusting period`);
      }
    }
    return this.epochAt(height);
  }

  setEpoch(first, powers) {
    this.epochs = this.epochs.filter(([h]) => h !== first);
    this.epochs.push([first, powers]);
    this.epochs.sort((a, b) => a[0] - b[0]);
  }

  learnSet(stateHeight, powers, headerTimeMs, delay) {
    const cleaned = new Map([...powers].filter(([, p]) => p > 0n));
    if (!cleaned.size) fail("the proven validator set has no voting power");
    this.setEpoch(stateHeight + delay, cleaned);
    if (stateHeight > this.anchorHeight) {
      this.anchorHeight = stateHeight;
      this.anchorTimeMs = headerTimeMs;
    }
  }

  // The validators/power_changed events of a verified, successful receipt (block C): the
  // changed set signs from C + delay on.
  applyChanges(verified, delay) {
    const changes = verified.events.filter((e) => e.type === "validators/power_changed");
    if (!changes.length || verified.result.code !== 0) return false;
    const first = verified.height + delay;
    const powers = new Map(this.epochAt(first));
    for (const change of changes) {
      const key = bytesToHex(strictBase64(change.data.public_key));
      if (change.data.power > 0) powers.set(key, BigInt(change.data.power));
      else powers.delete(key);
    }
    if (!powers.size) fail("the proven changes leave no voting power");
    this.setEpoch(first, powers);
    return true;
  }

  // The trust state as JSON-ready data (the page keeps it in localStorage, see restore).
  export() {
    return {
      chain_id: this.chainId,
      genesis_hash: this.genesisHash,
      initial_height: this.initialHeight,
      anchor_height: this.anchorHeight,
      anchor_time_ms: this.anchorTimeMs,
      epochs: this.epochs.map(([first, powers]) => ({
        first_height: first,
        validators: Object.fromEntries([...powers].map(([k, p]) => [k, p.toString()])),
      })),
    };
  }

  // Resume from export() data of the same chain and genesis (ignored otherwise, or when it
  // knows less than this trust already does). True when it was taken.
  restore(saved) {
    try {
      if (!saved || saved.chain_id !== this.chainId || saved.genesis_hash !== this.genesisHash) return false;
      if (saved.initial_height !== this.initialHeight) return false;
      const epochs = saved.epochs.map((item) => {
        if (!Number.isSafeInteger(item.first_height)) throw new Error("bad epoch");
        const powers = new Map(
          Object.entries(item.validators).map(([k, p]) => {
            if (!/^[0-9a-f]{64}$/.test(k) || !/^[0-9]+$/.test(p)) throw new Error("bad validator");
            return [k, BigInt(p)];
          }),
        );
        return [item.first_height, powers];
      });
      const { anchor_height: anchorHeight, anchor_time_ms: anchorTimeMs } = saved;
      if (!epochs.length || !Number.isSafeInteger(anchorHeight) || !Number.isSafeInteger(anchorTimeMs)) return false;
      if (anchorHeight < this.anchorHeight) return false;
      this.epochs = epochs.sort((a, b) => a[0] - b[0]);
      this.anchorHeight = anchorHeight;
      this.anchorTimeMs = anchorTimeMs;
      return true;
    } catch {
      return false;
    }
  }

  // An embedded-mode signed header: the chain's, linked to the genesis at the first height,
  // signed by more than 2/3 of the set in effect at its height.
  async checkHeader(signed) {
    const header = signed && signed.header;
    if (!header) fail("the answer carries no signed header");
    if (header.chain_id !== this.chainId) fail(`the header is for chain ${header.chain_id}, not ${this.chainId}`);
    const height = Number(header.height);
    if (height === this.initialHeight && bytesToHex(strictBase64(header.previous_hash)) !== this.genesisHash) {
      fail(`block ${height} does not follow the genesis ${this.genesisHash}`);
    }
    const result = await verifySignedHeader(signed, this.powersAt(height, EMBEDDED_SET_DELAY));
    if (!result.ok) fail(`header ${height} lacks signatures of 2/3 of the validators (${result.signedPower} of ${result.total})`);
    return result;
  }
}

function decodeValidatorSet(value) {
  if (value === null) fail("the state holds no validator set");
  const record = msgpackDecode(value);
  const list = record instanceof Map ? record.get("validators") : null;
  if (!Array.isArray(list)) fail("the proven validator set does not decode");
  const powers = new Map();
  for (const item of list) {
    const key = item instanceof Map ? item.get("public_key") : null;
    const power = item instanceof Map ? item.get("power") : null;
    if (!(key instanceof Uint8Array) || key.length !== 32 || !(typeof power === "number" || typeof power === "bigint")) {
      fail("the proven validator set does not decode");
    }
    powers.set(bytesToHex(key), BigInt(power));
  }
  return powers;
}

// A state answer (GET /v1/state/{key}?prove=true): the proof must be for `key`, under the
// state root of a header the trust accepts at the answer's height. Returns
// {value, height, timeMs} (value null: proven absent).
export async function verifyStateValue(trust, answer, key) {
  if (!answer || !answer.proof) fail("the node sent no proof");
  if (!answer.signed_header) fail("no embedded-mode header: network-mode proofs are checked by the SDK, not in the browser");
  const proof = parseStateProof(answer.proof);
  if (!equalBytes(proof.key, key)) {
    fail(`the proof is for key ${bytesToHex(proof.key)}, not for the key asked for (${bytesToHex(key)})`);
  }
  await trust.checkHeader(answer.signed_header);
  const header = answer.signed_header.header;
  if (Number(header.height) !== answer.height) fail("the proof and the header are for different heights");
  if (!(await verifyStateProof(strictBase64(header.state_root), proof))) {
    fail(`the proof of key ${bytesToHex(key)} does not lead to the state root`);
  }
  return { value: proof.value, height: answer.height, timeMs: Number(header.time_ms) };
}

// Follow the validator set to the node's latest state, as the SDK's Client.update_trust:
// first by skipping (the known set signs the latest header within the trusting period, and
// the validators/set proven there becomes the trusted set); else sequentially (every receipt
// with a validators/power_changed event since the anchor, verified in block order and
// applied; then the set proven at the latest state must equal the one they made).
// `get(path)` answers the node's JSON.
export async function followValidatorSet(trust, get) {
  const path = `/v1/state/${bytesToHex(VALIDATOR_SET_KEY)}?prove=true`;
  const learn = async (checkAgainstChanges) => {
    const proven = await verifyStateValue(trust, await get(path), VALIDATOR_SET_KEY);
    const powers = decodeValidatorSet(proven.value);
    if (checkAgainstChanges) {
      const made = trust.powersAt(proven.height + EMBEDDED_SET_DELAY, EMBEDDED_SET_DELAY);
      const same = made.size === powers.size && [...powers].every(([k, p]) => made.get(k) === p);
      if (!same) fail(`the validator set proven at height ${proven.height} differs from the one its proven changes make: the node hid a change`);
    }
    trust.learnSet(proven.height, powers, proven.timeMs, EMBEDDED_SET_DELAY);
  };
  try {
    await learn(false);
    return trust;
  } catch (error) {
    if (!(error instanceof VerificationError)) throw error;
  }
  trust.sequential = true;
  try {
    let after = trust.anchorHeight > 0 ? `${trust.anchorHeight}:9223372036854775807` : null;
    const seen = new Set();
    for (;;) {
      const page = await get(`/v1/events?limit=500${after ? `&after=${encodeURIComponent(after)}` : ""}`);
      for (const event of page.events) {
        if (event.type !== "validators/power_changed") continue;
        const place = `${event.height}:${event.tx_index}`;
        if (seen.has(place)) continue;
        seen.add(place);
        const block = await get(`/v1/blocks/${event.height}`);
        const receipt = await get(`/v1/txs/${block.txs[event.tx_index]}`);
        const verified = await verifyReceiptStrict(receipt, trust, block.txs[event.tx_index]);
        trust.applyChanges(verified, EMBEDDED_SET_DELAY);
      }
      if (!page.events.length || page.next_cursor === after) break;
      after = page.next_cursor;
    }
    await learn(true);
  } finally {
    trust.sequential = false;
  }
  return trust;
}

// -- receipts (docs/verification.md, section 5) ---------------------------------------------

// The transaction decoded here from its raw bytes (the same shape as a receipt's `tx`).
function describeBody(body) {
  const map = msgpackDecode(body);
  const names = ["chain_id", "client_id", "expires_at_ms", "signers", "messages", "memo"];
  if (!(map instanceof Map) || map.size !== names.length || !names.every((n, i) => [...map.keys()][i] === n)) {
    throw new Error("the body is not a transaction body");
  }
  const signers = map.get("signers");
  if (!Array.isArray(signers) || !signers.every(isHash)) throw new Error("the body's signers are malformed");
  const messages = map.get("messages");
  if (!Array.isArray(messages) || !messages.every((m) => m instanceof Map && typeof m.get("type") === "string")) {
    throw new Error("the body's messages are malformed");
  }
  return new Map([
    ["chain_id", map.get("chain_id")],
    ["client_id", map.get("client_id")],
    ["expires_at_ms", map.get("expires_at_ms")],
    ["signers", signers.map(bytesToHex)],
    ["messages", messages],
    ["memo", map.get("memo")],
  ]);
}

function decodeLeaf(leafBytes) {
  const leaf = msgpackDecode(leafBytes);
  const names = ["tx_hash", "codespace", "code", "message", "message_index", "events_hash"];
  if (!(leaf instanceof Map) || leaf.size !== names.length || !names.every((n, i) => [...leaf.keys()][i] === n)) {
    throw new Error("the result leaf is not a result");
  }
  return {
    txHash: leaf.get("tx_hash"),
    codespace: leaf.get("codespace"),
    code: Number(leaf.get("code")),
    message: leaf.get("message"),
    messageIndex: Number(leaf.get("message_index")),
    eventsHash: leaf.get("events_hash"),
  };
}

// Verify a committed receipt (GET /v1/txs/{hash}, embedded mode) under `trust`: every check
// is listed as {name, ok, detail}, and `proven` holds what the proofs establish (hash,
// height, index, result, tx, events). With `askedHash` (hex), the proven transaction must
// be that one: a valid receipt of another transaction proves nothing about it. Never throws.
export async function verifyReceipt(receipt, trust, askedHash = null) {
  const checks = [];
  const check = (name, ok, detail = "") => {
    checks.push({ name, ok: Boolean(ok), detail: String(detail) });
    return Boolean(ok);
  };
  let proven = null;
  try {
    if (!check("receipt is committed with a proof", receipt && receipt.status === "committed" && receipt.proof)) {
      if (receipt && receipt.cometbft_proof) {
        check("network mode (CometBFT) receipts are verified by the SDK, not in this page", false);
      }
      return { ok: false, checks, proven };
    }
    const proof = receipt.proof;
    const signed = proof.signed_header;
    const header = signed.header;
    try {
      const signatures = await trust.checkHeader(signed);
      check(
        `header ${header.height} of ${trust.chainId} is signed by validators holding > 2/3 of the set in effect (Ed25519)`,
        true,
        `${signatures.signedPower} of ${signatures.total}`,
      );
    } catch (error) {
      check("header is signed by the trusted validators", false, error.message);
    }
    const signedTx = msgpackDecode(strictBase64(receipt.raw));
    const body = signedTx instanceof Map ? signedTx.get("body") : null;
    const signatures = signedTx instanceof Map ? signedTx.get("signatures") : null;
    if (!(body instanceof Uint8Array) || !Array.isArray(signatures)) throw new Error("the raw transaction is not a signed transaction");
    const txHash = await sha256(body);
    const hashHex = bytesToHex(txHash);
    check("the raw transaction's body hashes to the receipt's hash", hashHex === receipt.hash, hashHex);
    if (askedHash !== null) {
      check("it is the transaction asked for", hashHex === String(askedHash).toLowerCase(), `asked ${askedHash}`);
    }
    const index = proof.index;
    const count = proof.count;
    check(
      "height and count agree with the header",
      Number(header.height) === receipt.height && Number.isInteger(count) && count === Number(header.tx_count),
      `height ${header.height}, ${header.tx_count} transactions`,
    );
    const txProof = proof.tx_proof.map(strictBase64);
    check(
      `the transaction is at position ${index} of the header's tx root (RFC 6962)`,
      await verifyListInclusion(strictBase64(header.tx_root), txHash, index, count, txProof),
      `${txProof.length} sibling hashes`,
    );
    const leafBytes = strictBase64(proof.result_leaf);
    const resultProof = proof.result_proof.map(strictBase64);
    check(
      "the whole result leaf is at the same position of the header's results root (RFC 6962)",
      await verifyListInclusion(strictBase64(header.results_root), leafBytes, index, count, resultProof),
    );
    const leaf = decodeLeaf(leafBytes);
    check("the proven result names this transaction", equalBytes(leaf.txHash, txHash));
    check("the position shown is the proven one", receipt.index === index, `proven ${index}, shown ${receipt.index}`);
    const result = receipt.result;
    const provenResult = new Map([
      ["codespace", leaf.codespace],
      ["code", leaf.code],
      ["message", leaf.message],
      ["message_index", leaf.messageIndex],
    ]);
    const resultDiff = [];
    check(
      "the result shown (codespace, code, message, message index) is the proven one",
      sameValue(provenResult, result, resultDiff),
      `proven ${leaf.codespace}/${leaf.code} "${leaf.message}" at message ${leaf.messageIndex}${resultDiff.length ? `; differs at result${resultDiff[0]}` : ""}`,
    );
    let tx = null;
    try {
      tx = describeBody(body);
    } catch (error) {
      check("the transaction decodes in this browser", false, error.message);
    }
    if (tx !== null) {
      const txDiff = [];
      check(
        "the transaction shown (signers, messages, memo, expiry) is the one decoded here from the proven bytes",
        sameValue(tx, receipt.tx, txDiff),
        txDiff.length ? `differs at tx${txDiff[0]}` : `${tx.get("messages").length} message(s)`,
      );
      if (leaf.code === 0) {
        const digest = await taggedHash("origin/tx", body);
        const keys = tx.get("signers").map(hexToBytes);
        let good = keys.length === signatures.length;
        for (let i = 0; good && i < keys.length; i++) {
          good = signatures[i] instanceof Uint8Array && (await verifyEd25519(keys[i], signatures[i], digest));
        }
        check("every signer signed the transaction (Ed25519)", good, `${keys.length} signer(s)`);
      }
    }
    const events = receipt.events;
    let eventsOk = Array.isArray(events);
    let eventsDetail = "the receipt has no list of events";
    if (eventsOk) {
      eventsOk = events.every((e) => isPlainObject(e) && e.height === Number(header.height) && e.tx_index === index);
      eventsDetail = eventsOk ? "" : "an event is placed at another transaction";
    }
    if (eventsOk) {
      try {
        const digest = await sha256(encodeEvents(events));
        eventsOk = equalBytes(digest, leaf.eventsHash);
        eventsDetail = `${events.length} event(s), hash ${bytesToHex(leaf.eventsHash).slice(0, 16)}…`;
      } catch (error) {
        eventsOk = false;
        eventsDetail = error.message;
      }
    }
    check("the events shown hash to the proven events hash", eventsOk, eventsDetail);
    proven = {
      hash: hashHex,
      height: Number(header.height),
      index,
      result: { codespace: leaf.codespace, code: leaf.code, message: leaf.message, message_index: leaf.messageIndex },
      tx,
      events: eventsOk ? events : [],
    };
  } catch (error) {
    check("proof is well formed", false, error && error.message ? error.message : String(error));
  }
  return { ok: checks.length > 0 && checks.every((c) => c.ok), checks, proven };
}

// The same, throwing a VerificationError on the first failed check (for the light client).
export async function verifyReceiptStrict(receipt, trust, askedHash = null) {
  const outcome = await verifyReceipt(receipt, trust, askedHash);
  if (!outcome.ok) {
    const failed = outcome.checks.find((c) => !c.ok);
    fail(`${failed.name}${failed.detail ? `: ${failed.detail}` : ""}`);
  }
  return outcome.proven;
}
