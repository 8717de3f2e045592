"""The benchmark steps. Each runs in its own process (so its peak memory is its own) and returns its figures."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.build import database
from bench.memory import peak_mb
from bench.results import Figure

STEPS: dict[str, Callable[[Path, bool], list[Figure]]] = {}
PAGE_TARGET_SECONDS = 1.0
PAGE_TARGET_RATIO = 2.0


def step(name: str):
    """Register a benchmark step."""
    def wrap(fn):
        STEPS[name] = fn
        return fn
    return wrap


@step("pages")
def pages(workdir: Path, quick: bool) -> list[Figure]:
    """Every page's server time at demo, ICS and regional scale: under 1 s, and at ICS at most 2x demo."""
    from bench.page_times import PAGES, eighth_indicator, page_split, page_times

    repeats = 1 if quick else 5
    paths = {name: database(workdir, name, quick) for name in ("demo", "ics", "regional")}
    times = {name: page_times(path, repeats) for name, path in paths.items()}
    figures = []
    for label, page, _ in PAGES:
        small, large, region = times["demo"][page], times["ics"][page], times["regional"][page]
        ratio = large / small
        figures.append(Figure(
            "page server time", label, "ICS vs demo", large, "s", "same page at demo scale", small,
            f"< {PAGE_TARGET_SECONDS:g} s and <= {PAGE_TARGET_RATIO:g}x demo",
            large < PAGE_TARGET_SECONDS and ratio <= PAGE_TARGET_RATIO, notes=[f"ICS/demo ratio {ratio:.2f}x"]))
    for label, page, _ in PAGES:
        region, large = times["regional"][page], times["ics"][page]
        figures.append(Figure(
            "page server time", label, "regional (7 ICSs) vs ICS", region, "s", "same page at ICS scale", large,
            f"< {PAGE_TARGET_SECONDS:g} s", region < PAGE_TARGET_SECONDS))
    slowest = max(PAGES, key=lambda p: times["ics"][p[1]])
    indicator = eighth_indicator(paths["ics"])
    for index, (_, page, query) in enumerate(PAGES):
        if figures[index].met and page != slowest[1]:
            continue
        split = page_split(paths["ics"], page, {k: v.format(indicator=indicator) for k, v in query.items()})
        parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in split.items() if name != "total")
        figures[index].notes.append(
            ("the slowest page at ICS scale; " if page == slowest[1] else "")
            + f"where its time goes at ICS scale, one profiled run of {split['total']:.2f} s, each library's own "
            f"time: {parts or 'not profiled (the page has no system prelude)'} (the profiler slows Python more than "
            "DuckDB: read the shares, not the sums)")
    return figures


ENGINE_TARGET = 5.0


@step("progress")
def progress(workdir: Path, quick: bool) -> list[Figure]:
    """The progress engine for every indicator, area and horizon of one ICS, against pandas doing the same."""
    import time

    from bench.progress_baseline import differences, load, progress_pandas
    from framework.core import db
    from framework.progress.sql import progress_table

    con = db.connect(database(workdir, "ics", quick), read_only=True)
    try:
        started = time.perf_counter()
        engine = progress_table(con, "DEMO")
        engine_s = time.perf_counter() - started
        started = time.perf_counter()
        raw = load(con, "DEMO")
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        plain = progress_pandas(*raw)
        compute_s = time.perf_counter() - started
    finally:
        con.close()
    problems = differences(engine, plain)
    if problems:
        raise AssertionError("The engine and the pandas baseline disagree: " + "; ".join(problems))
    baseline_s = read_s + compute_s
    what = f"{len(engine):,} indicator-area-horizon rows from {len(raw[0]):,} measurements"
    return [
        Figure("progress engine", what, "ICS", engine_s, "s",
               "pandas groupby: read the system's measurements, then compute", baseline_s,
               f">= {ENGINE_TARGET:g}x faster", baseline_s / engine_s >= ENGINE_TARGET,
               notes=[f"{baseline_s / engine_s:.1f}x faster than pandas reading and computing; pandas spent "
                      f"{read_s:.2f} s reading and {compute_s:.2f} s computing; both give the same {len(engine):,} rows"]),
        Figure("progress engine", what, "ICS", engine_s, "s",
               "pandas groupby on the measurements already in memory (compute alone)", compute_s, "", None,
               notes=[f"{compute_s / engine_s:.2f}x the speed of pandas computing alone on data already in "
                      f"memory; against pandas reading and computing it is {baseline_s / engine_s:.1f}x"]),
    ]


XLSX_TARGET = 3.0
XLSX_ROWS = 200_000


