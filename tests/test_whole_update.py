"""Importing a complete return into a system that already exists: the changes are listed in words and applied only
once confirmed, all or nothing, audited; a stale confirmation, a lower role, another system's return, a damaged,
incomplete or oversized workbook, a kill midway and two sessions at once all leave the system whole."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import zipfile

import openpyxl
import pytest

from framework.board_return import export_return
from framework.cli import main
from framework.core import db
from framework.core.db import read_rows
from framework.core.errors import ValidationError
from framework.data_io.importers import ImportRejected, check_files, import_files
from framework.data_io.importers.whole import UpdateNotConfirmed, fingerprint, update_framework, write_carried
from framework.foundation.systems import create_system
from framework.foundation.vision import save_vision
from tests.conftest import ROOT, make_user

EDITOR = make_user("editor")


@pytest.fixture
def home(tmp_path):
    """A copy of the demo with its engagement log and review (the database a return comes home to)."""
    from framework.demo.system import load_demo

    con = db.connect(tmp_path / "home.duckdb")
    load_demo(con, EDITOR, extras=True)
    yield con
    con.close()


@pytest.fixture
def whole_return(home, tmp_path):
    out = tmp_path / "whole.xlsx"
    export_return(home, EDITOR, "DEMO", out)
    return out


def edited(path, tmp_path, name="edited.xlsx"):
    """The return with I01's 1-year target raised by 5, a new vision statement and one activity's summary new."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Indicators"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "I01")
    cell = row[header.index("target_1y")]
    cell.value = (cell.value or 0) + 5
    vo = wb["Vision and outcomes"]
    for r in vo.iter_rows(min_row=2):
        if r[0].value == "Vision" and r[1].value == "statement":
            r[3].value = "A new vision, agreed in November"
    acts = wb["Activities"]
    acts.cell(row=2, column=[c.value for c in acts[1]].index("summary") + 1).value = "Pharmacists listened"
    out = tmp_path / name
    wb.save(out)
    return out


def target_1y(con) -> float:
    return read_rows(con, "SELECT target_1y FROM indicator WHERE system_code = 'DEMO' AND indicator_code = 'I01'")[0][
        "target_1y"]


def test_an_unconfirmed_return_lists_the_changes_in_words_and_writes_nothing(home, whole_return, tmp_path):
    old = target_1y(home)
    state = fingerprint(home.cursor(), "DEMO")
    with pytest.raises(UpdateNotConfirmed) as caught:
        import_files(home, EDITOR, [edited(whole_return, tmp_path)])
    text = "\n".join(caught.value.problems)
    assert f"I01 1-year target {old:g} -> {old + 5:g}" in text
    assert "Vision changed: Vision statement" in text and "A new vision, agreed in November" in text
    assert "Activities: 0 added and 1 changed" in text
    assert "--update" in text
    assert fingerprint(home.cursor(), "DEMO") == state


def test_a_confirmed_update_applies_every_change_at_once_and_records_each_in_the_history(home, whole_return,
                                                                                         tmp_path):
    old = target_1y(home)
    import_files(home, EDITOR, [edited(whole_return, tmp_path)], update=True)
    assert target_1y(home) == old + 5
    vision = read_rows(home, "SELECT statement, version FROM vision WHERE system_code = 'DEMO'")[0]
    assert vision["statement"] == "A new vision, agreed in November" and vision["version"] == 2
    assert read_rows(home, "SELECT count(*) AS n FROM engagement_activity WHERE summary = 'Pharmacists listened'")[0]["n"] == 1
    audit = {(r["entity"], r["action"]) for r in read_rows(
        home, "SELECT entity, action FROM audit_log WHERE reason LIKE '%edited.xlsx'")}
    assert {("indicator", "update"), ("vision", "update"), ("engagement_activity", "import")} <= audit
    # the same file again: nothing left to change, so nothing to confirm
    import_files(home, EDITOR, [edited(whole_return, tmp_path, "again.xlsx")])


def test_the_command_line_prints_the_changes_and_exits_2_without_update_and_applies_them_with_it(
        home, whole_return, tmp_path, capsys):
    path = home.execute("PRAGMA database_list").fetchall()[0][2]
    file = edited(whole_return, tmp_path)
    old = target_1y(home)
    home.close()
    assert main(["--db", path, "import", str(file)]) == 2
    err = capsys.readouterr().err
    assert "would change system DEMO" in err and "1-year target" in err and "run the same import with --update" in err
    assert "Traceback" not in err
    assert main(["--db", path, "import", str(file), "--update"]) == 0
    con = db.connect(path)
    try:
        assert target_1y(con) == old + 5
    finally:
        con.close()


