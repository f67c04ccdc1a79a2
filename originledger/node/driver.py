"""What the HTTP API needs from a node: the driver interface, once.

Two drivers satisfy it: ``EmbeddedNode`` (one in-process validator that signs Origin's own
headers) and ``NetworkNode`` (a validator driven by CometBFT, whose signed headers are
CometBFT's). The API asks each for the signed header that proves an answer and attaches
what it gets; the SDK checks whichever the answer carries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from originledger.app import Application, BlockOutcome
from originledger.core.block import SignedHeader
from originledger.core.crypto import SigningKey
from originledger.node.embedded import SubmitAnswer
from originledger.store.sqlite import SqliteStore

__all__ = ["LedgerNode", "MempoolView"]


class MempoolView(Protocol):
    """What the API reads of a node's pending transactions."""

    def __len__(self) -> int: ...

    def contains(self, tx_hash: bytes) -> bool: ...


class LedgerNode(Protocol):
    """A node the API serves (see ``api/server.py``'s ``create_app``)."""

    @property
    def store(self) -> SqliteStore: ...

    @property
    def app(self) -> Application: ...

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
