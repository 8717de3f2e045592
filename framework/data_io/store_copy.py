"""Moving a whole store between a DuckDB file and a PostgreSQL database: every table copied, all or nothing.

`python -m framework --db SOURCE copy-to TARGET` opens the source as any command does (bringing it up to date),
then makes the target with today's schema and copies every table into it in one transaction, reading the source
from one consistent snapshot and streaming it in batches, so memory stays bounded at any size. Numbering carries on
past the copied rows: each table's sequence is moved past its highest number. The target must be new or empty (a
store nobody has written to): a store with systems or history in it is refused, and nothing is changed. A new file
is built beside its place and moved there only once complete, so a copy that fails or is killed leaves no file.
"""
from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framework.core import analyst_tables, db, postgres_store, replica
from framework.core.errors import StoreError

# A store counts as empty while these hold no rows: every write of a user records an audit row, and every system
# is a row of `system`. What migrations load (reference areas, starter questions) is replaced by the source's.
USER_DATA_TABLES = ("system", "audit_log")
BATCH_ROWS = 100_000
# Kept by the store itself, not copied: its schema version, and (on PostgreSQL) the analysts' refilled tables.
NOT_COPIED = {"schema_version", analyst_tables.TURN_TABLE, *analyst_tables.PUBLISHED, *replica.SERVER_ONLY}
BUILDING_SUFFIX = ".copying"


@dataclass(frozen=True)
class CopyResult:
    """What a copy moved."""

    tables: int
    rows: int


def describe(target: str | Path) -> str:
    """The store as a user may see it: a file path, or a server address without its password."""
    if db.is_server(target):
        from framework.core.store_target import parse

        try:
            return parse(str(target), environ={}).describe()
        except StoreError:
            return "the PostgreSQL address given"
    return str(target)