def _timed_import(empty: Path, workdir: Path, source: Path, **options) -> tuple[float, int, float]:
    """Import one file into a fresh copy of a database; return seconds, rows written and peak memory so far."""
    import shutil
    import time

    from bench.build import BENCH_USER
    from framework.core import db
    from framework.data_io.importers import import_files

    target = workdir / f"import-target-{source.stem}.duckdb"
    for stale in (target, Path(f"{target}.wal")):
        if stale.exists():
            stale.unlink()
    shutil.copy(empty, target)
    con = db.connect(target)
    try:
        started = time.perf_counter()
        summaries = import_files(con, BENCH_USER, [source], **options)
        seconds = time.perf_counter() - started
    finally:
        con.close()
        target.unlink()
    written = sum(s.rows_new + s.rows_changed + s.rows_unchanged for s in summaries)
    return seconds, written, peak_mb()


@step("import_xlsx")
def import_xlsx(workdir: Path, quick: bool) -> list[Figure]:
    """An xlsx template of 200,000 rows, against pandas.read_excel with openpyxl of the same file alone."""
    import time

    import pandas as pd

    from bench.build import framework_only, xlsx_template

    size = XLSX_ROWS if not quick else 20_000
    source = xlsx_template(workdir, quick, size)
    seconds, rows, peak = _timed_import(framework_only(workdir, "ics", quick), workdir, source, system_code="DEMO")
    started = time.perf_counter()
    read = len(pd.read_excel(source, sheet_name="Measurements", engine="openpyxl"))
    baseline = time.perf_counter() - started
    rate, base_rate = rows / seconds, read / baseline
    return [Figure("import", f"xlsx template, {rows:,} rows", "ICS", rate, "rows/s",
                   "pandas.read_excel(engine='openpyxl') alone", base_rate, f">= {XLSX_TARGET:g}x pandas",
                   rate >= XLSX_TARGET * base_rate, peak,
                   notes=[f"{rate / base_rate:.1f}x pandas; import {seconds:.2f} s, read_excel {baseline:.2f} s"])]


@step("insight_search")
def insight_search(workdir: Path, quick: bool) -> list[Figure]:
    """The insight library's search over thousands of activities and items, against a pandas substring scan."""
    import statistics
    import time

    from bench.search_corpus import search_corpus
    from framework.core import db
    from framework.engagement.insight_search import search_insight

    with search_corpus(workdir, quick) as con:
        texts = db.read_df(con, "SELECT a.activity_id, a.summary AS text FROM engagement_activity a WHERE system_code = 'DEMO'"
                                " UNION ALL SELECT y.activity_id, y.you_said FROM you_said y WHERE system_code = 'DEMO'")
        times, base_times = [], []
        for _ in range(5):
            started = time.perf_counter()
            found = search_insight(con, "DEMO", "dentist waiting")
            times.append(time.perf_counter() - started)
            started = time.perf_counter()
            lower = texts["text"].fillna("").str.lower()
            scanned = texts[lower.str.contains("dentist") & lower.str.contains("waiting")]
            base_times.append(time.perf_counter() - started)
        peak = peak_mb()
    ours, theirs = statistics.median(times), statistics.median(base_times)
    return [Figure("insight search", f"'dentist waiting' over {len(texts):,} summaries and items, {len(found)} found",
                   "thousands of records", ours, "s", "pandas substring scan of the same texts (no ranking, no filters)",
                   theirs, "", None, peak, notes=[f"the pandas scan found {len(scanned)} texts"])]


@step("regional_progress")
def regional_progress(workdir: Path, quick: bool) -> list[Figure]:
    """v_progress over every system of a region (7 ICSs), against the same query for one ICS."""
    import time

    from framework.core import db

    def seconds(path: Path) -> tuple[float, int]:
        con = db.connect(path, read_only=True)
        try:
            started = time.perf_counter()
            rows = len(db.read_df(con, "SELECT * FROM v_progress"))
            return time.perf_counter() - started, rows
        finally:
            con.close()

    one, one_rows = seconds(database(workdir, "ics", quick))
    region, region_rows = seconds(database(workdir, "regional", quick))
    return [Figure("progress engine", f"v_progress for a whole region: {region_rows:,} rows", "regional", region, "s",
                   f"v_progress for one ICS ({one_rows:,} rows)", one, "", None,
                   notes=[f"{region / one:.1f}x the time of one ICS for {region_rows / one_rows:.1f}x the rows"])]


from bench.load import engagement_load  # noqa: E402  (the step lives beside its workload)

step("engagement_load")(engagement_load)
# The steps that live in their own modules register themselves when imported.
from bench import steps_export, steps_import, steps_readers, steps_search, steps_server  # noqa: E402,F401
