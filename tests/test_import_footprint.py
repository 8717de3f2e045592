"""Imports keep the system's footprint: its linked areas, England and its NHS region. Rows for other areas are left
out and counted in words, whatever the route; a row the user wrote for an unlinked area of the system's own
geography is reported with how to link it; and England's repeated row with only its judgement differing is one row."""
from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from framework.core.db import read_df, read_rows
from framework.data_io.importers import ImportRejected, check_files, import_files, rejects_path
from framework.foundation.systems import create_system
from tests.test_import import fingertips_copy

HEADER = ("Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,"
          "Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,Upper CI 99.8 limit,"
          "Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,Column not used,"
          "Time period Sortable,New data,Compared to goal,Time period range")
NENC_PLACES = ["E38000127", "E38000130", "E38000163", "E38000176", "E38000212"]


def ft_row(area: str, value: str, *, area_type: str = "GPs", period: str = "2022/23", judgement: str = "Better",
           parent: str = "E92000001", count: str = "94") -> str:
    return (f"91547,Smoking prevalence in adults (15+) - current smokers (QOF),{parent},England,{area},Area {area},"
            f"{area_type},Persons,15+ yrs,,,{period},{value},,,,,{count},935,,,{judgement},,20220000,,,1y")


def write_ft(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def nenc(con, editor):
    """North East and North Cumbria as a real ICS starts: its ICB, its places, one comparator ICB, its region."""
    create_system(con, editor, {"system_code": "NENC", "name": "North East and North Cumbria",
                                "framework_start": "2023-04-01", "icb_code": "E54000050",
                                "region_code": "E40000012", "region_name": "North East and Yorkshire"})
    links = [("E54000050", "system"), ("E54000027", "comparator")] + [(p, "place") for p in NENC_PLACES]
    con.executemany("INSERT INTO system_area VALUES ('NENC', ?, ?)", links)
    return con


def footprint_of(con, system: str) -> set[str]:
    codes = {r["area_code"] for r in read_rows(con, "SELECT area_code FROM system_area WHERE system_code = ?", [system])}
    region = read_rows(con, "SELECT region_code FROM system WHERE system_code = ?", [system])[0]["region_code"]
    return codes | {"E92000001"} | ({region} if region else set())


# ---------------------------------------------------------------- the real export, for a real footprint

def test_the_real_export_keeps_only_the_footprint_counts_the_rest_in_words_and_keeps_values_exactly(
        nenc, editor, tmp_path):
    source = fingertips_copy(tmp_path)
    feet = footprint_of(nenc, "NENC")
    with duckdb.connect() as reader:  # what the file holds, read independently of the importer
        reader.execute("CREATE TABLE f AS SELECT *, regexp_replace(trim(\"Area Code\"), '^n', '') AS code"
                       " FROM read_csv(?, all_varchar = true)", [str(source)])
        reader.execute("CREATE TABLE feet (code VARCHAR)")
        reader.executemany("INSERT INTO feet VALUES (?)", [[c] for c in sorted(feet)])
        total, outside, outside_areas = reader.execute(
            "SELECT count(*), count(*) FILTER (WHERE code NOT IN (SELECT code FROM feet)),"
            " count(DISTINCT code) FILTER (WHERE code NOT IN (SELECT code FROM feet)) FROM f").fetchall()[0]
        icb_text = reader.execute(
            "SELECT \"Value\" FROM f WHERE \"Area Code\" = 'nE54000050' AND \"Time period\" = '2022/23'"
            " AND \"Category Type\" IS NULL").fetchall()
    assert outside > 17_000  # nearly all of England is outside one system
    [summary] = import_files(nenc, editor, [source])  # all or nothing: the blank-id GP rows are all elsewhere
    assert summary.rows_read == total and summary.rows_rejected == 0
    assert summary.rows_outside == outside
    assert f"{outside:,} rows for {outside_areas:,} areas outside system NENC were left out" in summary.sentence()
    stored = set(read_df(nenc, "SELECT DISTINCT area_code FROM measurement")["area_code"])
    assert stored <= feet and {"E92000001", "E40000012", "E54000050", "E54000027"} <= stored
    assert summary.rows_new + summary.rows_merged == total - outside
    assert read_df(nenc, "SELECT count(*) FROM area WHERE area_type = 'GP'").iloc[0, 0] == 0  # no 7,000 practices
    [(text,)] = icb_text  # the ICB's code carries the n prefix in the file and still lands on its area
    value = read_df(nenc, "SELECT value FROM measurement WHERE area_code = 'E54000050' AND period_label = '2022/23'"
                          " AND breakdown = 'All'").iloc[0, 0]
    assert value == float(text)


def test_the_check_before_an_import_says_what_will_be_left_out(nenc, editor, tmp_path):
    plan = check_files(nenc, [fingertips_copy(tmp_path)], user=editor)
    assert plan.ok
    assert any("areas outside system NENC were left out" in n for n in plan.notes)
    assert read_df(nenc, "SELECT count(*) FROM measurement").iloc[0, 0] == 0


# ---------------------------------------------------------------- misuse

def test_a_file_of_200k_rows_nearly_all_outside_keeps_the_few_inside_quickly(nenc, editor, tmp_path):
    source = tmp_path / "national.csv"
    inside = [ft_row("E92000001", "16.5", area_type="England", parent=""), ft_row("nE54000050", "14.25",
                                                                                 area_type="ICBs")]
    with duckdb.connect() as writer:  # 199,998 GP rows for practices no system here has linked
        writer.execute(
            f"""COPY (SELECT '91547' AS "Indicator ID", 'Smoking prevalence' AS "Indicator Name",
                    'E92000001' AS "Parent Code", 'England' AS "Parent Name", 'P' || lpad(CAST(i % 7000 AS VARCHAR), 5, '0')
                    AS "Area Code", 'Practice' AS "Area Name", 'GPs' AS "Area Type", 'Persons' AS "Sex",
                    '15+ yrs' AS "Age", NULL AS "Category Type", NULL AS "Category",
                    CAST(1990 + i // 7000 AS VARCHAR) AS "Time period", '12.5' AS "Value",
                    NULL AS "Lower CI 95.0 limit", NULL AS "Upper CI 95.0 limit", NULL AS "Lower CI 99.8 limit",
                    NULL AS "Upper CI 99.8 limit", '10' AS "Count", '80' AS "Denominator", NULL AS "Value note",
                    NULL AS "Recent Trend", 'Similar' AS "Compared to England value or percentiles",
                    NULL AS "Column not used", NULL AS "Time period Sortable", NULL AS "New data",
                    NULL AS "Compared to goal", NULL AS "Time period range"
                FROM range(199998) r(i)) TO '{source}' (HEADER)""")
    with source.open("a") as fh:
        fh.write("\n".join(inside) + "\n")
    started = time.perf_counter()
    [summary] = import_files(nenc, editor, [source])
    seconds = time.perf_counter() - started
    assert summary.rows_read == 200_000 and summary.rows_new == 2 and summary.rows_outside == 199_998
    assert "199,998 rows for 7,000 areas outside system NENC were left out" in summary.sentence()
    assert seconds < 60, seconds  # left-out rows are dropped in one set-based pass
    got = read_df(nenc, "SELECT area_code, value FROM measurement ORDER BY area_code").values.tolist()
    assert got == [["E54000050", 14.25], ["E92000001", 16.5]]


def test_a_file_only_of_outside_areas_is_refused_saying_nothing_was_kept_and_why(nenc, editor, tmp_path):
    source = write_ft(tmp_path / "elsewhere.csv", [ft_row("Y07274", "10.1"), ft_row("A84006", "9.8"),
                                                   ft_row("nE54000008", "15.0", area_type="ICBs")])
    with pytest.raises(ImportRejected) as caught:
        import_files(nenc, editor, [source], skip_invalid=True)  # not even with skip-invalid: there is nothing
    [message] = caught.value.problems
    assert message.startswith("elsewhere.csv, column area_code: found 'all 3 rows are for areas outside system NENC"
                              " (3 areas)'")
    assert "England and its NHS region" in message and "Nothing was kept, so nothing is imported." in message
    assert read_df(nenc, "SELECT count(*) FROM measurement").iloc[0, 0] == 0
    assert read_df(nenc, "SELECT count(*) FROM import_batch").iloc[0, 0] == 0
    assert not rejects_path(source).exists()


def test_a_system_with_no_region_keeps_england_and_its_areas_and_leaves_a_region_out(con, editor, tmp_path):
    create_system(con, editor, {"system_code": "NOREG", "name": "No region yet", "framework_start": "2024-04-01"})
    con.execute("INSERT INTO system_area VALUES ('NOREG', 'E54000050', 'system')")
    source = write_ft(tmp_path / "three.csv", [
        ft_row("E92000001", "16.5", area_type="England", parent=""),
        ft_row("nE54000050", "14.25", area_type="ICBs"),
        ft_row("E40000012", "15.75", area_type="NHS region")])
    [summary] = import_files(con, editor, [source])
    assert (summary.rows_new, summary.rows_outside) == (2, 1)
    assert "1 row for 1 area outside system NOREG were left out" in summary.sentence()
    assert "has no areas linked yet" not in summary.sentence()


def test_a_system_with_no_linked_areas_keeps_england_and_its_region_and_says_how_to_link(con, editor, tmp_path):
    create_system(con, editor, {"system_code": "BARE", "name": "Bare", "framework_start": "2024-04-01",
                                "region_code": "E40000012"})
    source = write_ft(tmp_path / "three.csv", [
        ft_row("E92000001", "16.5", area_type="England", parent=""),
        ft_row("nE54000050", "14.25", area_type="ICBs"),
        ft_row("E40000012", "15.75", area_type="NHS region")])
    [summary] = import_files(con, editor, [source])
    assert (summary.rows_new, summary.rows_outside) == (2, 1)
    assert "System BARE has no areas linked yet" in summary.sentence()


def test_each_row_of_an_app_csv_is_judged_by_its_own_systems_footprint(nenc, editor, tmp_path):
    create_system(nenc, editor, {"system_code": "NWL", "name": "North West London", "framework_start": "2023-04-01"})
    nenc.execute("INSERT INTO system_area VALUES ('NWL', 'E54000027', 'system')")
    nenc.execute("INSERT INTO indicator (system_code, indicator_code, name, unit, direction, kind, status)"
                 " SELECT s, 'M1', 'Smoking', '%', 'lower_is_better', 'quantitative', 'active'"
                 " FROM (VALUES ('NENC'), ('NWL')) v(s)")
    source = tmp_path / "two.csv"
    source.write_text("system_code,indicator_code,area_code,period_label,value\n"
                      "NENC,M1,E54000050,2024/25,15.5\n"
                      "NWL,M1,E54000027,2024/25,12.5\n"
                      "NWL,M1,E54000050,2024/25,15.5\n")  # NENC's ICB is nothing to North West London
    summaries = import_files(nenc, editor, [source])
    assert [s.rows_new for s in summaries] == [2]
    assert "1 row for 1 area outside system NWL were left out" in summaries[0].sentence()
    got = read_df(nenc, "SELECT system_code, area_code FROM measurement ORDER BY ALL").values.tolist()
    assert got == [["NENC", "E54000050"], ["NWL", "E54000027"]]


def test_an_app_csv_row_for_an_unlinked_area_of_the_systems_own_geography_says_how_to_link_it(
        demo_con, editor, tmp_path):
    demo_con.execute("INSERT INTO area (area_code, area_name, area_type, parent_code, source) VALUES ('DEMO-N99', 'New neighbourhood', 'Neighbourhood', 'DEMO-P01', 'test')")
    source = tmp_path / "mine.csv"
    source.write_text("indicator_code,area_code,period_label,value\n"
                      "I08,DEMO-P02,2021,15.0\n"
                      "I08,DEMO-N99,2021,14.0\n"  # meant: a neighbourhood of one of DEMO's places, not linked yet
                      "I08,E54000008,2021,13.0\n")  # another ICB altogether: left out
    with pytest.raises(ImportRejected) as caught:
        import_files(demo_con, editor, [source], system_code="DEMO")
    [message] = caught.value.problems
    assert message.startswith("mine.csv, row 3, column area_code: found 'DEMO-N99'; expected an area in the footprint"
                              " of system DEMO: DEMO-N99 is in its geography but not linked to it; link it to the"
                              " system first")
    assert "Areas sheet of an Excel return" in message
    [summary] = import_files(demo_con, editor, [source], system_code="DEMO", skip_invalid=True)
    assert (summary.rows_rejected, summary.rows_outside) == (1, 1)  # nothing the user wrote is lost: it is set aside
    assert "DEMO-N99" in rejects_path(source).read_text()


# ---------------------------------------------------------------- England given twice

def test_englands_row_given_twice_with_one_judgement_not_compared_is_one_row_keeping_the_judgement(
        nenc, editor, tmp_path):
    source = write_ft(tmp_path / "twice.csv", [
        ft_row("E92000001", "16.5", area_type="England", parent="", judgement="Not compared"),
        ft_row("E92000001", "16.5", area_type="England", parent="E92000001", judgement="Worse"),
        ft_row("nE54000050", "14.25", area_type="ICBs", judgement="Better")])
    [summary] = import_files(nenc, editor, [source])
    assert (summary.rows_new, summary.rows_merged) == (2, 1)
    got = read_df(nenc, "SELECT value, comparison FROM measurement WHERE area_code = 'E92000001'").values.tolist()
    assert got == [[16.5, "Worse"]]


@pytest.mark.parametrize("second", [
    dict(value="16.6", judgement="Worse"),  # different figures
    dict(value="16.5", judgement="Worse", count="95"),  # a different count is a different figure too
    dict(value="16.5", judgement="Better"),  # two judgements that each say something, and disagree
])
def test_englands_row_given_twice_with_different_figures_or_judgements_is_still_a_duplicate(
        nenc, editor, tmp_path, second):
    source = write_ft(tmp_path / "twice.csv", [
        ft_row("E92000001", "16.5", area_type="England", parent="", judgement="Worse"),
        ft_row("E92000001", second["value"], area_type="England", parent="E92000001", judgement=second["judgement"],
               count=second.get("count", "94"))])
    with pytest.raises(ImportRejected) as caught:
        import_files(nenc, editor, [source])
    assert all("rows 2, 3 give different values" in p for p in caught.value.problems)
    assert read_df(nenc, "SELECT count(*) FROM measurement").iloc[0, 0] == 0


def test_an_excel_template_keeps_the_footprint_like_any_other_route(demo_con, editor, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Measurements"
    sheet.append(["indicator_code", "area_code", "period_label", "value"])
    sheet.append(["I08", "DEMO-P02", "2021", 15.0])
    sheet.append(["I08", "E54000008", "2021", 13.0])  # another ICB: left out
    sheet.append(["I08", "E54000027", "2021", 12.0])
    source = tmp_path / "template.xlsx"
    wb.save(source)
    [summary] = import_files(demo_con, editor, [source], system_code="DEMO")
    assert (summary.file_format, summary.rows_new, summary.rows_outside) == ("xlsx", 1, 2)
    assert "2 rows for 2 areas outside system DEMO were left out" in summary.sentence()
