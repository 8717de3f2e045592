"""The page benchmark measures every page a system's users see, and its many-readers step reads honestly."""
from __future__ import annotations

import re

from bench.page_times import PAGES, _library
from bench.steps_readers import _percentile
from tests.conftest import ROOT


def test_every_page_app_py_registers_for_a_system_is_measured():
    registered = set(re.findall(r'"pages/(\w+)\.py"', (ROOT / "app.py").read_text()))
    measured = {page for _, page, _ in PAGES}
    assert registered - {"start_system_page"} == measured, "a page of app.py is not in bench/page_times.PAGES"
    assert "start_system_page" not in measured  # it shows no system, so no system's data
    assert len({label for label, _, _ in PAGES}) == len(PAGES)


def test_the_time_split_puts_database_reads_under_duckdb_and_charts_under_plotly():
    assert _library("/x/framework/core/db.py", "read_df") == "DuckDB (SQL)"
    assert _library("/venv/site-packages/plotly/basedatatypes.py", "update") == "Plotly (figures)"
    assert _library("/venv/site-packages/pandas/core/frame.py", "merge") == "pandas, NumPy and Arrow"
    assert _library("/x/pages/indicators_page.py", "<module>") == "the app's own Python"
    assert _library("~", "<built-in method builtins.sorted>").startswith("other")


def test_the_95th_percentile_is_a_measured_time_near_the_top():
    times = [float(i) for i in range(1, 101)]
    assert _percentile(times, 0.95) == 95.0
    assert _percentile([0.2], 0.95) == 0.2
    assert _percentile([0.1, 0.2, 3.0], 0.5) == 0.2


def test_the_readers_step_reads_uncached_when_asked_and_puts_the_apps_cache_back(monkeypatch):
    from bench import steps_readers
    from framework import streamlit_glue as glue

    monkeypatch.setattr(glue, "read", glue.read)  # restored after the test
    monkeypatch.setattr(glue, "connection", lambda: "the connection")
    calls = []

    def fn(con, x):
        calls.append((con, x))
        return x

    steps_readers._reads(cached=False)
    assert glue.read(fn, 1) == 1 and glue.read(fn, 1) == 1
    assert calls == [("the connection", 1), ("the connection", 1)]
    steps_readers._reads(cached=True)
    assert glue.read is steps_readers._CACHED_READ
