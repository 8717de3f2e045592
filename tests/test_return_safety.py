"""The Excel return never breaks on blanks, never leaks the audit history to those who may not see it, and never
leaves a mess: a failed or killed export keeps the previous file and leaves no temporary files."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

import framework.data_io.excel_return as excel_return
from framework.board_return import export_return, return_bytes
from framework.core import db
from framework.core.atomic_file import CannotWrite
from framework.core.db import read_df
from framework.data_io.importers import import_files
from framework.engagement.activities import save_activity
from framework.engagement.you_said import add_you_said
from framework.foundation.indicators import save_indicator
from framework.foundation.systems import create_system
from framework.foundation.vision import save_outcome, save_vision
from framework.progress.sql import progress_table
from tests.apptest_helpers import copy_db
from tests.conftest import ROOT, make_user

BLANKS = [None, np.nan, pd.NA, pd.NaT]


def sheet_values(path, sheet) -> list[tuple]:
    return list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))


# ---------------------------------------------------------------- blanks never break a return

def _blank_system(con, editor) -> None:
    """A system built through the app's own write functions with every optional field left blank."""
    create_system(con, editor, {"system_code": "BLANK", "name": "Blank fields", "framework_start": "2024-04-01"})
    save_vision(con, editor, "BLANK", {"statement": "A vision and nothing else"})
    save_outcome(con, editor, "BLANK", {"outcome_code": "O1", "title": "Only a title", "ambition_5y": "One",
                                               "principles": [1]}, is_new=True)
    save_indicator(con, editor, "BLANK", {"indicator_code": "B1", "name": "Only a name", "direction": "no_judgement",
                                          "kind": "quantitative"}, is_new=True)
    activity = save_activity(con, editor, "BLANK", {  # the form's defaults: no participants, no volunteers
        "title": "Drop-in", "lead_partner": "Healthwatch", "start_date": "2026-05-01", "method": "event",
        "level": "inform", "participants": None, "volunteers": np.nan, "volunteer_hours": pd.NA, "summary": None})
    add_you_said(con, editor, "BLANK", activity, {"you_said": "Open later", "we_did": None, "reason": pd.NA,
                                                  "feedback_date": pd.NaT})


def test_a_return_with_blanks_in_every_optional_field_is_written_and_keeps_them_blank(con, editor, tmp_path):
    _blank_system(con, editor)
    csv = tmp_path / "blanks.csv"
    csv.write_text("system_code,indicator_code,area_code,period_label,value,lower_ci,upper_ci,count,denominator,"
                   "value_note\nBLANK,B1,E92000001,2025,12.5,,,,,\n")
    import_files(con, editor, [csv])
    out = tmp_path / "blank.xlsx"
    counts = export_return(con, editor, "BLANK", out)
    assert counts["Engagement log"] == 1 and counts["You said, we did"] == 1
    header, row = sheet_values(out, "Engagement log")[:2]
    record = dict(zip(header, row))
    assert record["Title"] == "Drop-in"
    assert (record["Participants"], record["Volunteers"], record["Volunteer hours"]) == (None, None, None)
    header, row = sheet_values(out, "You said, we did")[:2]
    assert dict(zip(header, row))["Feedback date"] is None
    header, *rows = sheet_values(out, "Measurements")
    [mine] = [dict(zip(header, r)) for r in rows if r[1] == "B1"]
    assert (mine["value"], mine["lower_ci"], mine["count"], mine["value_note"]) == (12.5, None, None, None)
    assert return_bytes(con, editor, "BLANK")[:2] == b"PK"


def test_a_demo_return_with_a_blank_engagement_activity_added_still_exports_every_sheet(demo_db_file, tmp_path,
                                                                                       editor):
    con = db.connect(copy_db(demo_db_file, tmp_path))
    try:
        save_activity(con, editor, "DEMO", {"title": "Form defaults", "lead_partner": "Council",
                                            "start_date": "2026-06-01", "method": "event", "level": "consult"})
        out = tmp_path / "demo.xlsx"
        export_return(con, editor, "DEMO", out)
    finally:
        con.close()
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert {"Changes in the period", "Engagement log"} <= set(names)
    titles = [r[1] for r in sheet_values(out, "Engagement log")]
    assert "Form defaults" in titles


