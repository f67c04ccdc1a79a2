"""The API's ingress: limits (body, batch, streams), the one number parser, security
headers, and the mempool's refusals (forged copies, admission)."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from originledger.api.headers import StreamSlots
from originledger.api.limits import REQUEST_BODY_BYTES_MAX, STREAM_REPLAY_BLOCKS_MAX
from originledger.api.server import create_app
from originledger.api.submission import decode_submission as _decode_submission
from originledger.api.submission import msgpack_array_length
from originledger.core.amounts import Amount
from originledger.core.codec import decode, encode
from originledger.core.codes import TxCode
from originledger.core.crypto import SigningKey
from originledger.core.limits import SUBMIT_BATCH_TXS_MAX
from originledger.core.numbers import parse_decimal
from originledger.core.tx import SignedTx
from originledger.modules.assets.types import Transfer
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.node.mempool import Admission
from originledger.sdk import Key, TxBuilder
from originledger.server.index import index_service_for
from originledger.store.sqlite import SqliteStore

from .conftest import ADMIN, ALICE, BOB, CHAIN, VALIDATOR, genesis_bytes


def _transfer(builder: TxBuilder, amount: int = 1, key: Key = ALICE) -> bytes:
    tx = builder.build([Transfer(key.address, BOB.address, "USDT", Amount(amount))], [key])
    return tx.raw


def _error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return str(error["message"])


@pytest.fixture
def indexed(tmp_path: Path):
    node = EmbeddedNode(
        SqliteStore(tmp_path / "ledger.sqlite"),
        genesis_bytes(),
        VALIDATOR,
        NodeSettings(block_interval_ms=10),
    )
    with TestClient(app=create_app(node, index=index_service_for(node))) as client:
        yield client
    node.stop()


# -- numbers --------------------------------------------------------------------------------


def test_parse_decimal_takes_ascii_digits_in_range_only() -> None:
    assert parse_decimal("0", 0, 10) == 0
    assert parse_decimal("010", 0, 10) == 10
    assert parse_decimal("-1", -1, 10) == -1
    for text in ("", "²", "١٢", " 1", "1 ", "+1", "1_0", "0x1", "-1", "11", "1.0", "9" * 41):
        assert parse_decimal(text, 0, 10) is None, text
    assert parse_decimal("-", -1, 10) is None
    assert parse_decimal(str(2**63), 0, 2**63 - 1) is None


def test_regression_unicode_digits_answer_400(indexed) -> None:
    """``"²".isdigit()`` is true and ``int("²")`` raises: these answered 500."""
    for url in (
        "/v1/query/clearing/cycle?id=²",
        "/v1/query/clearing/obligations?id=²",
        "/v1/query/clearing/report?id=²",
        "/v1/payments/requests/" + "ab" * 32 + "/qr.svg?scale=²",
        "/v1/payments/requests/" + "ab" * 32 + "/qr.png?scale=²",
        "/v1/events?limit=²",
        "/v1/blocks/²",
        "/v1/index/assets/USDT/volume?days=²",
        f"/v1/compliance/trace?account={ALICE.address}&symbol=USDT&hops=²",
        "/v1/txs?wait_ms=²",
    ):
        response = indexed.get(url) if "/v1/txs" not in url else indexed.post(url, json={})
        assert response.status_code == 400, (url, response.text)
        assert response.json()["error"]["message"]
    # Search is free text: a Unicode digit is no block height, and no error either.
    response = indexed.get("/v1/search", params={"q": "²"})
    assert response.status_code == 200 and response.json()["results"] == []


def test_regression_index_value_no_column_holds_answers_400(indexed) -> None:
    """A symbol longer than the index's column reached the column's own check on a
    SELECT and answered 500 (found by the schema fuzzer)."""
    deadline = time.monotonic() + 10
    while indexed.get("/v1/index/assets").status_code == 503:  # the indexer makes its tables
        assert time.monotonic() < deadline, "the indexer never made its tables"
        time.sleep(0.02)
    long_symbol = "X" * 40
    for path in ("volume?days=7", "holders", "supply", ""):
        url = f"/v1/index/assets/{long_symbol}/{path}".rstrip("/")
        response = indexed.get(url)
        assert response.status_code in (400, 404), (url, response.text)
        assert response.json()["error"]["message"]


def test_regression_cursor_above_2_63_answers_400(indexed) -> None:
    """Index cursors above 2**63 reached SQLite, which cannot bind them: 500."""
    big = str(2**63)
    for path, params in (
        ("/v1/index/txs", {"before": f"{big}:0"}),
        (f"/v1/index/accounts/{ALICE.address}/history", {"cursor": f"{big}:0:0"}),
        ("/v1/index/payments", {"cursor": f"{big}:" + "ab" * 32}),
        ("/v1/events", {"after": f"{big}:0"}),
        ("/v1/events", {"after": f"0:{big}"}),
        ("/v1/index/blocks", {"before": big}),
        ("/v1/query/clearing/cycle", {"id": big}),
    ):
        response = indexed.get(path, params=params)
        assert response.status_code == 400, (path, response.text)
    assert indexed.get("/v1/search", params={"q": big}).status_code == 200


# -- bodies and batches ---------------------------------------------------------------------


def test_msgpack_array_length_reads_the_header_only() -> None:
    assert msgpack_array_length(msgspec.msgpack.encode([b"a"] * 3)) == 3
    assert msgpack_array_length(msgspec.msgpack.encode([b"a"] * 300)[:3]) == 300
    assert msgpack_array_length(msgspec.msgpack.encode([b"a"] * 70_000)[:5]) == 70_000
    assert msgpack_array_length(b"\xdd\x00") is None
    assert msgpack_array_length(b"\xc4\x01a") is None


def test_regression_batch_counted_before_decoding() -> None:
    """A body of millions of tiny items was decoded in full before the batch limit was
    checked: the node grew by hundreds of MiB per request. The count comes first now."""
    items = (REQUEST_BODY_BYTES_MAX - 5) // 3  # each item: bin8 of one byte
    body = b"\xdd" + items.to_bytes(4, "big") + b"\xc4\x01\x00" * items
    json_body = b'{"txs":[' + b",".join([b'"00"'] * (REQUEST_BODY_BYTES_MAX // 6)) + b"]}"
    for media, raw in (("msgpack", body), ("json", json_body)):
        tracemalloc.start()
        try:
            with pytest.raises(Exception) as refused:
                _decode_submission(media, raw)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert getattr(refused.value, "code", None) == "batch_too_large"
        # Decoding the items would take about 40 bytes each (over 100 MiB here).
        assert peak < 1024 * 1024, f"{media}: {peak} bytes allocated"


def test_oversized_body_refused_before_it_is_read(client) -> None:
    body = b"\x00" * (REQUEST_BODY_BYTES_MAX + 1)
    response = client.post("/v1/txs", content=body, headers={"content-type": "application/msgpack"})
    assert str(REQUEST_BODY_BYTES_MAX) in _error(response, 413, "request_too_large")


def test_oversized_msgpack_batch_refused_with_413(client, builder) -> None:
    raw = _transfer(builder)
    body = msgspec.msgpack.encode([raw] * (SUBMIT_BATCH_TXS_MAX + 1))
    response = client.post("/v1/txs", content=body, headers={"content-type": "application/msgpack"})
    _error(response, 413, "batch_too_large")
    texts = [raw.hex()] * (SUBMIT_BATCH_TXS_MAX + 1)
    _error(client.post("/v1/txs", json={"txs": texts}), 413, "batch_too_large")


# -- mempool --------------------------------------------------------------------------------


def test_regression_forged_copy_of_waiting_tx_refused(node, builder) -> None:
    """The hash is of the body only: a copy with bad signatures was answered "accepted"
    because a transaction with its hash was waiting."""
    raw = _transfer(builder, 5)
    (first,) = node.submit([raw])  # the node is not started: the transaction waits
    assert first.status == "accepted"
    envelope = decode(raw, SignedTx)
    forged = encode(SignedTx(envelope.body, [bytes(64)]))
    assert forged != raw
    (answer,) = node.submit([forged])
    assert answer.status == "rejected" and answer.hash == first.hash
    assert answer.result.code == TxCode.SIGNATURE_INVALID
    (again,) = node.submit([raw])
    assert again.status == "accepted"


def _node_with(admission: Admission, **settings: int) -> EmbeddedNode:
    return EmbeddedNode(
        SqliteStore(None),
        genesis_bytes(),
        VALIDATOR,
        NodeSettings(block_interval_ms=10, mempool_admission=admission.value, **settings),
    )


def test_admission_quota_shares_a_small_pool_among_unregistered_signers() -> None:
    node = _node_with(
        Admission.QUOTA, mempool_unregistered_txs_max=3, mempool_unregistered_per_signer_max=2
    )
    builder = TxBuilder(CHAIN)
    newcomers = [Key(SigningKey(bytes([0x40 + i]) * 32)) for i in range(3)]
    answers = node.submit([_transfer(builder, i + 1, newcomers[0]) for i in range(3)])
    assert [a.status for a in answers] == ["accepted", "accepted", "rejected"]
    assert answers[2].result.code == TxCode.SIGNER_QUOTA
    (second,) = node.submit([_transfer(builder, 1, newcomers[1])])
    (third,) = node.submit([_transfer(builder, 1, newcomers[2])])
    assert second.status == "accepted"
    assert third.status == "rejected" and third.result.code == TxCode.SIGNER_QUOTA
    # A registered account (ADMIN exists in genesis) is not charged to the shared pool.
    registered = node.submit([_transfer(builder, i + 1, ADMIN) for i in range(5)])
    assert all(a.status == "accepted" for a in registered)
    node.stop()


def test_admission_reads_a_submission_s_standings_in_one_query() -> None:
    """A batch's signers are looked up together (one query per chunk), not one by one,
    with the same answers: the submission path pays for no per-signer reads."""
    node = _node_with(Admission.ACCOUNTS)
    single_reads: list[bytes] = []
    batches: list[int] = []
    reader = node.mempool._standing_of
    batch_reader = node.mempool._standings_of
    assert reader is not None and batch_reader is not None

    def one(public_key: bytes) -> Any:
        single_reads.append(public_key)
        return reader(public_key)

    def many(public_keys: Any) -> Any:
        batches.append(len(public_keys))
        return batch_reader(public_keys)

    node.mempool._standing_of = one
    node.mempool._standings_of = many
    builder = TxBuilder(CHAIN)
    answers = node.submit(
        [_transfer(builder, 1, ALICE), _transfer(builder, 1, ADMIN), _transfer(builder, 2, ADMIN)]
    )
    assert [a.status for a in answers] == ["rejected", "accepted", "accepted"]
    assert answers[0].result.code == TxCode.SIGNER_NOT_ADMITTED
    assert batches == [2] and single_reads == []
    node.stop()


def test_admission_accounts_refuses_unregistered_signers() -> None:
    node = _node_with(Admission.ACCOUNTS)
    builder = TxBuilder(CHAIN)
    (refused,) = node.submit([_transfer(builder, 1, ALICE)])  # funded, but no account yet
    assert refused.status == "rejected" and refused.result.code == TxCode.SIGNER_NOT_ADMITTED
    (admitted,) = node.submit([_transfer(builder, 1, ADMIN)])
    assert admitted.status == "accepted"
    node.stop()


def test_admission_roles_refuses_accounts_without_a_role() -> None:
    node = _node_with(Admission.OPEN)
    builder = TxBuilder(CHAIN)
    node.submit([_transfer(builder, 1, ALICE)])
    node.produce_block()  # ALICE's account now exists, without a role
    node.stop()
    roles = EmbeddedNode(
        node.store,
        genesis_bytes(),
        VALIDATOR,
        NodeSettings(mempool_admission=Admission.ROLES.value),
    )
    (refused,) = roles.submit([_transfer(builder, 2, ALICE)])
    assert refused.result.code == TxCode.SIGNER_NOT_ADMITTED
    (admitted,) = roles.submit([_transfer(builder, 2, ADMIN)])
    assert admitted.status == "accepted"
    roles.stop()


# -- streams and headers --------------------------------------------------------------------


def test_stream_slots_per_client_and_in_all() -> None:
    slots = StreamSlots(per_client_max=2, total_max=3)
    assert slots.take("a") is None and slots.take("a") is None
    assert "per client" in (slots.take("a") or "")
    assert slots.take("b") is None
    assert "at most 3" in (slots.take("c") or "")
    slots.give_back("a")
    assert slots.take("c") is None


def test_stream_replay_window(node, builder) -> None:
    with TestClient(app=create_app(node, start_node=False)) as client:
        for amount in range(1, 4):
            node.submit([_transfer(builder, amount)])
            node.produce_block()
        # Within the window: the route answers (tested in test_stream); too far back: 410.
        window = STREAM_REPLAY_BLOCKS_MAX
        assert node.store.latest_height() < window
        import originledger.api.routes.events as server

        original = server.STREAM_REPLAY_BLOCKS_MAX
        server.STREAM_REPLAY_BLOCKS_MAX = 1
        try:
            response = client.get("/v1/events/stream", params={"after": "0:0"})
            _error(response, 410, "replay_too_far")
        finally:
            server.STREAM_REPLAY_BLOCKS_MAX = original


def test_security_headers_and_no_cross_origin_by_default(client) -> None:
    for path in ("/", "/v1/status", "/v1/blocks/x", "/explorer/js/app.js", "/no/such/route"):
        response = client.get(path, headers={"origin": "https://evil.example"})
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "access-control-allow-origin" not in response.headers


def test_cors_allows_configured_origins_only(node) -> None:
    app = create_app(node, start_node=False, cors_origins=["https://wallet.example"])
    with TestClient(app=app) as client:
        good = client.get("/v1/status", headers={"origin": "https://wallet.example"})
        assert good.headers["access-control-allow-origin"] == "https://wallet.example"
        bad = client.get("/v1/status", headers={"origin": "https://evil.example"})
        assert bad.headers.get("access-control-allow-origin") != "https://evil.example"


def test_trace_cut_at_scan_budget_says_so_with_a_cursor(node, builder, monkeypatch) -> None:
    import originledger.api.routes.compliance as compliance_api

    with TestClient(app=create_app(node, start_node=False)) as client:
        for amount in range(1, 4):
            node.submit([_transfer(builder, amount)])
            node.produce_block()
        params = {"account": str(ALICE.address), "symbol": "USDT"}
        whole = client.get("/v1/compliance/trace", params=params).json()
        assert whole["scan"]["cut"] is False and whole["trace"]["truncated"] is False
        assert whole["trace"]["sent"] == "6"
        monkeypatch.setattr(compliance_api, "TRACE_EVENTS_SCANNED_MAX", 2)
        cut = client.get("/v1/compliance/trace", params=params).json()
        assert cut["scan"] == {
            "events_read": 2,
            "budget": 2,
            "cut": True,
            "cursor": cut["scan"]["cursor"],
        }
        assert cut["trace"]["truncated"] is True
        height, index = (int(part) for part in cut["scan"]["cursor"].split(":"))
        assert height >= 1 and index >= 0


def test_open_streams_limited_per_client_and_given_back(node) -> None:
    import socket
    import time

    import httpx

    from originledger.api.limits import STREAMS_PER_CLIENT_MAX
    from originledger.server.background import BackgroundServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = BackgroundServer(node, f"127.0.0.1:{port}").start()
    clients = [httpx.Client(base_url=server.url, timeout=10) for _ in range(3)]
    try:
        opened = []
        for number in range(STREAMS_PER_CLIENT_MAX):
            stream = clients[0].stream("GET", "/v1/events/stream")
            response = stream.__enter__()
            assert response.status_code == 200, number
            opened.append(stream)
        refused = clients[1].get("/v1/events/stream")
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_streams"
        assert refused.headers["x-content-type-options"] == "nosniff"
        opened.pop().__exit__(None, None, None)  # the client goes away: its slot comes back
        deadline = time.monotonic() + 10
        while True:
            with clients[2].stream("GET", "/v1/events/stream") as again:
                if again.status_code == 200:
                    break
            assert time.monotonic() < deadline, "the closed stream's slot never came back"
            time.sleep(0.1)
        for stream in opened:
            stream.__exit__(None, None, None)
    finally:
        for client in clients:
            client.close()
        server.stop()


def test_admission_quota_counts_a_signer_registered_once_its_first_tx_commits() -> None:
    node = _node_with(
        Admission.QUOTA, mempool_unregistered_txs_max=1, mempool_unregistered_per_signer_max=1
    )
    builder = TxBuilder(CHAIN)
    first, second = node.submit([_transfer(builder, 1), _transfer(builder, 2)])
    assert first.status == "accepted"
    assert second.status == "rejected" and second.result.code == TxCode.SIGNER_QUOTA
    outcome = node.produce_block()  # ALICE's first transaction creates her account
    assert outcome is not None and outcome.txs[0].hash == first.hash
    later = node.submit([_transfer(builder, amount) for amount in range(3, 8)])
    assert [a.status for a in later] == ["accepted"] * 5
    node.stop()
