"""The inequality part of the indicator page and the gap targets part of the Edit measures page, through AppTest:
an editor makes a gap a measure, bad entries are refused in words, a second editor's stale save is refused, and
the indicator page then shows the gap's targets and status in words."""
from __future__ import annotations

import re

import pytest

from framework.core import db
from tests.apptest_helpers import as_read, copy_db, open_app

AT = "edit_indicators.gap.I01.Deprivation"


def _page_text(at) -> str:
    return as_read(" ".join(m.value for m in at.markdown))


def _fill(at, **values) -> None:
    for field, value in values.items():
        at.text_input(key=f"{AT}.{field}").set_value(value)


def test_an_editor_sets_a_deprivation_gaps_targets_and_the_indicator_page_shows_its_status(monkeypatch, demo_db_file,
                                                                                           tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="edit_indicators_page", role="editor")
    assert at.selectbox(key="edit_indicators.gap.indicator").value == "I01"
    _fill(at, baseline_value="9", target_1y="8", target_3y="6", target_5y="4")
    at.button(key="edit_indicators.gap.save").click().run()
    assert not at.exception
    assert any("Saved the deprivation gap of I01" in s.value for s in at.success)
    con = db.connect(path)
    targets = db.read_df(con, "SELECT target FROM v_progress WHERE indicator_code = 'I01~gap~deprivation'"
                              " AND area_code = 'DEMO-ICB' ORDER BY horizon_years")["target"].tolist()
    con.close()
    assert targets == [8.0, 6.0, 4.0]
    page = open_app(monkeypatch, path, page="indicators_page", role="community", query={"indicator": "I01"})
    assert not page.exception
    text = _page_text(page)
    assert "Inequality gap by deprivation" in text
    assert "a smaller gap is better, whatever the direction of the measure itself. Status at each horizon" in text
    assert "slope index of inequality is" in text
    assert re.search(r"In 2026/27 Q2, \d+\.\d% of records \([\d,]+ of [\d,]+\)", text)  # the demo records some as 'Not stated'
    assert any("Gap target" in df.value.columns for df in page.dataframe)


def test_formula_text_as_a_gap_target_is_refused_in_words_and_nothing_is_saved(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="edit_indicators_page", role="editor")
    _fill(at, target_1y="=1+1")
    at.button(key="edit_indicators.gap.save").click().run()
    assert not at.exception
    assert any("1-year gap target must be a number" in as_read(e.value) for e in at.error)
    con = db.connect(path)
    assert db.read_rows(con, "SELECT count(*) AS n FROM gap_measure")[0]["n"] == 0
    con.close()


def test_a_second_editor_who_opened_the_gap_before_the_first_saved_is_told_and_keeps_their_entries(
        monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    first = open_app(monkeypatch, path, page="edit_indicators_page", role="editor")
    second = open_app(monkeypatch, path, page="edit_indicators_page", role="editor")
    _fill(first, target_3y="6")
    first.button(key="edit_indicators.gap.save").click().run()
    _fill(second, target_3y="5")
    second.button(key="edit_indicators.gap.save").click().run()
    assert not second.exception
    assert any("Someone else saved this gap measure" in as_read(w.value) for w in second.warning)
    assert second.text_input(key=f"{AT}.target_3y").value == "5"
    con = db.connect(path)
    assert db.read_rows(con, "SELECT target_3y FROM gap_measure")[0]["target_3y"] == 6.0
    con.close()


def test_a_community_member_is_offered_no_edit_measures_page_and_so_no_gap_targets(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, role="community")
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/edit_indicators_page.py")
