"""The compliance routes of the API on a real embedded node: fund tracing over the
committed events, with hand-computed amounts, and its bad input."""

from __future__ import annotations

from originledger.core.amounts import Amount
from originledger.modules.assets.types import Transfer

from .conftest import ADMIN, ALICE, BOB


def _commit(client, builder, messages, signers) -> None:
    tx = builder.build(messages, signers)
    response = client.post("/v1/txs", json={"tx": tx.raw.hex()}, params={"wait_ms": "5000"})
    answer = response.json()["answers"][0]
    assert answer["status"] == "committed" and answer["result"]["code"] == 0, answer


def _pay(sender, recipient, amount: int) -> Transfer:
    return Transfer(sender.address, recipient.address, "USDT", Amount(amount))


def test_trace_follows_money_hop_by_hop(client, builder) -> None:
    # ALICE (genesis 100000) -> BOB 300; ADMIN -> BOB is impossible (no balance), so BOB's
    # queue is [300 traced]; BOB -> ADMIN 120 (hop 2); ADMIN -> ALICE 20 (back home).
    _commit(client, builder, [_pay(ALICE, BOB, 300)], [ALICE])
    _commit(client, builder, [_pay(BOB, ADMIN, 120)], [BOB])
    _commit(client, builder, [_pay(ADMIN, ALICE, 20)], [ADMIN])
    response = client.get(
        "/v1/compliance/trace", params={"account": str(ALICE.address), "symbol": "USDT"}
    )
    assert response.status_code == 200, response.text
    trace = response.json()["trace"]
    hops = [
        (h["hop"], h["sender"], h["recipient"], h["amount"], h["traced"]) for h in trace["hops"]
    ]
    assert hops == [
        (1, str(ALICE.address), str(BOB.address), "300", "300"),
        (2, str(BOB.address), str(ADMIN.address), "120", "120"),
        (3, str(ADMIN.address), str(ALICE.address), "20", "20"),
    ]
    rest = {item["account"]: item["amount"] for item in trace["at_rest"]}
    assert rest == {str(BOB.address): "180", str(ADMIN.address): "100"}
    assert (trace["sent"], trace["truncated"]) == ("300", False)
    later = client.get(
        "/v1/compliance/trace",
        params={"account": str(ALICE.address), "symbol": "USDT", "after_height": "1", "hops": "1"},
    ).json()["trace"]
    assert later["hops"] == [] and later["sent"] == "0"


def test_invalid_trace_parameters(client) -> None:
    address = str(ALICE.address)
    for params, code in [
        ({"account": "nope", "symbol": "USDT"}, "invalid_address"),
        ({"account": address, "symbol": "usdt"}, "invalid_parameter"),
        ({"account": address, "symbol": "USDT", "hops": "9"}, "invalid_parameter"),
        ({"account": address, "symbol": "USDT", "fanout": "0"}, "invalid_parameter"),
        ({"account": address, "symbol": "USDT", "after_height": "-1"}, "invalid_parameter"),
        ({"account": address, "symbol": "USDT", "hops": "x"}, "invalid_parameter"),
    ]:
        response = client.get("/v1/compliance/trace", params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["error"]["code"] == code


def test_compliance_queries_through_the_api(client) -> None:
    packs = client.get("/v1/query/compliance/packs").json()["result"]["packs"]
    assert packs == []  # this node's genesis has no compliance section
    check = client.get(
        "/v1/query/compliance/check_transfer",
        params={"sender": str(ALICE.address), "recipient": str(BOB.address), "symbol": "USDT",
                "amount": "5"},
    ).json()["result"]  # fmt: skip
    assert check["allowed"] is True
