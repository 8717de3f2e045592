"""Periods still running ("so far"), projection bands inside what a unit allows, and a plain-English summary
whose direction, numbers and verdict always agree."""
from __future__ import annotations

import itertools
import re
from datetime import date

import duckdb
import pandas as pd
import pytest

from framework.core import db
from framework.foundation.indicators import save_indicator
from framework.foundation.measurements import upsert_measurements
from framework.progress import engine as pg
from framework.progress import text as pt
from framework.progress.change import measure_change
from framework.progress.charts import progress_chart
from framework.progress.detail import describe_latest, detail_chart, indicator_progress
from framework.progress.periods import bounded, is_running, label_periods, limits, limits_sql, period_words

START = date(2023, 4, 1)
TODAY = date(2026, 11, 30)


@pytest.mark.parametrize("end, running", [
    (date(2026, 12, 31), True), (date(2026, 12, 1), True), (date(2026, 11, 30), False), (date(2026, 9, 30), False),
    (pd.Timestamp("2027-03-31"), True), (None, False),
])
def test_a_period_is_still_running_only_when_it_ends_after_today(end, running):
    assert is_running(end, TODAY) is running
    words = period_words("2026/27 Q3", end, TODAY)
    assert words == ("2026/27 Q3 so far" if running else "2026/27 Q3")


def test_period_labels_gain_so_far_only_where_the_period_is_still_running():
    frame = pd.DataFrame({"period_label": ["2026/27 Q2", "2026/27 Q3"],
                          "period_end": [date(2026, 9, 30), date(2026, 12, 31)]})
    labelled = label_periods(frame, TODAY)
    assert labelled["period_label"].tolist() == ["2026/27 Q2", "2026/27 Q3 so far"]
    assert frame["period_label"].tolist() == ["2026/27 Q2", "2026/27 Q3"]  # the input is left alone


@pytest.mark.parametrize("unit, low, high", [
    ("%", 0.0, 100.0), ("per 100,000", 0.0, None), ("people", 0.0, None), ("Hours", 0.0, None),
    ("", None, None), ("£", None, None), ("score", None, None), (None, None, None),
])
def test_each_unit_has_the_limits_its_values_can_take_in_python_and_in_sql(unit, low, high):
    assert limits(unit) == (low, high)
    sql_low, sql_high = limits_sql("u")
    con = duckdb.connect()
    got = con.execute(f"SELECT {sql_low}, {sql_high} FROM (SELECT CAST(? AS VARCHAR) AS u)", [unit]).fetchone()
    con.close()
    assert got == (low, high)
    assert bounded(-5.0, unit) == (low if low is not None else -5.0)
    assert bounded(140.0, unit) == (high if high is not None else 140.0)


def _points(values, ends, labels=None, ci=1.0):
    return pd.DataFrame({"period_label": labels or [f"P{i}" for i in range(len(values))], "period_end": ends,
                         "value": values, "lower_ci": [v - ci for v in values], "upper_ci": [v + ci for v in values]})


def test_the_pure_progress_leaves_out_a_running_period_and_keeps_a_percentage_projection_above_zero():
    ends = [date(2023, 12, 31), date(2024, 12, 31), date(2025, 12, 31), date(2026, 12, 31)]
    pts = _points([30.0, 15.0, 3.0, 80.0], ends)
    ind = {"direction": "lower_is_better", "unit": "%", "baseline_value": 35.0, "target_1y": 30.0,
           "target_3y": 20.0, "target_5y": 10.0}
    out = pg.series_progress(ind, START, pts, today=TODAY).set_index("horizon_years")
    assert out.loc[5, "latest_value"] == 3.0 and out.loc[5, "latest_period_end"] == date(2025, 12, 31)
    assert out.loc[5, "projection_lower"] == 0.0 and out.loc[5, "projected_at_horizon"] == 0.0
    ignoring_today = pg.series_progress(ind, START, pts).set_index("horizon_years")
    assert ignoring_today.loc[5, "latest_value"] == 80.0  # without today the running figure would be judged


def _chart(running):
    ends = [date(2024, 3, 31), date(2025, 3, 31), date(2026, 3, 31)]
    pts = _points([30.0, 15.0, 3.0], ends, ["2023/24", "2024/25", "2025/26"])
    trend = pg.fit_trend(zip(ends, pts["value"]), START)
    return progress_chart(title="Falling share", unit="%", start=START, points=pts, baseline=35.0,
                          targets={1: 30.0, 3: 20.0, 5: 10.0}, trend=trend, running=running), trend


