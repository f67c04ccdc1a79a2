"""The light client: receipts bound field by field to proven bytes, state proofs bound to
the key asked for, a pinned genesis, and the validator set followed as it changes, in
embedded mode (Origin's signed headers) and network mode (CometBFT commits)."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from originledger.core.amounts import Amount
from originledger.core.block import (
    BlockHeader,
    CommitSignature,
    SignedHeader,
    header_signing_digest,
    result_leaf,
)
from originledger.core.codec import encode, from_json, to_builtins, to_json
from originledger.core.codes import TxResult
from originledger.core.crypto import SigningKey, sha256
from originledger.core.merkle import list_root
from originledger.core.state_proof import StateProof
from originledger.modules.assets.keys import balance_key
from originledger.modules.assets.types import Transfer, Transferred
from originledger.modules.validators.types import SetValidatorPower, ValidatorPowerChanged
from originledger.sdk import TxBuilder
from originledger.sdk.verify import (
    COMETBFT_SET_DELAY,
    EMBEDDED_SET_DELAY,
    TrustedValidators,
    VerificationError,
    VerifiedReceipt,
    describe_tx,
    verify_proven_value,
    verify_receipt,
)
from tests.sdk.conftest import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    CHAIN,
    VALIDATOR,
    genesis_bytes,
    sdk_client,
)

OTHER = SigningKey(b"\x77" * 32)
NEWCOMER = SigningKey(b"\x66" * 32)


def _submit(http: TestClient[Any], builder: TxBuilder, messages: list[Any], signer: Any) -> str:
    tx = builder.build(messages, [signer])
    response = http.post("/v1/txs", json={"tx": tx.raw.hex()}, params={"wait_ms": "5000"})
    assert response.status_code == 200, response.text
    [answer] = response.json()["answers"]
    assert answer["status"] == "committed", answer
    return str(answer["hash"])


def _pay(http: TestClient[Any], builder: TxBuilder, amount: int = 250) -> dict[str, Any]:
    tx_hash = _submit(
        http, builder, [Transfer(ALICE.address, BOB.address, "USDT", Amount(amount))], ALICE
    )
    receipt: dict[str, Any] = http.get(f"/v1/txs/{tx_hash}").json()
    return receipt


def _trusted() -> TrustedValidators:
    # The genesis is at 1 s after the epoch: a clock just after it keeps skipping inside
    # the trusting period.
    return TrustedValidators.from_genesis(genesis_bytes(), clock=lambda: 2_000)


# -- receipts, embedded mode: every shown field is bound ---------------------------------


def _set_recipient(receipt: dict[str, Any]) -> None:
    receipt["tx"]["messages"][0]["recipient"] = str(CAROL.address)


def _set_amount(receipt: dict[str, Any]) -> None:
    receipt["tx"]["messages"][0]["amount"] = "999999"


def _set_message(receipt: dict[str, Any]) -> None:
    receipt["result"]["message"] = "refunded"


def _set_message_index(receipt: dict[str, Any]) -> None:
    receipt["result"]["message_index"] = 0


def _set_index(receipt: dict[str, Any]) -> None:
    receipt["index"] = 1


def _set_event(receipt: dict[str, Any]) -> None:
    receipt["events"][-1]["data"]["amount"] = "1"


def _set_code(receipt: dict[str, Any]) -> None:
    receipt["result"]["code"] = 7


TAMPERINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "recipient": _set_recipient,
    "amount": _set_amount,
    "message": _set_message,
    "message_index": _set_message_index,
    "index": _set_index,
    "events": _set_event,
    "code": _set_code,
}


def _assert_tampering_detected(http: TestClient[Any], builder: TxBuilder, field: str) -> None:
    receipt = _pay(http, builder)
    trusted = _trusted()
    verified = verify_receipt(trusted, receipt)
    assert verified.tx == receipt["tx"] and verified.index == receipt["index"]
    tampered = copy.deepcopy(receipt)
    TAMPERINGS[field](tampered)
    assert tampered != receipt
    with pytest.raises(VerificationError):
        verify_receipt(trusted, tampered)

    # The same through a proxy between the SDK and the node.
    def rewrite(path: str, body: Any) -> Any:
        if path.startswith("/v1/txs/"):
            TAMPERINGS[field](body)
        return body

    proxied = sdk_client(http, rewrite, genesis=genesis_bytes())
    with pytest.raises(VerificationError):
        proxied.verified_receipt(receipt["hash"])
    honest = sdk_client(http, genesis=genesis_bytes())
    shown, proven = honest.verified_receipt(receipt["hash"])
    assert shown == receipt and proven.tx == receipt["tx"]


def test_regression_receipt_tampering_recipient_detected(http, builder) -> None:
    _assert_tampering_detected(http, builder, "recipient")


def test_regression_receipt_tampering_amount_detected(http, builder) -> None:
    _assert_tampering_detected(http, builder, "amount")


def test_regression_receipt_tampering_message_detected(http, builder) -> None:
    _assert_tampering_detected(http, builder, "message")


def test_regression_receipt_tampering_message_index_detected(http, builder) -> None:
    _assert_tampering_detected(http, builder, "message_index")


def test_regression_receipt_tampering_index_detected(http, builder) -> None:
    _assert_tampering_detected(http, builder, "index")


def test_receipt_tampering_events_detected(http, builder) -> None:
    _assert_tampering_detected(http, builder, "events")


def test_receipt_tampering_code_detected(http, builder) -> None:
    _assert_tampering_detected(http, builder, "code")


def test_regression_receipt_of_another_transaction_refused(http, builder) -> None:
    """A node answering with another transaction's (valid, proven) receipt is refused."""
    first = _pay(http, builder, 100)
    second = _pay(http, builder, 200)

    def swap(path: str, body: Any) -> Any:
        return second if path == f"/v1/txs/{first['hash']}" else body

    proxied = sdk_client(http, swap, genesis=genesis_bytes())
    with pytest.raises(VerificationError, match="not of"):
        proxied.verified_receipt(first["hash"])
    honest = sdk_client(http, genesis=genesis_bytes())
    assert honest.verified_receipt(first["hash"])[1].hash.hex() == first["hash"]


