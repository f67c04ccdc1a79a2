"""Where the indexer reads the chain from: a small interface with two implementations.

- ``StoreSource``: in-process, from a node's committed blocks (its store, or the
  ``ChainView`` its driver hands out: what a node's own indexer uses).
- ``HttpSource``: from any node's API (``GET /v1/index/source/...``), for a standalone
  indexer, e.g. one writing into PostgreSQL.

Both hand over the same ``BlockData``: a block's header fields, its transactions with their
results, and its events in the JSON form the API shows (amounts as decimal strings,
addresses as bech32m text, bytes as base64). The genesis is "block" ``initial_height - 1``:
no header, only the events that genesis emitted. ``StoreSource`` also hands over each
event's typed struct (``TypedEventData``), which it decoded anyway: the indexer then need
not decode the JSON form back.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

import httpx
import msgspec

from originledger.core.address import Address, account_address
from originledger.core.amounts import Amount
from originledger.core.block import Genesis
from originledger.core.catalogue import Catalogue
from originledger.core.codec import CodecError, decode, from_json
from originledger.core.context import Event
from originledger.core.tx import SignedTx, TxBody
from originledger.driver import BlockRecords

__all__ = [
    "BlockData",
    "EventData",
    "HttpSource",
    "Source",
    "SourceError",
    "StoreSource",
    "TxData",
    "TypedEventData",
    "block_data_from_store",
]

_EVENT_PAGE = 5_000


class SourceError(Exception):
    """The source cannot answer (node unreachable, bad answer)."""


class TxData(msgspec.Struct, frozen=True):
    hash: str
    position: int
    codespace: str
    code: int
    message: str
    signers: list[str]
    types: list[str]
    memo: str


class EventData(msgspec.Struct, frozen=True):
    seq: int
    tx_index: int
    type: str
    data: dict[str, Any]


class TypedEventData(EventData, frozen=True):
    """``EventData`` with the event's typed struct, for in-process sources (never sent:
    the API's answers hold ``EventData``)."""

    event: Event


class BlockData(msgspec.Struct, frozen=True):
    chain_id: str
    height: int
    hash: str | None  # None for the genesis
    time_ms: int
    proposer: str | None
    state_root: str | None
    txs: list[TxData]
    events: list[EventData]


class Source(Protocol):
    def chain_id(self) -> str: ...

    def genesis_height(self) -> int:
        """The height of the genesis events (``initial_height - 1``)."""
        ...

    def latest_height(self) -> int: ...

    def block(self, height: int) -> BlockData | None: ...


@lru_cache(maxsize=262_144)
def _address_text(raw: bytes) -> str:
    # bech32m in pure Python costs more than indexing the row: remember the busy accounts.
    return str(Address(raw))


@lru_cache(maxsize=65_536)
def _signer_text(public_key: bytes) -> str:
    return _address_text(bytes(account_address(public_key)))


def _json_hook(value: Any) -> Any:
    if type(value) is Amount:
        return str(int(value))
    if type(value) is Address:
        return _address_text(bytes(value))
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


def _builtins(value: Any) -> Any:
    """The API's JSON form of a value (as ``codec.to_builtins``, with addresses cached)."""
    return msgspec.to_builtins(value, enc_hook=_json_hook)


def _describe_tx(catalogue: Catalogue, raw: bytes) -> tuple[list[str], list[str], str]:
    """(signer addresses, message types, memo) of a raw transaction; empty when it is broken."""
    try:
        body = decode(decode(raw, SignedTx).body, TxBody)
        messages = [catalogue.tx_decoder.decode_message(bytes(m)) for m in body.messages]
    except CodecError:
        return [], [], ""
    types = [str(type(message).__struct_config__.tag) for message in messages]
    signers = [_signer_text(bytes(key)) for key in body.signers]
    return signers, types, body.memo


