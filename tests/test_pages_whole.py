"""AppTest for the confirm step on the Data page: a complete return of a system that exists shows its changes in
words and changes nothing until they are applied; a confirmation made after the system changed is refused."""
from __future__ import annotations

import duckdb
import openpyxl

from framework.board_return import export_return
from framework.core import db
from framework.data_io.importers.uploads import save_upload
from tests.apptest_helpers import as_read, copy_db, open_app
from tests.conftest import make_user


def edited_return(db_file, tmp_path) -> bytes:
    """DEMO's return with I01's 1-year target set to 77."""
    out = tmp_path / "demo-return.xlsx"
    con = db.connect(db_file)
    try:
        export_return(con, make_user("editor"), "DEMO", out)
    finally:
        con.close()
    wb = openpyxl.load_workbook(out)
    ws = wb["Indicators"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "I01")
    row[header.index("target_1y")].value = 77
    wb.save(out)
    return out.read_bytes()


def target(path) -> float:
    con = duckdb.connect(str(path))  # the same configuration as the app's own connection in this process
    try:
        return con.execute("SELECT target_1y FROM indicator WHERE indicator_code = 'I01'").fetchall()[0][0]
    finally:
        con.close()


def checked(monkeypatch, path, tmp_path):
    data = edited_return(path, tmp_path)
    at = open_app(monkeypatch, path, page="data_page")
    at.session_state["data.upload"] = {"path": save_upload("demo-return.xlsx", data), "name": "demo-return.xlsx"}
    return at.run()


def test_a_return_of_an_existing_system_shows_its_changes_and_saves_nothing_until_applied(monkeypatch, demo_db_file,
                                                                                         tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    before = target(path)
    at = checked(monkeypatch, path, tmp_path)
    assert not at.exception
    assert any("would change system DEMO" in w.value and "Nothing has changed yet" in w.value for w in at.warning)
    assert any(f"I01 1-year target {before:g} -> 77" in as_read(m.value) for m in at.markdown)
    assert at.button(key="data.confirm_import").label == "Apply these changes"
    assert target(path) == before
    at.button(key="data.confirm_import").click().run()
    assert not at.exception
    assert target(path) == 77
    assert at.session_state["data.upload"] is None


def test_applying_changes_after_someone_else_changed_the_system_is_refused_and_shows_them_afresh(
        monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = checked(monkeypatch, path, tmp_path)
    con = duckdb.connect(str(path))
    try:  # meanwhile, someone else saves the vision
        con.execute("UPDATE vision SET statement = 'Changed meanwhile', version = version + 1")
    finally:
        con.close()
    at.button(key="data.confirm_import").click().run()
    assert not at.exception
    assert any("changed after the changes this return would make were worked out" in e.value for e in at.error)
    assert target(path) != 77
    at.run()  # the changes are worked out again, the vision's among them, and can now be applied
    assert any("Vision changed" in as_read(m.value) for m in at.markdown)
    at.button(key="data.confirm_import").click().run()
    assert target(path) == 77
