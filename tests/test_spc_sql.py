"""SPC in DuckDB: the public view v_spc, its agreement with the pure functions on every demo series (as built, and
with rebases and another run length), worked series through the view, and the editors' audited settings with
their misuse: a lower role, no reason, a date outside the series, a run length out of range."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from framework.core import db
from framework.core.audit import log
from framework.core.errors import ValidationError
from framework.foundation.indicators import save_indicator
from framework.foundation.measurements import upsert_measurements
from framework.progress import spc
from framework.progress.engine import targets_of
from framework.progress.spc_settings import list_rebases, remove_rebase, run_length, set_rebase, set_run_length
from framework.progress.spc_sql import V_SPC_COLUMNS, spc_table
from tests.conftest import make_user

START = date(2023, 4, 1)


def python_spc(con, system_code: str = "DEMO") -> pd.DataFrame:
    """The same readings from the pure functions, one series at a time, in the view's order of points."""
    table = spc_table(con, system_code)
    inds = {r["indicator_code"]: r for r in db.read_rows(con, "SELECT * FROM indicator WHERE system_code = ?",
                                                           [system_code])}
    length = run_length(con, system_code)
    frames = []
    for (code, area), rows in table.groupby(["indicator_code", "area_code"], sort=True):
        rows = rows.sort_values("t")
        rebases = list(list_rebases(con, system_code, code)["rebase_date"])
        target = spc.assurance_target(START, targets_of(inds[code]), date.today())
        result = spc.spc_series(zip(rows["period_end"], rows["value"]), direction=inds[code]["direction"],
                                run_length=length, rebase_dates=rebases, target=target)
        out = pd.DataFrame(result["points"]).assign(indicator_code=code, area_code=area,
                                                    variation=result["variation"], assurance=result["assurance"])
        frames.append(out)
    return pd.concat(frames, ignore_index=True), table


def assert_sql_agrees_with_python(con):
    py, sql = python_spc(con)
    sql = sql.sort_values(["indicator_code", "area_code", "t"]).reset_index(drop=True)
    assert len(py) == len(sql) > 1000
    for col in ("indicator_code", "area_code", "period_end", "point_type", "rules", "variation", "assurance",
                "part"):
        assert list(py[col]) == list(sql[col]), col
    for col in ("value", "centre", "lower_limit", "upper_limit", "lower_2s", "upper_2s"):
        pd.testing.assert_series_equal(py[col].astype(float), sql[col].astype(float), check_names=False, rtol=1e-12)
    return sql


def test_v_spc_has_exactly_the_columns_of_the_public_contract(demo_con):
    cols = [r[0] for r in demo_con.cursor().execute("DESCRIBE v_spc").fetchall()]
    assert cols == ["system_code", "indicator_code", "area_code", "period_end", "value", "centre", "lower_limit",
                    "upper_limit", "point_type", "rules", "variation", "assurance"]
    assert tuple(cols) == V_SPC_COLUMNS


def test_v_spc_covers_headline_quantitative_series_with_known_words_and_no_running_period(demo_con):
    df = db.read_df(demo_con, "SELECT * FROM v_spc")
    assert set(df["point_type"]) <= set(spc.POINT_TYPES) and set(df["assurance"]) <= set(spc.ASSURANCES)
    assert {"improvement", "concern", "common_cause", "too_few_points"} <= set(df["point_type"])
    assert not {"I04", "I16", "I25"} & set(df["indicator_code"])  # qualitative
    assert pd.to_datetime(df["period_end"]).dt.date.max() <= date.today()
    headline = db.read_df(demo_con, "SELECT count(*) AS n FROM measurement m JOIN indicator i USING"
                                    " (system_code, indicator_code) WHERE i.kind <> 'qualitative' AND breakdown = 'All'"
                                    " AND breakdown_group = 'All' AND value IS NOT NULL AND period_end <= current_date")
    assert len(df) == headline["n"].iloc[0]
    assert (df["rules"].notna()).all()
    too_few = df[df["point_type"] == "too_few_points"]
    assert too_few["centre"].isna().all() and (too_few["rules"] == "").all()
    assert (df[df["indicator_code"] == "I27"]["point_type"].isin(["neutral", "common_cause", "too_few_points"])).all()


