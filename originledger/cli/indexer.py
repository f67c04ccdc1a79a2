"""``origin indexer``: run a standalone indexer over a node's API (into SQLite or
PostgreSQL), rebuild an index from genesis, say how far an index has come, or list what
it skipped.

A node already indexes itself into ``HOME/data/index.sqlite``; these commands are for an
index elsewhere (``--db postgresql://user@host/db``) or for repairs. The database URL's
password is never shown: not in results, errors, nor logs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from originledger.cli.command import OriginTyper
from originledger.cli.connection import node_url
from originledger.cli.errors import CliError
from originledger.cli.exit_codes import ExitCode
from originledger.cli.home import home_path
from originledger.cli.options import DEFAULT_HOME, HomeOption, JsonOption, NodeOption
from originledger.cli.output import Output, counted

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


def redact_url(url: str) -> str:
    """The URL without its password (imported late: the CLI starts without SQLAlchemy)."""
    from originledger.indexer.redact import redact_url as redact

    return redact(url)


def _db_error(db_url: str, error: BaseException) -> CliError:
    """``index_db_error``: the URL and the error, neither showing the URL's password."""
    from originledger.indexer.redact import redact_text, redact_url
    from originledger.indexer.writer import describe_error

    message = redact_text(f"{redact_url(db_url)}: {describe_error(error)}", db_url)
    return CliError(ExitCode.SETUP_ERROR, "index_db_error", message)


def _open(db_url: str, source: object) -> object:
    from originledger.indexer import Indexer, open_engine

    try:
        return Indexer(open_engine(db_url), source)  # type: ignore[arg-type]
    except Exception as error:  # a bad URL or a missing driver
        raise _db_error(db_url, error) from None


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
    from sqlalchemy.exc import SQLAlchemyError

    from originledger.indexer import HttpSource, IndexerError, SourceError

    out = Output(json_output)
    url = node_url(home, node)
    db_url = _db_url(db, home)
    source = HttpSource(url)
    indexer = _open(db_url, source)
    progress = _Progress()
    try:
        _follow(indexer, out, once, poll_ms, progress)
        height = indexer.height()  # type: ignore[attr-defined]
        failures = _failures(indexer.engine, 0)  # type: ignore[attr-defined]
    except SourceError as error:
        raise CliError(ExitCode.NODE_ERROR, "node_unreachable", str(error)) from None
    except IndexerError as error:
        raise CliError(ExitCode.SETUP_ERROR, "index_mismatch", str(error)) from None
    except SQLAlchemyError as error:  # the database unreachable, refusing, full
        raise _db_error(db_url, error) from None
    except KeyboardInterrupt:
        height = indexer.height()  # type: ignore[attr-defined]
        failures = _failures(indexer.engine, 0)  # type: ignore[attr-defined]
    out.result(
        {
            "node": url,
            "db": redact_url(db_url),
            "indexed_blocks": progress.total,
            "height": height,
            "degraded": failures["degraded"],
            "failures": failures["count"],
        },
        f"[green]✔[/] index at block {height} ({counted(progress.total, 'block')} indexed now)"
        + _degraded_note(failures),
    )


@dataclass
class _Progress:
    """How many blocks this command indexed (kept when Ctrl-C stops it)."""

    total: int = 0


def _follow(indexer: Any, out: Output, once: bool, poll_ms: int, progress: _Progress) -> None:
    """Index every new block, reporting skipped events, until caught up (with ``once``)
    or forever, asking the node again every ``poll_ms``."""
    while True:
        done = indexer.catch_up(blocks_max=500)
        progress.total += done
        for skip in indexer.skipped:
            out.say(
                f"[yellow]skipped[/] {skip.event_type or 'the whole block'} at height "
                f"{skip.height} (seq {skip.seq}): {escape(skip.error)}"
            )
        indexer.skipped.clear()
        if done:
            out.say(f"indexed up to block {indexer.height()}")
        elif once:
            break
        else:
            time.sleep(poll_ms / 1000)


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
    from sqlalchemy.exc import SQLAlchemyError

    from originledger.indexer import HttpSource, IndexerError, SourceError, StoreSource
    from originledger.modules.catalogue import default_catalogue
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
        source = StoreSource(store, default_catalogue())
    try:
        indexer = _open(db_url, source)
        blocks = indexer.rebuild()  # type: ignore[attr-defined]
        height = indexer.height()  # type: ignore[attr-defined]
        failures = _failures(indexer.engine, 0)  # type: ignore[attr-defined]
    except SourceError as error:
        raise CliError(ExitCode.NODE_ERROR, "node_unreachable", str(error)) from None
    except IndexerError as error:
        raise CliError(ExitCode.SETUP_ERROR, "index_mismatch", str(error)) from None
    except SQLAlchemyError as error:
        raise _db_error(db_url, error) from None
    finally:
        if store is not None:
            store.close()
    out.result(
        {
            "db": redact_url(db_url),
            "indexed_blocks": blocks,
            "height": height,
            "degraded": failures["degraded"],
            "failures": failures["count"],
        },
        f"[green]✔[/] rebuilt: {counted(blocks, 'block')} (genesis included), "
        f"index at block {height}" + _degraded_note(failures),
    )


@indexer_app.command("status")
def status(
    home: HomeOption = DEFAULT_HOME,
    db: DbOption = None,
    limit: Annotated[
        int, typer.Option("--limit", min=0, max=500, help="How many skipped events to list.")
    ] = 10,
    json_output: JsonOption = False,
) -> None:
    """How far an index has come, which chain it holds, and what it skipped (if anything,
    the index is degraded: see docs/explorer.md)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from originledger.indexer import open_engine, schema

    out = Output(json_output)
    db_url = _db_url(db, home)
    try:
        engine = open_engine(db_url)
        with engine.connect() as connection:
            row = connection.execute(select(schema.cursor)).first()
        failures = _failures(engine, limit) if row is not None else None
    except Exception as error:  # a bad URL, a missing driver, the database unreachable
        if not isinstance(error, SQLAlchemyError | ValueError | ImportError):
            raise
        raise _db_error(db_url, error) from None
    if row is None or failures is None:
        raise CliError(ExitCode.NOT_FOUND, "index_empty", f"{redact_url(db_url)} holds no index")
    lines = [f"index of chain [bold]{row.chain_id}[/] at block {row.height}"]
    lines += [
        f"  skipped {item['event_type'] or 'the whole block'} at height {item['height']} "
        f"(seq {item['seq']}): {escape(item['error'])}"
        for item in failures["items"]
    ]
    out.result(
        {
            "db": redact_url(db_url),
            "chain_id": row.chain_id,
            "height": row.height,
            "schema_version": row.schema_version,
            "degraded": failures["degraded"],
            "failures": failures["count"],
            "skipped": failures["items"],
        },
        "\n".join(lines) + _degraded_note(failures),
    )


def _failures(engine: Any, limit: int) -> dict[str, Any]:
    """``{degraded, count, items}`` of ``ix_failures`` (the newest ``limit`` items)."""
    from originledger.indexer import IndexReader

    answer = IndexReader(engine).failures(max(limit, 1))
    answer["items"] = answer["items"][:limit]
    return answer


def _degraded_note(failures: dict[str, Any]) -> str:
    if not failures["degraded"]:
        return ""
    return (
        f"\n[yellow]degraded:[/] {failures['count']} event(s) skipped "
        "(`origin indexer status` lists them; rebuild once the indexer is fixed)"
    )