def copy_store(source: Any, target: str | Path, *, source_at: str | Path | None = None) -> CopyResult:
    """Copy every table of the open source store (opened from source_at) into a new or empty store at target (a
    file path or a postgresql:// address); raise StoreError in words when the target cannot take it."""
    if source_at is not None and _same_place(source_at, target):
        raise StoreError(f"{describe(target)} is the store being copied: name another place to copy it to.")
    if db.is_server(target):
        con = db.connect(str(target), create=True)
        try:
            _refuse_unless_empty(con, describe(target))
            return _copy_into(source, con)
        finally:
            con.close()
    path = Path(target)
    if path.exists():
        raise StoreError(f"{path} already exists: copy into a new file (or move that one away first); nothing was "
                         "changed.")
    if not path.parent.is_dir():
        raise StoreError(f"Cannot create {path}: the folder {path.parent} does not exist.")
    building = path.with_name(path.name + BUILDING_SUFFIX)
    _remove(building)
    try:
        con = db.connect(building, create=True)
        try:
            result = _copy_into(source, con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(building, path)
        return result
    finally:
        _remove(building)


def _same_place(one: str | Path, other: str | Path) -> bool:
    if db.is_server(one) or db.is_server(other):
        return describe(one) == describe(other)
    return Path(one).resolve() == Path(other).resolve()


def _remove(building: Path) -> None:
    for leftover in (building, Path(f"{building}.wal")):
        leftover.unlink(missing_ok=True)


def _refuse_unless_empty(con: Any, shown: str) -> None:
    """Refuse a target that anyone has written to."""
    held = [table for table in USER_DATA_TABLES if db.read_rows(con, f"SELECT count(*) AS n FROM {table}")[0]["n"]]
    if held:
        systems = db.read_rows(con, "SELECT count(*) AS n FROM system")[0]["n"]
        raise StoreError(f"{shown} is not empty (it holds {systems} system(s) and their history): copy only into a "
                         "new, empty store. Nothing was changed.")


def tables_of(con: Any) -> dict[str, list[str]]:
    """Every table of the store that a copy moves, and its columns in order."""
    catalog = postgres_store.CATALOG if postgres_store.is_postgres(con) else db.scalar(
        con.cursor(), "SELECT current_database()")
    rows = db.read_rows(con, "SELECT c.table_name, c.column_name FROM duckdb_columns() c "
                             "JOIN duckdb_tables() t ON t.database_name = c.database_name "
                             " AND t.schema_name = c.schema_name AND t.table_name = c.table_name "
                             "WHERE c.database_name = ? AND c.schema_name IN ('main', 'public') "
                             "ORDER BY c.table_name, c.column_index", [catalog])
    tables: dict[str, list[str]] = {}
    for row in rows:
        if row["table_name"] not in NOT_COPIED:
            tables.setdefault(row["table_name"], []).append(row["column_name"])
    return tables


def _copy_into(source: Any, target: Any) -> CopyResult:
    """Copy every table from the source's snapshot into the target in one transaction; move sequences on."""
    ours, theirs = db.applied_versions(target), db.applied_versions(source)
    if ours != theirs:
        raise StoreError("The two stores are at different schema versions; open both with this release first. "
                         "Nothing was changed.")
    source_tables, target_tables = tables_of(source), tables_of(target)
    missing = sorted(set(source_tables) - set(target_tables))
    if missing:
        raise StoreError(f"The target lacks the tables {', '.join(missing)}. Nothing was changed.")
    reader = source.cursor()
    try:
        reader.begin()  # one snapshot of the source for every table
        total = db.transaction(target, _write_all, reader, source_tables, target_tables)
        with contextlib.suppress(Exception):
            reader.rollback()
    finally:
        reader.close()
    return CopyResult(tables=len(source_tables), rows=total)


def _write_all(cur: Any, reader: Any, source_tables: dict[str, list[str]],
               target_tables: dict[str, list[str]]) -> int:
    """Inside the target's transaction: replace every table's rows with the source's, then move sequences on."""
    total = 0
    for table, columns in sorted(source_tables.items()):
        shared = [c for c in target_tables[table] if c in columns]
        listed = ", ".join(f'"{c}"' for c in shared)
        cur.execute(f"DELETE FROM {table}")
        cur.register("sm_copy_batches", reader.execute(f"SELECT {listed} FROM {table}").to_arrow_reader(BATCH_ROWS))
        try:
            cur.execute(f"INSERT INTO {table} ({listed}) SELECT * FROM sm_copy_batches")
        finally:
            cur.unregister("sm_copy_batches")
        total += db.scalar(cur, f"SELECT count(*) FROM {table}")
    server = postgres_store.is_postgres(cur)
    for table, column, sequence in _numbered_columns(cur, server):
        highest = db.scalar(cur, f"SELECT max({column}) FROM {table}")
        if highest:
            _move_sequence_past(cur, server, table, column, sequence, int(highest))
    return total


NEXTVAL = re.compile(r"""nextval\('"?([A-Za-z_][A-Za-z0-9_]*)"?'""")
SERVER_NUMBERED = ("SELECT table_name::text, column_name::text, column_default::text FROM information_schema.columns "
                   "WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'")


def _numbered_columns(cur: Any, server: bool) -> list[tuple[str, str, str]]:
    """(table, column, sequence) for every column numbered by a sequence."""
    if server:
        rows = cur.execute(f"SELECT * FROM postgres_query('{postgres_store.CATALOG}', ?)", [SERVER_NUMBERED]).fetchall()
    else:
        rows = cur.execute("SELECT table_name, column_name, column_default FROM duckdb_columns() "
                           "WHERE database_name = current_database() AND column_default LIKE 'nextval(%'").fetchall()
    found = []
    for table, column, default in rows:
        match = NEXTVAL.search(default)
        if match:
            found.append((table, column, match.group(1)))
    return sorted(found)


def _move_sequence_past(cur: Any, server: bool, table: str, column: str, sequence: str, highest: int) -> None:
    """Make the sequence's next number greater than highest."""
    if server:
        postgres_store.postgres_execute(cur, f"SELECT setval('{sequence}', {highest})")
        return
    # A DuckDB sequence cannot be set: make it anew, starting past the highest number, and number the column by it.
    cur.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
    cur.execute(f"DROP SEQUENCE {sequence}")
    cur.execute(f"CREATE SEQUENCE {sequence} START {highest + 1}")
    cur.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT nextval('{sequence}')")
