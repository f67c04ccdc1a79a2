"""The HTTP API: every route's success path, and every kind of bad input gets a 4xx with a
code and a message, never a 500 and never a change of state."""

from __future__ import annotations

import copy

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from originledger.core.amounts import Amount
from originledger.core.block import SignedHeader
from originledger.core.codec import from_json, to_json
from originledger.core.state_proof import StateProof
from originledger.modules.assets.keys import balance_key
from originledger.modules.assets.types import Transfer
from originledger.sdk import (
    TrustedValidators,
    VerificationError,
    verify_proven_value,
    verify_receipt,
)

from .conftest import ALICE, BOB, genesis_bytes


def _pay(client, builder, amount: int = 100, wait: bool = True) -> dict:
    tx = builder.build([Transfer(ALICE.address, BOB.address, "USDT", Amount(amount))], [ALICE])
    params = {"wait_ms": "5000"} if wait else {}
    response = client.post("/v1/txs", json={"tx": tx.raw.hex()}, params=params)
    assert response.status_code == 200
    return response.json()["answers"][0]


def _error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_health_and_status(client) -> None:
    assert client.get("/health").json() == {"ok": True, "height": 0}
    status = client.get("/v1/status").json()
    assert status["chain_id"] == "api-test" and status["height"] == 0
    assert client.get("/v1/genesis").content == genesis_bytes()


def test_openapi_lists_routes(client) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/v1/txs",
        "/v1/txs/{tx_hash}",
        "/v1/blocks/latest",
        "/v1/accounts/{address}",
        "/v1/events",
        "/health",
    ):
        assert path in schema["paths"], path


def test_submit_json_waits_for_commit(client, builder) -> None:
    answer = _pay(client, builder)
    assert answer["status"] == "committed" and answer["height"] == 1
    assert answer["result"] == {"codespace": "tx", "code": 0, "message": "ok", "message_index": -1}


def test_submit_msgpack_batch(client, builder) -> None:
    txs = [
        builder.build([Transfer(ALICE.address, BOB.address, "USDT", Amount(1))], [ALICE])
        for _ in range(5)
    ]
    response = client.post(
        "/v1/txs",
        content=msgspec.msgpack.encode([t.raw for t in txs]),
        headers={"content-type": "application/msgpack"},
        params={"wait_ms": "5000"},
    )
    answers = response.json()["answers"]
    assert [a["status"] for a in answers] == ["committed"] * 5
    assert [a["hash"] for a in answers] == [t.hash_hex for t in txs]


def test_submit_malformed_tx_is_rejected_per_tx(client) -> None:
    answers = client.post("/v1/txs", json={"txs": ["00", "c0ffee"]}).json()["answers"]
    assert [(a["status"], a["result"]["code"]) for a in answers] == [("rejected", 2)] * 2
    assert client.get("/v1/status").json()["height"] == 0


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"{not json", {"content-type": "application/json"}, 400, "invalid_body"),
        (b'{"tx": "zz"}', {"content-type": "application/json"}, 400, "invalid_body"),
        (b'{"tx": "00", "txs": ["00"]}', {"content-type": "application/json"}, 400, "invalid_body"),
        (b'{"txs": []}', {"content-type": "application/json"}, 400, "invalid_body"),
        (b'{"other": 1}', {"content-type": "application/json"}, 400, "invalid_body"),
        (b"\x01\x02", {"content-type": "application/msgpack"}, 400, "invalid_body"),
        (b"hello", {"content-type": "text/plain"}, 415, "unsupported_media_type"),
    ],
)
def test_invalid_submission_body(client, body, headers, status, code) -> None:
    _error(client.post("/v1/txs", content=body, headers=headers), status, code)


def test_invalid_batch_too_large(client) -> None:
    _error(client.post("/v1/txs", json={"txs": ["00"] * 5001}), 413, "batch_too_large")


def test_invalid_wait_ms(client) -> None:
    _error(
        client.post("/v1/txs", json={"tx": "00"}, params={"wait_ms": "soon"}),
        400,
        "invalid_parameter",
    )


def test_receipt_verifies_offline(client, builder) -> None:
    answer = _pay(client, builder)
    receipt = client.get(f"/v1/txs/{answer['hash']}").json()
    assert receipt["status"] == "committed" and receipt["index"] == 0
    assert [e["type"] for e in receipt["events"]] == ["accounts/created", "assets/transferred"]
    assert receipt["tx"]["messages"][0]["type"] == "assets/transfer"
    trusted = TrustedValidators.from_genesis(genesis_bytes())
    verified = verify_receipt(trusted, receipt)
    assert verified.height == 1 and verified.result.code == 0

    tampered = copy.deepcopy(receipt)
    tampered["events"][1]["data"]["amount"] = "1"
    with pytest.raises(VerificationError):
        verify_receipt(trusted, tampered)
    tampered = copy.deepcopy(receipt)
    tampered["result"]["code"] = 7
    with pytest.raises(VerificationError):
        verify_receipt(trusted, tampered)


def test_invalid_receipt_requests(client) -> None:
    _error(client.get("/v1/txs/xyz"), 400, "invalid_hash")
    _error(client.get("/v1/txs/" + "00" * 31), 400, "invalid_hash")
    _error(client.get("/v1/txs/" + "00" * 32), 404, "tx_not_found")


