"""The transaction envelope: decoding, stateless checks, signatures, expiry, replay.

Every ``TxCode`` that decoding and the envelope checks can give is provoked here, through
``Application.check_tx`` (the mempool path) and ``finalize_block`` (the execution path),
which must agree. Fuzzing checks that no input raises out of either and that rejected
transactions change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from originledger.core.address import account_address
from originledger.core.amounts import Amount
from originledger.core.codec import encode
from originledger.core.codes import TxCode
from originledger.core.crypto import sha256
from originledger.core.limits import (
    MEMO_BYTES_MAX,
    MESSAGES_PER_TX_MAX,
    SIGNERS_PER_TX_MAX,
    TX_BYTES_MAX,
    TX_TTL_MS_MAX,
)
from originledger.core.tx import SPENT_PREFIX, Msg, Tx, build_body, build_signed, signing_digest
from originledger.modules.assets.types import Transfer
from tests.conftest import ALICE, BOB, CAROL, CHAIN_ID, Chain, close_chain, party

FUZZ_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class UnknownMessage(Msg, frozen=True, tag="nobody/knows"):
    """A well-formed message of a type no module registers."""

    value: int = 0


def transfer(amount: int = 10, sender=ALICE, recipient=BOB) -> Transfer:  # type: ignore[no-untyped-def]
    return Transfer(sender.address, recipient.address, "USD", Amount(amount))


def raw_body(**overrides: object) -> bytes:
    """A body written field by field (for encodings ``build_body`` would never produce)."""
    fields: dict[str, object] = {
        "chain_id": CHAIN_ID,
        "client_id": 1,
        "expires_at_ms": 2**40,
        "signers": [ALICE.key.public_key],
        "messages": [msgspec.Raw(encode(transfer()))],
        "memo": "",
    }
    fields.update(overrides)
    return msgspec.msgpack.encode(fields)


def sign_body(body: bytes, *parties: object) -> bytes:
    digest = signing_digest(body)
    return build_signed(body, [p.key.sign(digest) for p in parties])  # type: ignore[attr-defined]


def assert_rejected_everywhere(chain: Chain, raw: bytes, code: TxCode) -> None:
    """``check_tx`` and ``finalize_block`` give ``code``, and the block changes nothing."""
    root = chain.state_root
    checked = chain.check(raw)
    assert (checked.result.codespace, checked.result.code) == ("tx", code), checked.result
    assert checked.tx is None
    outcome = chain.finalize([raw])
    result = outcome.txs[0].result
    assert (result.codespace, result.code) == ("tx", code), result
    assert outcome.txs[0].events == []
    if result.spends_hash:  # valid and new: only the record of its spent hash is written
        assert list(outcome.writes) and all(k.startswith(SPENT_PREFIX) for k in outcome.writes)
        assert outcome.txs[0].hash in b"".join(v or b"" for v in outcome.writes.values())
    else:
        assert outcome.writes == {}
        assert outcome.app_hash == root
    chain.app.discard()


# -- decoding ---------------------------------------------------------------------------


def test_decode_valid_transaction(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE, memo="rent")
    decoded = funded_chain.app.registry.tx_decoder.decode(raw, CHAIN_ID)
    assert isinstance(decoded, Tx)
    assert decoded.hash == sha256(decoded.body_bytes)
    assert decoded.messages == (transfer(),)
    assert decoded.signer_addresses == (ALICE.address,)
    assert decoded.body.memo == "rent"
    checked = funded_chain.check(raw)
    assert checked.ok
    assert checked.hash == decoded.hash


def test_decode_hash_ignores_signatures() -> None:
    # The hash names the body: the same body with other (bad) signatures has the same hash.
    chain = Chain()
    try:
        body = build_body(
            chain_id=CHAIN_ID,
            client_id=1,
            expires_at_ms=2**40,
            signers=[ALICE.key.public_key],
            messages=[transfer()],
        )
        good = build_signed(body, [ALICE.key.sign(signing_digest(body))])
        bad = build_signed(body, [bytes(64)])
        decoder = chain.app.registry.tx_decoder
        first, second = decoder.decode(good, CHAIN_ID), decoder.decode(bad, CHAIN_ID)
        assert isinstance(first, Tx) and isinstance(second, Tx)
        assert first.hash == second.hash == sha256(body)
    finally:
        close_chain(chain)


def test_invalid_too_large(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE, memo="x" * TX_BYTES_MAX)
    assert len(raw) > TX_BYTES_MAX
    # Larger than the limit wins over every later check (here: the memo is also too long).
    assert_rejected_everywhere(funded_chain, raw, TxCode.TOO_LARGE)
    assert_rejected_everywhere(funded_chain, b"\x00" * (TX_BYTES_MAX + 1), TxCode.TOO_LARGE)


def test_check_tx_at_size_limit_is_not_too_large(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE)
    padded = raw + b"\x00" * (TX_BYTES_MAX - len(raw))
    assert len(padded) == TX_BYTES_MAX
    assert funded_chain.check(padded).result.code == TxCode.MALFORMED  # trailing bytes


MALFORMED_CASES: dict[str, Callable[[], bytes]] = {
    "empty": lambda: b"",
    "garbage": lambda: b"\xc1\xc1\xc1",
    "not_a_map": lambda: msgspec.msgpack.encode([1, 2, 3]),
    "trailing_byte": lambda: sign_body(raw_body(), ALICE) + b"\x00",
    "envelope_keys_reordered": lambda: msgspec.msgpack.encode(
        {"signatures": [ALICE.key.sign(signing_digest(raw_body()))], "body": raw_body()}
    ),
    "envelope_unknown_field": lambda: msgspec.msgpack.encode(
        {"body": raw_body(), "signatures": [ALICE.key.sign(signing_digest(raw_body()))], "x": 1}
    ),
    "body_not_msgpack": lambda: sign_body(b"\xc1", ALICE),
    "body_wide_integer": lambda: sign_body(
        raw_body().replace(b"\xa9client_id\x01", b"\xa9client_id\xcc\x01"), ALICE
    ),
    "body_memo_omitted": lambda: sign_body(
        msgspec.msgpack.encode(
            {k: v for k, v in msgspec.msgpack.decode(raw_body()).items() if k != "memo"}
        ),
        ALICE,
    ),
    "body_negative_client_id": lambda: sign_body(raw_body(client_id=-1), ALICE),
    "body_chain_id_too_long": lambda: sign_body(raw_body(chain_id="c" * 65), ALICE),
    "signer_31_bytes": lambda: sign_body(raw_body(signers=[b"\x01" * 31]), ALICE),
    "signature_63_bytes": lambda: build_signed(raw_body(), [b"\x01" * 63]),
    "message_not_a_map": lambda: sign_body(
        raw_body(messages=[msgspec.Raw(msgspec.msgpack.encode("assets/transfer"))]), ALICE
    ),
    "message_without_type": lambda: sign_body(
        raw_body(messages=[msgspec.Raw(msgspec.msgpack.encode({"amount": 1}))]), ALICE
    ),
    "message_missing_field": lambda: sign_body(
        raw_body(messages=[msgspec.Raw(msgspec.msgpack.encode({"type": "assets/transfer"}))]),
        ALICE,
    ),
    "message_amount_as_integer": lambda: sign_body(
        raw_body(
            messages=[
                msgspec.Raw(
                    msgspec.msgpack.encode(
                        {
                            "type": "assets/transfer",
                            "sender": bytes(ALICE.address),
                            "recipient": bytes(BOB.address),
                            "symbol": "USD",
                            "amount": 10,
                        }
                    )
                )
            ]
        ),
        ALICE,
    ),
    "message_keys_reordered": lambda: sign_body(
        raw_body(
            messages=[
                msgspec.Raw(
                    msgspec.msgpack.encode(
                        {
                            "sender": bytes(ALICE.address),
                            "type": "assets/transfer",
                            "recipient": bytes(BOB.address),
                            "symbol": "USD",
                            "amount": Amount(10).to_bytes16(),
                        }
                    )
                )
            ]
        ),
        ALICE,
    ),
    "deeply_nested_message": lambda: sign_body(
        raw_body(messages=[msgspec.Raw(b"\x91" * 20_000 + b"\x00")]), ALICE
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_CASES))
def test_invalid_malformed(funded_chain: Chain, case: str) -> None:
    raw = MALFORMED_CASES[case]()
    assert_rejected_everywhere(funded_chain, raw, TxCode.MALFORMED)


def test_invalid_malformed_names_the_message(funded_chain: Chain) -> None:
    bad = msgspec.Raw(msgspec.msgpack.encode({"type": "assets/transfer"}))
    good = msgspec.Raw(encode(transfer()))
    raw = sign_body(raw_body(messages=[good, bad]), ALICE)
    result = funded_chain.check(raw).result
    assert result.code == TxCode.MALFORMED
    assert result.message_index == 1
    assert "message 1" in result.message


def test_invalid_wrong_chain(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE, chain_id="origin-other")
    assert_rejected_everywhere(funded_chain, raw, TxCode.WRONG_CHAIN)


def test_invalid_no_messages(funded_chain: Chain) -> None:
    raw = funded_chain.tx([], ALICE)
    assert_rejected_everywhere(funded_chain, raw, TxCode.NO_MESSAGES)


def test_invalid_too_many_messages(funded_chain: Chain) -> None:
    raw = funded_chain.tx([transfer(1)] * (MESSAGES_PER_TX_MAX + 1), ALICE)
    assert_rejected_everywhere(funded_chain, raw, TxCode.TOO_MANY_MESSAGES)


def test_check_tx_at_message_limit_accepted(funded_chain: Chain) -> None:
    raw = funded_chain.tx([transfer(1)] * MESSAGES_PER_TX_MAX, ALICE)
    assert funded_chain.check(raw).ok
    outcome = funded_chain.block([raw])
    assert outcome.txs[0].result.ok
    assert funded_chain.balance(BOB, "USD") == 500 + MESSAGES_PER_TX_MAX


def test_invalid_unknown_message(funded_chain: Chain) -> None:
    raw = funded_chain.tx([transfer(), UnknownMessage()], ALICE)
    assert_rejected_everywhere(funded_chain, raw, TxCode.UNKNOWN_MESSAGE)
    assert funded_chain.check(raw).result.message_index == 1


def test_invalid_no_signers(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), [])
    assert_rejected_everywhere(funded_chain, raw, TxCode.NO_SIGNERS)


def test_invalid_too_many_signers(funded_chain: Chain) -> None:
    signers = [party(f"signer-{n}") for n in range(SIGNERS_PER_TX_MAX + 1)]
    raw = funded_chain.tx(transfer(), signers)
    assert_rejected_everywhere(funded_chain, raw, TxCode.TOO_MANY_SIGNERS)


def test_check_tx_at_signer_limit_accepted(funded_chain: Chain) -> None:
    signers = [ALICE] + [party(f"signer-{n}") for n in range(SIGNERS_PER_TX_MAX - 1)]
    raw = funded_chain.tx(transfer(), signers)
    assert funded_chain.check(raw).ok
    assert funded_chain.block([raw]).txs[0].result.ok


def test_invalid_duplicate_signer(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), [ALICE, BOB, ALICE])
    assert_rejected_everywhere(funded_chain, raw, TxCode.DUPLICATE_SIGNER)


@pytest.mark.parametrize("signature_count", [0, 1, 3])
def test_invalid_signature_count(funded_chain: Chain, signature_count: int) -> None:
    keys = [ALICE.key, BOB.key, CAROL.key][:signature_count]
    raw = funded_chain.tx(transfer(), [ALICE, BOB], signature_keys=keys)
    assert_rejected_everywhere(funded_chain, raw, TxCode.SIGNATURE_COUNT)


def test_invalid_memo_too_long(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE, memo="é" * (MEMO_BYTES_MAX // 2 + 1))
    # The limit counts UTF-8 bytes: 129 two-byte characters are 258 bytes.
    assert_rejected_everywhere(funded_chain, raw, TxCode.MEMO_TOO_LONG)


def test_check_tx_memo_at_limit_accepted(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE, memo="é" * (MEMO_BYTES_MAX // 2))
    assert funded_chain.check(raw).ok


SIGNATURE_CASES: dict[str, Callable[[Chain], bytes]] = {
    "wrong_key": lambda chain: chain.tx(transfer(), ALICE, signature_keys=[BOB.key]),
    "zero_signature": lambda chain: build_signed(
        build_body(
            chain_id=CHAIN_ID,
            client_id=7,
            expires_at_ms=chain.next_time_ms + 1000,
            signers=[ALICE.key.public_key],
            messages=[transfer()],
        ),
        [bytes(64)],
    ),
    "signatures_swapped": lambda chain: chain.tx(
        transfer(), [ALICE, BOB], signature_keys=[BOB.key, ALICE.key]
    ),
    "second_signature_bad": lambda chain: chain.tx(
        transfer(), [ALICE, BOB], signature_keys=[ALICE.key, CAROL.key]
    ),
    "signed_other_body": lambda chain: build_signed(
        build_body(
            chain_id=CHAIN_ID,
            client_id=8,
            expires_at_ms=chain.next_time_ms + 1000,
            signers=[ALICE.key.public_key],
            messages=[transfer()],
        ),
        [ALICE.key.sign(signing_digest(b"another body"))],
    ),
    "signed_body_without_tag": lambda chain: (
        lambda body: build_signed(body, [ALICE.key.sign(body)])
    )(
        build_body(
            chain_id=CHAIN_ID,
            client_id=9,
            expires_at_ms=chain.next_time_ms + 1000,
            signers=[ALICE.key.public_key],
            messages=[transfer()],
        )
    ),
}


@pytest.mark.parametrize("case", sorted(SIGNATURE_CASES))
def test_invalid_signature_invalid(funded_chain: Chain, case: str) -> None:
    raw = SIGNATURE_CASES[case](funded_chain)
    assert_rejected_everywhere(funded_chain, raw, TxCode.SIGNATURE_INVALID)


def test_invalid_signature_key_not_on_curve(funded_chain: Chain) -> None:
    stranger = account_address(b"\xff" * 32)
    body = build_body(
        chain_id=CHAIN_ID,
        client_id=3,
        expires_at_ms=funded_chain.next_time_ms + 1,
        signers=[b"\xff" * 32],
        messages=[Transfer(stranger, BOB.address, "USD", Amount(1))],
    )
    raw = build_signed(body, [ALICE.key.sign(signing_digest(body))])
    assert_rejected_everywhere(funded_chain, raw, TxCode.SIGNATURE_INVALID)


def test_invalid_signature_checked_before_expiry(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE, expires_at_ms=1, signature_keys=[BOB.key])
    assert_rejected_everywhere(funded_chain, raw, TxCode.SIGNATURE_INVALID)


@pytest.mark.parametrize("before_ms", [0, 1, 10**9])
def test_invalid_expired(funded_chain: Chain, before_ms: int) -> None:
    # Expiry is exclusive: a transaction expiring at the block's time is already expired.
    raw = funded_chain.tx(transfer(), ALICE, expires_at_ms=funded_chain.next_time_ms - before_ms)
    assert_rejected_everywhere(funded_chain, raw, TxCode.EXPIRED)


def test_check_tx_expiry_one_ms_ahead_accepted(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE, expires_at_ms=funded_chain.next_time_ms + 1)
    assert funded_chain.check(raw).ok
    assert funded_chain.block([raw]).txs[0].result.ok


def test_invalid_expired_by_block_time(funded_chain: Chain) -> None:
    # Accepted by the mempool, expired by the time its block runs.
    raw = funded_chain.tx(transfer(), ALICE, expires_at_ms=funded_chain.next_time_ms + 10)
    assert funded_chain.check(raw).ok
    outcome = funded_chain.block([raw], time_ms=funded_chain.next_time_ms + 10)
    assert outcome.txs[0].result.code == TxCode.EXPIRED
    assert funded_chain.balance(ALICE, "USD") == 1_000


def test_invalid_expiry_too_far(funded_chain: Chain) -> None:
    raw = funded_chain.tx(
        transfer(), ALICE, expires_at_ms=funded_chain.next_time_ms + TX_TTL_MS_MAX + 1
    )
    assert_rejected_everywhere(funded_chain, raw, TxCode.EXPIRY_TOO_FAR)


def test_check_tx_expiry_at_ttl_limit_accepted(funded_chain: Chain) -> None:
    raw = funded_chain.tx(
        transfer(), ALICE, expires_at_ms=funded_chain.next_time_ms + TX_TTL_MS_MAX
    )
    assert funded_chain.check(raw).ok


def test_invalid_already_committed(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE)
    assert funded_chain.block([raw]).txs[0].result.ok
    assert funded_chain.balance(BOB, "USD") == 510
    assert_rejected_everywhere(funded_chain, raw, TxCode.ALREADY_COMMITTED)


def test_invalid_already_committed_after_failure(funded_chain: Chain) -> None:
    # A transaction that failed in its block is committed too: resubmitting it is refused.
    raw = funded_chain.tx(transfer(10**6), ALICE)
    result = funded_chain.block([raw]).txs[0].result
    assert (result.codespace, result.ok) == ("assets", False)
    assert_rejected_everywhere(funded_chain, raw, TxCode.ALREADY_COMMITTED)


def test_invalid_already_committed_rebuilt_from_same_fields(funded_chain: Chain) -> None:
    # The hash names the body: building the same transaction again is a replay, and only
    # a new client id makes an otherwise identical transfer a new transaction.
    expires_at_ms = funded_chain.next_time_ms + 5_000

    def build(client_id: int) -> bytes:
        body = build_body(
            chain_id=CHAIN_ID,
            client_id=client_id,
            expires_at_ms=expires_at_ms,
            signers=[ALICE.key.public_key],
            messages=[transfer()],
        )
        return build_signed(body, [ALICE.key.sign(signing_digest(body))])

    assert funded_chain.block([build(42)]).txs[0].result.ok
    assert funded_chain.check(build(42)).result.code == TxCode.ALREADY_COMMITTED
    assert funded_chain.check(build(43)).ok


def test_invalid_already_committed_twice_in_one_block(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE)
    outcome = funded_chain.finalize([raw, raw])
    first, second = (tx.result for tx in outcome.txs)
    assert first.ok
    assert second.code == TxCode.ALREADY_COMMITTED
    assert outcome.txs[1].events == []
    funded_chain.app.discard()


def test_invalid_signer_missing(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), BOB)
    assert_rejected_everywhere(funded_chain, raw, TxCode.SIGNER_MISSING)
    result = funded_chain.check(raw).result
    assert result.message_index == 0
    assert str(ALICE.address) in result.message


def test_invalid_signer_missing_names_the_message(funded_chain: Chain) -> None:
    raw = funded_chain.tx([transfer(sender=ALICE), transfer(sender=BOB, recipient=CAROL)], ALICE)
    assert funded_chain.check(raw).result.message_index == 1


def test_check_tx_extra_signer_allowed(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), [BOB, ALICE])
    assert funded_chain.check(raw).ok
    assert funded_chain.block([raw]).txs[0].result.ok


def test_check_txs_results_in_input_order(funded_chain: Chain) -> None:
    good = funded_chain.tx(transfer(), ALICE)
    expired = funded_chain.tx(transfer(), ALICE, expires_at_ms=1)
    bad_signature = funded_chain.tx(transfer(), ALICE, signature_keys=[BOB.key])
    results = funded_chain.app.check_txs(
        [b"junk", good, bad_signature, expired, good], funded_chain.next_time_ms
    )
    codes = [result.result.code for result in results]
    assert codes == [
        TxCode.MALFORMED,
        TxCode.OK,
        TxCode.SIGNATURE_INVALID,
        TxCode.EXPIRED,
        TxCode.OK,
    ]
    assert results[0].hash is None
    assert results[1].hash == results[4].hash
    assert isinstance(results[1].tx, Tx)


def test_check_tx_uses_verified_cache_consistently(funded_chain: Chain) -> None:
    raw = funded_chain.tx(transfer(), ALICE)
    calls: list[int] = []
    original = funded_chain.app.verifier

    def counting(checks):  # type: ignore[no-untyped-def]
        calls.append(len(checks))
        return original(checks)

    funded_chain.app.verifier = counting
    assert funded_chain.check(raw).ok
    assert funded_chain.check(raw).ok
    assert funded_chain.block([raw]).txs[0].result.ok
    assert calls == [1]  # verified once, remembered after


# -- fuzzing ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_chain() -> Iterator[tuple[Chain, bytes]]:
    """A funded chain and one valid transfer that would change its state."""
    chain = Chain()
    chain.issue_and_mint("USD", {ALICE: 1_000, BOB: 500})
    raw = chain.tx(transfer(), ALICE, expires_at_ms=chain.next_time_ms + 10**6)
    outcome = chain.finalize([raw])
    if not outcome.txs[0].result.ok or outcome.app_hash == chain.state_root:
        raise AssertionError("the fuzzing seed transaction must apply")
    chain.app.discard()
    yield chain, raw
    close_chain(chain)


def assert_block_rejects_all(chain: Chain, raws: list[bytes]) -> None:
    root = chain.state_root
    checked = chain.app.check_txs(raws, chain.next_time_ms)
    assert len(checked) == len(raws)
    assert not any(result.ok for result in checked)
    outcome = chain.finalize(raws)
    assert len(outcome.txs) == len(raws)
    assert not any(tx.result.ok for tx in outcome.txs)
    assert all(tx.events == [] for tx in outcome.txs)
    assert outcome.writes == {}
    assert outcome.app_hash == root
    chain.app.discard()
    assert chain.state_root == root


@FUZZ_SETTINGS
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_fuzz_random_bytes_rejected_without_change(
    fuzz_chain: tuple[Chain, bytes], raws: list[bytes]
) -> None:
    assert_block_rejects_all(fuzz_chain[0], raws)


msgpack_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.text(max_size=10)
    | st.binary(max_size=70),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
body_fields = st.fixed_dictionaries(
    {},
    optional={
        "chain_id": st.sampled_from([CHAIN_ID, "other"]) | msgpack_values,
        "client_id": st.integers(0, 2**64 - 1) | msgpack_values,
        "expires_at_ms": st.integers(0, 2**64 - 1) | msgpack_values,
        "signers": st.lists(st.binary(min_size=32, max_size=32), max_size=3) | msgpack_values,
        "messages": st.lists(msgpack_values, max_size=3) | msgpack_values,
        "memo": st.text(max_size=10) | msgpack_values,
    },
)


@FUZZ_SETTINGS
@given(body_fields, st.lists(st.binary(min_size=64, max_size=64), max_size=3))
def test_fuzz_structured_envelopes_rejected_without_change(
    fuzz_chain: tuple[Chain, bytes], fields: dict[str, object], signatures: list[bytes]
) -> None:
    body = msgspec.msgpack.encode(fields)
    raw = msgspec.msgpack.encode({"body": body, "signatures": signatures})
    assert_block_rejects_all(fuzz_chain[0], [raw])


@st.composite
def mutations(draw: st.DrawFn, raw: bytes) -> bytes:
    kind = draw(st.sampled_from(["flip", "replace", "delete", "insert", "truncate", "extend"]))
    position = draw(st.integers(0, len(raw) - 1))
    if kind == "flip":
        bit = draw(st.integers(0, 7))
        return raw[:position] + bytes([raw[position] ^ (1 << bit)]) + raw[position + 1 :]
    if kind == "replace":
        return raw[:position] + bytes([draw(st.integers(0, 255))]) + raw[position + 1 :]
    if kind == "delete":
        end = draw(st.integers(position + 1, min(len(raw), position + 8)))
        return raw[:position] + raw[end:]
    if kind == "insert":
        return raw[:position] + draw(st.binary(min_size=1, max_size=8)) + raw[position:]
    if kind == "truncate":
        return raw[:position]
    return raw + draw(st.binary(min_size=1, max_size=8))


@FUZZ_SETTINGS
@given(st.data())
def test_fuzz_mutated_transaction_rejected_without_change(
    fuzz_chain: tuple[Chain, bytes], data: st.DataObject
) -> None:
    chain, valid = fuzz_chain
    mutated = data.draw(mutations(valid))
    if mutated == valid:
        return
    assert_block_rejects_all(chain, [mutated])


@FUZZ_SETTINGS
@given(st.lists(st.binary(max_size=100), max_size=6, unique=True), st.data())
def test_fuzz_valid_transaction_among_garbage_applies_alone(
    fuzz_chain: tuple[Chain, bytes], garbage: list[bytes], data: st.DataObject
) -> None:
    chain, valid = fuzz_chain
    position = data.draw(st.integers(0, len(garbage)))
    raws = [*garbage[:position], valid, *garbage[position:]]
    alone = chain.finalize([valid])
    chain.app.discard()
    outcome = chain.finalize(raws)
    chain.app.discard()
    assert [tx.result.ok for tx in outcome.txs] == [raw == valid for raw in raws]
    assert outcome.app_hash == alone.app_hash
    assert outcome.writes == alone.writes


def test_fuzz_garbage_blocks_commit_without_state_change() -> None:
    chain = Chain()
    try:
        chain.issue_and_mint("USD", {ALICE: 1_000})
        root = chain.state_root
        garbage = [
            b"",
            b"\x00",
            b"\xff" * 40,
            msgspec.msgpack.encode({"body": b"", "signatures": []}),
        ]
        for _ in range(3):
            outcome = chain.block(garbage)
            garbage = [raw + b"\x01" for raw in garbage]  # unique across blocks
            assert not any(tx.result.ok for tx in outcome.txs)
            assert chain.state_root == root
        assert chain.height == 4
    finally:
        close_chain(chain)
