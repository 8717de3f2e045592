"""AppTests for the Home, Indicators and Framework pages, asserting on their real content."""
from __future__ import annotations

from framework.core import db
from tests.apptest_helpers import as_read, copy_db, open_app


def test_home_shows_the_vision_the_outcomes_the_demo_banner_and_measure_counts(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file)
    assert not at.exception
    assert at.title[0].value == "Northmoor and Vale Health and Care Partnership (demo)"
    assert any("Demo data" in i.value for i in at.info)
    assert any("People and communities in Northmoor and Vale shape" in m.value for m in at.markdown)
    subheaders = [s.value for s in at.subheader]
    assert "O1. People's voices shape decisions" in subheaders and len(subheaders) == 7
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Measures in use": "24", "Planned, not yet in use": "2", "Retired": "1", "All measures": "27"}


def test_home_without_any_system_says_how_to_get_one(monkeypatch, tmp_path):
    empty = tmp_path / "empty.duckdb"
    db.connect(empty).close()
    at = open_app(monkeypatch, empty, role="community")  # the local editor opens on Start a new system instead
    assert not at.exception
    assert any("There is no system in this database yet" in i.value for i in at.info)


def test_indicators_search_narrows_the_catalogue_and_opens_the_detail(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page")
    assert not at.exception
    assert at.caption[0].value == "26 measures shown."  # active and proposed by default; the retired one is hidden
    at.text_input(key="indicators.search").input("smoking").run()
    assert any(c.value == "1 measure shown." for c in at.caption)
    assert as_read(at.header[0].value) == "I08: Smoking prevalence in adults (15+) - current smokers (QOF)"
    assert any("targets 15.8% by March 2024 (1-year), 14.5% by March 2026 (3-year)" in m.value for m in at.markdown)
    latest = at.dataframe[-1].value
    assert latest.iloc[0]["Area"].startswith("Northmoor and Vale") and "England" in set(latest["Area"])


def test_indicators_open_the_measure_named_in_the_link(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", query={"indicator": "I21"})
    assert not at.exception
    assert at.header[0].value.startswith("I21: Residents who find it easy")


def test_indicators_say_when_nothing_matches_and_when_a_measure_is_qualitative(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page")
    at.text_input(key="indicators.search").input("zzz nothing").run()
    assert any("No measures match" in i.value for i in at.info)
    at.text_input(key="indicators.search").input("").run()
    at.selectbox(key="indicators.selected").select("I04").run()
    assert not at.exception
    assert any("qualitative measure" in i.value for i in at.info)


def test_an_editor_saves_the_vision_and_the_change_is_audited(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="framework_page")
    assert not at.exception
    assert at.title[0].value == "Vision and outcomes"
    at.text_area(key="framework.vision.statement").input("Communities lead; we follow and learn.")
    at.button[0].click().run()  # the vision form's submit button
    assert not at.exception
    assert any("The vision was saved" in s.value for s in at.success)
    con = db.connect(path)
    assert con.execute("SELECT statement, version FROM vision WHERE system_code='DEMO'").fetchall() == [
        ("Communities lead; we follow and learn.", 2)]
    assert con.execute("SELECT user_role FROM audit_log WHERE entity='vision'").fetchall() == [("editor",)]
    con.close()


def test_a_blank_vision_is_refused_with_the_reason(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="framework_page")
    at.text_area(key="framework.vision.statement").input("   ")
    at.button[0].click().run()
    assert any("Vision statement is required." in as_read(e.value) for e in at.error)


def test_an_editor_adds_an_outcome(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="framework_page")
    at.selectbox(key="framework.outcome_choice").select("new").run()
    at.text_input(key="framework.outcome.new.outcome_code").input("O8")
    at.text_input(key="framework.outcome.new.title").input("Young people shape services")
    at.text_area(key="framework.outcome.new.ambition_3y").input("A youth panel in every place")
    at.multiselect(key="framework.outcome.new.principles").select(7)
    next(b for b in at.button if b.label == "Add the outcome").click().run()
    assert not at.exception
    assert any("The outcome was saved" in s.value for s in at.success)
    con = db.connect(path)
    assert con.execute("SELECT title FROM outcome WHERE outcome_code='O8'").fetchall() == [("Young people shape services",)]
    con.close()


def test_a_viewer_sees_the_framework_but_cannot_change_it(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="framework_page", role="viewer")
    assert not at.exception
    assert any("Only editors can change" in i.value for i in at.info)
    assert at.text_area(key="framework.vision.statement").disabled
    assert all(b.disabled for b in at.button)
