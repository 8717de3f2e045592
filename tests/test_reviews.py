"""Stakeholder reviews on a real DuckDB file: the statement library, rounds and invite codes, anonymous answers
with return codes kept only as salted hashes, suppressed results, the disagreement agenda, released comments,
the discussion record, perception measures and the Excel sheet."""
from __future__ import annotations

import hashlib
import inspect
from datetime import date, timedelta

import pandas as pd
import pytest

from framework.core.errors import ValidationError
from framework.demo.review import load_demo_reviews
from framework.reviews import discussions, statements
from framework.reviews import results as review_results
from framework.reviews import rounds as review_rounds
from framework.reviews.suppression import CELLS
from tests.conftest import make_user

TODAY = date.today()
OPEN = {"opens_on": TODAY - timedelta(days=1), "closes_on": TODAY + timedelta(days=10)}


@pytest.fixture
def library(demo_con, editor):
    statements.add_starter_statements(demo_con, editor, "DEMO")
    return demo_con


def new_round(con, editor, groups=("community", "vcse"), minimum=5, codes=("S01", "S02", "S03"), **dates) -> int:
    values = {"title": "Test round", **OPEN, **dates, "statements": list(codes), "groups": list(groups),
              "min_group_size": minimum}
    return review_rounds.create_round(con, editor, "DEMO", values)


def invite(con, round_id: int, group: str) -> str:
    return review_rounds.invites(con, round_id).set_index("group_code").loc[group, "invite_code"]


def answer(con, code: str, scores: dict[str, object], comment: dict[str, str] | None = None, token=None) -> str:
    answers = {s: {"score": v, "comment": (comment or {}).get(s)} for s, v in scores.items()}
    return review_rounds.submit_answers(con, code, answers, token)


def crowd(con, code: str, n: int, score=4, statement="S01", **more) -> None:
    for _ in range(n):
        answer(con, code, {statement: score, **more})


def spread(i: int) -> int:
    """Ratings 1, 2, 3, 4, 5, 1, ... so a small group's answers are not all in one place."""
    return 1 + i % 5


# ---- statements ----------------------------------------------------------------------------------------------------

def test_the_starter_set_has_about_twenty_statements_covering_all_ten_principles(library):
    table = statements.list_statements(library, "DEMO")
    assert 18 <= len(table) <= 22
    assert set(table["theme"]) == set(statements.THEMES)
    coverage = statements.principle_coverage(library, "DEMO")
    assert list(coverage["principle_no"]) == list(range(1, 11)) and (coverage["statements"] > 0).all()
    assert {"O1"} <= set(table.set_index("statement_code").loc["S01", "outcomes"])


def test_editors_add_edit_and_retire_statements_and_each_change_is_audited(library, editor):
    code = statements.save_statement(library, editor, "DEMO", {"theme": "Partnership", "text": "Partners share data.",
                                                               "principles": [10], "outcomes": ["O7"]})
    assert code == "S21"
    statements.save_statement(library, editor, "DEMO", {"theme": "Partnership", "text": "Partners share insight.",
                                                        "principles": [2, 10], "outcomes": []}, statement_code=code)
    statements.set_statement_status(library, editor, "DEMO", code, "retired", "Merged into S05")
    row = statements.list_statements(library, "DEMO").set_index("statement_code").loc[code]
    assert row["text"] == "Partners share insight." and list(row["principles"]) == [2, 10] and row["status"] == "retired"
    audit = library.execute("SELECT action FROM audit_log WHERE entity = 'review_statement' AND entity_key = ?"
                            " ORDER BY audit_id", [f"DEMO/{code}"]).fetchall()
    assert [a for (a,) in audit] == ["create", "update", "retire"]


@pytest.mark.parametrize("values, problem", [
    ({"theme": "T", "text": " ", "principles": [], "outcomes": []}, "Statement text is required"),
    ({"theme": "", "text": "Fine.", "principles": [], "outcomes": []}, "Theme is required"),
    ({"theme": "T", "text": "Fine.", "principles": [11], "outcomes": []}, "Principles [11]"),
    ({"theme": "T", "text": "Fine.", "principles": [], "outcomes": ["O99"]}, "Outcomes O99"),
])
def test_a_statement_with_a_problem_is_refused_with_the_field_named(library, editor, values, problem):
    with pytest.raises(ValidationError) as err:
        statements.save_statement(library, editor, "DEMO", values)
    assert any(problem in p for p in err.value.problems)


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_only_editors_and_admins_run_reviews(library, role):
    with pytest.raises(PermissionError):
        statements.add_starter_statements(library, make_user(role), "DEMO")
    with pytest.raises(PermissionError):
        review_rounds.create_round(library, make_user(role), "DEMO", {})


