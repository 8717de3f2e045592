"""The full demo a newcomer gets from `init --demo`: every page has something real on it, written through the
product's own functions, and the Answer page offers the open review's invite codes in the demo only."""
from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest

from framework.core import db
from framework.demo.system import load_demo
from framework.foundation.starter_questions import list_questions
from framework.measures.priorities import BALLOT_MIN_GROUP, list_rounds, results_by_group
from framework.measures.proposals import list_proposals
from framework.progress.narratives import list_narratives
from framework.reviews.invitations import demo_invites
from tests.apptest_helpers import copy_db, open_app
from tests.conftest import make_user

TODAY = date.today()


@pytest.fixture(scope="module")
def full_demo_file(tmp_path_factory):
    """The demo with its engagement log, reviews and everything the showcase adds, as `init --demo` builds it."""
    path = tmp_path_factory.mktemp("showcase") / "demo.duckdb"
    con = db.connect(path)
    load_demo(con, make_user("editor"), extras=True)
    con.close()
    return path


@pytest.fixture
def full_con(full_demo_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(full_demo_file, path)
    key = full_demo_file.with_name(full_demo_file.name + ".ballot-key")
    if key.exists():
        shutil.copy(key, path.with_name(path.name + ".ballot-key"))
    con = db.connect(path)
    yield con
    con.close()


def test_one_prioritisation_round_has_closed_with_results_and_one_is_open_with_ballots(full_con):
    rounds = list_rounds(full_con, "DEMO").set_index("state")
    assert sorted(rounds.index) == ["closed", "open"]
    closed = results_by_group(full_con, "DEMO", int(rounds.loc["closed", "round_id"]))
    assert {"community", "vcse", "icb", "local_authority", "nhs_providers"} <= set(closed["group_code"])
    assert (closed["ballots"] >= BALLOT_MIN_GROUP).all()
    assert "healthwatch" not in set(closed["group_code"])  # four ballots: too few to show
    shown = results_by_group(full_con, "DEMO", int(rounds.loc["open", "round_id"]))
    assert shown.empty  # an open round's results stay hidden until it closes
    open_id = int(rounds.loc["open", "round_id"])
    assert db.scalar(full_con, "SELECT count(*) FROM priority_ballot WHERE round_id = ?", [open_id]) > 0


def test_every_ballot_is_keyed_by_the_secret_and_no_ballot_or_audit_row_names_a_person(full_con):
    keys = db.read_rows(full_con, "SELECT DISTINCT keying, length(voter_key) AS n FROM priority_ballot")
    assert keys == [{"keying": "hmac", "n": 64}]
    named = db.scalar(full_con, "SELECT count(*) FROM audit_log WHERE entity = 'ballot' AND user_id LIKE 'demo-%'")
    assert named == 0
    assert db.scalar(full_con, "SELECT count(*) FROM priority_ballot WHERE voter_key LIKE '%demo-%'") == 0


def test_proposed_measures_are_in_every_state_and_the_accepted_one_is_a_measure(full_con):
    proposals = list_proposals(full_con, "DEMO")
    assert sorted(set(proposals["status"])) == ["accepted", "declined", "merged", "open"]
    accepted = proposals[proposals["status"] == "accepted"].iloc[0]
    assert db.scalar(full_con, "SELECT status FROM indicator WHERE system_code = 'DEMO' AND indicator_code = ?",
                     [accepted["indicator_code"]]) == "proposed"
    assert not proposals[proposals["status"].isin(["declined", "merged"])]["decision_reason"].isna().any()


def test_stories_behind_the_curve_are_told_for_the_latest_period_and_an_earlier_one(full_con):
    stories = list_narratives(full_con, "DEMO", "I09")
    assert len(stories) == 2 and stories["period_end"].nunique() == 2
    assert set(stories["author_role"]) == {"partner", "editor"}
    assert stories["period_end"].max() < pd.Timestamp(TODAY)


def test_no_you_said_item_repeats_an_earlier_ones_words(full_con):
    rows = db.read_rows(full_con, "SELECT you_said, count(*) AS n FROM you_said WHERE system_code = 'DEMO'"
                                  " GROUP BY you_said HAVING count(*) > 1")
    assert rows == []
    assert db.scalar(full_con, "SELECT count(*) FROM you_said WHERE system_code = 'DEMO'") == 63


def test_every_starter_question_has_an_answer(full_con):
    questions = list_questions(full_con, "DEMO")
    assert questions["answer"].notna().all() and len(questions) == 7


def test_the_open_demo_review_offers_an_invite_code_for_each_group_and_a_real_system_offers_none(full_con):
    offered = demo_invites(full_con)
    assert len(offered) == 6 and len({o["invite_code"] for o in offered}) == 6
    title = offered[0]["title"]
    assert db.scalar(full_con, "SELECT closes_on FROM review_round WHERE title = ?", [title]) > TODAY
    full_con.execute("UPDATE system SET is_demo = false")
    assert demo_invites(full_con) == []


def test_the_closed_demo_reviews_offer_no_invite_code(full_con):
    full_con.execute("UPDATE review_round SET closed_early = true WHERE closes_on >= current_date")
    assert demo_invites(full_con) == []


def test_the_answer_page_offers_the_demo_codes_and_one_of_them_opens_the_review(monkeypatch, full_demo_file, tmp_path):
    path = copy_db(full_demo_file, tmp_path)
    at = open_app(monkeypatch, path, page="respond_page", role="viewer")
    assert not at.exception
    assert any("fictional demo system" in i.value for i in at.info)
    codes = [str(c) for c in at.table[0].value["Invite code"]]
    assert len(codes) == 6
    at.text_input(key="respond.code_input").input(codes[0]).run()
    assert not at.exception and any(r.key == "respond.score.S01" for r in at.radio)


def test_the_answer_page_of_a_real_system_offers_no_code(monkeypatch, full_demo_file, tmp_path):
    path = copy_db(full_demo_file, tmp_path)
    con = db.connect(path)
    con.execute("UPDATE system SET is_demo = false")
    con.close()
    at = open_app(monkeypatch, path, page="respond_page", role="viewer")
    assert not at.exception
    assert not at.table and not any("invite code of any group" in i.value for i in at.info)


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
@pytest.mark.parametrize("name", ["write_showcase", "write_priorities", "write_proposals", "write_stories",
                                  "write_open_review"])
def test_a_lower_role_calling_a_showcase_write_directly_is_refused_before_anything_is_written(demo_con, role, name):
    from framework.demo import showcase

    tables = ("priority_round", "priority_ballot", "measure_proposal", "narrative", "review_round", "starter_answer",
              "audit_log")
    before = {t: db.scalar(demo_con, f"SELECT count(*) FROM {t}") for t in tables}
    args = {"write_showcase": ("DEMO", TODAY), "write_priorities": ("DEMO", TODAY), "write_proposals": ("DEMO",),
            "write_stories": ("DEMO",), "write_open_review": ("DEMO", TODAY)}[name]
    with pytest.raises(PermissionError):
        getattr(showcase, name)(demo_con, make_user(role), *args)
    assert {t: db.scalar(demo_con, f"SELECT count(*) FROM {t}") for t in tables} == before