def test_receipt_verified_fields_come_from_proven_bytes(http, builder) -> None:
    receipt = _pay(http, builder, amount=321)
    verified = verify_receipt(_trusted(), receipt)
    raw = base64.b64decode(receipt["raw"])
    assert verified.tx == describe_tx(raw, _registry())
    [message] = verified.tx["messages"] if verified.tx else [None]
    assert message is not None
    assert (message["recipient"], message["amount"]) == (str(BOB.address), "321")
    assert verified.result.message == receipt["result"]["message"]
    assert verified.events[-1]["type"] == "assets/transferred"
    assert verified.events[-1]["amount"] == "321"


def test_invalid_receipt_forged_signature(http, builder) -> None:
    receipt = _pay(http, builder)
    raw = bytearray(base64.b64decode(receipt["raw"]))
    raw[-1] ^= 1  # the last byte is in the signature, outside the hashed body
    forged = {**receipt, "raw": base64.b64encode(bytes(raw)).decode()}
    with pytest.raises(VerificationError, match="signatures"):
        verify_receipt(_trusted(), forged)


def _registry() -> Any:
    from originledger.modules.catalogue import default_catalogue

    return default_catalogue()


# -- state proofs -----------------------------------------------------------------------


def test_regression_proof_for_other_key_rejected(http, builder) -> None:
    _pay(http, builder)
    bob_key, alice_key = balance_key(BOB.address, "USDT"), balance_key(ALICE.address, "USDT")
    answer = http.get(f"/v1/state/{alice_key.hex()}", params={"prove": "true"}).json()
    proof = from_json(to_json(answer["proof"]), StateProof)
    signed = from_json(to_json(answer["signed_header"]), SignedHeader)
    trusted = _trusted()
    assert verify_proven_value(trusted, proof, answer["height"], signed, key=alice_key)
    with pytest.raises(VerificationError, match="not for the key asked for"):
        verify_proven_value(trusted, proof, answer["height"], signed, key=bob_key)

    # Through a proxy: Bob's balance answered with the proof of Alice's.
    def rewrite(path: str, body: Any) -> Any:
        if path == "/v1/query/assets/balance":
            body["proofs"] = [{"proof": answer["proof"]}]
        return body

    client = sdk_client(http, rewrite, genesis=genesis_bytes())
    with pytest.raises(VerificationError, match="no proof for the balance"):
        client.verified_balance(BOB.address, "USDT")
    assert sdk_client(http, genesis=genesis_bytes()).verified_balance(BOB.address, "USDT")[0] == 250


