"""AppTests for the Progress overview, the progress section of the Indicators page and the progress summary on
Home, asserting the sentences and status counts the demo data really gives."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from framework.core import db
from framework.core.audit import log
from framework.foundation.indicators import save_indicator
from framework.foundation.measurements import upsert_measurements
from framework.progress.sql import status_counts
from framework.progress.text import overview_sentence
from tests.apptest_helpers import as_read, copy_db, open_app
from tests.conftest import make_user

# Counts of measures in use at the system level, read from the demo's v_progress (and checked against it below).
DEMO_3_YEAR = ("At the 3-year horizon: 6 ahead, 5 on track, 9 behind, 1 without enough data and 1 without a target"
               " (22 measures).")


def _view_counts(db_file, horizon, outcomes=None, area="DEMO-ICB"):
    con = db.connect(db_file)
    try:
        sql = ("SELECT p.status, count(*) AS n FROM v_progress p JOIN indicator i USING (system_code, indicator_code)"
               " WHERE p.area_code = ? AND i.status = 'active' AND p.horizon_years = ?")
        params = [area, horizon]
        if outcomes:
            sql += f" AND i.outcome_code IN ({', '.join('?' * len(outcomes))})"
            params += outcomes
        return dict(db.read_df(con, sql + " GROUP BY ALL", params).values)
    finally:
        con.close()


def _bullets(at):
    return [m.value for m in at.markdown if m.value.startswith("- At the")]


def test_the_progress_overview_counts_each_status_per_horizon_in_words(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="progress_page", role="viewer")
    assert not at.exception
    assert at.title[0].value == "Progress at 1, 3 and 5 years"
    bullets = _bullets(at)
    assert len(bullets) == 3 and bullets[1] == f"- {DEMO_3_YEAR}"
    counts = _view_counts(demo_db_file, 3)
    assert counts == {"ahead": 6, "on_track": 5, "behind": 9, "not_enough_data": 1, "no_target": 1}
    words = at.dataframe[0].value
    assert len(words) == 7 and words.iloc[0]["Outcome"] == "O1 People's voices shape decisions"
    measures = at.dataframe[1].value
    assert len(measures) == 22
    i08 = measures[measures["Code"] == "I08"].iloc[0]
    assert i08["Latest"] == "15.1%" and i08["3-year"] == "● On track" and i08["Link"] == "indicators?indicator=I08"


def test_the_overview_filters_come_from_the_link_and_go_back_into_it(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="progress_page",
                  query={"outcome": "O3", "area": "DEMO-P01"})
    assert not at.exception
    assert at.multiselect(key="progress.outcomes").value == ["O3"]
    assert at.selectbox(key="progress.area").value == "DEMO-P01"
    counts = _view_counts(demo_db_file, 5, outcomes=["O3"], area="DEMO-P01")
    expected = overview_sentence(pd.DataFrame([{"horizon_years": 5, "status": s, "n": n} for s, n in counts.items()]), 5)
    assert _bullets(at)[2] == f"- {expected}"
    assert "(4 measures)" in expected  # I08, I09, I10 and I11
    at.multiselect(key="progress.kinds").select("perception").run()
    assert not at.exception
    assert at.query_params["kind"] in ("perception", ["perception"])
    assert any("No measures in use match these filters" in i.value for i in at.info)  # O3 has no survey measures


def test_an_indicator_shows_its_plain_english_summary_status_table_gap_and_download(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="viewer", query={"indicator": "I01"})
    assert not at.exception
    summary = next(m.value for m in at.markdown if m.value.startswith("Since April 2023"))
    assert summary.startswith("Since April 2023 this has risen from 27.9% to 37.3% (latest: 2026/27 Q2). The change is "
                              "larger than the uncertainty in the figures, so it is a real improvement. By September "
                              "2026 we expected 37.5%. On the current trend the 5-year ambition of 42% would be "
                              "reached in")
    statuses = at.dataframe[1].value
    con = db.connect(demo_db_file)
    view = db.read_df(con, "SELECT status FROM v_progress WHERE indicator_code = 'I01' AND area_code = 'DEMO-ICB'"
                           " ORDER BY horizon_years")
    con.close()
    labels = {"ahead": "▲ Ahead", "on_track": "● On track", "behind": "▼ Behind"}
    assert list(statuses["Status"]) == [labels[s] for s in view["status"]]
    assert list(statuses["Horizon"]) == ["1-year", "3-year", "5-year"]
    assert any(as_read(m.value).startswith("The gap between Quintile 1 (most deprived) and Quintile 5 (least deprived)")
               and "narrowing" in m.value for m in at.markdown)
    periods = next(d.value for d in at.dataframe if list(d.value.columns[:2]) == ["Area", "Period"])
    assert periods.iloc[-1]["Period"] == "2026/27 Q2"
    download = at.get("download_button")
    assert len(download) == 1 and "Download the period table" in download[0].proto.label
    assert any("No one has told the story" in c.value for c in at.caption)
    assert not at.text_area  # a viewer reads the stories but cannot write one


def test_a_partner_tells_the_story_beside_the_chart_and_it_is_audited(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="indicators_page", role="partner", query={"indicator": "I09"})
    assert not at.exception
    at.selectbox(key="indicators.narrative_period").select("2026/27 Q2")
    at.text_area(key="indicators.narrative_happening").input("Winter pressures came early in Eastmarsh.")
    at.text_area(key="indicators.narrative_learning").input("Community pharmacies saw people first.")
    at.button(key="indicators.narrative_save").click().run()
    assert not at.exception
    assert any("Saved" in s.value for s in at.success)
    assert any(as_read(m.value) == "**What is happening:** Winter pressures came early in Eastmarsh." for m in at.markdown)
    assert any(m.value.startswith("**2026/27 Q2** · Local user (partner)") for m in at.markdown)
    con = db.connect(path)
    audit = log(con, entity="narrative")
    con.close()
    assert len(audit) == 1 and audit.iloc[0]["user_role"] == "partner"


def _story(path, author: str) -> int:
    from framework.core.model import User
    from framework.progress.narratives import add_narrative

    con = db.connect(path)
    try:
        return add_narrative(con, User(author, "Story author", "partner"), "DEMO", "I09",
                             {"period_label": "2026/27 Q2", "happening": "Winter pressures came early."})
    finally:
        con.close()


def test_the_author_withdraws_their_story_with_a_reason_and_it_leaves_the_page(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    story = _story(path, "local")  # the local user acting as a partner wrote it
    at = open_app(monkeypatch, path, page="indicators_page", role="partner", query={"indicator": "I09"})
    at.button(key=f"indicators.withdraw.{story}").click().run()
    assert any("Reason is required" in as_read(e.value) for e in at.error)
    at.text_input(key=f"indicators.withdraw_reason.{story}").input("Named a resident by mistake")
    at.button(key=f"indicators.withdraw.{story}").click().run()
    assert not at.exception
    assert any("The story was withdrawn" in s.value for s in at.success)
    assert not any("Winter pressures came early." in as_read(m.value) for m in at.markdown)
    con = db.connect(path)
    audit = log(con, entity="narrative")
    con.close()
    assert audit.iloc[0]["action"] == "withdraw" and audit.iloc[0]["reason"] == "Named a resident by mistake"


@pytest.mark.parametrize("role, offered", [("viewer", False), ("partner", False), ("editor", True)])
def test_only_an_editor_may_withdraw_someone_elses_story(monkeypatch, demo_db_file, tmp_path, role, offered):
    path = copy_db(demo_db_file, tmp_path)
    story = _story(path, "someone-else")
    at = open_app(monkeypatch, path, page="indicators_page", role=role, query={"indicator": "I09"})
    assert not at.exception
    assert any("Winter pressures came early." in as_read(m.value) for m in at.markdown)
    assert (f"indicators.withdraw.{story}" in [b.key for b in at.button]) is offered


def test_a_story_without_what_is_happening_is_refused_with_a_reason(monkeypatch, demo_db_file, tmp_path):
    at = open_app(monkeypatch, copy_db(demo_db_file, tmp_path), page="indicators_page", query={"indicator": "I09"})
    at.button(key="indicators.narrative_save").click().run()
    assert not at.exception
    assert any("What is happening is required" in as_read(e.value) for e in at.error)


@pytest.mark.parametrize("indicator, message", [
    ("I04", "This is a qualitative measure"),
    ("I27", "No targets have been set for this measure yet"),
])
def test_qualitative_and_untargeted_measures_say_so_instead_of_failing(monkeypatch, demo_db_file, indicator, message):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", query={"indicator": indicator})
    assert not at.exception
    assert any(message in i.value for i in at.info)


def test_a_measure_with_one_value_says_there_is_no_trend_yet(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    con = db.connect(path)
    save_indicator(con, make_user("editor"), "DEMO", {
        "indicator_code": "N1", "outcome_code": "O1", "name": "New listening measure", "unit": "%",
        "direction": "higher_is_better", "kind": "perception", "status": "active", "baseline_value": 30,
        "target_1y": 32, "target_3y": 35, "target_5y": 40}, is_new=True)
    frame = pd.DataFrame([{"system_code": "DEMO", "indicator_code": "N1", "area_code": "DEMO-ICB",
                           "period_label": "2026/27 Q2", "period_start": date(2026, 7, 1),
                           "period_end": date(2026, 9, 30), "value": 33.0}])
    db.transaction(con, lambda cur: upsert_measurements(cur, frame, None))
    con.close()
    at = open_app(monkeypatch, path, page="indicators_page", query={"indicator": "N1"})
    assert not at.exception
    text = next(m.value for m in at.markdown if m.value.startswith("Since April 2023"))
    assert "risen from 30% to 33%" in text
    assert "There is only one value so far, so there is no trend yet." in text


def test_home_summarises_progress_at_each_horizon(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file)
    assert not at.exception
    assert f"- {DEMO_3_YEAR}" in _bullets(at)
    con = db.connect(demo_db_file)
    counts = status_counts(con, "DEMO")
    con.close()
    assert f"- {overview_sentence(counts, 1)}" in _bullets(at)


def test_choosing_a_place_shows_that_place_s_own_progress(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", query={"indicator": "I01"})
    system_summary = next(m.value for m in at.markdown if m.value.startswith("Since April 2023"))
    at.selectbox(key="indicators.area").select("DEMO-P02").run()
    assert not at.exception
    place_summary = next(m.value for m in at.markdown if m.value.startswith("Since April 2023"))
    assert place_summary != system_summary
    con = db.connect(demo_db_file)
    latest = db.read_df(con, "SELECT latest_value FROM v_progress WHERE indicator_code = 'I01'"
                             " AND area_code = 'DEMO-P02' AND horizon_years = 1")["latest_value"].iloc[0]
    con.close()
    assert f"to {latest:.1f}%".replace(".0%", "%") in place_summary
