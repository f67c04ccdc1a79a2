"""The streamed genesis import (``Application.init_chain``) against the whole genesis block
in memory (``Application.genesis_outcome``, the import before it was streamed): the same
state root, state rows and genesis events, chunk by chunk; nothing kept when it fails."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from originledger.app import Application, parse_genesis
from originledger.bench.accounts import fund_accounts, seed
from originledger.core.address import account_address
from originledger.core.codec import encode
from originledger.core.crypto import SigningKey
from originledger.genesis import GenesisBuilder
from originledger.modules.accounts.types import GenesisMultisig, MultisigMember, multisig_address
from originledger.store import SqliteStore
from originledger.store import sqlite as sqlite_store
from originledger.testing.world import World
from tests.conftest import VALIDATOR

HEIGHT = 0


def _reference(raw: bytes) -> tuple[bytes, list[tuple[bytes, bytes]], list[bytes]]:
    """Root, state rows and encoded events of the whole genesis block built in memory."""
    app = Application(SqliteStore(None))
    outcome = app.genesis_outcome(parse_genesis(raw), raw)
    rows = sorted((k, v) for k, v in outcome.writes.items() if v is not None)
    return outcome.app_hash, rows, [encode(record.event) for record in outcome.event_records()]


def _streamed(raw: bytes, **options: Any) -> tuple[bytes, list[tuple[bytes, bytes]], list[bytes]]:
    store = SqliteStore(None)
    root = Application(store).init_chain(raw, **options)
    meta = store.chain_meta()
    assert meta is not None and meta.app_hash == root and store.tree.root_hash() == root
    assert store.genesis() == raw
    rows = [(bytes(k), bytes(v)) for k, v in store._scan_rows(store._writer, b"")]
    events = store.events_after(-1, 0, 10**9)
    assert all(row.height == HEIGHT and row.tx_index == -1 for row in events)
    assert [row.seq for row in events] == list(range(len(events)))
    return root, rows, [row.data for row in events]


def _medium(accounts: int) -> bytes:
    """``accounts`` funded bench accounts, then a multisig of the first two listed before
    its members are: members may come after their multisig account."""
    keys = [SigningKey(seed(i)).public_key for i in range(accounts)]
    members = sorted(
        (MultisigMember(account_address(key), 1) for key in keys[:2]),
        key=lambda member: bytes(member.address),
    )
    genesis = GenesisBuilder("origin-medium", genesis_time_ms=1_700_000_000_000).validator(
        VALIDATOR.key.public_key, power=1
    )
    genesis.account(multisig_address(members, 2), multisig=GenesisMultisig(members, 2))
    fund_accounts(genesis, keys)
    genesis.fees("BENCH", per_tx=1)
    return genesis.build()


@pytest.mark.parametrize("fees", [False, True])
@pytest.mark.parametrize("chunk_writes", [1, 7, 200_000])
def test_small_genesis_streamed_as_in_memory(fees: bool, chunk_writes: int) -> None:
    app = Application(SqliteStore(None))
    raw = World.build(12, [m.name for m in app.registry.modules], fees=fees).genesis()
    reference = _reference(raw)
    assert len(reference[2]) > 10
    assert _streamed(raw, chunk_writes=chunk_writes) == reference


@pytest.mark.parametrize("chunk_writes", [997, 200_000])
def test_medium_genesis_streamed_as_in_memory(chunk_writes: int) -> None:
    raw = _medium(2_500)
    reference = _reference(raw)
    assert len(reference[1]) > 5_000
    assert _streamed(raw, chunk_writes=chunk_writes) == reference


def test_genesis_import_reports_progress_of_long_lists() -> None:
    heard: list[tuple[str, int, int]] = []
    _streamed(_medium(45), progress=lambda *report: heard.append(report))
    assert heard[0] == ("accounts.accounts", 0, 46)
    assert heard[1] == ("accounts.accounts", 46, 46)
    assert heard[2:] == [("assets.balances", 0, 45), ("assets.balances", 45, 45)]


def _failing_late(document: dict[str, Any]) -> bytes:
    accounts = document["app_state"]["accounts"]["accounts"]
    accounts.append(accounts[1_500])
    return json.dumps(document).encode()


def test_failed_genesis_import_keeps_nothing_and_a_good_one_follows() -> None:
    good = _medium(2_000)
    bad = _failing_late(json.loads(good))
    store = SqliteStore(None)
    app = Application(store)
    with pytest.raises(ValueError, match="listed twice"):
        app.init_chain(bad, chunk_writes=500)
    assert store.chain_meta() is None
    assert store._writer.execute("SELECT COUNT(*) FROM state").fetchone()[0] == 0
    assert store._writer.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    assert app.init_chain(good, chunk_writes=500) == _reference(good)[0]


@pytest.mark.parametrize(
    ("where", "value"),
    [(1_234, {"account": "not an address", "symbol": "BENCH", "amount": 1}), (None, None)],
)
def test_invalid_long_list_reported_as_in_memory(where: int | None, value: Any) -> None:
    """A record that does not decode is named by its place in the whole section."""
    document = json.loads(_medium(2_000))
    if where is None:
        document["app_state"]["assets"]["balances"] = value
    else:
        document["app_state"]["assets"]["balances"][where] = value
    raw = json.dumps(document).encode()
    with pytest.raises(ValueError) as reference:
        _reference(raw)
    with pytest.raises(ValueError) as streamed:
        Application(SqliteStore(None)).init_chain(raw)
    assert str(streamed.value) == str(reference.value)
    assert "balances" in str(streamed.value)


def test_unknown_field_beside_long_list_refused_as_in_memory() -> None:
    document = json.loads(_medium(50))
    document["app_state"]["accounts"]["stranger"] = 1
    raw = json.dumps(document).encode()
    with pytest.raises(ValueError) as reference:
        _reference(raw)
    with pytest.raises(ValueError) as streamed:
        Application(SqliteStore(None)).init_chain(raw)
    assert str(streamed.value) == str(reference.value)


def test_genesis_import_with_deep_nodes_trimmed_as_in_memory(monkeypatch: Any) -> None:
    """Deep tree nodes trimmed after every chunk are loaded again from the open
    transaction, checked against their parents: the root does not change."""
    monkeypatch.setattr(sqlite_store, "_IMPORT_TREE_NODES_MAX", 10)
    raw = _medium(2_000)
    assert _streamed(raw, chunk_writes=700) == _reference(raw)


def test_the_imports_wal_is_emptied_and_closing_removes_it(tmp_path: Any) -> None:
    # Before: the import's one transaction left its whole WAL on disk (847 MB beside an
    # 843 MB database at a million accounts), which every restart read through until a
    # block's commit copied it, and a reader's open connection kept it after close.
    path = tmp_path / "ledger.sqlite"
    wal = tmp_path / "ledger.sqlite-wal"
    store = SqliteStore(path)
    root = Application(store).init_chain(_medium(400), chunk_writes=97)
    assert wal.stat().st_size == 0
    # A reader in a thread still running at close, and one in this thread.
    opened, release = threading.Event(), threading.Event()

    def read_then_wait() -> None:
        store.read_state(b"x")
        opened.set()
        release.wait(10)

    reader_thread = threading.Thread(target=read_then_wait)
    reader_thread.start()
    assert opened.wait(10)
    assert store.read_state(b"x") is None
    assert len(store._readers) == 2
    store.close()
    release.set()
    reader_thread.join()
    assert not wal.exists()
    reopened = SqliteStore(path)
    assert reopened.tree.root_hash() == root
    # The reader of a thread that has ended is closed when another is opened.
    for _ in range(3):
        thread = threading.Thread(target=lambda: reopened.read_state(b"x"))
        thread.start()
        thread.join()
    assert len(reopened._readers) == 1
    reopened.close()
