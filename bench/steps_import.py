"""The import steps: the app's CSV at ICS scale and a national Fingertips export, each beside DuckDB's bare load of
the same file into a plain table (no checks, no keys) measured in the same run, and the pandas reader. Each import
is timed in phases from its own progress messages: reading, checking, writing (the join with the stored rows, the
anti-join insert and the rows each batch delivered) and the commit (where DuckDB writes the table and its key)."""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from bench.build import BENCH_USER, REFERENCE, app_csv, database, fingertips_copy, framework_only
from bench.memory import peak_mb, reset_peak
from bench.results import Figure
from bench.steps import step

RATIO_TARGET = 2.0  # an import at most twice DuckDB's bare load of the same file
PEAK_TARGET_MB = 1500
NATIONAL_ROWS = 5_000_000
NATIONAL_ROWS_QUICK = 100_000
NATIONAL_SYSTEM_ICB = "E54000061"  # a real ICB of the bench system's region, linked to it before the import


class Phases:
    """The times of an import's progress messages, read back as phases."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.marks: list[tuple[float, str]] = []

    def __call__(self, fraction: float, message: str) -> None:
        self.marks.append((time.perf_counter(), message))

    def at(self, word: str) -> float:
        return next(t for t, m in self.marks if m.startswith(word))

    def split(self, ended: float) -> dict[str, float]:
        checking, checked = self.at("Checking "), self.at("Checked ")
        writing, written = self.at("Writing "), self.at("Written ")
        return {"read": checking - self.started, "checks": checked - checking, "write": written - writing,
                "commit": ended - written, "other": writing - checked}


def fresh_copy(empty: Path, workdir: Path, name: str, prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None
               ) -> Path:
    """A new copy of a database to import into, optionally changed first (not timed)."""
    target = workdir / name
    for stale in (target, Path(f"{target}.wal")):
        stale.unlink(missing_ok=True)
    shutil.copy(empty, target)
    if prepare is not None:
        con = duckdb.connect(str(target))
        try:
            prepare(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return target


def without_key(con: duckdb.DuckDBPyConnection) -> None:
    """The measurement table as it is, without its natural-key index (to measure what the index costs)."""
    con.execute("CREATE TABLE measurement_plain AS SELECT * FROM measurement")
    con.execute("DROP TABLE measurement")
    con.execute("ALTER TABLE measurement_plain RENAME TO measurement")


def timed_import(target: Path, source: Path, **options) -> dict:
    """Import one file into a database; its seconds, phases, rows written and peak memory. The database is removed."""
    from framework.core import db
    from framework.data_io.importers import import_files

    con = db.connect(target)
    try:
        reset_peak()
        phases = Phases()
        summaries = import_files(con, BENCH_USER, [source], progress=phases, **options)
        ended = time.perf_counter()
        peak = peak_mb()
    finally:
        con.close()
        for done in (target, Path(f"{target}.wal")):
            done.unlink(missing_ok=True)
    return {"seconds": ended - phases.started, "phases": phases.split(ended), "peak": peak,
            "written": sum(s.rows_new + s.rows_changed + s.rows_unchanged for s in summaries),
            "outside": sum(s.rows_outside for s in summaries), "summaries": summaries}


def bare_duckdb(source: Path, workdir: Path) -> tuple[float, int, float]:
    """DuckDB loading the file into a plain table of a new database file with read_csv (no checks, no keys):
    seconds (to the file closed), rows and peak memory."""
    target = workdir / "bare-load.duckdb"
    for stale in (target, Path(f"{target}.wal")):
        stale.unlink(missing_ok=True)
    reset_peak()
    started = time.perf_counter()
    con = duckdb.connect(str(target))
    try:
        con.execute("CREATE TABLE plain AS SELECT * FROM read_csv(?)", [str(source)])
        rows = con.execute("SELECT count(*) FROM plain").fetchall()[0][0]
    finally:
        con.close()
    seconds = time.perf_counter() - started
    peak = peak_mb()
    target.unlink(missing_ok=True)
    return seconds, int(rows), peak


def pandas_read(source: Path) -> tuple[float, float]:
    """pandas.read_csv of the file alone: seconds and peak memory."""
    import pandas as pd

    reset_peak()
    started = time.perf_counter()
    frame = pd.read_csv(source, low_memory=False)
    seconds = time.perf_counter() - started
    del frame
    return seconds, peak_mb()


def phase_words(phases: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items() if name != "other" or seconds > 0.5)


@step("import_csv")
def import_csv(workdir: Path, quick: bool) -> list[Figure]:
    """The app's CSV at ICS scale, checked and written, against DuckDB's bare read_csv of the same file."""
    source = app_csv(workdir, quick)
    empty = framework_only(workdir, "ics", quick)
    ours = timed_import(fresh_copy(empty, workdir, "import-csv.duckdb"), source, system_code="DEMO")
    plain = timed_import(fresh_copy(empty, workdir, "import-csv-nokey.duckdb", without_key), source,
                         system_code="DEMO")
    bare, bare_rows, bare_peak = bare_duckdb(source, workdir)
    pandas_s, pandas_peak = pandas_read(source)
    rows, seconds, ratio = ours["written"], ours["seconds"], ours["seconds"] / bare
    met = ratio <= RATIO_TARGET and ours["peak"] < PEAK_TARGET_MB
    index_cost = ours["seconds"] - plain["seconds"]
    return [
        Figure("import", f"app CSV, {rows:,} rows, checked and written", "ICS", seconds, "s",
               "DuckDB read_csv into a plain table of a new file (no checks, no keys)", bare,
               f"<= {RATIO_TARGET:g}x DuckDB, < {PEAK_TARGET_MB:,} MB", met, ours["peak"],
               notes=[f"{ratio:.2f}x DuckDB's bare load ({bare_rows:,} rows, {bare:.1f} s, peak {bare_peak:,.0f} MB);"
                      f" {rows / seconds:,.0f} rows/s; where the time went: {phase_words(ours['phases'])}",
                      f"pandas.read_csv alone {pandas_s:.1f} s (peak {pandas_peak:,.0f} MB), "
                      f"{pandas_s / bare:.2f}x DuckDB's bare load"]),
        Figure("import", "app CSV, into a measurement table without its natural-key index", "ICS",
               plain["seconds"], "s", "the same import with the index", seconds, "", None, plain["peak"],
               notes=[f"the index costs {index_cost:.1f} s of {seconds:.1f} s; without it: "
                      f"{phase_words(plain['phases'])}"]),
    ]


@step("import_fingertips")
def import_fingertips(workdir: Path, quick: bool) -> list[Figure]:
    """The real Fingertips export (valid rows imported, hand-appended rows rejected) against pandas.read_csv."""
    import pandas as pd

    source = fingertips_copy(workdir)
    if source is None:
        return [Figure("import", "Fingertips export", "real file", 0.0, "rows/s",
                       notes=["the reference file is not beside the project (../shared/reference); not measured"])]
    ours = timed_import(fresh_copy(database(workdir, "demo", quick), workdir, "import-ft.duckdb"), source,
                        system_code="DEMO", skip_invalid=True)
    started = time.perf_counter()
    read = len(pd.read_csv(source))
    baseline = time.perf_counter() - started
    rows, seconds = ours["written"], ours["seconds"]
    return [Figure("import", f"Fingertips export, {rows:,} of {read:,} rows valid", "real file", rows / seconds,
                   "rows/s", "pandas.read_csv alone", read / baseline, "", None, ours["peak"],
                   notes=[f"import {seconds:.2f} s including the rejects file; read_csv {baseline:.2f} s"])]


def link_national_icb(con: duckdb.DuckDBPyConnection) -> None:
    """Give the bench system a real ICB and its sub-ICB locations, as a system that imports national files has."""
    con.execute("INSERT OR IGNORE INTO system_area SELECT 'DEMO', area_code, 'comparator' FROM area"
                " WHERE area_code = ? OR parent_code = ?", [NATIONAL_SYSTEM_ICB, NATIONAL_SYSTEM_ICB])


@step("import_fingertips_national")
def import_fingertips_national(workdir: Path, quick: bool) -> list[Figure]:
    """A generated all-England Fingertips export imported into one system (its footprint kept), against DuckDB's
    bare load of the same file."""
    from bench.fingertips_national import national_export

    size = NATIONAL_ROWS_QUICK if quick else NATIONAL_ROWS
    source = national_export(workdir, size, REFERENCE)
    empty = framework_only(workdir, "ics", quick)
    os.environ.setdefault("SHARED_MEASURES_IMPORT_MAX_MB", "4096")  # a national file is bigger than the default
    ours = timed_import(fresh_copy(empty, workdir, "import-national.duckdb", link_national_icb), source,
                        system_code="DEMO")
    bare, bare_rows, bare_peak = bare_duckdb(source, workdir)
    seconds, ratio = ours["seconds"], ours["seconds"] / bare
    met = ratio <= RATIO_TARGET and ours["peak"] < PEAK_TARGET_MB
    return [Figure("import", f"national Fingertips export, {bare_rows:,} rows, {ours['written']:,} kept for one "
                   f"system", "all England", seconds, "s",
                   "DuckDB read_csv into a plain table of a new file (no checks, no keys)", bare,
                   f"<= {RATIO_TARGET:g}x DuckDB, < {PEAK_TARGET_MB:,} MB", met, ours["peak"],
                   notes=[f"{ratio:.2f}x DuckDB's bare load ({bare:.1f} s, peak {bare_peak:,.0f} MB);"
                          f" {ours['outside']:,} rows outside the system's footprint left out and counted;"
                          f" where the time went: {phase_words(ours['phases'])}"])]
