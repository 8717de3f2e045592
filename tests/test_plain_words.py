"""Readable by everyone, in the framework: roles named in words, the glossary and its hover help, the on-track rule
in plain words from the engine's own constants, complete invitation addresses, and who may remove an activity."""
from __future__ import annotations

import csv
import io

import pytest

from framework.core import glossary
from framework.core.addresses import page_address, public_base
from framework.core.auth import require
from framework.core.model import ROLE_NAMES, ROLES, role_name, role_names
from framework.engagement.activities import delete_activity, get_activity, save_activity
from framework.progress import engine
from framework.progress.rules_text import how_progress_is_judged
from framework.reviews import invitations
from tests.conftest import make_user
from tests.engagement_fixtures import activity

ALICE = make_user("partner", "alice")
BOB = make_user("partner", "bob")


# ---- role names ----------------------------------------------------------------------------------------------------

def test_every_role_has_a_name_in_words_and_community_is_a_community_representative():
    assert set(ROLE_NAMES) == set(ROLES)
    assert role_name("community") == "community representative"
    assert role_name("partner") == "partner organisation"
    assert role_names(["partner", "editor", "admin"]) == (
        "partner organisation, engagement lead (editor) and administrator")


def test_a_refusal_names_both_roles_in_words():
    with pytest.raises(PermissionError) as refused:
        require(make_user("community"), "run_reviews")
    message = str(refused.value)
    assert "signed in as community representative;" in message
    assert "only engagement lead (editor) and administrator can run reviews" in message


# ---- the glossary --------------------------------------------------------------------------------------------------

ASKED_FOR = ["ICB", "VCSE", "Core20PLUS5", "QOF", "Deprivation quintile", "Confidence interval",
             "Prediction interval", "Matters score", "Pseudonym", "Directly standardised rate"]


@pytest.mark.parametrize("term", ASKED_FOR)
def test_each_term_people_asked_about_is_in_the_glossary_with_a_meaning_in_sentences(term):
    found = glossary.entry(term.lower())
    assert found["term"] == term
    assert len(found["meaning"]) > 60 and found["meaning"].endswith(".")


def test_the_glossary_is_in_alphabetical_order_without_repeats():
    names = [e["term"] for e in glossary.terms()]
    assert names == sorted(names, key=str.lower) and len(names) == len(set(names))


@pytest.mark.parametrize("query, expected", [
    ("icb", {"ICB", "Sub-ICB location"}),
    ("  INTERVAL ", {"Confidence interval", "Prediction interval"}),
    ("=HYPERLINK(\"http://x\")", set()),
    ("[a-z]+", set()),  # plain text, never a pattern
    ("deprived", {"Deprivation quintile", "Core20PLUS5"}),
])
def test_glossary_search_matches_plain_text_in_names_and_meanings(query, expected):
    assert {e["term"] for e in glossary.search(query)} >= expected
    if not expected:
        assert glossary.search(query) == []


def test_a_blank_or_huge_glossary_search_is_handled():
    assert len(glossary.search("")) == len(glossary.terms())
    assert glossary.search("x" * 100_000) == []


def test_hover_help_names_each_term_and_points_to_the_glossary():
    text = glossary.hint("ICB", "pseudonym")
    assert text.startswith("**ICB** (Integrated Care Board): ") and "**Pseudonym**: A made-up name" in text
    assert text.endswith("Glossary page.")


def test_hover_help_for_an_unknown_term_fails_loudly_so_a_typo_is_caught():
    with pytest.raises(KeyError, match="no term"):
        glossary.hint("ICBX")


@pytest.mark.parametrize("text, terms", [
    ("Smoking prevalence in adults (15+) - current smokers (QOF)", ["QOF"]),
    ("Directly standardised rate of emergency admissions, per 100,000 people.", ["Directly standardised rate"]),
    ("The gap between Quintile 1 (most deprived) and Quintile 5 (least deprived)", ["Deprivation quintile"]),
    ("Reach into Core20PLUS5", ["Core20PLUS5"]),
    ("Demographics of the pseudonymised file", []),  # words inside other words are not terms
    ("", []),
])
def test_terms_are_found_in_a_text_by_whole_words(text, terms):
    assert glossary.terms_in(text) == terms
    assert (glossary.hint_for(text) is None) == (not terms)


# ---- how progress is judged ----------------------------------------------------------------------------------------

def test_the_in_app_rule_uses_the_engines_own_tolerance_and_fewest_points(monkeypatch):
    text = " ".join(how_progress_is_judged().split())
    assert "a tenth of the planned change" in text and "within 1.5" in text and "2% of the baseline" in text
    assert "at least three figures" in text and "{" not in text
    monkeypatch.setattr("framework.progress.rules_text.TOLERANCE_SHARE", 0.25)
    monkeypatch.setattr("framework.progress.rules_text.MIN_POINTS", 4)
    changed = " ".join(how_progress_is_judged().split())
    assert "a quarter of the planned change" in changed and "within 3.75" in changed and "at least four" in changed
    assert engine.TOLERANCE_SHARE == 0.10


