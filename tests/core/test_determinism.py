"""Determinism: the same blocks give the same headers and state roots in any process.

The blocks are built once, here, and replayed by ``tests/core/determinism_replay.py`` in
three fresh interpreters under different ``PYTHONHASHSEED`` values (so that any iteration
over a set or a str-keyed hash order would show), and once in this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.core.determinism_replay import build_blocks, encode_blocks, replay

REPOSITORY = Path(__file__).resolve().parents[2]
HASH_SEEDS = ("0", "1", "2718281828")


def test_replay_same_blocks_same_hashes_across_hash_seeds(tmp_path: Path) -> None:
    blocks = build_blocks()
    blocks_file = tmp_path / "blocks.msgpack"
    blocks_file.write_bytes(encode_blocks(blocks))
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.core.determinism_replay", str(blocks_file)],
            cwd=REPOSITORY,
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for seed in HASH_SEEDS
    ]
    answers = []
    for seed, process in zip(HASH_SEEDS, processes, strict=True):
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, f"PYTHONHASHSEED={seed}: {stderr.decode()}"
        answers.append(json.loads(stdout))

    here = replay(blocks)
    for seed, answer in zip(HASH_SEEDS, answers, strict=True):
        assert answer["genesis_app_hash"] == here["genesis_app_hash"], seed
        for height, (theirs, ours) in enumerate(
            zip(answer["blocks"], here["blocks"], strict=True), start=1
        ):
            assert theirs == ours, f"PYTHONHASHSEED={seed}, block {height}"

    # The blocks must have done something worth comparing: successes and failures of
    # several kinds, and a new state root after every non-empty block.
    codes = [tuple(code) for block in here["blocks"] for code in block["codes"]]
    assert codes.count(("tx", 0)) >= 30
    expected_failures = {
        ("tx", 2),
        ("tx", 13),
        ("tx", 16),
        ("assets", 10),
        ("assets", 13),
        ("assets", 15),
    }
    assert expected_failures <= set(codes)
    roots = [here["genesis_app_hash"]] + [block["state_root"] for block in here["blocks"]]
    for height, (time_ms_and_raws, before, after) in enumerate(
        zip(blocks, roots, roots[1:], strict=False), start=1
    ):
        assert (before != after) == bool(time_ms_and_raws[1]), f"block {height}"
