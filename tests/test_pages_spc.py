"""The SPC chart on the indicator page and the variation and assurance matrix on the Progress page, through the
real app: the icons and sentences in words, the run chart note under 15 points, and the editors' settings."""
from __future__ import annotations

from datetime import date

from framework.core import db
from framework.progress.spc_settings import list_rebases
from tests.apptest_helpers import copy_db, open_app


def _indicator(monkeypatch, db_file, code: str, role: str = "viewer"):
    at = open_app(monkeypatch, db_file, page="indicators_page", role=role, query={"indicator": code})
    at.toggle(key="indicators.spc").set_value(True).run()
    assert not at.exception
    return at


def test_the_spc_chart_says_its_two_icons_and_what_the_figures_show_in_words(monkeypatch, demo_db_file):
    at = _indicator(monkeypatch, demo_db_file, "I17")
    con = db.connect(demo_db_file)
    latest = db.read_rows(con, "SELECT variation, assurance FROM v_spc WHERE indicator_code = 'I17'"
                               " AND area_code = 'DEMO-ICB' LIMIT 1")[0]
    con.close()
    icons = next(m.value for m in at.markdown if "Variation:" in m.value and "Assurance:" in m.value)
    words = {"improvement": "Special cause: improvement (higher)", "common_cause": "Common cause",
             "concern": "Special cause: concern (lower)"}
    assert words[latest["variation"]] in icons and "Assurance:" in icons
    sentence = next(m.value for m in at.markdown if m.value.startswith("Over the "))
    assert "process limits run from" in sentence and "marked as special cause" in sentence
    assert all("editors" not in e.label for e in at.expander)  # a viewer changes nothing


def test_a_series_of_fewer_than_fifteen_points_says_why_it_has_no_limits(monkeypatch, demo_db_file):
    at = _indicator(monkeypatch, demo_db_file, "I08")
    assert any("fewer than the 15" in m.value and "run chart" in m.value for m in at.markdown)
    assert any("Too few points" in m.value for m in at.markdown)


def test_an_editor_starts_the_limits_again_with_a_reason_and_a_blank_reason_is_refused(monkeypatch, demo_db_file,
                                                                                       tmp_path):
    db_file = copy_db(demo_db_file, tmp_path)
    at = _indicator(monkeypatch, db_file, "I17", role="editor")
    at.button(key="indicators.spc_rebase_save").click().run()
    assert any("Reason is required" in e.value for e in at.error)
    at.text_input(key="indicators.spc_rebase_reason").set_value("A new stop smoking service opened")
    at.date_input(key="indicators.spc_rebase_date").set_value(date(2025, 4, 1))
    at.button(key="indicators.spc_rebase_save").click().run()
    assert not at.exception
    con = db.connect(db_file)
    assert list(list_rebases(con, "DEMO", "I17")["reason"]) == ["A new stop smoking service opened"]
    con.close()
    assert any("since its limits last started again" in m.value for m in at.markdown)


def test_the_progress_page_shows_the_variation_and_assurance_matrix_for_every_measure(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="progress_page", role="viewer")
    assert not at.exception
    matrix = next(d.value for d in at.dataframe if "Variation" in d.value.columns)
    assert list(matrix["Variation"]) == ["◆ Special cause: improvement", "⬢ Special cause: neither",
                                         "● Common cause", "■ Special cause: concern"]
    assert list(matrix.columns[1:]) == ["✓ Pass: always meets the target", "↕ Hit and miss",
                                        "✗ Fail: never meets the target", "– No target"]
    few = next(c.value for c in at.caption if c.value.startswith("Fewer than 15 points so far"))
    listed_few = few.split(": ", 1)[1].rstrip(".").split(", ")
    con = db.connect(demo_db_file)
    measures = db.read_df(con, "SELECT DISTINCT s.indicator_code FROM v_spc s JOIN indicator i USING"
                               " (system_code, indicator_code) WHERE s.area_code = 'DEMO-ICB' AND i.status = 'active'")
    con.close()
    listed = sorted(c for cell in matrix.drop(columns="Variation").to_numpy().ravel() if cell
                    for c in cell.split(", "))
    assert sorted(listed + listed_few) == sorted(measures["indicator_code"])
