"""The measures derived from the engagement log: the pure calculation by quarter, and the system-calculated
indicators with source_ref log:<name> written through the measurement upsert."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from framework.engagement.activities import delete_activity, save_activity
from framework.engagement.chart_data import activities_by_level, feedback_loops, reach_by_community
from framework.engagement.measures import compute_measures, quarter_of
from framework.engagement.you_said import update_you_said
from tests.engagement_fixtures import activity

CORE = {"core20", "coastal"}


def acts(*rows):
    cols = ["activity_id", "start_date", "end_date", "level", "communities", "participants", "volunteers",
            "volunteer_hours"]
    return pd.DataFrame(rows, columns=cols)


def items(*rows):
    return pd.DataFrame(rows, columns=["activity_id", "feedback_date"])


def values(frame, name):
    part = frame[frame["name"] == name]
    return dict(zip(part["period_label"], part["value"]))


@pytest.mark.parametrize("day, expected", [
    (date(2024, 4, 1), (date(2024, 4, 1), date(2024, 6, 30), "2024/25 Q1")),
    (date(2025, 2, 14), (date(2025, 1, 1), date(2025, 3, 31), "2024/25 Q4")),
    (date(2023, 12, 31), (date(2023, 10, 1), date(2023, 12, 31), "2023/24 Q3")),
])
def test_quarters_are_financial_year_quarters(day, expected):
    assert quarter_of(day) == expected


def test_share_at_collaborate_or_empower_is_counted_per_quarter():
    log = acts((1, date(2024, 4, 5), date(2024, 4, 5), "collaborate", [], 10, 0, 0),
               (2, date(2024, 5, 5), date(2024, 5, 5), "inform", [], 10, 0, 0),
               (3, date(2024, 6, 5), date(2024, 6, 5), "empower", [], 10, 0, 0),
               (4, date(2024, 7, 5), date(2024, 7, 5), "consult", [], 10, 0, 0))
    out = compute_measures(log, items(), CORE, date(2025, 1, 1))
    assert values(out, "collaborate_empower") == pytest.approx({"2024/25 Q1": 200 / 3, "2024/25 Q2": 0.0})
    row = out[(out["name"] == "collaborate_empower") & (out["period_label"] == "2024/25 Q1")].iloc[0]
    assert (row["count"], row["denominator"]) == (2, 3)


def test_core20plus5_reach_is_the_share_of_participants_at_activities_reaching_a_core_group():
    log = acts((1, date(2024, 4, 5), date(2024, 4, 5), "consult", ["core20", "carers"], 30, 0, 0),
               (2, date(2024, 4, 9), date(2024, 4, 9), "consult", ["carers"], 60, 0, 0),
               (3, date(2024, 4, 9), date(2024, 4, 9), "consult", ["coastal"], 10, 0, 0),
               (4, date(2024, 4, 9), date(2024, 4, 9), "consult", ["core20"], None, 0, 0))
    out = compute_measures(log, items(), CORE, date(2025, 1, 1))
    assert values(out, "core20plus5_reach") == pytest.approx({"2024/25 Q1": 40.0})


def test_feedback_within_3_months_counts_only_items_that_are_due_or_fed_back():
    log = acts((1, date(2024, 4, 10), date(2024, 4, 10), "consult", [], 10, 0, 0),
               (2, date(2024, 12, 1), date(2024, 12, 1), "consult", [], 10, 0, 0))
    its = items((1, date(2024, 6, 1)),  # on time
                (1, date(2024, 8, 1)),  # late
                (1, None),  # overdue
                (2, None))  # not yet due on 2025-01-01: left out
    out = compute_measures(log, its, CORE, date(2025, 1, 1))
    assert values(out, "feedback_within_3_months") == pytest.approx({"2024/25 Q1": 100 / 3})
    later = compute_measures(log, its, CORE, date(2025, 3, 2))  # now item 4's three months are up
    assert values(later, "feedback_within_3_months")["2024/25 Q3"] == 0.0


def test_volunteer_hours_are_summed_per_quarter_with_volunteers_as_the_count():
    log = acts((1, date(2024, 4, 5), date(2024, 4, 5), "involve", [], 10, 3, 12.5),
               (2, date(2024, 5, 5), date(2024, 5, 5), "involve", [], 10, 2, None),
               (3, date(2024, 10, 5), date(2024, 10, 5), "involve", [], 10, 4, 20))
    out = compute_measures(log, items(), CORE, date(2025, 1, 1))
    assert values(out, "volunteer_hours") == {"2024/25 Q1": 12.5, "2024/25 Q3": 20.0}
    assert list(out[out["name"] == "volunteer_hours"]["count"]) == [5, 4]


def test_an_empty_log_gives_no_measures():
    assert compute_measures(acts(), items(), CORE, date(2025, 1, 1)).empty


def test_logging_writes_system_calculated_indicators_with_log_source_refs(demo_con, editor):
    save_activity(demo_con, editor, "DEMO", activity(level="collaborate", communities=["coastal"]))
    save_activity(demo_con, editor, "DEMO", activity(title="Survey", method="survey", level="consult",
                                                     communities=["carers"], participants=60, volunteer_hours=8))
    rows = demo_con.execute(
        "SELECT i.source_ref, i.status, m.area_code, m.period_label, m.value FROM v_indicator i"
        " JOIN v_measurement m USING (system_code, indicator_code) WHERE i.source_ref LIKE 'log:%'"
        " ORDER BY i.source_ref").fetchall()
    assert rows == [("log:collaborate_empower", "active", "DEMO-ICB", "2025/26 Q1", 50.0),
                    ("log:core20plus5_reach", "active", "DEMO-ICB", "2025/26 Q1", 40.0),
                    ("log:volunteer_hours", "active", "DEMO-ICB", "2025/26 Q1", 20.0)]
    assert demo_con.execute("SELECT count(*) FROM indicator WHERE source_ref LIKE 'log:%'").fetchall() == [(4,)]


def test_measures_follow_edits_and_a_quarter_left_empty_loses_its_values(demo_con, editor):
    first = save_activity(demo_con, editor, "DEMO", activity(start_date="2024-05-01", end_date="2024-05-01"),
                          items=[{"you_said": "Later buses."}])
    save_activity(demo_con, editor, "DEMO", activity(title="Later", level="empower"))

    def share(label):
        return demo_con.execute(
            "SELECT value FROM v_measurement WHERE indicator_code = 'ENG-COLLAB' AND period_label = ?", [label]
        ).fetchall()

    assert share("2025/26 Q1") == [(100.0,)] and share("2024/25 Q1") == [(0.0,)]
    item = demo_con.execute("SELECT item_id FROM you_said").fetchall()[0][0]
    update_you_said(demo_con, editor, "DEMO", item, {"you_said": "Later buses.", "feedback_date": "2024-06-01"})
    assert demo_con.execute("SELECT value FROM v_measurement WHERE indicator_code = 'ENG-FEEDBACK'").fetchall() == [
        (100.0,)]
    delete_activity(demo_con, editor, "DEMO", first)
    assert share("2024/25 Q1") == []


def test_reach_by_community_sits_beside_population_share(demo_con, editor):
    demo_con.execute("UPDATE community_tag SET population_share = 8 WHERE tag_code = 'coastal'")
    save_activity(demo_con, editor, "DEMO", activity(communities=["coastal"], participants=30))
    save_activity(demo_con, editor, "DEMO", activity(title="B", communities=["carers"], participants=70))
    reach = reach_by_community(demo_con, "DEMO").set_index("tag_code")
    assert reach.loc["coastal", ["participants", "reach_share", "population_share"]].tolist() == [30, 30.0, 8.0]
    assert reach.loc["carers", "reach_share"] == 70.0 and reach.loc["lgbtq", "participants"] == 0


def test_charts_data_counts_levels_and_feedback_loops(demo_con, editor):
    save_activity(demo_con, editor, "DEMO", activity(start_date="2024-05-01", end_date="2024-05-01"),
                  items=[{"you_said": "a", "feedback_date": "2024-06-01"}, {"you_said": "b"},
                         {"you_said": "c", "feedback_date": "2024-12-01"}])
    levels = activities_by_level(demo_con, "DEMO")
    assert levels[["period_label", "level", "activities"]].values.tolist() == [["2024/25 Q1", "involve", 1]]
    loops = feedback_loops(demo_con, "DEMO", as_of=date(2025, 1, 1))
    assert dict(zip(loops["loop"], loops["items"])) == {"fed back within 3 months": 1, "fed back later": 1,
                                                        "overdue": 1}