# -- the pinned genesis -----------------------------------------------------------------


def test_regression_node_serving_other_genesis_refused(http, builder) -> None:
    _pay(http, builder)
    other = genesis_bytes(validator=OTHER)
    client = sdk_client(http, genesis=other)
    with pytest.raises(VerificationError, match="not the pinned"):
        client.check_genesis()
    pinned = sdk_client(http, genesis_hash=sha256(other))
    with pytest.raises(VerificationError, match="not the pinned"):
        pinned.trust()
    right = sdk_client(http, genesis_hash=sha256(genesis_bytes()))
    right.check_genesis()
    assert right.verified_balance(BOB.address, "USDT")[0] == 250


def test_regression_genesis_not_taken_from_the_node(http, builder) -> None:
    _pay(http, builder)
    client = sdk_client(http)
    with pytest.raises(VerificationError, match="no genesis is pinned"):
        client.verified_balance(BOB.address, "USDT")
    assert client.trust(trust_node_genesis=True).chain_id == CHAIN


def _header(
    height: int,
    signers: list[SigningKey],
    *,
    previous_hash: bytes = b"\x00" * 32,
    time_ms: int = 10_000,
    chain_id: str = CHAIN,
) -> SignedHeader:
    header = BlockHeader(
        chain_id,
        height,
        time_ms,
        previous_hash,
        b"\x01" * 32,
        b"\x02" * 32,
        b"\x03" * 32,
        0,
        signers[0].public_key,
    )
    digest = header_signing_digest(header)
    return SignedHeader(header, [CommitSignature(k.public_key, k.sign(digest)) for k in signers])


def test_invalid_first_block_not_linked_to_pinned_genesis() -> None:
    trusted = _trusted()
    trusted.check_header(_header(1, [VALIDATOR], previous_hash=sha256(genesis_bytes())))
    with pytest.raises(VerificationError, match="pinned genesis"):
        trusted.check_header(_header(1, [VALIDATOR], previous_hash=b"\x09" * 32))


# -- the validator set, followed ---------------------------------------------------------


def _change_receipt(height: int, changes: list[tuple[SigningKey, int, int]]) -> VerifiedReceipt:
    events = [ValidatorPowerChanged(k.public_key, power, before) for k, power, before in changes]
    leaf = result_leaf(b"\x00" * 32, TxResult("", 0, ""), encode(events))
    return VerifiedReceipt(b"\x00" * 32, height, 0, leaf, None, [], list(events))


def test_validator_set_change_followed_embedded() -> None:
    trusted = TrustedValidators.from_genesis(genesis_bytes(), clock=lambda: 20_000)
    trusted.check_header(_header(5, [VALIDATOR]))
    assert trusted.apply_changes(
        _change_receipt(5, [(NEWCOMER, 3, 0), (VALIDATOR, 0, 1)]), EMBEDDED_SET_DELAY
    )
    trusted.check_header(_header(5, [VALIDATOR]))  # block 5 is still the old set's
    trusted.check_header(_header(6, [NEWCOMER]))
    assert trusted.powers == {NEWCOMER.public_key: 3}


