"""The store: where the database lives, opening it, migrating it, and running writes as transactions.

The store is a DuckDB file by default, or a PostgreSQL database named by a `postgresql://` address (server mode,
see framework.core.postgres_store); either way the app gets a DuckDB connection and speaks DuckDB's SQL.
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

from framework.core import analyst_tables, postgres_store, replica, store_convert, store_target
from framework.core.errors import StoreError, ValidationError, WriteConflict
from framework.core.new_ids import insert_returning  # noqa: F401 (one way to number new rows, for every capability)

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


def default_target() -> str | Path:
    """Where the store is: a PostgreSQL address in $SHARED_MEASURES_DB, else the database file's path."""
    text = os.environ.get(ENV_VAR) or ""
    return text.strip() if store_target.is_server_address(text) else default_path()


def store_argument(text: str) -> str | Path:
    """A --db value: a PostgreSQL address kept as written (a path would fold its //), else a path."""
    return text.strip() if store_target.is_server_address(text) else Path(text)


def is_server(target: str | Path) -> bool:
    """True when the target is a PostgreSQL address rather than a file."""
    return store_target.is_server_address(target)


def connect(path: str | Path, *, create: bool = True, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file or PostgreSQL database, creating and migrating it as needed; raise StoreError with
    a clear message (never holding a password)."""
    if store_target.is_server_address(path):
        return _connect_server(str(path), create=create, read_only=read_only)
    path = Path(path)
    if path.exists() and path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file.")
    if not path.exists():
        if not create:
            raise StoreError(f"There is no database at {path}. Create one with `python -m framework --db {path} init`.")
        if not path.parent.exists():
            raise StoreError(f"Cannot create {path}: the folder {path.parent} does not exist.")
    if not read_only and store_convert.needs_conversion(path) and store_convert.duckdb2_folder():
        store_convert.convert(path, say=store_convert.LOG.warning)  # an earlier release's file, converted once
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "not a valid duckdb database" in text.lower():
            raise StoreError(f"{path} is not a Shared Measures database: it is not a DuckDB file.") from exc
        if "trying to read a database file with version number" in text.lower():
            raise StoreError(f"{path} was written by an earlier release (DuckDB 2.0), which this release "
                             f"(DuckDB {duckdb.__version__}) cannot open as it is. Convert it, keeping every row "
                             f"and the original beside it: `python -m framework --db {path} convert`"
                             + ("." if store_convert.duckdb2_folder() else
                                f", once DuckDB 2.0 is installed for it: {store_convert.install_words()}.")) from exc
        if "could not set lock" in text.lower() or "conflicting lock" in text.lower():
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


def _connect_server(address: str, *, create: bool, read_only: bool) -> Any:
    """Open a PostgreSQL store: attach it, then bring its schema up to date unless opened read-only."""
    target = store_target.parse(address)
    con = postgres_store.open_store(target, create=create)
    if not read_only:
        try:
            migrate(con)
        except (duckdb.Error, StoreError) as exc:
            con.close()
            raise StoreError(f"The PostgreSQL store at {target.describe()} could not be brought up to date: "
                             f"{target.redact(str(exc))[:400]}") from None
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
    if postgres_store.is_postgres(con):
        return _server_versions(con)
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
        if postgres_store.is_postgres(con):
            applied = _migrate_server(con)
            rebuild_views(con)
            _publish_for_analysts(con)
            return applied
        done = applied_versions(con)
        applied = []
        for mod in _migrations():
            if mod.VERSION in done:
                continue

            def step(cur: duckdb.DuckDBPyConnection, mod: Any = mod) -> None:
                mod.up(cur)
                cur.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)",
                            [mod.VERSION, mod.DESCRIPTION])

            _run(con, step, (), {}, publish=False)
            applied.append(mod.VERSION)
        rebuild_views(con)
    return applied


def _migrate_server(con: Any) -> list[int]:
    """Apply what a PostgreSQL store lacks in one transaction that first waits its turn, so that two processes
    opening the store at once never both upgrade it. One that waited looks again at what the other applied."""
    def step(cur: duckdb.DuckDBPyConnection, pending: list[Any]) -> list[int]:
        postgres_store.take_upgrade_lock(cur)
        cur.execute(postgres_store.MIGRATION_PATH)
        cur.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                    " version INTEGER PRIMARY KEY, description VARCHAR NOT NULL,"
                    " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
        for mod in pending:
            mod.up(cur)
            cur.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)", [mod.VERSION, mod.DESCRIPTION])
        postgres_store.fill_defaults(cur)
        return [mod.VERSION for mod in pending]

    for attempt in range(4):
        postgres_store.wait_for_upgrades(con)
        done = _server_versions(con)
        pending = [mod for mod in _migrations() if mod.VERSION not in done]
        if not pending:
            return []
        try:
            return _run(con, step, (pending,), {}, publish=False)
        except (duckdb.Error, WriteConflict):
            if attempt == 3 or _server_versions(con) == done:
                raise
            # another process upgraded the store while this one waited: look again at what is left
    raise AssertionError("unreachable")  # pragma: no cover


def _publish_for_analysts(con: Any) -> None:
    """Give analysts today's public views in PostgreSQL itself (see framework.core.analyst_tables)."""
    from framework.migrations import views

    def work(cur: duckdb.DuckDBPyConnection) -> None:
        postgres_store.take_upgrade_lock(cur)
        analyst_tables.publish_schema(cur, dict(views()))
        replica.publish_marker(cur)

    for attempt in range(4):  # another process publishing at the same moment: wait for it, then look again
        postgres_store.wait_for_upgrades(con)
        try:
            _run(con, work, (), {}, publish=False)
            analyst_tables.schedule(con)
            return
        except (duckdb.Error, WriteConflict):
            if attempt == 3:
                raise


def _server_versions(con: Any) -> set[int]:
    """The versions a PostgreSQL store has applied (none when it has no schema yet)."""
    if not postgres_store.has_schema(con):
        return set()
    return {row["version"] for row in read_rows(con, "SELECT version FROM schema_version")}


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

    return _run(con, work, (), {}, publish=False)


def _is_conflict(exc: BaseException) -> bool:
    """A concurrency outcome: another transaction changed the same row, or committed the same key first."""
    if isinstance(exc, duckdb.Error) and any(words in str(exc).lower() for words in postgres_store.CONFLICT_TEXT):
        return True
    if not isinstance(exc, duckdb.TransactionException):
        return False
    text = str(exc).lower()
    return "conflict" in text or ("failed to commit" in text and "constraint" in text)


def _may_be_a_race(exc: BaseException) -> bool:
    """A duplicate key that another transaction may have committed after this one began. Retried once against
    the newer data: if the key is still a duplicate then, it is a fault in the write itself and stays visible."""
    text = str(exc).lower()
    return (isinstance(exc, duckdb.ConstraintException) and "duplicate key" in text) or (
        isinstance(exc, duckdb.Error) and "duplicate key value violates unique constraint" in text)


def _store_failure(exc: BaseException) -> StoreError | None:
    """The store itself failing (disk, file, a database invalidated by an earlier failure), in words."""
    if isinstance(exc, duckdb.IOException):
        return StoreError("The database file could not be written (the disk may be full or the file moved). "
                          f"Nothing was saved. The store said: {exc}")
    lost = postgres_store.lost_connection(exc)
    if lost is not None:
        return lost
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
    fault to fix, not something a user can retry. On a PostgreSQL store the analysts' tables are refilled in the
    background after the write commits (framework.core.analyst_tables)."""
    return _run(con, work, args, kwargs, publish=True)


def _run(con: Any, work: Callable[..., T], args: tuple, kwargs: dict[str, Any], *, publish: bool) -> T:
    """transaction(), and for the store's own upgrade work (publish=False) without refilling the analysts' tables."""
    server = isinstance(con, postgres_store.PostgresConnection)
    for attempt in (1, 2):
        cur = con.write_cursor() if server else con.cursor()
        try:
            cur.begin()
            result = work(cur, *args, **kwargs)
            cur.commit()
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
        if server:
            con.replica.stale()  # this process's next read shows its own write
        if publish and server:
            analyst_tables.schedule(con)  # after the commit, in the background: the write is saved already
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def database_path(con) -> Path | None:
    """The file behind a connection, or None for an in-memory database or a PostgreSQL store (no file of ours)."""
    if isinstance(con, postgres_store.PostgresConnection):
        return None
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT path, type FROM duckdb_databases() WHERE database_name = current_database()"
                           ).fetchall()
    finally:
        cur.close()
    return Path(rows[0][0]) if rows and rows[0][0] and rows[0][1] != "postgres" else None


def store_name(con) -> str | None:
    """Which store a connection is open on, the same for every connection to it: the file, the PostgreSQL address
    without its password, or None for an in-memory database."""
    if isinstance(con, postgres_store.PostgresConnection):
        return con.target.describe()
    path = database_path(con)
    return str(path) if path else None


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
