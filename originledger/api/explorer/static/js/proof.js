// Proof verification in the browser: canonical MessagePack (as msgspec writes it), RFC 6962
// list inclusion proofs with WebCrypto SHA-256, and Ed25519 header signatures.
// It mirrors originledger/core/block.py, core/merkle.py and sdk/verify.py.

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

function equalBytes(a, b) {
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
  if (!(index >= 0 && index < count)) return false;
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

// True when validators holding more than 2/3 of the power signed (core/block.py).
export async function verifySignedHeader(signed, validators) {
  const powers = new Map(validators.map((v) => [bytesToHex(base64ToBytes(v.public_key)), BigInt(v.power ?? 1)]));
  let total = 0n;
  for (const power of powers.values()) total += power;
  if (total <= 0n) return { ok: false, signedPower: 0n, total };
  const digest = await headerSigningDigest(signed.header);
  const seen = new Set();
  let signedPower = 0n;
  for (const entry of signed.signatures) {
    const key = bytesToHex(base64ToBytes(entry.public_key));
    const power = powers.get(key) ?? 0n;
    if (power === 0n || seen.has(key)) continue;
    if (await verifyEd25519(base64ToBytes(entry.public_key), base64ToBytes(entry.signature), digest)) {
      seen.add(key);
      signedPower += power;
    }
  }
  return { ok: signedPower * 3n > total * 2n, signedPower, total };
}

// -- receipts ------------------------------------------------------------------------------

// Verify a committed receipt (GET /v1/txs/{hash}) against the validators of a genesis
// (GET /v1/genesis). Returns {ok, checks: [{name, ok, detail}]}; never throws.
export async function verifyReceipt(receipt, genesis) {
  const checks = [];
  const check = (name, ok, detail = "") => {
    checks.push({ name, ok: Boolean(ok), detail });
    return ok;
  };
  try {
    if (!check("receipt is committed with a proof", receipt.status === "committed" && receipt.proof)) {
      return { ok: false, checks };
    }
    const proof = receipt.proof;
    const header = proof.signed_header.header;
    check("header belongs to this chain", header.chain_id === genesis.chain_id, header.chain_id);
    const signatures = await verifySignedHeader(proof.signed_header, genesis.validators);
    check(
      "validators holding > 2/3 of the power signed the header (Ed25519)",
      signatures.ok,
      `${signatures.signedPower} of ${signatures.total}`,
    );
    const signedTx = msgpackDecode(base64ToBytes(receipt.raw));
    const body = signedTx instanceof Map ? signedTx.get("body") : null;
    if (!(body instanceof Uint8Array)) throw new Error("the raw transaction has no body");
    const txHash = await sha256(body);
    check("transaction bytes hash to the receipt's hash", bytesToHex(txHash) === receipt.hash, bytesToHex(txHash));
    check(
      "height and count agree with the header",
      Number(header.height) === receipt.height && Number(proof.count) === Number(header.tx_count),
    );
    const txProof = proof.tx_proof.map(base64ToBytes);
    check(
      "transaction is in the header's tx root (RFC 6962)",
      await verifyListInclusion(base64ToBytes(header.tx_root), txHash, proof.index, proof.count, txProof),
      `${txProof.length} sibling hashes`,
    );
    const leafBytes = base64ToBytes(proof.result_leaf);
    const resultProof = proof.result_proof.map(base64ToBytes);
    check(
      "result is in the header's results root (RFC 6962)",
      await verifyListInclusion(base64ToBytes(header.results_root), leafBytes, proof.index, proof.count, resultProof),
    );
    const leaf = msgpackDecode(leafBytes);
    const result = receipt.result || {};
    check("proven result belongs to this transaction", equalBytes(leaf.get("tx_hash"), txHash));
    check(
      "proven result code matches the receipt",
      leaf.get("code") === result.code && leaf.get("codespace") === result.codespace,
      `${leaf.get("codespace")}/${leaf.get("code")}`,
    );
  } catch (error) {
    check("proof is well formed", false, String(error && error.message ? error.message : error));
  }
  return { ok: checks.every((c) => c.ok), checks };
}
