"""The progress engine over a whole system in DuckDB: the public view v_progress, its agreement with the pure
functions, staying current after data changes, judging at a chosen date, and the audited narratives."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from framework.core import db
from framework.core.audit import log
from framework.core.errors import ValidationError
from framework.foundation.indicators import save_indicator
from framework.foundation.measurements import upsert_measurements
from framework.progress import engine as pg
from framework.progress.detail import indicator_breakdowns, indicator_progress
from framework.progress.narratives import add_narrative, list_narratives, withdraw_narrative
from framework.progress.sql import V_PROGRESS_COLUMNS, progress_list, progress_table, status_counts
from tests.conftest import ROOT, make_user

START = date(2023, 4, 1)


def test_v_progress_has_exactly_the_columns_of_the_public_contract(demo_con):
    cols = [r[0] for r in demo_con.cursor().execute("DESCRIBE v_progress").fetchall()]
    assert cols == ["system_code", "indicator_code", "area_code", "horizon_years", "horizon_date", "target",
                    "latest_value", "latest_period_end", "expected_now", "projected_at_horizon", "status"]
    assert tuple(cols) == V_PROGRESS_COLUMNS


def test_v_progress_covers_every_numeric_indicator_area_and_horizon_with_known_statuses(demo_con):
    df = db.read_df(demo_con, "SELECT * FROM v_progress WHERE system_code = 'DEMO'")
    assert set(df["horizon_years"]) == {1, 3, 5}
    assert set(df["status"]) <= set(pg.STATUSES)
    assert not {"I04", "I16", "I25"} & set(df["indicator_code"])  # qualitative measures are not judged by number
    system_rows = df[(df["area_code"] == "DEMO-ICB") & ~df["indicator_code"].str.contains("~gap~")]
    assert len(system_rows) == 3 * 24  # 27 indicators less 3 qualitative, each at three horizons
    assert set(df[df["indicator_code"] == "I08"]["area_code"]) >= {"DEMO-ICB", "DEMO-P01", "E92000001"}
    i10 = system_rows[system_rows["indicator_code"] == "I10"].set_index("horizon_years")
    assert i10.loc[1, "status"] == "no_target" and pd.isna(i10.loc[1, "target"])  # only 3 and 5 year targets


def _python_progress(con, today: date | None = None) -> pd.DataFrame:
    """The same figures from the pure functions, one series at a time (the reference implementation)."""
    inds = db.read_df(con, "SELECT * FROM indicator WHERE system_code = 'DEMO' AND kind <> 'qualitative'")
    meas = db.read_df(con, "SELECT indicator_code, area_code, period_end, value, lower_ci, upper_ci FROM measurement"
                           " WHERE system_code = 'DEMO' AND breakdown = 'All' AND value IS NOT NULL")
    meas["period_end"] = pd.to_datetime(meas["period_end"]).dt.date
    frames = []
    for ind in inds.to_dict("records"):
        for area, pts in meas[meas["indicator_code"] == ind["indicator_code"]].groupby("area_code"):
            before = pts[pts["period_end"] <= START].sort_values("period_end")
            own = float(before["value"].iloc[-1]) if len(before) else None
            given = None if pd.isna(ind["baseline_value"]) else float(ind["baseline_value"])
            baseline = (given if given is not None else own) if area == "DEMO-ICB" else (own if own is not None else given)
            out = pg.series_progress(ind, START, pts, baseline=baseline, today=today or date.today())
            out.insert(0, "area_code", area)
            out.insert(0, "indicator_code", ind["indicator_code"])
            frames.append(out)
    return pd.concat(frames, ignore_index=True)


def test_the_sql_engine_agrees_with_the_pure_functions_for_every_demo_series(demo_con):
    everything = progress_table(demo_con, "DEMO")
    no_data = everything[everything["points"] == 0]
    assert set(no_data["indicator_code"]) == {"I06"}  # calculated from the engagement log, which is empty here
    assert set(no_data["status"]) == {"not_enough_data"}
    sql = everything[everything["points"] > 0]
    py = _python_progress(demo_con)
    both = sql.merge(py, on=["indicator_code", "area_code", "horizon_years"], suffixes=("", "_py"))
    assert len(both) == len(py) == len(sql) > 300
    assert (both["status"] == both["status_py"]).all(), both[both["status"] != both["status_py"]]
    for col in ("latest_value", "expected_now", "target", "baseline", "projected_at_horizon", "projection_lower",
                "projection_upper", "distance_travelled"):
        a, b = both[col].astype(float), both[f"{col}_py"].astype(float)
        assert (a.isna() == b.isna()).all(), col
        assert a.dropna().to_numpy() == pytest.approx(b.dropna().to_numpy(), rel=1e-6, abs=1e-6), col
    assert (both["horizon_date"] == both["horizon_date_py"]).all()


def _agree(sql: pd.DataFrame, py: pd.DataFrame) -> pd.DataFrame:
    both = sql.merge(py, on=["indicator_code", "area_code", "horizon_years"], suffixes=("", "_py"))
    assert len(both) == len(py) == len(sql)
    assert (both["status"] == both["status_py"]).all(), both[both["status"] != both["status_py"]]
    for col in ("latest_value", "latest_period_end", "expected_now", "projected_at_horizon", "projection_lower",
                "projection_upper"):
        if col == "latest_period_end":
            assert (both[col] == both[f"{col}_py"]).all()
            continue
        a, b = both[col].astype(float), both[f"{col}_py"].astype(float)
        assert (a.isna() == b.isna()).all(), col
        assert a.dropna().to_numpy() == pytest.approx(b.dropna().to_numpy(), rel=1e-6, abs=1e-6), col
    return both


def test_the_sql_and_the_pure_functions_agree_on_periods_still_running_and_bounded_projections(demo_con):
    today = date(2026, 11, 30)
    running = pd.DataFrame([{"system_code": "DEMO", "indicator_code": code, "area_code": "DEMO-ICB",
                             "period_label": "2026/27 Q3", "period_start": date(2026, 10, 1),
                             "period_end": date(2026, 12, 31), "value": 0.0} for code in ("I01", "I02", "I03")])
    # a percentage falling fast towards zero: its straight-line projection would run below 0%
    falling = pd.DataFrame([{"system_code": "DEMO", "indicator_code": "I05", "area_code": "DEMO-ICB",
                             "period_label": f"{y}", "period_start": date(y, 1, 1), "period_end": date(y, 3, 31),
                             "value": v, "lower_ci": v - 1, "upper_ci": v + 1}
                            for y, v in ((2024, 30.0), (2025, 15.0), (2026, 2.0))])
    demo_con.execute("DELETE FROM measurement WHERE indicator_code = 'I05' AND area_code = 'DEMO-ICB'"
                     " AND period_end > DATE '2023-04-01'")
    db.transaction(demo_con, lambda cur: upsert_measurements(cur, pd.concat([running, falling]), None))
    sql = progress_table(demo_con, "DEMO", today=today)
    sql = sql[sql["points"] > 0]
    both = _agree(sql, _python_progress(demo_con, today))
    mine = both[both["indicator_code"].isin(["I01", "I02", "I03"]) & (both["area_code"] == "DEMO-ICB")]
    assert (mine["latest_period_end"] == date(2026, 9, 30)).all() and (mine["latest_value"] != 0.0).all()
    i05 = both[(both["indicator_code"] == "I05") & (both["area_code"] == "DEMO-ICB")].dropna(
        subset=["projected_at_horizon"])
    assert len(i05) and (i05["projection_lower"] == 0.0).all() and (i05["projected_at_horizon"] >= 0).all()
    later = progress_table(demo_con, "DEMO", today=date(2027, 1, 1), indicator_code="I01", area_code="DEMO-ICB")
    assert (later["latest_value"] == 0.0).all()  # the same quarter, once ended, is the latest value


def test_v_progress_is_current_as_soon_as_new_data_is_written(demo_con, editor):
    def i01():
        return db.read_df(demo_con, "SELECT * FROM v_progress WHERE indicator_code = 'I01' AND area_code = 'DEMO-ICB'"
                                    " ORDER BY horizon_years")
    before = i01()
    last = before["latest_period_end"].iloc[0].date()
    assert last < date.today()
    start = (pd.Timestamp(last) - pd.offsets.QuarterBegin(startingMonth=1)).date()
    frame = pd.DataFrame([{"system_code": "DEMO", "indicator_code": "I01", "area_code": "DEMO-ICB",
                           "period_label": "latest quarter", "period_start": start, "period_end": last,
                           "value": 20.0}])
    db.transaction(demo_con, lambda cur: upsert_measurements(cur, frame, None))
    after = i01()
    assert after["latest_value"].tolist() == [20.0] * 3
    assert after["latest_period_end"].iloc[0] == pd.Timestamp(last)
    assert after["status"].tolist() == ["behind"] * 3  # 20% is below every target and the path


def test_a_period_still_running_is_kept_out_of_v_progress_and_the_progress_table(demo_con, editor):
    def i01():
        return db.read_df(demo_con, "SELECT * FROM v_progress WHERE indicator_code = 'I01' AND area_code = 'DEMO-ICB'"
                                    " ORDER BY horizon_years")
    before = i01()
    today = date.today()
    start = today.replace(day=1)
    running = (pd.Timestamp(start) + pd.offsets.MonthEnd(0) + pd.Timedelta(days=40)).date()  # ends after today
    frame = pd.DataFrame([{"system_code": "DEMO", "indicator_code": "I01", "area_code": "DEMO-ICB",
                           "period_label": "this quarter", "period_start": start, "period_end": running,
                           "value": 1.0}])
    db.transaction(demo_con, lambda cur: upsert_measurements(cur, frame, None))
    after = i01()
    pd.testing.assert_frame_equal(before, after)
    table = progress_table(demo_con, "DEMO", indicator_code="I01", area_code="DEMO-ICB", today=today)
    assert (table["latest_period_end"] < running).all() and (table["latest_value"] != 1.0).all()
    later = progress_table(demo_con, "DEMO", indicator_code="I01", area_code="DEMO-ICB", today=running)
    assert (later["latest_value"] == 1.0).all()  # once it has ended it is the latest value


def test_progress_can_be_judged_at_an_earlier_date(demo_con):
    then = progress_table(demo_con, "DEMO", as_of=date(2024, 9, 30))
    now = progress_table(demo_con, "DEMO")
    i01_then = then[(then["indicator_code"] == "I01") & (then["area_code"] == "DEMO-ICB")].set_index("horizon_years")
    i01_now = now[(now["indicator_code"] == "I01") & (now["area_code"] == "DEMO-ICB")].set_index("horizon_years")
    assert i01_then.loc[3, "latest_period_end"] == date(2024, 9, 30)
    assert i01_then.loc[3, "judged_at"] == date(2024, 9, 30)
    expected = pg.expected_at(START, i01_then.loc[3, "baseline"], {1: 31, 3: 36, 5: 42}, date(2024, 9, 30))
    assert i01_then.loc[3, "expected_now"] == pytest.approx(expected)
    assert i01_then.loc[3, "latest_value"] != i01_now.loc[3, "latest_value"]
    assert pd.notna(i01_then.loc[3, "projected_at_horizon"])  # March 2026 was still ahead in September 2024
    assert pd.isna(i01_now.loc[3, "projected_at_horizon"])  # and has passed now


def test_a_measure_without_data_is_listed_as_not_enough_data(demo_con, editor):
    save_indicator(demo_con, editor, "DEMO", {
        "indicator_code": "N1", "outcome_code": "O1", "name": "New survey question", "unit": "%",
        "direction": "higher_is_better", "kind": "perception", "status": "active", "baseline_value": 30,
        "target_1y": 32, "target_3y": 35, "target_5y": 40}, is_new=True)
    rows = progress_table(demo_con, "DEMO", indicator_code="N1")
    assert rows["area_code"].tolist() == ["DEMO-ICB"] * 3
    assert rows["status"].tolist() == ["not_enough_data"] * 3
    detail = indicator_progress(demo_con, "DEMO", "N1")
    assert detail["summary"] == ["There is no data for this measure here yet, so progress cannot be judged."]


def test_status_counts_and_the_measure_list_agree_with_the_view_for_active_measures(demo_con):
    counts = status_counts(demo_con, "DEMO")
    view = db.read_df(demo_con, "SELECT p.horizon_years, p.status, count(*) AS n FROM v_progress p"
                                " JOIN indicator i USING (system_code, indicator_code)"
                                " WHERE p.area_code = 'DEMO-ICB' AND i.status = 'active' GROUP BY ALL")
    assert counts.groupby(["horizon_years", "status"])["n"].sum().to_dict() == \
        view.set_index(["horizon_years", "status"])["n"].to_dict()
    assert counts[counts["horizon_years"] == 3]["n"].sum() == 22
    o3 = status_counts(demo_con, "DEMO", outcomes=["O3"])
    assert set(o3["outcome_code"]) == {"O3"}
    listed = progress_list(demo_con, "DEMO", area_code="DEMO-P01", kinds=["perception"])
    assert set(listed["indicator_code"]) == {"I01", "I05", "I13", "I18", "I21", "I23"}


def test_the_indicator_detail_finds_the_gap_between_most_and_least_deprived(demo_con):
    detail = indicator_progress(demo_con, "DEMO", "I09")
    gaps = {g["breakdown"]: g for g in indicator_breakdowns(demo_con, "DEMO", "I09")}
    assert gaps["Deprivation"]["disadvantaged"] == "Quintile 1 (most deprived)"
    assert gaps["Deprivation"]["advantaged"] == "Quintile 5 (least deprived)"
    assert gaps["Deprivation"]["trend"]["verdict"] == "widening"  # the demo's admissions gap grows 4% a year
    assert detail["comparator_name"] == "England"
    assert list(detail["period_table"].columns)[:3] == ["Area", "Period", "Period start"]


# --- narratives ------------------------------------------------------------------------------------------------

STORY = {"period_label": "2026/27 Q2", "happening": "Community champions ran listening events in Riverside.",
         "learning": "People want to hear back within a month.", "next_steps": "Publish 'you said, we did' monthly."}


def test_a_partner_tells_the_story_behind_the_curve_and_it_is_kept_with_author_date_and_audit(demo_con):
    partner = make_user("partner")
    new_id = add_narrative(demo_con, partner, "DEMO", "I01", STORY)
    stories = list_narratives(demo_con, "DEMO", "I01")
    assert stories["narrative_id"].tolist() == [new_id]
    row = stories.iloc[0]
    assert (row["author_name"], row["author_role"], row["period_label"]) == ("Test partner", "partner", "2026/27 Q2")
    assert row["period_end"] == pd.Timestamp("2026-09-30")
    audit = log(demo_con, system_code="DEMO", entity="narrative")
    assert audit.iloc[0]["action"] == "create" and audit.iloc[0]["user_id"] == partner.user_id


@pytest.mark.parametrize("role", ["viewer", "community"])
def test_viewers_and_community_members_cannot_write_a_narrative(demo_con, role):
    with pytest.raises(PermissionError):
        add_narrative(demo_con, make_user(role), "DEMO", "I01", STORY)
    assert list_narratives(demo_con, "DEMO", "I01").empty


@pytest.mark.parametrize("change, problem", [
    ({"happening": "  "}, "What is happening is required"),
    ({"period_label": "1999/00 Q1"}, "has no data for this measure"),
    ({"period_label": ""}, "Period is required"),
    ({"learning": "x" * 2001}, "What we are learning is 2,001 characters long"),
])
def test_a_narrative_is_checked_and_each_problem_named(demo_con, editor, change, problem):
    with pytest.raises(ValidationError) as exc:
        add_narrative(demo_con, editor, "DEMO", "I01", {**STORY, **change})
    assert any(problem in p for p in exc.value.problems)
    assert list_narratives(demo_con, "DEMO", "I01").empty


def test_only_the_author_or_an_editor_can_withdraw_a_narrative_and_it_needs_a_reason(demo_con, editor):
    new_id = add_narrative(demo_con, make_user("partner"), "DEMO", "I01", STORY)
    with pytest.raises(PermissionError):
        withdraw_narrative(demo_con, make_user("partner", "partner-2"), new_id, "Not ours")
    with pytest.raises(ValidationError):
        withdraw_narrative(demo_con, editor, new_id, "")
    withdraw_narrative(demo_con, editor, new_id, "Named a resident by mistake")
    assert list_narratives(demo_con, "DEMO", "I01").empty
    assert log(demo_con, entity="narrative").iloc[0]["reason"] == "Named a resident by mistake"


def test_the_methods_and_tolerance_are_documented():
    text = (ROOT / "docs" / "progress.md").read_text()
    for word in ("ahead", "on_track", "behind", "not_enough_data", "no_target", "a tenth of the planned change",
                 "2% of the baseline", "three points", "prediction interval", "v_progress", "narrowing"):
        assert word in text, word


@pytest.mark.parametrize("area", ["DEMO-ICB", "DEMO-P03", "E92000001"])
def test_progress_for_one_area_is_the_same_as_that_area_in_the_whole_system(demo_con, area):
    whole = progress_table(demo_con, "DEMO")
    whole = whole[whole["area_code"] == area].reset_index(drop=True)
    one = progress_table(demo_con, "DEMO", area_code=area)
    assert len(one) == len(whole) > 0
    pd.testing.assert_frame_equal(one, whole)


@pytest.mark.parametrize("indicator, has_ci_words", [("I01", True), ("I27", False)])
def test_the_chart_caption_explains_the_confidence_band_only_when_there_is_one(demo_con, indicator, has_ci_words):
    from framework.progress.detail import describe_latest

    text = describe_latest(indicator_progress(demo_con, "DEMO", indicator))
    assert text.startswith("Latest: ")
    assert ("95% confidence interval" in text) == has_ci_words
    assert "95% prediction interval of the projection" in text


def test_one_area_series_keeps_that_area_and_the_comparators_headline_and_nothing_else(demo_con):
    from framework.progress.sql import indicator_series

    everything = indicator_series(demo_con, "DEMO", "I09")
    narrowed = indicator_series(demo_con, "DEMO", "I09", "DEMO-ICB")
    wanted = everything[(everything["area_code"] == "DEMO-ICB")
                        | ((everything["role"] == "comparator") & (everything["breakdown"] == "All"))]
    assert len(narrowed) < len(everything)
    pd.testing.assert_frame_equal(narrowed.reset_index(drop=True), wanted.reset_index(drop=True))
    assert set(narrowed["area_code"]) == {"DEMO-ICB", "E92000001", "E40000012"}  # England and the demo's region
    assert set(narrowed.loc[narrowed["area_code"] == "DEMO-ICB", "breakdown"]) == {"All", "Deprivation", "Ethnicity"}