def test_regression_header_signed_by_removed_validator_set_refused() -> None:
    trusted = TrustedValidators.from_genesis(genesis_bytes(), clock=lambda: 20_000)
    trusted.apply_changes(
        _change_receipt(5, [(NEWCOMER, 3, 0), (VALIDATOR, 0, 1)]), EMBEDDED_SET_DELAY
    )
    with pytest.raises(VerificationError, match="2/3"):
        trusted.check_header(_header(6, [VALIDATOR]))
    with pytest.raises(VerificationError, match="2/3"):
        trusted.check_header(_header(100, [VALIDATOR]))
    # Network mode: a change of block 5 signs from block 7 on (CometBFT's H + 2).
    network = TrustedValidators.from_genesis(genesis_bytes(), clock=lambda: 20_000)
    network.apply_changes(
        _change_receipt(5, [(NEWCOMER, 3, 0), (VALIDATOR, 0, 1)]), COMETBFT_SET_DELAY
    )
    assert network.powers_at(6, COMETBFT_SET_DELAY) == {VALIDATOR.public_key: 1}
    assert network.powers_at(7, COMETBFT_SET_DELAY) == {NEWCOMER.public_key: 3}


def test_invalid_skipping_beyond_trusting_period() -> None:
    day = 24 * 3600 * 1000
    now = [1_000 + day]
    trusted = TrustedValidators.from_genesis(
        genesis_bytes(), trusting_period_ms=7 * day, clock=lambda: now[0]
    )
    trusted.check_header(_header(40, [VALIDATOR]))  # skipping, within the period
    now[0] = 1_000 + 8 * day
    trusted.check_header(_header(1, [VALIDATOR], previous_hash=sha256(genesis_bytes())))
    with pytest.raises(VerificationError, match="trusting period"):
        trusted.check_header(_header(40, [VALIDATOR]))
    # A set proven recently (at height 30, a day ago) lets it skip again.
    trusted.learn_set(30, {VALIDATOR.public_key: 1}, 1_000 + 7 * day, EMBEDDED_SET_DELAY)
    trusted.check_header(_header(40, [VALIDATOR]))
    saved = trusted.export()
    resumed = TrustedValidators.from_genesis(genesis_bytes(), clock=lambda: now[0])
    resumed.restore(saved)
    assert (resumed.anchor_height, resumed.epochs) == (30, trusted.epochs)
    resumed.check_header(_header(40, [VALIDATOR]))


def test_validator_set_change_followed_through_node(http, builder) -> None:
    """A real node: the admin changes the set; the client follows the proven change."""
    receipt = _pay(http, builder)
    client = sdk_client(http, genesis=genesis_bytes())
    assert client.verified_balance(BOB.address, "USDT")[0] == 250
    # The node's validator keeps 5 of 6: its signatures still carry more than 2/3.
    admin = TxBuilder(CHAIN)
    _submit(http, admin, [SetValidatorPower(ADMIN.address, VALIDATOR.public_key, 5)], ADMIN)
    _submit(http, admin, [SetValidatorPower(ADMIN.address, NEWCOMER.public_key, 1)], ADMIN)
    _pay(http, builder, amount=50)
    fresh = sdk_client(http, genesis=genesis_bytes())
    assert fresh.verified_balance(BOB.address, "USDT")[0] == 300
    expected = {VALIDATOR.public_key: 5, NEWCOMER.public_key: 1}
    assert fresh.trust().powers == expected
    assert fresh.verified_receipt(receipt["hash"])[1].height == receipt["height"]
    # A newcomer with most of the power: the node alone no longer signs for the set.
    _submit(http, admin, [SetValidatorPower(ADMIN.address, NEWCOMER.public_key, 50)], ADMIN)
    _pay(http, builder, amount=1)
    later = sdk_client(http, genesis=genesis_bytes())
    with pytest.raises(VerificationError, match="2/3"):
        later.verified_balance(BOB.address, "USDT")


def test_regression_hidden_validator_change_refused(http, builder) -> None:
    """A node that hides the change's events is caught by the proven set."""
    _pay(http, builder)
    admin = TxBuilder(CHAIN)
    _submit(http, admin, [SetValidatorPower(ADMIN.address, VALIDATOR.public_key, 5)], ADMIN)
    _pay(http, builder, amount=1)

    def hide(path: str, body: Any) -> Any:
        if path == "/v1/events":
            body["events"] = [e for e in body["events"] if e["type"] != "validators/power_changed"]
        return body

    client = sdk_client(http, hide, genesis=genesis_bytes())
    with pytest.raises(VerificationError, match="hid a change"):
        client.verified_balance(BOB.address, "USDT")


