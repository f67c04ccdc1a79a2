"""Replay a simulator's blocks in this interpreter and print their header hashes (JSON).

``python -m originledger.testing.replay FILE``: the engine runs this under several
``PYTHONHASHSEED`` values; ``FILE`` is MessagePack ``{genesis, blocks: [[time_ms, [raw tx,
...]], ...], extra: [module paths]}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import msgspec

from originledger.testing.engine import registry_for, replay_chain


def main(argv: list[str]) -> int:
    document = msgspec.msgpack.decode(Path(argv[0]).read_bytes())
    registry = registry_for(document["extra"])
    raws = [(time_ms, txs) for time_ms, txs in document["blocks"]]
    hashes, roots = replay_chain(document["genesis"], raws, registry)
    json.dump({"hashes": hashes, "roots": roots}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