# ---- rounds and invites -------------------------------------------------------------------------------------------

def test_each_invited_group_gets_its_own_invite_code(library, editor):
    round_id = new_round(library, editor, groups=("community", "vcse", "healthwatch"))
    links = review_rounds.invites(library, round_id)
    assert list(links["group_code"]) == ["community", "vcse", "healthwatch"]
    assert links["invite_code"].nunique() == 3
    assert all(link == f"/respond?code={c}" for link, c in zip(links["link"], links["invite_code"]))
    info = review_rounds.invite_info(library, links["invite_code"][1].lower().replace("-", " "))
    assert info["group_name"] == "VCSE" and info["state"] == "open" and len(info["statements"]) == 3


@pytest.mark.parametrize("change, problem", [
    ({"min_group_size": 4}, "never be below 5"),
    ({"title": ""}, "Title is required"),
    ({"closes_on": TODAY - timedelta(days=5)}, "is before the open date"),
    ({"statements": []}, "choose at least one statement"),
    ({"statements": ["S99"]}, "S99 are not active statements"),
    ({"groups": ["nobody"]}, "nobody are not stakeholder groups"),
])
def test_a_round_with_a_problem_is_refused_with_the_field_named(library, editor, change, problem):
    values = {"title": "R", **OPEN, "statements": ["S01"], "groups": ["community"], "min_group_size": 10, **change}
    with pytest.raises(ValidationError) as err:
        review_rounds.create_round(library, editor, "DEMO", values)
    assert any(problem in p for p in err.value.problems)


def test_the_minimum_group_size_defaults_to_ten(library, editor):
    round_id = review_rounds.create_round(library, editor, "DEMO", {"title": "R", **OPEN, "statements": ["S01"],
                                                                    "groups": ["community"]})
    assert review_rounds.get_round(library, round_id)["min_group_size"] == 10


# ---- answers and return codes ----------------------------------------------------------------------------------------

def test_a_return_code_is_kept_only_as_a_salted_hash_and_nothing_identifies_the_respondent(library, editor):
    round_id = new_round(library, editor)
    code = invite(library, round_id, "community")
    token = answer(library, code, {"S01": 4, "S02": "dont_know"}, {"S01": "Good start"})
    assert len(token.replace("-", "")) == 12
    stored = library.execute("SELECT * FROM review_respondent").df()
    assert list(stored.columns) == ["respondent_id", "round_id", "group_code", "token_hash"]
    assert stored["token_hash"][0] not in (token, hashlib.sha256(token.encode()).hexdigest())
    for table in ("review_respondent", "review_answer", "audit_log", "review_round"):
        text = library.execute(f"SELECT * FROM {table}").df().astype(str).to_string()
        assert token not in text and token.replace("-", "") not in text
    audit = library.execute("SELECT user_id, after FROM audit_log WHERE action = 'answer'").fetchall()
    assert audit == [("respondent", '{"statements_answered": 2}')]


def test_the_same_return_code_hashes_differently_in_another_round(library, editor):
    first, second = new_round(library, editor), new_round(library, editor)
    salt = dict(library.execute("SELECT round_id, token_salt FROM review_round").fetchall())
    assert review_rounds.hash_token("ABCD-EFGH-JKLM", salt[first]) != review_rounds.hash_token("ABCD-EFGH-JKLM", salt[second])


def test_a_respondent_returns_with_their_code_to_change_answers_while_the_round_is_open(library, editor):
    round_id = new_round(library, editor)
    code = invite(library, round_id, "community")
    token = answer(library, code, {"S01": 2, "S02": 3}, {"S01": "first thoughts"})
    assert review_rounds.answers_for_token(library, code, token.lower()) == {
        "S01": {"score": 2, "comment": "first thoughts"}, "S02": {"score": 3, "comment": None}}
    again = answer(library, code, {"S01": 5, "S03": "dont_know"}, token=token)
    assert again == token
    assert review_rounds.answers_for_token(library, code, token) == {
        "S01": {"score": 5, "comment": None}, "S03": {"score": "dont_know", "comment": None}}
    assert library.execute("SELECT count(*) FROM review_respondent").fetchall() == [(1,)]