def test_the_in_app_rule_names_every_status_in_words():
    text = how_progress_is_judged()
    for words in ("No target", "Not enough data", "On track", "Ahead", "Behind"):
        assert f"**{words}" in text or f"{words}**" in text


# ---- complete invitation addresses ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("https://measures.example.nhs.uk", "https://measures.example.nhs.uk"),
    (" https://measures.example.nhs.uk/shared/ ", "https://measures.example.nhs.uk/shared"),
    ("HTTP://localhost:8501", "http://localhost:8501"),
    ("https://host/app?x=1#top", "https://host/app"),
    ("javascript:alert(1)", None),
    ("ftp://host", None),
    ("measures.example.nhs.uk", None),
    ("https://user:pw@host", None),
    ("https://host:port", None),
    ("https://host/a b", None),
    ("=HYPERLINK(\"http://x\")", None),
    ("https://" + "a" * 400, None),
    ("", None),
    (None, None),
])
def test_only_an_http_address_with_a_host_is_taken_as_the_public_address(value, expected):
    assert public_base(value) == expected


def test_a_page_address_is_complete_and_its_code_is_encoded():
    assert page_address("https://h/app", "respond", code="AB CD&x") == "https://h/app/respond?code=AB+CD%26x"
    assert page_address(None, "respond", code="ABCD") == "/respond?code=ABCD"


def test_the_mail_merge_file_has_complete_links_and_still_cannot_run_formulas():
    data = invitations.personal_codes_csv("=cmd", "Group", ["ABCD-EFGH-JKLM"], "https://measures.example.nhs.uk")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0][3] == "Link"
    assert rows[1][:4] == ["'=cmd", "Group", "ABCD-EFGH-JKLM", "https://measures.example.nhs.uk/respond?code=ABCD-EFGH-JKLM"]


def test_the_shared_links_table_shows_complete_addresses():
    import pandas as pd

    links = pd.DataFrame({"group_name": ["VCSE"], "invite_code": ["WXYZ-1234"], "link": ["/respond?code=WXYZ-1234"],
                          "link_cap": [5], "over_cap": [False], "reached_minimum": [True]})
    table = invitations.links_table(links, "https://measures.example.nhs.uk/")
    assert list(table["Link"]) == ["https://measures.example.nhs.uk/respond?code=WXYZ-1234"]


# ---- removing an engagement activity -------------------------------------------------------------------------------

def _count(con, sql):
    return con.execute(sql).fetchall()[0][0]


def test_a_partner_removes_an_activity_their_own_account_logged_with_an_audit_row(demo_con):
    mine = save_activity(demo_con, ALICE, "DEMO", activity(title="Alice's drop-in"), items=[{"you_said": "Later."}])
    delete_activity(demo_con, ALICE, "DEMO", mine, reason="Logged twice")
    assert get_activity(demo_con, "DEMO", mine) is None
    assert demo_con.execute("SELECT user_id, action, reason FROM audit_log WHERE entity = 'engagement_activity'"
                            " ORDER BY audit_id DESC LIMIT 1").fetchall() == [("alice", "delete", "Logged twice")]


def test_a_partner_deleting_another_partners_activity_directly_is_refused_and_nothing_changes(demo_con):
    alices = save_activity(demo_con, ALICE, "DEMO", activity(title="Alice's drop-in"), items=[{"you_said": "Later."}])
    audits = _count(demo_con, "SELECT count(*) FROM audit_log")
    with pytest.raises(PermissionError, match="a partner organisation can change only the activities"):
        delete_activity(demo_con, BOB, "DEMO", alices, reason="Not mine")
    assert get_activity(demo_con, "DEMO", alices)["title"] == "Alice's drop-in"
    assert _count(demo_con, "SELECT count(*) FROM you_said") >= 1
    assert _count(demo_con, "SELECT count(*) FROM audit_log") == audits


@pytest.mark.parametrize("role", ["viewer", "community"])
def test_viewers_and_community_members_cannot_remove_any_activity(demo_con, role):
    alices = save_activity(demo_con, ALICE, "DEMO", activity())
    with pytest.raises(PermissionError, match=f"signed in as {role_name(role)}"):
        delete_activity(demo_con, make_user(role), "DEMO", alices)
    assert get_activity(demo_con, "DEMO", alices) is not None


def test_an_editor_removes_any_partners_activity(demo_con, editor):
    alices = save_activity(demo_con, ALICE, "DEMO", activity())
    delete_activity(demo_con, editor, "DEMO", alices, reason="Duplicate")
    assert get_activity(demo_con, "DEMO", alices) is None


def test_the_board_returns_changes_sheet_names_roles_in_words(demo_con):
    from framework.measures.history import changes_sheet

    save_activity(demo_con, ALICE, "DEMO", activity())
    roles = set(changes_sheet(demo_con, "DEMO")["Role"])
    assert "partner organisation" in roles and not roles & set(ROLES) - {"viewer"}
