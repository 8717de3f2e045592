"""Inequality as measures: the gap between groups with its own baseline, targets and status in v_progress (the SQL
agreeing with the pure functions), the slope index of inequality against worked examples and the simulation method,
ethnicity completeness, and the misuse an editor's gap targets must withstand."""
from __future__ import annotations

import random
from datetime import date

import numpy as np
import pandas as pd
import pytest

from framework.core import db
from framework.core.errors import StaleEdit, ValidationError
from framework.foundation.measurements import upsert_measurements
from framework.progress import engine as pg
from framework.progress.gap_detail import inequality_detail
from framework.progress.gap_targets import gap_measures, save_gap_measure
from framework.progress.gaps import (
    breakdown_slug,
    default_pair,
    deprivation_order,
    gap_code,
    gap_points,
    is_gap_code,
    not_stated_share,
    sii,
)
from framework.progress.sql import progress_table
from tests.conftest import make_user

START = date(2023, 4, 1)
QUINTILES = ["Quintile 1 (most deprived)", "Quintile 2", "Quintile 3", "Quintile 4", "Quintile 5 (least deprived)"]
FINGERTIPS_DECILES = [f"{w} decile (IMD2019)" for w in (
    "Most deprived", "Second most deprived", "Third more deprived", "Fourth more deprived", "Fifth more deprived",
    "Fifth less deprived", "Fourth less deprived", "Third less deprived", "Second least deprived", "Least deprived")]
TARGETS = {"breakdown": "Deprivation", "disadvantaged_group": QUINTILES[0], "advantaged_group": QUINTILES[-1],
           "baseline_value": "9", "target_1y": "8", "target_3y": "6", "target_5y": "4"}


def gap_rows(con, code: str, area: str = "DEMO-ICB") -> pd.DataFrame:
    return db.read_df(con, "SELECT * FROM v_progress WHERE indicator_code = ? AND area_code = ? ORDER BY horizon_years",
                      [code, area])


def add_rows(con, rows: list[dict]) -> None:
    frame = pd.DataFrame([{"system_code": "DEMO", "area_code": "DEMO-ICB", **r} for r in rows])
    db.transaction(con, lambda cur: upsert_measurements(cur, frame, None))


# ---------------------------------------------------------------- the slope index of inequality

def test_the_sii_of_equal_fifths_matches_the_worked_example_in_the_docs():
    # ranks 0.1, 0.3, 0.5, 0.7, 0.9; weights 1/5; the slope is -1, -0.5, 0, 0.5, 1 times the values
    result = sii([10, 12, 15, 17, 20], lower=[8.04, 10.04, 13.04, 15.04, 18.04],
                 upper=[11.96, 13.96, 16.96, 18.96, 21.96])
    assert result["sii"] == pytest.approx(-10 - 6 + 8.5 + 20)
    se = (1 + 0.25 + 0.25 + 1) ** 0.5 * 1.96 / 1.959964  # each interval is ±1.96, so each standard error is 1
    assert result["lower"] == pytest.approx(12.5 - 1.959964 * se, rel=1e-6)
    assert result["upper"] == pytest.approx(12.5 + 1.959964 * se, rel=1e-6)
    assert result["populations_known"] is False


def test_the_sii_with_populations_is_the_weighted_least_squares_slope_on_the_cumulative_midpoints():
    values, pops = [31.0, 28.5, 27.0, 24.2, 21.9], [12000, 9000, 10000, 11000, 8000]
    shares = np.array(pops) / sum(pops)
    ranks = np.cumsum(shares) - shares / 2
    slope = np.polyfit(ranks, values, 1, w=np.sqrt(shares))[0]  # PHE: OLS on sqrt(population)-scaled data
    result = sii(values, populations=pops)
    assert result["sii"] == pytest.approx(slope, rel=1e-9)
    assert result["populations_known"] is True and result["lower"] is None


def test_the_analytic_sii_interval_agrees_with_the_phe_simulation_method():
    values, pops = [31.0, 28.5, 27.0, 24.2, 21.9], [12000, 9000, 10000, 11000, 8000]
    halves = [1.5, 0.8, 1.1, 0.9, 2.0]
    result = sii(values, lower=[v - h for v, h in zip(values, halves)],
                 upper=[v + h for v, h in zip(values, halves)], populations=pops)
    rng = np.random.default_rng(7)
    draws = rng.normal(values, np.array(halves) / 1.959964, size=(200_000, 5))
    shares = np.array(pops) / sum(pops)
    ranks = np.cumsum(shares) - shares / 2
    mean_x = (shares * ranks).sum()
    coefficients = shares * (ranks - mean_x) / (shares * (ranks - mean_x) ** 2).sum()
    slopes = draws @ coefficients
    low, high = np.percentile(slopes, [2.5, 97.5])
    assert result["lower"] == pytest.approx(low, abs=0.05)
    assert result["upper"] == pytest.approx(high, abs=0.05)


