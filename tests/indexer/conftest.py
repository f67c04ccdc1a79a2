"""Fixtures for the indexer tests: a node with a random workload, and a throwaway
PostgreSQL server from Debian's package (installed with apt-get when missing)."""

from __future__ import annotations

import glob
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from originledger.core.amounts import Amount
from originledger.core.crypto import SigningKey
from originledger.genesis import GenesisBuilder
from originledger.indexer import schema
from originledger.modules.assets import client_hold_id
from originledger.modules.assets.types import (
    Burn,
    Clawback,
    Freeze,
    Mint,
    PlaceHold,
    PostHold,
    Transfer,
    VoidHold,
)
from originledger.node.embedded import EmbeddedNode, NodeSettings
from originledger.sdk import Key, TxBuilder
from originledger.store.sqlite import SqliteStore
from tests.debian import apt_install

CHAIN = "indexer-test"
VALIDATOR = SigningKey(bytes(range(2, 34)))
ISSUER = Key(SigningKey(b"\x0c" * 32), "issuer")
HOLDERS = [Key(SigningKey(bytes([index + 1]) * 32), f"holder{index}") for index in range(6)]
SYMBOLS = ("USDX", "GLD")


def genesis_bytes() -> bytes:
    genesis = (
        GenesisBuilder(CHAIN, genesis_time_ms=1_000)
        .validator(VALIDATOR.public_key)
        .account(ISSUER.address, roles=["admin", "issuer"])
    )
    for symbol in SYMBOLS:
        genesis.asset(
            symbol,
            name=symbol,
            decimals=2,
            asset_class="payment",
            issuer=ISSUER.address,
            max_supply=10**30,
        )
    for i, key in enumerate([ISSUER, *HOLDERS[:3]]):
        for symbol in SYMBOLS:
            genesis.balance(key.address, symbol, 100_000 * (i + 1))
    return genesis.build()


def new_node(path: Path | None = None) -> EmbeddedNode:
    store = SqliteStore(path)
    return EmbeddedNode(store, genesis_bytes(), VALIDATOR, NodeSettings(block_interval_ms=10))


class Workload:
    """Random transfers, mints, burns, holds (placed, posted, voided, expiring), freezes
    and clawbacks; some of them fail (too large, frozen), as real traffic does."""

    def __init__(self, node: EmbeddedNode, seed: int) -> None:
        self.node = node
        self.rng = random.Random(seed)
        self.builder = TxBuilder(CHAIN)
        self.open_holds: list[tuple[bytes, Key, str, int]] = []

    def _message(self) -> tuple[Any, Key]:
        rng = self.rng
        symbol = rng.choice(SYMBOLS)
        holder = rng.choice(HOLDERS)
        other = rng.choice([k for k in HOLDERS if k is not holder])
        amount = Amount(rng.randint(1, 60_000))
        roll = rng.random()
        if roll < 0.45:
            return Transfer(holder.address, other.address, symbol, amount), holder
        if roll < 0.55:
            return Mint(ISSUER.address, symbol, holder.address, amount), ISSUER
        if roll < 0.60:
            return Burn(ISSUER.address, symbol, Amount(rng.randint(1, 5_000))), ISSUER
        if roll < 0.72:
            hold_id = rng.randbytes(32)
            expires = time.time_ns() // 1_000_000 + rng.choice((30, 3_600_000))
            stored = client_hold_id(holder.address, hold_id)  # the payer's namespace
            self.open_holds.append((stored, other, symbol, int(amount)))
            message = PlaceHold(holder.address, other.address, symbol, amount, expires, hold_id)
            return message, holder
        if roll < 0.84 and self.open_holds:
            hold_id, payee, _, held = self.open_holds.pop(rng.randrange(len(self.open_holds)))
            if rng.random() < 0.6:
                return PostHold(payee.address, hold_id, Amount(rng.randint(0, held))), payee
            return VoidHold(payee.address, hold_id), payee
        if roll < 0.92:
            frozen = rng.random() < 0.3
            partial = Amount(0 if frozen else rng.randint(0, 2_000))
            return Freeze(ISSUER.address, symbol, holder.address, frozen, False, partial), ISSUER
        return Clawback(ISSUER.address, symbol, holder.address, Amount(rng.randint(1, 500))), ISSUER

    def run(self, blocks: int, txs_per_block: int = 6) -> None:
        for _ in range(blocks):
            raws = []
            for _ in range(txs_per_block):
                message, signer = self._message()
                raws.append(self.builder.build([message], [signer]).raw)
            self.node.submit(raws)
            self.node.produce_block()
            time.sleep(0.005)  # lets short holds expire in later blocks


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every index table, in primary-key order (to compare two indexes)."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in schema.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            rows = connection.execute(select(table).order_by(*order)).all()
            tables[table.name] = [tuple(row) for row in rows]
    return tables


# -- PostgreSQL ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _install_postgres() -> str | None:
    """Why PostgreSQL cannot be had, or None once its binaries are there."""
    return apt_install("postgresql", lambda: _postgres_bin() is not None)


class PostgresServer:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="origin-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.sockets.mkdir()
        self.port = _free_port()
        # runuser is in /usr/sbin, which a root shell's PATH may lack (`su` without `-`).
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        self.as_postgres = [runuser, "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sockets, "postgres")
        self._databases = 0

    def start(self) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.bin_dir / "initdb"), "-D", str(self.data),
             "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        options = f"-k {self.sockets} -p {self.port} -h 127.0.0.1 -c fsync=off"
        subprocess.run(
            [*self.as_postgres, str(self.bin_dir / "pg_ctl"), "-D", str(self.data),
             "-o", options, "-l", str(self.root / "server.log"), "-w", "start"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.bin_dir / "pg_ctl"), "-D", str(self.data),
             "-m", "immediate", "-w", "stop"],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    def new_database(self) -> str:
        import psycopg

        self._databases += 1
        name = f"index_{self._databases}"
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    problem = _install_postgres()
    if problem is not None:
        pytest.fail(f"PostgreSQL cannot be installed: {problem}")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("psycopg is missing (pip install -e '.[test]')")
    bin_dir = _postgres_bin()
    assert bin_dir is not None
    server = PostgresServer(bin_dir)
    server.start()
    yield server
    server.stop()
