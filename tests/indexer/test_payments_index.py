"""The ``ix_payments`` table and its routes: real payments flows on an embedded node
(requests paid, cancelled and refunded; authorizations captured in part and voided,
captured in full, expired; escrows released and cancelled; channels funded, claimed and
closed, or closing; a swap), indexed, then every row checked against the payments
module's own queries."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from originledger.api.server import create_app
from originledger.app import DEFAULT_MODULES
from originledger.core.amounts import Amount
from originledger.core.crypto import SigningKey, sha256
from originledger.indexer import (
    Indexer,
    IndexReader,
    StoreSource,
    open_engine,
    schema,
)
from originledger.indexer.events import index_handlers
from originledger.indexer.service import IndexService
from originledger.modules.assets.types import Transfer
from originledger.modules.payments import claim_digest
from originledger.modules.payments.types import (
    Authorize,
    CancelEscrow,
    CancelRequest,
    Capture,
    ClaimChannel,
    CloseChannel,
    CreateEscrow,
    CreateRequest,
    FundChannel,
    Leg,
    OpenChannel,
    PayRequest,
    Refund,
    ReleaseEscrow,
    Swap,
    VoidAuthorization,
)
from originledger.sdk import TxBuilder

from .conftest import CHAIN, HOLDERS, new_node

A, B, C = HOLDERS[:3]
DEVICE = SigningKey(b"\x42" * 32)
IDS = {name: sha256(name.encode()) for name in (
    "req-paid", "req-cancelled", "auth-voided", "auth-captured", "auth-expired",
    "esc-released", "esc-cancelled", "ch-closed", "ch-closing",
)}  # fmt: skip
KINDS = {"req": "request", "auth": "authorization", "esc": "escrow", "ch": "channel"}
# The status each flow below leaves, and the module query that shows the object.
STATUSES = {
    "req-paid": "paid", "req-cancelled": "cancelled", "auth-voided": "voided",
    "auth-captured": "captured", "auth-expired": "expired", "esc-released": "released",
    "esc-cancelled": "cancelled", "ch-closed": "closed", "ch-closing": "closing",
}  # fmt: skip


def _blocks(node, steps: list[list[tuple[Any, list[Any]]]]) -> None:
    builder = TxBuilder(CHAIN)
    for step in steps:
        raws = [builder.build([message], signers).raw for message, signers in step]
        node.submit(raws)
        node.produce_block()


@pytest.fixture(scope="module")
def paid_node(tmp_path_factory: pytest.TempPathFactory):
    node = new_node(tmp_path_factory.mktemp("node") / "ledger.sqlite")
    later = time.time_ns() // 1_000_000 + 600_000
    soon = time.time_ns() // 1_000_000 + 400
    lock = {"hash_lock": sha256(b"doc"), "cancel_after_ms": later}
    _blocks(
        node,
        [
            [
                (CreateRequest(B.address, "USDX", Amount(500), later, "o-1",
                               request_id=IDS["req-paid"]), [B]),
                (CreateRequest(B.address, "USDX", Amount(70), later, "o-2",
                               request_id=IDS["req-cancelled"]), [B]),
                (Authorize(A.address, B.address, "USDX", Amount(300), later, "card-1",
                           IDS["auth-voided"]), [A]),
                (Authorize(A.address, C.address, "USDX", Amount(200), later, "",
                           IDS["auth-captured"]), [A]),
                (Authorize(A.address, B.address, "GLD", Amount(50), soon, "",
                           IDS["auth-expired"]), [A]),
                (CreateEscrow(A.address, C.address, "USDX", Amount(250),
                              escrow_id=IDS["esc-released"], **lock), [A]),  # type: ignore[arg-type]
                (CreateEscrow(A.address, B.address, "GLD", Amount(40),
                              escrow_id=IDS["esc-cancelled"], **lock), [A]),  # type: ignore[arg-type]
                (OpenChannel(A.address, B.address, "USDX", Amount(90), DEVICE.public_key,
                             5_000, IDS["ch-closed"]), [A]),
                (OpenChannel(B.address, C.address, "GLD", Amount(30), DEVICE.public_key,
                             60_000, IDS["ch-closing"]), [B]),
            ],
            [
                (PayRequest(A.address, B.address, IDS["req-paid"], "USDX", Amount(500)), [A]),
                (CancelRequest(B.address, IDS["req-cancelled"]), [B]),
                (Capture(B.address, IDS["auth-voided"], Amount(100)), [B]),
                (Capture(C.address, IDS["auth-captured"], Amount(200)), [C]),
                (ReleaseEscrow(C.address, IDS["esc-released"], b"doc"), [C]),
                (CancelEscrow(B.address, IDS["esc-cancelled"]), [B]),
                (FundChannel(A.address, IDS["ch-closed"], Amount(10)), [A]),
                (ClaimChannel(B.address, IDS["ch-closed"], Amount(42),
                              DEVICE.sign(claim_digest(CHAIN, IDS["ch-closed"], 42))), [B]),
                (CloseChannel(B.address, IDS["ch-closing"]), [B]),
                (Swap([Leg(A.address, B.address, "USDX", Amount(10)),
                       Leg(B.address, A.address, "GLD", Amount(9))]), [A, B]),
            ],
            [
                (Refund(B.address, IDS["req-paid"], Amount(50)), [B]),
                (Refund(B.address, IDS["auth-voided"], Amount(30), "broken"), [B]),
                (VoidAuthorization(B.address, IDS["auth-voided"]), [B]),
                (CloseChannel(B.address, IDS["ch-closed"]), [B]),
            ],
        ],
    )  # fmt: skip
    time.sleep(max(0.0, (soon - time.time_ns() // 1_000_000) / 1000) + 0.05)
    # A block (a block needs a transaction) whose end-of-block hook expires auth-expired.
    _blocks(node, [[(Transfer(C.address, A.address, "USDX", Amount(1)), [C])]])
    yield node
    node.stop()
    node.store.close()


@pytest.fixture(scope="module")
def indexer(paid_node) -> Indexer:
    source = StoreSource(paid_node.store, paid_node.app.registry)
    indexer = Indexer(open_engine("sqlite://"), source)
    indexer.catch_up()
    with indexer.engine.connect() as connection:
        failed = connection.execute(
            select(schema.txs.c.types, schema.txs.c.message).where(schema.txs.c.code != 0)
        ).all()
    assert failed == [], failed
    return indexer


def test_every_payments_event_has_a_handler() -> None:
    (payments,) = [module for module in DEFAULT_MODULES if module.name == "payments"]
    tags = {kind.__struct_config__.tag for kind in payments.events}
    assert len(tags) == 17
    handled = {kind.__struct_config__.tag for kind in index_handlers(DEFAULT_MODULES)}
    assert tags - handled == set()


def _rows(indexer: Indexer) -> dict[str, dict[str, Any]]:
    with indexer.engine.connect() as connection:
        return {
            row.payment_id: dict(row._mapping)
            for row in connection.execute(select(schema.payments))
        }


def _ledger_row(node, kind: str, payment_id: bytes) -> dict[str, Any]:
    """What the payments module's own query says, in the columns of ``ix_payments``."""
    answer = node.app.query("payments", kind, {"id": payment_id.hex()})
    if kind == "request":
        r = answer.request
        paid = r.payer is not None
        return {
            "payer": None if r.payer is None else str(r.payer), "payee": str(r.merchant),
            "symbol": r.paid_symbol if paid else r.symbol,
            "amount": int(r.paid_amount if paid else r.amount),
            "settled": int(r.paid_amount), "refunded": int(r.refunded),
            "status": str(r.status), "reference": r.reference,
            "created_height": r.created_height,
        }  # fmt: skip
    if kind == "authorization":
        a = answer.authorization
        status = {"closed": "captured"}.get(str(a.status), str(a.status))
        return {
            "payer": str(a.payer), "payee": str(a.merchant), "symbol": a.symbol,
            "amount": int(a.authorized), "settled": int(a.captured),
            "refunded": int(a.refunded), "status": status, "reference": None,
            "created_height": a.created_height,
        }  # fmt: skip
    if kind == "escrow":
        e = answer.escrow
        return {
            "payer": str(e.payer), "payee": str(e.payee), "symbol": e.symbol,
            "amount": int(e.amount), "settled": int(e.amount) if e.status == "released" else 0,
            "refunded": 0, "status": str(e.status), "reference": None,
            "created_height": e.created_height,
        }  # fmt: skip
    ch = answer.channel
    return {
        "payer": str(ch.sender), "payee": str(ch.recipient), "symbol": ch.symbol,
        "amount": int(ch.deposit), "settled": int(ch.paid), "refunded": 0,
        "status": str(ch.status), "reference": None, "created_height": ch.created_height,
    }  # fmt: skip