@pytest.mark.parametrize("values, lower, upper, expected", [
    ([10, None, 15, 17, 20], None, None, None),  # a suppressed quintile: no SII rather than a guess
    ([10, 12, 15, 17], None, None, None),  # four groups are not quintiles
    ([10, 12, 15, 17, 20], [9, 11, 14, 16, None], [11, 13, 16, 18, 21], "no interval"),
])
def test_the_sii_needs_every_value_and_gives_an_interval_only_with_every_interval(values, lower, upper, expected):
    result = sii(values, lower=lower, upper=upper)
    if expected is None:
        assert result is None
    else:
        assert result["sii"] == pytest.approx(12.5) and result["lower"] is None and result["upper"] is None


@pytest.mark.parametrize("groups, expected", [
    (list(reversed(QUINTILES)), QUINTILES),
    (random.Random(3).sample(FINGERTIPS_DECILES, 10), FINGERTIPS_DECILES),
    (["Most deprived quintile", "Second most deprived quintile", "Middle quintile", "Second least deprived quintile",
      "Least deprived quintile"], None),  # ordered below
    (["Asian", "Black", "Mixed", "Other", "White"], False),
    (QUINTILES[:4], False),
    (QUINTILES + ["Not stated"], QUINTILES),  # 'Not stated' is left out of the order
])
def test_deprivation_groups_are_ordered_from_most_to_least_deprived_by_their_names(groups, expected):
    order = deprivation_order(groups)
    if expected is False:
        assert order is None
    else:
        assert order == (expected or groups)


# ---------------------------------------------------------------- the gap series and completeness

def test_a_gap_is_the_advantaged_groups_lead_in_the_measures_unit_with_both_intervals_combined():
    frame = pd.DataFrame([
        {"period_end": date(2025, 3, 31), "breakdown_group": "Q1", "value": 30.0, "lower_ci": 27.0, "upper_ci": 33.0},
        {"period_end": date(2025, 3, 31), "breakdown_group": "Q5", "value": 20.0, "lower_ci": 16.0, "upper_ci": 24.0},
        {"period_end": date(2026, 3, 31), "breakdown_group": "Q1", "value": None, "lower_ci": None, "upper_ci": None},
        {"period_end": date(2026, 3, 31), "breakdown_group": "Q5", "value": 19.0, "lower_ci": 17.0, "upper_ci": 21.0},
    ])
    smoking = gap_points(frame, "Q1", "Q5", "lower_is_better")  # lower is better: Q1 smokes 10 points more
    assert smoking["value"].tolist() == [10.0]  # the suppressed period has no gap
    assert smoking["lower_ci"].iloc[0] == pytest.approx(10 - 5) and smoking["upper_ci"].iloc[0] == pytest.approx(15)
    screening = gap_points(frame, "Q5", "Q1", "higher_is_better")
    assert screening["value"].tolist() == [10.0]


def test_the_not_stated_share_counts_records_by_denominator_then_by_count():
    frame = pd.DataFrame([
        {"period_end": date(2025, 3, 31), "period_label": "2024/25", "breakdown_group": g, "count": c,
         "denominator": d} for g, c, d in (("White", 50, 800), ("Asian", 10, 150), ("Not stated", 5, 50))
    ] + [
        {"period_end": date(2026, 3, 31), "period_label": "2025/26", "breakdown_group": g, "count": c,
         "denominator": None} for g, c in (("White", 60), ("Asian", 15), ("Not stated", 25))
    ])
    table = not_stated_share(frame)
    assert table["share"].tolist() == pytest.approx([5.0, 25.0])
    assert table["records"].tolist() == [1000.0, 100.0]
    assert not_stated_share(frame[frame["breakdown_group"] != "Not stated"]).empty


def test_not_stated_is_never_one_of_the_groups_a_gap_compares_and_one_group_has_no_gap():
    latest = {"White": 70.0, "Asian": 60.0, "Not stated": 20.0}
    assert default_pair(list(latest), latest, "higher_is_better") == ("Asian", "White")
    assert default_pair(["White", "Unknown"], {"White": 70.0, "Unknown": 10.0}, "higher_is_better") is None


@pytest.mark.parametrize("breakdown, slug", [("Deprivation", "deprivation"), ("Age (years) / band", "age-years-band"),
                                             ("  Ethnicity: ONS 5  ", "ethnicity-ons-5")])