def test_the_chart_draws_a_running_period_hollow_names_it_and_projects_from_the_last_complete_one():
    running = pd.DataFrame({"period_label": ["2026/27"], "period_end": [date(2027, 3, 31)], "value": [1.0]})
    fig, trend = _chart(running)
    hollow = [t for t in fig.data if t.name == "So far (period still running)"]
    assert len(hollow) == 1 and hollow[0].marker.symbol == "circle-open" and list(hollow[0].y) == [1.0]
    actual = next(t for t in fig.data if t.name == "Actual value")
    assert list(actual.y) == [30.0, 15.0, 3.0]
    projection = next(t for t in fig.data if t.name == "Projection from recent trend")
    assert projection.x[0] == date(2026, 3, 31)
    band = [t for t in fig.data if t.legendgroup == "Projection: 95% prediction interval"]
    assert min(min(t.y) for t in band) == 0.0 and min(trend.at(date(2028, 3, 31))) < 0  # unbounded it would go below
    assert "Latest data 2025/26; 2026/27 so far" in fig.layout.title.text
    plain, _ = _chart(None)
    assert not [t for t in plain.data if t.name == "So far (period still running)"]


def _running_measure(con, editor, values, ends, code="RUN1", labels=None, unit="%"):
    save_indicator(con, editor, "DEMO", {
        "indicator_code": code, "outcome_code": "O1", "name": "Share still being counted", "unit": unit,
        "direction": "higher_is_better", "kind": "quantitative", "status": "active", "baseline_value": 40,
        "target_1y": 42, "target_3y": 45, "target_5y": 50, "frequency": "quarterly"}, is_new=True)
    if values:
        frame = pd.DataFrame({"system_code": "DEMO", "indicator_code": code, "area_code": "DEMO-ICB",
                              "period_label": labels or [f"Q{i}" for i in range(len(values))],
                              "period_start": [(pd.Timestamp(e) - pd.offsets.QuarterBegin(startingMonth=1)).date()
                                               for e in ends], "period_end": ends, "value": values})
        db.transaction(con, lambda cur: upsert_measurements(cur, frame, None))


def test_the_indicator_page_calls_a_running_quarter_so_far_and_never_the_latest(demo_con, editor):
    ends = [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)]
    _running_measure(demo_con, editor, [41.0, 42.0, 43.0, 0.0], ends,
                     labels=["2025/26 Q4", "2026/27 Q1", "2026/27 Q2", "2026/27 Q3"])
    detail = indicator_progress(demo_con, "DEMO", "RUN1", today=TODAY)
    text = describe_latest(detail)
    assert text.startswith("Latest: 43% (2026/27 Q2).") and "2026/27 Q3 so far: 0%" in text
    assert "Latest: 0%" not in text
    assert (detail["rows"]["latest_value"] == 43.0).all()
    summary = " ".join(detail["summary"])
    assert "risen from 40% to 43% (latest: 2026/27 Q2)" in summary
    assert "The figure so far for 2026/27 Q3 is 0%" in summary
    assert detail["period_table"]["Period"].tolist()[-1] == "2026/27 Q3 so far"
    assert detail["trend"].last_date == date(2026, 9, 30)
    fig = detail_chart(detail)
    assert any(t.name == "So far (period still running)" for t in fig.data)
    after = indicator_progress(demo_con, "DEMO", "RUN1", today=date(2027, 1, 2))
    assert describe_latest(after).startswith("Latest: 0% (2026/27 Q3).")  # once the quarter has ended


def test_a_measure_whose_every_period_is_still_running_is_not_judged(demo_con, editor):
    _running_measure(demo_con, editor, [12.0], [date(2026, 12, 31)], labels=["2026/27 Q3"])
    detail = indicator_progress(demo_con, "DEMO", "RUN1", today=TODAY)
    assert set(detail["rows"]["status"]) == {"not_enough_data"} and detail["rows"]["latest_value"].isna().all()
    assert detail["trend"] is None
    assert detail["summary"][0] == "Every period of this measure here is still running, so progress cannot be judged yet."
    assert "The figure so far for 2026/27 Q3 is 12%" in detail["summary"][1]
    assert describe_latest(detail).startswith("No period is complete yet. 2026/27 Q3 so far: 12%")
    detail_chart(detail)  # draws without a complete period


def test_a_measure_with_no_data_is_described_honestly(demo_con, editor):
    _running_measure(demo_con, editor, [], [])
    detail = indicator_progress(demo_con, "DEMO", "RUN1", today=TODAY)
    assert describe_latest(detail) == "No value yet."
    assert detail["summary"] == ["There is no data for this measure here yet, so progress cannot be judged."]


# --- the summary never contradicts itself ----------------------------------------------------------------------

CASES = list(itertools.product(
    ["higher_is_better", "lower_is_better", "no_judgement"],  # direction
    ["rising", "falling"],  # from the baseline to the latest value
    ["same", "different"],  # the entered baseline against the first value
    [True, False],  # intervals present
    [0.3, 3.0],  # interval half-width: narrow (a real change) or wide (maybe chance)
))