def test_the_sql_agrees_with_the_pure_functions_on_every_demo_series(demo_con):
    assert_sql_agrees_with_python(demo_con)


def test_the_sql_agrees_with_the_pure_functions_after_rebases_and_a_shorter_run(demo_con, editor):
    set_run_length(demo_con, editor, "DEMO", 6)
    for code in ("I17", "I03", "I09", "I27"):
        span = db.read_rows(demo_con, "SELECT min(period_end) AS a, max(period_end) AS b FROM measurement"
                                      " WHERE indicator_code = ? AND breakdown = 'All'", [code])[0]
        middle = span["a"] + (span["b"] - span["a"]) / 2
        set_rebase(demo_con, editor, "DEMO", code, middle, "New service model began")
    set_rebase(demo_con, editor, "DEMO", "I17", date(2025, 6, 15), "Second change of provider")
    sql = assert_sql_agrees_with_python(demo_con)
    assert set(sql[sql["indicator_code"] == "I17"]["part"]) == {0, 1, 2}


def _worked_indicator(con, editor, code: str, values, direction="higher_is_better", **targets) -> None:
    save_indicator(con, editor, "DEMO", {"indicator_code": code, "name": f"Worked {code}", "unit": "points",
                                         "direction": direction, "kind": "quantitative", "status": "active",
                                         **targets}, is_new=True)
    ends = [date(2023, 3, 31) + timedelta(days=31 * i) for i in range(len(values))]
    frame = pd.DataFrame({"system_code": "DEMO", "indicator_code": code, "area_code": "DEMO-ICB",
                          "period_label": [f"p{i:02d}" for i in range(len(values))],
                          "period_start": [e - timedelta(days=27) for e in ends], "period_end": ends,
                          "breakdown": "All", "breakdown_group": "All", "value": values})
    db.transaction(con, lambda cur: upsert_measurements(cur, frame, None))


def test_a_worked_series_reads_the_same_through_the_view(demo_con, editor):
    values = [1, -1] * 10 + [6, 1, 6, -13]
    _worked_indicator(demo_con, editor, "W4", values, target_5y=-20)
    rows = db.read_df(demo_con, "SELECT * FROM v_spc WHERE indicator_code = 'W4'")
    mr_bar = (19 * 2 + 7 + 5 + 5 + 19) / 23
    assert rows["centre"].abs().max() < 1e-12
    assert rows["upper_limit"].iloc[0] == pytest.approx(2.66 * mr_bar)
    assert {i + 1: r for i, r in enumerate(rows["rules"]) if r} == {21: "4", 23: "4", 24: "1"}
    assert list(rows["point_type"][20:]) == ["improvement", "common_cause", "improvement", "concern"]
    assert set(rows["variation"]) == {"concern"} and set(rows["assurance"]) == {"pass"}


def test_nan_values_and_two_points_ending_on_the_same_day_are_handled_the_same_both_ways(demo_con, editor):
    values = [1.0, -1.0] * 8
    values[4] = float("nan")
    _worked_indicator(demo_con, editor, "WN", values)
    twin = pd.DataFrame({"system_code": "DEMO", "indicator_code": "WN", "area_code": "DEMO-ICB",
                         "period_label": ["p05 again"], "period_start": [date(2023, 3, 1)],
                         "period_end": [date(2023, 3, 31) + timedelta(days=31 * 5)], "breakdown": "All",
                         "breakdown_group": "All", "value": [9.0]})
    db.transaction(demo_con, lambda cur: upsert_measurements(cur, twin, None))
    rows = db.read_df(demo_con, "SELECT * FROM v_spc WHERE indicator_code = 'WN'")
    assert len(rows) == 16  # fifteen numbers and the second point of the same day, the NaN left out
    assert rows["value"].iloc[4] == 9.0  # the longer period first, as it started earlier
    assert_sql_agrees_with_python(demo_con)


