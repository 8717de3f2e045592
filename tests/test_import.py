"""Imports: the real Fingertips export, the bad-file corpus with its exact messages, re-imports and undo."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from framework.core.db import read_df, read_rows
from framework.data_io.importers import (
    ImportRejected,
    check_files,
    import_files,
    list_batches,
    rejects_path,
    undo_batch,
)
from framework.foundation.systems import create_system
from tests.conftest import ROOT, make_user, reference_file

DATA = ROOT / "tests" / "data"
FINGERTIPS_NAME = "fingertips_91547_smoking_prevalence_qof.csv"
DOWNLOADED_ROWS = 11_360
APPENDED_ROWS = 6_267
REPEATS_IN_EXPORT = 107  # England and others appear twice (as an area and again as a parent): merged


def fingertips_copy(tmp_path: Path) -> Path:
    source = reference_file(FINGERTIPS_NAME)
    target = tmp_path / source.name
    shutil.copy(source, target)
    return target


@pytest.fixture
def fresh_con(con, editor):
    """A database with one real (non-demo) system that has no indicators yet, and every area of the reference export
    linked to it as a comparator, so that all of the export is inside its footprint (tests/test_import_footprint.py
    covers a real footprint)."""
    create_system(con, editor, {"system_code": "NENC", "name": "North East and North Cumbria",
                                "framework_start": "2023-04-01", "icb_code": "E54000050"})
    source = reference_file(FINGERTIPS_NAME)
    con.execute(
        "INSERT INTO system_area SELECT DISTINCT 'NENC', regexp_replace(trim(\"Area Code\"), '^n', ''), 'comparator'"
        " FROM read_csv(?, all_varchar = true) WHERE \"Area Code\" IS NOT NULL", [str(source)])
    return con


def measurement_count(con) -> int:
    return int(read_df(con, "SELECT count(*) AS n FROM measurement").iloc[0, 0])


# ---------------------------------------------------------------- the real Fingertips export

def test_all_or_nothing_refuses_the_fingertips_export_reports_the_blank_id_rows_and_writes_nothing(
        fresh_con, editor, tmp_path):
    source = fingertips_copy(tmp_path)
    with pytest.raises(ImportRejected) as caught:
        import_files(fresh_con, editor, [source])
    plan = caught.value.plan
    check = plan.files[0]
    assert check.file_format == "fingertips_csv"
    assert check.rows_read == DOWNLOADED_ROWS + APPENDED_ROWS
    assert check.rows_rejected == APPENDED_ROWS
    first = check.problems[0]
    assert (first.row, first.column, first.found) == (DOWNLOADED_ROWS + 2, "Indicator ID", None)
    assert "without one the row cannot be matched to an indicator" in first.expected
    assert caught.value.problems[-1] == (
        f"{source.name}: {APPENDED_ROWS - 200:,} more problems not listed "
        f"({APPENDED_ROWS:,} problems in {APPENDED_ROWS:,} rows in all).")
    assert measurement_count(fresh_con) == 0
    assert read_df(fresh_con, "SELECT count(*) FROM indicator").iloc[0, 0] == 0
    assert list_batches(fresh_con).empty
    assert not rejects_path(source).exists()


def test_skip_invalid_imports_the_rows_as_downloaded_and_writes_the_appended_rows_to_the_rejects_file(
        fresh_con, editor, tmp_path):
    source = fingertips_copy(tmp_path)
    [summary] = import_files(fresh_con, editor, [source], skip_invalid=True)
    assert summary.rows_new + summary.rows_merged == DOWNLOADED_ROWS
    assert summary.rows_merged == REPEATS_IN_EXPORT
    assert summary.rows_rejected == APPENDED_ROWS
    assert measurement_count(fresh_con) == DOWNLOADED_ROWS - REPEATS_IN_EXPORT
    rejects = pd.read_csv(rejects_path(source), dtype=str)
    assert len(rejects) == APPENDED_ROWS
    assert rejects["row"].astype(int).tolist() == list(range(DOWNLOADED_ROWS + 2, DOWNLOADED_ROWS + 2 + APPENDED_ROWS))
    assert rejects["Indicator ID"].isna().all()
    assert rejects.loc[0, "Area Code"] == "A84006" and rejects.loc[0, "Value"] == "9.812322732"
    assert rejects.loc[0, "problems"].startswith("Indicator ID: found nothing; expected a Fingertips indicator id")
    assert summary.rejects_file == str(rejects_path(source))


def test_an_unknown_fingertips_indicator_becomes_a_proposed_indicator_and_a_reimport_updates_the_same_one(
        fresh_con, editor, tmp_path):
    source = fingertips_copy(tmp_path)
    import_files(fresh_con, editor, [source], skip_invalid=True)
    indicators = read_rows(fresh_con, "SELECT * FROM indicator")
    assert len(indicators) == 1
    ind = indicators[0]
    assert (ind["indicator_code"], ind["status"], ind["source_ref"], ind["unit"]) == (
        "FT91547", "proposed", "fingertips:91547", "%")
    assert ind["name"] == "Smoking prevalence in adults (15+) - current smokers (QOF)"
    [again] = import_files(fresh_con, editor, [source], skip_invalid=True)
    assert (again.rows_new, again.rows_changed, again.rows_unchanged) == (0, 0, DOWNLOADED_ROWS - REPEATS_IN_EXPORT)
    assert again.indicators_added == 0
    assert read_df(fresh_con, "SELECT count(*) FROM indicator").iloc[0, 0] == 1


def test_a_fingertips_id_already_in_the_framework_lands_on_that_indicator(demo_con, editor, tmp_path):
    source = fingertips_copy(tmp_path)
    demo_con.execute("INSERT INTO system_area VALUES ('DEMO', 'E54000027', 'comparator')")  # in its footprint
    import_files(demo_con, editor, [source], skip_invalid=True, system_code="DEMO")
    assert read_df(demo_con, "SELECT count(*) FROM indicator WHERE source_ref = 'fingertips:91547'").iloc[0, 0] == 1
    rows = read_df(demo_con, "SELECT count(*) FROM measurement WHERE indicator_code = 'I08' AND area_code = 'E54000027'")
    assert rows.iloc[0, 0] == 5  # North West London ICB: five years in the export (its code is nE54000027 there)


@pytest.mark.parametrize("area, period, breakdown, group, expected", [
    ("E92000001", "2013/14", "All", "All",
     dict(value=19.17076526, lower_ci=19.15946674, upper_ci=19.18206886, count=8935216.0, denominator=46608551.5,
          value_note=None, comparison="Not compared", lower_ci_998=None)),
    ("Y07274", "2022/23", "All", "All",
     dict(value=10.05347594, lower_ci=8.286448625, upper_ci=12.14740174, lower_ci_998=7.406855426,
          upper_ci_998=13.507827, count=94.0, denominator=935.0, comparison="Better")),
    ("E54000027", "2016/17", "All", "All",
     dict(value=16.23568076, lower_ci=16.1839362, upper_ci=16.28755862, count=315972.0, denominator=1946158.0,
          comparison="Better")),
    ("E92000001", "2018/19", "All", "All",
     dict(value=16.74143607, value_note="There is a data quality issue with this value. Potential underestimate of "
                                       "the value due to double counting of patients in QOF")),
    ("E92000001", "2018/19", "County & UA deprivation deciles in England (IMD2019, 4/19 and 4/20 geog.)",
     "Most deprived decile (IMD2019)", dict(value=20.06859627, count=968143.0, denominator=4824169.0)),
    ("E92000001", "2015/16", "Age", "Not applicable", dict(value=18.08227356, lower_ci=18.07134051)),
    ("E06000060", "2017/18", "All", "All", dict(value=None, value_note="Value missing in source data")),
])
def test_chosen_fingertips_rows_are_kept_exactly(fresh_con, editor, tmp_path, area, period, breakdown, group,
                                                  expected):
    source = fingertips_copy(tmp_path)
    import_files(fresh_con, editor, [source], skip_invalid=True)
    rows = read_rows(
        fresh_con,
        "SELECT * FROM measurement WHERE area_code = ? AND period_label = ? AND breakdown = ? AND breakdown_group = ?",
        [area, period, breakdown, group],
    )
    assert len(rows) == 1
    for column, value in expected.items():
        assert rows[0][column] == value, column
    assert rows[0]["period_start"].month == 4 and rows[0]["period_end"] - rows[0]["period_start"] > pd.Timedelta(days=360)


def test_fingertips_areas_are_added_with_app_area_types_without_the_icb_prefix_and_with_trimmed_names(
        fresh_con, editor, tmp_path):
    source = fingertips_copy(tmp_path)
    import_files(fresh_con, editor, [source], skip_invalid=True)
    assert read_df(fresh_con, "SELECT count(*) FROM area WHERE area_code LIKE 'nE%'").iloc[0, 0] == 0
    gp = read_rows(fresh_con, "SELECT * FROM area WHERE area_code = 'Y07274'")[0]
    assert (gp["area_name"], gp["area_type"], gp["parent_code"]) == ("St Nicolas Medical Centre", "GP", "E92000001")
    assert read_df(fresh_con, "SELECT count(*) FROM area WHERE area_name <> trim(area_name)").iloc[0, 0] == 0
    types = set(read_df(fresh_con, "SELECT DISTINCT area_type FROM area")["area_type"])
    assert {"GP", "Local authority", "ICB", "Sub-ICB location", "England"} <= types


# ---------------------------------------------------------------- the bad-file corpus

CORPUS = [
    ("wrong_header.csv", [
        "wrong_header.csv, row 1, column period_label: found 'no such column'; expected a column named "
        "'period_label' (the template's columns are system_code, indicator_code, area_code, area_name, area_type, "
        "period_label, period_start, period_end, breakdown, breakdown_group, value, lower_ci, upper_ci, count, "
        "denominator, value_note, lower_ci_998, upper_ci_998, comparison).",
        "wrong_header.csv, row 1, column period: found 'period'; expected only the template's columns: system_code, "
        "indicator_code, area_code, area_name, area_type, period_label, period_start, period_end, breakdown, "
        "breakdown_group, value, lower_ci, upper_ci, count, denominator, value_note, lower_ci_998, upper_ci_998, "
        "comparison.",
    ]),
    ("not_our_columns.csv", [
        "not_our_columns.csv, row 1: found 'a first line naming none of the expected columns (4 fields)'; expected a header row naming the columns "
        "of an Excel return or template (.xlsx), a CSV with the template's columns (system_code, indicator_code, "
        "area_code, area_name, ...), or a Fingertips data export CSV.",
    ]),
    ("text_in_numbers.csv", [
        "text_in_numbers.csv, row 2, column value: found 'N/A'; expected a number.",
        "text_in_numbers.csv, row 3, column value: found 'High'; expected a number.",
        "text_in_numbers.csv, row 4, column value: found '15,2'; expected a number.",
    ]),
    ("odd_dates.csv", [
        "odd_dates.csv, row 7, column period_label: found 'Spring 2022'; expected a period such as 2013/14, 2021, "
        "2022 Q1, 2022/23 Q1, Apr 2022, Apr 2022 - Mar 2023, 2017 - 19 or a date.",
        "odd_dates.csv, row 8, column period_label: found '2022/24'; expected a period such as 2013/14, 2021, "
        "2022 Q1, 2022/23 Q1, Apr 2022, Apr 2022 - Mar 2023, 2017 - 19 or a date.",
        "odd_dates.csv, row 9, column period_end: found '31/02/2022'; expected a date such as 2022-04-01 or "
        "01/04/2022, or an Excel date.",
        "odd_dates.csv, row 10, column period_end: found '2022-03-01'; expected a date on or after the period "
        "start 2022-03-31.",
    ]),
    ("duplicates.csv", [
        "duplicates.csv, row 4, column value: found '14.1'; expected one set of values for each indicator, area, "
        "period and breakdown; rows 4, 5 give different values.",
        "duplicates.csv, row 5, column value: found '14.9'; expected one set of values for each indicator, area, "
        "period and breakdown; rows 4, 5 give different values.",
    ]),
    ("empty.csv", [
        "empty.csv: found 'an empty file'; expected an Excel return or template (.xlsx), a CSV with the template's "
        "columns (system_code, indicator_code, area_code, area_name, ...), or a Fingertips data export CSV.",
    ]),
    ("header_only.csv", [
        "header_only.csv, row 2: found 'a header row and no data'; expected at least one row of measurements.",
    ]),
    ("not_a_spreadsheet.csv", [
        "not_a_spreadsheet.csv: found 'a file that is not a spreadsheet or text'; expected an Excel return or "
        "template (.xlsx), a CSV with the template's columns (system_code, indicator_code, area_code, area_name, "
        "...), or a Fingertips data export CSV.",
    ]),
    ("huge_value.csv", [
        "huge_value.csv, row 2, column value: found '1e400'; expected a number no bigger than 1,000,000,000,000 "
        "in size.",
        "huge_value.csv, row 3, column value: found '5000000000000'; expected a number no bigger than "
        "1,000,000,000,000 in size.",
        "huge_value.csv, row 4, column count: found '-3'; expected a count of zero or more.",
    ]),
    ("formula_in_name.csv", [
        "formula_in_name.csv, row 2, column area_name: found '=HYPERLINK(\"http://example.com\",\"Click\")'; "
        "expected plain text, not a formula.",
        "formula_in_name.csv, row 3, column value_note: found '=1+1'; expected plain text, not a formula.",
    ]),
    ("value_checks.csv", [
        "value_checks.csv, row 2, column value: found '104.5'; expected a percentage from 0 to 100.",
        "value_checks.csv, row 3, column lower_ci: found '16.0'; expected a lower confidence limit no higher than "
        "the value 15.0.",
        "value_checks.csv, row 4, column value: found nothing (blank); expected a number, or a value note saying "
        "why the value is blank.",
        "value_checks.csv, row 6, column indicator_code: found 'I99'; expected an indicator code of system DEMO.",
        "value_checks.csv, row 7, column area_code: found 'E99999999'; expected an area code the app knows (an ONS "
        "code such as E54000008, or one listed in the workbook's Areas sheet).",
    ]),
]


@pytest.mark.parametrize("name, messages", CORPUS, ids=[c[0] for c in CORPUS])
def test_each_bad_file_is_refused_with_exactly_the_expected_messages_and_nothing_is_written(
        demo_con, editor, tmp_path, name, messages):
    source = tmp_path / name
    shutil.copy(DATA / name, source)
    before = read_df(demo_con, "SELECT * FROM measurement ORDER BY ALL")
    with pytest.raises(ImportRejected) as caught:
        import_files(demo_con, editor, [source], system_code="DEMO")
    assert caught.value.problems == messages
    assert read_df(demo_con, "SELECT * FROM measurement ORDER BY ALL").equals(before)
    assert list(list_batches(demo_con)["file_name"]) == ["demo generator"]


@pytest.mark.parametrize("name, imported, merged, rejected", [
    ("duplicates.csv", 2, 1, 2),
    ("text_in_numbers.csv", 1, 0, 3),
    ("odd_dates.csv", 5, 0, 4),
    ("formula_in_name.csv", 1, 0, 2),
    ("value_checks.csv", 1, 0, 5),
])
def test_skip_invalid_imports_the_good_rows_of_a_bad_file_and_lists_the_rest_beside_it(
        demo_con, editor, tmp_path, name, imported, merged, rejected):
    source = tmp_path / name
    shutil.copy(DATA / name, source)
    [summary] = import_files(demo_con, editor, [source], system_code="DEMO", skip_invalid=True)
    assert (summary.rows_new + summary.rows_changed + summary.rows_unchanged, summary.rows_merged,
            summary.rows_rejected) == (imported, merged, rejected)
    assert len(pd.read_csv(rejects_path(source))) == rejected


@pytest.mark.parametrize("name", ["empty.csv", "not_a_spreadsheet.csv", "wrong_header.csv"])
def test_skip_invalid_still_refuses_a_file_that_cannot_be_read_at_all(demo_con, editor, tmp_path, name):
    source = tmp_path / name
    shutil.copy(DATA / name, source)
    with pytest.raises(ImportRejected):
        import_files(demo_con, editor, [source], system_code="DEMO", skip_invalid=True)
    assert list(list_batches(demo_con)["file_name"]) == ["demo generator"]


def test_odd_but_valid_periods_get_the_dates_they_mean(demo_con, editor, tmp_path):
    source = tmp_path / "odd_dates.csv"
    shutil.copy(DATA / "odd_dates.csv", source)
    [summary] = import_files(demo_con, editor, [source], system_code="DEMO", skip_invalid=True)
    rows = read_df(demo_con, "SELECT period_label, period_start, period_end, value FROM measurement"
                             " WHERE batch_id = ? ORDER BY value", [summary.batch_id])
    assert [(r.period_label, r.period_start.date(), r.period_end.date()) for r in rows.itertuples()] == [
        ("2013/14", date(2013, 4, 1), date(2014, 3, 31)),
        ("2021", date(2021, 1, 1), date(2021, 12, 31)),
        ("2022 Q1", date(2022, 1, 1), date(2022, 3, 31)),
        ("Apr 2022 - Mar 2023", date(2022, 4, 1), date(2023, 3, 31)),
        ("2022-04-01", date(2022, 4, 1), date(2022, 4, 1)),
    ]


def test_a_problem_in_one_of_several_files_means_none_of_them_is_written(demo_con, editor, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("indicator_code,area_code,period_label,value\nI08,DEMO-ICB,2027/28,12.5\n")
    bad = tmp_path / "text_in_numbers.csv"
    shutil.copy(DATA / "text_in_numbers.csv", bad)
    with pytest.raises(ImportRejected):
        import_files(demo_con, editor, [good, bad], system_code="DEMO")
    assert read_df(demo_con, "SELECT count(*) FROM measurement WHERE period_label = '2027/28'").iloc[0, 0] == 0


def test_the_report_stops_listing_at_the_cap_but_gives_the_total(demo_con, editor, tmp_path):
    source = tmp_path / "many.csv"
    lines = ["indicator_code,area_code,period_label,value"] + [f"I08,DEMO-ICB,{1900 + i // 4} Q{i % 4 + 1},High" for i in range(250)]
    source.write_text("\n".join(lines) + "\n")
    plan = check_files(demo_con, [source], system_code="DEMO")
    check = plan.files[0]
    assert (len(check.problems), check.problems_total, check.rows_rejected) == (200, 250, 250)
    assert plan.messages()[-1] == "many.csv: 50 more problems not listed (250 problems in 250 rows in all)."


# ---------------------------------------------------------------- re-imports, batches and undo

def _csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    path.write_text("indicator_code,area_code,period_label,value,value_note\n"
                    + "".join(f"{a},{b},{c},{d},\n" for a, b, c, d in rows))
    return path


def test_reimporting_updates_in_place_and_counts_new_changed_and_unchanged(demo_con, editor, tmp_path):
    first = _csv(tmp_path / "first.csv", [("I08", "DEMO-ICB", "2027/28", "12.5"), ("I08", "DEMO-P01", "2027/28", "13")])
    [a] = import_files(demo_con, editor, [first], system_code="DEMO")
    assert (a.rows_new, a.rows_changed, a.rows_unchanged) == (2, 0, 0)
    second = _csv(tmp_path / "second.csv", [("I08", "DEMO-ICB", "2027/28", "12.5"), ("I08", "DEMO-P01", "2027/28", "14"),
                                            ("I08", "DEMO-P02", "2027/28", "15")])
    [b] = import_files(demo_con, editor, [second], system_code="DEMO")
    assert (b.rows_new, b.rows_changed, b.rows_unchanged) == (1, 1, 1)
    batch = list_batches(demo_con).iloc[0]
    assert (batch["file_name"], batch["imported_by"], batch["rows_new"], batch["rows_changed"],
            batch["rows_unchanged"], batch["status"]) == ("second.csv", editor.user_id, 1, 1, 1, "applied")
    assert len(batch["sha256"]) == 64


def test_undo_restores_the_values_a_batch_replaced_removes_what_it_added_and_is_audited(demo_con, editor, tmp_path):
    key = "SELECT area_code, value FROM measurement WHERE period_label = '2027/28' ORDER BY area_code"
    first = _csv(tmp_path / "first.csv", [("I08", "DEMO-ICB", "2027/28", "12.5"), ("I08", "DEMO-P01", "2027/28", "13")])
    import_files(demo_con, editor, [first], system_code="DEMO")
    before = read_df(demo_con, key)
    second = _csv(tmp_path / "second.csv", [("I08", "DEMO-P01", "2027/28", "14"), ("I08", "DEMO-P02", "2027/28", "15")])
    [b] = import_files(demo_con, editor, [second], system_code="DEMO")
    counts = undo_batch(demo_con, editor, b.batch_id)
    assert counts == {"restored": 1, "removed": 1}
    assert read_df(demo_con, key).equals(before)
    assert list_batches(demo_con).iloc[0]["status"] == "undone"
    audit = read_rows(demo_con, "SELECT * FROM audit_log WHERE action = 'undo' AND entity = 'import_batch'")
    assert len(audit) == 1 and audit[0]["entity_key"] == str(b.batch_id) and audit[0]["user_id"] == editor.user_id


@pytest.mark.parametrize("role, action, allowed", [
    ("partner", "import", True), ("community", "import", False), ("viewer", "import", False),
    ("partner", "undo", False), ("editor", "undo", True),
])
def test_who_may_import_and_who_may_undo(demo_con, editor, tmp_path, role, action, allowed):
    source = _csv(tmp_path / "one.csv", [("I08", "DEMO-ICB", "2027/28", "12.5")])
    user = make_user(role)
    if action == "import":
        if allowed:
            assert import_files(demo_con, user, [source], system_code="DEMO")[0].rows_new == 1
        else:
            with pytest.raises(PermissionError):
                import_files(demo_con, user, [source], system_code="DEMO")
    else:
        [s] = import_files(demo_con, editor, [source], system_code="DEMO")
        if allowed:
            assert undo_batch(demo_con, user, s.batch_id)["removed"] == 1
        else:
            with pytest.raises(PermissionError):
                undo_batch(demo_con, user, s.batch_id)


def test_a_batch_cannot_be_undone_twice(demo_con, editor, tmp_path):
    from framework.core.errors import ValidationError

    [s] = import_files(demo_con, editor, [_csv(tmp_path / "one.csv", [("I08", "DEMO-ICB", "2027/28", "1")])],
                       system_code="DEMO")
    undo_batch(demo_con, editor, s.batch_id)
    with pytest.raises(ValidationError, match="already undone"):
        undo_batch(demo_con, editor, s.batch_id)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])  # the headline age never depends on order
def test_a_fingertips_export_with_mixed_line_endings_a_line_break_in_a_name_and_another_comparator_imports(
        fresh_con, editor, tmp_path, order):
    header = ("Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
              "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,"
              "Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,Compared to Region value or percentiles,"
              "Column not used,Time period Sortable,New data,Compared to goal,Time period range")
    name = '"Emergency admissions\nfor falls, 65+"'
    rows = [
        f"22401,{name},E12000001,North East region,nE54000050,NHS North East and North Cumbria ICB - QHM ,ICBs,"
        "Persons,65+ yrs,,,2022/23,2100.5,2050.1,2150.9,,,12000,571000,,,Similar,,20220000,,,1y",
        f"22401,{name},E12000001,North East region,nE54000050,NHS North East and North Cumbria ICB - QHM ,ICBs,"
        "Female,65+ yrs,,,2022/23,2300.25,2250,2350,,,7000,304000,,,Worse,,20220000,,,1y",
        f"22401,{name},E12000001,North East region,nE54000050,NHS North East and North Cumbria ICB - QHM ,ICBs,"
        "Persons,80+ yrs,,,2022/23,5100,5000,5200,,,5000,98000,,,Worse,,20220000,,,1y",
    ]
    source = tmp_path / "falls.csv"
    rows = [rows[i] for i in order]
    source.write_bytes((header + "\r\n" + rows[0] + "\n" + rows[1] + "\r\n" + rows[2] + "\n").encode())
    [summary] = import_files(fresh_con, editor, [source])
    assert (summary.file_format, summary.rows_new, summary.indicators_added) == ("fingertips_csv", 3, 1)
    ind = read_rows(fresh_con, "SELECT * FROM indicator")[0]
    assert (ind["indicator_code"], ind["name"], ind["unit"]) == ("FT22401", "Emergency admissions\nfor falls, 65+", "")
    got = read_df(fresh_con, "SELECT area_code, breakdown, breakdown_group, value, comparison FROM measurement"
                             " ORDER BY value")
    assert got.values.tolist() == [
        ["E54000050", "All", "All", 2100.5, "Similar"],
        ["E54000050", "Sex", "Female", 2300.25, "Worse"],
        ["E54000050", "Age", "80+ yrs", 5100.0, "Worse"],
    ]


def test_a_workbook_template_is_checked_with_spreadsheet_row_numbers(demo_con, editor, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Measurements"
    ws.append(["indicator_code", "area_code", "period_label", "period_start", "period_end", "value"])
    ws.append(["I08", "DEMO-ICB", "Apr 2027", date(2027, 4, 1), date(2027, 4, 30), 12.5])
    ws.append(["I08", "DEMO-P01", "Apr 2027", date(2027, 4, 1), date(2027, 4, 30), "High"])
    ws.append(["I08", "DEMO-P02", 46478, None, None, 13.25])
    source = tmp_path / "template.xlsx"
    wb.save(source)
    with pytest.raises(ImportRejected) as caught:
        import_files(demo_con, editor, [source], system_code="DEMO")
    assert caught.value.problems == ["template.xlsx, row 3, column value: found 'High'; expected a number."]
    [summary] = import_files(demo_con, editor, [source], system_code="DEMO", skip_invalid=True)
    assert (summary.file_format, summary.rows_new, summary.rows_rejected) == ("xlsx", 2, 1)
    got = read_df(demo_con, "SELECT area_code, period_label, period_start, period_end, value FROM measurement"
                            " WHERE batch_id = ? ORDER BY area_code", [summary.batch_id])
    assert [(r.area_code, r.period_label, r.period_start.date(), r.period_end.date(), r.value)
            for r in got.itertuples()] == [
        ("DEMO-ICB", "Apr 2027", date(2027, 4, 1), date(2027, 4, 30), 12.5),
        ("DEMO-P02", "2027-04-01", date(2027, 4, 1), date(2027, 4, 1), 13.25),  # an Excel date as the label
    ]


def test_a_damaged_workbook_is_refused_in_words(demo_con, editor, tmp_path):
    source = tmp_path / "damaged.xlsx"
    source.write_bytes(b"PK\x03\x04" + b"this is not really a workbook" * 20)
    with pytest.raises(ImportRejected) as caught:
        import_files(demo_con, editor, [source], system_code="DEMO", skip_invalid=True)
    [message] = caught.value.problems
    assert message.startswith("damaged.xlsx: found 'a workbook that cannot be opened (")
    assert message.endswith("expected an .xlsx workbook saved by Excel, LibreOffice or Shared Measures.")
