"""The indicator page with a quarter still running: the figure is called "so far" and never the latest; and the
data quality of every measure, in words on its page and as a sortable column in the catalogue."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from framework.core import db
from framework.foundation.measurements import upsert_measurements
from tests.apptest_helpers import as_read, copy_db, open_app


def running_quarter(today: date | None = None) -> tuple[date, date]:
    """The start and end of a quarter that ends after today (the one holding tomorrow)."""
    day = (today or date.today()) + timedelta(days=1)
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return start, (pd.Timestamp(start) + pd.offsets.QuarterEnd(0)).date()


def with_running_quarter(demo_db_file, folder, code="I01", value=0.0):
    """A copy of the demo with a figure so far for a quarter still running."""
    path = copy_db(demo_db_file, folder)
    start, end = running_quarter()
    con = db.connect(path)
    frame = pd.DataFrame([{"system_code": "DEMO", "indicator_code": code, "area_code": "DEMO-ICB",
                           "period_label": "This quarter", "period_start": start, "period_end": end, "value": value}])
    db.transaction(con, lambda cur: upsert_measurements(cur, frame, None))
    con.close()
    return path


def test_a_quarter_still_running_is_shown_as_so_far_and_never_as_the_latest(monkeypatch, demo_db_file, tmp_path):
    path = with_running_quarter(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="indicators_page", role="community", query={"indicator": "I01"})
    assert not at.exception
    caption = next(as_read(c.value) for c in at.caption if as_read(c.value).startswith("Latest:"))
    assert "This quarter so far: 0%" in caption and not caption.startswith("Latest: 0%")
    summary = next(m.value for m in at.markdown if m.value.startswith("Since April 2023"))
    assert "The figure so far for This quarter is 0%" in summary
    periods = next(d.value for d in at.dataframe if list(d.value.columns[:2]) == ["Area", "Period"])
    assert periods.iloc[-1]["Period"] == "This quarter so far"
    latest = at.dataframe[-1].value
    assert latest.iloc[0]["Period"] == "This quarter so far"


def test_every_measure_shows_its_data_quality_in_words_and_the_catalogue_can_sort_by_it(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="viewer", query={"indicator": "I01"})
    assert not at.exception
    catalogue = at.dataframe[0].value
    assert {"Data quality", "Quality score"} <= set(catalogue.columns)
    assert set(catalogue["Data quality"]) <= {"Good", "Fair", "Poor", "No data", "Qualitative"}
    assert catalogue["Quality score"].dropna().between(0, 100).all()
    note = next(m.value for m in at.markdown if m.value.startswith("**Data quality.**"))
    assert "expected periods present" in note and "latest period ended" in note