def test_a_rebase_is_the_editors_with_a_reason_inside_the_series_and_audited(demo_con, editor):
    day = set_rebase(demo_con, editor, "DEMO", "I17", "01/04/2025", "  A new stop smoking service opened  ")
    assert day == date(2025, 4, 1)
    rebases = list_rebases(demo_con, "DEMO", "I17")
    assert list(rebases["rebase_date"]) == [day] and rebases["reason"].iloc[0] == "A new stop smoking service opened"
    entry = log(demo_con, system_code="DEMO").iloc[0]
    assert entry["entity"] == "spc_rebase" and entry["reason"] == "A new stop smoking service opened"
    rows = spc_table(demo_con, "DEMO", indicator_code="I17", area_code="DEMO-ICB")
    assert list(rows["part"]) == sorted(rows["part"]) and set(rows["part"]) == {0, 1}
    assert rows[rows["period_end"] >= day]["part"].eq(1).all()
    remove_rebase(demo_con, editor, "DEMO", "I17", day, "Entered in error")
    assert list_rebases(demo_con, "DEMO", "I17").empty
    assert log(demo_con, system_code="DEMO").iloc[0]["action"] == "delete"


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_only_editors_may_set_or_remove_a_rebase_or_the_run_length(demo_con, role):
    user = make_user(role)
    with pytest.raises(PermissionError, match=f"signed in as {role}"):
        set_rebase(demo_con, user, "DEMO", "I17", date(2025, 4, 1), "Because")
    with pytest.raises(PermissionError):
        remove_rebase(demo_con, user, "DEMO", "I17", date(2025, 4, 1), "Because")
    with pytest.raises(PermissionError):
        set_run_length(demo_con, user, "DEMO", 6)
    assert list_rebases(demo_con, "DEMO", "I17").empty and run_length(demo_con, "DEMO") == 7


@pytest.mark.parametrize("code, when, reason, problem", [
    ("I17", date(2025, 4, 1), "   ", "Reason is required"),
    ("I17", date(2025, 4, 1), None, "Reason is required"),
    ("I17", date(2023, 3, 31), "Before the series", "outside the series"),  # on the first point: nothing before it
    ("I17", date(2030, 1, 1), "After the series", "outside the series"),
    ("I17", "next spring", "Not a date", "is not a date"),
    ("I04", date(2025, 4, 1), "Qualitative", "no headline figures"),
    ("NOPE", date(2025, 4, 1), "Unknown", "no headline figures"),
    ("I17", date(2025, 4, 1), "x" * 1001, "keep it to 1,000"),
])
def test_a_rebase_without_a_reason_or_outside_the_series_is_refused_in_words(demo_con, editor, code, when, reason,
                                                                             problem):
    before = len(log(demo_con, system_code="DEMO"))
    with pytest.raises(ValidationError, match=problem):
        set_rebase(demo_con, editor, "DEMO", code, when, reason)
    assert list_rebases(demo_con, "DEMO", code).empty and len(log(demo_con, system_code="DEMO")) == before


def test_the_same_rebase_twice_and_removing_one_that_is_not_there_are_refused(demo_con, editor):
    set_rebase(demo_con, editor, "DEMO", "I17", date(2025, 4, 1), "New service")
    with pytest.raises(ValidationError, match="already starts again"):
        set_rebase(demo_con, editor, "DEMO", "I17", date(2025, 4, 1), "Again")
    with pytest.raises(ValidationError, match="no rebase date"):
        remove_rebase(demo_con, editor, "DEMO", "I17", date(2025, 5, 1), "Tidy")


@pytest.mark.parametrize("length", [5, 9, "seven", None, True, 6.5])
def test_a_run_length_outside_six_to_eight_is_refused_and_nothing_changes(demo_con, editor, length):
    with pytest.raises(ValidationError, match="choose 6, 7 or 8"):
        set_run_length(demo_con, editor, "DEMO", length)
    assert run_length(demo_con, "DEMO") == 7


def test_the_run_length_is_kept_per_system_audited_and_used_by_the_view(demo_con, editor):
    assert set_run_length(demo_con, editor, "DEMO", "8") == 8
    assert run_length(demo_con, "DEMO") == 8
    entry = log(demo_con, system_code="DEMO").iloc[0]
    assert entry["entity"] == "spc_setting"
    with pytest.raises(ValidationError, match="no system"):
        set_run_length(demo_con, editor, "NOPE", 6)
    _worked_indicator(demo_con, editor, "W2", [3, -3] * 4 + [2] * 7)
    rules = db.read_df(demo_con, "SELECT rules FROM v_spc WHERE indicator_code = 'W2'")["rules"]
    assert set(rules) == {""}  # seven in a row is not a shift when the system asks for eight
    set_run_length(demo_con, editor, "DEMO", 7)
    rules = db.read_df(demo_con, "SELECT rules FROM v_spc WHERE indicator_code = 'W2'")["rules"]
    assert list(rules[8:]) == ["2"] * 7


