"""AppTests for tables and counts that read well: the period and horizon tables formatted by unit with key columns
first, the community list in words, and counts of measures that agree between Home, Progress and Proposed
measures (or say on the page why they differ)."""
from __future__ import annotations

import json
import re

from framework.core import db
from framework.core.formatting import MISSING
from tests.apptest_helpers import copy_db, open_app
from tests.full_demo import full_demo_db_file  # noqa: F401  (fixture)


def _config(table) -> dict:
    return json.loads(table.proto.columns or "{}")


def _qualitative_in_use(db_file) -> int:
    con = db.connect(db_file)
    try:
        return int(db.scalar(con, "SELECT count(*) FROM indicator WHERE system_code = 'DEMO' AND status = 'active'"
                                  " AND kind = 'qualitative'"))
    finally:
        con.close()


def test_home_says_why_progress_judges_fewer_measures_than_are_in_use(monkeypatch, full_demo_db_file):
    at = open_app(monkeypatch, full_demo_db_file, role="community")
    assert not at.exception
    in_use = int({m.label: m.value for m in at.metric}["Measures in use"])
    bullets = [m.value for m in at.markdown if m.value.startswith("- At the")]
    judged = int(re.search(r"\((\d+) measures\)\.$", bullets[1]).group(1))
    qualitative = _qualitative_in_use(full_demo_db_file)
    assert in_use > judged and in_use - judged == qualitative
    notes = [c.value for c in at.caption if c.value.startswith("Of the")]
    assert notes == [f"Of the {in_use} measures in use, {judged} have numbers and are judged here; {qualitative} "
                     "qualitative measures are followed through their stories instead."]


def test_homes_planned_count_is_explained_where_no_one_has_sent_a_proposal(monkeypatch, full_demo_db_file, tmp_path):
    full_demo_db_file = copy_db(full_demo_db_file, tmp_path)  # the demo's own proposals taken away
    con = db.connect(full_demo_db_file)
    con.execute("DELETE FROM measure_proposal")
    con.close()
    home = open_app(monkeypatch, full_demo_db_file, role="viewer")
    planned = {m.label: m.value for m in home.metric}["Planned, not yet in use"]
    assert "Proposed" not in {m.label for m in home.metric}
    sent = [c.value for c in home.caption if c.value.startswith("Suggestions sent")]
    assert sent == ["Suggestions sent on the Proposed measures page: 0, of which 0 are waiting for review."]
    at = open_app(monkeypatch, full_demo_db_file, page="proposals_page", role="viewer")
    assert not at.exception
    info = [i.value for i in at.info if i.value.startswith("No one has sent a proposal")]
    assert len(info) == 1 and f"The {planned} measures that Home counts as planned" in info[0]


def test_the_progress_page_says_how_many_measures_in_use_it_judges_with_its_filters(monkeypatch, full_demo_db_file):
    at = open_app(monkeypatch, full_demo_db_file, page="progress_page", role="viewer", query={"kind": "perception"})
    assert not at.exception
    notes = [c.value for c in at.caption if c.value.startswith(("Of the", "All "))]
    assert len(notes) == 1 and "qualitative" not in notes[0]
    judged = int(re.search(r"\((\d+) measures?\)\.$", _bullets(at)[0]).group(1))
    assert f" {judged} " in f" {notes[0]} "


def _bullets(at):
    return [m.value for m in at.markdown if m.value.startswith("- At the")]


def test_the_indicator_tables_put_status_second_and_format_values_by_unit(monkeypatch, full_demo_db_file):
    at = open_app(monkeypatch, full_demo_db_file, page="indicators_page", role="community", query={"indicator": "I08"})
    assert not at.exception
    horizons = next(t for t in at.dataframe if "Horizon" in t.value.columns)
    assert list(horizons.proto.column_order)[:2] == ["Horizon", "Status"]
    periods = next(t for t in at.dataframe if "Lower 95% limit" in t.value.columns)
    config = _config(periods)
    assert config["Value"]["type_config"]["format"] == "%.1f%%"  # I08 is a percentage
    assert config["Count"]["type_config"]["format"] == "localized"
    assert config["Period end"]["type_config"] == {"type": "date", "format": "D MMM YYYY"}
    assert periods.proto.placeholder == MISSING
    values = periods.value["Value"].dropna().astype(float)
    assert len(values) and (values.round(1) == values).all()
    counts = periods.value["Count"].dropna().astype(float)
    assert (counts.round() == counts).all()


def test_the_community_list_is_in_words_for_those_who_read_it(monkeypatch, full_demo_db_file):
    at = open_app(monkeypatch, full_demo_db_file, page="engagement_page", role="community")
    assert not at.exception
    shown = next(t for t in at.dataframe if "Community" in t.value.columns)
    assert list(shown.value.columns) == ["Community", "Core20PLUS5", "Population share (%)", "Description", "In use"]
    assert shown.proto.placeholder == MISSING


def test_the_engagement_log_puts_what_was_done_and_whom_it_reached_first(monkeypatch, full_demo_db_file):
    at = open_app(monkeypatch, full_demo_db_file, page="engagement_page", role="viewer")
    log = next(t for t in at.dataframe if "Activity" in t.value.columns)
    assert list(log.value.columns)[:7] == ["Activity", "Level", "Communities", "Areas", "Participants",
                                            "Volunteer hours", "Fed back"]
    assert _config(log)["Participants"]["type_config"]["format"] == "localized"


def test_the_history_names_changed_fields_in_words(monkeypatch, full_demo_db_file):
    at = open_app(monkeypatch, full_demo_db_file, page="history_page", role="editor")
    assert not at.exception
    fields = next(t for t in at.dataframe if "Fields changed" in t.value.columns).value["Fields changed"]
    assert len(fields) and not fields.str.contains("_").any()
    assert fields.str.contains("framework start").any()
