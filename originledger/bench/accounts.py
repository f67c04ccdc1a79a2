"""The benchmarks' accounts and load: keys derived from their index, a genesis that funds
them, and transfers between them signed in parallel before the clock starts."""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import msgspec

from originledger.core.address import account_address
from originledger.core.amounts import Amount
from originledger.core.codec import decode, encode
from originledger.core.crypto import SigningKey, sha256
from originledger.core.tx import SignedTx, TxBody, build_signed, signing_digest
from originledger.genesis import GenesisBuilder, check_document
from originledger.modules.assets.types import Transfer

__all__ = [
    "CHAIN_ID",
    "SYMBOL",
    "bench_public_keys",
    "fund_accounts",
    "seed",
    "sign_transfers",
    "tx_hash_of",
    "write_funded_genesis",
]

SYMBOL = "BENCH"
CHAIN_ID = "origin-bench"


def seed(index: int) -> bytes:
    """The seed of benchmark account ``index``."""
    return hashlib.sha256(b"origin-bench-account-" + index.to_bytes(8, "big")).digest()


def _public_keys(start: int, stop: int) -> list[bytes]:
    return [SigningKey(seed(i)).public_key for i in range(start, stop)]


def _public_keys_range(bounds: tuple[int, int]) -> list[bytes]:
    return _public_keys(*bounds)


def _sign_range(arguments: tuple[int, int, int, int, list[bytes]]) -> list[bytes]:
    start, stop, accounts, expires_at_ms, public_keys = arguments
    raws = []
    keys: dict[int, SigningKey] = {}
    for k in range(start, stop):
        sender = k % accounts
        recipient = (sender + 1 + (k * 7919) % (accounts - 1)) % accounts
        key = keys.get(sender) or keys.setdefault(sender, SigningKey(seed(sender)))
        message = Transfer(
            account_address(public_keys[sender]),
            account_address(public_keys[recipient]),
            SYMBOL,
            Amount(1),
        )
        body = encode(
            TxBody(
                CHAIN_ID,
                k,
                expires_at_ms,
                [public_keys[sender]],
                [msgspec.Raw(encode(message))],
                "",
            )
        )
        raws.append(build_signed(body, [key.sign(signing_digest(body))]))
    return raws


def _parallel(function: Any, ranges: list[Any]) -> list[Any]:
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(function, ranges))


def _chunks(total: int, parts: int) -> list[tuple[int, int]]:
    size = -(-total // parts)
    return [(start, min(total, start + size)) for start in range(0, total, size)]


def bench_public_keys(accounts: int) -> list[bytes]:
    """The public keys of benchmark accounts ``0 .. accounts-1`` (seeds are derivable)."""
    public_keys: list[bytes] = []
    for part in _parallel(_public_keys_range, _chunks(accounts, os.cpu_count() or 1)):
        public_keys.extend(part)
    return public_keys


def fund_accounts(
    genesis: GenesisBuilder,
    public_keys: list[bytes],
    amount: int = 10**12,
    *,
    register: bool = True,
) -> GenesisBuilder:
    """Give every benchmark account ``amount`` of the token ``BENCH`` (issued by account 0)
    in ``genesis``; with ``register``, list each account with its public key."""
    addresses = [account_address(key) for key in public_keys]
    if register:
        # Registered accounts, as on a permissioned chain: the mempool's default admission
        # ("quota") gives each the per-signer quota (docs/operations.md).
        for address, key in zip(addresses, public_keys, strict=True):
            genesis.account(address, public_key=key)
    genesis.asset(
        SYMBOL,
        name="Benchmark token",
        decimals=0,
        asset_class="utility",
        issuer=addresses[0],
        max_supply=amount * len(public_keys),
    )
    for address in addresses:
        genesis.balance(address, SYMBOL, amount)
    return genesis


def write_funded_genesis(home: Path, public_keys: list[bytes], amount: int = 10**12) -> None:
    """Give every benchmark account ``amount`` of the token ``BENCH`` in ``home``'s genesis
    (its module sections replaced; chain id, validators and versions kept)."""
    genesis = json.loads((home / "genesis.json").read_text())
    funded = fund_accounts(
        GenesisBuilder(genesis["chain_id"], genesis_time_ms=genesis["genesis_time_ms"]),
        public_keys,
        amount,
    )
    genesis["app_state"] = funded.app_state()
    check_document(genesis)
    (home / "genesis.json").write_text(json.dumps(genesis))


def sign_transfers(
    public_keys: list[bytes], first: int, count: int, expires_at_ms: int
) -> list[bytes]:
    """Signed transfers number ``first .. first+count-1`` of 1 BENCH each, in parallel."""
    ranges = [
        (first + a, first + b, len(public_keys), expires_at_ms, public_keys)
        for a, b in _chunks(count, 4 * (os.cpu_count() or 1))
    ]
    raws: list[bytes] = []
    for part in _parallel(_sign_range, ranges):
        raws.extend(part)
    return raws


def tx_hash_of(raw: bytes) -> bytes:
    return sha256(decode(raw, SignedTx).body)
