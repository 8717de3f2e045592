"""Stakeholder reviews on a real DuckDB file: the statement library, rounds and invite codes, anonymous answers
with return codes kept only as salted hashes, suppressed results, the disagreement agenda, released comments,
the discussion record, perception measures and the Excel sheet."""
from __future__ import annotations

import csv
import hashlib
import inspect
import io
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


def close(con, editor, round_id: int) -> pd.DataFrame:
    """Close the round and return its published results, indexed by statement and group."""
    review_rounds.close_round(con, editor, round_id)
    return review_results.round_results(con, round_id).set_index(["statement_code", "group_code"])


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
    audit = library.execute("SELECT user_id, system_code, after FROM audit_log WHERE entity = 'review_round'"
                            " AND user_id = 'respondent'").fetchall()
    assert audit == [("respondent", "DEMO", '{"answers": "received or changed on this day"}')]


def test_answers_are_audited_once_a_day_with_their_system_and_never_per_respondent(library, editor):
    round_id = new_round(library, editor)
    code = invite(library, round_id, "community")
    tokens = [answer(library, code, {"S01": spread(i)}) for i in range(6)]
    answer(library, code, {"S01": 5}, token=tokens[0])
    rows = library.execute("SELECT changed_at, system_code, action FROM audit_log WHERE user_id = 'respondent'").fetchall()
    assert rows == [(pd.Timestamp(TODAY).to_pydatetime(), "DEMO", "answers_received")]
    from framework.measures.history import audit_history
    assert not (audit_history(library, "OTHER")["user_id"] == "respondent").any()
    assert (audit_history(library, "DEMO")["user_id"] == "respondent").sum() == 1


def test_respondent_numbers_are_random_so_they_do_not_give_the_order_of_answers_away(library, editor):
    round_id = new_round(library, editor)
    code = invite(library, round_id, "community")
    for i in range(12):
        answer(library, code, {"S01": spread(i)}, {"S01": f"comment {i}"})
    ids = [r[0] for r in library.execute("SELECT respondent_id FROM review_respondent").fetchall()]
    by_comment = [r[0] for r in library.execute(
        "SELECT respondent_id FROM review_answer ORDER BY CAST(split_part(comment, ' ', 2) AS INTEGER)").fetchall()]
    assert len(set(ids)) == 12 and min(ids) > 2 ** 20
    assert by_comment != sorted(by_comment)  # 1 chance in 12! of failing by luck
    assert max(ids) - min(ids) > 1000


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

def test_results_of_an_open_round_are_not_published_so_two_looks_cannot_be_compared(library, editor):
    round_id = new_round(library, editor, minimum=5)
    community = invite(library, round_id, "community")
    for i in range(10):
        answer(library, community, {"S01": spread(i)})
    before = review_results.round_results(library, round_id)
    answer(library, community, {"S01": 1})
    after = review_results.round_results(library, round_id)
    assert before.empty and after.empty
    assert review_results.review_sheet(library, "DEMO").empty and review_results.divergence(library, round_id).empty
    rows = close(library, editor, round_id)
    assert rows.loc[("S01", "community"), "shown"]


def test_a_group_is_hidden_below_the_round_minimum_and_shown_rounded_from_it(library, editor):
    round_id = new_round(library, editor, minimum=5)
    community, vcse = invite(library, round_id, "community"), invite(library, round_id, "vcse")
    for i in range(4):
        answer(library, community, {"S01": spread(i)})
    for i in range(12):
        answer(library, vcse, {"S01": spread(i)})
    rows = close(library, editor, round_id)
    assert not rows.loc[("S01", "community"), "shown"] and pd.isna(rows.loc[("S01", "community"), "mean"])
    assert rows.loc[("S01", "vcse"), "shown"] and rows.loc[("S01", "vcse"), "n"] == 10
    assert rows.loc[("S01", "vcse"), "score_1"] == 5  # 3 people, rounded to 5
    assert rows.loc[("S01", "All"), "n"] == rows.loc[("S01", "vcse"), "n"]  # the hidden group is in no total


