"""Many people writing the engagement log at once, on one DuckDB file: nothing acknowledged is lost, nobody sees a
raw database error, saves of different records never conflict, and the derived measures end in step with the log.
Bounded in size (eight people, 200 operations each); its speed is reported by the engagement_load benchmark step."""
from __future__ import annotations

from datetime import date

import pytest

from bench.load import copy_of, measures_behind, run_load
from framework.core import db
from framework.core.errors import WriteConflict
from framework.engagement.activities import save_activity
from framework.engagement.sync import refresh_measures
from tests.conftest import make_user
from tests.engagement_fixtures import activity, engagement_db_file  # noqa: F401

LOG = "indicator_code IN (SELECT indicator_code FROM indicator WHERE source_ref LIKE 'log:%')"


def test_eight_partners_saving_their_own_records_at_once_lose_nothing_and_never_conflict(engagement_db_file, tmp_path):
    result = run_load(copy_of(engagement_db_file, tmp_path / "load.duckdb"), threads=8, ops=200)
    assert result.operations == 1600
    assert result.unexpected == []
    assert result.lost == []
    assert result.conflicts_own == 0
    assert result.measures_behind == 0
    assert result.writes > 1000  # the mix is mostly writes: three in four operations


def test_editors_changing_the_same_activities_conflict_only_on_those_and_lose_nothing(engagement_db_file, tmp_path):
    result = run_load(copy_of(engagement_db_file, tmp_path / "contested.duckdb"), threads=8, ops=40, contested=True)
    assert result.unexpected == []  # a conflict on a shared activity is a WriteConflict in words, counted apart
    assert result.lost == []  # each shared activity ends as one of the versions someone was told was saved
    assert result.conflicts_own == 0
    assert result.measures_behind == 0


def test_a_save_recalculates_only_its_own_quarters_and_a_full_refresh_mends_the_rest(engagement_db_file, tmp_path):
    con = db.connect(copy_of(engagement_db_file, tmp_path / "quarters.duckdb"))
    partner = make_user("partner")
    save_activity(con, partner, "DEMO", activity(start_date="2025-05-01", end_date="2025-05-01"))
    assert measures_behind(con) == 0
    con.execute(f"UPDATE measurement SET value = -1 WHERE period_start = DATE '2024-04-01' AND {LOG}"
                " AND indicator_code = (SELECT indicator_code FROM indicator WHERE source_ref = 'log:volunteer_hours')")
    save_activity(con, partner, "DEMO", activity(start_date="2026-01-10", end_date="2026-01-10"))
    assert measures_behind(con) == 1  # the other quarter's row was not rewritten by this save
    assert refresh_measures(con, "DEMO") is True
    assert measures_behind(con) == 0
    con.close()


def test_a_refresh_on_a_new_day_recalculates_the_whole_log(engagement_db_file, tmp_path):
    con = db.connect(copy_of(engagement_db_file, tmp_path / "days.duckdb"))
    refresh_measures(con, "DEMO", [date(2025, 5, 1)], as_of=date(2026, 11, 29))
    con.execute(f"UPDATE measurement SET value = -1 WHERE period_start = DATE '2024-04-01' AND {LOG}")
    refresh_measures(con, "DEMO", [date(2025, 5, 1)], as_of=date(2026, 11, 29))
    assert con.execute(f"SELECT count(*) FROM measurement WHERE value = -1 AND {LOG}").fetchall()[0][0] >= 3
    refresh_measures(con, "DEMO", [date(2025, 5, 1)], as_of=date(2026, 11, 30))
    assert con.execute(f"SELECT count(*) FROM measurement WHERE value = -1 AND {LOG}").fetchall() == [(0,)]
    con.close()


def test_two_people_saving_the_same_activity_at_the_same_moment_get_one_save_and_one_message(
        engagement_db_file, tmp_path):
    con = db.connect(copy_of(engagement_db_file, tmp_path / "same.duckdb"))
    editor = make_user("editor")
    activity_id = save_activity(con, editor, "DEMO", activity(title="Before"))
    other = con.cursor()  # someone else's save of every field, as save_activity writes it, not yet committed
    other.begin()
    other.execute("UPDATE engagement_activity SET title = 'Theirs', areas = ['DEMO-P04'], communities = ['carers']"
                  " WHERE activity_id = ?", [activity_id])
    with pytest.raises(WriteConflict, match="Nothing was changed: reload the page and try again"):
        save_activity(con, editor, "DEMO", activity(title="Ours"), activity_id=activity_id)
    other.commit()
    assert con.execute("SELECT title FROM engagement_activity WHERE activity_id = ?", [activity_id]).fetchall() == [
        ("Theirs",)]
    assert con.execute("SELECT count(*) FROM audit_log WHERE entity = 'engagement_activity' AND entity_key = ?"
                       " AND action = 'update'", [str(activity_id)]).fetchall() == [(0,)]
    con.close()
