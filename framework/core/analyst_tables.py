"""Server mode: the public views in PostgreSQL itself, for analysts who connect with psql, Power BI or any client.

The app's own views are DuckDB views in each app process; PostgreSQL cannot run DuckDB's SQL. So:
- v_measurement is a PostgreSQL view: its query is plain SQL that both databases run the same way (the very text
  of framework.foundation.views), so it is current at every moment and costs nothing to keep;
- v_indicator and v_progress are PostgreSQL tables of the same names and columns, refilled from the app's own
  views right after each write commits. Refills take turns: each first updates the one row of
  `analyst_refresh`, so a refill that started before another finished fails to serialize and starts again on the
  newer data; the last refill after a write therefore always shows it.

Measured (see bench notes in the report of this change): refilling both tables is a small part of a write, because
v_indicator has one row per measure and v_progress three per measure and area.
"""
from __future__ import annotations

import contextlib
import logging
import random
import time
from typing import Any

import duckdb

from framework.core.postgres_store import CATALOG, CONFLICT_TEXT, VIEWS_SCHEMA, postgres_execute

NATIVE = ("v_measurement",)
REFRESHED = ("v_indicator", "v_progress")
PUBLISHED = (*REFRESHED, *NATIVE)
TURN_TABLE = "analyst_refresh"
ATTEMPTS = 6

log = logging.getLogger(__name__)


def _columns(cur: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in cur.execute(f"DESCRIBE {relation}").fetchall()]


def _exists(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(cur.execute("SELECT 1 FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'public'"
                            " AND table_name = ?", [CATALOG, name]).fetchall())


def publish_schema(cur: duckdb.DuckDBPyConnection, views: dict[str, str]) -> None:
    """Inside the caller's upgrade transaction: make the PostgreSQL view and tables match today's views (name ->
    query), filling the tables. A table whose columns no longer match today's view is made again."""
    for name in NATIVE:
        postgres_execute(cur, f"DROP VIEW IF EXISTS {name}; CREATE VIEW {name} AS {views[name]}")
    cur.execute("CALL pg_clear_cache()")
    for name in REFRESHED:
        if _exists(cur, name) and _columns(cur, f"{CATALOG}.public.{name}") != _columns(cur, f"{VIEWS_SCHEMA}.{name}"):
            cur.execute(f"DROP TABLE {CATALOG}.public.{name}")
        if not _exists(cur, name):
            cur.execute(f"CREATE TABLE {CATALOG}.public.{name} AS SELECT * FROM {VIEWS_SCHEMA}.{name} LIMIT 0")
    if not _exists(cur, TURN_TABLE):
        cur.execute(f"CREATE TABLE {CATALOG}.public.{TURN_TABLE} (turn INTEGER PRIMARY KEY,"
                    " refreshed_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
        cur.execute(f"INSERT INTO {CATALOG}.public.{TURN_TABLE} (turn) VALUES (1)")
    _refill(cur)


def _refill(cur: duckdb.DuckDBPyConnection) -> None:
    cur.execute(f"UPDATE {CATALOG}.public.{TURN_TABLE} SET refreshed_at = current_timestamp WHERE turn = 1")
    for name in REFRESHED:
        cur.execute(f"DELETE FROM {CATALOG}.public.{name}")
        cur.execute(f"INSERT INTO {CATALOG}.public.{name} SELECT * FROM {VIEWS_SCHEMA}.{name}")


def refresh(con: Any) -> bool:
    """Refill the analysts' tables from the app's views after a write; True when done. A failure is logged, never
    raised: the write itself is already saved, and the next write refills them again."""
    for attempt in range(1, ATTEMPTS + 1):
        cur = con.cursor()
        try:
            if not _exists(cur, TURN_TABLE):
                return False
            cur.begin()
            _refill(cur)
            cur.commit()
            return True
        except duckdb.Error as exc:
            with contextlib.suppress(duckdb.Error):
                cur.rollback()
            if attempt < ATTEMPTS and any(words in str(exc).lower() for words in CONFLICT_TEXT):
                time.sleep(random.uniform(0.005, 0.05) * attempt)
                continue
            log.warning("The analysts' tables in PostgreSQL were not refilled after a write (%s); the next write "
                        "refills them.", type(exc).__name__)
            return False
        finally:
            cur.close()
    return False