def test_no_count_anywhere_gives_a_hidden_groups_size_away(library, editor):
    round_id = new_round(library, editor, minimum=10)
    for n, group in ((11, "community"), (3, "vcse")):
        code = invite(library, round_id, group)
        for i in range(n):
            answer(library, code, {"S01": spread(i)})
    assert "respondents" not in review_rounds.list_rounds(library, "DEMO").columns
    rows = close(library, editor, round_id)
    sheet = review_results.review_sheet(library, "DEMO")
    total = sheet[(sheet["Statement code"] == "S01") & (sheet["Group"] == review_results.ALL_WORDS)]
    shown = sheet[(sheet["Statement code"] == "S01") & (sheet["Group"] == "Community members")]
    assert total["People rating (rounded to 5)"].iloc[0] == shown["People rating (rounded to 5)"].iloc[0]
    assert not rows.loc[("S01", "vcse"), "shown"]
    assert "14" not in sheet.to_string() and "3 people" not in sheet.to_string()


PUBLIC_READS = ["round_results", "divergence", "change_since_previous", "review_sheet", "released_comments"]


def test_no_public_function_returns_a_group_figure_below_the_threshold(library, editor):
    earlier = new_round(library, editor, groups=("community", "vcse", "healthwatch", "icb"), minimum=6)
    round_id = new_round(library, editor, groups=("community", "vcse", "healthwatch", "icb"), minimum=6)
    library.execute("UPDATE review_round SET opens_on = opens_on - 30 WHERE round_id = ?", [earlier])
    sizes = {"community": 12, "vcse": 11, "healthwatch": 3, "icb": 5}
    for rid in (earlier, round_id):
        for group, n in sizes.items():
            code = invite(library, rid, group)
            for i in range(n):
                answer(library, code, {"S01": 1 + i % 5, "S02": 4, "S03": "dont_know" if i % 4 == 0 else 5},
                       {"S01": f"{group} comment {i}"})
        review_rounds.close_round(library, editor, rid)
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
        assert (results[cell].dropna() % 5 == 0).all(), f"{cell} shows a count that is not rounded to 5"
    # subtraction attack: all groups minus the groups shown leaves nothing
    s01 = results[results["statement_code"] == "S01"].set_index("group_code")
    assert s01.loc["All", "n"] - s01.loc["community", "n"] - s01.loc["vcse", "n"] == 0
    sheet = review_results.review_sheet(library, "DEMO")
    rating = "People rating (rounded to 5)"
    assert set(sheet[sheet[rating].notna()]["Group"]) <= {"Community members", "VCSE", review_results.ALL_WORDS}
    assert (sheet[rating].dropna() >= 6).all()
    agenda = review_results.divergence(library, round_id)
    assert not set(agenda["highest_group"].dropna()) & hidden and not set(agenda["lowest_group"].dropna()) & hidden
    change = review_results.change_since_previous(library, round_id)
    assert not set(change["group_name"]) & hidden and len(change) > 0
    comments = review_results.released_comments(library, round_id)
    assert not set(comments["group_name"]) & hidden and len(comments) == sizes["community"] + sizes["vcse"]


def test_a_comment_from_a_group_below_the_minimum_cannot_be_released(library, editor):
    round_id = new_round(library, editor, minimum=5)
    answer(library, invite(library, round_id, "vcse"), {"S01": 2}, {"S01": "Only me here"})
    key = review_results._comments(library, round_id)["comment_key"][0]
    with pytest.raises(ValidationError, match="once the round has closed"):
        review_results.release_comment(library, editor, round_id, key, "Only me here")
    review_rounds.close_round(library, editor, round_id)
    assert review_results.comments_to_review(library, editor, round_id).empty
    with pytest.raises(ValidationError, match="below the minimum size"):
        review_results.release_comment(library, editor, round_id, key, "Only me here")
    with pytest.raises(ValidationError, match="not part of this round"):
        review_results.release_comment(library, editor, round_id, "1/S01", "Only me here")


