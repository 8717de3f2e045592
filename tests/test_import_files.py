"""Imports never hang and never fill memory: only regular files are read, and a workbook's size and rows are
checked from its zip directory before a sheet is parsed. Continuation sheets are read by their own headers, and
uploads are deleted once imported."""
from __future__ import annotations

import os
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from framework.cli import main
from framework.core import files
from framework.core.db import read_df
from framework.data_io.importers import ImportRejected, check_files, import_files, uploads
from framework.data_io.importers import core as importer_core
from framework.engagement.imports import check_engagement_files

GOOD = "indicator_code,area_code,period_label,value\nI08,DEMO-ICB,2026/27,12.5\n"


def _check_within(con, path: Path, seconds: float = 30):
    """check_files on a path, in a thread, failing the test (rather than hanging it) when it does not return."""
    result: dict = {}
    worker = threading.Thread(target=lambda: result.setdefault("plan", check_files(con, [path])), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"checking {path} did not return within {seconds} s"
    return result["plan"].files[0]


@pytest.mark.parametrize("make, found", [
    (lambda p: os.mkfifo(p), "a named pipe (FIFO)"),
    (lambda p: p.symlink_to("/dev/zero"), "a device (the link leads to /dev/zero)"),
    (lambda p: p.mkdir(), "a folder"),
    (lambda p: p.symlink_to("/proc/self/status"), "a system file (/proc/"),
    (lambda p: None, "nothing: no such file"),
    (lambda p: p.symlink_to(p.parent / "gone.csv"), "nothing: no such file (a link to a file that does not exist)"),
])
def test_anything_but_a_regular_file_is_refused_by_name_without_waiting(con, tmp_path, make, found):
    path = tmp_path / "data.csv"
    make(path)
    check = _check_within(con, path)
    [problem] = check.problems
    assert check.fatal and (problem.file, problem.row) == ("data.csv", None)
    assert problem.found == found or (found.endswith("/proc/") and problem.found.startswith(found))
    assert problem.expected.startswith("a regular file: an Excel return or template (.xlsx)")


def test_a_link_to_a_regular_file_is_read_as_that_file(demo_con, editor, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text(GOOD)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert import_files(demo_con, editor, [link], system_code="DEMO")[0].rows_new == 1


def test_the_command_line_refuses_a_fifo_and_a_link_to_dev_zero_with_exit_code_2(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    assert main(["--db", str(db), "init"]) == 0
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "zero.xlsx").symlink_to("/dev/zero")
    done: dict = {}
    worker = threading.Thread(target=lambda: done.setdefault("code", main(
        ["--db", str(db), "import", str(tmp_path / "pipe.csv"), str(tmp_path / "zero.xlsx")])), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive() and done["code"] == 2
    err = capsys.readouterr().err
    assert "error: pipe.csv: found 'a named pipe (FIFO)'" in err
    assert "error: zero.xlsx: found 'a device (the link leads to /dev/zero)'" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- size, before parsing

def zip_bomb(path: Path, megabytes: int) -> Path:
    """A small file that claims to be a workbook and expands to many megabytes of sheet XML."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet><sheetData><row r="1"><c r="A1"><v>')
            block = b"0" * (1 << 20)
            for _ in range(megabytes):
                sheet.write(block)
            sheet.write(b"</v></c></row></sheetData></worksheet>")
    return path


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if a workbook is opened for parsing."""
    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(importer_core, "open_workbook", refuse)


def test_a_zip_bomb_is_refused_from_its_directory_before_any_sheet_is_parsed(con, tmp_path, no_parsing):
    bomb = zip_bomb(tmp_path / "bomb.xlsx", 64)
    assert bomb.stat().st_size < 1 << 20  # small on disk
    check = _check_within(con, bomb)
    [problem] = check.problems
    assert check.fatal and problem.found.startswith("a workbook whose part xl/worksheets/sheet1.xml expands ")
    assert "as no spreadsheet does" in problem.found


def test_a_workbook_that_expands_beyond_the_configured_size_is_refused_naming_the_setting(
        con, tmp_path, monkeypatch, no_parsing):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Measurements"
    ws.append(["indicator_code", "area_code", "period_label", "value"])
    for i in range(30_000):
        ws.append(["I08", f"AREA{i:06d}", "2026/27", i * 1.37])
    wb.save(tmp_path / "big.xlsx")
    monkeypatch.setenv(files.MAX_MB_VAR, "1")
    [problem] = _check_within(con, tmp_path / "big.xlsx").problems
    assert problem.found.startswith("a workbook that expands to ")
    assert problem.found.endswith("MB, more than the limit of 1 MB (SHARED_MEASURES_IMPORT_MAX_MB)")


def test_a_workbook_with_more_rows_than_the_limit_is_refused_from_its_sheet_dimension(con, tmp_path, monkeypatch,
                                                                                     no_parsing):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Measurements"
    ws.append(["indicator_code", "area_code", "period_label", "value"])
    for i in range(20):
        ws.append(["I08", "DEMO-ICB", str(1990 + i), i])
    wb.save(tmp_path / "rows.xlsx")
    monkeypatch.setenv(files.MAX_ROWS_VAR, "10")
    [problem] = _check_within(con, tmp_path / "rows.xlsx").problems
    assert problem.found == "a workbook with more than 10 rows in its sheets, the limit (SHARED_MEASURES_IMPORT_MAX_ROWS)"


def test_a_csv_bigger_than_the_limit_is_refused_before_it_is_read(con, tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(GOOD + "I08,DEMO-ICB,2023/24,12.5\n" * 60_000)
    monkeypatch.setenv(files.MAX_MB_VAR, "1")
    [problem] = _check_within(con, path).problems
    assert problem.found.endswith("more than the limit of 1 MB (SHARED_MEASURES_IMPORT_MAX_MB)")


def test_a_csv_cut_short_inside_a_quoted_value_is_refused_and_nothing_is_written(demo_con, editor, tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text(GOOD + 'I08,DEMO-ICB,2025/26,"12.5"\nI08,DEMO-ICB,2024/25,"cut off her')
    before = read_df(demo_con, "SELECT count(*) AS n FROM measurement")["n"][0]
    [problem] = _check_within(demo_con, path).problems
    assert "never closed" in problem.found and "cut short" in problem.found
    with pytest.raises(ImportRejected):
        import_files(demo_con, editor, [path], system_code="DEMO")
    assert read_df(demo_con, "SELECT count(*) AS n FROM measurement")["n"][0] == before


def test_a_csv_whose_quoted_values_are_all_closed_is_read(demo_con, editor, tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text(GOOD + 'I08,"DEMO-ICB",2024/25,"12.5"\n')
    assert _check_within(demo_con, path).problems == []


@pytest.mark.parametrize("text, expected", [("", 1024), ("abc", 1024), ("0", 1024), ("-5", 1024), ("2,048", 2048)])
def test_a_limit_setting_that_is_not_a_positive_number_falls_back_to_the_default(monkeypatch, text, expected):
    monkeypatch.setenv(files.MAX_MB_VAR, text)
    assert files.limits().max_mb == expected


def test_an_engagement_log_workbook_that_is_a_zip_bomb_is_refused_in_words(demo_con, tmp_path):
    data = zip_bomb(tmp_path / "log.xlsx", 64).read_bytes()
    plan = check_engagement_files(demo_con, "DEMO", [("log.xlsx", data)])
    [problem] = plan.problems
    assert (problem.file, problem.row) == ("log.xlsx", None) and "as no spreadsheet does" in str(problem.found)


# ---------------------------------------------------------------- continuation sheets

def _long_return(path: Path, second_header: list[str]) -> Path:
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Measurements"
    first.append(["indicator_code", "area_code", "period_label", "value", "lower_ci", "upper_ci"])
    first.append(["I08", "DEMO-ICB", "2026/27", 12.5, 12.0, 13.0])
    more = wb.create_sheet("Measurements 2")
    more.append(second_header)
    row = {"indicator_code": "I08", "area_code": "DEMO-P01", "period_label": "2026/27", "value": 14.0,
           "lower_ci": 13.0, "upper_ci": 15.0, "colour": "red"}
    more.append([row[h] for h in second_header])
    wb.save(path)
    return path


def test_a_continuation_sheet_with_its_columns_in_another_order_is_read_by_its_own_header(demo_con, editor, tmp_path):
    source = _long_return(tmp_path / "long.xlsx", ["upper_ci", "value", "area_code", "lower_ci", "period_label",
                                                   "indicator_code"])
    [summary] = import_files(demo_con, editor, [source], system_code="DEMO")
    assert summary.rows_new == 2
    got = read_df(demo_con, "SELECT area_code, value, lower_ci, upper_ci FROM measurement WHERE batch_id = ?"
                            " ORDER BY area_code", [summary.batch_id]).values.tolist()
    assert got == [["DEMO-ICB", 12.5, 12.0, 13.0], ["DEMO-P01", 14.0, 13.0, 15.0]]


def test_a_continuation_sheet_with_a_column_the_first_sheet_lacks_is_refused_naming_the_sheet(demo_con, editor,
                                                                                             tmp_path):
    source = _long_return(tmp_path / "long.xlsx", ["indicator_code", "area_code", "period_label", "value", "colour"])
    with pytest.raises(ImportRejected) as caught:
        import_files(demo_con, editor, [source], system_code="DEMO")
    [message] = caught.value.problems
    assert message.startswith("long.xlsx, row 1, column Measurements 2: colour: found 'colour'; expected the same"
                              " columns as the first sheet, each once (indicator_code, area_code, period_label,")


# ---------------------------------------------------------------- uploads are deleted

@pytest.fixture
def upload_folder(tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setattr(uploads, "UPLOADS", folder)
    return folder


def test_an_upload_is_deleted_once_imported_and_its_rejected_rows_stay_downloadable(demo_con, editor, upload_folder):
    path = uploads.save_upload("mixed.csv", (GOOD + "I08,DEMO-P01,2026/27,High\n").encode())
    assert Path(path).exists()
    [summary] = uploads.import_upload(demo_con, editor, path, "DEMO", skip_invalid=True)
    assert not Path(path).exists() and list(upload_folder.iterdir()) == []
    assert summary.rows_new == 1 and b"High" in summary.rejects_data


def test_an_upload_refused_for_its_problems_is_kept_for_the_next_try(demo_con, editor, upload_folder):
    path = uploads.save_upload("bad.csv", (GOOD + "I08,DEMO-P01,2026/27,High\n").encode())
    with pytest.raises(ImportRejected):
        uploads.import_upload(demo_con, editor, path, "DEMO", skip_invalid=False)
    assert Path(path).exists()


def test_uploads_older_than_a_day_are_swept_and_newer_ones_kept(upload_folder):
    old = Path(uploads.save_upload("old.csv", b"old"))
    new = Path(uploads.save_upload("new.csv", b"new"))
    day_ago = time.time() - uploads.KEEP_SECONDS - 60
    os.utime(old.parent, (day_ago, day_ago))
    assert uploads.sweep_uploads() == 1
    assert not old.exists() and new.exists()


def test_an_upload_folder_outside_the_uploads_is_never_deleted(tmp_path, upload_folder):
    elsewhere = tmp_path / "keep" / "data.csv"
    elsewhere.parent.mkdir()
    elsewhere.write_text(GOOD)
    uploads.discard_upload(str(elsewhere))
    assert elsewhere.exists()


def test_uploads_are_kept_in_folders_only_the_app_can_read(upload_folder):
    path = Path(uploads.save_upload("data.csv", GOOD.encode()))
    assert upload_folder.stat().st_mode & 0o077 == 0 and path.parent.stat().st_mode & 0o077 == 0
