"""User text is shown as text: hostile Markdown planted in every field people write, through the framework's own
writes, is never rendered by any page as a link, an image, a heading, a Streamlit directive or HTML."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1.element_tree import AlertBase, Block, Code, HeadingBase, Markdown, Metric, Widget

from framework import streamlit_glue as glue
from framework.core import db
from framework.demo.system import load_demo
from framework.engagement.activities import save_activity
from framework.foundation.indicators import get_indicator, save_indicator
from framework.foundation.vision import VISION_FIELDS, get_vision, list_outcomes, save_outcome, save_vision
from framework.measures.priorities import close_round as close_priorities
from framework.measures.priorities import open_round as open_priorities
from framework.measures.proposals import decline_proposal, propose_measure
from framework.progress.narratives import add_narrative, narrative_periods
from framework.reviews import discussions, results, statements
from framework.reviews import rounds as review_rounds
from tests.apptest_helpers import copy_db, open_app
from tests.conftest import ROOT, make_user
from tests.engagement_fixtures import activity

LONG = "# Heading [x](https://evil.example) ![t](https://e/p.png) :red[alarm] <img src=x>"
SHORT = "# Heading [x](https://evil.example) :red[alarm] <img src=x>"
# What a Markdown renderer would turn into something other than text, unless it is escaped.
RENDERED = {
    "a link": re.compile(r"(?<!\\)\[x(?<!\\)\]\(|(?<![\\/])https?:(?<!\\)//evil"),
    "an image": re.compile(r"(?<!\\)!(?<!\\)\[t|(?<!\\)https?://e/p"),
    "a heading": re.compile(r"(?m)^[ >*_-]{0,6}(?<!\\)#{1,6}[ \t]+Heading"),
    "a directive": re.compile(r"(?<!\\):red(?<!\\)\["),
    "HTML": re.compile(r"(?<!\\)<img"),
}
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*_page.py"))
EDITOR_ONLY = {"data_page", "edit_indicators_page", "history_page", "review_setup_page", "record_engagement_page",
               "start_system_page"}
PAGE_ROLES = [(page, "editor") for page in PAGES] + [(page, "viewer") for page in PAGES if page not in EDITOR_ONLY]


def rendered_as_markdown(found: str) -> list[str]:
    """What in one piece of Markdown source would be rendered as more than text."""
    return [what for what, pattern in RENDERED.items() if pattern.search(found)]


@pytest.mark.parametrize("source, expected", [
    (LONG, ["a link", "an image", "a heading", "a directive", "HTML"]),
    ("**Outcome:** " + SHORT, ["a link", "a directive", "HTML"]),
    (glue.text(LONG), []),
    ("#### " + glue.text(LONG), []),
    ("**Owner:** " + glue.text(SHORT), []),
])
def test_the_check_finds_rendered_markdown_and_passes_escaped_text(source, expected):
    assert rendered_as_markdown(source) == expected


@pytest.mark.parametrize("value", [LONG, "www.evil.example and me@evil.example", "1. a\n2. b", "$x$ and `code`",
                                   "a | b", "Title\n===", "&lt;b&gt;", "* star", "> quote", "~~gone~~"])
def test_escaped_text_has_every_markdown_character_escaped_and_keeps_its_words(value):
    escaped = glue.text(value)
    assert re.sub(r"\\(.)", r"\1", escaped) == value  # unescaping gives back exactly what was written
    assert not re.search(r"(?<!\\)[\[\]()#!:<>*_`|$&~.@=-]", escaped)


def test_text_of_nothing_or_a_blank_cell_is_empty_and_numbers_are_text():
    assert glue.text(None) == "" and glue.text("") == "" and glue.text(float("nan")) == ""
    assert glue.text(12.5) == "12\\.5"


def _plant(path: Path) -> dict[str, str]:
    """Hostile text in every field people write, each through the framework's own write; returns what pages need."""
    con = db.connect(path)
    editor, today = make_user("editor"), date.today()
    load_demo(con, make_user("admin"), extras=True)
    vision = get_vision(con, "DEMO")
    save_vision(con, editor, "DEMO", {**{name: LONG for name in VISION_FIELDS}, "agreed_with": SHORT,
                                      "agreed_on": vision.get("agreed_on")}, expected_version=vision["version"])
    for o in list_outcomes(con, "DEMO").to_dict("records"):
        save_outcome(con, editor, "DEMO", {**o, "title": SHORT, "description": LONG, "ambition_1y": LONG,
                                           "ambition_3y": LONG, "ambition_5y": LONG,
                                           "principles": [int(p) for p in o["principles"]]},
                     expected_version=o["version"])
    for code in ("I01", "I08"):
        ind = get_indicator(con, "DEMO", code)
        save_indicator(con, editor, "DEMO", {**ind, "name": SHORT, "definition": LONG, "source": SHORT,
                                             "owner_partner": SHORT}, expected_version=ind["version"], reason=SHORT)
    period = narrative_periods(con, "DEMO", "I01")["period_label"].iloc[-1]
    add_narrative(con, editor, "DEMO", "I01", {"period_label": period, "happening": LONG, "learning": LONG,
                                               "next_steps": LONG})
    proposal = {"name": SHORT, "why_it_matters": LONG, "who_it_matters_to": SHORT, "how_measured": LONG,
                "outcome_code": "O1"}
    propose_measure(con, make_user("community"), "DEMO", proposal)
    declined = propose_measure(con, make_user("community", "community-2"), "DEMO", proposal)
    decline_proposal(con, editor, "DEMO", declined, LONG)
    demo_round = db.scalar(con, "SELECT max(round_id) FROM priority_round WHERE system_code = 'DEMO'")
    close_priorities(con, editor, "DEMO", demo_round)  # the demo's own open round closes so this one can open
    open_priorities(con, editor, "DEMO", SHORT, today - timedelta(days=1), today + timedelta(days=14))
    save_activity(con, editor, "DEMO", activity(title=SHORT, summary=LONG, lead_partner=SHORT),
                  items=[{"you_said": LONG, "we_did": LONG, "status": "done", "feedback_date": today}])

    statement = statements.save_statement(con, editor, "DEMO", {"text": LONG, "theme": SHORT})
    open_round = review_rounds.create_round(con, editor, "DEMO", {
        "title": LONG, "opens_on": today - timedelta(days=5), "closes_on": today + timedelta(days=14),
        "statements": [statement], "groups": ["community"], "min_group_size": 5})
    invite = review_rounds.invites(con, open_round)["invite_code"].iloc[0]
    round_id = review_rounds.create_round(con, editor, "DEMO", {
        "title": SHORT, "opens_on": today - timedelta(days=1), "closes_on": today + timedelta(days=14),
        "statements": [statement], "groups": ["community", "vcse"], "min_group_size": 5})
    invites = review_rounds.invites(con, round_id)
    codes = dict(zip(invites["group_code"], invites["invite_code"]))
    for group in ("community", "vcse"):
        for score in (1, 2, 3, 4, 5):
            review_rounds.submit_answers(con, codes[group], {statement: {"score": score, "comment": LONG}})
    review_rounds.close_round(con, editor, round_id)
    for key in results.comments_to_review(con, editor, round_id)["comment_key"]:
        results.release_comment(con, editor, round_id, key, LONG)
    discussions.save_notes(con, editor, round_id, statement, LONG)
    discussions.add_action(con, editor, "DEMO", {"action_text": LONG, "owner": SHORT, "status": "open",
                                                 "due_on": today + timedelta(days=30), "statement_code": statement},
                           round_id=round_id)
    con.close()
    return {"invite": invite}


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    return path, _plant(path)