def block_data_from_store(
    store: BlockRecords,
    catalogue: Catalogue,
    genesis: Genesis,
    height: int,
    *,
    typed: bool = False,
) -> BlockData | None:
    """The ``BlockData`` of ``height`` read from a node's committed blocks (its store or
    its driver's ``ChainView``; None when not committed); ``typed``: its events are
    ``TypedEventData``."""
    genesis_height = genesis.initial_height - 1
    if height == genesis_height:
        if store.chain_meta() is None:
            return None
        block_hash = None
        time_ms, proposer, state_root = genesis.genesis_time_ms, None, None
        txs: list[TxData] = []
    else:
        stored = store.block(height)
        if stored is None:
            return None
        header = stored.signed_header.header
        block_hash = stored.hash.hex()
        time_ms, proposer, state_root = (
            header.time_ms,
            header.proposer.hex(),
            header.state_root.hex(),
        )
        txs = []
        for tx in store.block_txs(height):
            signers, types, memo = _describe_tx(catalogue, tx.raw)
            leaf = tx.result_leaf
            txs.append(
                TxData(
                    tx.hash.hex(), tx.position, leaf.codespace, leaf.code, leaf.message,
                    signers, types, memo,
                )
            )  # fmt: skip
    events: list[EventData] = []
    seq = -1
    while True:
        rows = store.events_after(height, seq, _EVENT_PAGE)
        rows = [row for row in rows if row.height == height]
        for row in rows:
            event = catalogue.decode_event(row.data)
            data = _builtins(event)
            kind = data.pop("type")
            if typed:
                events.append(TypedEventData(row.seq, row.tx_index, kind, data, event))
            else:
                events.append(EventData(row.seq, row.tx_index, kind, data))
        if len(rows) < _EVENT_PAGE:
            break
        seq = rows[-1].seq
    return BlockData(
        genesis.chain_id, height, block_hash, time_ms, proposer, state_root, txs, events
    )


class StoreSource:
    """Reads a node's committed blocks in-process (a store's reader connections, or a
    driver's ``ChainView``: safe from any thread)."""

    def __init__(self, store: BlockRecords, catalogue: Catalogue) -> None:
        self.store = store
        self.catalogue = catalogue
        self._genesis: Genesis | None = None

    @property
    def genesis(self) -> Genesis:
        """The chain's genesis, read once the store holds a chain (a node that restores a
        snapshot or waits for InitChain starts without one)."""
        if self._genesis is None:
            raw = self.store.genesis()
            if raw is None:
                raise SourceError("the store holds no chain yet")
            self._genesis = from_json(raw, Genesis)
        return self._genesis

    def chain_id(self) -> str:
        return self.genesis.chain_id

    def genesis_height(self) -> int:
        return self.genesis.initial_height - 1

    def latest_height(self) -> int:
        meta = self.store.chain_meta()
        return -1 if meta is None else meta.height

    def block(self, height: int) -> BlockData | None:
        return block_data_from_store(self.store, self.catalogue, self.genesis, height, typed=True)


class HttpSource:
    """Reads any node's API: ``/v1/status`` and ``/v1/index/source/blocks/{height}``."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0) -> None:
        self.client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s)
        self._decoder = msgspec.json.Decoder(BlockData)
        self._source_info: dict[str, Any] | None = None

    def close(self) -> None:
        self.client.close()

    def _get(self, path: str) -> httpx.Response:
        try:
            return self.client.get(path)
        except httpx.HTTPError as error:
            raise SourceError(f"{self.client.base_url}{path}: {error}") from error

    def _info(self) -> dict[str, Any]:
        response = self._get("/v1/index/source")
        if response.status_code != 200:
            raise SourceError(f"the node answered {response.status_code}: {response.text[:200]}")
        info: dict[str, Any] = response.json()
        self._source_info = info
        return info

    def chain_id(self) -> str:
        return str((self._source_info or self._info())["chain_id"])

    def genesis_height(self) -> int:
        return int((self._source_info or self._info())["genesis_height"])

    def latest_height(self) -> int:
        return int(self._info()["height"])

    def block(self, height: int) -> BlockData | None:
        response = self._get(f"/v1/index/source/blocks/{height}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SourceError(f"the node answered {response.status_code}: {response.text[:200]}")
        try:
            return self._decoder.decode(response.content)
        except msgspec.DecodeError as error:
            raise SourceError(f"block {height}: unexpected answer: {error}") from error
