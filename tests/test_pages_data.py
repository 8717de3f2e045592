"""AppTest for the Data page: the check report before anything is written, confirming an import, the batch
summary, undo behind a confirmation, the Excel return download, and what other roles see."""
from __future__ import annotations

import duckdb
import pytest

from framework.data_io.importers.uploads import save_upload
from tests.apptest_helpers import as_read, copy_db, open_app
from tests.test_import import DATA


def seeded(monkeypatch, db_file, name: str, **state):
    at = open_app(monkeypatch, db_file, page="data_page")
    path = save_upload(name, (DATA / name).read_bytes()) if (DATA / name).exists() else save_upload(name, state.pop("data"))
    at.session_state["data.upload"] = {"path": path, "name": name}
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def measurement_count(path) -> int:
    con = duckdb.connect(str(path))  # the same configuration as the app's own connection in this process
    try:
        return con.execute("SELECT count(*) FROM measurement").fetchall()[0][0]
    finally:
        con.close()


def test_a_bad_file_shows_every_problem_as_a_table_and_offers_no_import(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = seeded(monkeypatch, path, "text_in_numbers.csv")
    assert not at.exception
    assert at.title[0].value == "Data in and out"
    assert any(e.value == "3 problems in 3 rows. Nothing has been saved." for e in at.error)
    table = at.dataframe[0].value
    assert list(table.columns) == ["File", "Row", "Column", "Value found", "What was expected"]
    assert table.iloc[0].tolist() == ["text_in_numbers.csv", 2, "value", "N/A", "a number"]
    assert {m.label: m.value for m in at.metric} == {"Rows read": "4", "Rows ready to import": "1",
                                                     "Exact repeats merged": "0", "Rows with problems": "3"}
    assert not [b for b in at.button if b.key == "data.confirm_import"]
    assert any("set the rejected ones aside" in i.value for i in at.info)


def test_confirming_a_good_file_imports_it_and_shows_the_batch_summary(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    before = measurement_count(path)
    data = b"indicator_code,area_code,period_label,value\nI08,DEMO-ICB,2027/28,12.5\nI08,DEMO-P01,2027/28,13\n"
    at = seeded(monkeypatch, path, "two_rows.csv", data=data)
    assert any(s.value == "No problems found. Nothing has been saved yet." for s in at.success)
    at.button(key="data.confirm_import").click().run()
    assert not at.exception
    assert any("saved as batch 2: 2 new, 0 changed and 0 unchanged rows" in s.value for s in at.success)
    history = at.dataframe[0].value
    assert history.iloc[0][["Batch", "File", "New", "Status"]].tolist() == [2, "two_rows.csv", 2, "Applied"]
    assert at.session_state["data.upload"] is None
    assert measurement_count(path) == before + 2


def test_skip_invalid_imports_the_good_rows_and_offers_the_rejects_for_download(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = seeded(monkeypatch, path, "value_checks.csv", **{"data.skip_invalid": True})
    assert at.button(key="data.confirm_import").label == "Import 1 rows and set 5 aside"
    at.button(key="data.confirm_import").click().run()
    assert not at.exception
    assert any("1 new" in s.value and "5 rows set aside" in s.value for s in at.success)
    assert [d for d in at.get("download_button") if "rows set aside" in d.proto.label]


def test_undo_asks_for_confirmation_and_then_restores(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    before = measurement_count(path)
    data = b"indicator_code,area_code,period_label,value\nI08,DEMO-ICB,2027/28,12.5\n"
    at = seeded(monkeypatch, path, "one_row.csv", data=data)
    at.button(key="data.confirm_import").click().run()
    at.button(key="data.undo").click().run()
    assert any("Undo batch 2 (one_row.csv)?" in as_read(w.value) for w in at.warning)
    at.button(key="data.undo_yes").click().run()
    assert not at.exception
    assert any("Batch 2 was undone: 0 values restored and 1 rows removed." in s.value for s in at.success)
    assert at.dataframe[0].value.iloc[0]["Status"] == "Undone"
    assert measurement_count(path) == before


def test_the_excel_return_is_built_in_the_background_then_offered_for_download(monkeypatch, demo_db_file, tmp_path):
    from tests.test_pages_return import built

    monkeypatch.setenv("SHARED_MEASURES_RETURNS", str(tmp_path / "returns"))
    at = open_app(monkeypatch, demo_db_file, page="data_page")
    assert not [d for d in at.get("download_button") if d.proto.label == "Download the board return"]
    at = built(at)
    assert not at.exception
    assert [d for d in at.get("download_button") if d.proto.label == "Download the board return"]


def test_a_partner_may_import_but_not_undo(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="data_page", role="partner")
    assert not at.exception
    assert at.get("file_uploader")
    assert not [b for b in at.button if b.key == "data.undo"]
    assert at.dataframe[0].value.iloc[0]["File"] == "demo generator"
    assert any(c.value == "Editors can undo an import." for c in at.caption)


@pytest.mark.parametrize("role", ["viewer", "community"])
def test_viewers_and_community_members_are_not_offered_the_data_page(monkeypatch, demo_db_file, role):
    with pytest.raises(ValueError, match="Could not find a navigation page for .*data_page.py"):
        open_app(monkeypatch, demo_db_file, page="data_page", role=role)


def test_a_partner_checking_a_return_sees_what_their_import_leaves_to_an_editor(monkeypatch, demo_db_file, tmp_path):
    from tests.test_import_rules import complete_return

    path = copy_db(demo_db_file, tmp_path)
    with duckdb.connect(str(path)) as con:  # the return's area is in DEMO's footprint, as an editor linked it
        con.execute("INSERT INTO system_area VALUES ('DEMO', 'E54000050', 'comparator')")
    workbook = complete_return(tmp_path / "return.xlsx", code="DEMO", outcomes=2).read_bytes()
    at = open_app(monkeypatch, path, page="data_page", role="partner")
    at.session_state["data.upload"] = {"path": save_upload("return.xlsx", workbook), "name": "return.xlsx"}
    at.run()
    assert not at.exception
    assert any("arrive as proposed measures without baselines or targets" in i.value for i in at.info)
    assert at.button(key="data.confirm_import").label == "Import 2 rows"


def test_a_partner_is_told_before_importing_that_a_return_for_a_new_system_needs_an_editor(
        monkeypatch, demo_db_file, tmp_path):
    from tests.test_import_rules import complete_return

    path = copy_db(demo_db_file, tmp_path)
    workbook = complete_return(tmp_path / "return.xlsx", code="NEWSYS").read_bytes()
    at = open_app(monkeypatch, path, page="data_page", role="partner")
    at.session_state["data.upload"] = {"path": save_upload("return.xlsx", workbook), "name": "return.xlsx"}
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.iloc[0]["Column"] == "Cover: System code"
    assert "needs an engagement lead's (editor's) rights" in table.iloc[0]["What was expected"]
    assert not [b for b in at.button if b.key == "data.confirm_import"]


def test_undoing_an_engagement_log_load_on_the_data_page_removes_its_activities(monkeypatch, demo_db_file, tmp_path):
    from framework.core import db
    from framework.engagement.imports import import_engagement
    from tests.conftest import make_user
    from tests.test_engagement_import import GOOD, HEADER

    path = copy_db(demo_db_file, tmp_path)
    con = db.connect(path)
    try:
        before = con.execute("SELECT count(*) FROM engagement_activity").fetchall()[0][0]
        batch = import_engagement(con, make_user("editor"), "DEMO", [("log.csv", (HEADER + GOOD).encode())])["batch_id"]
    finally:
        con.close()
    at = open_app(monkeypatch, path, page="data_page")
    at.selectbox(key="data.undo_choice").set_value(batch).run()
    at.button(key="data.undo").click().run()
    at.button(key="data.undo_yes").click().run()
    assert not at.exception
    assert any(f"Batch {batch} was undone" in s.value for s in at.success)
    check = duckdb.connect(str(path))
    try:
        assert check.execute("SELECT count(*) FROM engagement_activity").fetchall()[0][0] == before
    finally:
        check.close()


def test_a_national_fingertips_export_shows_before_and_after_import_what_it_leaves_outside_the_footprint(
        monkeypatch, demo_db_file, tmp_path):
    from tests.conftest import reference_file
    from tests.test_import import FINGERTIPS_NAME

    path = copy_db(demo_db_file, tmp_path)
    at = seeded(monkeypatch, path, FINGERTIPS_NAME, data=reference_file(FINGERTIPS_NAME).read_bytes())
    assert not at.exception
    note = "17,535 rows for 7,046 areas outside system DEMO were left out"
    assert any(note in i.value for i in at.info)
    assert not at.error  # the appended GP rows without an id are all outside DEMO: left out, not problems
    before = measurement_count(path)
    at.button(key="data.confirm_import").click().run()
    assert not at.exception
    assert any(note in s.value for s in [*at.success, *at.markdown])
    assert measurement_count(path) - before == 90  # England's and the region's rows: the demo already had two
