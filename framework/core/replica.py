"""Server mode: a copy of the measurements in each app process, so pages read them at DuckDB's own speed.

Why: DuckDB reads a PostgreSQL table by copying its rows over the wire on every query. At ICS scale (4.2 million
measurements) a page that reads v_progress then waits about 50 s for the copy, where the same page on a DuckDB
file takes 0.2-2 s. The copy itself takes about 5 s, so each process makes it once and then keeps it current.

How it stays current, with writes from any process (other app servers, the command line, psql):
- PostgreSQL notes every change to `measurement` in `measurement_change` (one row per system and indicator a
  statement touched, with the writing transaction's id), by statement triggers, in the writer's own transaction;
- a process checks that log at most every CHECK_SECONDS when a page reads, and at once after its own writes. It
  reloads only the indicators that changed (all of them after a TRUNCATE or a large change), in one DuckDB
  transaction, from one PostgreSQL snapshot, so a page sees the old measurements or the new, never a mix;
- a change is taken as seen only once it is visible: each check remembers the oldest transaction still running at
  its snapshot (xmin) and looks again at every change from that transaction on, so a write that commits late is
  never skipped.
Writes never touch the copy: they run on a cursor that reads and writes PostgreSQL itself (see db.transaction).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

import duckdb

from framework.core.model import MEASUREMENT_ORDER
from framework.core.postgres_store import CATALOG, postgres_execute

log = logging.getLogger(__name__)

SCHEMA = "memory.replica"
TABLE = f"{SCHEMA}.measurement"
LOG = "measurement_change"
SERVER_ONLY = (LOG, "measurement_snapshot")  # in PostgreSQL only: never copied between stores
CHECK_SECONDS = 1.0
# A whole copy is held in the order pages read, so DuckDB skips most of it (framework.foundation.measurement_order)
IN_ORDER = f"ORDER BY {', '.join(MEASUREMENT_ORDER)}"
FULL_RELOAD_AT = 40  # indicators changed at once from which one full copy is quicker than reloading each

MARKER = """
DO $marker$
BEGIN
  CREATE TABLE IF NOT EXISTS measurement_change (
      id BIGSERIAL PRIMARY KEY,
      xid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
      system_code VARCHAR NOT NULL,
      indicator_code VARCHAR NOT NULL);
  CREATE OR REPLACE VIEW measurement_snapshot AS
      SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'measurement_change_insert') THEN
    CREATE OR REPLACE FUNCTION note_measurement_change() RETURNS trigger LANGUAGE plpgsql AS $note$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO measurement_change (system_code, indicator_code) VALUES ('*', '*');
        RETURN NULL;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO measurement_change (system_code, indicator_code)
        SELECT DISTINCT system_code, indicator_code FROM new_rows;
      END IF;
      IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO measurement_change (system_code, indicator_code)
        SELECT DISTINCT system_code, indicator_code FROM old_rows;
      END IF;
      RETURN NULL;
    END
    $note$;
    CREATE TRIGGER measurement_change_insert AFTER INSERT ON measurement REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION note_measurement_change();
    CREATE TRIGGER measurement_change_update AFTER UPDATE ON measurement
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION note_measurement_change();
    CREATE TRIGGER measurement_change_delete AFTER DELETE ON measurement REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION note_measurement_change();
    CREATE TRIGGER measurement_change_truncate AFTER TRUNCATE ON measurement
      FOR EACH STATEMENT EXECUTE FUNCTION note_measurement_change();
  END IF;
END
$marker$
"""


def publish_marker(cur: duckdb.DuckDBPyConnection) -> None:
    """Inside the caller's upgrade transaction: give PostgreSQL the change log and its triggers (safe to rerun)."""
    postgres_execute(cur, MARKER)
    cur.execute("CALL pg_clear_cache()")