def test_a_confirmation_made_after_someone_else_changed_the_system_is_refused_in_words(home, whole_return,
                                                                                        tmp_path):
    file = edited(whole_return, tmp_path)
    [check] = check_files(home, [file], user=EDITOR).files
    seen = check.update.fingerprint  # what the importer was shown
    save_vision(home, EDITOR, "DEMO", {"statement": "Someone else's vision"})
    old = target_1y(home)
    with pytest.raises(ValidationError, match="changed after the changes this return would make were worked out"):
        import_files(home, EDITOR, [file], update=True, seen=seen)
    assert target_1y(home) == old
    assert read_rows(home, "SELECT statement FROM vision WHERE system_code = 'DEMO'")[0]["statement"] == (
        "Someone else's vision")


def test_two_sessions_confirming_at_once_apply_one_update_and_refuse_the_other(home, whole_return, tmp_path):
    first, second = edited(whole_return, tmp_path, "first.xlsx"), edited(whole_return, tmp_path, "second.xlsx")
    seen = fingerprint(home.cursor(), "DEMO")
    batches = read_rows(home, "SELECT count(*) AS n FROM import_batch")[0]["n"]
    outcomes, start = [], threading.Barrier(2)

    def confirm(file):
        start.wait()
        try:
            import_files(home, EDITOR, [file], update=True, seen=seen)
            outcomes.append("applied")
        except Exception as exc:  # the one that comes second is refused, in words
            outcomes.append(str(exc))

    threads = [threading.Thread(target=confirm, args=(f,)) for f in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("applied") == 1, outcomes
    [refused] = [o for o in outcomes if o != "applied"]  # stale, or met the other's write: said in words either way
    assert "Nothing was" in refused and "Traceback" not in refused
    assert read_rows(home, "SELECT count(*) AS n FROM import_batch")[0]["n"] == batches + 1


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_a_lower_role_calling_the_update_functions_directly_is_refused_before_anything_is_written(home, role):
    user = make_user(role)
    state = fingerprint(home.cursor(), "DEMO")
    framework = {"system": {"system_code": "DEMO"}, "vision": {"statement": "Mine"}, "outcomes": [], "indicators": []}
    with pytest.raises(PermissionError):
        db.transaction(home, lambda cur: update_framework(cur, user, framework, "x.xlsx"))
    with pytest.raises(PermissionError):
        db.transaction(home, lambda cur: write_carried(cur, user, "DEMO", {}, "x.xlsx"))
    assert fingerprint(home.cursor(), "DEMO") == state


def test_a_partners_import_of_a_whole_return_loads_data_only_and_says_what_it_left_out(home, whole_return,
                                                                                       tmp_path):
    [check] = check_files(home, [edited(whole_return, tmp_path)], user=make_user("partner")).files
    assert check.update is None and not check.carried
    assert any("left out" in n and "editor" in n for n in check.notes)


def test_a_return_of_another_system_is_refused_when_importing_into_this_one(home, whole_return):
    create_system(home, EDITOR, {"system_code": "MINE", "name": "Mine", "framework_start": "2024-04-01"})
    with pytest.raises(ImportRejected) as caught:
        import_files(home, EDITOR, [whole_return], system_code="MINE")
    assert "this is a return of system DEMO. To update DEMO, import it into DEMO" in str(caught.value)


def test_a_truncated_workbook_is_refused_in_words(home, whole_return, tmp_path):
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole_return.read_bytes()[: whole_return.stat().st_size // 2])
    state = fingerprint(home.cursor(), "DEMO")
    with pytest.raises(ImportRejected, match="cut.xlsx"):
        import_files(home, EDITOR, [cut], update=True)
    assert fingerprint(home.cursor(), "DEMO") == state


def test_a_missing_sheet_leaves_its_rows_unlinked_and_refuses_the_file_naming_sheet_row_and_column(
        whole_return, tmp_path):
    wb = openpyxl.load_workbook(whole_return)
    del wb["Review rounds"]
    broken = tmp_path / "no-rounds.xlsx"
    wb.save(broken)
    target = db.connect(tmp_path / "fresh.duckdb")
    try:
        with pytest.raises(ImportRejected) as caught:
            import_files(target, EDITOR, [broken])
        text = str(caught.value)
        assert "row 2, column Review round statements: round_id" in text
        assert "the round_id of a row on the Review rounds sheet" in text
        assert read_rows(target, "SELECT count(*) AS n FROM system")[0]["n"] == 0
    finally:
        target.close()


def test_reordered_columns_on_a_carried_sheet_import_the_same(home, whole_return, tmp_path):
    wb = openpyxl.load_workbook(whole_return)
    ws = wb["Activities"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    del wb["Activities"]
    new = wb.create_sheet("Activities")
    for r in rows:
        new.append(list(reversed(r)))
    shuffled = tmp_path / "shuffled.xlsx"
    wb.save(shuffled)
    target = db.connect(tmp_path / "fresh.duckdb")
    try:
        import_files(target, EDITOR, [shuffled])
        sql = "SELECT title, start_date, areas, communities, created_at FROM engagement_activity ORDER BY ALL"
        assert read_rows(target, sql) == read_rows(home, sql)
    finally:
        target.close()


def _refused(tmp_path, workbook, name: str) -> str:
    path = tmp_path / f"{name}.xlsx"
    workbook.save(path)
    target = db.connect(tmp_path / f"{name}.duckdb")
    try:
        with pytest.raises(ImportRejected) as caught:
            import_files(target, EDITOR, [path])
        assert read_rows(target, "SELECT count(*) AS n FROM system")[0]["n"] == 0
        return str(caught.value)
    finally:
        target.close()


def test_a_wrong_value_on_a_carried_sheet_names_the_sheet_row_column_and_what_was_expected(whole_return, tmp_path):
    wb = openpyxl.load_workbook(whole_return)
    ws = wb["Activities"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("start_date") + 1).value = "last spring"
    ws.cell(row=4, column=header.index("areas") + 1).value = "E1, E2"
    ws.cell(row=5, column=header.index("title") + 1).value = None
    text = _refused(tmp_path, wb, "bad-cells")
    assert "row 3, column Activities: start_date: found 'last spring'; expected a date, for example" in text
    assert "row 4, column Activities: areas: found 'E1, E2'; expected a list written as JSON" in text
    assert "row 5, column Activities: title: found nothing (blank); expected a value (text)" in text


def test_a_column_a_carried_sheet_does_not_have_is_refused_by_name(whole_return, tmp_path):
    wb = openpyxl.load_workbook(whole_return)
    ws = wb["Statements"]
    ws.cell(row=1, column=ws.max_column + 1).value = "password"
    assert "row 1, column Statements: password: found 'password'; expected only the columns" in _refused(
        tmp_path, wb, "stray")


def test_a_workbook_over_the_import_limits_is_refused_before_it_is_read(home, whole_return, monkeypatch):
    monkeypatch.setenv("SHARED_MEASURES_IMPORT_MAX_MB", "1")  # the demo's return expands to more than 1 MB
    with zipfile.ZipFile(whole_return) as z:
        assert sum(i.file_size for i in z.infolist()) > 1 << 20
    with pytest.raises(ImportRejected, match="import limits"):
        import_files(home, EDITOR, [whole_return], update=True)


KILLED_IMPORT = """
import sys, time
from pathlib import Path
from framework.core import db
from framework.data_io.importers import whole, import_files
from tests.conftest import make_user

inserted = 0
original = whole._insert
def slow_insert(*args):
    global inserted
    inserted += 1
    if inserted == 40:
        Path(sys.argv[3]).write_text("midway")
        time.sleep(60)
    return original(*args)
whole._insert = slow_insert
import_files(db.connect(sys.argv[1]), make_user("editor"), [sys.argv[2]])
"""


def test_an_import_killed_midway_leaves_nothing_half_written(whole_return, tmp_path):
    database, marker = tmp_path / "fresh.duckdb", tmp_path / "midway"
    db.connect(database).close()
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(database), str(whole_return), str(marker)],
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.time() + 120
    while not marker.exists() and child.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the import never reached the carried sheets"
    child.send_signal(signal.SIGKILL)
    child.wait()
    con = db.connect(database)
    try:
        counts = read_rows(con, "SELECT (SELECT count(*) FROM system) AS s, (SELECT count(*) FROM review_statement)"
                                " AS st, (SELECT count(*) FROM measurement) AS m")[0]
        assert counts == {"s": 0, "st": 0, "m": 0}
        import_files(con, EDITOR, [whole_return])  # and the file imports whole afterwards
        assert read_rows(con, "SELECT count(*) AS n FROM engagement_activity")[0]["n"] > 0
    finally:
        con.close()


def test_setting_bad_rows_aside_still_needs_the_changes_confirmed(home, whole_return, tmp_path):
    wb = openpyxl.load_workbook(edited(whole_return, tmp_path))
    ws = wb["Measurements"]
    ws.cell(row=2, column=[c.value for c in ws[1]].index("value") + 1).value = "N/A"
    file = tmp_path / "one-bad-row.xlsx"
    wb.save(file)
    state = fingerprint(home.cursor(), "DEMO")
    with pytest.raises(UpdateNotConfirmed, match="1-year target"):
        import_files(home, EDITOR, [file], skip_invalid=True)
    assert fingerprint(home.cursor(), "DEMO") == state