def test_a_return_code_only_works_with_its_own_group_invitation(library, editor):
    round_id = new_round(library, editor)
    token = answer(library, invite(library, round_id, "community"), {"S01": 2})
    assert review_rounds.answers_for_token(library, invite(library, round_id, "vcse"), token) is None
    with pytest.raises(ValidationError, match="return code was not recognised"):
        answer(library, invite(library, round_id, "vcse"), {"S01": 5}, token=token)


@pytest.mark.parametrize("dates, words", [
    ({"opens_on": TODAY + timedelta(days=2), "closes_on": TODAY + timedelta(days=9)}, "opens on"),
    ({"opens_on": TODAY - timedelta(days=9), "closes_on": TODAY - timedelta(days=1)}, "has closed"),
])
def test_answers_are_refused_when_the_round_is_not_open(library, editor, dates, words):
    round_id = new_round(library, editor, **dates)
    with pytest.raises(ValidationError, match=words):
        answer(library, invite(library, round_id, "community"), {"S01": 3})


def test_answers_cannot_be_changed_after_an_editor_closes_the_round(library, editor):
    round_id = new_round(library, editor)
    code = invite(library, round_id, "community")
    token = answer(library, code, {"S01": 3})
    review_rounds.close_round(library, editor, round_id)
    with pytest.raises(ValidationError, match="has closed"):
        answer(library, code, {"S01": 1}, token=token)


@pytest.mark.parametrize("answers, problem", [
    ({"S01": {"score": 6}}, "is not 1 to 5"),
    ({"S01": {"score": True}}, "is not 1 to 5"),
    ({"S99": {"score": 3}}, "S99 is not part of this review"),
    ({"S01": {"score": None, "comment": "hm"}}, "choose a rating"),
    ({"S01": {"score": None}}, "Answer at least one statement"),
    ({"S01": {"score": 3, "comment": "x" * 2001}}, "keep it to 2,000"),
])
def test_invalid_answers_are_refused_in_words(library, editor, answers, problem):
    round_id = new_round(library, editor)
    with pytest.raises(ValidationError) as err:
        review_rounds.submit_answers(library, invite(library, round_id, "community"), answers)
    assert any(problem in p for p in err.value.problems)


def test_an_unknown_invite_code_is_refused(library):
    assert review_rounds.invite_info(library, "NOPE-NOPE-NOPE") is None
    with pytest.raises(ValidationError, match="invite code was not recognised"):
        answer(library, "NOPE-NOPE-NOPE", {"S01": 3})


# ---- results that keep confidences -------------------------------------------------------------------------------------

def test_a_group_is_hidden_until_it_reaches_the_round_minimum(library, editor):
    round_id = new_round(library, editor, minimum=5)
    community, vcse = invite(library, round_id, "community"), invite(library, round_id, "vcse")
    for i in range(4):
        answer(library, community, {"S01": spread(i)})
    for i in range(10):
        answer(library, vcse, {"S01": spread(i)})
    rows = review_results.round_results(library, round_id).set_index(["statement_code", "group_code"])
    assert not rows.loc[("S01", "community"), "shown"] and pd.isna(rows.loc[("S01", "community"), "mean"])
    assert not rows.loc[("S01", "All"), "shown"]  # all groups minus VCSE would give the community's answers away
    assert rows.loc[("S01", "vcse"), "shown"] and rows.loc[("S01", "vcse"), "n"] == 10
    assert pd.isna(rows.loc[("S01", "vcse"), "score_2"])  # 2 people: hidden
    answer(library, community, {"S01": 5})
    rows = review_results.round_results(library, round_id).set_index(["statement_code", "group_code"])
    assert rows.loc[("S01", "community"), "shown"] and rows.loc[("S01", "community"), "n"] == 5
    assert rows.loc[("S01", "community"), "mean"] == 3.0 and rows.loc[("S01", "vcse"), "mean"] == 3.0


PUBLIC_READS = ["round_results", "divergence", "change_since_previous", "review_sheet", "released_comments"]