# -- network mode: CometBFT commits ------------------------------------------------------


def _comet_types() -> Any:
    from originledger.comet.protos import comet_types
    from originledger.comet.tools import ToolchainError

    try:
        return comet_types()
    except ToolchainError as error:  # pragma: no cover - depends on the machine
        pytest.fail(f"CometBFT's protobuf classes are not built ({error})")


def _comet_time(seconds: int) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".000000001Z"


def _comet_signed_header(
    height: int,
    last_results_hash: bytes,
    signers: list[SigningKey],
    chain_id: str = CHAIN,
    app_hash: bytes = b"\x11" * 32,
) -> dict[str, Any]:
    from originledger.comet.headers import header_hash, vote_sign_bytes
    from originledger.comet.validators import validator_address

    _comet_types()
    stamp = _comet_time(1_700_000_000 + height)
    header = {
        "version": {"block": "11", "app": "1"},
        "chain_id": chain_id,
        "height": str(height),
        "time": stamp,
        "last_block_id": {"hash": "AA" * 32, "parts": {"total": 1, "hash": "BB" * 32}},
        "last_commit_hash": "CC" * 32,
        "data_hash": "DD" * 32,
        "validators_hash": "EE" * 32,
        "next_validators_hash": "EE" * 32,
        "consensus_hash": "FF" * 32,
        "app_hash": app_hash.hex().upper(),
        "last_results_hash": last_results_hash.hex().upper(),
        "evidence_hash": "",
        "proposer_address": validator_address(signers[0].public_key).hex().upper(),
    }
    block_id = {"hash": header_hash(header).hex().upper(), "parts": {"total": 1, "hash": "22" * 32}}
    signatures = []
    for key in signers:
        message = vote_sign_bytes(chain_id, height, 0, block_id, stamp)
        signatures.append(
            {
                "block_id_flag": 2,
                "validator_address": validator_address(key.public_key).hex().upper(),
                "timestamp": stamp,
                "signature": base64.b64encode(key.sign(message)).decode(),
            }
        )
    commit = {"height": str(height), "round": 0, "block_id": block_id, "signatures": signatures}
    return {"header": header, "commit": commit}


def _network_receipt(height: int = 4, signers: list[SigningKey] | None = None) -> dict[str, Any]:
    """A network-mode receipt of one transfer carried alone by CometBFT transaction 0 of
    block ``height``, proven against a signed header ``height + 1``."""
    from originledger.comet.results import exec_result_bytes

    tx = TxBuilder(CHAIN).build([Transfer(ALICE.address, BOB.address, "USDT", Amount(77))], [ALICE])
    tx_hash = sha256(_body(tx.raw))
    events = [Transferred("USDT", ALICE.address, BOB.address, Amount(77))]
    leaf = result_leaf(tx_hash, TxResult("", 0, ""), encode(events))
    leaf_bytes = encode(leaf)
    item = exec_result_bytes(0, list_root([leaf_bytes]))
    signed = _comet_signed_header(height + 1, list_root([item]), signers or [VALIDATOR])
    return {
        "hash": tx_hash.hex(),
        "status": "committed",
        "height": height,
        "index": 0,
        "result": {"codespace": "", "code": 0, "message": "", "message_index": -1},
        "events": [
            {"height": height, "index": 0, "tx_index": 0, "type": "assets/transferred", **_data(e)}
            for e in events
        ],
        "tx": describe_tx(tx.raw, _registry()),
        "raw": base64.b64encode(tx.raw).decode(),
        "proof": None,
        "cometbft_proof": {
            "index": 0,
            "count": 1,
            "batch_index": 0,
            "batch_count": 1,
            "result_leaf": base64.b64encode(leaf_bytes).decode(),
            "batch_proof": [],
            "result_proof": [],
            "signed_header": signed,
        },
    }


def _body(raw: bytes) -> bytes:
    from originledger.core.codec import decode
    from originledger.core.tx import SignedTx

    return decode(raw, SignedTx).body


def _data(event: Any) -> dict[str, Any]:
    data = to_builtins(event)
    data.pop("type")
    return {"data": data}


