"""WCAG 2.2 AA in headless Chromium: axe-core checks every page and every tab of the demo with its engagement log and
review, as an editor, a community representative and a viewer; every chart is named by its sentence; and a keyboard
alone answers a review and proposes a measure."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from framework.core import db
from framework.demo.review import load_demo_reviews
from framework.reviews import rounds as review_rounds
from framework.reviews import statements
from tests.apptest_helpers import copy_db
from tests.browser import SCREENSHOTS, assert_no_exception, browser_page, next_frame, running_app, wait_for_app  # noqa: F401
from tests.conftest import ROOT, make_user
from tests.engagement_fixtures import engagement_db_file  # noqa: F401

AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Rules set aside, each only where it says, with the reason beside it. Anything else serious or critical fails.
EXCLUDED = {
    # Streamlit draws its sidebar page list as <ul> holding section headings and <li> items with wrappers between
    # them; the app cannot change that markup. The links themselves are named and reachable by keyboard.
    "list": "[data-testid='stSidebarNav']",
    "listitem": "[data-testid='stSidebarNav']",
}
ROLES = {"editor": "Engagement lead (editor)", "community": "Community representative", "viewer": "Viewer"}
# Every violation of axe's WCAG 2.2 A and AA rules at serious or critical impact, outside the exclusions.
RUN_AXE = """async ([tags, excluded]) => {
  const found = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  const outside = (rule, node) => {
    const where = excluded[rule];
    if (!where) return true;
    const el = document.querySelector(node.target[0]);
    return !(el && el.closest(where));
  };
  return found.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.filter(n => outside(v.id, n)).map(n => n.target.join(" ") + " :: " + n.failureSummary)}))
    .filter(v => v.nodes.length > 0);
}"""


# Every Plotly chart on the page sits in a figure labelled by its visible sentence, and its drawing is an image named
# by the same sentence.
CHARTS_NAMED = """() => [...document.querySelectorAll(".js-plotly-plot")].every(plot => {
  const box = plot.closest("[class*='st-key-chart-']");
  if (!box || box.getAttribute("role") !== "figure") return false;
  const words = document.getElementById(box.getAttribute("aria-labelledby"));
  const drawing = plot.querySelector("svg.main-svg");
  return !!words && words.innerText.trim().length > 20 && !!drawing && drawing.getAttribute("role") === "img"
    && drawing.getAttribute("aria-labelledby") === words.id;
})"""
# Charts to look at as a community representative would, on a laptop.
SCREENSHOTS_OF = {"community / engagement / Activities and measures": ["engagement-levels", "engagement-loops"],
                  "community / review-results / Answers to one statement": ["reviews-distribution"]}


def _seed_open_round(path) -> tuple[int, str]:
    """An open review round on the demo with a group invite code for community members; returns both."""
    con = db.connect(path)
    editor = make_user("editor")
    statements.add_starter_statements(con, editor, "DEMO")
    round_id = review_rounds.create_round(con, editor, "DEMO", {
        "title": "Keyboard check-in", "opens_on": date.today() - timedelta(days=1),
        "closes_on": date.today() + timedelta(days=14), "statements": ["S01", "S02"], "groups": ["community"],
        "min_group_size": 5})
    invites = review_rounds.invites(con, round_id)
    con.close()
    return round_id, str(invites["invite_code"].iloc[0])


def _violations(page) -> list[dict]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, [WCAG_22_AA, EXCLUDED])


def _view_as(page, role_words: str) -> None:
    """Choose a role in the sidebar's View as box, unless the app already acts as that role."""
    acting = page.get_by_text(f"Acting as Local user · {role_words}")
    if acting.count() == 1:
        return
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has=page.get_by_text("View as", exact=True)).locator("input")
    wanted = page.get_by_role("option", name=role_words).first
    for _ in range(5):  # a rerun still finishing can close the list as it opens; open it again
        box.click()
        try:
            wanted.wait_for(state="visible", timeout=3000)
            break
        except Exception:
            page.keyboard.press("Escape")
            _settled(page)
    wanted.click()
    expect(acting).to_have_count(1)
    _settled(page)


def _pages(page) -> list[str]:
    """The addresses of the pages in the sidebar, as the current role sees them."""
    return page.eval_on_selector_all("[data-testid='stSidebarNav'] a", "links => links.map(a => a.href)")


def _at(now: str, address: str) -> bool:
    """Whether the browser's address is the page at `address`, whatever its query string."""
    return now.split("?")[0].rstrip("/") == address.rstrip("/")


def _settled(page) -> None:
    wait_for_app(page)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=30_000)


def _check_every_tab(page, where: str, problems: dict[str, list[dict]]) -> list[str]:
    """Run axe on the page and on each of its tabs; return the names of the views checked."""
    tabs = page.locator("[data-testid='stMain'] [role='tab']")
    names = tabs.all_inner_texts()
    checked = []
    for i, name in enumerate(names or [""]):
        if name:
            tabs.nth(i).click()
            expect(tabs.nth(i)).to_have_attribute("aria-selected", "true")
            _settled(page)
        view = f"{where} / {name}" if name else where
        try:
            page.wait_for_function(CHARTS_NAMED, timeout=10_000)
        except Exception:
            problems[f"{view} (charts)"] = [{"rule": "a chart is not named by its sentence"}]
        for chart in SCREENSHOTS_OF.get(view, []):
            page.locator(f".st-key-chart-{chart}").scroll_into_view_if_needed()
            next_frame(page)
            page.screenshot(path=str(SCREENSHOTS / f"chart-{chart}.png"), full_page=False)
        found = _violations(page)
        if found:
            problems[view] = found
        checked.append(view)
    return checked


