"""Proposing measures and reviewing them: accepted as a new indicator, merged, or declined with a public reason."""
from __future__ import annotations

import pytest

from framework.core import db
from framework.core.errors import ValidationError
from framework.measures.proposals import (
    accept_proposal,
    decline_proposal,
    get_proposal,
    list_proposals,
    merge_proposal,
    propose_measure,
    suggest_indicator_code,
)
from tests.conftest import make_user

IDEA = {
    "name": "Carers who feel listened to by services",
    "why_it_matters": "Carers hold families together and are rarely asked.",
    "who_it_matters_to": "Unpaid carers, especially young carers",
    "how_measured": "Percentage of carers answering 'always' in the annual carers survey",
    "outcome_code": "O1",
}
NEW_MEASURE = {"indicator_code": "I28", "name": "Carers who feel listened to", "kind": "perception", "unit": "%",
               "direction": "higher_is_better", "outcome_code": "O1",
               "definition": "Carers answering 'always' when asked whether services listen to them.",
               "baseline_value": 38, "target_1y": 42, "target_3y": 50, "target_5y": 60}


def _count(con, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


@pytest.mark.parametrize("role", ["community", "partner", "editor", "admin"])
def test_community_partner_and_editor_users_can_propose_a_measure(demo_con, role):
    number = propose_measure(demo_con, make_user(role), "DEMO", IDEA)
    p = get_proposal(demo_con, "DEMO", number)
    assert (p["name"], p["status"], p["proposed_by_role"]) == (IDEA["name"], "open", role)
    assert demo_con.execute("SELECT action, entity, user_role FROM audit_log WHERE entity = 'proposal'").fetchall() == [
        ("propose", "proposal", role)]


def test_a_viewer_cannot_propose_and_nothing_is_stored(demo_con):
    with pytest.raises(PermissionError):
        propose_measure(demo_con, make_user("viewer"), "DEMO", IDEA)
    assert _count(demo_con, "SELECT count(*) FROM measure_proposal") == 0


@pytest.mark.parametrize("field, value, message", [
    ("name", "  ", "Name of the measure is required."),
    ("why_it_matters", "", "Why it matters is required."),
    ("who_it_matters_to", None, "Who it matters to is required."),
    ("how_measured", "", "How it might be measured is required."),
    ("outcome_code", "", "Outcome is required"),
    ("outcome_code", "O99", "Outcome 'O99' is not an outcome of this system."),
])
def test_a_proposal_missing_a_part_is_refused_naming_the_field(demo_con, field, value, message):
    with pytest.raises(ValidationError) as err:
        propose_measure(demo_con, make_user("community"), "DEMO", {**IDEA, field: value})
    assert any(message in p for p in err.value.problems)
    assert _count(demo_con, "SELECT count(*) FROM measure_proposal") == 0


def test_accepting_a_proposal_makes_an_indicator_with_definition_and_targets(demo_con, editor):
    number = propose_measure(demo_con, make_user("community"), "DEMO", IDEA)
    assert suggest_indicator_code(demo_con, "DEMO") == "I28"
    code = accept_proposal(demo_con, editor, "DEMO", number, NEW_MEASURE)
    assert code == "I28"
    row = demo_con.execute("SELECT name, status, definition, target_3y, proposed_by FROM indicator"
                           " WHERE indicator_code = 'I28'").fetchall()
    assert row == [("Carers who feel listened to", "active", NEW_MEASURE["definition"], 50.0, "A community member")]
    assert demo_con.execute("SELECT indicator_name, status FROM v_indicator WHERE indicator_code = 'I28'").fetchall() == [
        ("Carers who feel listened to", "active")]
    shown = list_proposals(demo_con, "DEMO").iloc[0]
    assert shown["status"] == "accepted"
    assert shown["what_happened"] == "Accepted: it is now measure I28 (Carers who feel listened to)."
    actions = demo_con.execute("SELECT action, entity FROM audit_log WHERE entity IN ('proposal', 'indicator')"
                               " ORDER BY audit_id").fetchall()
    assert actions == [("propose", "proposal"), ("create", "indicator"), ("accepted", "proposal")]


def test_accepting_needs_a_definition_and_a_free_code(demo_con, editor):
    number = propose_measure(demo_con, make_user("community"), "DEMO", IDEA)
    measures = _count(demo_con, "SELECT count(*) FROM indicator")
    with pytest.raises(ValidationError, match="Definition is required"):
        accept_proposal(demo_con, editor, "DEMO", number, {**NEW_MEASURE, "definition": ""})
    with pytest.raises(ValidationError, match="'I01' is already used"):
        accept_proposal(demo_con, editor, "DEMO", number, {**NEW_MEASURE, "indicator_code": "I01"})
    assert get_proposal(demo_con, "DEMO", number)["status"] == "open"
    assert _count(demo_con, "SELECT count(*) FROM indicator") == measures


def test_an_acceptance_note_for_the_proposer_is_shown_with_the_outcome(demo_con, editor):
    number = propose_measure(demo_con, make_user("community"), "DEMO", IDEA)
    accept_proposal(demo_con, editor, "DEMO", number, NEW_MEASURE, reason="Thank you: the carers' centre will collect it.")
    assert list_proposals(demo_con, "DEMO").iloc[0]["what_happened"] == (
        "Accepted: it is now measure I28 (Carers who feel listened to). Thank you: the carers' centre will collect it.")


def test_merging_points_the_proposal_at_an_existing_measure_with_a_reason(demo_con, editor):
    number = propose_measure(demo_con, make_user("partner"), "DEMO", IDEA)
    measures = _count(demo_con, "SELECT count(*) FROM indicator")
    merge_proposal(demo_con, editor, "DEMO", number, "I01", "I01 already asks carers through the residents' survey.")
    shown = list_proposals(demo_con, "DEMO").iloc[0]
    assert shown["what_happened"].startswith("Merged into measure I01 (Residents who feel they can influence")
    assert shown["what_happened"].endswith("I01 already asks carers through the residents' survey.")
    assert _count(demo_con, "SELECT count(*) FROM indicator") == measures


def test_declining_needs_a_public_reason_and_shows_it_to_everyone(demo_con, editor):
    number = propose_measure(demo_con, make_user("community"), "DEMO", IDEA)
    with pytest.raises(ValidationError, match="Reason is required"):
        decline_proposal(demo_con, editor, "DEMO", number, "  ")
    decline_proposal(demo_con, editor, "DEMO", number, "No data exists yet; we will ask the carers' centre.")
    shown = list_proposals(demo_con, "DEMO", statuses=["declined"])
    assert list(shown["what_happened"]) == ["Declined: No data exists yet; we will ask the carers' centre."]


def test_a_proposal_cannot_be_decided_twice(demo_con, editor):
    number = propose_measure(demo_con, make_user("community"), "DEMO", IDEA)
    decline_proposal(demo_con, editor, "DEMO", number, "Out of scope for this framework.")
    with pytest.raises(ValidationError, match="has already been reviewed"):
        accept_proposal(demo_con, editor, "DEMO", number, NEW_MEASURE)
    assert _count(demo_con, "SELECT count(*) FROM indicator WHERE indicator_code = 'I28'") == 0


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
@pytest.mark.parametrize("decide", ["accept", "merge", "decline"])
def test_only_editors_decide_and_a_refused_decision_changes_nothing(demo_con, role, decide):
    number = propose_measure(demo_con, make_user("community"), "DEMO", IDEA)
    before = _count(demo_con, "SELECT count(*) FROM audit_log")
    measures = _count(demo_con, "SELECT count(*) FROM indicator")
    user = make_user(role)
    calls = {
        "accept": lambda: accept_proposal(demo_con, user, "DEMO", number, NEW_MEASURE),
        "merge": lambda: merge_proposal(demo_con, user, "DEMO", number, "I01", "covered"),
        "decline": lambda: decline_proposal(demo_con, user, "DEMO", number, "no"),
    }
    with pytest.raises(PermissionError):
        calls[decide]()
    assert get_proposal(demo_con, "DEMO", number)["status"] == "open"
    assert _count(demo_con, "SELECT count(*) FROM indicator") == measures
    assert _count(demo_con, "SELECT count(*) FROM audit_log") == before


def test_proposals_survive_reopening_the_database(db_path, demo_con):
    propose_measure(demo_con, make_user("community"), "DEMO", IDEA)
    demo_con.close()
    again = db.connect(db_path)
    assert list(list_proposals(again, "DEMO")["name"]) == [IDEA["name"]]
    again.close()


# ---- proposers' names ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reader", [None, "viewer", "community", "partner"])
def test_the_public_see_a_proposers_role_in_words_not_their_name(demo_con, reader):
    propose_measure(demo_con, make_user("community", "jane.doe@example.org"), "DEMO", IDEA)
    shown = list_proposals(demo_con, "DEMO", reviewer=None if reader is None else make_user(reader))
    assert shown.iloc[0]["proposed_by"] == "A community member"
    assert "proposed_by_name" not in shown.columns
    assert "Test community" not in shown.astype(str).to_string()


def test_a_proposer_who_chooses_to_be_named_is_named_in_public(demo_con, editor):
    number = propose_measure(demo_con, make_user("partner"), "DEMO", {**IDEA, "proposer_named": True})
    assert list_proposals(demo_con, "DEMO").iloc[0]["proposed_by"] == "Test partner (a partner organisation)"
    accept_proposal(demo_con, editor, "DEMO", number, NEW_MEASURE)
    assert demo_con.execute("SELECT proposed_by FROM indicator WHERE indicator_code = 'I28'").fetchall() == [
        ("Test partner (a partner organisation)",)]


@pytest.mark.parametrize("choice", ["yes", 1, "true", None])
def test_only_a_ticked_box_names_a_proposer(demo_con, choice):
    propose_measure(demo_con, make_user("community"), "DEMO", {**IDEA, "proposer_named": choice})
    assert list_proposals(demo_con, "DEMO").iloc[0]["proposed_by"] == "A community member"


def test_editors_reviewing_proposals_see_who_proposed_them(demo_con, editor):
    propose_measure(demo_con, make_user("community"), "DEMO", IDEA)
    shown = list_proposals(demo_con, "DEMO", reviewer=editor).iloc[0]
    assert shown["proposed_by_name"] == "Test community" and shown["proposed_by"] == "A community member"
