"""Imports refuse values that cannot be true, and do only what the importer could do by hand."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from framework.core.db import read_df, read_rows
from framework.core.errors import ValidationError
from framework.data_io.importers import ImportRejected, apply_plan, check_files, import_files
from framework.data_io.importers.validate import latest_start
from framework.foundation.systems import create_system
from tests.conftest import make_user

HEADER = "indicator_code,area_code,period_label,value,lower_ci,upper_ci,lower_ci_998,upper_ci_998,count,denominator"


def _rows(tmp_path: Path, *lines: str, name: str = "values.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "\n" + "".join(line + "\n" for line in lines))
    return path


def _problems(con, path: Path) -> list[tuple[int | None, str | None, str | None, str]]:
    plan = check_files(con, [path], system_code="DEMO")
    return [(p.row, p.column, p.found, p.expected) for p in plan.files[0].problems]


# ---------------------------------------------------------------- values that cannot be true

@pytest.mark.parametrize("line, column, found, expected_start", [
    # a lower 95% limit above the upper one, with a value and without one (a value note says why it is blank)
    ("I08,DEMO-ICB,2024/25,12,13,11,,,,", "lower_ci", "13", "a lower 95% confidence limit no higher than the upper one, 11"),
    ("I08,DEMO-ICB,2024/25,,13,11,,,,", "lower_ci", "13", "a lower 95% confidence limit no higher than the upper one, 11"),
    ("I08,DEMO-ICB,2024/25,,,,14,10,,", "lower_ci_998", "14", "a lower 99.8% confidence limit no higher than the upper one, 10"),
    # 99.8% limits inside the 95% ones
    ("I08,DEMO-ICB,2024/25,12,11,13,11.5,14,,", "lower_ci_998", "11.5", "a lower 99.8% confidence limit no higher than the lower 95% limit, 11"),
    ("I08,DEMO-ICB,2024/25,12,11,13,10,12.5,,", "upper_ci_998", "12.5", "an upper 99.8% confidence limit no lower than the upper 95% limit, 13"),
    # a count above its denominator
    ("I08,DEMO-ICB,2024/25,12,,,,,120,100", "count", "120", "a count no bigger than its denominator, 100"),
])
def test_values_that_cannot_be_true_are_refused_with_their_row_and_column(demo_con, tmp_path, line, column, found,
                                                                         expected_start):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + ",value_note\n" + line + ",suppressed\n")
    problems = _problems(demo_con, path)
    assert {r for r, *_ in problems} == {2}  # with a value, the limits also miss the value: said as well
    [mine] = [p for p in problems if p[1] == column and p[3].startswith(expected_start)]
    assert mine[2] == found


def test_a_row_with_every_limit_in_order_passes(demo_con, tmp_path):
    path = _rows(tmp_path, "I08,DEMO-ICB,2024/25,12,11,13,10,14,12,100")
    assert _problems(demo_con, path) == []


def test_a_period_more_than_a_year_ahead_of_today_is_refused_and_one_within_a_year_passes(demo_con, tmp_path):
    today = date.today()
    soon = today + timedelta(days=300)
    far = today + timedelta(days=400)
    path = tmp_path / "dates.csv"
    path.write_text("indicator_code,area_code,period_label,period_start,period_end,value\n"
                    f"I08,DEMO-ICB,Soon,{soon.isoformat()},{soon.isoformat()},12\n"
                    f"I08,DEMO-ICB,Far,{far.isoformat()},{far.isoformat()},12\n"
                    f"I08,DEMO-P01,{today.year + 3},,,12\n")
    problems = _problems(demo_con, path)
    assert [(r, c, f) for r, c, f, _ in problems] == [(3, "period_start", far.isoformat()),
                                                     (4, "period_label", str(today.year + 3))]
    assert problems[0][3] == (f"a period that has started, or starts within a year (by {latest_start(today)});"
                              f" this one starts on {far.isoformat()}")


def test_latest_start_is_a_year_from_today_also_from_a_leap_day():
    assert latest_start(date(2026, 11, 30)) == date(2027, 11, 30)
    assert latest_start(date(2028, 2, 29)) == date(2029, 2, 28)


def test_the_checks_run_over_every_row_in_one_pass_and_keep_the_good_rows(demo_con, editor, tmp_path):
    good = [f"I08,DEMO-ICB,{2000 + i},12,11,13,10,14,12,100" for i in range(20)]
    path = _rows(tmp_path, *good, "I08,DEMO-P01,2020,12,13,11,,,,", "I08,DEMO-P02,2020,12,,,,,5,4")
    [summary] = import_files(demo_con, editor, [path], system_code="DEMO", skip_invalid=True)
    assert (summary.rows_new, summary.rows_rejected) == (20, 2)


# ---------------------------------------------------------------- roles: an import does what the importer could do

def complete_return(path: Path, code: str = "NEWSYS", outcomes: int = 7) -> Path:
    """A complete Excel return: a system, its vision, outcomes, active measures with targets, areas, measurements."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Cover"
    for label, value in (("System code", code), ("System name", "New system"), ("Framework start", "2024-04-01")):
        cover.append([label, value])
    vo = wb.create_sheet("Vision and outcomes")
    vo.append(["Item", "Code", "Title", "Description", "1 year ambition", "3 year ambition", "5 year ambition",
               "Principles"])
    vo.append(["Vision", "statement", None, "Everyone lives well", None, None, None, None])
    for n in range(1, outcomes + 1):
        vo.append(["Outcome", f"O{n}", f"Outcome {n}", None, "a", "b", "c", "1, 2"])
    ind = wb.create_sheet("Indicators")
    ind.append(["indicator_code", "outcome_code", "name", "unit", "direction", "kind", "baseline_value",
                "baseline_date", "target_1y", "target_3y", "target_5y", "status"])
    ind.append(["M1", "O1", "Smoking", "%", "lower_is_better", "quantitative", 16, "2024-03-31", 15, 14, 13, "active"])
    ind.append(["M2", "O2", "Loneliness", "%", "lower_is_better", "perception", 30, "2024-03-31", 28, 25, 20, "active"])
    areas = wb.create_sheet("Areas")
    areas.append(["area_code", "area_name", "area_type", "parent_code", "role"])
    areas.append(["E54000050", "North East and North Cumbria", "ICB", None, "system"])
    meas = wb.create_sheet("Measurements")
    meas.append(["system_code", "indicator_code", "area_code", "period_label", "value"])
    meas.append([code, "M1", "E54000050", "2024/25", 15.5])
    meas.append([code, "M2", "E54000050", "2024/25", 29])
    wb.save(path)
    return path


