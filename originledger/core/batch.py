"""Transaction batches: how network mode carries many transactions in one CometBFT tx.

CometBFT spends work on every transaction it carries: a CheckTx round trip, gossip to each
peer, mempool bookkeeping, a recheck after every block. A batch amortises that over many
Origin transactions, each still signed by its own signers, verified by every validator,
executed on its own and given its own result. A batch is a transport, not a unit of
atomicity: its transactions succeed or fail one by one.

Encoding: the byte ``0xC1`` (a byte msgpack never uses, so no Origin transaction starts
with it), then the msgpack array of the transactions' bytes. A CometBFT transaction is
either one Origin transaction or one batch; :func:`flatten` turns a block's CometBFT
transactions into Origin's block of transactions, deterministically for any bytes: what
starts with the marker but does not decode as a batch stays one (malformed) transaction,
which executes as a failure like any undecodable bytes.

Results: for each CometBFT transaction, FinalizeBlock answers ``ExecTxResult{code, data}``
with ``data`` the Merkle root (``core.merkle.list_root``) of the encoded result leaves of
the Origin transactions it carried, and ``code`` that transaction's code when it carried
one, 0 when it carried several (:func:`exec_result_fields`). So header H + 1's
``last_results_hash`` commits to every transaction's result, and a receipt proves its
leaf in two steps (docs/network.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from originledger.core.limits import TX_BYTES_MAX
from originledger.core.merkle import list_root

__all__ = [
    "BATCH_MARKER",
    "BATCH_TXS_MAX",
    "batch_bytes",
    "encode_batch",
    "exec_result_fields",
    "flatten",
    "split_batch",
]

BATCH_MARKER = b"\xc1"
BATCH_TXS_MAX = 1_000  # Origin transactions in one batch
_OVERHEAD_MAX = 1 + 5 + 5  # marker, array header, one bin header

_decoder = msgspec.msgpack.Decoder(list[bytes])


def encode_batch(raws: Sequence[bytes]) -> bytes:
    """The batch of ``raws`` (1 to ``BATCH_TXS_MAX`` transactions)."""
    if not 1 <= len(raws) <= BATCH_TXS_MAX:
        raise ValueError(f"a batch holds 1 to {BATCH_TXS_MAX} transactions")
    return BATCH_MARKER + msgspec.msgpack.encode(list(raws))


def batch_bytes(raws: Sequence[bytes]) -> int:
    """An upper bound of ``len(encode_batch(raws))``, without encoding."""
    return _OVERHEAD_MAX + sum(len(raw) + 5 for raw in raws)


def split_batch(data: bytes) -> list[bytes] | None:
    """The transactions of a well-formed batch; None for anything else (a plain
    transaction, or bytes that are not a valid batch). Well-formed: the marker, a
    canonical msgpack array of 1 to ``BATCH_TXS_MAX`` byte strings of at most
    ``TX_BYTES_MAX`` each, and nothing after it."""
    if not data.startswith(BATCH_MARKER):
        return None
    try:
        raws = _decoder.decode(memoryview(data)[1:])
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if not 1 <= len(raws) <= BATCH_TXS_MAX or any(len(raw) > TX_BYTES_MAX for raw in raws):
        return None
    if msgspec.msgpack.encode(raws) != data[1:]:  # one encoding per batch
        return None
    return raws


def flatten(txs: Sequence[bytes]) -> tuple[list[bytes], list[int]]:
    """Origin's transactions in CometBFT's ``txs``, in order, and the layout: for each
    CometBFT transaction, how many Origin transactions it carried (1 for a plain or a
    malformed one, a batch's length for a batch)."""
    flat: list[bytes] = []
    layout: list[int] = []
    for data in txs:
        raws = split_batch(data)
        if raws is None:
            flat.append(data)
            layout.append(1)
        else:
            flat.extend(raws)
            layout.append(len(raws))
    return flat, layout


def exec_result_fields(leaves: Sequence[bytes], codes: Sequence[int]) -> tuple[int, bytes]:
    """``(code, data)`` of the ``ExecTxResult`` of one CometBFT transaction that carried
    Origin transactions with these encoded result leaves and codes."""
    return (codes[0] if len(codes) == 1 else 0), list_root(list(leaves))