def _markdown_shown(node) -> list[str]:
    """Every piece of Markdown source an AppTest element tree shows: text elements, alerts, headings, captions,
    metric labels, widget labels and options, and the labels of expanders and tabs."""
    found: list[str] = []
    if isinstance(node, (Markdown, HeadingBase, AlertBase)) and not isinstance(node, Code):
        found.append(str(node.value))
    if isinstance(node, (Widget, Metric, Block)) and isinstance(getattr(node, "label", None), str):
        found.append(node.label)
    if isinstance(node, Widget) and node.type == "radio":
        found += [str(o) for o in node.options]
    if isinstance(node, Metric):
        found.append(str(node.value))
    if isinstance(node, Block):
        for child in node.children.values():
            found += _markdown_shown(child)
    return found


# Pages that show planted text in Markdown (the others show it only in tables, charts and form fields): on these
# the escaped text must be there, so the check cannot pass because the text never reached the page.
SHOWS_USER_TEXT = {"home_page", "indicators_page", "insight_page", ("priorities_page", "editor"), "respond_page",
                   "review_results_page", "you_said_page", ("proposals_page", "editor")}
QUERIES = {"indicators_page": {"indicator": "I01"}, "respond_page": {"code": "invite"}}


@pytest.mark.parametrize("page, role", PAGE_ROLES)
def test_no_page_renders_hostile_user_text_as_markdown(monkeypatch, tmp_path, hostile_db, page, role):
    path, planted = hostile_db
    query = {k: planted.get(v, v) for k, v in QUERIES.get(page, {}).items()}
    at = open_app(monkeypatch, copy_db(path, tmp_path), page=page, role=role, query=query)
    assert not at.exception, [e.value for e in at.exception]
    shown = _markdown_shown(at.main) + _markdown_shown(at.sidebar)
    if page in SHOWS_USER_TEXT or (page, role) in SHOWS_USER_TEXT:
        assert any(glue.text(SHORT) in found or glue.text(LONG) in found for found in shown)
    leaks = {text[:160]: rendered_as_markdown(text) for text in shown if rendered_as_markdown(text)}
    assert leaks == {}