def test_no_public_function_returns_a_group_figure_below_the_threshold(library, editor):
    earlier = new_round(library, editor, groups=("community", "vcse", "healthwatch", "icb"), minimum=6)
    round_id = new_round(library, editor, groups=("community", "vcse", "healthwatch", "icb"), minimum=6)
    library.execute("UPDATE review_round SET opens_on = opens_on - 30 WHERE round_id = ?", [earlier])
    sizes = {"community": 12, "vcse": 6, "healthwatch": 3, "icb": 5}
    for rid in (earlier, round_id):
        for group, n in sizes.items():
            code = invite(library, rid, group)
            for i in range(n):
                answer(library, code, {"S01": 1 + i % 5, "S02": 4, "S03": "dont_know" if i % 4 == 0 else 5},
                       {"S01": f"{group} comment {i}"})
    # release every comment an editor is allowed to see
    pending = review_results.comments_to_review(library, editor, round_id)
    for key, text in zip(pending["comment_key"], pending["comment"]):
        review_results.release_comment(library, editor, round_id, key, text)
    public = [name for name, fn in inspect.getmembers(review_results, inspect.isfunction)
              if not name.startswith("_") and fn.__module__ == review_results.__name__]
    assert set(PUBLIC_READS) <= set(public)
    hidden = {"healthwatch", "icb", "Healthwatch", "ICB"}
    results = review_results.round_results(library, round_id)
    assert (results[results["shown"]]["n"] >= 6).all()
    assert set(results[results["shown"]]["group_code"]) == {"community", "vcse", "All"}
    for cell in CELLS:
        shown = results[cell].dropna()
        assert ((shown == 0) | (shown >= 8)).all(), f"{cell} shows a count of 1 to 7"
    # subtraction attack: all groups minus the groups shown
    s01 = results[results["statement_code"] == "S01"].set_index("group_code")
    if s01.loc["All", "shown"]:
        residual = s01.loc["All", "n"] - s01.loc["community", "n"] - s01.loc["vcse", "n"]
        assert residual >= 6, "the hidden groups together must still be at least the minimum"
    sheet = review_results.review_sheet(library, "DEMO")
    assert set(sheet[sheet["People rating"].notna()]["Group"]) <= {"Community members", "VCSE", "All groups"}
    assert (sheet["People rating"].dropna() >= 6).all()
    agenda = review_results.divergence(library, round_id)
    assert not set(agenda["highest_group"].dropna()) & hidden and not set(agenda["lowest_group"].dropna()) & hidden
    change = review_results.change_since_previous(library, round_id)
    assert not set(change["group_name"]) & hidden and len(change) > 0
    comments = review_results.released_comments(library, round_id)
    assert not set(comments["group_name"]) & hidden and len(comments) == sizes["community"] + sizes["vcse"]


def test_a_comment_from_a_group_below_the_minimum_cannot_be_released(library, editor):
    round_id = new_round(library, editor, minimum=5)
    answer(library, invite(library, round_id, "vcse"), {"S01": 2}, {"S01": "Only me here"})
    assert review_results.comments_to_review(library, editor, round_id).empty
    key = review_results._comments(library, round_id)["comment_key"][0]
    with pytest.raises(ValidationError, match="below the minimum size"):
        review_results.release_comment(library, editor, round_id, key, "Only me here")
    with pytest.raises(ValidationError, match="not part of this round"):
        review_results.release_comment(library, editor, round_id, "1/S01", "Only me here")


def test_comment_keys_do_not_show_which_comments_came_from_the_same_person(library, editor):
    round_id = new_round(library, editor, minimum=5)
    code = invite(library, round_id, "community")
    for i in range(5):
        answer(library, code, {"S01": spread(i), "S02": spread(i + 1)}, {"S01": f"one {i}", "S02": f"two {i}"})
    pending = review_results.comments_to_review(library, editor, round_id)
    assert len(pending) == 10 and "respondent_id" not in pending.columns
    ids = [str(r) for (r,) in library.execute("SELECT respondent_id FROM review_respondent").fetchall()]
    assert not any(key.startswith(f"{i}/") or key == i for key in pending["comment_key"] for i in ids)
    assert pending["comment_key"].nunique() == 10


# ---- the disagreement agenda -------------------------------------------------------------------------------------------

def frame(rows):
    return pd.DataFrame([{"statement_code": s, "text": f"Statement {s}", "group_code": g, "group_name": g.upper(),
                          "shown": m is not None, "mean": m, "sort_order": int(s[1:])} for s, g, m in rows])


