"""Data quality beside every measure: the share of expected periods present, the age of the latest period, the
share of values with a note and whether intervals are present, scored for all measures in one query."""
from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pytest

from framework.board_return import export_return
from framework.core import db
from framework.foundation.indicators import save_indicator
from framework.foundation.measurements import upsert_measurements
from framework.progress.data_quality import data_quality, data_quality_sheet, frequency_months, score_row

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize("words, months", [
    ("monthly", 1), ("Quarterly", 3), ("  twice  a YEAR ", 6), ("annual", 12), ("yearly", 12),
    ("each review round", None), ("when we can", None), ("", None), (None, None), (12, None),
])
def test_frequencies_in_words_give_months_per_period_or_none_when_not_recognised(words, months):
    assert frequency_months(words) == months


def _recount(con, code: str, today: date) -> dict:
    """The same counts, one measure at a time in pandas (the reference for the single query)."""
    rows = db.read_df(con, "SELECT m.*, i.frequency FROM measurement m JOIN indicator i USING (system_code,"
                           " indicator_code) WHERE m.system_code = 'DEMO' AND m.indicator_code = ?"
                           " AND m.area_code = 'DEMO-ICB' AND m.breakdown = 'All'", [code])
    for col in ("period_start", "period_end"):
        rows[col] = pd.to_datetime(rows[col]).dt.date
    done = rows[rows["period_end"] <= today]
    valued = done[done["value"].notna()]
    notes = done["value_note"].fillna("").str.strip()
    noted = ((notes != "") & ~notes.isin(["Calculated from the engagement log", "From the stakeholder review"]))
    return {"present": valued["period_end"].nunique(), "values": len(valued), "noted": int(noted.sum()),
            "with_intervals": int((valued["lower_ci"].notna() & valued["upper_ci"].notna()).sum()),
            "running": int((rows["period_end"] > today).sum()),
            "latest_period_end": valued["period_end"].max() if len(valued) else None}


def test_one_query_scores_every_measure_and_agrees_with_counting_each_one(demo_con):
    quality = data_quality(demo_con, "DEMO", today=TODAY).set_index("indicator_code")
    codes = db.read_df(demo_con, "SELECT indicator_code FROM indicator WHERE system_code = 'DEMO'")["indicator_code"]
    assert set(quality.index) == set(codes)
    for code in codes:
        row = quality.loc[code]
        expected = _recount(demo_con, code, TODAY)
        for key, value in expected.items():
            assert row[key] == value or (value is None and pd.isna(row[key])), (code, key)
    i01 = quality.loc["I01"]
    assert i01["expected"] == 15 and i01["completeness"] == pytest.approx(i01["present"] / 15)
    assert i01["words"].startswith(f"{i01['grade']}: {i01['present']} of 15 expected periods present")
    assert quality.loc["I04", "grade"] == "Qualitative"
    assert set(quality["grade"]) <= {"Good", "Fair", "Poor", "No data", "Qualitative"}
    assert quality["score"].dropna().between(0, 100).all()


def _measure(con, editor, code, frequency, rows, unit="%"):
    save_indicator(con, editor, "DEMO", {
        "indicator_code": code, "outcome_code": "O1", "name": f"Measure {code}", "unit": unit,
        "direction": "higher_is_better", "kind": "quantitative", "status": "active", "frequency": frequency},
        is_new=True)
    if rows:
        frame = pd.DataFrame([{"system_code": "DEMO", "indicator_code": code, "area_code": "DEMO-ICB", **r}
                              for r in rows])
        db.transaction(con, lambda cur: upsert_measurements(cur, frame, None))


def _quarter(year, q, value=50.0, **extra):
    start = date(year, 3 * q - 2, 1)
    end = (pd.Timestamp(start) + pd.offsets.QuarterEnd(0)).date()
    return {"period_label": f"{year} Q{q}", "period_start": start, "period_end": end, "value": value, **extra}


def test_misused_measures_get_honest_words_running_only_no_data_and_unknown_frequency(demo_con, editor):
    _measure(demo_con, editor, "Q1RUN", "quarterly", [_quarter(2026, 4)])
    _measure(demo_con, editor, "Q2NONE", "quarterly", [])
    _measure(demo_con, editor, "Q3ODD", "when the survey runs", [_quarter(2025, 1), _quarter(2026, 1)])
    quality = data_quality(demo_con, "DEMO", today=TODAY).set_index("indicator_code")
    assert quality.loc["Q1RUN", "words"] == "No complete period yet (1 still running)."
    assert quality.loc["Q1RUN", "grade"] == "No data" and pd.isna(quality.loc["Q1RUN", "score"])
    assert quality.loc["Q2NONE", "words"] == "No complete period yet: no data has been loaded."
    odd = quality.loc["Q3ODD"]
    assert pd.isna(odd["expected"]) and pd.isna(odd["completeness"])
    assert "frequency (when the survey runs) is not one we recognise" in odd["words"]
    assert odd["grade"] in {"Good", "Fair", "Poor"}  # judged on what can be judged


def test_gaps_old_data_notes_and_missing_intervals_lower_the_score(demo_con, editor):
    good = [_quarter(y, q, lower_ci=48.0, upper_ci=52.0) for y in (2023, 2024, 2025, 2026) for q in (1, 2, 3, 4)
            if (2023, 2) <= (y, q) <= (2026, 3)]  # every quarter from the framework start (April 2023)
    _measure(demo_con, editor, "GOOD", "quarterly", good)
    patchy = [_quarter(y, q, value_note="There is a data quality issue with this value") for y, q in
              ((2024, 1), (2024, 3), (2025, 1))]
    _measure(demo_con, editor, "PATCHY", "quarterly", patchy)
    quality = data_quality(demo_con, "DEMO", today=TODAY).set_index("indicator_code")
    assert quality.loc["GOOD", "grade"] == "Good" and quality.loc["GOOD", "score"] == 100
    patchy_row = quality.loc["PATCHY"]
    assert patchy_row["grade"] == "Poor" and patchy_row["score"] < 20
    assert "3 of 14 expected periods present (21%)" in patchy_row["words"]
    assert "100% of values carry a note" in patchy_row["words"] and "no intervals" in patchy_row["words"]
    assert "latest period ended 20 months ago" in patchy_row["words"]


@pytest.mark.parametrize("unit, words", [("%", "; no intervals."), ("people", "; no intervals (not expected for a count).")])
def test_intervals_are_expected_of_percentages_and_rates_but_not_of_counts(unit, words):
    row = {"period_months": 3, "expected": 4, "present": 4, "values": 4, "noted": 0, "with_intervals": 0,
           "age_days": 40, "unit": unit, "kind": "quantitative"}
    scored = score_row(row)
    assert scored["words"].endswith(words)
    assert scored["score"] == (75 if unit == "%" else 100)


def test_the_board_return_has_a_data_quality_sheet(demo_con, editor, tmp_path):
    out = tmp_path / "return.xlsx"
    counts = export_return(demo_con, editor, "DEMO", out)
    sheet = data_quality_sheet(demo_con, "DEMO")
    assert counts["Data quality"] == len(sheet) > 20
    ws = openpyxl.load_workbook(out, read_only=True)["Data quality"]
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header[:5] == ["Indicator", "Measure", "Frequency", "Data quality", "Score (0 to 100)"]