def test_every_payment_row_equals_the_module_state(paid_node, indexer) -> None:
    rows = _rows(indexer)
    assert set(rows) == {payment_id.hex() for payment_id in IDS.values()}  # no swap row
    for name, payment_id in IDS.items():
        row = rows[payment_id.hex()]
        kind = KINDS[name.split("-")[0]]
        assert row["kind"] == kind, name
        expected = _ledger_row(paid_node, kind, payment_id)
        assert {column: row[column] for column in expected} == expected, name
        assert row["status"] == STATUSES[name], name
        assert row["created_height"] <= row["updated_height"] <= indexer.height()
    # The flows did what they claim, or the comparison above proves little.
    assert rows[IDS["auth-voided"].hex()]["settled"] == 100
    assert rows[IDS["auth-voided"].hex()]["refunded"] == 30
    assert rows[IDS["req-paid"].hex()]["refunded"] == 50
    assert rows[IDS["req-paid"].hex()]["reference"] == "o-1"
    assert rows[IDS["req-cancelled"].hex()]["payer"] is None
    assert (rows[IDS["ch-closed"].hex()]["amount"], rows[IDS["ch-closed"].hex()]["settled"]) == (
        100,
        42,
    )


def test_refunds_and_channel_claims_are_in_the_parties_history(indexer) -> None:
    with indexer.engine.connect() as connection:
        link, txs = schema.tx_accounts, schema.txs
        types = set(
            connection.execute(
                select(txs.c.types)
                .join(link, (link.c.height == txs.c.height) & (link.c.position == txs.c.position))
                .where(link.c.address == str(A.address))
            ).scalars()
        )
    assert {"payments/refund", "payments/claim_channel", "payments/void"} <= types


