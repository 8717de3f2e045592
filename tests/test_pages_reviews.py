"""AppTests for the review pages: the confidential response form, the results page and the setup page, and the
open actions on Home."""
from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
import streamlit as st

from framework.core import db
from framework.demo.review import load_demo_reviews
from framework.reviews import rounds as review_rounds
from tests.apptest_helpers import as_read, copy_db, open_app
from tests.conftest import make_user

TODAY = date.today()


@pytest.fixture(scope="module")
def review_db_file(demo_db_file, tmp_path_factory):
    """The demo with its finished review, plus an open round for community members and VCSE (minimum 5)."""
    path = tmp_path_factory.mktemp("reviews") / "reviews.duckdb"
    shutil.copy(demo_db_file, path)
    con = db.connect(path)
    editor = make_user("editor")
    load_demo_reviews(con, editor)
    review_rounds.create_round(con, editor, "DEMO", {
        "title": "Autumn check-in", "opens_on": TODAY - timedelta(days=1), "closes_on": TODAY + timedelta(days=20),
        "statements": ["S01", "S02"], "groups": ["community", "vcse"], "min_group_size": 5})
    con.close()
    return path


def open_invite(path, group: str, title: str = "Autumn check-in") -> str:
    con = db.connect(path)
    try:
        return con.execute("SELECT invite_code FROM review_invite JOIN review_round USING (round_id)"
                           " WHERE title = ? AND group_code = ?", [title, group]).fetchall()[0][0]
    finally:
        con.close()


def send_button(at):
    return next(b for b in at.button if b.label == "Send my answers")


def test_a_community_member_answers_in_confidence_and_gets_a_return_code(monkeypatch, review_db_file, tmp_path):
    path = copy_db(review_db_file, tmp_path)
    code = open_invite(path, "community")
    at = open_app(monkeypatch, path, page="respond_page", role="viewer", query={"code": code})
    assert not at.exception
    assert at.title[0].value == "Answer a review in confidence"
    assert any("You are answering as one of: **Community members**" in m.value for m in at.markdown)
    radios = {r.key: r for r in at.radio}
    assert set(radios) == {"respond.score.S01", "respond.score.S02"}
    assert radios["respond.score.S01"].label.startswith("1. People's views are heard")
    radios["respond.score.S01"].set_value(2)
    radios["respond.score.S02"].set_value("dont_know")
    at.text_area(key="respond.comment.S01").input("Nobody told us what happened.")
    send_button(at).click().run()
    assert not at.exception
    assert any("your answers were saved" in s.value for s in at.success)
    token = at.code[0].value
    con = db.connect(path)
    try:
        rows = con.execute("SELECT a.statement_code, a.score, a.dont_know, a.comment FROM review_answer a"
                           " JOIN review_respondent p USING (respondent_id) JOIN review_round r USING (round_id)"
                           " WHERE r.title = 'Autumn check-in' ORDER BY 1").fetchall()
        assert rows == [("S01", 2, False, "Nobody told us what happened."), ("S02", None, True, None)]
        assert review_rounds.answers_for_token(con, code, token)["S01"]["score"] == 2
    finally:
        con.close()


def test_a_returning_respondent_sees_their_own_answers_filled_in(monkeypatch, review_db_file, tmp_path):
    path = copy_db(review_db_file, tmp_path)
    code = open_invite(path, "vcse")
    con = db.connect(path)
    token = review_rounds.submit_answers(con, code, {"S01": {"score": 5, "comment": "Much better"}})
    con.close()
    at = open_app(monkeypatch, path, page="respond_page", role="viewer", query={"code": code})
    at.text_input(key="respond.token_input").input(token.lower())
    at.button(key="respond.load").click().run()
    assert not at.exception
    assert at.radio(key="respond.score.S01").value == 5
    assert at.text_area(key="respond.comment.S01").value == "Much better"
    at.radio(key="respond.score.S01").set_value(3)
    send_button(at).click().run()
    con = db.connect(path)
    try:
        assert review_rounds.answers_for_token(con, code, token)["S01"] == {"score": 3, "comment": "Much better"}
        assert con.execute("SELECT count(*) FROM review_respondent p JOIN review_round r USING (round_id)"
                           " WHERE r.title = 'Autumn check-in'").fetchall() == [(1,)]
    finally:
        con.close()


