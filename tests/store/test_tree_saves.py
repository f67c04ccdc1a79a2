"""The state tree saved every ``tree_save_keys`` written keys, not every block: between
saves each block notes its keys (``tree_unsaved``); a store opened after a crash replays
them onto the saved tree and must reach the committed state root, or it refuses to open."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from originledger.app import Application
from originledger.core.amounts import Amount
from originledger.core.state_proof import verify_state_proof
from originledger.modules.assets.keys import balance_key
from originledger.modules.assets.types import Transfer
from originledger.store.sqlite import SqliteStore
from originledger.store.tree import StateTreeError
from tests.conftest import ALICE, BOB, CAROL, Chain, party

# Recipients whose balance lines a block creates: new keys, deep in the tree.
RECIPIENTS = [party(f"recipient-{index}") for index in range(40)]


def _chain(path: Path, tree_save_keys: int) -> Chain:
    chain = Chain(store=SqliteStore(path, tree_save_keys=tree_save_keys))
    chain.issue_and_mint("USD", {ALICE: 10_000, BOB: 10_000, CAROL: 10_000})
    return chain


def _blocks(chain: Chain, first: int, count: int) -> None:
    """``count`` blocks of transfers to fresh recipients and between the three holders."""
    for number in range(first, first + count):
        recipient = RECIPIENTS[number % len(RECIPIENTS)]
        chain.block(
            [
                chain.tx(
                    Transfer(ALICE.address, recipient.address, "USD", Amount(1 + number)), ALICE
                ),
                chain.tx(Transfer(BOB.address, CAROL.address, "USD", Amount(2)), BOB),
            ]
        )


def _unsaved_heights(store: SqliteStore) -> list[int]:
    return [row[0] for row in store._writer.execute("SELECT height FROM tree_unsaved")]


def _tree_rows(path: Path) -> list[Any]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT path, node FROM tree_nodes ORDER BY path").fetchall()


def _reopened(chain: Chain, path: Path, tree_save_keys: int = 1 << 30) -> SqliteStore:
    """The store opened again as after a crash: the old one is dropped without ``close``."""
    store = SqliteStore(path, tree_save_keys=tree_save_keys)
    chain.store = store
    chain.app = Application(store)
    return store


def test_blocks_between_saves_note_their_keys_and_a_save_clears_them(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    chain = _chain(path, tree_save_keys=25)
    saved_rows = _tree_rows(path)
    heights = _unsaved_heights(chain.store)
    saves = 0
    for number in range(12):
        _blocks(chain, number, 1)
        unsaved = _unsaved_heights(chain.store)
        if unsaved:
            # The tree on disk is the one of the last save; each block since is noted.
            assert unsaved == [*heights, chain.height]
            assert _tree_rows(path) == saved_rows
            assert chain.store.tree.unsaved_nodes > 0
        else:
            saves += 1
            assert chain.store.tree.unsaved_nodes == 0
            assert _tree_rows(path) != saved_rows  # this block saved it
            saved_rows = _tree_rows(path)
        heights = unsaved
    assert 2 <= saves < 12
    # Closing saves the tree: nothing is left to replay.
    root = chain.state_root
    chain.store.close()
    reopened = SqliteStore(path)
    assert _unsaved_heights(reopened) == []
    assert reopened.tree.root_hash() == root
    reopened.close()


@pytest.mark.parametrize("tree_save_keys", [1, 30, 1 << 30])
def test_a_store_opened_after_a_crash_replays_to_the_committed_root(
    tmp_path: Path, tree_save_keys: int
) -> None:
    path = tmp_path / "ledger.sqlite"
    chain = _chain(path, tree_save_keys)
    _blocks(chain, 0, 9)
    root = chain.state_root
    expected_state = chain.state_items()
    # A crash: nothing saved at close. The reopened store replays the noted keys.
    store = _reopened(chain, path, tree_save_keys)
    assert store.tree.root_hash() == root == store.chain_meta().app_hash
    for key in [balance_key(ALICE.address, "USD"), balance_key(RECIPIENTS[3].address, "USD")]:
        proven = store.prove(key)
        assert proven.value == expected_state[key]
        assert verify_state_proof(root, proven.proof)
    # It goes on as if nothing happened: the same roots as a chain that saved every block.
    _blocks(chain, 9, 6)
    reference = _chain(tmp_path / "reference.sqlite", tree_save_keys=1)
    _blocks(reference, 0, 15)
    assert chain.state_root == reference.state_root
    chain.store.close()
    reference.store.close()


def test_a_state_row_that_disagrees_with_the_noted_keys_stops_the_store(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    chain = _chain(path, tree_save_keys=1 << 30)
    _blocks(chain, 0, 3)
    assert _unsaved_heights(chain.store)
    key = balance_key(RECIPIENTS[1].address, "USD")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE state SET value = ? WHERE key = ?", (b"\x00", key))
    with pytest.raises(StateTreeError, match="not the committed state root"):
        SqliteStore(path)


def test_a_commit_that_fails_leaves_the_tree_at_the_committed_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.sqlite"
    chain = _chain(path, tree_save_keys=1 << 30)
    _blocks(chain, 0, 3)
    root = chain.state_root
    height = chain.height

    def failing(*args: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    # The block's tree is applied, then the transaction fails after it and rolls back.
    monkeypatch.setattr(SqliteStore, "_write_events", failing)
    with pytest.raises(sqlite3.OperationalError):
        _blocks(chain, 3, 1)
    monkeypatch.undo()
    assert chain.store.tree.root_hash() == root
    assert chain.store.chain_meta().height == height
    store = _reopened(chain, path)
    assert store.tree.root_hash() == root


def test_a_reader_of_a_live_ledger_replays_in_memory_and_writes_nothing(tmp_path: Path) -> None:
    # ``verify-chain`` and ``indexer rebuild`` open the ledger of a running node: opening
    # replays the unsaved keys at one consistent height, and closing must not save the
    # tree (it would delete the node's notes of blocks committed meanwhile).
    path = tmp_path / "ledger.sqlite"
    chain = _chain(path, tree_save_keys=1 << 30)
    _blocks(chain, 0, 4)
    reader = SqliteStore(path)
    assert reader.chain_meta() == chain.store.chain_meta()
    assert reader.tree.root_hash() == chain.state_root
    assert reader.tree.unsaved_nodes > 0
    _blocks(chain, 4, 3)  # the node goes on meanwhile
    noted = _unsaved_heights(chain.store)
    rows = _tree_rows(path)
    reader.close()
    assert _unsaved_heights(chain.store) == noted
    assert _tree_rows(path) == rows
    root = chain.state_root
    store = _reopened(chain, path)  # and the node's own crash replays as before
    assert store.tree.root_hash() == root
    store.close()
