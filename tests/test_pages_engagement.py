"""AppTests for the Engagement log, You said we did, and Insight library pages, on the demo with its log."""
from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from framework import streamlit_glue as glue
from framework.core import db
from framework.engagement.activities import save_activity
from tests.apptest_helpers import as_read, copy_db, open_app
from tests.conftest import ROOT, make_user
from tests.engagement_fixtures import activity, engagement_db_file  # noqa: F401


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_the_engagement_log_shows_its_measures_filters_and_activities(monkeypatch, engagement_db_file):
    at = open_app(monkeypatch, engagement_db_file, page="engagement_page")
    assert not at.exception
    assert at.title[0].value == "Engagement log"
    metrics = {m.label: m.value for m in at.metric}
    assert list(metrics) == [
        "At collaborate or empower", "Reach into Core20PLUS5", "Fed back within 3 months", "Volunteer hours"]
    quarters = [c.value for c in at.caption if c.value.startswith("20") and " Q" in c.value]
    assert len(quarters) == 4  # each measure names its quarter
    hours = metrics["Volunteer hours"]
    assert hours.endswith(" hours") and int(hours.split()[0].replace(",", "")) > 0
    assert any(c.value == "36 activities shown." for c in at.caption)
    at.multiselect(key="engagement.levels").select("empower").run()
    assert not at.exception
    shown = next(c.value for c in at.caption if c.value.endswith("shown."))
    table = at.dataframe[0].value
    assert shown == f"{len(table)} activities shown." and set(table["Level"]) == {"Empower"}


def test_a_partner_logs_an_activity_with_a_you_said_item_on_the_form(monkeypatch, engagement_db_file, tmp_path):
    path = copy_db(engagement_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="record_engagement_page", role="partner")
    at.text_input(key="record.title").input("Men's health barbershop sessions")
    at.date_input(key="record.start").set_value(date(2026, 10, 3))
    at.text_input(key="record.lead").input("Riverside Community Health Forum")
    at.selectbox(key="record.method").select("outreach")
    at.selectbox(key="record.level").select("involve")
    at.multiselect(key="record.areas").select("DEMO-P03")
    at.multiselect(key="record.tags").select("core20")
    at.number_input(key="record.people").set_value(27)
    at.text_area(key="record.summary").input("Men talked about blood pressure checks without an appointment.")
    at.text_area(key="record.said").input("Check blood pressure at the barbers.")
    button(at, "Log the activity").click().run()
    assert not at.exception
    assert any("was logged" in s.value for s in at.success)
    con = db.connect(path)
    assert con.execute(
        "SELECT a.title, a.end_date, a.participants, y.you_said, y.status FROM engagement_activity a"
        " JOIN you_said y USING (activity_id) WHERE a.created_by = 'local'").fetchall() == [
        ("Men's health barbershop sessions", date(2026, 10, 3), 27, "Check blood pressure at the barbers.", "planned")]
    con.close()


def test_an_incomplete_activity_is_refused_with_the_fields_to_fix(monkeypatch, engagement_db_file, tmp_path):
    path = copy_db(engagement_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="record_engagement_page")
    at.text_input(key="record.title").input("Half-filled")
    button(at, "Log the activity").click().run()
    assert not at.exception
    text = as_read(at.error[0].value)
    assert text.startswith("Nothing was saved.") and "Start date: found nothing" in text and "Level: found nothing" in text


def test_an_editor_removes_an_activity_only_after_confirming_and_the_removal_is_audited(monkeypatch,
                                                                                       engagement_db_file, tmp_path):
    path = copy_db(engagement_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="engagement_page")
    chosen = at.selectbox(key="engagement.remove_activity").value
    assert at.button(key="engagement.remove").disabled
    at.text_input(key="engagement.remove_reason").input("Logged twice")
    at.checkbox(key="engagement.remove_confirm").check().run()
    at.button(key="engagement.remove").click().run()
    assert not at.exception
    assert any("The activity was removed" in s.value for s in at.success)
    con = db.connect(path)
    left = con.execute("SELECT count(*) FROM engagement_activity WHERE activity_id = ?", [chosen]).fetchone()[0]
    audit = con.execute("SELECT action, reason FROM audit_log WHERE entity = 'engagement_activity'"
                        " ORDER BY audit_id DESC LIMIT 1").fetchall()
    con.close()
    assert left == 0 and audit == [("delete", "Logged twice")]


@pytest.mark.parametrize("role", ["viewer", "partner"])
def test_only_editors_are_offered_the_removal_of_an_activity(monkeypatch, engagement_db_file, role):
    at = open_app(monkeypatch, engagement_db_file, page="engagement_page", role=role)
    assert not at.exception
    assert "engagement.remove" not in [b.key for b in at.button]


def test_a_viewer_reads_the_log_but_is_offered_no_way_to_add_to_it(monkeypatch, engagement_db_file):
    at = open_app(monkeypatch, engagement_db_file, page="engagement_page", role="viewer")
    assert not at.exception
    assert not [b for b in at.button if b.label == "Log the activity"]
    assert not at.get("page_link")
    editor = open_app(monkeypatch, engagement_db_file, page="engagement_page", role="editor")
    assert [link.proto.label for link in editor.get("page_link")] == ["Log an activity or a 'you said' item"]


def test_a_partner_is_offered_only_the_activities_and_items_their_account_logged(
        monkeypatch, engagement_db_file, tmp_path):
    path = copy_db(engagement_db_file, tmp_path)
    con = db.connect(path)
    theirs = save_activity(con, make_user("partner", "local"), "DEMO", activity(title="Our own listening event"),
                           items=[{"you_said": "Bring the bus back."}])
    con.close()
    at = open_app(monkeypatch, path, page="record_engagement_page", role="partner")
    assert not at.exception
    assert at.selectbox(key="record.said_activity").options == [
        f"01 May 2025: Our own listening event (Eastmarsh Community Trust, activity {theirs})"]
    assert len(at.selectbox(key="record.item").options) == 1
    assert at.selectbox(key="record.item").value is not None