def test_statements_are_ranked_by_the_spread_of_group_means():
    agenda = review_results.rank_divergence(frame([
        ("S1", "a", 4.0), ("S1", "b", 3.5),            # spread 0.5
        ("S2", "a", 4.5), ("S2", "b", 2.0),            # spread 2.5
        ("S3", "a", 3.0), ("S3", "b", 1.8), ("S3", "c", 3.0),  # spread 1.2
        ("S4", "a", 3.0), ("S4", "b", None),           # only one group shown: not comparable
        ("S1", "All", 3.7),                            # the all-groups row is never a group to compare
    ]))
    assert list(agenda["statement_code"]) == ["S2", "S3", "S1", "S4"]
    assert list(agenda["rank"][:3]) == [1, 2, 3] and pd.isna(agenda["rank"].iloc[3])
    top = agenda.iloc[0]
    assert (top["spread"], top["highest_group"], top["lowest_group"]) == (2.5, "A", "B")
    assert agenda.set_index("statement_code").loc["S4", "groups_compared"] == 1


def test_equal_spreads_are_ranked_by_the_standard_deviation_of_the_means():
    agenda = review_results.rank_divergence(frame([
        ("S1", "a", 4.0), ("S1", "b", 2.0), ("S1", "c", 3.0),  # spread 2, values spread evenly
        ("S2", "a", 4.0), ("S2", "b", 2.0), ("S2", "c", 4.0),  # spread 2, more polarised
    ]))
    assert list(agenda["statement_code"]) == ["S2", "S1"]


def test_the_demo_review_puts_the_most_contested_statement_first(demo_con, editor):
    ids = load_demo_reviews(demo_con, editor)
    agenda = review_results.divergence(demo_con, ids[-1])
    assert agenda["statement_code"].iloc[0] in {"S02", "S03", "S10", "S12"}
    assert agenda["spread"].iloc[0] > 1.5


# ---- comments, discussion and actions --------------------------------------------------------------------------------

def test_a_redacted_comment_needs_a_reason_and_the_redaction_is_audited_without_the_original(library, editor):
    round_id = new_round(library, editor, minimum=5)
    code = invite(library, round_id, "community")
    for i in range(5):
        answer(library, code, {"S01": spread(i)}, {"S01": "Dr Smith at Eastvale surgery ignored us" if i == 0 else None})
    pending = review_results.comments_to_review(library, editor, round_id)
    key = pending["comment_key"][0]
    with pytest.raises(ValidationError, match="Reason is required"):
        review_results.release_comment(library, editor, round_id, key, "[a doctor] ignored us")
    assert review_results.release_comment(library, editor, round_id, key, "[a doctor] ignored us", "removed a name")
    released = review_results.released_comments(library, round_id)
    assert list(released["released_text"]) == ["[a doctor] ignored us"] and released["redacted"].all()
    audit = library.execute("SELECT action, before, after, reason FROM audit_log WHERE entity = 'review_comment'").fetchall()
    assert audit[0][0] == "redact_and_release" and audit[0][3] == "removed a name"
    assert "Smith" not in (audit[0][1] + audit[0][2])


def test_a_changed_comment_must_be_released_again(library, editor):
    round_id = new_round(library, editor, minimum=5)
    code = invite(library, round_id, "community")
    tokens = [answer(library, code, {"S01": spread(i)}, {"S01": f"comment {i}"}) for i in range(5)]
    pending = review_results.comments_to_review(library, editor, round_id)
    for key, text in zip(pending["comment_key"], pending["comment"]):
        review_results.release_comment(library, editor, round_id, key, text)
    assert len(review_results.released_comments(library, round_id)) == 5
    answer(library, code, {"S01": 1}, {"S01": "something new"}, token=tokens[0])
    assert len(review_results.released_comments(library, round_id)) == 4


def test_discussion_notes_and_actions_are_kept_and_open_actions_listed(library, editor):
    round_id = new_round(library, editor)
    assert discussions.save_notes(library, editor, round_id, "S02", "Groups disagreed about budgets.") == 1
    assert discussions.save_notes(library, editor, round_id, "S02", "Agreed to try a pilot.") == 2
    done = discussions.add_action(library, editor, "DEMO", {"action_text": "Publish minutes", "owner": "ICB",
                                                            "due_on": TODAY, "statement_code": "S02"}, round_id)
    late = discussions.add_action(library, editor, "DEMO", {"action_text": "Pilot budgeting", "owner": "VCSE Alliance",
                                                            "due_on": date(2020, 1, 1), "outcome_code": "O5"}, round_id)
    discussions.set_action_status(library, editor, done, "done")
    open_now = discussions.open_actions(library, "DEMO", today=date(2026, 1, 1))
    assert list(open_now["action_id"]) == [late]
    assert open_now["when"][0] == "Overdue since 01 January 2020"
    assert open_now["outcome_title"][0] == "Stronger communities and volunteering"
    assert discussions.discussion_notes(library, round_id)["notes"].tolist() == ["Agreed to try a pilot."]


