"""Page server time: how long the app takes to run a page script against a database, measured with AppTest."""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from framework.core import db

APP = str(Path(__file__).resolve().parents[1] / "app.py")


# Every page a system's users see (app.py registers them; the Start a new system page shows no system), with the
# address query that opens each as a reader would find it. {indicator} is the scale's eighth indicator.
PAGES = [
    ("Home", "home_page", {}), ("Progress", "progress_page", {}),
    ("Indicators, one indicator open", "indicators_page", {"indicator": "{indicator}"}),
    ("Board report", "board_report_page", {}), ("Framework", "framework_page", {}),
    ("Proposed measures", "proposals_page", {}), ("Priorities", "priorities_page", {}),
    ("Engagement log", "engagement_page", {}), ("Record engagement", "record_engagement_page", {}),
    ("You said, we did", "you_said_page", {}), ("Insight library", "insight_page", {}),
    ("Answer a review", "respond_page", {}), ("Review results", "review_results_page", {}),
    ("Review setup", "review_setup_page", {}), ("Data in and out", "data_page", {}),
    ("Edit measures", "edit_indicators_page", {}), ("History", "history_page", {}),
    ("Glossary", "glossary_page", {}), ("How progress is judged", "progress_rules_page", {}),
]


def eighth_indicator(db_path: Path) -> str:
    """The code of the shown system's eighth indicator (I08 in the demo, I008 at ICS scale)."""
    con = db.connect(db_path)  # as the app opens it, so both may be open in one process
    try:
        first = db.scalar(con.cursor(), "SELECT system_code FROM system ORDER BY is_demo, name LIMIT 1")
        return db.scalar(con.cursor(), "SELECT indicator_code FROM indicator WHERE system_code = ?"
                                       " ORDER BY indicator_code LIMIT 1 OFFSET 7", [first])
    finally:
        con.close()


def open_app(db_path: Path, query: dict[str, str] | None = None, role: str = "editor"):
    """The app frame started on a database as the local editor, ready to switch pages."""
    from streamlit.testing.v1 import AppTest

    os.environ[db.ENV_VAR] = str(db_path)
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["app.view_as"] = role
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if at.exception:
        raise RuntimeError(f"The app failed to start: {at.exception[0].message}")
    return at


def run_page(at, page: str) -> float:
    """Seconds for one run of pages/<page>.py in an open app; a page that fails stops the benchmark."""
    started = time.perf_counter()
    at.switch_page(f"pages/{page}.py").run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"pages/{page}.py failed: {at.exception[0].message}")
    return seconds


def page_times(db_path: Path, repeats: int = 3) -> dict[str, float]:
    """Median seconds to run each page of PAGES with an empty read cache, after one warm-up run of it."""
    import streamlit as st

    indicator = eighth_indicator(db_path)
    at = open_app(db_path, {k: v.format(indicator=indicator) for _, _, query in PAGES for k, v in query.items()})
    times: dict[str, float] = {}
    for _, page, _ in PAGES:
        run_page(at, page)
        runs = []
        for _ in range(repeats):
            st.cache_data.clear()
            runs.append(run_page(at, page))
        times[page] = statistics.median(runs)
    return times


def page_seconds(db_path: Path, page: str, query: dict[str, str] | None = None, repeats: int = 3) -> float:
    """Median seconds to run pages/<page>.py with an empty read cache, after one warm-up of the app frame."""
    import streamlit as st

    at = open_app(db_path, query)
    run_page(at, page)
    runs = []
    for _ in range(repeats):
        st.cache_data.clear()
        runs.append(run_page(at, page))
    return statistics.median(runs)

LIBRARIES = (("DuckDB (SQL)", ("duckdb",)), ("Plotly (figures)", ("plotly",)),
             ("pandas, NumPy and Arrow", ("pandas", "numpy", "pyarrow")), ("Streamlit", ("streamlit",)),
             ("the app's own Python", ("/framework/", "/pages/")))


def _library(filename: str, function: str) -> str:
    if filename.endswith("framework/core/db.py"):  # read_df and friends: their own time is DuckDB's query
        return "DuckDB (SQL)"
    where = f"{filename} {function}"
    for name, marks in LIBRARIES:
        if any(mark in where for mark in marks):
            return name
    return "other (Python itself, copies, protobuf)"


def page_split(db_path: Path, page: str, query: dict[str, str] | None = None) -> dict[str, float]:
    """Where one run of a page spends its time, in seconds by library (each function's own time, profiled in the
    thread that runs the page), with the whole run under 'total'. Profiling slows Python code more than C code, so
    the shares matter more than the sums."""
    import cProfile
    import pstats

    import streamlit as st

    from framework import streamlit_glue as glue

    at = open_app(db_path, query)
    run_page(at, page)
    profiler = cProfile.Profile()
    prelude = glue.page

    def profiled_page(*args, **kwargs):  # the page's own thread starts the profiler as the page begins
        profiler.enable()
        return prelude(*args, **kwargs)

    glue.page = profiled_page
    try:
        st.cache_data.clear()
        started = time.perf_counter()
        at.switch_page(f"pages/{page}.py").run()
        total = time.perf_counter() - started
    finally:
        glue.page = prelude
    profiler.create_stats()
    split: dict[str, float] = {}
    for (filename, _, function), (_, _, own, _, _) in pstats.Stats(profiler).stats.items():
        name = _library(filename, function)
        split[name] = split.get(name, 0.0) + own
    return {"total": total, **dict(sorted(split.items(), key=lambda kv: -kv[1]))}