@pytest.mark.parametrize("direction, movement, baseline_kind, with_ci, half", CASES)
def test_the_summary_direction_numbers_and_verdict_always_agree(direction, movement, baseline_kind, with_ci, half):
    first = 16.0
    baseline = first if baseline_kind == "same" else 13.0
    latest = baseline + (1.8 if movement == "rising" else -1.8)
    ends = [date(2023, 3, 31), date(2024, 3, 31), date(2025, 3, 31), date(2026, 3, 31)]
    values = [first, (first + latest) / 2, (first + latest) / 2, latest]
    pts = _points(values, ends, ["2022/23", "2023/24", "2024/25", "2025/26"], ci=half)
    if not with_ci:
        pts[["lower_ci", "upper_ci"]] = None
    ind = {"unit": "%", "direction": direction, "kind": "quantitative"}
    rows = pd.DataFrame([{"horizon_years": h, "target": None, "expected_now": None, "judged_at": ends[-1],
                          "baseline": baseline, "status": "no_target"} for h in (1, 3, 5)])
    text = " ".join(pt.summary(ind, START, rows, pts, None))
    verb = "risen" if movement == "rising" else "fallen"
    quoted = re.search(r"has (risen|fallen) from ([\d.]+)% to ([\d.]+)%", text)
    assert quoted, text
    assert quoted.group(1) == verb
    assert (float(quoted.group(2)), float(quoted.group(3))) == (baseline, round(latest, 1))
    better = (movement == "rising") == (direction == "higher_is_better")
    if direction == "no_judgement":
        assert "improvement" not in text and "worsening" not in text
    elif better:
        assert "worsening" not in text
    else:
        assert "improvement" not in text
    if with_ci and half < 1 and direction != "no_judgement":
        assert ("a real improvement" if better else "a real worsening") in text
    if with_ci and half > 2:
        assert "may be chance" in text and "real" not in text
    if not with_ci and direction != "no_judgement":
        assert ("is an improvement" if better else "is a worsening") in text and "no intervals" in text


def test_the_reported_case_lower_is_better_rising_from_a_baseline_below_the_first_value_is_not_an_improvement():
    ends = [date(2023, 3, 31), date(2026, 3, 31)]
    pts = _points([16.0, 14.8], ends, ["2022/23", "2025/26"], ci=0.4)
    change = measure_change({"unit": "%", "direction": "lower_is_better"}, START, 13.0, pts.iloc[-1], pts.iloc[0])
    assert change.movement == "risen" and change.judgement == "worse" and change.real is True
    rows = pd.DataFrame([{"horizon_years": 1, "target": None, "expected_now": None, "judged_at": ends[-1],
                          "baseline": 13.0, "status": "no_target"}])
    text = " ".join(pt.summary({"unit": "%", "direction": "lower_is_better"}, START, rows, pts, None))
    assert "risen from 13% to 14.8%" in text and "a real worsening" in text and "improvement" not in text


def test_a_tiny_change_that_the_intervals_call_real_is_not_called_steady():
    ends = [date(2023, 3, 31), date(2026, 3, 31)]
    pts = _points([50.0, 50.2], ends, ci=0.05)
    change = measure_change({"unit": "%", "direction": "higher_is_better"}, START, 50.0, pts.iloc[-1], pts.iloc[0])
    assert change.movement == "risen" and change.real is True
    wide = _points([50.0, 50.2], ends, ci=2.0)
    assert measure_change({"unit": "%", "direction": "higher_is_better"}, START, 50.0, wide.iloc[-1],
                          wide.iloc[0]).movement == "steady"


def test_the_gap_sentence_says_so_when_its_two_ends_point_against_the_trend():
    ends = [date(2023, 6, 30), date(2023, 12, 31), date(2024, 6, 30), date(2024, 12, 31), date(2025, 6, 30),
            date(2025, 12, 31)]
    frame = pd.DataFrame({"period_end": [d for d in ends for _ in (0, 1)], "breakdown_group": ["Q1", "Q5"] * 6,
                          "value": [v for gap in (8.0, 12.0, 11.0, 10.0, 9.0, 8.5) for v in (50.0, 50.0 + gap)]})
    series = pg.gap_series(frame, "Q1", "Q5", "higher_is_better")
    trend = pg.gap_trend(series, START)
    text = pt.gap_sentence("Deprivation", "Q1", "Q5", series, trend, "%")
    assert trend["verdict"] == "narrowing" and series["gap"].iloc[-1] > series["gap"].iloc[0]
    assert "point the other way" in text
    steady = pg.gap_series(frame.assign(value=[v for gap in (12.0, 11.0, 10.0, 9.0, 8.5, 8.0)
                                               for v in (50.0, 50.0 + gap)]), "Q1", "Q5", "higher_is_better")
    assert "point the other way" not in pt.gap_sentence("Deprivation", "Q1", "Q5", steady,
                                                        pg.gap_trend(steady, START), "%")