@pytest.fixture(scope="module")
def api(paid_node, indexer):
    with TestClient(
        app=create_app(paid_node, start_node=False, index=IndexService(indexer))
    ) as client:
        yield client


def test_payment_routes_list_filter_page_and_show(api) -> None:
    everything = api.get("/v1/index/payments", params={"limit": 100}).json()
    assert len(everything["payments"]) == len(IDS)
    assert everything["next_cursor"] is None
    first = everything["payments"][0]
    assert isinstance(first["amount"], str) and isinstance(first["settled"], str)

    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/index/payments", params=params).json()
        assert len(page["payments"]) <= 2
        seen += [p["payment_id"] for p in page["payments"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [p["payment_id"] for p in everything["payments"]]

    by_c = api.get("/v1/index/payments", params={"account": str(C.address)}).json()["payments"]
    assert {p["payment_id"] for p in by_c} == {
        IDS[name].hex() for name in ("auth-captured", "esc-released", "ch-closing")
    }
    escrows = api.get("/v1/index/payments", params={"kind": "escrow", "status": "released"})
    assert [p["payment_id"] for p in escrows.json()["payments"]] == [IDS["esc-released"].hex()]

    one = api.get(f"/v1/index/payments/{IDS['req-paid'].hex().upper()}")
    assert one.status_code == 200
    assert one.json() | {"updated_height": 0} == {
        "payment_id": IDS["req-paid"].hex(), "kind": "request", "payer": str(A.address),
        "payee": str(B.address), "symbol": "USDX", "amount": "500", "settled": "500",
        "refunded": "50", "status": "paid", "reference": "o-1",
        "created_height": one.json()["created_height"], "updated_height": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/v1/index/payments/" + "ab" * 32, {}, 404, "payment_not_found"),
        ("/v1/index/payments/xyz", {}, 400, "invalid_parameter"),
        ("/v1/index/payments", {"kind": "swap"}, 400, "invalid_parameter"),
        ("/v1/index/payments", {"status": "lost"}, 400, "invalid_parameter"),
        ("/v1/index/payments", {"account": "nobody"}, 400, "invalid_address"),
        ("/v1/index/payments", {"cursor": "7:zz"}, 400, "invalid_cursor"),
        ("/v1/index/payments", {"limit": "0"}, 400, None),
        ("/v1/index/payments", {"limit": "100000"}, 400, None),
    ],
)
def test_payment_route_errors(api, path: str, params: dict[str, str], status: int, code) -> None:
    answer = api.get(path, params=params)
    assert answer.status_code == status, answer.text
    if code is not None:
        assert answer.json()["error"]["code"] == code


def test_postgres_payments_rows_and_pages_equal_sqlite(postgres, paid_node, indexer) -> None:
    source = StoreSource(paid_node.store, paid_node.app.registry)
    remote = Indexer(open_engine(postgres.new_database()), source)
    remote.catch_up()
    assert _rows(remote) == _rows(indexer)
    local_reader, remote_reader = IndexReader(indexer.engine), IndexReader(remote.engine)
    cursor = None
    while True:
        page = remote_reader.payments(account=str(B.address), cursor=cursor, limit=2)
        assert page == local_reader.payments(account=str(B.address), cursor=cursor, limit=2)
        cursor = page["next_cursor"]
        if cursor is None:
            break
