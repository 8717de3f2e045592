"""The DuckDB store: where the database lives, opening it, migrating it, and running writes as transactions.

Storage stays behind this module so that a shared server database could take DuckDB's place later.
Every write in the app is a function of a cursor run through `transaction()`: all or nothing, and a
write-write conflict is retried once and then reported as `WriteConflict`.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from framework.core.errors import StoreError, ValidationError, WriteConflict

DEFAULT_PATH = Path("data/shared_measures.duckdb")
ENV_VAR = "SHARED_MEASURES_DB"

T = TypeVar("T")

# One process at a time may write to a DuckDB file, so bringing a database up to date only ever races with another
# connection of this same process opening it at the same moment (two app sessions, say). They take turns: otherwise
# both would replace the same views and one would fail with a write conflict.
_UPGRADE_LOCK = threading.Lock()


def default_path() -> Path:
    """The database path: $SHARED_MEASURES_DB, or data/shared_measures.duckdb."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def connect(path: str | Path, *, create: bool = True, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file, creating and migrating it as needed; raise StoreError with a clear message."""
    path = Path(path)
    if path.exists() and path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file.")
    if not path.exists():
        if not create:
            raise StoreError(f"There is no database at {path}. Create one with `python -m framework --db {path} init`.")
        if not path.parent.exists():
            raise StoreError(f"Cannot create {path}: the folder {path.parent} does not exist.")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "not a valid duckdb database" in text.lower():
            raise StoreError(f"{path} is not a Shared Measures database: it is not a DuckDB file.") from exc
        if "lock" in text.lower():
            from framework.core.analyst_copy import in_use_words

            raise StoreError(in_use_words(path)) from exc
        raise StoreError(f"Cannot open {path}: {text}") from exc
    except duckdb.Error as exc:
        raise StoreError(f"{path} is not a Shared Measures database: {exc}") from exc
    if not read_only:  # an analyst's read-only open changes nothing: no migrations, no view rebuild
        try:
            migrate(con)
        except duckdb.Error as exc:
            con.close()
            raise StoreError(f"{path} could not be brought up to date: {exc}") from exc
        except BaseException:
            con.close()
            raise
    return con


def _migrations() -> list[Any]:
    """Every migration module in framework.migrations, ordered by VERSION."""
    from framework import migrations

    mods = [importlib.import_module(f"framework.migrations.{m.name}") for m in pkgutil.iter_modules(migrations.__path__)]
    mods = [m for m in mods if hasattr(m, "VERSION")]
    versions = [m.VERSION for m in mods]
    if len(set(versions)) != len(versions):
        raise StoreError(f"Two migrations share a version number: {sorted(versions)}")
    return sorted(mods, key=lambda m: m.VERSION)


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The migration versions this database already has."""
    cur = con.cursor()
    cur.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, description VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    return {row[0] for row in cur.execute("SELECT version FROM schema_version").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration the database lacks, each in its own transaction, then rebuild every view from today's
    code; return the versions applied."""
    with _UPGRADE_LOCK:
        done = applied_versions(con)
        applied = []
        for mod in _migrations():
            if mod.VERSION in done:
                continue

            def step(cur: duckdb.DuckDBPyConnection, mod: Any = mod) -> None:
                mod.up(cur)
                cur.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)",
                            [mod.VERSION, mod.DESCRIPTION])

            transaction(con, step)
            applied.append(mod.VERSION)
        rebuild_views(con)
    return applied