def test_comment_keys_do_not_show_which_comments_came_from_the_same_person(library, editor):
    round_id = new_round(library, editor, minimum=5)
    code = invite(library, round_id, "community")
    for i in range(12):
        answer(library, code, {"S01": spread(i), "S02": spread(i + 1)}, {"S01": f"one {i}", "S02": f"two {i}"})
    review_rounds.close_round(library, editor, round_id)
    pending = review_results.comments_to_review(library, editor, round_id)
    assert len(pending) == 24 and "respondent_id" not in pending.columns
    ids = [str(r) for (r,) in library.execute("SELECT respondent_id FROM review_respondent").fetchall()]
    assert not any(key.startswith(f"{i}/") or key == i for key in pending["comment_key"] for i in ids)
    assert pending["comment_key"].nunique() == 24


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
    for i in range(12):
        answer(library, code, {"S01": spread(i)}, {"S01": "Dr Smith at Eastvale surgery ignored us" if i == 0 else None})
    review_rounds.close_round(library, editor, round_id)
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
    assert outcome["R10"] == "Added 50% agree from about 15 people."
    assert outcome["R11"].startswith("Not added")
    rows = library.execute("SELECT indicator_code, value, denominator, period_label FROM v_measurement"
                           " WHERE indicator_code IN ('R10', 'R11')").fetchall()
    assert rows == [("R10", 50.0, 15.0, "Test round")]
    kind = library.execute("SELECT kind, unit FROM indicator WHERE indicator_code = 'R10'").fetchall()
    assert kind == [("perception", "%")]


def test_a_quantitative_measure_cannot_be_fed_from_a_review(library, editor):
    with pytest.raises(ValidationError, match="only a perception measure"):
        review_results.link_indicator(library, editor, "DEMO", "I08", "S01", "community")


def test_the_review_sheet_has_words_for_columns_and_blanks_for_hidden_figures(library, editor):
    round_id = new_round(library, editor, minimum=5)
    crowd(library, invite(library, round_id, "community"), 9, 4)
    crowd(library, invite(library, round_id, "vcse"), 2, 1)
    assert review_results.review_sheet(library, "DEMO").empty  # nothing while the round is open
    review_rounds.close_round(library, editor, round_id)
    sheet = review_results.review_sheet(library, "DEMO")
    assert list(sheet.columns[:8]) == ["Review round", "Closes", "Statement code", "Statement", "Group",
                                       "People rating (rounded to 5)", "Mean score (1-5)", "Mean given"]
    s01 = sheet[sheet["Statement code"] == "S01"].set_index("Group")
    assert s01.loc["Community members", "People rating (rounded to 5)"] == 10
    assert s01.loc["Community members", "Agree (rounded to 5)"] == 10
    assert pd.isna(s01.loc["VCSE", "People rating (rounded to 5)"]) and "Hidden" in s01.loc["VCSE", "Note"]


def test_the_demo_review_has_two_rounds_comments_actions_and_a_fed_measure(demo_con, editor):
    ids = load_demo_reviews(demo_con, editor)
    assert len(ids) == 2
    assert review_results.previous_round_id(demo_con, ids[1]) == ids[0]
    assert len(review_results.released_comments(demo_con, ids[1])) >= 3
    assert len(discussions.open_actions(demo_con, "DEMO")) == 2
    values = demo_con.execute("SELECT count(*) FROM measurement WHERE indicator_code = 'R01'").fetchall()
    assert values == [(2,)]


# ---- invitations: personal codes and capped group links ----------------------------------------------------------------

from framework.reviews import invitations  # noqa: E402


def test_a_personal_code_works_once_and_a_second_answer_needs_the_return_code(library, editor):
    round_id = new_round(library, editor)
    codes = invitations.issue_personal_codes(library, editor, round_id, "vcse", 3)
    assert len(set(codes)) == 3
    stored = library.execute("SELECT * FROM review_personal_code").df().astype(str).to_string()
    assert not any(c in stored or c.replace("-", "") in stored for c in codes)
    info = review_rounds.invite_info(library, codes[0].lower())
    assert info["group_code"] == "vcse" and info["personal"] and not info["used"]
    token = answer(library, codes[0], {"S01": 4})
    with pytest.raises(ValidationError, match="already been used"):
        answer(library, codes[0], {"S01": 1})
    answer(library, codes[0], {"S01": 2}, token=token)
    assert review_rounds.answers_for_token(library, codes[0], token) == {"S01": {"score": 2, "comment": None}}
    assert library.execute("SELECT count(*) FROM review_respondent").fetchall() == [(1,)]
    assert review_rounds.invite_info(library, codes[0])["used"]


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_only_editors_make_personal_codes_or_change_a_link_cap(library, editor, role):
    round_id = new_round(library, editor)
    with pytest.raises(PermissionError):
        invitations.issue_personal_codes(library, make_user(role), round_id, "vcse", 5)
    with pytest.raises(PermissionError):
        invitations.set_link_cap(library, make_user(role), round_id, "vcse", 500)
    assert library.execute("SELECT count(*) FROM review_personal_code").fetchall() == [(0,)]


