"""Replay a fixed list of blocks on a fresh in-memory chain and print what they produced.

``tests/core/test_determinism.py`` runs this module in subprocesses under different
``PYTHONHASHSEED`` values::

    python -m tests.core.determinism_replay BLOCKS_FILE

``BLOCKS_FILE`` holds ``[[time_ms, [raw tx, ...]], ...]`` in MessagePack; the output is one
JSON object: the genesis app hash, and for every block its header hash, state root,
results root and the result code of each transaction (all hex or integers).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import msgspec

from originledger.core.amounts import Amount
from originledger.core.block import header_hash
from originledger.core.tx import Msg
from originledger.modules.accounts.types import CreateAccount, GrantRole, RevokeRole
from originledger.modules.assets.types import Burn, Issue, Mint, Transfer
from tests.conftest import (
    ADMIN,
    BLOCK_STEP_MS,
    GENESIS_TIME_MS,
    ISSUER,
    TX_LIFETIME_MS,
    Chain,
    Party,
    party,
    sign_tx,
)

Blocks = list[tuple[int, list[bytes]]]
USERS = [party(f"user-{index}") for index in range(12)]


def build_blocks() -> Blocks:
    """Six blocks over twelve users: roles, issues, mints, transfers (some failing),
    garbage, an expired transaction, burns, revocations, an empty block."""
    client_ids = iter(range(1, 10_000))
    blocks: Blocks = []

    def tx(time_ms: int, messages: list[Msg], signers: list[Party], **options: Any) -> bytes:
        options.setdefault("expires_at_ms", time_ms + TX_LIFETIME_MS)
        return sign_tx(messages, [s.key for s in signers], client_id=next(client_ids), **options)

    def at(block: int) -> int:
        return GENESIS_TIME_MS + block * BLOCK_STEP_MS

    # 1: roles and assets.
    time_ms = at(1)
    roles: list[Msg] = [GrantRole(ADMIN.address, user.address, "issuer") for user in USERS[:4]]
    roles.append(GrantRole(ADMIN.address, USERS[4].address, "custodian"))
    txs = [tx(time_ms, roles, [ADMIN])]
    txs.append(
        tx(
            time_ms,
            [Issue(ISSUER.address, "USD", "US dollar", 2, "utility", Amount(10**15))],
            [ISSUER],
        )
    )
    for index, user in enumerate(USERS[:6]):
        symbol = f"TK{index}"
        asset_class = "reserve" if index < 4 else "utility"
        txs.append(
            tx(
                time_ms,
                [
                    Issue(
                        user.address,
                        symbol,
                        f"token {index}",
                        index,
                        asset_class,
                        Amount(10**6 * (index + 1)),
                    )
                ],
                [user],
            )
        )
    blocks.append((time_ms, txs))

    # 2: mints to everybody.
    time_ms = at(2)
    mints: list[Msg] = [
        Mint(ISSUER.address, "USD", user.address, Amount(1_000 * (index + 1)))
        for index, user in enumerate(USERS)
    ]
    txs = [tx(time_ms, mints, [ISSUER])]
    for index, user in enumerate(USERS[:6]):
        txs.append(
            tx(
                time_ms,
                [Mint(user.address, f"TK{index}", USERS[-1 - index].address, Amount(10**5))],
                [user],
            )
        )
    blocks.append((time_ms, txs))

    # 3: a ring of transfers, failures of every kind, garbage.
    time_ms = at(3)
    txs = []
    for index, user in enumerate(USERS):
        recipient = USERS[(index + 1) % len(USERS)]
        txs.append(
            tx(
                time_ms,
                [Transfer(user.address, recipient.address, "USD", Amount(500 + 137 * index))],
                [user],
            )
        )
    txs.append(
        tx(
            time_ms,
            [Transfer(USERS[0].address, USERS[1].address, "USD", Amount(10**9))],
            [USERS[0]],
        )
    )
    txs.append(
        tx(
            time_ms,
            [
                Transfer(USERS[2].address, USERS[3].address, "USD", Amount(1)),
                Transfer(USERS[2].address, USERS[3].address, "NOPE", Amount(1)),
            ],
            [USERS[2]],
        )
    )
    txs.append(b"\x82garbage")
    txs.append(
        tx(
            time_ms,
            [Transfer(USERS[5].address, USERS[6].address, "USD", Amount(1))],
            [USERS[5]],
            expires_at_ms=time_ms,
        )
    )
    txs.append(
        tx(time_ms, [Mint(USERS[7].address, "USD", USERS[7].address, Amount(1))], [USERS[7]])
    )
    txs.append(
        tx(time_ms, [Transfer(USERS[7].address, USERS[8].address, "USD", Amount(1))], [USERS[8]])
    )
    blocks.append((time_ms, txs))

    # 4: burns, revocations, new accounts.
    time_ms = at(4)
    txs = [
        tx(time_ms, [Burn(USERS[0].address, "TK0", Amount(1))], [USERS[0]]),
        tx(
            time_ms,
            [
                Mint(USERS[0].address, "TK0", USERS[0].address, Amount(50)),
                Burn(USERS[0].address, "TK0", Amount(20)),
            ],
            [USERS[0]],
        ),
        tx(
            time_ms,
            [
                RevokeRole(ADMIN.address, USERS[1].address, "issuer"),
                GrantRole(ADMIN.address, USERS[9].address, "admin"),
            ],
            [ADMIN],
        ),
        tx(time_ms, [RevokeRole(USERS[9].address, ADMIN.address, "admin")], [USERS[9]]),
        tx(
            time_ms,
            [CreateAccount(party("late").address, party("late").key.public_key)],
            [USERS[10]],
        ),
    ]
    blocks.append((time_ms, txs))

    # 5: empty.
    blocks.append((at(5), []))

    # 6: balances emptied to zero and moved around.
    time_ms = at(6)
    txs = [
        tx(time_ms, [Transfer(user.address, USERS[0].address, f"TK{index}", Amount(10**5))], [user])
        for index, user in enumerate(reversed(USERS[6:]))
    ]
    blocks.append((time_ms, txs))
    return blocks


def replay(blocks: Blocks) -> dict[str, Any]:
    chain = Chain()
    try:
        produced = []
        for time_ms, raws in blocks:
            outcome = chain.block(raws, time_ms=time_ms)
            produced.append(
                {
                    "header_hash": header_hash(outcome.header).hex(),
                    "state_root": outcome.header.state_root.hex(),
                    "results_root": outcome.header.results_root.hex(),
                    "codes": [[tx.result.codespace, tx.result.code] for tx in outcome.txs],
                }
            )
        return {"genesis_app_hash": chain.genesis_app_hash.hex(), "blocks": produced}
    finally:
        chain.store.close()


def encode_blocks(blocks: Blocks) -> bytes:
    return msgspec.msgpack.encode([[time_ms, raws] for time_ms, raws in blocks])


def decode_blocks(raw: bytes) -> Blocks:
    return [
        (time_ms, list(raws))
        for time_ms, raws in msgspec.msgpack.decode(raw, type=list[tuple[int, list[bytes]]])
    ]


def main(argv: list[str]) -> int:
    with open(argv[1], "rb") as blocks_file:
        blocks = decode_blocks(blocks_file.read())
    json.dump(replay(blocks), sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