def test_blocks(client, builder) -> None:
    _error(client.get("/v1/blocks/latest"), 404, "block_not_found")
    answer = _pay(client, builder)
    latest = client.get("/v1/blocks/latest").json()
    assert latest["height"] == 1 and latest["txs"] == [answer["hash"]]
    assert client.get("/v1/blocks/1").json() == latest
    _error(client.get("/v1/blocks/2"), 404, "block_not_found")
    _error(client.get("/v1/blocks/zero"), 400, "invalid_parameter")
    _error(client.get("/v1/blocks/0"), 400, "invalid_parameter")


def test_account_with_proofs(client, builder) -> None:
    _pay(client, builder, amount=250)
    answer = client.get(f"/v1/accounts/{BOB.address}", params={"prove": "true"}).json()
    [line] = answer["balances"]
    assert (line["account"], line["symbol"], line["amount"]) == (str(BOB.address), "USDT", "250")
    assert (line["held"], line["available"], line["frozen"]) == ("0", "250", False)
    trusted = TrustedValidators.from_genesis(genesis_bytes())
    signed = from_json(to_json(answer["signed_header"]), SignedHeader)
    keys = set()
    for item in answer["proofs"]:
        proof = from_json(to_json(item["proof"]), StateProof)
        verify_proven_value(trusted, proof, answer["height"], signed, key=proof.key)
        keys.add(proof.key)
    assert balance_key(BOB.address, "USDT") in keys


def test_invalid_account_requests(client) -> None:
    _error(client.get("/v1/accounts/og1notanaddress"), 400, "invalid_address")
    _error(
        client.get(f"/v1/accounts/{ALICE.address}", params={"prove": "maybe"}),
        400,
        "invalid_parameter",
    )


def test_state_read_with_absence_proof(client, builder) -> None:
    _pay(client, builder)
    key = balance_key(ALICE.address, "NOPE")
    answer = client.get(f"/v1/state/{key.hex()}", params={"prove": "true"}).json()
    assert answer["value"] is None
    proof = from_json(to_json(answer["proof"]), StateProof)
    signed = from_json(to_json(answer["signed_header"]), SignedHeader)
    trusted = TrustedValidators.from_genesis(genesis_bytes())
    assert verify_proven_value(trusted, proof, answer["height"], signed, key=proof.key) is None
    _error(client.get("/v1/state/nothex"), 400, "invalid_key")


def test_module_queries(client) -> None:
    asset = client.get("/v1/query/assets/asset", params={"symbol": "USDT"}).json()
    assert asset["result"]["asset"]["supply"] == "100000"
    assert asset["result"]["speculative"] is False
    _error(client.get("/v1/query/assets/asset", params={"symbol": "NOPE"}), 404, "not_found")
    _error(client.get("/v1/query/assets/asset"), 400, "invalid_query")
    _error(client.get("/v1/query/nomodule/x"), 404, "query_not_found")
    _error(
        client.get("/v1/query/assets/balance", params={"account": "og1x", "symbol": "USDT"}),
        400,
        "invalid_query",
    )


def test_module_query_reads_at_last_block_time(client) -> None:
    # The API gives every query the time of the block it reads: attest's ``verify`` needs
    # no ``at_ms`` then, and a caller cannot pretend another time through that parameter.
    unknown = "00" * 32
    answer = client.get("/v1/query/attest/verify", params={"id": unknown}).json()
    assert answer["result"]["status"] == "unknown"
    status = client.get("/v1/status").json()
    assert answer["result"]["at_ms"] == status["time_ms"]
    spoofed = client.get(
        "/v1/query/attest/verify", params={"id": unknown, "block_time_ms": "1"}
    ).json()
    assert spoofed["result"]["at_ms"] == status["time_ms"]


def test_events_paginate_from_cursor(client, builder) -> None:
    for _ in range(3):
        _pay(client, builder)
    first = client.get("/v1/events", params={"limit": "4"}).json()
    assert len(first["events"]) == 4
    rest = client.get("/v1/events", params={"after": first["next_cursor"], "limit": "500"}).json()
    everything = client.get("/v1/events", params={"limit": "500"}).json()["events"]
    assert first["events"] + rest["events"] == everything
    cursors = [(e["height"], e["index"]) for e in everything]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    _error(client.get("/v1/events", params={"after": "x:y"}), 400, "invalid_cursor")
    _error(client.get("/v1/events", params={"limit": "100000"}), 400, "invalid_parameter")


def test_unknown_route_and_method(client) -> None:
    _error(client.get("/v1/nothing"), 404, "not_found")
    _error(client.delete("/v1/txs"), 405, "method_not_allowed")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        [
            "/v1/txs/",
            "/v1/blocks/",
            "/v1/accounts/",
            "/v1/state/",
            "/v1/query/assets/",
            "/v1/events?after=",
            "/v1/events?limit=",
        ]
    ),
    tail=st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="/?#%"),
        max_size=80,
    ),
    body=st.binary(max_size=300),
    media=st.sampled_from(["application/json", "application/msgpack", "text/plain", ""]),
)
def test_fuzz_requests_never_fail_with_500(client, path, tail, body, media) -> None:
    height = client.get("/v1/status").json()["height"]
    assert client.get(path + tail).status_code < 500
    response = client.post("/v1/txs", content=body, headers={"content-type": media})
    assert response.status_code < 500
    assert client.get("/v1/status").json()["height"] == height


@pytest.mark.parametrize("cursor", ["9223372036854775808", "1:9223372036854775808", "-2", "0:-5"])
def test_invalid_event_cursor_out_of_range(client, cursor: str) -> None:
    _error(client.get("/v1/events", params={"after": cursor}), 400, "invalid_cursor")