def rebuild_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Replace every view with its definition in today's code, all in one transaction; return the views' names.

    A database keeps the view text it was given when the view was created, so without this a database made by an
    earlier release would go on showing that release's views. The list and its order live in framework.migrations.
    """
    from framework.migrations import views

    def work(cur: duckdb.DuckDBPyConnection) -> list[str]:
        names = []
        for name, query in views():
            cur.execute(f"CREATE OR REPLACE VIEW {name} AS {query}")
            names.append(name)
        return names

    return transaction(con, work)


def _is_conflict(exc: BaseException) -> bool:
    """A concurrency outcome: another transaction changed the same row, or committed the same key first."""
    if not isinstance(exc, duckdb.TransactionException):
        return False
    text = str(exc).lower()
    return "conflict" in text or ("failed to commit" in text and "constraint" in text)


def _may_be_a_race(exc: BaseException) -> bool:
    """A duplicate key that another transaction may have committed after this one began. Retried once against
    the newer data: if the key is still a duplicate then, it is a fault in the write itself and stays visible."""
    return isinstance(exc, duckdb.ConstraintException) and "duplicate key" in str(exc).lower()


def _store_failure(exc: BaseException) -> StoreError | None:
    """The store itself failing (disk, file, a database invalidated by an earlier failure), in words."""
    if isinstance(exc, duckdb.IOException):
        return StoreError("The database file could not be written (the disk may be full or the file moved). "
                          f"Nothing was saved. The store said: {exc}")
    if isinstance(exc, duckdb.FatalException) or "invalidated" in str(exc).lower():
        return StoreError("The database stopped working after an earlier failure and must be reopened: restart "
                          "the app or the command. Nothing from this save was kept.")
    return None


CONFLICT_WORDS = ("Someone else was saving the same information at the same moment, and it could not be saved "
                  "after a retry. Nothing was changed: reload the page and try again.")


def transaction(con: duckdb.DuckDBPyConnection, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run work(cursor, *args, **kwargs) all or nothing; retry a conflict once, then raise WriteConflict.

    Only concurrency outcomes become WriteConflict, and a failing store StoreError; any other database error (a
    CHECK or NOT NULL broken, a key duplicated within this write, bad SQL) is raised as it is, because it is a
    fault to fix, not something a user can retry."""
    for attempt in (1, 2):
        cur = con.cursor()
        try:
            cur.begin()
            result = work(cur, *args, **kwargs)
            cur.commit()
            return result
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):  # the transaction may already be ended by the failure
                cur.rollback()
            if _is_conflict(exc) or (attempt == 1 and _may_be_a_race(exc)):
                if attempt == 1:
                    time.sleep(random.uniform(0.001, 0.02))  # let the other write finish before trying again
                    continue
                raise WriteConflict(CONFLICT_WORDS) from exc
            failure = _store_failure(exc) if isinstance(exc, duckdb.Error) else None
            if failure is not None:
                raise failure from exc
            raise
        finally:
            cur.close()
    raise AssertionError("unreachable")  # pragma: no cover


def database_path(con) -> Path | None:
    """The file behind a connection, or None for an in-memory database."""
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    finally:
        cur.close()
    return Path(rows[0][0]) if rows and rows[0][0] else None


def read_df(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None):
    """Run a read on a fresh cursor and return a pandas DataFrame."""
    cur = con.cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def read_rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Run a read on a fresh cursor and return a list of dicts."""
    cur = con.cursor()
    try:
        cur.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]
    finally:
        cur.close()


def scalar(cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The first column of the first row, or None; drains the result, as DuckDB needs before the next statement."""
    rows = cur.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def row_to_save(cur: duckdb.DuckDBPyConnection, table: str, key: str, system_code: str, code: str, *,
                is_new: bool, noun: str) -> dict[str, Any] | None:
    """The stored row a create or an update of one coded record starts from (None when new), inside the caller's
    transaction; refuse a new code that is taken and an update of a code that is not there."""
    rows = cur.execute(f"SELECT * FROM {table} WHERE system_code = ? AND {key} = ?", [system_code, code]
                       ).df().to_dict("records")
    before = rows[0] if rows else None
    if is_new and before:
        raise ValidationError([f"{noun.capitalize()} code {code!r} is already used; choose another."])
    if not is_new and before is None:
        raise ValidationError([f"There is no {noun} {code!r} to update; it may have been removed."])
    return before
