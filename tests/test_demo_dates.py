"""The demo is dated relative to today: its data end with the last complete quarter before today, its engagement
log and stakeholder reviews end before today, and nothing in it lies in the future."""
from __future__ import annotations

from datetime import date

import pytest

from framework.core import db
from framework.demo.engagement_log import _spread
from framework.demo.review import demo_rounds
from framework.demo.system import build_demo, data_end, load_demo
from tests.conftest import make_user

PLANS = {("review_action", "due_on")}  # a due date is a plan for the future, not data about it


@pytest.mark.parametrize("today, end", [
    (date(2026, 11, 30), date(2026, 9, 30)),
    (date(2026, 10, 1), date(2026, 9, 30)),  # the first day of a quarter: the quarter before has just ended
    (date(2026, 9, 30), date(2026, 6, 30)),  # the last day of a quarter: that quarter is not complete before today
    (date(2027, 4, 1), date(2027, 3, 31)),
    (date(2025, 2, 14), date(2024, 12, 31)),
])
def test_the_demo_data_end_with_the_last_complete_quarter_before_today(today, end):
    assert data_end(today) == end
    data = build_demo(today=today)
    assert data.measurements["period_end"].max() == end
    assert (data.measurements["period_start"] <= end).all()
    assert max(i["baseline_date"] for i in data.indicators if i["baseline_date"]) < today


def test_the_demo_is_the_same_for_the_same_today_and_moves_on_with_it():
    first, again = build_demo(today=date(2026, 11, 30)), build_demo(today=date(2026, 11, 30))
    assert first.measurements.equals(again.measurements)
    later = build_demo(today=date(2027, 2, 1))
    assert later.measurements["period_end"].max() == date(2026, 12, 31)
    assert len(later.measurements) > len(first.measurements)


def _dates_after(con, today: date) -> list[str]:
    """Every DATE value in every table that lies after today, as 'table.column: value'."""
    columns = db.read_rows(con, "SELECT table_name, column_name FROM information_schema.columns c"
                                " JOIN information_schema.tables t USING (table_schema, table_name)"
                                " WHERE c.data_type = 'DATE' AND t.table_type = 'BASE TABLE'")
    found = []
    for col in columns:
        table, column = col["table_name"], col["column_name"]
        if (table, column) in PLANS:
            continue
        later = db.scalar(con, f'SELECT max("{column}") FROM "{table}" WHERE "{column}" > ?', [today])
        if later is not None:
            found.append(f"{table}.{column}: {later}")
    return found


@pytest.mark.parametrize("today", [date(2026, 11, 30), date(2026, 10, 1), date(2027, 1, 1), date(2026, 3, 31)])
def test_nothing_in_the_demo_with_its_log_and_reviews_lies_after_today(tmp_path, today):
    empty = db.connect(tmp_path / "empty.duckdb")
    reference = set(_dates_after(empty, today))  # reference data, such as areas in force from a future date
    empty.close()
    con = db.connect(tmp_path / "demo.duckdb")
    load_demo(con, make_user("editor"), extras=True, today=today)
    assert set(_dates_after(con, today)) - reference == set()
    assert db.scalar(con, "SELECT count(*) FROM engagement_activity") == 36
    assert db.scalar(con, "SELECT max(end_date) FROM engagement_activity") <= data_end(today)
    closes = db.read_rows(con, "SELECT title, closes_on FROM review_round ORDER BY closes_on")
    assert [r["title"] for r in closes] == [t for t, _, _ in demo_rounds(today)]
    assert closes[-1]["closes_on"] < today
    due = db.scalar(con, "SELECT min(due_on) FROM review_action")
    assert due > closes[-1]["closes_on"]  # the actions were agreed at the later round
    con.close()


def test_the_date_check_itself_finds_a_date_after_today(tmp_path):
    con = db.connect(tmp_path / "demo.duckdb")
    load_demo(con, make_user("editor"), today=date(2026, 11, 30))
    con.execute("UPDATE measurement SET period_end = DATE '2027-01-31' WHERE indicator_code = 'I01'"
                " AND period_end = (SELECT max(period_end) FROM measurement WHERE indicator_code = 'I01')")
    assert any(f.startswith("measurement.period_end: 2027-01-31") for f in _dates_after(con, date(2026, 11, 30)))
    con.close()


def test_the_engagement_log_spreads_three_dozen_activities_from_april_2023_to_the_end_of_the_data():
    spread = _spread(date(2026, 9, 30))
    days = [d for _, d, _ in spread]
    assert len(spread) == 36 and days == sorted(days) and days[0] == date(2023, 4, 10)
    assert days[-1] == date(2026, 9, 2)  # four weeks before the data end, so the longest activity ends by then