def test_the_excel_return_carries_the_variation_and_assurance_matrix_of_the_system_area(demo_con, tmp_path):
    import openpyxl

    from framework.board_return import export_return
    from framework.progress.spc_text import spc_sheet

    out = tmp_path / "return.xlsx"
    export_return(demo_con, make_user("viewer"), "DEMO", out)
    sheet = openpyxl.load_workbook(out, read_only=True)["Variation and assurance"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    expected = spc_sheet(demo_con, "DEMO")
    header = next(r for r in rows if r and r[0] == "Variation")
    assert header[:6] == ["Variation", "✓ Pass: always meets the target", "↕ Hit and miss",
                          "✗ Fail: never meets the target", "– No target", "… Too few points"]
    body = rows[rows.index(header) + 1:][:5]
    assert [r[0] for r in body] == list(expected["Variation"])
    codes = {c for r in body for cell in r[1:6] if cell for c in str(cell).split(", ")}
    system_series = db.read_df(demo_con, "SELECT DISTINCT indicator_code FROM v_spc s JOIN indicator i USING"
                                         " (system_code, indicator_code) WHERE area_code = 'DEMO-ICB'"
                                         " AND i.status = 'active'")
    assert codes == set(system_series["indicator_code"]) and len(codes) > 15


def test_the_sentences_under_the_chart_are_built_from_the_series_figures(demo_con, editor):
    from framework.progress.spc_text import series_reading

    _worked_indicator(demo_con, editor, "W1", [1, -1] * 7 + [20, -20], direction="lower_is_better", target_5y=20)
    reading = series_reading(demo_con, "DEMO", "W1", "DEMO-ICB")
    limit = 2.66 * 87 / 15  # 15.43
    assert reading["variation"] == "◆ Variation: Special cause: improvement (lower)"
    assert reading["assurance"] == "✓ Assurance: Consistently passes the target"
    first, latest, assurance = reading["sentences"]
    assert first.startswith("Over the 16 points from March 2023 to ")
    assert f"from {-limit:.1f} points to {limit:.1f} points" in first.replace("−", "-")
    assert first.endswith("2 of them are marked as special cause.")
    assert latest.endswith("shows special cause variation: a sign of improvement (lower than usual).")
    assert assurance.startswith("The 5-year target of 20 points lies beyond the process limit on the side that is")


def test_two_editors_setting_the_same_rebase_at_once_store_it_once_with_one_audit_row(demo_con, editor):
    import threading

    from framework.core.errors import WriteConflict

    outcomes, start = [], threading.Barrier(3)
    before = len(log(demo_con, system_code="DEMO", entity="spc_rebase"))

    def save(reason):
        start.wait()
        try:
            outcomes.append(set_rebase(demo_con, editor, "DEMO", "I17", date(2025, 4, 1), reason))
        except (ValidationError, WriteConflict) as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=save, args=(f"Change {n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(o, date) for o in outcomes) == 1
    assert all(isinstance(o, date) or "already starts again" in str(o) or isinstance(o, WriteConflict)
               for o in outcomes)
    assert len(list_rebases(demo_con, "DEMO", "I17")) == 1
    assert len(log(demo_con, system_code="DEMO", entity="spc_rebase")) == before + 1


def test_a_constant_series_through_the_view_has_its_limits_on_the_centre_and_only_common_cause(demo_con, editor):
    _worked_indicator(demo_con, editor, "WC", [42.0] * 15, target_5y=42)
    rows = db.read_df(demo_con, "SELECT * FROM v_spc WHERE indicator_code = 'WC'")
    assert len(rows) == 15
    assert set(zip(rows["centre"], rows["lower_limit"], rows["upper_limit"])) == {(42.0, 42.0, 42.0)}
    assert set(rows["point_type"]) == {"common_cause"} and set(rows["rules"]) == {""}
    assert set(rows["assurance"]) == {"hit_and_miss"}
