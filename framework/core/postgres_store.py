"""Server mode: the store in a PostgreSQL database, read and written through DuckDB.

An in-memory DuckDB loads DuckDB's PostgreSQL extension (shipped in the `duckdb-extension-postgres` package, signed,
checked on load) and attaches the database as `pg`. Every cursor of the connection this module hands out resolves
unqualified names first to the app's views, which live in DuckDB's own memory (one copy per process, rebuilt on
open), then to the tables in PostgreSQL's public schema. So every query of the app stays in DuckDB's dialect and the
rest of the app works unchanged.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from framework.core import extensions
from framework.core.errors import StoreError
from framework.core.store_target import PostgresTarget

CATALOG = "pg"
VIEWS_SCHEMA = "memory.main"
# At run time the app's own views come first, then PostgreSQL's tables; a migration creates tables, so its cursor
# puts PostgreSQL first (DuckDB creates an unqualified table in the first schema of the path).
RUN_PATH = f"SET search_path = '{VIEWS_SCHEMA},{CATALOG}.public'"
# Pages of an app server read the process's copy of the measurements first (framework.core.replica).
COPY_PATH = f"SET search_path = 'memory.replica,{VIEWS_SCHEMA},{CATALOG}.public'"
MIGRATION_PATH = f"SET search_path = '{CATALOG}.public,{VIEWS_SCHEMA}'"
EXTENSION_PACKAGE = "duckdb-extension-postgres"
# A fixed number that every process of this app uses to take turns at upgrading one PostgreSQL store.
UPGRADE_LOCK_KEY = 7_405_117_301


class PostgresConnection:
    """A DuckDB connection to a PostgreSQL store: every cursor reads and writes PostgreSQL's tables."""

    def __init__(self, raw: duckdb.DuckDBPyConnection, target: PostgresTarget):
        from framework.core.replica import Replica

        self._raw = raw
        self.target = target
        self.replica = Replica(raw)
        self.serve_pages = False  # an app server's connection reads measurements from its copy (see replica)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new DuckDB cursor that sees the app's views and PostgreSQL's tables by their plain names; on an app
        server's connection, reads of the measurements go to the process's up-to-date copy of them."""
        return self._cursor(self.serve_pages)

    def write_cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for a transaction: every read and write goes to PostgreSQL itself."""
        return self._cursor(False)

    def copy_cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor that reads the measurements from the up-to-date copy, whatever kind of process this is."""
        return self._cursor(True)

    def _cursor(self, from_copy: bool) -> duckdb.DuckDBPyConnection:
        ready = from_copy and self.replica.ready()
        cur = self._raw.cursor()
        cur.execute(f"USE {CATALOG}")
        cur.execute(COPY_PATH if ready else RUN_PATH)
        return cur

    def close(self) -> None:
        """Close, once the analysts' tables hold what this connection wrote."""
        from framework.core import analyst_tables

        analyst_tables.wait(self)
        analyst_tables.forget(self)
        self._raw.close()

    def __enter__(self) -> PostgresConnection:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def __repr__(self) -> str:
        return f"<Shared Measures store at {self.target.describe()}>"


def is_postgres(con: Any) -> bool:
    """True when a connection or cursor works on a PostgreSQL store."""
    if isinstance(con, PostgresConnection):
        return True
    rows = con.execute(f"SELECT 1 FROM duckdb_databases() WHERE database_name = '{CATALOG}' AND type = 'postgres'"
                       ).fetchall()
    return bool(rows)


def extension_file() -> Path:
    """The PostgreSQL extension under the file name DuckDB loads it by (postgres_scanner), copied once per
    DuckDB version into a cache folder; the signature is still checked when it loads."""
    return extensions.extension_file(_extension_package, EXTENSION_PACKAGE, "postgres", load_as="postgres_scanner",
                                     needed_for="Server mode")


def _extension_package():
    import duckdb_extension_postgres

    return duckdb_extension_postgres


def open_store(target: PostgresTarget, *, create: bool) -> PostgresConnection:
    """Attach the PostgreSQL database; without create, refuse one that has no Shared Measures schema."""
    raw = duckdb.connect(":memory:")
    try:
        extensions.load(raw, extension_file())
        _secret(raw, target)
        raw.execute(f"ATTACH '{_sql_text(target.libpq())}' AS {CATALOG} (TYPE postgres, SECRET shared_measures_pg)")
        raw.execute(f"USE {CATALOG}")
        raw.execute(RUN_PATH)
    except duckdb.Error as exc:
        raw.close()
        raise connection_failure(exc, target) from None
    except BaseException:
        raw.close()
        raise
    con = PostgresConnection(raw, target)
    if not create and not has_schema(con):
        con.close()
        raise StoreError(f"The PostgreSQL database {target.describe()} has no Shared Measures store in it. Create "
                         f"one with `python -m framework --db {target.describe()} init`.")
    return con


