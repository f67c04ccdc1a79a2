"""State-sync snapshots of a validator's ledger (CometBFT's ListSnapshots, OfferSnapshot,
LoadSnapshotChunk, ApplySnapshotChunk).

Every ``interval_blocks`` blocks, right after the commit (under the ABCI lock, so at one
height), the app writes a snapshot of format 2 to ``HOME/data/snapshots/HEIGHT/``:

- chunk 0: the genesis document (raw bytes);
- chunks 1..n: the state rows ``(key, value)`` in key order, at most
  ``CHUNK_BYTES_MAX`` bytes of rows per chunk. Replay protection is part of them: the
  hashes that committed transactions spent stay in state (``tx/spent/``) until their
  expiry, so the state root authenticates them like any other row;
- ``metadata``: the msgpack ``SnapshotMetadata`` (the chain's position — height, app
  hash, last block hash, time — and each chunk's sha256); the snapshot's ``hash`` is the
  sha256 of the metadata.

The ``keep`` newest snapshots are kept; older ones are deleted.

Restoring (a fresh node): OfferSnapshot accepts format 2 for an empty store when the
metadata's height and app hash are what CometBFT's light client trusts and its genesis
hash is the one the node is configured with (its ``HOME/genesis.json``, or
``--genesis-hash``; without either, state sync is refused); each chunk must hash to its
entry in the metadata (else the chunk is refetched from another peer); the genesis in
chunk 0 must hash to the configured genesis hash (else the snapshot is rejected); after
the last chunk the store is filled in one transaction, and only if the rebuilt state
tree's root equals the trusted app hash. A restore holds the state in memory until then.
The light client authenticates the app hash, and through it every row (the spent hashes
too); the configured hash authenticates the genesis. Nothing else is taken on trust.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from originledger.app import ChainMeta
from originledger.core.codec import decode, encode
from originledger.core.crypto import sha256
from originledger.store.sqlite import SqliteStore

__all__ = [
    "CHUNK_BYTES_MAX",
    "SNAPSHOT_FORMAT",
    "Restore",
    "SnapshotInfo",
    "SnapshotMetadata",
    "SnapshotRejected",
    "Snapshots",
]

log = logging.getLogger("originledger.node.snapshots")

SNAPSHOT_FORMAT = 2  # 1 carried an unauthenticated set of spent transactions
CHUNK_BYTES_MAX = 4 * 1024 * 1024  # CometBFT takes chunks up to 16 MiB
CHUNKS_MAX = 100_000


class SnapshotMetadata(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    meta: ChainMeta
    chunk_hashes: list[bytes]


class FirstChunk(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    genesis: bytes


class SnapshotRejected(ValueError):
    """The snapshot is not of the configured chain: reject it whole (not a refetch)."""


class RowsChunk(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rows: list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class SnapshotInfo:
    height: int
    format: int
    chunks: int
    hash: bytes
    metadata: bytes


@dataclass
class Restore:
    """A snapshot being applied: its metadata, and what the chunks gave so far."""

    metadata: SnapshotMetadata
    genesis_hash: bytes
    next_chunk: int = 0
    genesis: bytes = b""
    rows: dict[bytes, bytes] = field(default_factory=dict)


class Snapshots:
    """The snapshots of one home, on disk under ``directory``."""

    def __init__(self, directory: Path, interval_blocks: int, keep: int = 2) -> None:
        if interval_blocks < 0 or keep < 1:
            raise ValueError("snapshot interval must be >= 0 (0: none) and keep >= 1")
        self.directory = directory
        self.interval_blocks = interval_blocks
        self.keep = keep

    # -- taking ---------------------------------------------------------------------------

    def due(self, height: int) -> bool:
        return self.interval_blocks > 0 and height > 0 and height % self.interval_blocks == 0

    def take(self, store: SqliteStore) -> SnapshotInfo:
        """Write a snapshot of the store's committed state (call it between blocks)."""
        meta = store.chain_meta()
        genesis = store.genesis()
        if meta is None or genesis is None:
            raise RuntimeError("no chain to snapshot")
        staging = self.directory / f".staging-{meta.height}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        hashes = [self._write(staging, 0, encode(FirstChunk(genesis)))]
        batch: list[tuple[bytes, bytes]] = []
        size = 0
        for rows in store.snapshot_rows():
            for key, value in rows:
                batch.append((key, value))
                size += len(key) + len(value) + 8
                if size >= CHUNK_BYTES_MAX:
                    hashes.append(self._write(staging, len(hashes), encode(RowsChunk(batch))))
                    batch, size = [], 0
        if batch or len(hashes) == 1:
            hashes.append(self._write(staging, len(hashes), encode(RowsChunk(batch))))
        metadata = encode(SnapshotMetadata(meta, hashes))
        (staging / "metadata").write_bytes(metadata)
        final = self.directory / str(meta.height)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
        self._prune()
        log.info("snapshot at height %d: %d chunks", meta.height, len(hashes))
        return SnapshotInfo(meta.height, SNAPSHOT_FORMAT, len(hashes), sha256(metadata), metadata)

    @staticmethod
    def _write(directory: Path, index: int, chunk: bytes) -> bytes:
        (directory / f"chunk-{index}").write_bytes(chunk)
        return sha256(chunk)

    def _heights(self) -> list[int]:
        if not self.directory.is_dir():
            return []
        return sorted(
            int(path.name)
            for path in self.directory.iterdir()
            if path.name.isdigit() and (path / "metadata").is_file()
        )

    def _prune(self) -> None:
        heights = self._heights()
        for height in heights[: max(0, len(heights) - self.keep)]:
            shutil.rmtree(self.directory / str(height), ignore_errors=True)

    # -- serving --------------------------------------------------------------------------

    def list(self) -> list[SnapshotInfo]:
        found: list[SnapshotInfo] = []
        for height in self._heights():
            metadata = (self.directory / str(height) / "metadata").read_bytes()
            chunks = len(decode(metadata, SnapshotMetadata).chunk_hashes)
            found.append(SnapshotInfo(height, SNAPSHOT_FORMAT, chunks, sha256(metadata), metadata))
        return found

    def load_chunk(self, height: int, snapshot_format: int, index: int) -> bytes:
        """A chunk's bytes (empty when there is no such snapshot or chunk)."""
        if snapshot_format != SNAPSHOT_FORMAT or index < 0:
            return b""
        path = self.directory / str(height) / f"chunk-{index}"
        return path.read_bytes() if path.is_file() else b""

    # -- restoring ------------------------------------------------------------------------

    @staticmethod
    def offer(
        store: SqliteStore,
        height: int,
        snapshot_format: int,
        metadata: bytes,
        app_hash: bytes,
        genesis_hash: bytes | None,
    ) -> Restore | str:
        """A restore session for an offered snapshot, or the reason to refuse it.
        ``genesis_hash``: the chain's, as configured (None: refuse every snapshot)."""
        if snapshot_format != SNAPSHOT_FORMAT:
            return "format"
        if store.chain_meta() is not None:
            return "the store already holds a chain"
        if genesis_hash is None:
            return (
                "no genesis hash is configured: state sync needs HOME/genesis.json or "
                "--genesis-hash to know which chain to accept"
            )
        try:
            decoded = decode(metadata, SnapshotMetadata)
        except ValueError as error:
            return f"metadata does not decode: {error}"
        if decoded.meta.height != height or decoded.meta.app_hash != app_hash:
            return "the metadata is not for the trusted height and app hash"
        if decoded.meta.genesis_hash != genesis_hash:
            return (
                f"the snapshot's genesis hash {decoded.meta.genesis_hash.hex()} is not the "
                f"configured {genesis_hash.hex()}"
            )
        if not 2 <= len(decoded.chunk_hashes) <= CHUNKS_MAX:
            return "chunk count out of bounds"
        return Restore(decoded, genesis_hash)

    @staticmethod
    def apply_chunk(restore: Restore, index: int, chunk: bytes) -> bool:
        """Take one chunk (in order); False when it does not match its hash (refetch).
        Raises ``SnapshotRejected`` when chunk 0's genesis is not the configured one."""
        hashes = restore.metadata.chunk_hashes
        if index != restore.next_chunk or index >= len(hashes) or sha256(chunk) != hashes[index]:
            return False
        if index == 0:
            genesis = decode(chunk, FirstChunk).genesis
            if sha256(genesis) != restore.genesis_hash:
                raise SnapshotRejected("the snapshot's genesis is not the configured genesis")
            restore.genesis = genesis
        else:
            restore.rows.update(decode(chunk, RowsChunk).rows)
        restore.next_chunk += 1
        return True

    @staticmethod
    def finish(store: SqliteStore, restore: Restore) -> bool:
        """After the last chunk: fill the store (True), or nothing yet (False)."""
        if restore.next_chunk < len(restore.metadata.chunk_hashes):
            return False
        store.restore_snapshot(restore.genesis, restore.metadata.meta, restore.rows)
        return True