def test_the_full_demo_with_suppressed_review_figures_exports_them_as_empty_cells(con, tmp_path):
    from framework.demo.system import load_demo

    admin = make_user("admin")
    load_demo(con, admin, extras=True)
    out = tmp_path / "full.xlsx"
    counts = export_return(con, admin, "DEMO", out)
    assert {"Stakeholder review", "Engagement log", "You said, we did", "Changes in the period"} <= set(counts)
    header, *rows = sheet_values(out, "Stakeholder review")
    assert len(rows) == counts["Stakeholder review"]
    blanks = sum(v is None for row in rows for v in row)
    assert blanks > 0  # suppressed figures are blank cells, not errors or zeros
    assert not any(isinstance(v, str) and v.lower() in ("nan", "<na>", "nat", "none") for row in rows for v in row)


@pytest.mark.parametrize("dtype", ["object", "Int64", "Float64", "float64", "boolean", "string",
                                   "datetime64[ns]", "category"])
def test_every_blank_kind_in_every_column_type_of_a_capability_sheet_is_an_empty_cell(con, editor, tmp_path, dtype):
    create_system(con, editor, {"system_code": "S", "name": "S", "framework_start": "2024-04-01"})
    filled = {"object": "text", "Int64": 7, "Float64": 2.5, "float64": -3.5, "boolean": True, "string": "=1+1",
              "datetime64[ns]": datetime(2026, 1, 2), "category": "a"}[dtype]
    values = [filled] + (BLANKS if dtype in ("object",) else [None, None, None, None])
    if dtype == "datetime64[ns]":
        values = [filled, None, pd.NaT, np.nan, pd.NaT]
    frame = pd.DataFrame({"col": pd.array(values, dtype=dtype) if dtype != "category" else pd.Categorical(values)})
    out = tmp_path / "r.xlsx"
    excel_return.write_return(con, "S", out, progress_table=progress_table,
                              sheets=[("Engagement log", lambda c, s: frame)])
    ws = openpyxl.load_workbook(out)["Engagement log"]
    assert ws["A1"].value == "col"
    assert [ws.cell(row, 1).value for row in range(3, 7)] == [None] * 4
    assert ws["A2"].value == (filled if dtype != "datetime64[ns]" else datetime(2026, 1, 2))


def test_dates_numbers_and_infinity_keep_their_kind(con, editor, tmp_path):
    create_system(con, editor, {"system_code": "S", "name": "S", "framework_start": "2024-04-01"})
    frame = pd.DataFrame({"when": [date(2026, 3, 1)], "n": [np.int64(5)], "x": [float("inf")], "neg": [-2.5]},
                         dtype=object)
    out = tmp_path / "r.xlsx"
    excel_return.write_return(con, "S", out, progress_table=progress_table, sheets=[("Priorities", lambda c, s: frame)])
    ws = openpyxl.load_workbook(out)["Priorities"]
    assert ws["A2"].value == datetime(2026, 3, 1) and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].value == 5 and ws["B2"].data_type == "n"
    assert ws["C2"].value == "infinity"
    assert ws["D2"].value == -2.5 and ws["D2"].data_type == "n"


# ---------------------------------------------------------------- the audit history only for those who may view it

@pytest.fixture
def confidential(demo_db_file, tmp_path, editor):
    con = db.connect(copy_db(demo_db_file, tmp_path))
    save_indicator(con, editor, "DEMO", {"indicator_code": "SECRET1", "name": "A measure not yet announced",
                                         "direction": "no_judgement", "kind": "quantitative"}, is_new=True,
                   reason="Confidential: the board has not been told yet")
    yield con
    con.close()


@pytest.mark.parametrize("role, has_history", [("viewer", False), ("community", False), ("partner", False),
                                               ("editor", True), ("admin", True)])
