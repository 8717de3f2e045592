"""Who may change an engagement record, each write function called directly: a partner changes only what their
own account logged, editors and administrators change any, viewers and community members change nothing."""
from __future__ import annotations

import pytest

from framework.core.db import transaction
from framework.demo.engagement_log import write_engagement_demo
from framework.engagement.activities import activity_choices, get_activity, insert_activity, save_activity
from framework.engagement.validation import load_context, validate_activity
from framework.engagement.you_said import add_you_said, insert_item, update_you_said, you_said_items
from tests.conftest import make_user
from tests.engagement_fixtures import activity

ALICE = make_user("partner", "alice")  # Healthwatch
BOB = make_user("partner", "bob")  # the council
ITEM = {"you_said": "Open in the evening.", "status": "planned"}
# who may change what Alice logged: Alice, editors and administrators; not another partner, a viewer or a community member
MAY_CHANGE_ALICES = [(ALICE, True), (BOB, False), (make_user("editor"), True), (make_user("admin"), True),
                     (make_user("viewer"), False), (make_user("community"), False)]


def _audits(con, entity):
    return con.execute("SELECT count(*) FROM audit_log WHERE entity = ?", [entity]).fetchall()[0][0]


@pytest.fixture
def alices(demo_con):
    """An activity with one item, both logged by Alice."""
    activity_id = save_activity(demo_con, ALICE, "DEMO", activity(title="Alice's drop-in"), items=[ITEM])
    item_id = get_activity(demo_con, "DEMO", activity_id)["items"][0]["item_id"]
    return activity_id, item_id


@pytest.mark.parametrize("who, allowed", MAY_CHANGE_ALICES)
def test_changing_an_activity_is_allowed_only_to_its_partner_and_to_editors(demo_con, alices, who, allowed):
    activity_id, _ = alices
    audits = _audits(demo_con, "engagement_activity")
    change = activity(title=f"Changed by {who.user_id}")
    if allowed:
        assert save_activity(demo_con, who, "DEMO", change, activity_id=activity_id) == activity_id
        assert get_activity(demo_con, "DEMO", activity_id)["title"] == f"Changed by {who.user_id}"
        assert _audits(demo_con, "engagement_activity") == audits + 1
    else:
        with pytest.raises(PermissionError, match=f"signed in as {who.role}"):
            save_activity(demo_con, who, "DEMO", change, activity_id=activity_id)
        assert get_activity(demo_con, "DEMO", activity_id)["title"] == "Alice's drop-in"
        assert _audits(demo_con, "engagement_activity") == audits


@pytest.mark.parametrize("who, allowed", MAY_CHANGE_ALICES)
def test_recording_progress_on_an_item_is_allowed_only_to_its_partner_and_to_editors(demo_con, alices, who, allowed):
    _, item_id = alices
    done = {"you_said": "Open in the evening.", "we_did": "Open until 8pm.", "status": "done"}
    if allowed:
        update_you_said(demo_con, who, "DEMO", item_id, done)
    else:
        with pytest.raises(PermissionError):
            update_you_said(demo_con, who, "DEMO", item_id, done)
    status = demo_con.execute("SELECT status FROM you_said WHERE item_id = ?", [item_id]).fetchall()[0][0]
    assert status == ("done" if allowed else "planned")


def test_a_partner_may_update_an_item_an_editor_added_to_the_partners_own_activity(demo_con, alices, editor):
    activity_id, _ = alices
    item_id = add_you_said(demo_con, editor, "DEMO", activity_id, {"you_said": "More parking."})
    update_you_said(demo_con, ALICE, "DEMO", item_id, {"you_said": "More parking.", "status": "cannot be done",
                                                       "reason": "The site has no room."})
    assert demo_con.execute("SELECT reason FROM you_said WHERE item_id = ?", [item_id]).fetchall() == [
        ("The site has no room.",)]


def test_a_partner_cannot_add_items_to_another_partners_activity_even_inside_a_new_save(demo_con, alices):
    activity_id, _ = alices
    items = _audits(demo_con, "you_said")
    with pytest.raises(PermissionError, match="their own account logged"):
        add_you_said(demo_con, BOB, "DEMO", activity_id, {"you_said": "Slipped in by someone else."})
    with pytest.raises(PermissionError):  # the items of an update ride on the same check
        save_activity(demo_con, BOB, "DEMO", activity(), items=[ITEM], activity_id=activity_id)
    assert _audits(demo_con, "you_said") == items
    assert len(get_activity(demo_con, "DEMO", activity_id)["items"]) == 1


@pytest.mark.parametrize("who", [make_user("viewer"), make_user("community")])
def test_the_cursor_level_writers_refuse_a_role_that_cannot_log_engagement(demo_con, who):
    clean, problems = validate_activity(activity(), load_context(demo_con, "DEMO"))
    assert not problems
    before = demo_con.execute("SELECT count(*) FROM engagement_activity").fetchall()
    with pytest.raises(PermissionError, match="log engagement"):
        transaction(demo_con, insert_activity, who, "DEMO", clean)
    existing = demo_con.execute("SELECT min(activity_id) FROM engagement_activity").fetchall()[0][0]
    with pytest.raises(PermissionError, match="log engagement"):
        transaction(demo_con, insert_item, who, "DEMO", existing, {**ITEM, "we_did": None, "reason": None,
                                                                     "feedback_date": None})
    assert demo_con.execute("SELECT count(*) FROM engagement_activity").fetchall() == before


def test_the_cursor_level_item_writer_refuses_another_partners_activity(demo_con, alices):
    activity_id, _ = alices
    clean = {**ITEM, "we_did": None, "reason": None, "feedback_date": None}
    with pytest.raises(PermissionError, match="their own account logged"):
        transaction(demo_con, insert_item, BOB, "DEMO", activity_id, clean)
    assert transaction(demo_con, insert_item, ALICE, "DEMO", activity_id, clean) > 0


def test_the_demo_log_writer_refuses_a_partner(demo_con):
    with pytest.raises(PermissionError, match="load demo"):
        transaction(demo_con, write_engagement_demo, ALICE, "DEMO")
    assert demo_con.execute("SELECT count(*) FROM engagement_activity").fetchall() == [(0,)]


def test_the_pickers_offer_a_partner_only_what_they_may_change(demo_con, alices, editor):
    activity_id, item_id = alices
    save_activity(demo_con, BOB, "DEMO", activity(title="Bob's survey"), items=[{"you_said": "Fix the lifts."}])
    assert list(activity_choices(demo_con, "DEMO", ALICE)["activity_id"]) == [activity_id]
    assert list(you_said_items(demo_con, "DEMO", ALICE)["item_id"]) == [item_id]
    assert len(activity_choices(demo_con, "DEMO", editor)) == 2 == len(activity_choices(demo_con, "DEMO"))
    assert list(activity_choices(demo_con, "DEMO", make_user("viewer"))["activity_id"]) == []