@pytest.mark.parametrize("count", [0, -1, 1001, 2.5, "ten", True])
def test_a_bad_number_of_codes_is_refused_in_words(library, editor, count):
    round_id = new_round(library, editor)
    with pytest.raises(ValidationError, match="Number of codes"):
        invitations.issue_personal_codes(library, editor, round_id, "vcse", count)


def test_the_mail_merge_file_cannot_run_formulas_in_a_spreadsheet():
    data = invitations.personal_codes_csv("=HYPERLINK(\"http://x\")", "+Group\tname", ["ABCD-EFGH-JKLM"])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == list(invitations.CSV_COLUMNS)
    assert rows[1][:4] == ["'=HYPERLINK(\"http://x\")", "'+Group\tname", "ABCD-EFGH-JKLM", "/respond?code=ABCD-EFGH-JKLM"]


def test_stuffing_a_shared_link_past_its_cap_hides_and_flags_the_group(library, editor):
    round_id = new_round(library, editor, minimum=10)
    invitations.set_link_cap(library, editor, round_id, "community", 1)
    community = invite(library, round_id, "community")
    answer(library, community, {"S01": 2})  # the one real person
    crowd(library, community, 9, 3)  # nine fake answers whose values the sender knows
    links = review_rounds.invites(library, round_id).set_index("group_code")
    assert links.loc["community", "over_cap"] and not links.loc["vcse", "over_cap"]
    rows = close(library, editor, round_id)
    row = rows.loc[("S01", "community")]
    assert not row["shown"] and row["link_flag"] and pd.isna(row["mean"]) and "flagged" in row["note"]
    assert not any(ch.isdigit() for ch in review_results.LINK_FLAG)


def test_personal_codes_cannot_be_made_after_the_round_closes(library, editor):
    round_id = new_round(library, editor)
    review_rounds.close_round(library, editor, round_id)
    with pytest.raises(ValidationError, match="has closed"):
        invitations.issue_personal_codes(library, editor, round_id, "vcse", 2)
    with pytest.raises(ValidationError, match="not invited"):
        invitations.set_link_cap(library, editor, round_id, "nobody", 5)


# ---- typed text and upgrades ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("comment", [
    "![pixel](http://tracker.example/p.png)", "[click me](javascript:alert(1))", "<img src=x onerror=alert(1)>",
    "# A heading\n\n---", "=HYPERLINK(\"http://x\")", "**loud** _and_ `code` $x$ | table |",
])
def test_a_released_comment_is_shown_as_plain_text_never_as_markdown(comment):
    from framework.core.safe_text import markdown_text
    from framework.reviews.wording import comment_lines
    part = pd.DataFrame({"released_text": [comment], "group_name": ["Community members"], "redacted": [False]})
    shown = comment_lines(part)
    inner = shown[shown.index("\u201c") + 1:shown.rindex("\u201d")]
    assert inner == markdown_text(" ".join(comment.split()))
    unescaped = [ch for i, ch in enumerate(inner) if ch in "[]()<>!#*_`$|-" and (i == 0 or inner[i - 1] != "\\")]
    assert unescaped == [] and "\n" not in inner


def _old_database_with_a_round(path, monkeypatch, without: tuple[int, ...], closes_on: str):
    """A database made before the migrations `without`, holding one round with a shared link; connecting to it
    again upgrades it."""
    from framework.core import db
    shipped = db._migrations
    monkeypatch.setattr(db, "_migrations", lambda: [m for m in shipped() if m.VERSION not in without])
    con = db.connect(path)
    monkeypatch.setattr(db, "_migrations", shipped)
    con.execute("INSERT INTO review_round (system_code, title, opens_on, closes_on, token_salt, created_by)"
                " VALUES ('X', 'Old round', '2026-01-01', ?, '00', 'e')", [closes_on])
    con.execute("INSERT INTO review_invite VALUES ('AAAA-BBBB-CCCC', 1, 'community')")
    return con


