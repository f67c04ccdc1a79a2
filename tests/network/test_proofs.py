"""Receipts and proven reads in network mode, verified offline by the SDK against
CometBFT's signed headers (header + commit of real validators), and refused when a header,
a signature, a proof or the transaction is tampered with."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest

from originledger.comet.headers import CometVerificationError, header_hash, verify_signed_header
from originledger.core.block import Genesis
from originledger.core.codec import from_json
from originledger.node.network import rpc, wait_for_height
from originledger.sdk import Client
from originledger.sdk.verify import TrustedValidators, VerificationError, verify_receipt
from tests.conftest import ALICE, BOB
from tests.network.conftest import OPENING_MINOR, LocalNetwork
from tests.network.test_api import wait_for_api


def _flip_hex(text: str) -> str:
    return ("0" if text[0] != "0" else "1") + text[1:]


def _flip_base64(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def test_verify_signed_header_real_commits_and_tampering(local_network: Any) -> None:
    network: LocalNetwork = local_network(4)
    genesis = from_json((network.directory / "genesis.json").read_bytes(), Genesis)
    powers = {v.public_key: v.power for v in genesis.validators}
    chain = genesis.chain_id
    validator = network.validators[1]
    wait_for_height(network.directory, 3, timeout_s=30)
    for height in (1, 2, 3):
        signed = rpc(validator, "commit", height=str(height))["signed_header"]
        header = verify_signed_header(chain, powers, signed)
        assert header.height == height
        assert header.hash.hex().upper() == signed["commit"]["block_id"]["hash"]
    # A changed header field no longer hashes to the block id the commit signs.
    tampered = copy.deepcopy(signed)
    tampered["header"]["app_hash"] = _flip_hex(tampered["header"]["app_hash"])
    with pytest.raises(CometVerificationError, match="another block"):
        verify_signed_header(chain, powers, tampered)
    # A header and a block id changed together: the signatures no longer match.
    tampered["commit"]["block_id"]["hash"] = header_hash(tampered["header"]).hex().upper()
    with pytest.raises(CometVerificationError, match="2/3"):
        verify_signed_header(chain, powers, tampered)
    # Bad signatures leaving only two good ones (half the power): not enough.
    forged = copy.deepcopy(signed)
    present = [entry for entry in forged["commit"]["signatures"] if entry.get("signature")]
    for entry in present[: len(present) - 2]:
        entry["signature"] = _flip_base64(entry["signature"])
    with pytest.raises(CometVerificationError, match="2/3"):
        verify_signed_header(chain, powers, forged)
    # Another chain id, or validators the client does not trust, fail too.
    with pytest.raises(CometVerificationError, match="chain"):
        verify_signed_header("another-chain", powers, signed)
    strangers = {bytes([index]) * 32: 10 for index in range(4)}
    with pytest.raises(CometVerificationError, match="2/3"):
        verify_signed_header(chain, strangers, signed)


def test_receipt_and_proven_reads_verify_against_cometbft(local_network: Any) -> None:
    network: LocalNetwork = local_network(4)
    for validator in network.validators:
        wait_for_api(validator.api_url)
    genesis_raw = (network.directory / "genesis.json").read_bytes()
    trusted = TrustedValidators.from_genesis(genesis_raw)
    clients = [Client(v.api_url) for v in network.validators]
    try:
        raws = [network.transfer(ALICE, BOB, 100 + i) for i in range(3)]
        answers = clients[0].submit_raw(raws, wait_ms=20_000)
        assert [a.status for a in answers] == ["committed"] * 3, answers
        # The receipt from another validator's API verifies against CometBFT's headers.
        # Each app has committed H + 1 once its CometBFT has saved H + 2.
        wait_for_height(network.directory, (answers[-1].height or 0) + 2, timeout_s=30)
        receipt = clients[2].receipt(answers[1].hash or "")
        assert receipt["proof"] is None  # Origin's own header is not signed here
        # The three went to CometBFT as one batch: the proof climbs the batch's results,
        # then the block's.
        proof = receipt["cometbft_proof"]
        assert (proof["batch_index"], proof["batch_count"]) == (1, 3)
        verified = verify_receipt(trusted, receipt)
        assert (verified.height, verified.hash.hex()) == (answers[1].height, answers[1].hash)
        # A lone transaction goes plain, and its receipt verifies the same way.
        (alone,) = clients[1].submit_raw([network.transfer(ALICE, BOB, 7)], wait_ms=20_000)
        assert alone.status == "committed", alone
        wait_for_height(network.directory, (alone.height or 0) + 2, timeout_s=30)
        lone_receipt = clients[3].receipt(alone.hash or "")
        assert lone_receipt["cometbft_proof"]["batch_count"] == 1
        assert verify_receipt(trusted, lone_receipt).hash.hex() == alone.hash
        # Tampering with any part of the receipt is caught.
        for path in (
            ("signed_header", "header", "last_results_hash"),
            ("signed_header", "header", "app_hash"),
        ):
            broken = copy.deepcopy(receipt)
            target = broken["cometbft_proof"]
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = _flip_hex(target[path[-1]])
            with pytest.raises(VerificationError):
                verify_receipt(trusted, broken)
        for field, value in (
            ("batch_index", 0),
            ("batch_count", 1),
            ("index", proof["index"] + 1),
            ("batch_proof", proof["batch_proof"][::-1]),
            ("result_proof", [*proof["result_proof"], proof["batch_proof"][0]]),
        ):
            broken = copy.deepcopy(receipt)
            broken["cometbft_proof"][field] = value
            with pytest.raises(VerificationError):
                verify_receipt(trusted, broken)
        forged = copy.deepcopy(receipt)
        signatures = forged["cometbft_proof"]["signed_header"]["commit"]["signatures"]
        present = [entry for entry in signatures if entry.get("signature")]
        for entry in present[: len(present) - 1]:  # one honest signature is not enough
            entry["signature"] = _flip_base64(entry["signature"])
        with pytest.raises(VerificationError, match="2/3"):
            verify_receipt(trusted, forged)
        other = copy.deepcopy(receipt)
        other["raw"] = clients[2].receipt(answers[0].hash or "")["raw"]
        with pytest.raises(VerificationError):
            verify_receipt(trusted, other)
        wrong_result = copy.deepcopy(receipt)
        wrong_result["result"]["code"] = 7
        with pytest.raises(VerificationError, match="result"):
            verify_receipt(trusted, wrong_result)
        # Proven reads: balances and account records, through any validator.
        sent = sum(100 + i for i in range(3)) + 7
        expected = OPENING_MINOR + sent
        for client in clients[1:3]:
            client.trust(genesis_raw)
            amount, height = client.verified_balance(BOB.address, "USD")
            assert int(amount) == expected and height >= (answers[-1].height or 0)
            account = client.verified_account(ALICE.address)
            assert int(account.balances["USD"]) == OPENING_MINOR - sent
        answer = clients[1].query(
            "assets", "balance", prove=True, account=str(BOB.address), symbol="USD"
        )
        assert answer["signed_header"] is None and answer["cometbft_signed_header"] is not None
        answer["cometbft_signed_header"]["header"]["app_hash"] = _flip_hex(
            answer["cometbft_signed_header"]["header"]["app_hash"]
        )
        with pytest.raises(VerificationError):
            clients[1]._proven_values(answer)
    finally:
        for client in clients:
            client.close()