def test_a_gap_code_names_its_indicator_and_breakdown_the_same_way_in_python_and_sql(con, breakdown, slug):
    assert breakdown_slug(breakdown) == slug and gap_code("I01", breakdown) == f"I01~gap~{slug}"
    assert is_gap_code(gap_code("I01", breakdown)) and not is_gap_code("I01")
    sql = con.execute("SELECT trim(regexp_replace(lower(?), '[^a-z0-9]+', '-', 'g'), '-')", [breakdown]).fetchone()[0]
    assert sql == slug


# ---------------------------------------------------------------- gap measures in v_progress

def test_every_deprivation_breakdown_is_a_gap_measure_in_v_progress_without_targets(demo_con):
    codes = set(db.read_df(demo_con, "SELECT indicator_code FROM v_progress")["indicator_code"])
    gaps = {c for c in codes if is_gap_code(c)}
    assert gaps == {f"{c}~gap~deprivation" for c in ("I01", "I05", "I08", "I09", "I18")}
    rows = gap_rows(demo_con, "I01~gap~deprivation")
    assert rows["status"].tolist() == ["no_target"] * 3
    assert rows["latest_value"].iloc[0] == pytest.approx(7.310697, rel=1e-5)


def test_an_editor_sets_gap_targets_and_the_gap_gets_a_status_and_an_audit_row(demo_con, editor):
    version = save_gap_measure(demo_con, editor, "DEMO", "I01", TARGETS, expected_version=0)
    assert version == 1
    rows = gap_rows(demo_con, "I01~gap~deprivation")
    assert rows["target"].tolist() == [8.0, 6.0, 4.0]
    assert set(rows["status"]) <= {"ahead", "on_track", "behind"}
    assert rows["expected_now"].iloc[0] < 9  # the path runs from the baseline of 9 down towards 4
    logged = db.read_rows(demo_con, "SELECT * FROM audit_log WHERE entity = 'gap_measure'")
    assert [(r["action"], r["entity_key"], r["user_role"]) for r in logged] == [
        ("create", "DEMO/I01/Deprivation", "editor")]


def test_a_gap_getting_smaller_than_the_path_is_ahead_whatever_the_measures_direction(demo_con, editor):
    # I09 is a rate where lower is better; its deprivation gap is 744 per 100,000 and we aim for 900 then less
    save_gap_measure(demo_con, editor, "DEMO", "I09", {**TARGETS, "baseline_value": 1000, "target_1y": 950,
                                                       "target_3y": 900, "target_5y": 850})
    assert gap_rows(demo_con, "I09~gap~deprivation")["status"].tolist() == ["ahead"] * 3
    save_gap_measure(demo_con, editor, "DEMO", "I09", {**TARGETS, "baseline_value": 1000, "target_1y": 600,
                                                       "target_3y": 400, "target_5y": 200}, reason="Bolder")
    assert gap_rows(demo_con, "I09~gap~deprivation")["status"].tolist()[1:] == ["behind"] * 2


def test_the_sql_gap_measures_agree_with_the_pure_functions_in_every_area(demo_con, editor):
    save_gap_measure(demo_con, editor, "DEMO", "I01", TARGETS)
    save_gap_measure(demo_con, editor, "DEMO", "I13", {"breakdown": "Ethnicity", "disadvantaged_group": "Asian",
                                                       "advantaged_group": "White", "target_3y": 8, "target_5y": 5})
    save_gap_measure(demo_con, editor, "DEMO", "I21", {"breakdown": "Age", "disadvantaged_group": "80+",
                                                       "advantaged_group": "18-34", "baseline_value": 10,
                                                       "target_1y": 9, "target_3y": 7})
    sql = progress_table(demo_con, "DEMO", gaps=True)
    meas = db.read_df(demo_con, "SELECT * FROM measurement WHERE system_code = 'DEMO' AND breakdown <> 'All'")
    meas["period_end"] = pd.to_datetime(meas["period_end"]).dt.date
    inds = {r["indicator_code"]: r for r in db.read_rows(demo_con, "SELECT * FROM indicator")}
    frames = []
    for d in gap_measures(demo_con, "DEMO").to_dict("records"):
        parent = inds[d["indicator_code"]]
        part = meas[(meas["indicator_code"] == d["indicator_code"]) & (meas["breakdown"] == d["breakdown"])]
        for area, rows in part.groupby("area_code"):
            pts = gap_points(rows, d["disadvantaged_group"], d["advantaged_group"], parent["direction"])
            before = pts[pts["period_end"] <= START]
            own = float(before["value"].iloc[-1]) if len(before) else None
            given = None if pd.isna(d["baseline_value"]) else float(d["baseline_value"])
            gap_ind = {"direction": "lower_is_better", **{k: d[k] for k in ("target_1y", "target_3y", "target_5y")}}
            out = pg.series_progress(gap_ind, START, pts, baseline=given if given is not None else own)
            out.insert(0, "area_code", area)
            out.insert(0, "indicator_code", d["gap_code"])
            frames.append(out)
    py = pd.concat(frames, ignore_index=True)
    both = sql.merge(py, on=["indicator_code", "area_code", "horizon_years"], suffixes=("", "_py"))
    assert len(both) == len(py) == len(sql) == 3 * 7  # five deprivation gaps (one with targets) and two picked
    assert (both["status"] == both["status_py"]).all(), both[both["status"] != both["status_py"]]
    assert set(both["status"]) >= {"no_target", "ahead"} or set(both["status"]) >= {"no_target", "behind"}
    for col in ("latest_value", "expected_now", "target", "baseline", "projected_at_horizon", "distance_travelled"):
        a, b = both[col].astype(float), both[f"{col}_py"].astype(float)
        assert (a.isna() == b.isna()).all(), col
        assert a.dropna().to_numpy() == pytest.approx(b.dropna().to_numpy(), rel=1e-6, abs=1e-6), col


