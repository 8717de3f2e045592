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

# a due date, and the closing day of a round open today, are plans for the future, not data about it
PLANS = {("review_action", "due_on"), ("review_round", "closes_on"), ("priority_round", "closes_on")}


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
    closes = db.read_rows(con, "SELECT title, closes_on FROM review_round WHERE closes_on < ? ORDER BY closes_on",
                          [today])  # the closed reviews, with results; the open one is checked below
    assert [r["title"] for r in closes] == [t for t, _, _ in demo_rounds(today)]
    due = db.scalar(con, "SELECT min(due_on) FROM review_action")
    assert due > closes[-1]["closes_on"]  # the actions were agreed at the later round
    _the_showcase_is_dated_to(con, today)
    con.close()


def _the_showcase_is_dated_to(con, today: date) -> None:
    """One prioritisation round closed with ballots, one open today with ballots; one review round open today; every
    ballot, proposal and story written by today; only the open rounds' closing days lie ahead."""
    from framework.measures.priorities import round_state
    from framework.reviews.rounds import round_state as review_state

    rounds = db.read_rows(con, "SELECT round_id, opens_on, closes_on, closed_at FROM priority_round ORDER BY opens_on")
    assert [round_state(r["opens_on"], r["closes_on"], r["closed_at"], today) for r in rounds] == ["closed", "open"]
    assert all(r["opens_on"] <= today for r in rounds)
    for r in rounds:
        assert db.scalar(con, "SELECT count(*) FROM priority_ballot WHERE round_id = ?", [r["round_id"]]) > 0
    reviews = db.read_rows(con, "SELECT opens_on, closes_on, closed_early FROM review_round ORDER BY opens_on")
    assert [review_state(r, today) for r in reviews] == ["closed", "closed", "open"]
    later = [r for r in reviews + rounds if r["closes_on"] > today]
    assert len(later) == 2  # the open rounds' closing days, and nothing else
    statuses = db.read_rows(con, "SELECT DISTINCT status FROM measure_proposal ORDER BY status")
    assert [r["status"] for r in statuses] == ["accepted", "declined", "merged", "open"]
    assert db.scalar(con, "SELECT max(period_end) FROM narrative") <= data_end(today)
    assert db.scalar(con, "SELECT count(*) FROM narrative") >= 3


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