def _secret(raw: duckdb.DuckDBPyConnection, target: PostgresTarget) -> None:
    """Hand the password to DuckDB as a secret, which DuckDB never shows, instead of in the attach text."""
    password = target.password or ""
    raw.execute(f"CREATE TEMPORARY SECRET shared_measures_pg (TYPE postgres, PASSWORD '{_sql_text(password)}')")


def _sql_text(text: str) -> str:
    """Text for inside a single-quoted SQL literal."""
    return text.replace("'", "''")


def has_schema(con: Any) -> bool:
    """True when the database holds the table of applied migrations."""
    cur = con.cursor()
    try:
        return bool(cur.execute("SELECT 1 FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'public'"
                                " AND table_name = 'schema_version'", [CATALOG]).fetchall())
    finally:
        cur.close()


def connection_failure(exc: BaseException, target: PostgresTarget) -> StoreError:
    """Why the server could not be used, in words, naming the address but never the password."""
    text = str(exc)
    low = text.lower()
    where = target.describe()
    if "password authentication failed" in low or "no password supplied" in low or "password" in low and (
            "authentication" in low):
        return StoreError(f"PostgreSQL at {target.host}:{target.port} refused the user {target.user!r}: the password "
                          "is wrong or missing. Set it in the address, in PGPASSWORD or in .streamlit/secrets.toml.")
    if re.search(r'database "[^"]*" does not exist', low):
        return StoreError(f"PostgreSQL at {target.host}:{target.port} has no database named {target.dbname!r}. "
                          "Check the name at the end of the address, or create the database first.")
    if re.search(r'role "[^"]*" does not exist', low):
        return StoreError(f"PostgreSQL at {target.host}:{target.port} has no user named {target.user!r}.")
    if any(words in low for words in ("could not connect", "connection refused", "could not translate host",
                                      "timeout expired", "no route to host", "name or service not known",
                                      "unable to connect")):
        return StoreError(f"Cannot reach PostgreSQL at {target.host}:{target.port}: the server is not running, "
                          "not reachable from here, or the address is mistyped. Nothing was read or written.")
    return StoreError(f"Cannot use the PostgreSQL store at {where}: {target.redact(text)[:300]}")


def run_statements(cur: duckdb.DuckDBPyConnection, sql: str | list[str], *, separator: str = ";") -> None:
    """Run a migration's statements (one text split at the separator, or a list). On PostgreSQL, sequences and
    added columns are made natively, and a column's DEFAULT nextval(...) is set in PostgreSQL after DuckDB has
    created the table, so PostgreSQL numbers new rows itself."""
    postgres = is_postgres(cur)
    if postgres:
        cur.execute(MIGRATION_PATH)
    for statement in sql.split(separator) if isinstance(sql, str) else sql:
        if not statement.strip():
            continue
        if postgres:
            _run_on_postgres(cur, statement)
        else:
            cur.execute(statement)


