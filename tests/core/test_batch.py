"""Transaction batches (``core/batch.py``): the encoding, and ``flatten``, which every
validator runs on the same block bytes and must answer the same."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from originledger.core.amounts import Amount
from originledger.core.batch import (
    BATCH_MARKER,
    BATCH_TXS_MAX,
    batch_bytes,
    encode_batch,
    exec_result_fields,
    flatten,
    split_batch,
)
from originledger.core.limits import TX_BYTES_MAX
from originledger.core.merkle import list_root
from originledger.modules.assets.types import Transfer
from tests.conftest import ALICE, BOB, GENESIS_TIME_MS, sign_tx

raws = st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=40)


@given(raws)
def test_batch_round_trips_and_its_size_is_bounded(items: list[bytes]) -> None:
    encoded = encode_batch(items)
    assert encoded.startswith(BATCH_MARKER)
    assert split_batch(encoded) == items
    assert len(encoded) <= batch_bytes(items)


@given(st.lists(st.one_of(raws.map(encode_batch), st.binary(max_size=200)), max_size=12))
def test_flatten_keeps_order_and_counts_what_each_carried(txs: list[bytes]) -> None:
    flat, layout = flatten(txs)
    assert len(layout) == len(txs) and sum(layout) == len(flat)
    start = 0
    for data, count in zip(txs, layout, strict=True):
        inner = split_batch(data)
        assert flat[start : start + count] == (inner if inner is not None else [data])
        start += count


def test_a_signed_transaction_is_never_taken_for_a_batch() -> None:
    message = Transfer(ALICE.address, BOB.address, "USD", Amount(1))
    raw = sign_tx([message], [ALICE.key], expires_at_ms=GENESIS_TIME_MS + 60_000)
    assert not raw.startswith(BATCH_MARKER)  # msgpack never uses 0xC1
    assert flatten([raw]) == ([raw], [1])


@pytest.mark.parametrize(
    "data",
    [
        BATCH_MARKER,  # nothing after the marker
        BATCH_MARKER + msgspec.msgpack.encode([]),  # an empty batch
        BATCH_MARKER + msgspec.msgpack.encode(["text, not bytes"]),
        BATCH_MARKER + msgspec.msgpack.encode([b"a"]) + b"\x00",  # trailing bytes
        BATCH_MARKER + b"\xdc\x00\x01\xc4\x01a",  # array16 header for one item: not canonical
        BATCH_MARKER + msgspec.msgpack.encode([b"x" * (TX_BYTES_MAX + 1)]),
        BATCH_MARKER + msgspec.msgpack.encode([b"a"] * (BATCH_TXS_MAX + 1)),
    ],
)
def test_malformed_batches_stay_one_transaction(data: bytes) -> None:
    assert split_batch(data) is None
    assert flatten([data]) == ([data], [1])  # it executes as one (failing) transaction


def test_encode_batch_refuses_empty_and_oversized() -> None:
    with pytest.raises(ValueError):
        encode_batch([])
    with pytest.raises(ValueError):
        encode_batch([b"a"] * (BATCH_TXS_MAX + 1))


def test_exec_result_fields_code_of_one_zero_for_several() -> None:
    assert exec_result_fields([b"leaf"], [7]) == (7, list_root([b"leaf"]))
    assert exec_result_fields([b"a", b"b"], [7, 0]) == (0, list_root([b"a", b"b"]))