def test_the_changes_sheet_is_in_the_return_only_for_roles_that_may_view_history(confidential, tmp_path, role,
                                                                               has_history):
    out = tmp_path / f"{role}.xlsx"
    counts = export_return(confidential, make_user(role), "DEMO", out)
    book = openpyxl.load_workbook(out, read_only=True)
    assert ("Changes in the period" in book.sheetnames) is has_history
    assert ("Changes in the period" in counts) is has_history
    text = " ".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c)
    assert ("Confidential: the board has not been told yet" in text) is has_history
    cover = [r[1] for r in book["Cover"].iter_rows(values_only=True) if r and r[1]]
    assert ("Changes in the period" in cover) is has_history


def test_a_partners_download_has_no_history_and_an_editors_does(confidential):
    import io

    partner = openpyxl.load_workbook(io.BytesIO(return_bytes(confidential, make_user("partner"), "DEMO")))
    editor = openpyxl.load_workbook(io.BytesIO(return_bytes(confidential, make_user("editor"), "DEMO")))
    assert "Changes in the period" not in partner.sheetnames
    reasons = [r[-1] for r in editor["Changes in the period"].iter_rows(values_only=True)]
    assert "Confidential: the board has not been told yet" in reasons


# ---------------------------------------------------------------- all or nothing on disk

@pytest.fixture
def old_return(con, editor, tmp_path):
    create_system(con, editor, {"system_code": "S", "name": "Small", "framework_start": "2024-04-01"})
    target = tmp_path / "out" / "return.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"the previous return")
    return target


@pytest.fixture
def private_temp(tmp_path, monkeypatch):
    """The system temp folder, private to this test, so leftovers can be counted."""
    import tempfile

    folder = tmp_path / "systemp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_failure_midway_keeps_the_previous_file_and_leaves_no_temporary_files(con, old_return, private_temp,
                                                                                 monkeypatch):
    real = excel_return.write_measurements

    def broken(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("stopped midway")

    monkeypatch.setattr(excel_return, "write_measurements", broken)
    with pytest.raises(RuntimeError, match="stopped midway"):
        export_return(con, make_user("editor"), "S", old_return)
    assert old_return.read_bytes() == b"the previous return"
    assert sorted(p.name for p in old_return.parent.iterdir()) == ["return.xlsx"]
    assert list(private_temp.iterdir()) == []


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "the disk is full"),
                                         (errno.EROFS, "is on a read-only disk"),
                                         (errno.EACCES, "you may not write in the folder")])
def test_a_full_or_read_only_disk_is_refused_in_words_and_keeps_the_previous_file(con, old_return, private_temp,
                                                                                  monkeypatch, code, words):
    from framework.data_io import workbook_writer

    def full(self):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(workbook_writer.ReturnWriter, "close", full)
    with pytest.raises(CannotWrite) as caught:
        export_return(con, make_user("editor"), "S", old_return)
    assert words in str(caught.value) and "The previous file is unchanged." in str(caught.value)
    assert old_return.read_bytes() == b"the previous return"
    assert sorted(p.name for p in old_return.parent.iterdir()) == ["return.xlsx"]
    assert list(private_temp.iterdir()) == []


def test_a_successful_export_replaces_the_file_keeps_its_permissions_and_leaves_nothing_else(con, old_return,
                                                                                           private_temp):
    old_return.chmod(0o640)
    export_return(con, make_user("editor"), "S", old_return)
    assert old_return.read_bytes()[:2] == b"PK"
    assert oct(old_return.stat().st_mode & 0o777) == "0o640"
    assert sorted(p.name for p in old_return.parent.iterdir()) == ["return.xlsx"]
    assert list(private_temp.iterdir()) == []


@pytest.mark.parametrize("make, words", [(lambda p: p.mkdir(), "it is a folder"),
                                         (lambda p: os.mkfifo(p), r"a named pipe \(FIFO\), not a regular file")])
def test_exporting_onto_a_folder_or_a_pipe_is_refused_before_anything_is_written(con, old_return, make, words):
    target = old_return.parent / "odd.xlsx"
    make(target)
    with pytest.raises(CannotWrite, match=words):
        export_return(con, make_user("editor"), "S", target)
    assert sorted(p.name for p in old_return.parent.iterdir()) == ["odd.xlsx", "return.xlsx"]