SEQUENCE = re.compile(r"^\s*CREATE\s+SEQUENCE\b", re.IGNORECASE)
TABLE_NAME = re.compile(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
ADD_COLUMN = re.compile(r"^\s*ALTER\s+TABLE\s+\w+\s+ADD\s+COLUMN\b", re.IGNORECASE)
DOUBLE = re.compile(r"\bDOUBLE\b(?!\s+PRECISION)", re.IGNORECASE)
# A column default DuckDB would write in its own terms (a sequence of its own, an empty list): PostgreSQL gets it
# natively once DuckDB has made the table.
NATIVE_DEFAULT = re.compile(r"^(\s*)(\w+)(\s+\w+(?:\[\])?[^,\n]*?)\s+DEFAULT\s+(nextval\('\w+'\)|\[\])",
                            re.IGNORECASE | re.MULTILINE)


def _run_on_postgres(cur: duckdb.DuckDBPyConnection, statement: str) -> None:
    if SEQUENCE.match(statement):
        postgres_execute(cur, statement.strip())
        return
    if ADD_COLUMN.match(statement):
        postgres_execute(cur, DOUBLE.sub("DOUBLE PRECISION", statement.strip()))
        cur.execute("CALL pg_clear_cache()")
        return
    table = TABLE_NAME.match(statement)
    defaults = NATIVE_DEFAULT.findall(statement) if table else []
    if not defaults:
        cur.execute(statement)
        return
    cur.execute(NATIVE_DEFAULT.sub(r"\1\2\3", statement))
    native = {"[]": "'{}'"}
    postgres_execute(cur, "; ".join(f"ALTER TABLE {table.group(1)} ALTER COLUMN {column} SET DEFAULT "
                                    f"{native.get(default, default)}" for _, column, _, default in defaults))
    cur.execute("CALL pg_clear_cache()")


def postgres_execute(cur: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run PostgreSQL's own SQL inside the cursor's transaction."""
    cur.execute(f"CALL postgres_execute('{CATALOG}', '{_sql_text(sql)}')")


def take_upgrade_lock(cur: duckdb.DuckDBPyConnection) -> None:
    """Hold the turn at upgrading this store until the cursor's transaction ends. Call wait_for_upgrades first:
    PostgreSQL fixes what a transaction sees when it starts, so a transaction that had to wait here would not see
    what the process before it made."""
    postgres_execute(cur, f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK_KEY})")
    cur.execute("CALL pg_clear_cache()")


def wait_for_upgrades(con: Any) -> None:
    """Wait, in a transaction of its own, until no other process is upgrading this store."""
    cur = con.cursor()
    try:
        cur.begin()
        postgres_execute(cur, f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK_KEY})")
        cur.commit()
        cur.execute("CALL pg_clear_cache()")
    finally:
        cur.close()





def next_id(cur: duckdb.DuckDBPyConnection, sequence: str) -> int:
    """The next number from a sequence of a PostgreSQL store."""
    return cur.execute(f"SELECT * FROM postgres_query('{CATALOG}', 'SELECT nextval(''{sequence}'')')").fetchone()[0]


# What PostgreSQL says when another transaction got to the same rows first: retried once, then WriteConflict.
CONFLICT_TEXT = ("could not serialize access", "deadlock detected", "could not obtain lock")
LOST_TEXT = ("server closed the connection", "terminating connection", "connection to server", "could not connect",
             "connection refused", "no connection to the server", "ssl connection has been closed")


def lost_connection(exc: BaseException) -> StoreError | None:
    """The PostgreSQL server going away in the middle of a write, in words (the write was not kept)."""
    if not isinstance(exc, duckdb.Error):
        return None
    text = str(exc).lower()
    if any(words in text for words in LOST_TEXT):
        return StoreError("The connection to the PostgreSQL store was lost, so nothing from this save was kept. "
                          "Try again in a moment; if it goes on, the server may be down.")
    return None


# DuckDB sends every column when an insert has ON CONFLICT or OR REPLACE, NULL for those it left out, where
# PostgreSQL would have used the column's default. Each table with NOT NULL columns that have defaults gets a
# trigger that puts the default back in place of such a NULL (a NULL there could never be stored anyway).
FILL_DEFAULTS = """
DO $fill$
DECLARE t record;
BEGIN
  FOR t IN
    SELECT c.table_name,
           string_agg(format('IF NEW.%I IS NULL THEN NEW.%I := %s; END IF;', c.column_name, c.column_name,
                             c.column_default), ' ') AS fills,
           string_agg(format('NEW.%I IS NULL', c.column_name), ' OR ') AS test
    FROM information_schema.columns c
    JOIN information_schema.tables b ON b.table_schema = c.table_schema AND b.table_name = c.table_name
    WHERE c.table_schema = 'public' AND b.table_type = 'BASE TABLE' AND c.is_nullable = 'NO'
      AND c.column_default IS NOT NULL
    GROUP BY c.table_name
  LOOP
    EXECUTE format('CREATE OR REPLACE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS %L',
                   'fill_defaults_' || t.table_name, 'BEGIN ' || t.fills || ' RETURN NEW; END');
    EXECUTE format('DROP TRIGGER IF EXISTS fill_defaults ON %I', t.table_name);
    EXECUTE format('CREATE TRIGGER fill_defaults BEFORE INSERT ON %I FOR EACH ROW WHEN (%s) EXECUTE FUNCTION %I()',
                   t.table_name, t.test, 'fill_defaults_' || t.table_name);
  END LOOP;
END
$fill$
"""


def fill_defaults(cur: duckdb.DuckDBPyConnection) -> None:
    """Give every table the trigger that fills its NOT NULL defaults (see FILL_DEFAULTS); safe to run again."""
    postgres_execute(cur, FILL_DEFAULTS)