def test_an_editor_records_that_an_item_cannot_be_done_with_the_reason(monkeypatch, engagement_db_file, tmp_path):
    path = copy_db(engagement_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="record_engagement_page")
    item = at.selectbox(key="record.item").value
    at.selectbox(key=f"record.upd_status.{item}").select("cannot be done")
    at.text_input(key=f"record.upd_reason.{item}").input("No budget this year.")
    button(at, "Save the item").click().run()
    assert not at.exception
    assert any("The item was updated." in s.value for s in at.success), [e.value for e in at.error]
    con = db.connect(path)
    assert con.execute("SELECT status, reason FROM you_said WHERE item_id = ?", [item]).fetchall() == [
        ("cannot be done", "No budget this year.")]
    con.close()


@pytest.mark.parametrize("by, first_group", [
    ("outcome", "O1. People's voices shape decisions"),
    ("community", "People in the most deprived 20% of neighbourhoods"),
])
def test_you_said_we_did_lists_items_by_outcome_or_community(monkeypatch, engagement_db_file, by, first_group):
    at = open_app(monkeypatch, engagement_db_file, page="you_said_page", role="viewer")
    at.radio(key="you_said.by").set_value(by).run()
    assert not at.exception
    assert at.title[0].value == "You said, we did"
    assert as_read(at.expander[0].label).startswith(first_group)
    metrics = {m.label: int(m.value) for m in at.metric}
    assert metrics["Things you told us"] == 63 and metrics["Done"] + metrics["Planned"] < 63
    said = [m.value for m in at.markdown if m.value.startswith("**You said:**")]
    assert said and not [t for t in said if "nan" in t.split()]  # blanks are left out, never shown as 'nan'


def test_you_said_we_did_filters_by_status_and_explains_cannot_be_done(monkeypatch, engagement_db_file):
    at = open_app(monkeypatch, engagement_db_file, page="you_said_page", role="viewer")
    at.multiselect(key="you_said.statuses").set_value(["cannot be done"]).run()
    assert not at.exception
    texts = [m.value for m in at.markdown if m.value.startswith("**You said:**")]
    assert texts and all("**Why not:**" in t and "Status: **Cannot be done**" in t for t in texts)


def test_the_insight_library_finds_what_people_said_and_says_when_nothing_matches(monkeypatch, engagement_db_file):
    at = open_app(monkeypatch, engagement_db_file, page="insight_page", role="community")
    assert not at.exception
    assert at.title[0].value == "Insight library"
    at.text_input(key="insight.query").input("interpreter").run()
    assert not at.exception
    caption = at.caption[0].value
    assert caption.endswith("results.") and int(caption.split()[0]) >= 3
    assert any("Interpreters are not offered at appointments." in as_read(m.value) for m in at.markdown)
    at.multiselect(key="insight.communities").select("young_people").run()
    assert any("Nothing matches" in i.value for i in at.info)


@pytest.mark.parametrize("page, expected", [
    ("engagement_page", "No activities match"),
    ("record_engagement_page", "Log an activity first"),
    ("you_said_page", "Nothing has been recorded yet"),
    ("insight_page", "Nothing matches"),
])
def test_each_page_explains_an_empty_log(monkeypatch, demo_db_file, page, expected):
    at = open_app(monkeypatch, demo_db_file, page=page)
    assert not at.exception
    assert any(expected in i.value for i in at.info)


def test_markdown_typed_into_an_item_is_shown_as_typed_not_as_links_images_or_colours(
        monkeypatch, engagement_db_file, tmp_path):
    path = copy_db(engagement_db_file, tmp_path)
    con = db.connect(path)
    typed = "See [our offer](https://win.example) ![x](https://t.example/p.png) :red[urgent] $x^2$ **now**"
    save_activity(con, make_user("partner"), "DEMO", activity(title="Markdown test"), items=[{"you_said": typed}])
    con.close()
    for page, key in (("you_said_page", None), ("insight_page", "insight.query")):
        at = open_app(monkeypatch, path, page=page, role="viewer")
        if key:
            at.text_input(key=key).input("offer urgent").run()
        shown = [m.value for m in at.markdown if "our offer" in m.value]
        assert shown, page
        assert all("[our offer](" not in v and "![x](" not in v and ":red[" not in v for v in shown)
        assert any(glue.text(typed) in v for v in shown)


@pytest.mark.parametrize("role", ["viewer", "community"])
def test_a_role_that_cannot_log_has_no_record_page_and_the_page_itself_turns_it_away(
        monkeypatch, engagement_db_file, role):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_app(monkeypatch, engagement_db_file, page="record_engagement_page", role=role)
    at = AppTest.from_file(str(ROOT / "pages" / "record_engagement_page.py"), default_timeout=60)
    at.session_state["app.view_as"] = role
    at.run()
    assert not at.exception
    assert any("Partners, editors and administrators record engagement here" in i.value for i in at.info)
    assert not [b for b in at.button if b.label == "Log the activity"] and not at.get("file_uploader")


def test_each_engagement_chart_has_its_sentence_underneath(monkeypatch, engagement_db_file):
    at = open_app(monkeypatch, engagement_db_file, page="engagement_page")
    assert not at.exception
    captions = [c.value.replace("\\", "") for c in at.caption]  # as read, without Markdown escapes
    assert any(c.startswith("From ") and "activities started:" in c and "The commonest level" in c for c in captions)
    assert any(c.startswith("The community reached most was ") for c in captions)
    assert any("'you said' items have been fed back" in c for c in captions)
