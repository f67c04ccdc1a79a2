"""The state tree: canonical roots, copy-on-write updates, persistence, proofs."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from originledger.core.state_proof import verify_state_proof
from originledger.store.tree import StateTree, StateTreeError

# Keys whose hashes share their first 9 nibbles, and three sharing their first 6.
DEEP_PAIR = (b"k284421", b"k252162")
DEEP_TRIPLE = (b"k264653", b"k270414", b"k9244")

fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

keys = st.sampled_from([b"k%d" % index for index in range(48)] + list(DEEP_PAIR + DEEP_TRIPLE))
values = st.binary(min_size=0, max_size=3)
batches = st.lists(st.dictionaries(keys, st.none() | values, max_size=12), max_size=8)
states = st.dictionaries(keys, values, max_size=40)


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def reference_root(state: dict[bytes, bytes]) -> bytes:
    """The root computed from scratch by the definition, recursively."""
    leaves = sorted((_sha256(key), _sha256(value)) for key, value in state.items())

    def nibble(hashed: bytes, depth: int) -> int:
        return (hashed[depth // 2] >> (0 if depth % 2 else 4)) & 0x0F

    def node(group: list[tuple[bytes, bytes]], depth: int) -> bytes:
        bitmap = 0
        slot_hashes = []
        for slot in range(16):
            members = [leaf for leaf in group if nibble(leaf[0], depth) == slot]
            if not members:
                continue
            bitmap |= 1 << slot
            if len(members) == 1:
                slot_hashes.append(_sha256(b"\x00" + members[0][0] + members[0][1]))
            else:
                slot_hashes.append(node(members, depth + 1))
        return _sha256(b"\x01" + bitmap.to_bytes(2, "big") + b"".join(slot_hashes))

    return node(leaves, 0)


def _connect(path: Path | str = ":memory:") -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _commit(
    connection: sqlite3.Connection, tree: StateTree, writes: dict, *, save: bool = True
) -> None:
    update = tree.prepare(writes)
    connection.execute("BEGIN")
    tree.apply(update)
    if save:
        tree.save()
    connection.execute("COMMIT")


def _rows(connection: sqlite3.Connection) -> list[tuple[bytes, bytes]]:
    return connection.execute("SELECT path, node FROM tree_nodes ORDER BY path").fetchall()


def _apply_batches(
    batches: list[dict[bytes, bytes | None]], cache_nodes_max: int = 200_000
) -> Iterator[tuple[sqlite3.Connection, StateTree, dict[bytes, bytes]]]:
    connection = _connect()
    tree = StateTree(connection, cache_nodes_max=cache_nodes_max)
    state: dict[bytes, bytes] = {}
    for number, batch in enumerate(batches):
        # Saved every other batch: between saves, updates build on unsaved nodes (some
        # evicted from a small cache, and so found among the unsaved ones).
        _commit(connection, tree, batch, save=number % 2 == 1)
        for key, value in batch.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        yield connection, tree, state


def test_root_hash_empty_tree() -> None:
    tree = StateTree(_connect())
    assert tree.root_hash() == _sha256(b"\x01\x00\x00")
    assert tree.root_hash() == reference_root({})


@fast
@given(states)
def test_prepare_matches_reference(state: dict[bytes, bytes]) -> None:
    connection = _connect()
    tree = StateTree(connection)
    update = tree.prepare(state)
    assert update.root_hash == reference_root(state)
    _commit(connection, tree, state)
    assert tree.root_hash() == reference_root(state)


@fast
@given(batches)
def test_prepare_independent_of_history(batches: list[dict[bytes, bytes | None]]) -> None:
    for connection, tree, state in _apply_batches(batches):
        assert tree.root_hash() == reference_root(state)
        # The same state written in one batch to a new tree: same root, the very same rows
        # (but for the root's, which an empty new tree does not write).
        fresh_connection = _connect()
        fresh = StateTree(fresh_connection)
        _commit(fresh_connection, fresh, dict(state))
        assert fresh.root_hash() == tree.root_hash()
        connection.execute("BEGIN")
        tree.save()
        connection.execute("COMMIT")
        assert _rows(fresh_connection)[1:] == _rows(connection)[1:]


@fast
@given(batches)
def test_prepare_small_cache_matches_reference(batches: list[dict[bytes, bytes | None]]) -> None:
    for _connection, tree, state in _apply_batches(batches, cache_nodes_max=2):
        assert tree.root_hash() == reference_root(state)


def test_prepare_leaves_committed_tree_untouched() -> None:
    connection = _connect()
    tree = StateTree(connection)
    state = {b"k%d" % index: b"v" for index in range(100)}
    _commit(connection, tree, state)
    root, rows = tree.root_hash(), _rows(connection)
    update = tree.prepare({b"k1": None, b"k2": b"w", b"new": b"x", **dict.fromkeys(DEEP_PAIR, b"")})
    assert update.root_hash != root
    assert tree.root_hash() == root
    assert _rows(connection) == rows
    assert verify_state_proof(root, tree.prove(b"k1", b"v"))
    assert verify_state_proof(root, tree.prove(b"new", None))


def test_prepare_twice_applies_last_only() -> None:
    connection = _connect()
    tree = StateTree(connection)
    _commit(connection, tree, {b"a": b"1", b"b": b"2"})
    tree.prepare({b"a": None, b"c": b"3"})
    last = tree.prepare({b"b": b"9"})
    connection.execute("BEGIN")
    tree.apply(last)
    connection.execute("COMMIT")
    assert tree.root_hash() == reference_root({b"a": b"1", b"b": b"9"})


def test_prepare_delete_absent_key_is_noop() -> None:
    connection = _connect()
    tree = StateTree(connection)
    _commit(connection, tree, {b"a": b"1", DEEP_PAIR[0]: b"2"})
    root = tree.root_hash()
    update = tree.prepare({b"absent": None, DEEP_PAIR[1]: None})
    assert update.root_hash == root
    assert "nodes_written=0" in repr(update)
    assert tree.prepare({b"a": b"1"}).root_hash == root


def test_prepare_empty_tree_deletes_only() -> None:
    tree = StateTree(_connect())
    assert tree.prepare({b"a": None, b"b": None}).root_hash == reference_root({})


def test_delete_collapses_chain_of_nodes() -> None:
    connection = _connect()
    tree = StateTree(connection)
    _commit(connection, tree, {DEEP_PAIR[0]: b"x", DEEP_PAIR[1]: b"y"})
    # The root and a node at each of depths 1 to 9 (the shared nibbles).
    assert len(_rows(connection)) == 10
    assert tree.root_hash() == reference_root({DEEP_PAIR[0]: b"x", DEEP_PAIR[1]: b"y"})
    _commit(connection, tree, {DEEP_PAIR[1]: None})
    assert [path for path, _ in _rows(connection)] == [b"\x00"]
    assert tree.root_hash() == reference_root({DEEP_PAIR[0]: b"x"})


def test_delete_keeps_node_with_single_child_node() -> None:
    connection = _connect()
    tree = StateTree(connection)
    state = dict.fromkeys(DEEP_TRIPLE, b"v")
    _commit(connection, tree, state)
    _commit(connection, tree, {DEEP_TRIPLE[0]: None})
    del state[DEEP_TRIPLE[0]]
    assert tree.root_hash() == reference_root(state)


def test_apply_stale_update_raises() -> None:
    connection = _connect()
    tree = StateTree(connection)
    first = tree.prepare({b"a": b"1"})
    second = tree.prepare({b"b": b"2"})
    connection.execute("BEGIN")
    tree.apply(first)
    with pytest.raises(StateTreeError):
        tree.apply(second)
    connection.execute("COMMIT")
    assert tree.root_hash() == reference_root({b"a": b"1"})


def test_apply_writes_nothing_and_save_writes_inside_caller_transaction(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    connection = _connect(path)
    tree = StateTree(connection)
    tree.apply(tree.prepare({b"a": b"1"}))
    assert not connection.in_transaction
    assert tree.unsaved_nodes == 1
    connection.execute("BEGIN")
    tree.save()
    assert tree.unsaved_nodes == 0
    assert connection.in_transaction
    other = _connect(path)
    assert other.execute("SELECT count(*) FROM tree_nodes").fetchone() == (0,)
    connection.execute("COMMIT")
    assert other.execute("SELECT count(*) FROM tree_nodes").fetchone() == (1,)


def test_apply_rollback_then_discard_cache_restores_old_tree() -> None:
    connection = _connect()
    tree = StateTree(connection, cache_nodes_max=3)
    state = {b"k%d" % index: b"v" for index in range(60)}
    _commit(connection, tree, state)
    old_root = tree.root_hash()
    connection.execute("BEGIN")
    tree.apply(tree.prepare({b"k1": None, b"k2": b"w", **dict.fromkeys(DEEP_TRIPLE, b"z")}))
    tree.save()
    assert tree.root_hash() != old_root
    connection.execute("ROLLBACK")
    tree.discard_cache()
    assert tree.root_hash() == old_root
    for key in (b"k1", b"k2", DEEP_TRIPLE[0]):
        assert verify_state_proof(old_root, tree.prove(key, state.get(key)))
    _commit(connection, tree, {b"k3": None})
    del state[b"k3"]
    assert tree.root_hash() == reference_root(state)


def test_unsaved_nodes_are_the_tree_until_saved_and_lost_if_not(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    connection = _connect(path)
    tree = StateTree(connection, cache_nodes_max=2)
    state = {b"k%d" % index: b"%d" % index for index in range(300)}
    state.update(dict.fromkeys(DEEP_PAIR + DEEP_TRIPLE, b"deep"))
    _commit(connection, tree, state)
    saved_root = tree.root_hash()
    saved_rows = _rows(connection)
    # Three updates without a save: each builds on the unsaved nodes of the one before,
    # though most of them were evicted from a cache of two.
    for round_ in range(3):
        writes: dict[bytes, bytes | None] = {
            b"k%d" % i: b"r%d" % round_ for i in range(round_, 300, 7)
        }
        writes[DEEP_TRIPLE[round_]] = None
        _commit(connection, tree, writes, save=False)
        for key, value in writes.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        assert tree.root_hash() == reference_root(state)
    assert _rows(connection) == saved_rows  # nothing written yet
    assert tree.unsaved_nodes > 0
    for key in [*state, *DEEP_TRIPLE]:
        assert verify_state_proof(tree.root_hash(), tree.prove(key, state.get(key)))
    # Reopened without a save, the tree is the saved one; after a save, the new one, with
    # the same rows as the same state written at once into an empty tree.
    assert StateTree(_connect(path)).root_hash() == saved_root
    connection.execute("BEGIN")
    tree.save()
    connection.execute("COMMIT")
    assert StateTree(_connect(path)).root_hash() == reference_root(state)
    fresh_connection = _connect()
    _commit(fresh_connection, StateTree(fresh_connection), state)
    assert _rows(connection) == _rows(fresh_connection)


def test_reopen_has_same_root_and_proofs(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    connection = _connect(path)
    tree = StateTree(connection)
    state = {b"k%d" % index: b"%d" % index for index in range(200)}
    state.update(dict.fromkeys(DEEP_PAIR + DEEP_TRIPLE, b"deep"))
    _commit(connection, tree, state)
    _commit(connection, tree, {b"k7": None, b"k8": b"eight"})
    state.pop(b"k7")
    state[b"k8"] = b"eight"
    connection.close()
    reopened = StateTree(_connect(path))
    root = reopened.root_hash()
    assert root == reference_root(state)
    for key in [*state, b"k7", b"absent"]:
        assert verify_state_proof(root, reopened.prove(key, state.get(key)))


@fast
@given(states, st.lists(keys, max_size=10))
def test_prove_membership_and_non_membership(
    state: dict[bytes, bytes], probes: list[bytes]
) -> None:
    connection = _connect()
    tree = StateTree(connection)
    _commit(connection, tree, state)
    root = tree.root_hash()
    for key in [*state, *probes, b"never-written"]:
        value = state.get(key)
        proof = tree.prove(key, value)
        assert verify_state_proof(root, proof)
        if value is not None:
            assert not verify_state_proof(root, replace(proof, value=value + b"!"))
            assert not verify_state_proof(root, replace(proof, value=None))
            assert not verify_state_proof(root, replace(proof, key=key + b"!"))
        else:
            assert not verify_state_proof(root, replace(proof, value=b""))


def test_prove_value_disagreeing_with_tree_raises() -> None:
    connection = _connect()
    tree = StateTree(connection)
    _commit(connection, tree, {b"a": b"1", DEEP_PAIR[0]: b"2"})
    with pytest.raises(ValueError):
        tree.prove(b"a", b"2")
    with pytest.raises(ValueError):
        tree.prove(b"a", None)
    with pytest.raises(ValueError):
        tree.prove(b"absent", b"1")
    with pytest.raises(ValueError):
        tree.prove(DEEP_PAIR[1], b"2")


def test_invalid_corrupt_node_detected() -> None:
    connection = _connect()
    tree = StateTree(connection)
    _commit(connection, tree, {key: b"v" for key in DEEP_PAIR})
    path, node = _rows(connection)[-1]
    connection.execute(
        "UPDATE tree_nodes SET node = ? WHERE path = ?", (node[:-1] + bytes([node[-1] ^ 1]), path)
    )
    reopened = StateTree(connection)
    with pytest.raises(StateTreeError):
        reopened.prove(DEEP_PAIR[0], b"v")


def test_invalid_malformed_node_detected() -> None:
    connection = _connect()
    tree = StateTree(connection)
    _commit(connection, tree, {key: b"v" for key in DEEP_PAIR})
    path, node = _rows(connection)[-1]
    connection.execute("UPDATE tree_nodes SET node = ? WHERE path = ?", (node[:-1], path))
    with pytest.raises(StateTreeError):
        StateTree(connection).prepare({DEEP_PAIR[0]: b"w"})


def test_invalid_missing_node_detected() -> None:
    connection = _connect()
    tree = StateTree(connection)
    _commit(connection, tree, {key: b"v" for key in DEEP_PAIR})
    connection.execute("DELETE FROM tree_nodes WHERE path != ?", (b"\x00",))
    with pytest.raises(StateTreeError):
        StateTree(connection).prove(DEEP_PAIR[0], b"v")


def test_invalid_cache_nodes_max() -> None:
    with pytest.raises(ValueError):
        StateTree(_connect(), cache_nodes_max=0)
