"""Run by framework.core.store_convert in a child process whose Python finds DuckDB 2.0 first: copy a database file
written by DuckDB 2.0 into a new file DuckDB 1.5 can read, and check that every table arrived whole.

    python store_convert_child.py DUCKDB_2_FOLDER OLD NEW

It imports nothing of Shared Measures (the app's own DuckDB is a different version). On success it prints one JSON
line: {"duckdb": version, "tables": {name: rows}, "sequences": {name: last value}}; on failure it prints the reason
on stderr and exits 2. OLD is only read, except that a write-ahead log left beside it by a crash is first folded
into it by DuckDB 2.0 itself (what DuckDB 2.0 does on any open), so that the copy has every saved row.
"""
from __future__ import annotations

import json
import os
import sys


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def tables(con, database: str) -> list[tuple[str, str]]:
    """Every table of an attached database, as (schema, table)."""
    return con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
                       "ORDER BY schema_name, table_name", [database]).fetchall()


def sequences(con, database: str) -> dict[str, object]:
    rows = con.execute("SELECT schema_name || '.' || sequence_name, last_value FROM duckdb_sequences() "
                       "WHERE database_name = ? ORDER BY 1", [database]).fetchall()
    return dict(rows)


def fingerprint(con, database: str, schema: str, table: str) -> tuple[int, str]:
    """The table's row count and an order-free checksum of every value in every row."""
    names = con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
                        "AND table_name = ? ORDER BY column_index", [database, schema, table]).fetchall()
    values = ", ".join(quoted(name) for (name,) in names)  # each column by name: a row alias could be a column's
    rows, total = con.execute(f"SELECT count(*), coalesce(sum(hash(row({values}))::HUGEINT), 0) "
                              f"FROM {quoted(database)}.{quoted(schema)}.{quoted(table)}").fetchone()
    return int(rows), str(total)


def convert(old: str, new: str) -> dict[str, object]:
    import duckdb

    if not duckdb.__version__.startswith("2."):
        raise RuntimeError(f"this needs DuckDB 2.0, but Python found DuckDB {duckdb.__version__} first")
    con = duckdb.connect()
    if os.path.exists(old + ".wal"):
        con.execute(f"ATTACH {literal(old)} AS old")
        con.execute("CHECKPOINT old")
        con.execute("DETACH old")
    con.execute(f"ATTACH {literal(old)} AS old (READ_ONLY)")
    con.execute(f"ATTACH {literal(new)} AS new (STORAGE_VERSION 'v1.0.0')")  # as DuckDB 1.5 writes its own files
    con.execute("COPY FROM DATABASE old TO new")
    names = tables(con, "old")
    if names != tables(con, "new"):
        raise RuntimeError("the copy does not have the same tables as the original")
    counts = {}
    for schema, table in names:
        name = f"{quoted(schema)}.{quoted(table)}"
        before, after = fingerprint(con, "old", schema, table), fingerprint(con, "new", schema, table)
        if before != after:
            raise RuntimeError(f"table {name} differs after the copy: {before[0]} rows before, {after[0]} after")
        counts[name] = before[0]
    numbers = sequences(con, "old")
    if numbers != sequences(con, "new"):
        raise RuntimeError("the copy's sequences do not continue where the original's stopped")
    con.execute("DETACH new")  # written out whole before this process says it is done
    con.close()
    return {"duckdb": duckdb.__version__, "tables": counts, "sequences": numbers}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: store_convert_child.py DUCKDB_2_FOLDER OLD NEW", file=sys.stderr)
        return 2
    folder, old, new = argv
    sys.path.insert(0, folder)
    try:
        done = convert(old, new)
    except Exception as exc:  # any failure is reported in one line; the parent removes the partial copy
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(done, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
