"""docs/verification.md is enough to verify the node's answers: every test vector is
re-derived here by a verifier written from the document alone (hashlib, PyNaCl and a
small MessagePack reader and writer below; nothing of originledger's codec, merkle or
state proof code), and the vectors are what the node produces now."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest

from tests.docs.verification_vectors import (
    SECTION_END,
    SECTION_START,
    VECTORS_JSON,
    VERIFICATION_DOC,
    generate,
    render_section,
)

# -- a MessagePack reader and writer, as section 1 describes ---------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise ValueError("truncated")
        chunk = self.data[self.at : self.at + count]
        self.at += count
        return chunk

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def value(self) -> Any:
        first = self.take(1)[0]
        if first <= 0x7F:
            return first
        if first >= 0xE0:
            return first - 0x100
        if 0x80 <= first <= 0x8F:
            return self.map(first & 0x0F)
        if 0x90 <= first <= 0x9F:
            return [self.value() for _ in range(first & 0x0F)]
        if 0xA0 <= first <= 0xBF:
            return self.take(first & 0x1F).decode()
        simple: dict[int, Any] = {0xC0: None, 0xC2: False, 0xC3: True}
        if first in simple:
            return simple[first]
        if first in (0xC4, 0xC5, 0xC6):
            return self.take(self.uint({0xC4: 1, 0xC5: 2, 0xC6: 4}[first]))
        if first in (0xCC, 0xCD, 0xCE, 0xCF):
            return self.uint({0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}[first])
        if first in (0xD0, 0xD1, 0xD2, 0xD3):
            size = {0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}[first]
            return int.from_bytes(self.take(size), "big", signed=True)
        if first in (0xD9, 0xDA, 0xDB):
            return self.take(self.uint({0xD9: 1, 0xDA: 2, 0xDB: 4}[first])).decode()
        if first in (0xDC, 0xDD):
            return [self.value() for _ in range(self.uint(2 if first == 0xDC else 4))]
        if first in (0xDE, 0xDF):
            return self.map(self.uint(2 if first == 0xDE else 4))
        raise ValueError(f"unexpected byte {first:#x}")

    def map(self, count: int) -> dict[str, Any]:
        items: dict[str, Any] = {}
        for _ in range(count):
            key = self.value()
            items[key] = self.value()
        return items


def unpack(data: bytes) -> Any:
    reader = _Reader(data)
    value = reader.value()
    if reader.at != len(data):
        raise ValueError("trailing bytes")
    return value


def pack(value: Any) -> bytes:
    if value is None:
        return b"\xc0"
    if value is True or value is False:
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        if 0 <= value <= 0x7F:
            return bytes([value])
        if -32 <= value < 0:
            return struct.pack(">b", value)
        if value > 0:
            for code, size in ((0xCC, 1), (0xCD, 2), (0xCE, 4), (0xCF, 8)):
                if value < 1 << (8 * size):
                    return bytes([code]) + value.to_bytes(size, "big")
        for code, size in ((0xD0, 1), (0xD1, 2), (0xD2, 4), (0xD3, 8)):
            if -(1 << (8 * size - 1)) <= value:
                return bytes([code]) + value.to_bytes(size, "big", signed=True)
    if isinstance(value, str):
        raw = value.encode()
        if len(raw) < 32:
            return bytes([0xA0 | len(raw)]) + raw
        return _sized(raw, (0xD9, 0xDA, 0xDB)) + raw
    if isinstance(value, bytes):
        return _sized(value, (0xC4, 0xC5, 0xC6)) + value
    if isinstance(value, list):
        head = bytes([0x90 | len(value)]) if len(value) < 16 else _sized(value, (0, 0xDC, 0xDD))
        return head + b"".join(pack(item) for item in value)
    if isinstance(value, dict):
        head = bytes([0x80 | len(value)]) if len(value) < 16 else _sized(value, (0, 0xDE, 0xDF))
        return head + b"".join(pack(k) + pack(v) for k, v in value.items())
    raise TypeError(type(value))


def _sized(value: Any, codes: tuple[int, int, int]) -> bytes:
    for code, size in zip(codes, (1, 2, 4), strict=True):
        if code and len(value) < 1 << (8 * size):
            return bytes([code]) + len(value).to_bytes(size, "big")
    raise ValueError("too long")


# -- hashes, signatures, lists, the state tree, addresses (sections 3 to 8) ------------


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def tagged(tag: str, data: bytes) -> bytes:
    return sha(tag.encode() + b"\x00" + data)


def signed_by(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def _split(size: int) -> int:
    split = 1
    while split * 2 < size:
        split *= 2
    return split


def list_root(items: list[bytes]) -> bytes:
    if not items:
        return sha(b"")
    if len(items) == 1:
        return sha(b"\x00" + items[0])
    k = _split(len(items))
    return sha(b"\x01" + list_root(items[:k]) + list_root(items[k:]))


def root_from_proof(item: bytes, index: int, count: int, siblings: list[bytes]) -> bytes | None:
    remaining = list(siblings)

    def climb(size: int, position: int) -> bytes:
        if size == 1:
            return sha(b"\x00" + item)
        k = _split(size)
        if position < k:
            inner = climb(k, position)
            return sha(b"\x01" + inner + remaining.pop(0))
        inner = climb(size - k, position - k)
        return sha(b"\x01" + remaining.pop(0) + inner)

    if not 0 <= index < count:
        return None
    try:
        root = climb(count, index)
    except IndexError:
        return None
    return root if not remaining else None


def nibble(hashed: bytes, index: int) -> int:
    return hashed[index // 2] >> 4 if index % 2 == 0 else hashed[index // 2] & 0x0F


def state_proof_holds(root: bytes, proof: dict[str, Any]) -> bool:
    key_hash = sha(proof["key"])
    expected = root
    slot: bytes | None = None
    nodes = proof["nodes"]
    for depth, node in enumerate(nodes):
        bitmap, hashes = node["bitmap"], node["hashes"]
        if bin(bitmap).count("1") != len(hashes):
            return False
        if sha(b"\x01" + bitmap.to_bytes(2, "big") + b"".join(hashes)) != expected:
            return False
        slot_number = nibble(key_hash, depth)
        if bitmap >> slot_number & 1:
            slot = hashes[bin(bitmap & ((1 << slot_number) - 1)).count("1")]
        else:
            slot = None
        if depth < len(nodes) - 1:
            if slot is None:
                return False
            expected = slot
    other = proof["other_leaf"]
    if proof["value"] is not None:
        return other is None and slot == sha(b"\x00" + key_hash + sha(proof["value"]))
    if slot is None:
        return other is None
    if other is None or other["key_hash"] == key_hash:
        return False
    depth = len(nodes) - 1
    if any(nibble(other["key_hash"], i) != nibble(key_hash, i) for i in range(depth + 1)):
        return False
    return slot == sha(b"\x00" + other["key_hash"] + other["value_hash"])


CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values: list[int]) -> int:
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit in range(5):
            if top >> bit & 1:
                checksum ^= generator[bit]
    return checksum


def bech32m(prefix: str, data: bytes) -> str:
    bits = "".join(f"{byte:08b}" for byte in data)
    bits += "0" * (-len(bits) % 5)
    values = [int(bits[i : i + 5], 2) for i in range(0, len(bits), 5)]
    expanded = [ord(c) >> 5 for c in prefix] + [0] + [ord(c) & 31 for c in prefix]
    checksum = _polymod(expanded + values + [0] * 6) ^ 0x2BC830A3
    values += [(checksum >> 5 * (5 - i)) & 31 for i in range(6)]
    return prefix + "1" + "".join(CHARSET[v] for v in values)


def account_address(public_key: bytes) -> bytes:
    return sha(b"origin/account/ed25519" + public_key)[:20]


# -- the tests ---------------------------------------------------------------------------

HEADER_FIELDS = [
    "chain_id",
    "height",
    "time_ms",
    "previous_hash",
    "tx_root",
    "results_root",
    "state_root",
    "tx_count",
    "proposer",
]
LEAF_FIELDS = ["tx_hash", "codespace", "code", "message", "message_index", "events_hash"]


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    return json.loads(VECTORS_JSON.read_text())


def test_vectors_are_what_the_node_produces(vectors: dict[str, Any]) -> None:
    fresh = generate()
    assert fresh == vectors, (
        "the node's encoding changed: rerun `python -m tests.docs.verification_vectors "
        "--write` and update docs/verification.md if a rule changed"
    )
    document = VERIFICATION_DOC.read_text()
    start, end = document.index(SECTION_START), document.index(SECTION_END) + len(SECTION_END)
    assert document[start:end] == render_section(fresh)


def test_genesis_and_header_verify_from_the_document(vectors: dict[str, Any]) -> None:
    genesis_file = bytes.fromhex(vectors["genesis"]["file"])
    genesis_hash = sha(genesis_file)
    assert genesis_hash.hex() == vectors["genesis"]["hash"]
    genesis = json.loads(genesis_file)
    powers = {base64.b64decode(v["public_key"]): v.get("power", 1) for v in genesis["validators"]}
    encoded = bytes.fromhex(vectors["header"]["encoding"])
    header = unpack(encoded)
    assert list(header) == HEADER_FIELDS
    assert pack(header) == encoded  # the exact bytes follow from the fields
    assert header["chain_id"] == genesis["chain_id"] == vectors["chain_id"]
    assert header["height"] == genesis.get("initial_height", 1)
    assert header["previous_hash"] == genesis_hash  # the genesis link
    assert sha(encoded).hex() == vectors["header"]["hash"]
    digest = tagged("origin/header", encoded)
    assert digest.hex() == vectors["header"]["signing_digest"]
    key = bytes.fromhex(vectors["header"]["validator_public_key"])
    signature = bytes.fromhex(vectors["header"]["signature"])
    assert signed_by(key, digest, signature)
    assert 3 * powers[key] > 2 * sum(powers.values())
    tampered = bytearray(encoded)
    tampered[-1] ^= 1
    assert not signed_by(key, tagged("origin/header", bytes(tampered)), signature)


def test_transactions_and_receipts_verify_from_the_document(vectors: dict[str, Any]) -> None:
    header = unpack(bytes.fromhex(vectors["header"]["encoding"]))
    hashes, leaves = [], []
    for index, vector in enumerate(vectors["txs"]):
        signed = unpack(bytes.fromhex(vector["raw"]))
        assert list(signed) == ["body", "signatures"]
        body_bytes = signed["body"]
        body = unpack(body_bytes)
        assert list(body) == [
            "chain_id",
            "client_id",
            "expires_at_ms",
            "signers",
            "messages",
            "memo",
        ]
        assert pack(body) == body_bytes and body_bytes.hex() == vector["body"]
        tx_hash = sha(body_bytes)
        assert tx_hash.hex() == vector["hash"]
        digest = tagged("origin/tx", body_bytes)
        assert digest.hex() == vector["signing_digest"]
        [signer], [signature] = body["signers"], signed["signatures"]
        assert signed_by(signer, digest, signature)
        [message] = body["messages"]
        assert list(message) == ["type", "sender", "recipient", "symbol", "amount"]
        assert message["type"] == "assets/transfer"
        assert message["sender"] == account_address(signer)
        assert len(message["amount"]) == 16
        # The receipt: the leaf binds the hash, the result and the events.
        leaf_bytes = bytes.fromhex(vector["result_leaf"])
        leaf = unpack(leaf_bytes)
        assert list(leaf) == LEAF_FIELDS and pack(leaf) == leaf_bytes
        assert leaf["tx_hash"] == tx_hash
        assert (leaf["code"], leaf["codespace"]) == (vector["code"], vector["codespace"])
        events = bytes.fromhex(vector["events"])
        assert leaf["events_hash"] == sha(events)
        decoded_events = unpack(events)
        if leaf["code"] == 0:
            transferred = decoded_events[-1]
            assert transferred["type"] == "assets/transferred"
            assert transferred["recipient"] == message["recipient"]
            assert transferred["amount"] == message["amount"]
        else:
            assert decoded_events == [] and leaf["events_hash"] == sha(b"\x90")
            assert leaf["message_index"] >= -1 and leaf["message"]
        count = header["tx_count"]
        tx_proof = [bytes.fromhex(h) for h in vector["tx_proof"]]
        result_proof = [bytes.fromhex(h) for h in vector["result_proof"]]
        assert root_from_proof(tx_hash, index, count, tx_proof) == header["tx_root"]
        assert root_from_proof(leaf_bytes, index, count, result_proof) == header["results_root"]
        # Another position, or another leaf, does not lead to the root.
        other = (index + 1) % count
        assert root_from_proof(tx_hash, other, count, tx_proof) != header["tx_root"]
        forged = pack({**leaf, "message": "forged"})
        assert root_from_proof(forged, index, count, result_proof) != header["results_root"]
        hashes.append(tx_hash)
        leaves.append(leaf_bytes)
    assert list_root(hashes) == header["tx_root"] and len(hashes) == header["tx_count"]
    assert list_root(leaves) == header["results_root"]


def test_state_proofs_verify_from_the_document(vectors: dict[str, Any]) -> None:
    header = unpack(bytes.fromhex(vectors["header"]["encoding"]))
    root = header["state_root"]
    [alice, bob] = [bytes.fromhex(a["address"]) for a in vectors["addresses"][:2]]
    carol_tx = unpack(unpack(bytes.fromhex(vectors["txs"][1]["raw"]))["body"])
    carol = carol_tx["messages"][0]["recipient"]
    asked = {
        "bob's USDV balance": b"assets/bal/" + bob + b"USDV",
        "alice's account record": b"accounts/acct/" + alice,
        "the USDV asset record": b"assets/asset/USDV",
        "the validator set": b"validators/set",
        "an absent balance (carol, NOPE)": b"assets/bal/" + carol + b"NOPE",
    }
    for vector in vectors["state_proofs"]:
        proof = unpack(bytes.fromhex(vector["proof"]))
        assert list(proof) == ["key", "value", "nodes", "other_leaf"]
        assert proof["key"] == asked[vector["label"]]  # the proof is for the key asked for
        assert state_proof_holds(root, proof), vector["label"]
        value = proof["value"]
        assert (value.hex() if value is not None else None) == vector["value"]
        if value is not None:
            assert not state_proof_holds(root, {**proof, "value": value + b"\x00"})
            assert not state_proof_holds(root, {**proof, "key": proof["key"] + b"x"})
    values = {v["label"]: v["value"] for v in vectors["state_proofs"]}
    balance = unpack(bytes.fromhex(values["bob's USDV balance"]))
    assert list(balance) == ["amount"] and int.from_bytes(balance["amount"], "big") == 250
    account = unpack(bytes.fromhex(values["alice's account record"]))
    assert list(account) == ["created_height", "public_key", "roles"]
    assert account_address(account["public_key"]) == alice
    asset = unpack(bytes.fromhex(values["the USDV asset record"]))
    assert asset["symbol"] == "USDV" and int.from_bytes(asset["supply"], "big") == 5000
    validator_set = unpack(bytes.fromhex(values["the validator set"]))
    [validator] = validator_set["validators"]
    assert validator["public_key"].hex() == vectors["header"]["validator_public_key"]
    assert validator["power"] == 10


def test_addresses_derive_from_the_document(vectors: dict[str, Any]) -> None:
    for item in vectors["addresses"]:
        if "public_key" in item:
            raw = account_address(bytes.fromhex(item["public_key"]))
        else:
            raw = sha(b"origin/module/" + item["module"].encode())[:20]
        assert raw.hex() == item["address"]
        text = bech32m("og", raw)
        assert text == item["text"] and len(text) == 41