def test_an_editor_imports_a_complete_return_whole_and_it_is_audited_as_theirs(con, tmp_path):
    editor = make_user("editor")
    [summary] = import_files(con, editor, [complete_return(tmp_path / "return.xlsx")])
    assert summary.rows_new == 2 and summary.notes == ()
    assert read_df(con, "SELECT count(*) FROM outcome WHERE system_code = 'NEWSYS'").iloc[0, 0] == 7
    statuses = read_rows(con, "SELECT indicator_code, status, target_5y FROM indicator ORDER BY indicator_code")
    assert [(r["indicator_code"], r["status"], r["target_5y"]) for r in statuses] == [("M1", "active", 13.0),
                                                                                    ("M2", "active", 20.0)]
    who = read_rows(con, "SELECT DISTINCT user_id, user_role FROM audit_log WHERE entity IN ('system', 'vision',"
                         " 'outcome', 'indicator', 'import_batch')")
    assert who == [{"user_id": editor.user_id, "user_role": "editor"}]


def test_a_partner_cannot_create_a_system_from_a_return_and_is_told_why_before_anything_is_written(con, tmp_path):
    partner = make_user("partner")
    source = complete_return(tmp_path / "return.xlsx")
    plan = check_files(con, [source], user=partner)
    [problem] = plan.files[0].problems
    assert plan.files[0].fatal
    assert (problem.column, problem.found) == ("Cover: System code", "NEWSYS")
    assert "needs an engagement lead's (editor's) rights" in problem.expected
    with pytest.raises(ImportRejected):
        import_files(con, partner, [source])
    assert read_df(con, "SELECT count(*) FROM system").iloc[0, 0] == 0
    assert read_df(con, "SELECT count(*) FROM import_batch").iloc[0, 0] == 0


def test_a_plan_checked_without_the_user_still_cannot_create_a_system_for_a_partner(con, tmp_path):
    plan = check_files(con, [complete_return(tmp_path / "return.xlsx")])  # checked as if by an editor
    assert plan.ok
    with pytest.raises(ValidationError, match="needs an engagement lead's"):
        apply_plan(con, make_user("partner"), plan)
    assert read_df(con, "SELECT count(*) FROM system").iloc[0, 0] == 0


def test_a_partner_loads_the_measurements_of_a_return_for_an_existing_system_and_its_new_measures_are_proposals(
        con, tmp_path):
    editor, partner = make_user("editor"), make_user("partner")
    create_system(con, editor, {"system_code": "NEWSYS", "name": "New system", "framework_start": "2024-04-01"})
    con.execute("INSERT INTO system_area VALUES ('NEWSYS', 'E54000050', 'system')")  # the editor linked its area
    [summary] = import_files(con, partner, [complete_return(tmp_path / "return.xlsx")])
    assert summary.rows_new == 2
    assert any("arrive as proposed measures without baselines or targets" in n for n in summary.notes)
    assert any("footprint" in n for n in summary.notes)
    rows = read_rows(con, "SELECT indicator_code, status, baseline_value, target_1y, target_3y, target_5y,"
                          " proposed_by FROM indicator ORDER BY indicator_code")
    assert [tuple(r.values()) for r in rows] == [("M1", "proposed", None, None, None, None, partner.name),
                                                 ("M2", "proposed", None, None, None, None, partner.name)]
    assert read_df(con, "SELECT count(*) FROM outcome").iloc[0, 0] == 0
    assert read_df(con, "SELECT count(*) FROM system_area").iloc[0, 0] == 1
    audit = read_rows(con, "SELECT DISTINCT action, user_role FROM audit_log WHERE entity = 'indicator'")
    assert audit == [{"action": "propose", "user_role": "partner"}]


def test_a_partners_return_for_an_area_the_system_has_not_linked_is_refused_saying_an_editor_links_it(con, tmp_path):
    create_system(con, make_user("editor"), {"system_code": "NEWSYS", "name": "New system",
                                             "framework_start": "2024-04-01"})
    with pytest.raises(ImportRejected) as caught:
        import_files(con, make_user("partner"), [complete_return(tmp_path / "return.xlsx")])
    [message] = caught.value.problems
    assert "all 2 rows are for areas outside system NEWSYS" in message
    assert "System NEWSYS has no areas linked yet" in message and "Areas sheet of an Excel return" in message
    assert read_df(con, "SELECT count(*) FROM measurement").iloc[0, 0] == 0
    assert read_df(con, "SELECT count(*) FROM system_area").iloc[0, 0] == 0


@pytest.mark.parametrize("role", ["viewer", "community"])
def test_a_role_without_import_rights_cannot_import_a_return(con, tmp_path, role):
    with pytest.raises(PermissionError):
        import_files(con, make_user(role), [complete_return(tmp_path / "return.xlsx")])
    assert read_df(con, "SELECT count(*) FROM system").iloc[0, 0] == 0
