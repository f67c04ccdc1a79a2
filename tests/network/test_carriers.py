"""How a network-mode node packs one submission into CometBFT transactions."""

from __future__ import annotations

from originledger.core.batch import BATCH_TXS_MAX, flatten
from originledger.node.network_node import CARRIED_BYTES_MAX, _carriers


def test_a_lone_transaction_goes_plain() -> None:
    assert _carriers([b"tx"]) == [(b"tx", 1)]


def test_a_submission_becomes_batches_within_the_limits_in_order() -> None:
    small = [i.to_bytes(4, "big") * 25 for i in range(2_500)]  # 100 bytes each
    large = [bytes([i]) * 20_000 for i in range(7)]
    for raws in (small, large, [*large[:2], *small[:3]]):
        carriers = _carriers(raws)
        assert all(len(data) <= CARRIED_BYTES_MAX for data, _ in carriers)
        assert all(count <= BATCH_TXS_MAX for _, count in carriers)
        flat, layout = flatten([data for data, _ in carriers])
        assert flat == raws  # nothing lost, nothing reordered
        assert layout == [count for _, count in carriers]
    assert len(_carriers(small)) == 5  # 64 KiB holds some 560 of them