@pytest.mark.needs("cometbft")
@pytest.mark.parametrize("field", sorted(TAMPERINGS))
def test_regression_receipt_tampering_detected_network(field: str) -> None:
    _comet_types()
    receipt = _network_receipt()
    trusted = _trusted()
    verified = verify_receipt(trusted, receipt)
    assert (verified.height, verified.index, verified.batch_index) == (4, 0, 0)
    assert verified.tx == receipt["tx"]
    tampered = copy.deepcopy(receipt)
    if field == "index":
        # CometBFT's header does not commit to the position in Origin's block: a position
        # before the proven one is refused, and what is shown is the proven position.
        tampered["index"] = -1
    else:
        TAMPERINGS[field](tampered)
    with pytest.raises(VerificationError):
        verify_receipt(trusted, tampered)


@pytest.mark.needs("cometbft")
def test_regression_receipt_proof_position_tampering_detected_network() -> None:
    _comet_types()
    receipt = _network_receipt()
    tampered = copy.deepcopy(receipt)
    tampered["cometbft_proof"]["index"] = 1
    tampered["cometbft_proof"]["count"] = 2
    with pytest.raises(VerificationError):
        verify_receipt(_trusted(), tampered)


@pytest.mark.needs("cometbft")
def test_regression_header_signed_by_removed_validator_set_refused_network() -> None:
    _comet_types()
    trusted = TrustedValidators.from_genesis(genesis_bytes(), clock=lambda: 20_000)
    # Block 2 makes NEWCOMER the only validator: CometBFT's headers from 4 on are its.
    trusted.apply_changes(
        _change_receipt(2, [(NEWCOMER, 3, 0), (VALIDATOR, 0, 1)]), COMETBFT_SET_DELAY
    )
    verify_receipt(trusted, _network_receipt(height=4, signers=[NEWCOMER]))
    with pytest.raises(VerificationError, match="2/3"):
        verify_receipt(trusted, _network_receipt(height=4, signers=[VALIDATOR]))
    # Block 3 (header 3, before the change took effect) is still the old set's.
    trusted.check_comet(_comet_signed_header(3, b"\x00" * 32, [VALIDATOR]))


@pytest.mark.needs("cometbft")
def test_regression_proof_for_other_key_rejected_network() -> None:
    _comet_types()
    from originledger.core.state_proof import EMPTY_ROOT_HASH, ProofNode
    from originledger.sdk.verify import verify_proven_value_cometbft

    # Under the empty tree's root, any key is proven absent by the root node alone.
    proof = StateProof(b"assets/bal/asked", None, [ProofNode(0, [])])
    signed = _comet_signed_header(6, b"\x00" * 32, [VALIDATOR], app_hash=EMPTY_ROOT_HASH)
    trusted = _trusted()
    assert verify_proven_value_cometbft(trusted, proof, 5, signed, key=proof.key) is None
    with pytest.raises(VerificationError, match="not for the key asked for"):
        verify_proven_value_cometbft(trusted, proof, 5, signed, key=b"assets/bal/other")


def test_regression_balance_controls_and_decimals_checked_against_proofs(http, builder) -> None:
    """What `origin query balance --prove` shows besides the amount (holds, freezes, and
    the decimals it formats with) is proven too."""
    _pay(http, builder)
    honest = sdk_client(http, genesis=genesis_bytes())
    line = honest.verified_balance_line(BOB.address, "USDT")
    assert (int(line.line.amount), line.asset.decimals) == (250, 2)
    assert honest.verified_asset("USDT")[0].decimals == 2

    def held(path: str, body: Any) -> Any:
        if path == "/v1/query/assets/balance":
            body["result"]["held"] = "100"
        return body

    with pytest.raises(VerificationError, match="differs from the proven balance"):
        sdk_client(http, held, genesis=genesis_bytes()).verified_balance_line(BOB.address, "USDT")

    def decimals(path: str, body: Any) -> Any:
        if path == "/v1/query/assets/asset":
            body["result"]["asset"]["decimals"] = 0
        return body

    with pytest.raises(VerificationError, match="differs from the proven one"):
        sdk_client(http, decimals, genesis=genesis_bytes()).verified_asset("USDT")