@pytest.mark.parametrize("query, message", [
    ({"code": "WXYZ-WXYZ-WXYZ"}, "That invite code was not recognised"),
    (None, None),
])
def test_the_response_form_without_a_valid_code_asks_for_one(monkeypatch, review_db_file, query, message):
    at = open_app(monkeypatch, review_db_file, page="respond_page", role="viewer", query=query)
    assert not at.exception
    if message:
        assert any(message in as_read(e.value) for e in at.error)
    else:
        assert at.text_input(key="respond.code_input").label == "Invite code"
    assert len(at.radio) == 0


def test_a_closed_round_says_answers_can_no_longer_be_sent(monkeypatch, review_db_file):
    code = open_invite(review_db_file, "community", "Spring 2026 partnership review")
    at = open_app(monkeypatch, review_db_file, page="respond_page", role="viewer", query={"code": code})
    assert not at.exception
    assert any("This review has closed" in i.value for i in at.info)
    assert len(at.radio) == 0


def test_results_open_with_the_disagreement_agenda_then_comments_and_the_discussion(monkeypatch, review_db_file):
    at = open_app(monkeypatch, review_db_file, page="review_results_page", role="community")
    assert not at.exception
    assert at.title[0].value == "Review results"
    at.selectbox(key="reviews.round").select(2).run()  # Spring 2026, finished
    assert not at.exception
    headers = [h.value for h in at.header]
    assert headers[:4] == ["What to talk about first: where groups see things differently", "Charts",
                           "What people said", "Discussion record"]
    assert "Perception measures" not in headers  # editors only
    agenda = at.dataframe[0].value
    assert agenda["Rank"].tolist()[:3] == [1, 2, 3]
    assert agenda["Code"].iloc[0] in {"S02", "S03", "S10", "S12"}
    assert any(m.value.startswith("**Biggest gap:**") for m in at.markdown)
    assert any("Nobody" not in m.value and "never heard what happened next" in m.value for m in at.markdown)
    assert any("Agreed to try participatory budgeting" in m.value for m in at.markdown)


def test_an_editor_withdraws_a_released_comment_and_the_withdrawal_is_audited(monkeypatch, review_db_file, tmp_path):
    from framework.core.audit import log
    from framework.reviews import results

    path = copy_db(review_db_file, tmp_path)
    con = db.connect(path)
    pending = results.comments_to_review(con, make_user("editor"), 2)
    con.close()
    released = pending[pending["released_text"].notna()]
    key, text = released.iloc[0]["comment_key"], released.iloc[0]["released_text"]
    at = open_app(monkeypatch, path, page="review_results_page")
    at.selectbox(key="reviews.round").select(2).run()
    at.selectbox(key="reviews.comment_key").set_value(key).run()
    at.text_input(key="reviews.withdraw_reason").input("It identifies a volunteer")
    at.button(key="reviews.withdraw_comment").click().run()
    assert not at.exception
    assert any("The comment was withdrawn" in s.value for s in at.success)
    con = db.connect(path)
    after = results.released_comments(con, 2)
    audit = log(con, entity="review_comment")
    con.close()
    assert text not in set(after["released_text"])
    assert (audit.iloc[0]["action"], audit.iloc[0]["reason"]) == ("withdraw", "It identifies a volunteer")


def test_a_comment_not_released_offers_no_withdrawal(monkeypatch, review_db_file, tmp_path):
    from framework.reviews import results

    path = copy_db(review_db_file, tmp_path)
    con = db.connect(path)
    key = results.comments_to_review(con, make_user("editor"), 2).iloc[0]["comment_key"]
    results.withdraw_comment(con, make_user("editor"), 2, key, "Held back")
    con.close()
    at = open_app(monkeypatch, path, page="review_results_page")
    at.selectbox(key="reviews.round").select(2).run()
    at.selectbox(key="reviews.comment_key").set_value(key).run()
    assert not at.exception
    assert "reviews.withdraw_comment" not in [b.key for b in at.button]