@pytest.mark.browser
def test_every_page_and_tab_has_no_serious_accessibility_violation_for_an_editor_a_community_member_and_a_viewer(
        browser_page, engagement_db_file, tmp_path):
    page = browser_page
    problems: dict[str, list[dict]] = {}
    seen: dict[str, list[str]] = {}
    views: list[str] = []
    path = copy_db(engagement_db_file, tmp_path)
    con = db.connect(path)
    load_demo_reviews(con, make_user("editor"))  # the demo review, as `init --demo` gives a newcomer
    con.close()
    with running_app(path) as url:
        page.goto(url)
        _settled(page)
        for role, role_words in ROLES.items():
            _view_as(page, role_words)
            seen[role] = _pages(page)
            for address in seen[role]:
                if not _at(page.url, address):
                    page.locator(f"[data-testid='stSidebarNav'] a[href='{address}']").click()
                    page.wait_for_url(lambda now, address=address: _at(now, address))
                    _settled(page)
                name = address.removeprefix(url).strip("/") or "home"
                assert_no_exception(page)
                views += _check_every_tab(page, f"{role} / {name}", problems)
    assert len(seen["editor"]) >= 15 and len(seen["viewer"]) <= len(seen["community"]) < len(seen["editor"])
    assert problems == {}, json.dumps(problems, indent=1)
    assert set(SCREENSHOTS_OF) <= set(views)
    assert len(views) >= len(seen["editor"]) + len(seen["community"]) + len(seen["viewer"])
    assert {"editor / record-engagement / Bulk load", "editor / review-setup / Rounds and invitations",
            "community / engagement / Community list", "viewer / review-results / Change since last round"} <= set(views)


def _tab_to(page, target, *, most: int = 60) -> None:
    """Press Tab, and nothing else, until `target` has the keyboard focus."""
    target.wait_for()
    for _ in range(most):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


@pytest.mark.browser
def test_a_keyboard_alone_answers_a_review_and_sends_it_with_the_submit_button(browser_page, demo_db_file, tmp_path):
    page = browser_page
    path = copy_db(demo_db_file, tmp_path)
    round_id, code = _seed_open_round(path)
    with running_app(path) as url:
        page.goto(f"{url}/respond?code={code}")
        _settled(page)
        first = page.get_by_role("radio", name="1 Strongly disagree", exact=True)
        expect(first).to_have_count(2)
        _tab_to(page, first.nth(0))
        page.keyboard.press("Space")
        for _ in range(3):
            page.keyboard.press("ArrowRight")  # 2, 3, then 4 Agree
        page.keyboard.press("Tab")
        page.keyboard.type("Said with the keyboard alone.")
        _tab_to(page, first.nth(1))
        page.keyboard.press("Space")
        expect(page.get_by_role("radio", name="4 Agree", exact=True).nth(0)).to_be_checked()
        expect(first.nth(1)).to_be_checked()
        expect(page.get_by_label("Comment on statement 1 (optional)")).to_have_value("Said with the keyboard alone.")
        _tab_to(page, page.get_by_role("button", name="Send my answers"))
        page.keyboard.press("Enter")
        page.get_by_text("Thank you: your answers were saved.").wait_for()
        _settled(page)
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "respond-keyboard.png"), full_page=False)
    con = db.connect(path)
    try:
        saved = con.execute("SELECT a.statement_code, a.score, a.comment FROM review_answer a JOIN review_respondent r"
                            " USING (respondent_id) WHERE r.round_id = ? ORDER BY 1", [round_id]).fetchall()
    finally:
        con.close()
    assert saved == [("S01", 4, "Said with the keyboard alone."), ("S02", 1, None)]


@pytest.mark.browser
def test_a_community_member_proposes_a_measure_with_the_keyboard_alone_and_sees_the_required_fields_first(
        browser_page, demo_db_file, tmp_path):
    page = browser_page
    with running_app(copy_db(demo_db_file, tmp_path)) as url:
        page.goto(f"{url}/proposals")
        _settled(page)
        view_as = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
            has=page.get_by_text("View as", exact=True)).locator("input")
        _tab_to(page, view_as)
        page.keyboard.type("Community")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Acting as Local user · Community representative")).to_have_count(1)
        _settled(page)
        expect(page.get_by_text("Fields marked (required) must be filled in before you send the proposal.")
               ).to_have_count(1)
        page.get_by_label("Name of the measure (required)", exact=True).scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "proposals-required.png"), full_page=False)
        for label, words in [("Name of the measure (required)", "Buses that get people to appointments"),
                             ("Why it matters (required)", "Missed appointments start with missed buses."),
                             ("Who it matters to (required)", "People without a car"),
                             ("How it might be measured (required)", "Appointments missed for transport reasons")]:
            _tab_to(page, page.get_by_label(label, exact=True))
            page.keyboard.type(words)
        outcome = page.locator("[data-testid='stSelectbox']").filter(
            has=page.get_by_text("Which outcome it serves (required)", exact=True)).locator("input")
        _tab_to(page, outcome)
        page.keyboard.type("O2")
        page.keyboard.press("Enter")
        expect(outcome).to_have_value(re.compile(r"^O2\. "))
        _tab_to(page, page.get_by_role("button", name="Send the proposal"))
        page.keyboard.press("Enter")
        page.get_by_text("Your proposal (number 1) is with the engagement team").wait_for()
        _settled(page)
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "proposals-keyboard.png"), full_page=False)