def test_a_suppressed_quintile_moves_the_gap_and_the_sii_back_to_the_last_full_period(demo_con):
    add_rows(demo_con, [{"indicator_code": "I01", "period_label": "2026/27 Q2", "period_start": date(2026, 7, 1),
                         "period_end": date(2026, 9, 30), "breakdown": "Deprivation", "breakdown_group": QUINTILES[0],
                         "value": None, "lower_ci": None, "upper_ci": None, "value_note": "Suppressed: small numbers"}])
    rows = gap_rows(demo_con, "I01~gap~deprivation")
    assert rows["latest_period_end"].iloc[0] == pd.Timestamp("2026-06-30")
    [item] = [i for i in inequality_detail(demo_con, "DEMO", "I01")["items"] if i["breakdown"] == "Deprivation"]
    assert item["sii"]["period_label"] == "2026/27 Q1"
    assert "slope index of inequality is" in item["sii_words"] and "95% interval" in item["sii_words"]


def test_the_indicator_detail_says_how_complete_ethnicity_recording_is_where_the_data_carries_it(demo_con):
    found = inequality_detail(demo_con, "DEMO", "I01")
    [ethnicity] = [i for i in found["items"] if i["breakdown"] == "Ethnicity"]
    assert ethnicity["completeness_words"].startswith("In 2026/27 Q2, ")  # the demo records some as 'Not stated'
    demo_con.execute("DELETE FROM measurement WHERE indicator_code = 'I01' AND breakdown_group = 'Not stated'")
    [ethnicity] = [i for i in inequality_detail(demo_con, "DEMO", "I01")["items"] if i["breakdown"] == "Ethnicity"]
    assert "carry no 'Not stated'" in ethnicity["completeness_words"]
    latest = db.read_rows(demo_con, "SELECT * FROM measurement WHERE indicator_code = 'I01' AND breakdown = "
                                    "'Ethnicity' AND period_end = DATE '2026-09-30'")
    stated = sum(r["denominator"] for r in latest)
    add_rows(demo_con, [{"indicator_code": "I01", "period_label": "2026/27 Q2", "period_start": date(2026, 7, 1),
                         "period_end": date(2026, 9, 30), "breakdown": "Ethnicity", "breakdown_group": "Not stated",
                         "value": 12.0, "count": 30, "denominator": stated / 9}])
    [ethnicity] = [i for i in inequality_detail(demo_con, "DEMO", "I01")["items"] if i["breakdown"] == "Ethnicity"]
    assert ethnicity["completeness_words"].startswith("In 2026/27 Q2, 10.0% of records")
    assert "Not stated" not in (ethnicity["disadvantaged"], ethnicity["advantaged"])


def test_a_deprivation_gap_without_targets_and_an_ethnicity_gap_not_yet_picked_are_described_in_words(demo_con):
    items = {i["breakdown"]: i for i in inequality_detail(demo_con, "DEMO", "I01")["items"]}
    assert "code I01~gap~deprivation" in items["Deprivation"]["measure_words"]
    assert "no targets yet" in items["Deprivation"]["measure_words"]
    assert "an editor can make it a measure" in items["Ethnicity"]["measure_words"]
    assert items["Ethnicity"]["sii_words"] == ""  # ethnic groups have no order, so no slope