def test_a_link_at_the_target_is_replaced_and_the_file_it_names_is_never_written(con, old_return, tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not to be overwritten")
    link = old_return.parent / "linked.xlsx"
    link.symlink_to(elsewhere)
    export_return(con, make_user("editor"), "S", link)
    assert elsewhere.read_text() == "not to be overwritten"
    assert not link.is_symlink() and link.read_bytes()[:2] == b"PK"


def test_a_planted_link_where_the_rejects_file_goes_cannot_redirect_it(con, editor, tmp_path):
    import shutil

    from tests.test_import import DATA

    create_system(con, editor, {"system_code": "DEMO", "name": "D", "framework_start": "2020-04-01"})
    source = tmp_path / "rows.csv"
    shutil.copy(DATA / "text_in_numbers.csv", source)
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    (tmp_path / "rows.rejects.csv").symlink_to(precious)
    import_files(con, editor, [source], system_code="DEMO", skip_invalid=True)
    assert precious.read_text() == "keep me"
    assert "expected" in (tmp_path / "rows.rejects.csv").read_text()


KILLED_EXPORT = """
import sys, time
import framework.data_io.excel_return as er
from framework.board_return import export_return
from framework.core import db
from framework.core.model import User
real = er.write_measurements
def slow(*a, **k):
    result = real(*a, **k)
    print("midway", flush=True)
    time.sleep(60)
    return result
er.write_measurements = slow
con = db.connect(sys.argv[1])
export_return(con, User("e", "E", "editor"), "DEMO", sys.argv[2])
"""


def test_an_export_killed_midway_leaves_the_previous_file_intact(demo_db_file, tmp_path):
    target = tmp_path / "return.xlsx"
    target.write_bytes(b"the previous return")
    work = copy_db(demo_db_file, tmp_path)
    scratch = tmp_path / "systemp"
    scratch.mkdir()
    process = subprocess.Popen([sys.executable, "-c", KILLED_EXPORT, str(work), str(target)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(scratch)})
    try:
        assert process.stdout.readline().strip() == "midway"
        parts = list(tmp_path.glob(".return.xlsx.*.part"))
        assert len(parts) == 1  # the new return is being written beside the old one
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
    assert target.read_bytes() == b"the previous return"


def test_a_part_file_left_by_a_killed_export_is_swept_a_day_later(con, old_return):
    stale = old_return.parent / ".return.xlsx.abc123.part"
    fresh = old_return.parent / ".return.xlsx.def456.part"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    day_ago = time.time() - 2 * 86400
    os.utime(stale, (day_ago, day_ago))
    export_return(con, make_user("editor"), "S", old_return)
    assert not stale.exists() and fresh.exists()


def test_the_demo_return_still_reads_back_exactly_after_the_writer_was_split(demo_db_file, tmp_path, editor):
    con = db.connect(demo_db_file)
    try:
        out = tmp_path / "r.xlsx"
        export_return(con, editor, "DEMO", out)
        expected = read_df(con, "SELECT value FROM measurement WHERE system_code = 'DEMO' AND value IS NOT NULL"
                                " ORDER BY indicator_code, area_code, period_start, period_end, breakdown,"
                                " breakdown_group")
    finally:
        con.close()
    frame = pd.read_excel(out, sheet_name="Measurements", engine="calamine")
    assert frame["value"].dropna().tolist() == expected["value"].tolist()


def test_two_exports_to_the_same_file_at_once_leave_one_whole_return_and_no_part_files(demo_db_file, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    con = db.connect(demo_db_file)
    target = tmp_path / "shared.xlsx"
    try:
        with ThreadPoolExecutor(2) as pool:
            done = list(pool.map(lambda role: export_return(con, make_user(role), "DEMO", target),
                                 ["editor", "partner"]))
    finally:
        con.close()
    assert all(counts["Measurements"] > 1000 for counts in done)
    assert sorted(p.name for p in tmp_path.iterdir() if "shared" in p.name) == ["shared.xlsx"]
    assert "Measurements" in openpyxl.load_workbook(target, read_only=True).sheetnames
