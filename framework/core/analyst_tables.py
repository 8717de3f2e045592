"""Server mode: the public views in PostgreSQL itself, for analysts who connect with psql, Power BI or any client.

The app's own views are DuckDB views in each app process; PostgreSQL cannot run DuckDB's SQL. So:
- v_indicator and v_measurement are PostgreSQL views: their queries are plain SQL that both databases run the same
  way (the very text of framework.foundation.views, with the prioritisation views v_indicator reads written in as
  parts of its query), so they are current at every moment, inside any transaction, and cost nothing to keep;
- v_progress is a PostgreSQL table of the same name and columns, refilled from the app's own view after each
  write commits, in the background of the process that wrote: writes in quick succession are
  gathered into one refill, and the writer never waits for it. Refills take turns: each first updates the one row
  of `analyst_refresh` (whose refreshed_at says when v_progress was last made), so a refill that started before
  another finished fails to serialize and starts again on the newer data; the last refill after a write therefore
  always shows it. A command-line process waits for its refill before it exits.

Why not in the write's own transaction: v_progress is computed from every measurement. Measured on this machine
(shared, two cores) with PostgreSQL 15 on the same machine: the demo (2,153 measurements) refills in 0.6 s; an
ICS (4.2 million measurements, 150 measures, 14,181 rows of v_progress) took 50 to 75 s reading the measurements
from PostgreSQL, and now reads them from the process's copy (framework.core.replica): 7.8 s with the copy made,
2.4 s when it is there already. No save should wait even that, and two saves refilling the same rows in their own
transactions would also conflict with each other.
"""
from __future__ import annotations

import atexit
import contextlib
import logging
import random
import re
import threading
import time
from typing import Any

import duckdb

from framework.core.postgres_store import CATALOG, CONFLICT_TEXT, VIEWS_SCHEMA, postgres_execute

NATIVE = ("v_indicator", "v_measurement")
REFRESHED = ("v_progress",)
PUBLISHED = (*REFRESHED, *NATIVE)
TURN_TABLE = "analyst_refresh"
ATTEMPTS = 6

log = logging.getLogger(__name__)


def _columns(cur: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in cur.execute(f"DESCRIBE {relation}").fetchall()]


def _exists(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(cur.execute("SELECT 1 FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'public'"
                            " AND table_name = ?", [CATALOG, name]).fetchall())


def self_contained(name: str, views: dict[str, str]) -> str:
    """The query of a view with every app view it reads (and they read) written in as a part of it (WITH), so that
    PostgreSQL can hold it as one view without the app's helper views beside it."""
    order: list[str] = []

    def visit(view: str) -> None:
        for other in views:
            if other != view and other not in order and re.search(rf"\b{other}\b", views[view]):
                visit(other)
                order.append(other)

    visit(name)
    if not order:
        return views[name]
    parts = ",\n".join(f"{other} AS ({views[other]})" for other in order)
    return f"WITH {parts},\n{name}_query AS ({views[name]})\nSELECT * FROM {name}_query"


def publish_schema(cur: duckdb.DuckDBPyConnection, views: dict[str, str]) -> None:
    """Inside the caller's upgrade transaction: make the PostgreSQL views and table match today's views (name ->
    query). A table whose columns no longer match today's view is made again; schedule() then fills it. A store of
    an earlier release kept v_indicator as a refilled table: it is replaced by the view."""
    for name in NATIVE:
        postgres_execute(cur, f"DO $$ BEGIN IF to_regclass('public.{name}') IS NOT NULL AND (SELECT relkind FROM"
                              f" pg_class WHERE oid = to_regclass('public.{name}')) = 'r' THEN DROP TABLE public.{name};"
                              f" END IF; END $$; DROP VIEW IF EXISTS {name};"
                              f" CREATE VIEW {name} AS {self_contained(name, views)}")
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


def _refill(cur: duckdb.DuckDBPyConnection) -> None:
    cur.execute(f"UPDATE {CATALOG}.public.{TURN_TABLE} SET refreshed_at = current_timestamp WHERE turn = 1")
    for name in REFRESHED:
        cur.execute(f"DELETE FROM {CATALOG}.public.{name}")
        cur.execute(f"INSERT INTO {CATALOG}.public.{name} SELECT * FROM {VIEWS_SCHEMA}.{name}")


def refresh(con: Any) -> bool:
    """Refill the analysts' tables from the app's views after a write; True when done. A failure is logged, never
    raised: the write itself is already saved, and the next write refills them again."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            cur = con.copy_cursor()  # v_progress from the copy of the measurements: seconds, not a minute
        except duckdb.Error as exc:
            log.warning("The analysts' tables in PostgreSQL were not refilled after a write (%s); the next write "
                        "refills them.", type(exc).__name__)
            return False
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


class _Refresher:
    """One background thread per connection that refills the analysts' tables whenever writes have happened."""

    def __init__(self, con: Any):
        self.con = con
        self.wanted = threading.Event()
        self.lock = threading.Lock()
        self.pending = 0  # refills asked for and not yet finished
        self.idle = threading.Condition(self.lock)
        self.thread = threading.Thread(target=self._run, name="analyst-tables", daemon=True)
        self.thread.start()

    def ask(self) -> None:
        with self.lock:
            self.pending += 1
        self.wanted.set()

    def _run(self) -> None:
        while True:
            self.wanted.wait()
            self.wanted.clear()
            with self.lock:
                asked = self.pending
            try:
                refresh(self.con)  # every write asked for before this point is in what it reads
            except Exception as exc:  # never leave someone waiting for a refill that cannot come
                log.warning("The analysts' tables in PostgreSQL were not refilled after a write (%s); the next write "
                            "refills them.", type(exc).__name__)  # the name only: a message may quote the store
            finally:
                with self.lock:
                    self.pending -= asked
                    if self.pending == 0:
                        self.idle.notify_all()

    def wait(self, seconds: float) -> bool:
        with self.lock:
            return self.idle.wait_for(lambda: self.pending == 0, timeout=seconds)


_REFRESHERS: dict[int, _Refresher] = {}
_REGISTRY = threading.Lock()


def schedule(con: Any) -> None:
    """Refill the analysts' tables soon, in the background (see the module's notes)."""
    with _REGISTRY:
        refresher = _REFRESHERS.get(id(con))
        if refresher is None or refresher.con is not con:
            refresher = _REFRESHERS[id(con)] = _Refresher(con)
    refresher.ask()


def wait(con: Any, seconds: float = 600.0) -> bool:
    """Wait until every refill asked for on this connection is done; True when they are."""
    refresher = _REFRESHERS.get(id(con))
    return True if refresher is None or refresher.con is not con else refresher.wait(seconds)


def forget(con: Any) -> None:
    """After waiting: drop the connection's refresher (its thread then sleeps until the process ends)."""
    with _REGISTRY:
        if id(con) in _REFRESHERS and _REFRESHERS[id(con)].con is con:
            del _REFRESHERS[id(con)]


@atexit.register
def _finish_before_exit() -> None:
    """A process that wrote (a command, say) leaves the analysts' tables current before it ends."""
    for refresher in list(_REFRESHERS.values()):
        refresher.wait(600.0)