def test_a_database_from_before_personal_codes_upgrades_without_losing_answers(tmp_path, monkeypatch):
    from framework.core import db
    path = tmp_path / "old.duckdb"
    con = _old_database_with_a_round(path, monkeypatch, (21, 41), "2026-12-31")
    for i in range(3):
        con.execute("INSERT INTO review_respondent (round_id, group_code, token_hash) VALUES (1, 'community', ?)",
                    [f"hash{i}"])
        con.execute("INSERT INTO review_answer VALUES (?, 'S01', ?, false, ?)", [i + 1, i + 2, f"comment {i}"])
        con.execute("INSERT INTO audit_log (user_id, user_role, action, entity, entity_key, after) VALUES"
                    " ('respondent', 'viewer', 'answer', 'review_round', '1', '{\"statements_answered\": 1}')")
    con.execute("INSERT INTO review_comment_release (respondent_id, statement_code, released_text, released_by)"
                " VALUES (2, 'S01', 'comment 1', 'e')")
    con.close()
    con = db.connect(path)
    try:
        assert {21, 41} <= db.applied_versions(con)
        rows = con.execute("SELECT p.token_hash, a.score, a.comment, c.released_text FROM review_respondent p"
                           " JOIN review_answer a USING (respondent_id) LEFT JOIN review_comment_release c"
                           " USING (respondent_id, statement_code) ORDER BY p.token_hash").fetchall()
        assert rows == [("hash0", 2, "comment 0", None), ("hash1", 3, "comment 1", "comment 1"),
                        ("hash2", 4, "comment 2", None)]
        ids = sorted(r[0] for r in con.execute("SELECT respondent_id FROM review_respondent").fetchall())
        assert ids != [1, 2, 3] and min(ids) > 1000
        audit = con.execute("SELECT action, system_code, changed_at = CAST(CAST(changed_at AS DATE) AS TIMESTAMP)"
                            " FROM audit_log WHERE user_id = 'respondent'").fetchall()
        assert audit == [("answers_received", "X", True)]
        assert con.execute("SELECT link_cap, link_uses FROM review_invite").fetchall() == [(30, 3)]
    finally:
        con.close()


def test_an_upgrade_never_flags_a_link_that_was_used_by_a_big_group(tmp_path, monkeypatch):
    from framework.core import db
    path = tmp_path / "old.duckdb"
    con = _old_database_with_a_round(path, monkeypatch, (41,), "2026-02-01")
    for i in range(45):
        con.execute("INSERT INTO review_respondent (round_id, group_code, token_hash) VALUES (1, 'community', ?)",
                    [f"hash{i}"])
    con.close()
    con = db.connect(path)
    try:
        assert con.execute("SELECT link_cap, link_uses FROM review_invite").fetchall() == [(45, 45)]
        assert invitations.over_cap_groups(con, 1) == []
    finally:
        con.close()


def test_two_people_sending_with_one_personal_code_at_once_get_one_answer_stored(library, editor):
    import threading

    from framework.core.errors import WriteConflict
    round_id = new_round(library, editor)
    code = invitations.issue_personal_codes(library, editor, round_id, "community", 1)[0]
    outcomes, start = [], threading.Barrier(2)

    def send(score):
        start.wait()
        try:
            outcomes.append(answer(library, code, {"S01": score}))
        except (ValidationError, WriteConflict) as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=send, args=(s,)) for s in (1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(o, str) for o in outcomes) == 1
    assert library.execute("SELECT count(*) FROM review_respondent").fetchall() == [(1,)]


def test_one_personal_code_sent_twice_at_the_same_moment_records_one_respondent(library, editor):
    import threading

    from framework.core.errors import WriteConflict

    round_id = new_round(library, editor)
    [code] = invitations.issue_personal_codes(library, editor, round_id, "vcse", 1)
    outcomes, start = [], threading.Barrier(4)

    def send(score: int) -> None:
        start.wait()
        try:
            answer(library, code, {"S01": score})
            outcomes.append("saved")
        except (ValidationError, WriteConflict) as exc:  # refused in words, never a raw database error
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=send, args=(n,)) for n in (1, 2, 4, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 4 and outcomes.count("saved") == 1
    respondents = library.execute("SELECT count(*) FROM review_respondent WHERE round_id = ?", [round_id]).fetchall()
    assert respondents == [(1,)]
