"""The analyst copy: a read-only copy of the public views, for analysts while the app runs.

DuckDB is embedded: while the app runs it holds its database file, and anyone else's open of that file, even a
read-only one, fails with "Conflicting lock is held". So the app publishes a copy of v_indicator, v_measurement,
v_progress and v_spc beside the database (`shared_measures.analyst.duckdb` beside `shared_measures.duckdb`), as tables of the
same names, and refreshes it after each change:

- after a write commits, the copy is scheduled; writes in quick succession are gathered into one copy, made once
  the writes have been quiet for a few seconds, and never more than half a minute after the first of them (so a copy
  is at most about a minute old);
- it is made in the background, on its own cursor, so no user waits for it; the three views are read in one
  transaction, so the copy is one consistent moment;
- it is written to a temporary name beside the copy and renamed into place once complete, so a reader only ever
  sees a whole copy, and a failure or a killed app leaves the previous copy as it was.

Measured on the demo (2,086 measurements): reading the views 0.8 s; writing a DuckDB file 0.4 s, Parquet files
0.3 s. A DuckDB file was chosen: one file is one consistent moment that a rename replaces whole (three Parquet files
cannot be swapped together), and analysts query it with the views' own names (`duckdb.connect(path,
read_only=True)`, or DBeaver, R and Python through DuckDB)."""
from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from framework.core.atomic_file import replace_atomically
from framework.core.store_target import is_server_address

VIEWS = ("v_indicator", "v_measurement", "v_progress", "v_spc")
QUIET_SECONDS = 5.0  # wait for writes to stop this long...
LATEST_SECONDS = 30.0  # ...but never longer than this after the first unpublished write
SUFFIX = ".analyst.duckdb"

log = logging.getLogger(__name__)


def copy_path(db_path: str | Path) -> Path:
    """Where the analyst copy of a database is: beside it, named <name>.analyst.duckdb."""
    path = Path(db_path)
    return path.with_name(path.stem + SUFFIX)


def _read_views(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The views as Arrow tables, all read in one transaction (one consistent moment)."""
    cur = con.cursor()
    try:
        cur.begin()
        tables = {name: cur.sql(f"SELECT * FROM {name}").to_arrow_table() for name in VIEWS}
        cur.rollback()
        return tables
    finally:
        cur.close()


def _write_tables(target: Path, tables: dict[str, object]) -> None:
    """Write the tables into a new DuckDB file at target."""
    out = duckdb.connect(str(target))
    try:
        for name, table in tables.items():
            out.register("view_rows", table)
            out.execute(f"CREATE TABLE {name} AS SELECT * FROM view_rows")
            out.unregister("view_rows")
        out.execute("CREATE TABLE published AS SELECT current_timestamp AS published_at")
        out.execute("CHECKPOINT")
    finally:
        out.close()


def publish(con: duckdb.DuckDBPyConnection, db_path: str | Path) -> Path:
    """Write the analyst copy now, whole or not at all; return its path."""
    target = copy_path(db_path)
    sweep(db_path)
    tables = _read_views(con)
    with replace_atomically(target) as part:
        part.unlink()  # DuckDB makes its own file; an empty one is not a database to it
        try:
            _write_tables(part, tables)
        finally:
            Path(str(part) + ".wal").unlink(missing_ok=True)
    return target


class Publisher:
    """Publishes one database's analyst copy in the background, debounced: call changed() after each write."""

    def __init__(self, con: duckdb.DuckDBPyConnection, db_path: str | Path, *, quiet: float = QUIET_SECONDS,
                 latest: float = LATEST_SECONDS, on_publish: Callable[[Path], None] | None = None) -> None:
        self.con, self.db_path, self.quiet, self.latest = con, Path(db_path), quiet, latest
        self.on_publish = on_publish
        self._lock = threading.Condition()
        self._first: float | None = None  # when the oldest unpublished change happened
        self._last = 0.0  # when the newest happened
        self._thread: threading.Thread | None = None
        self.published = 0  # how many copies this publisher has made
        self.last_error: str | None = None

    def changed(self) -> None:
        """Note a committed change; the copy follows once changes have been quiet (never blocks)."""
        with self._lock:
            now = time.monotonic()
            self._first = self._first if self._first is not None else now
            self._last = now
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="analyst-copy", daemon=True)
                self._thread.start()
            self._lock.notify()

    def _due_in(self) -> float | None:
        if self._first is None:
            return None
        now = time.monotonic()
        return max(0.0, min(self._last + self.quiet, self._first + self.latest) - now)

    def _run(self) -> None:
        while True:
            with self._lock:
                wait = self._due_in()
                while wait is None or wait > 0 or _CLOSING.is_set():
                    if wait is None or _CLOSING.is_set():
                        self._thread = None
                        return
                    self._lock.wait(wait)
                    wait = self._due_in()
                self._first = None  # changes from now on need another copy
            try:
                path = publish(self.con, self.db_path)
            except Exception as exc:  # the app goes on; the previous copy stays, and the next change tries again
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("The analyst copy of %s could not be made: %s", self.db_path, self.last_error)
                continue
            self.published += 1
            self.last_error = None
            if self.on_publish:
                self.on_publish(path)

    def wait_until_idle(self, timeout: float = 30.0) -> bool:
        """Block until nothing is waiting to be published (for tests and for closing); True when idle."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                thread = self._thread
            if thread is None or not thread.is_alive():
                return True
            thread.join(0.05)
        return False


_PUBLISHERS: dict[str, Publisher] = {}
_REGISTRY_LOCK = threading.Lock()
_CLOSING = threading.Event()


@atexit.register
def _close() -> None:
    """When the app stops: a copy not yet begun is not begun (the previous one stays whole); one being written is
    finished first."""
    _CLOSING.set()
    for publisher in list(_PUBLISHERS.values()):
        with publisher._lock:
            publisher._lock.notify_all()
        publisher.wait_until_idle(timeout=10)


def after_write(con: duckdb.DuckDBPyConnection, db_path: str | Path) -> Publisher | None:
    """Schedule the analyst copy of this database after a committed write; the one publisher per database file.
    A PostgreSQL store needs no copy (analysts connect to PostgreSQL: see analyst_tables), so nothing is made."""
    if is_server_address(db_path):
        return None
    key = os.path.abspath(db_path)
    with _REGISTRY_LOCK:
        publisher = _PUBLISHERS.get(key)
        if publisher is None or publisher.con is not con:
            publisher = _PUBLISHERS[key] = Publisher(con, key)
    publisher.changed()
    return publisher


def in_use_words(db_path: str | Path) -> str:
    """What someone can do when the database is held by the running app, in words."""
    copy = copy_path(db_path)
    there = "" if copy.exists() else " (the app makes it after its first change)"
    return (f"The database {db_path} is in use by another program, usually the running app, which holds it while it"
            f" runs. To read the data now, open the analyst copy {copy}{there}: the app refreshes it within a minute"
            " of each change (for example `duckdb.connect(path, read_only=True)`, tables v_indicator, v_measurement,"
            " v_progress and v_spc). To change the data from the command line, stop the app first, or run both on a"
            " shared PostgreSQL store (server mode, docs/deploying.md), where they work at once.")


def sweep(db_path: str | Path) -> None:
    """Remove what a killed copy left behind (its temporary files), when no copy is being written."""
    copy = copy_path(db_path)
    with contextlib.suppress(OSError):
        for left in copy.parent.glob(f".{copy.name}.*.part.wal"):
            if not Path(str(left)[:-4]).exists():
                left.unlink(missing_ok=True)
