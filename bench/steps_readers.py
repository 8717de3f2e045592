"""Many readers: N sessions open pages at the same time in one app process at ICS scale, as one Streamlit server
serves them, each session in its own thread (AppTest), all reading through the app's one cached connection."""
from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

from bench.build import database
from bench.results import Figure
from bench.steps import PAGE_TARGET_SECONDS, step

SESSIONS = (1, 4, 16)
QUICK_SESSIONS = (1, 2)
READER_PAGES = ("home_page", "progress_page", "indicators_page")  # what a reader opens first


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _reads(cached: bool) -> None:
    """Uncached: every read goes to the database, as on a first visit, and no session is spared work by another's
    cached read. Cached: sessions share the app's read cache as one server's sessions do, emptied before they start."""
    import streamlit as st

    from framework import streamlit_glue as glue

    glue.read = _CACHED_READ if cached else (lambda fn, *args, **kwargs: fn(glue.connection(), *args, **kwargs))
    st.cache_data.clear()


def _cached_read():
    from framework import streamlit_glue as glue

    return glue.read


_CACHED_READ = _cached_read()


def readers_at_once(db_path: Path, sessions: int, rounds: int, cached: bool,
                    pages=READER_PAGES) -> tuple[list[float], float]:
    """Each page time of `sessions` sessions reading at once (after each has opened every page once), and the
    wall time they took together."""
    from bench.page_times import eighth_indicator, open_app, run_page

    indicator = eighth_indicator(db_path)
    apps = [open_app(db_path, {"indicator": indicator}) for _ in range(sessions)]
    for at in apps:
        for page in pages:
            run_page(at, page)
    _reads(cached)
    times: list[float] = []
    failures: list[BaseException] = []
    start = threading.Barrier(sessions)

    def reader(at) -> None:
        try:
            start.wait()
            for _ in range(rounds):
                for page in pages:
                    times.append(run_page(at, page))
        except BaseException as exc:  # reported below: a failed session fails the step
            failures.append(exc)

    threads = [threading.Thread(target=reader, args=(at,)) for at in apps]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"A reading session failed: {failures[0]}")
    return times, wall


@step("readers")
def readers(workdir: Path, quick: bool) -> list[Figure]:
    """p50 and p95 page time with 1, 4 and 16 sessions reading at once, and where p95 passes 1 s: with the read
    cache the sessions share (as one server runs) and with every read uncached (the worst case)."""
    path = database(workdir, "ics", quick)
    counts, rounds = (QUICK_SESSIONS, 1) if quick else (SESSIONS, 2)
    figures = []
    for cached in (True, False):
        results = {n: readers_at_once(path, n, rounds, cached) for n in counts}
        single = _percentile(results[counts[0]][0], 0.95)
        how = "shared read cache" if cached else "every read uncached"
        for n, (times, wall) in results.items():
            p50, p95 = statistics.median(times), _percentile(times, 0.95)
            figures.append(Figure(
                "many readers", f"{n} session{'s' if n > 1 else ''} at once, {how}, p95 page time", "ICS", p95, "s",
                "one session alone, p95", single, f"p95 < {PAGE_TARGET_SECONDS:g} s", p95 < PAGE_TARGET_SECONDS,
                notes=[f"p50 {p50:.2f} s, p95 {p95:.2f} s over {len(times)} page runs ({', '.join(READER_PAGES)}); "
                       f"{len(times) / wall:.1f} pages/s served"]))
        over = [n for n in counts if _percentile(results[n][0], 0.95) >= PAGE_TARGET_SECONDS]
        figures[-1].notes.append(
            (f"with {how}, p95 first passes {PAGE_TARGET_SECONDS:g} s at {over[0]} session{'s' if over[0] > 1 else ''}"
             " at once" if over else f"with {how}, p95 stays under {PAGE_TARGET_SECONDS:g} s up to {counts[-1]} "
             "sessions at once")
            + f" on {_cores()} cores; each read takes its own cursor on the app's one connection (DuckDB runs them "
            "in parallel), while the pages' Python (pandas, Plotly, Streamlit) takes turns on one interpreter")
    return figures


def _cores() -> int:
    import os

    return os.cpu_count() or 1