@pytest.mark.parametrize("values, problem", [
    ({"action_text": "", "owner": "ICB", "due_on": TODAY}, "Action is required"),
    ({"action_text": "Do it", "owner": "", "due_on": TODAY}, "Owner is required"),
    ({"action_text": "Do it", "owner": "ICB", "due_on": None}, "Due date is required"),
    ({"action_text": "Do it", "owner": "ICB", "due_on": TODAY, "outcome_code": "O99"}, "O99"),
    ({"action_text": "Do it", "owner": "ICB", "due_on": TODAY, "status": "maybe"}, "Status 'maybe'"),
])
def test_an_action_with_a_problem_is_refused(library, editor, values, problem):
    with pytest.raises(ValidationError) as err:
        discussions.add_action(library, editor, "DEMO", values)
    assert any(problem in p for p in err.value.problems)


def test_dropping_an_action_needs_a_reason(library, editor):
    action = discussions.add_action(library, editor, "DEMO", {"action_text": "A", "owner": "B", "due_on": TODAY})
    with pytest.raises(ValidationError, match="Reason is required"):
        discussions.set_action_status(library, editor, action, "dropped")


# ---- perception measures and the Excel sheet ---------------------------------------------------------------------------

def test_each_closed_round_adds_one_perception_measurement_and_hidden_results_add_none(library, editor):
    round_id = new_round(library, editor, minimum=5)
    crowd(library, invite(library, round_id, "community"), 8, 5)
    crowd(library, invite(library, round_id, "community"), 8, 2)
    crowd(library, invite(library, round_id, "vcse"), 3, 4)
    review_results.link_indicator(library, editor, "DEMO", "R10", "S01", "community")
    review_results.link_indicator(library, editor, "DEMO", "R11", "S01", "vcse")
    with pytest.raises(ValidationError, match="still open"):
        review_results.feed_indicators(library, editor, round_id)
    review_rounds.close_round(library, editor, round_id)
    outcome = review_results.feed_indicators(library, editor, round_id)
    assert outcome["R10"] == "Added 50% agree from 16 people."
    assert outcome["R11"].startswith("Not added")
    rows = library.execute("SELECT indicator_code, value, denominator, period_label FROM v_measurement"
                           " WHERE indicator_code IN ('R10', 'R11')").fetchall()
    assert rows == [("R10", 50.0, 16.0, "Test round")]
    kind = library.execute("SELECT kind, unit FROM indicator WHERE indicator_code = 'R10'").fetchall()
    assert kind == [("perception", "%")]


def test_a_quantitative_measure_cannot_be_fed_from_a_review(library, editor):
    with pytest.raises(ValidationError, match="only a perception measure"):
        review_results.link_indicator(library, editor, "DEMO", "I08", "S01", "community")


def test_the_review_sheet_has_words_for_columns_and_blanks_for_hidden_figures(library, editor):
    round_id = new_round(library, editor, minimum=5)
    crowd(library, invite(library, round_id, "community"), 9, 4)
    crowd(library, invite(library, round_id, "vcse"), 2, 1)
    sheet = review_results.review_sheet(library, "DEMO")
    assert list(sheet.columns[:7]) == ["Review round", "Closes", "Statement code", "Statement", "Group",
                                       "People rating", "Mean score (1-5)"]
    s01 = sheet[sheet["Statement code"] == "S01"].set_index("Group")
    assert s01.loc["Community members", "People rating"] == 9 and s01.loc["Community members", "Agree"] == 9
    assert pd.isna(s01.loc["VCSE", "People rating"]) and "minimum" in s01.loc["VCSE", "Note"]


def test_the_demo_review_has_two_rounds_comments_actions_and_a_fed_measure(demo_con, editor):
    ids = load_demo_reviews(demo_con, editor)
    assert len(ids) == 2
    assert review_results.previous_round_id(demo_con, ids[1]) == ids[0]
    assert len(review_results.released_comments(demo_con, ids[1])) >= 3
    assert len(discussions.open_actions(demo_con, "DEMO")) == 2
    values = demo_con.execute("SELECT count(*) FROM measurement WHERE indicator_code = 'R01'").fetchall()
    assert values == [(2,)]