class Replica:
    """One process's copy of a PostgreSQL store's measurements, and what it has seen of the change log."""

    def __init__(self, raw: duckdb.DuckDBPyConnection):
        self.raw = raw
        self.lock = threading.Lock()
        self.loaded = False
        self.last_id = 0          # the highest change id applied
        self.xmin: int | None = None  # the oldest transaction running at the last check's snapshot
        self.applied: set[int] = set()  # ids at or above xmin already applied
        self.checked_at = 0.0
        self.enabled = True
        self.loads = 0            # full copies made (for tests and the bench)
        self.reloads = 0          # indicators reloaded one by one

    def stale(self) -> None:
        """This process wrote: check the log on the next read, whatever the time."""
        self.checked_at = 0.0

    def ready(self) -> bool:
        """Refresh when due; True when reads may use the copy. A failure is logged and reads go to PostgreSQL."""
        try:
            return self.refresh()
        except duckdb.Error as exc:
            log.warning("The copy of the measurements could not be brought up to date (%s); reading PostgreSQL.",
                        type(exc).__name__)
            return False

    def refresh(self, *, force: bool = False) -> bool:
        """Bring the copy up to date when due; True when reads may use it."""
        if not self.enabled:
            return False
        if not force and self.loaded and time.monotonic() - self.checked_at < CHECK_SECONDS:
            return True
        with self.lock:
            if not force and self.loaded and time.monotonic() - self.checked_at < CHECK_SECONDS:
                return True
            cur = self.raw.cursor()
            try:
                if not self._has_log(cur):
                    return self.loaded
                cur.begin()
                try:
                    if self.loaded:
                        self._catch_up(cur)
                    else:
                        self._load(cur)
                    cur.commit()
                except BaseException:
                    cur.rollback()
                    self.loaded = False  # start again from a full copy next time
                    raise
                self.checked_at = time.monotonic()
                return True
            finally:
                cur.close()

    def _has_log(self, cur: duckdb.DuckDBPyConnection) -> bool:
        return bool(cur.execute("SELECT 1 FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'public'"
                                " AND table_name = ?", [CATALOG, LOG]).fetchall())

    def _snapshot(self, cur: duckdb.DuckDBPyConnection) -> int:
        return cur.execute(f"SELECT xmin FROM {CATALOG}.public.measurement_snapshot").fetchone()[0]

    def _load(self, cur: duckdb.DuckDBPyConnection) -> None:
        xmin = self._snapshot(cur)  # the first read fixes the PostgreSQL snapshot that every read below shares
        last = cur.execute(f"SELECT coalesce(max(id), 0) FROM {CATALOG}.public.{LOG}").fetchone()[0]
        seen = {row[0] for row in cur.execute(f"SELECT id FROM {CATALOG}.public.{LOG} WHERE xid >= ?",
                                              [xmin]).fetchall()}
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        cur.execute(f"CREATE OR REPLACE TABLE {TABLE} AS SELECT * FROM {CATALOG}.public.measurement {IN_ORDER}")
        self.loaded, self.last_id, self.xmin, self.applied = True, last, xmin, seen
        self.loads += 1

    def _catch_up(self, cur: duckdb.DuckDBPyConnection) -> None:
        xmin = self._snapshot(cur)
        rows = cur.execute(f"SELECT id, system_code, indicator_code, xid FROM {CATALOG}.public.{LOG} "
                           "WHERE id > ? OR xid >= ?", [self.last_id, self.xmin]).fetchall()
        fresh = [row for row in rows if row[0] not in self.applied]
        keys = sorted({(row[1], row[2]) for row in fresh})
        if ("*", "*") in keys or len(keys) >= FULL_RELOAD_AT:
            cur.execute(f"DELETE FROM {TABLE}")
            cur.execute(f"INSERT INTO {TABLE} SELECT * FROM {CATALOG}.public.measurement {IN_ORDER}")
            self.loads += 1
        else:
            by_system: dict[str, list[str]] = {}
            for system_code, indicator_code in keys:
                by_system.setdefault(system_code, []).append(indicator_code)
            for system_code, codes in by_system.items():
                marks = ", ".join("?" for _ in codes)
                where = f"system_code = ? AND indicator_code IN ({marks})"
                cur.execute(f"DELETE FROM {TABLE} WHERE {where}", [system_code, *codes])
                cur.execute(f"INSERT INTO {TABLE} SELECT * FROM {CATALOG}.public.measurement WHERE {where}",
                            [system_code, *codes])
            self.reloads += len(keys)
        ids = [row[0] for row in rows]
        self.last_id = max([self.last_id, *ids])
        # every change this snapshot shows is in the copy now; those from xmin on are asked for again next time
        self.applied = {row[0] for row in rows if row[3] >= xmin}
        self.xmin = xmin


def serve_pages(con: Any) -> Any:
    """Mark an app server's connection to a PostgreSQL store to read measurements from its copy; return it."""
    if hasattr(con, "replica"):
        con.serve_pages = True
    return con
