"""The benchmark steps. Each runs in its own process (so its peak memory is its own) and returns its figures."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from bench.build import database
from bench.page_times import page_seconds
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


PAGES = [
    ("Home", "home_page", None),
    ("Progress overview", "progress_page", None),
    ("Indicators, one indicator open", "indicators_page", {"indicator": "I008"}),
]


@step("pages")
def pages(workdir: Path, quick: bool) -> list[Figure]:
    """Page server time at demo and ICS scale, and how it grows between them."""
    demo, ics = database(workdir, "demo", quick), database(workdir, "ics", quick)
    figures = []
    for label, page, query in PAGES:
        demo_query = {k: v.replace("I008", "I08") for k, v in (query or {}).items()}
        small = page_seconds(demo, page, demo_query)
        large = page_seconds(ics, page, query)
        ratio = large / small
        figures.append(Figure(
            "page server time", label, "ICS vs demo", large, "s", "same page at demo scale", small,
            f"< {PAGE_TARGET_SECONDS:g} s and <= {PAGE_TARGET_RATIO:g}x demo",
            large < PAGE_TARGET_SECONDS and ratio <= PAGE_TARGET_RATIO,
            notes=[f"ICS/demo ratio {ratio:.2f}x"],
        ))
    return figures


ENGINE_TARGET = 5.0


@step("progress")
def progress(workdir: Path, quick: bool) -> list[Figure]:
    """The progress engine for every indicator, area and horizon of one ICS, against pandas doing the same."""
    import time

    from bench.progress_baseline import differences, load, progress_pandas
    from framework import db
    from framework.progress_sql import progress_table

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
    return [Figure(
        "progress engine", f"{len(engine):,} indicator-area-horizon rows from {len(raw[0]):,} measurements", "ICS",
        engine_s, "s", "pandas groupby: read the system's measurements, then compute", baseline_s,
        f">= {ENGINE_TARGET:g}x faster", baseline_s / engine_s >= ENGINE_TARGET,
        notes=[f"{baseline_s / engine_s:.1f}x faster than pandas; pandas spent {read_s:.2f} s reading and "
               f"{compute_s:.2f} s computing; both give the same {len(engine):,} rows"],
    )]