# ---------------------------------------------------------------- misuse

@pytest.mark.parametrize("role", ["community", "partner", "viewer"])
def test_a_role_below_editor_calling_the_save_directly_is_refused_and_nothing_is_written(demo_con, role):
    with pytest.raises(PermissionError):
        save_gap_measure(demo_con, make_user(role), "DEMO", "I01", TARGETS)
    assert db.read_rows(demo_con, "SELECT count(*) AS n FROM gap_measure")[0]["n"] == 0
    assert gap_rows(demo_con, "I01~gap~deprivation")["status"].tolist() == ["no_target"] * 3


@pytest.mark.parametrize("change, message", [
    ({"target_1y": "=1+1"}, "1-year gap target must be a number in the measure's unit; found '=1+1'"),
    ({"target_3y": "=HYPERLINK(\"http://x\")"}, "3-year gap target must be a number"),
    ({"baseline_value": "inf"}, "Gap baseline must be a finite number"),
    ({"target_5y": "150"}, "between -100 and 100 percentage points"),
    ({"advantaged_group": QUINTILES[0]}, "The two groups must differ"),
    ({"advantaged_group": "Quintile 9"}, "Most advantaged group 'Quintile 9' is not a group of Deprivation"),
    ({"breakdown": "Sex"}, "Breakdown 'Sex' has no figures for I01; its breakdowns are: Deprivation, Ethnicity"),
])
def test_bad_gap_targets_are_refused_with_a_message_naming_the_field(demo_con, editor, change, message):
    with pytest.raises(ValidationError) as refused:
        save_gap_measure(demo_con, editor, "DEMO", "I01", {**TARGETS, **change})
    assert message in str(refused.value)
    assert db.read_rows(demo_con, "SELECT count(*) AS n FROM gap_measure")[0]["n"] == 0


def test_a_breakdown_with_one_group_and_a_not_stated_group_has_no_gap_to_measure(demo_con, editor):
    add_rows(demo_con, [{"indicator_code": "I01", "period_label": "2026/27 Q2", "period_start": date(2026, 7, 1),
                         "period_end": date(2026, 9, 30), "breakdown": "Sex", "breakdown_group": g, "value": v}
                        for g, v in (("Female", 40.0), ("Not stated", 10.0))])
    with pytest.raises(ValidationError, match="has only one group with figures \\(Female\\)"):
        save_gap_measure(demo_con, editor, "DEMO", "I01", {"breakdown": "Sex", "disadvantaged_group": "Not stated",
                                                           "advantaged_group": "Female"})
    [sex] = [i for i in inequality_detail(demo_con, "DEMO", "I01")["items"] if i["breakdown"] == "Sex"]
    assert sex["disadvantaged"] is None and "only 1 group with a value (Female)" in sex["sentence"]


def test_two_editors_saving_the_same_gap_target_the_second_is_refused_as_a_stale_edit(demo_con, editor):
    other = make_user("editor", "editor-2")
    opened = int(gap_measures(demo_con, "DEMO", "I01").set_index("breakdown").loc["Deprivation", "version"])
    assert opened == 0
    save_gap_measure(demo_con, editor, "DEMO", "I01", TARGETS, expected_version=opened)
    with pytest.raises(StaleEdit, match="target_1y"):
        save_gap_measure(demo_con, other, "DEMO", "I01", {**TARGETS, "target_1y": "7.5"}, expected_version=opened,
                         reason="Faster")
    assert gap_rows(demo_con, "I01~gap~deprivation")["target"].tolist() == [8.0, 6.0, 4.0]


def test_changing_a_saved_gap_target_needs_a_reason_and_is_audited_with_it(demo_con, editor):
    save_gap_measure(demo_con, editor, "DEMO", "I01", TARGETS)
    with pytest.raises(ValidationError, match="needs a reason"):
        save_gap_measure(demo_con, editor, "DEMO", "I01", {**TARGETS, "target_5y": "3"})
    assert save_gap_measure(demo_con, editor, "DEMO", "I01", {**TARGETS, "target_5y": "3"},
                            reason="The board asked for more") == 2
    last = db.read_rows(demo_con, "SELECT * FROM audit_log WHERE entity = 'gap_measure' ORDER BY audit_id DESC")[0]
    assert last["reason"] == "The board asked for more" and '"target_5y": 3.0' in last["after"]


def test_a_qualitative_measure_has_no_gap(demo_con, editor):
    with pytest.raises(ValidationError, match="qualitative measure"):
        save_gap_measure(demo_con, editor, "DEMO", "I04", TARGETS)
