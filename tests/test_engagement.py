"""The engagement log's domain: logging activities with "you said, we did" items, validation in words,
permissions, the audit trail, the community list, the Excel return's sheets and the demo log."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from framework.core.errors import ValidationError
from framework.demo.engagement_log import load_engagement_demo
from framework.engagement.activities import delete_activity, get_activity, list_activities, save_activity
from framework.engagement.charts import activities_by_level_chart, feedback_loops_chart
from framework.engagement.community_tags import community_tags, save_community_tags
from framework.engagement.sheets import engagement_sheet, you_said_sheet
from framework.engagement.you_said import add_you_said, update_you_said, you_said_by
from tests.conftest import make_user
from tests.engagement_fixtures import activity


def _count(con, sql):
    return con.execute(sql).fetchall()[0][0]


def test_a_partner_logs_an_activity_with_a_you_said_item_and_it_is_audited(demo_con):
    partner = make_user("partner")
    new_id = save_activity(demo_con, partner, "DEMO", activity(), items=[
        {"you_said": "Open in the evening.", "we_did": "Opening until 8pm on Thursdays.", "status": "done",
         "feedback_date": "2025-06-10"}])
    saved = get_activity(demo_con, "DEMO", new_id)
    assert saved["title"] == "Drop-in about the new health hub"
    assert list(saved["communities"]) == ["coastal", "older_people"] and list(saved["principles"]) == [2, 4]
    assert saved["end_date"] == date(2025, 5, 1)
    assert [(i["you_said"], i["status"], i["feedback_date"]) for i in saved["items"]] == [
        ("Open in the evening.", "done", date(2025, 6, 10))]
    audit = demo_con.execute("SELECT entity, user_role FROM audit_log WHERE entity IN"
                             " ('engagement_activity', 'you_said') ORDER BY audit_id").fetchall()
    assert audit == [("engagement_activity", "partner"), ("you_said", "partner")]


@pytest.mark.parametrize("role", ["viewer", "community"])
def test_viewers_and_community_members_cannot_log_engagement(demo_con, role):
    with pytest.raises(PermissionError, match="log engagement"):
        save_activity(demo_con, make_user(role), "DEMO", activity())
    assert _count(demo_con, "SELECT count(*) FROM engagement_activity") == 0


@pytest.mark.parametrize("overrides, expected", [
    ({"title": " "}, "Title: found ' '; expected a short title."),
    ({"start_date": "next week"}, "Start date: found 'next week'; expected a date as YYYY-MM-DD or DD/MM/YYYY."),
    ({"end_date": "2025-04-01"}, "End date: found '2025-04-01'; expected a date on or after the start date 2025-05-01."),
    ({"method": "poll"}, "Method: found 'poll'; expected one of survey, workshop, event"),
    ({"level": "shout"}, "Level: found 'shout'; expected one of inform, consult, involve, collaborate, empower."),
    ({"communities": ["martians"]}, "Communities reached: found 'martians'; expected one of this system's community"),
    ({"areas": ["E99999999"]}, "Areas: found 'E99999999'; expected one of this system's areas"),
    ({"outcomes": ["O99"]}, "Outcomes: found 'O99'; expected one of this system's outcomes"),
    ({"principles": [11]}, "Principles: found '11'; expected a principle number from 1 to 10."),
    ({"participants": -4}, "Participants: found -4; expected a whole number of 0 or more."),
    ({"volunteers": None}, "Volunteers: found nothing; expected the number of volunteers (1 or more)"),
    ({"evidence_url": "shared drive"}, "Evidence link: found 'shared drive'; expected a web link starting with https://"),
])
def test_each_bad_field_is_refused_with_a_sentence_naming_it_and_nothing_is_saved(demo_con, editor, overrides,
                                                                                   expected):
    with pytest.raises(ValidationError) as err:
        save_activity(demo_con, editor, "DEMO", activity(**overrides))
    assert any(p.startswith(expected) for p in err.value.problems), err.value.problems
    assert _count(demo_con, "SELECT count(*) FROM engagement_activity") == 0


@pytest.mark.parametrize("role", ["comparator", "predecessor"])
def test_an_activity_cannot_be_placed_in_a_comparator_or_a_former_icb_of_the_footprint(demo_con, editor, role):
    demo_con.execute("INSERT INTO system_area VALUES ('DEMO', 'E54000052', ?) ON CONFLICT DO NOTHING", [role])
    with pytest.raises(ValidationError) as err:
        save_activity(demo_con, editor, "DEMO", activity(areas=["E54000052"]))
    assert any(p.startswith("Areas: found 'E54000052'; expected one of this system's areas") for p in err.value.problems)
    assert _count(demo_con, "SELECT count(*) FROM engagement_activity") == 0


@pytest.mark.parametrize("item, expected", [
    ({"you_said": ""}, "You said: found nothing; expected what people told us"),
    ({"you_said": "x", "status": "maybe"}, "Status: found 'maybe'; expected one of planned, done, cannot be done"),
    ({"you_said": "x", "status": "done"}, "We did: found nothing; expected what was done, when the status is done"),
    ({"you_said": "x", "status": "cannot be done"}, "Reason: found nothing; expected the reason why it cannot be done"),
    ({"you_said": "x", "feedback_date": "2025-01-01"},
     "Feedback date: found '2025-01-01'; expected a date on or after the activity started (2025-05-01)"),
])
def test_a_bad_you_said_item_is_refused_with_the_reason(demo_con, editor, item, expected):
    new_id = save_activity(demo_con, editor, "DEMO", activity())
    with pytest.raises(ValidationError) as err:
        add_you_said(demo_con, editor, "DEMO", new_id, item)
    assert any(p.startswith(expected) for p in err.value.problems), err.value.problems
    assert _count(demo_con, "SELECT count(*) FROM you_said") == 0


def test_names_and_semicolon_lists_are_accepted_as_well_as_codes(demo_con, editor):
    new_id = save_activity(demo_con, editor, "DEMO", activity(
        areas="Eastmarsh (demo place); DEMO-P01", communities="Coastal communities; carers",
        outcomes="O1, O2", principles="3; 4", method="Citizens panel", level="Collaborate"))
    saved = get_activity(demo_con, "DEMO", new_id)
    assert list(saved["areas"]) == ["DEMO-P04", "DEMO-P01"]
    assert list(saved["communities"]) == ["coastal", "carers"]
    assert list(saved["outcomes"]) == ["O1", "O2"] and saved["method"] == "citizens' panel"
    assert saved["level"] == "collaborate"


def test_an_item_moves_from_planned_to_done_with_its_feedback_date(demo_con, editor):
    new_id = save_activity(demo_con, editor, "DEMO", activity())
    item_id = add_you_said(demo_con, editor, "DEMO", new_id, {"you_said": "More seating outside."})
    assert get_activity(demo_con, "DEMO", new_id)["items"][0]["status"] == "planned"
    update_you_said(demo_con, editor, "DEMO", item_id, {"you_said": "More seating outside.", "we_did": "Six benches.",
                                                        "status": "done", "feedback_date": date(2025, 7, 1)})
    item = get_activity(demo_con, "DEMO", new_id)["items"][0]
    assert (item["we_did"], item["status"], item["feedback_date"]) == ("Six benches.", "done", date(2025, 7, 1))
    assert _count(demo_con, "SELECT count(*) FROM audit_log WHERE entity = 'you_said' AND action = 'update'") == 1


def test_an_editor_deletes_an_activity_with_its_items_but_a_partner_cannot(demo_con, editor):
    new_id = save_activity(demo_con, editor, "DEMO", activity(), items=[{"you_said": "Parking is hard."}])
    with pytest.raises(PermissionError):
        delete_activity(demo_con, make_user("partner"), "DEMO", new_id)
    delete_activity(demo_con, editor, "DEMO", new_id, reason="Logged twice")
    assert _count(demo_con, "SELECT count(*) FROM engagement_activity") == 0
    assert _count(demo_con, "SELECT count(*) FROM you_said") == 0
    assert _count(demo_con, "SELECT count(*) FROM insight_token") == 0


def test_the_community_list_is_editable_with_population_shares(demo_con, editor):
    tags = community_tags(demo_con).to_dict("records")
    assert {t["tag_code"] for t in tags if t["is_core20plus5"]} == {
        "core20", "ethnic_minority", "inclusion_health", "learning_disability", "coastal"}
    tags[0]["population_share"] = 31.5
    tags.append({"tag_code": "farmers", "label": "Farming families", "is_core20plus5": False,
                 "population_share": 2, "active": True})
    assert save_community_tags(demo_con, editor, tags) == len(tags)
    saved = community_tags(demo_con).set_index("tag_code")
    assert saved.loc["core20", "population_share"] == 31.5 and saved.loc["farmers", "label"] == "Farming families"


@pytest.mark.parametrize("change, expected", [
    (lambda t: t[0].update(population_share=140), "population share 140 must be a percentage from 0 to 100"),
    (lambda t: t[1].update(tag_code=t[0]["tag_code"]), "is used twice"),
    (lambda t: t[2].update(label=""), "a label is required"),
])
def test_a_bad_community_list_is_refused(demo_con, editor, change, expected):
    tags = community_tags(demo_con).to_dict("records")
    change(tags)
    with pytest.raises(ValidationError) as err:
        save_community_tags(demo_con, editor, tags)
    assert any(expected in p for p in err.value.problems), err.value.problems


def test_a_tag_in_use_cannot_be_removed_only_made_inactive(demo_con, editor):
    save_activity(demo_con, editor, "DEMO", activity(communities=["coastal"]))
    tags = [t for t in community_tags(demo_con).to_dict("records") if t["tag_code"] != "coastal"]
    with pytest.raises(ValidationError, match="coastal are used by logged activities"):
        save_community_tags(demo_con, editor, tags)


def test_the_excel_return_sheets_hold_the_log_and_the_items_in_words(demo_con, editor):
    new_id = save_activity(demo_con, editor, "DEMO", activity(), items=[
        {"you_said": "Open later.", "status": "cannot be done", "reason": "No staff in the evening."}])
    sheet = engagement_sheet(demo_con, "DEMO")
    assert list(sheet.columns)[:5] == ["Activity ID", "Title", "Start date", "End date", "Lead partner"]
    row = sheet.iloc[0]
    assert row["Activity ID"] == new_id and row["Start date"] == date(2025, 5, 1)
    assert row["Communities"] == "Coastal communities; Older people (65 and over)" and row["Principles"] == "2; 4"
    items = you_said_sheet(demo_con, "DEMO")
    assert items.to_dict("records") == [{
        "Item ID": items.iloc[0]["Item ID"], "Activity ID": new_id, "Activity": "Drop-in about the new health hub",
        "You said": "Open later.", "We did": None, "Status": "cannot be done", "Reason": "No staff in the evening.",
        "Feedback date": None}]


def test_the_sheets_are_empty_frames_with_their_columns_when_nothing_is_logged(demo_con):
    assert engagement_sheet(demo_con, "DEMO").empty and "Evidence link" in engagement_sheet(demo_con, "DEMO").columns
    assert you_said_sheet(demo_con, "DEMO").empty and "Feedback date" in you_said_sheet(demo_con, "DEMO").columns


def test_the_demo_log_spans_2023_to_2026_across_the_four_places_with_items(demo_con, editor):
    assert load_engagement_demo(demo_con, editor) == 36
    log = list_activities(demo_con, "DEMO")
    assert log["start_date"].min().year == 2023 and log["start_date"].max().year == 2026
    places = {a for areas in log["areas"] for a in areas}
    assert {"DEMO-P01", "DEMO-P02", "DEMO-P03", "DEMO-P04"} <= places
    assert set(log["level"]) == {"inform", "consult", "involve", "collaborate", "empower"}
    items = you_said_sheet(demo_con, "DEMO")
    assert len(items) > 50 and set(items["Status"]) == {"planned", "done", "cannot be done"}
    with pytest.raises(ValueError, match="already loaded"):
        load_engagement_demo(demo_con, editor)


def test_you_said_groups_by_outcome_and_by_community_with_unlinked_items_named(demo_con, editor):
    save_activity(demo_con, editor, "DEMO", activity(outcomes=[], communities=["carers"]),
                  items=[{"you_said": "Respite please."}])
    by_outcome = you_said_by(demo_con, "DEMO", "outcome")
    assert list(by_outcome["grp"]) == ["Not linked to an outcome"]
    by_community = you_said_by(demo_con, "DEMO", "community")
    assert list(by_community["grp"]) == ["Unpaid carers, including young carers"]


@pytest.mark.parametrize(("chart", "column", "counted", "empty_title", "title_start"), [
    (activities_by_level_chart, "level", "activities", "Activities by level: none logged yet",
     "Engagement activities by level, to 2026 Q2"),
    (feedback_loops_chart, "loop", "items", "Feedback loops: no 'you said' items yet",
     "Feedback loops closed: 2 of 5 'you said' items fed back, to 2026 Q2"),
])
def test_a_quarterly_engagement_chart_stacks_each_category_by_quarter_and_names_the_latest(chart, column, counted,
                                                                                          empty_title, title_start):
    first, second = ("inform", "consult") if column == "level" else ("fed back later", "overdue")
    frame = pd.DataFrame({"quarter_start": [date(2026, 7, 1), date(2026, 4, 1)],
                          "period_label": ["2026 Q2", "2026 Q1"], column: [second, first], counted: [3, 2]})
    fig = chart(frame)
    assert fig.layout.title.text.startswith(title_start)
    bars = {bar.name: list(bar.y) for bar in fig.data}
    assert bars[first.capitalize()] == [2, 0] and bars[second.capitalize()] == [0, 3]  # quarters in time order
    assert all(f": %{{y}} {counted}<" in bar.hovertemplate for bar in fig.data)
    assert chart(frame.iloc[0:0]).layout.title.text == empty_title
