"""What the API answers, as msgspec structs. Hashes that people read are hex strings;
amounts are decimal strings, addresses bech32m text, other bytes base64."""

from __future__ import annotations

from typing import Any

import msgspec

from originledger.core.block import SignedHeader
from originledger.core.state_proof import StateProof

__all__ = [
    "AccountAnswer",
    "BlockAnswer",
    "ConsensusInclusionProof",
    "ErrorAnswer",
    "ErrorBody",
    "EventAnswer",
    "EventPage",
    "InclusionProof",
    "ProvenState",
    "QueryAnswer",
    "ReceiptAnswer",
    "ResultAnswer",
    "StatusAnswer",
    "SubmitAnswerItem",
    "SubmitAnswers",
    "SubmitRequest",
]


class ErrorBody(msgspec.Struct, frozen=True):
    code: str
    message: str


class ErrorAnswer(msgspec.Struct, frozen=True):
    error: ErrorBody


class SubmitRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """JSON submission: ``tx`` (one) or ``txs`` (a batch), each the signed bytes in hex."""

    tx: str | None = None
    txs: list[str] | None = None


class ResultAnswer(msgspec.Struct, frozen=True):
    codespace: str
    code: int
    message: str
    message_index: int = -1


class SubmitAnswerItem(msgspec.Struct, frozen=True):
    hash: str | None
    status: str  # rejected | accepted | committed
    result: ResultAnswer
    height: int | None = None


class SubmitAnswers(msgspec.Struct, frozen=True):
    answers: list[SubmitAnswerItem]


class EventAnswer(msgspec.Struct, frozen=True):
    height: int
    index: int
    tx_index: int
    type: str
    data: dict[str, Any]


class EventPage(msgspec.Struct, frozen=True):
    events: list[EventAnswer]
    next_cursor: str


class InclusionProof(msgspec.Struct, frozen=True):
    """Proves a transaction and its result are in the block ``signed_header`` signs."""

    index: int
    count: int
    tx_proof: list[bytes]
    result_leaf: bytes
    result_proof: list[bytes]
    signed_header: SignedHeader


class ConsensusInclusionProof(msgspec.Struct, frozen=True):
    """Network mode: proves a transaction of block H and its result against CometBFT's
    signed header H + 1 (``signed_header``: header and commit). The transaction was carried
    by CometBFT transaction ``index`` of ``count`` in block H, alone or in a batch
    (``core/batch.py``) at ``batch_index`` of ``batch_count``: ``batch_proof`` leads
    ``result_leaf`` to the root of that batch's result leaves, and ``result_proof`` leads
    the ``ExecTxResult`` holding that root to header H + 1's ``last_results_hash``."""

    index: int
    count: int
    batch_index: int
    batch_count: int
    result_leaf: bytes
    batch_proof: list[bytes]
    result_proof: list[bytes]
    signed_header: dict[str, Any]


class ReceiptAnswer(msgspec.Struct, frozen=True):
    hash: str
    status: str  # accepted | committed
    height: int | None = None
    index: int | None = None
    result: ResultAnswer | None = None
    events: list[EventAnswer] = []
    tx: dict[str, Any] | None = None
    raw: bytes | None = None
    proof: InclusionProof | None = None
    cometbft_proof: ConsensusInclusionProof | None = None


class BlockAnswer(msgspec.Struct, frozen=True):
    height: int
    hash: str
    signed_header: SignedHeader
    txs: list[str]


class ProvenState(msgspec.Struct, frozen=True):
    key: bytes
    value: bytes | None
    height: int
    proof: StateProof


class AccountAnswer(msgspec.Struct, frozen=True):
    address: str
    height: int
    account: dict[str, Any] | None
    balances: list[dict[str, Any]]
    proofs: list[ProvenState] | None = None
    signed_header: SignedHeader | None = None
    # Network mode: CometBFT's signed header of block ``height + 1``, whose app hash is
    # the state root the proofs lead to.
    cometbft_signed_header: dict[str, Any] | None = None


class QueryAnswer(msgspec.Struct, frozen=True):
    height: int
    result: Any
    proofs: list[ProvenState] | None = None
    signed_header: SignedHeader | None = None
    # Network mode: CometBFT's signed header of block ``height + 1``, whose app hash is
    # the state root the proofs lead to.
    cometbft_signed_header: dict[str, Any] | None = None


class StatusAnswer(msgspec.Struct, frozen=True):
    chain_id: str
    height: int
    app_hash: str
    last_block_hash: str
    time_ms: int
    validator: str
    mempool_txs: int
    modules: dict[str, int]
    # The node's clock now: what a submitted transaction's expiry is checked against
    # (``time_ms`` is the last block's, which stands still while an embedded node idles).
    now_ms: int