def test_results_of_an_open_round_wait_until_it_closes_and_a_small_group_stays_hidden(monkeypatch, review_db_file,
                                                                                      tmp_path):
    path = copy_db(review_db_file, tmp_path)
    code = open_invite(path, "community")
    con = db.connect(path)
    for score in [1, 2, 4] * 4:
        review_rounds.submit_answers(con, code, {"S01": {"score": score}})
    con.close()
    at = open_app(monkeypatch, path, page="review_results_page")
    assert at.selectbox(key="reviews.round").value == 3  # the newest round
    assert not at.exception
    assert any("published when the round closes" in i.value for i in at.info)
    assert len(at.dataframe) == 0 and not any("people answered" in c.value for c in at.caption)
    con = db.connect(path)
    review_rounds.submit_answers(con, open_invite(path, "vcse"), {"S01": {"score": 3}})
    review_rounds.close_round(con, make_user("editor"), 3)
    con.close()
    st.cache_data.clear()  # as a write through the app does
    at = open_app(monkeypatch, path, page="review_results_page")
    assert not at.exception
    shown = next(m.value for m in at.markdown if m.value.startswith("**Results shown for:**"))
    assert "Community members" in shown and "**Hidden**" in shown and "VCSE" in shown.split("**Hidden**")[1]


def test_an_editor_makes_personal_codes_and_downloads_a_mail_merge_file(monkeypatch, review_db_file, tmp_path):
    path = copy_db(review_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="review_setup_page")
    at.selectbox(key="review_setup.round").select(3).run()
    at.selectbox(key="review_setup.code_group").select("vcse")  # inside a form: sent with the button
    at.number_input(key="review_setup.code_count").set_value(4)
    next(b for b in at.button if b.label == "Make personal codes").click().run()
    assert not at.exception
    assert any("shown only now" in s.value for s in at.success)
    codes = next(c.value for c in at.code if c.value.count("-") == 8).split("\n")
    assert len(codes) == 4
    con = db.connect(path)
    try:
        assert review_rounds.invite_info(con, codes[0])["group_code"] == "vcse"
    finally:
        con.close()


def test_an_editor_adds_the_starter_set_and_creates_a_round_with_invite_links(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="review_setup_page")
    assert not at.exception
    assert any("statement library is empty" in i.value for i in at.info)
    at.button(key="review_setup.starter").click().run()
    assert not at.exception
    assert any("Every one of the 10 principles is covered" in c.value for c in at.caption)
    at.text_input(key="review_setup.round_title").input("Winter listening round")
    at.multiselect(key="review_setup.round_groups").set_value(["community", "healthwatch"])
    next(b for b in at.button if b.label == "Create round and invite links").click().run()
    assert not at.exception
    assert any("The round was created" in s.value for s in at.success)
    links = at.dataframe[-1].value
    assert list(links["Group"]) == ["Community members", "Healthwatch"]
    assert all(link.startswith("/respond?code=") for link in links["Link (add to this app's address)"])


def test_people_without_the_permission_are_not_offered_review_setup(monkeypatch, review_db_file):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_app(monkeypatch, review_db_file, page="review_setup_page", role="partner")


def test_home_lists_the_open_actions_from_reviews(monkeypatch, review_db_file):
    at = open_app(monkeypatch, review_db_file)
    assert not at.exception
    assert "Open actions from stakeholder reviews" in [h.value for h in at.header]
    actions = at.dataframe[-1].value
    assert set(actions["Owner"]) == {"ICB engagement team", "VCSE Alliance"}
    assert "Move VCSE engagement contracts to three-year terms." not in set(actions["Action"])  # done


def test_a_used_personal_code_says_to_come_back_with_the_return_code(monkeypatch, review_db_file, tmp_path):
    from framework.reviews import invitations
    path = copy_db(review_db_file, tmp_path)
    con = db.connect(path)
    code = invitations.issue_personal_codes(con, make_user("editor"), 3, "community", 1)[0]
    review_rounds.submit_answers(con, code, {"S01": {"score": 4}})
    con.close()
    at = open_app(monkeypatch, path, page="respond_page", role="viewer", query={"code": code})
    assert not at.exception
    assert any("already been used" in i.value for i in at.info)
    at.radio(key="respond.score.S01").set_value(2)
    send_button(at).click().run()
    assert any("already been used" in e.value for e in at.error)


def test_each_results_chart_has_its_sentence_underneath(monkeypatch, review_db_file):
    at = open_app(monkeypatch, review_db_file, page="review_results_page", role="community")
    at.selectbox(key="reviews.round").select(2).run()  # Spring 2026, finished, with Spring 2025 before it
    assert not at.exception
    captions = [c.value.replace("\\", "") for c in at.caption]  # as read, without Markdown escapes
    assert any(c.startswith("On average ") and "rated the statements highest" in c for c in captions)
    assert any(c.startswith("Of about ") and "Commonest answer:" in c for c in captions)
    assert any(c.startswith("Since Spring 2025 partnership review, the mean score of ") for c in captions)
