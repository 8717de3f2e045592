"""Page server time: how long the app takes to run a page script against a database, measured with AppTest."""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from framework.core import db

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def page_seconds(db_path: Path, page: str, query: dict[str, str] | None = None, repeats: int = 3) -> float:
    """Median seconds to run pages/<page>.py with an empty read cache, after one warm-up of the app frame."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ[db.ENV_VAR] = str(db_path)
    at = AppTest.from_file(APP, default_timeout=300)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if at.exception:
        raise RuntimeError(f"The app failed to start: {at.exception[0].message}")
    times = []
    for _ in range(repeats):
        st.cache_data.clear()
        started = time.perf_counter()
        at.switch_page(f"pages/{page}.py").run()
        times.append(time.perf_counter() - started)
        if at.exception:
            raise RuntimeError(f"pages/{page}.py failed: {at.exception[0].message}")
    return statistics.median(times)


LIBRARIES = (("DuckDB (SQL)", ("duckdb",)), ("Plotly (figures)", ("plotly",)),
             ("pandas, NumPy and Arrow", ("pandas", "numpy", "pyarrow")), ("Streamlit", ("streamlit",)),
             ("the app's own Python", ("/framework/", "/pages/")))


def _library(filename: str, function: str) -> str:
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
    from streamlit.testing.v1 import AppTest

    from framework import streamlit_glue as glue

    os.environ[db.ENV_VAR] = str(db_path)
    at = AppTest.from_file(APP, default_timeout=300)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"pages/{page}.py").run()
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
