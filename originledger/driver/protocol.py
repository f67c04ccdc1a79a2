"""What the HTTP API and the indexer need from a node: the driver interface, once.

Two drivers satisfy it (``node/``): ``EmbeddedNode`` (one in-process validator that signs
Origin's own headers) and ``NetworkNode`` (a validator driven by CometBFT, whose signed
headers are CometBFT's). The API asks each for the signed header that proves an answer and
attaches what it gets; the SDK checks whichever the answer carries.

A driver hands out no store and no application: what a reader may read of the committed
chain is ``ChainView``, a few typed reads that answer with plain data
(``driver/answers.py``). Both drivers implement it with the same adapter over their store
and application (``node/chain.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from originledger.app import AppInfo, BlockOutcome, ChainMeta, Registry
from originledger.core.block import SignedHeader
from originledger.core.context import StateReader
from originledger.core.crypto import SigningKey
from originledger.driver.answers import EventRow, ProvenValue, StoredBlock, StoredTx, SubmitAnswer

__all__ = ["BlockRecords", "ChainView", "LedgerNode", "MempoolView"]

T = TypeVar("T")


class MempoolView(Protocol):
    """What the API reads of a node's pending transactions."""

    def __len__(self) -> int: ...

    def contains(self, tx_hash: bytes) -> bool: ...


class BlockRecords(Protocol):
    """The committed blocks, their transactions and their events (what the indexer reads:
    ``indexer/source.py``). Safe to call from any thread."""

    def chain_meta(self) -> ChainMeta | None:
        """The chain's id, height, hashes and time after the last committed block."""
        ...

    def genesis(self) -> bytes | None:
        """The genesis document (JSON) the chain started from; None before InitChain."""
        ...

    def latest_height(self) -> int:
        """The height of the last committed block (0 before the first)."""
        ...

    def block(self, height: int) -> StoredBlock | None: ...

    def block_txs(self, height: int) -> list[StoredTx]: ...

    def events_after(self, height: int, seq: int, limit: int) -> list[EventRow]:
        """Events strictly after the cursor ``(height, seq)``, in order, at most ``limit``."""
        ...


class ChainView(BlockRecords, Protocol):
    """What a reader may read of a node's committed chain (see ``LedgerNode.chain``)."""

    @property
    def registry(self) -> Registry:
        """The modules: their event and transaction decoders, and their queries."""
        ...

    def info(self) -> AppInfo | None:
        """The chain's id, height, hashes, time and module versions; None before InitChain."""
        ...

    def tx(self, tx_hash: bytes) -> StoredTx | None:
        """The occurrence of ``tx_hash`` that spent it, else its first occurrence."""
        ...

    def block_tx_leaves(self, height: int) -> tuple[list[bytes], list[bytes]]:
        """The transaction hashes and encoded result leaves of a block, in order."""
        ...

    def tx_events(self, height: int, tx_index: int) -> list[EventRow]: ...

    def read(
        self, read: Callable[[StateReader], T], prove: bool
    ) -> tuple[T, int, list[ProvenValue]]:
        """``read`` run over the committed state at one height: its result, that height,
        and with ``prove`` a proof of every key it read."""
        ...


class LedgerNode(Protocol):
    """A node the API serves (see ``api/server.py``'s ``create_app``)."""

    @property
    def chain(self) -> ChainView:
        """The committed chain, to read."""
        ...

    @property
    def validator_key(self) -> SigningKey: ...

    @property
    def mempool(self) -> MempoolView: ...

    @property
    def failure(self) -> BaseException | None:
        """The error that stopped the node (a bug), else None."""
        ...

    def submit(self, raws: Sequence[bytes]) -> list[SubmitAnswer]:
        """Check transactions and queue (or broadcast) those that pass."""
        ...

    def clock_ms(self) -> int:
        """The node's clock (milliseconds since the epoch): what ``submit`` checks a
        transaction's expiry against."""
        ...

    def add_listener(self, listener: Callable[[BlockOutcome], None]) -> None:
        """Call ``listener(outcome)`` after each block is durably committed."""
        ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def signed_header(self, height: int) -> SignedHeader | None:
        """Origin's header of block ``height`` signed by the validators (embedded mode);
        None where Origin's headers are not what the validators sign (network mode)."""
        ...

    def consensus_signed_header(self, height: int) -> dict[str, Any] | None:
        """CometBFT's signed header of block ``height`` (``{"header", "commit"}`` as its RPC
        ``/commit`` answers; network mode), waiting briefly for the block when it is the
        next one; None in embedded mode or when it is not available."""
        ...

    def consensus_layout(self, height: int) -> list[int] | None:
        """How many Origin transactions each CometBFT transaction of block ``height``
        carried (``core.batch.flatten``; network mode); None in embedded mode or when the
        block is not available."""
        ...
