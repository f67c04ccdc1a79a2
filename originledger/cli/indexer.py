"""``origin indexer``: run a standalone indexer over a node's API (into SQLite or
PostgreSQL), rebuild an index from genesis, or say how far an index has come.

A node already indexes itself into ``HOME/data/index.sqlite``; these commands are for an
index elsewhere (``--db postgresql://user@host/db``) or for repairs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from originledger.cli.common import (
    DEFAULT_HOME,
    CliError,
    HomeOption,
    JsonOption,
    NodeOption,
    OriginTyper,
    Output,
    home_path,
    node_url,
)
from originledger.cli.exit_codes import ExitCode

__all__ = ["indexer_app"]

indexer_app = OriginTyper(
    help="Index a node's ledger into SQLite or PostgreSQL (search, history, holders, volumes)."
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ORIGIN_INDEX_DB",
        show_default="sqlite:///HOME/data/index.sqlite",
        help="The index database: sqlite:///PATH or postgresql://USER@HOST:PORT/DB.",
    ),
]


def _db_url(db: str | None, home: Path) -> str:
    return db or f"sqlite:///{home_path(home) / 'data' / 'index.sqlite'}"


def _open(db_url: str, source: object) -> object:
    from originledger.indexer import Indexer, open_engine

    try:
        return Indexer(open_engine(db_url), source)  # type: ignore[arg-type]
    except Exception as error:  # a bad URL or a missing driver
        raise CliError(ExitCode.SETUP_ERROR, "index_db_error", f"{db_url}: {error}") from error


@indexer_app.command("run")
def run(
    home: HomeOption = DEFAULT_HOME,
    node: NodeOption = None,
    db: DbOption = None,
    once: Annotated[bool, typer.Option("--once", help="Catch up, then exit.")] = False,
    poll_ms: Annotated[
        int, typer.Option("--poll-ms", min=50, help="How often to ask the node for new blocks.")
    ] = 500,
    json_output: JsonOption = False,
) -> None:
    """Follow a node over HTTP and index every committed block, resuming from the cursor."""
    from originledger.indexer import HttpSource, IndexerError, SourceError

    out = Output(json_output)
    url = node_url(home, node)
    db_url = _db_url(db, home)
    source = HttpSource(url)
    indexer = _open(db_url, source)
    total = 0
    try:
        while True:
            done = indexer.catch_up(blocks_max=500)  # type: ignore[attr-defined]
            total += done
            if done:
                out.say(f"indexed up to block {indexer.height()}")  # type: ignore[attr-defined]
            elif once:
                break
            else:
                time.sleep(poll_ms / 1000)
    except SourceError as error:
        raise CliError(ExitCode.NODE_ERROR, "node_unreachable", str(error)) from error
    except IndexerError as error:
        raise CliError(ExitCode.SETUP_ERROR, "index_mismatch", str(error)) from error
    except KeyboardInterrupt:
        pass
    height = indexer.height()  # type: ignore[attr-defined]
    out.result(
        {"node": url, "db": _hide_password(db_url), "indexed_blocks": total, "height": height},
        f"[green]✔[/] index at block {height} ({total} blocks indexed now)",
    )


@indexer_app.command("rebuild")
def rebuild(
    home: HomeOption = DEFAULT_HOME,
    node: Annotated[
        str | None,
        typer.Option(
            "--node", help="Read the blocks from this node's API instead of HOME's ledger."
        ),
    ] = None,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """Drop the index's tables and index again from genesis.

    Without --node it reads HOME's ledger directly: stop the node first (its own indexer
    writes the same database)."""
    from originledger.app import default_registry
    from originledger.indexer import HttpSource, IndexerError, SourceError, StoreSource
    from originledger.store.sqlite import SqliteStore

    out = Output(json_output)
    db_url = _db_url(db, home)
    store = None
    if node:
        source: object = HttpSource(node)
    else:
        ledger = home_path(home) / "data" / "ledger.sqlite"
        if not ledger.exists():
            raise CliError(ExitCode.SETUP_ERROR, "no_ledger", f"{ledger} does not exist")
        store = SqliteStore(ledger)
        source = StoreSource(store, default_registry())
    try:
        indexer = _open(db_url, source)
        blocks = indexer.rebuild()  # type: ignore[attr-defined]
        height = indexer.height()  # type: ignore[attr-defined]
    except SourceError as error:
        raise CliError(ExitCode.NODE_ERROR, "node_unreachable", str(error)) from error
    except IndexerError as error:
        raise CliError(ExitCode.SETUP_ERROR, "index_mismatch", str(error)) from error
    finally:
        if store is not None:
            store.close()
    out.result(
        {"db": _hide_password(db_url), "indexed_blocks": blocks, "height": height},
        f"[green]✔[/] rebuilt: {blocks} blocks (genesis included), index at block {height}",
    )


@indexer_app.command("status")
def status(
    home: HomeOption = DEFAULT_HOME, db: DbOption = None, json_output: JsonOption = False
) -> None:
    """How far an index has come, and which chain it holds."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from originledger.indexer import open_engine, schema

    out = Output(json_output)
    db_url = _db_url(db, home)
    try:
        engine = open_engine(db_url)
        with engine.connect() as connection:
            row = connection.execute(select(schema.cursor)).first()
    except SQLAlchemyError as error:
        raise CliError(ExitCode.SETUP_ERROR, "index_db_error", f"{db_url}: {error}") from error
    if row is None:
        raise CliError(
            ExitCode.NOT_FOUND, "index_empty", f"{_hide_password(db_url)} holds no index"
        )
    out.result(
        {"db": _hide_password(db_url), "chain_id": row.chain_id, "height": row.height},
        f"index of chain [bold]{row.chain_id}[/] at block {row.height}",
    )


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
