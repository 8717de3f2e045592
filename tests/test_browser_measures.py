"""In Chromium: a community member proposes a measure (through View as), an editor accepts it, and it appears in the
Indicators catalogue; and each measures-that-matter page opens with its heading and no exception."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from framework.core import db
from framework.foundation.indicators import get_indicator, save_indicator
from framework.measures.priorities import cast_ballot, close_round, open_round
from framework.measures.proposals import decline_proposal, propose_measure
from tests.apptest_helpers import copy_db
from tests.browser import (  # noqa: F401
    SCREENSHOTS,
    VIEWPORT,
    app_opened_at,
    assert_no_exception,
    browser_page,
    next_frame,
    rerun_after,
    running_app,
    search_catalogue,
    wait_for_app,
)
from tests.conftest import make_user


def _settle(page) -> None:
    """Wait until the script has run and its widgets are drawn, not just their placeholders."""
    wait_for_app(page)
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").last.wait_for(state="visible")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=30_000)


def _choose(page, label: str, option: str, *, in_form: bool = False) -> None:
    """Pick an option in a Streamlit selectbox by its label; outside a form the choice runs the page again."""
    box = page.locator("[data-testid='stSelectbox']").filter(has=page.get_by_text(label, exact=True)).first
    wanted = page.get_by_role("option", name=option).first
    for _ in range(5):  # a rerun still finishing can close the list as it opens; open it again
        box.locator("input").click()
        try:
            wanted.wait_for(state="visible", timeout=3000)
            break
        except Exception:
            page.keyboard.press("Escape")
            wait_for_app(page)
    if in_form:
        wanted.click()
        expect(page.get_by_role("option", name=option)).to_have_count(0)  # the list has closed on the choice
        return
    rerun_after(page, wanted.click)
    _settle(page)


@pytest.mark.browser
def test_a_community_member_proposes_a_measure_an_editor_accepts_it_and_it_is_in_the_catalogue(
        browser_page, demo_db_file, tmp_path):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "proposals") as url:
        _settle(page)
        _choose(page, "View as", "Community representative")
        expect(page.get_by_text("Acting as Local user · Community representative")).to_have_count(1)
        page.get_by_label("Name of the measure").fill("Carers who feel listened to by services")
        page.get_by_label("Why it matters").fill("Carers hold families together and are rarely asked.")
        page.get_by_label("Who it matters to").fill("Unpaid carers")
        page.get_by_label("How it might be measured").fill("Carers answering 'always' in the annual carers survey")
        _choose(page, "Which outcome it serves (required)", "O1. People's voices shape decisions", in_form=True)
        page.get_by_role("button", name="Send the proposal").click()
        page.get_by_text("Your proposal (number 1) is with the engagement team").wait_for()
        wait_for_app(page)
        expect(page.get_by_text("Review proposals")).to_have_count(0)
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "proposals-community.png"), full_page=False)

        _choose(page, "View as", "Engagement lead (editor)")
        page.get_by_text("Review proposals").wait_for()
        page.get_by_role("button", name="Accept and create the measure").click()
        page.get_by_text("Accepted: Carers who feel listened to by services is now measure I28").wait_for()
        _settle(page)
        page.get_by_text("Accepted: it is now measure I28").first.wait_for(state="attached")  # a grid cell
        page.locator("h2", has_text="You said, we did").scroll_into_view_if_needed()
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "proposals-accepted.png"), full_page=False)

        page.goto(f"{url}/indicators")
        _settle(page)
        search_catalogue(page, "carers who feel", "I28: Carers who feel listened to by services")


def _seed(path) -> None:
    con = db.connect(path)
    editor, today = make_user("editor"), date.today()
    rid = open_round(con, editor, "DEMO", "Spring 2026 priorities", today - timedelta(days=20), today + timedelta(days=5))
    ratings = {"community": {"I01": 5, "I13": 5, "I20": 4, "I08": 2, "I09": 2, "I22": 5},
               "icb": {"I01": 3, "I13": 3, "I20": 2, "I08": 5, "I09": 5, "I22": 3},
               "local_authority": {"I01": 3, "I13": 4, "I20": 3, "I08": 5, "I09": 4, "I22": 2},
               "vcse": {"I01": 5, "I13": 5, "I20": 4, "I08": 3, "I09": 3, "I22": 4}}
    n = 0
    for group, scores in ratings.items():
        for shift in (0, -1, 0) * 3 + (0,):  # ten ballots a group: smaller groups' results are hidden
            n += 1
            cast_ballot(con, make_user("partner", f"person-{n}"), "DEMO", rid, group,
                        {k: max(1, v + shift) for k, v in scores.items()})
    close_round(con, editor, "DEMO", rid)
    ind = get_indicator(con, "DEMO", "I08")
    save_indicator(con, editor, "DEMO", {**ind, "target_3y": 13.9}, reason="The board raised the ambition")
    p = propose_measure(con, make_user("community"), "DEMO", {
        "name": "Young carers known to their school", "why_it_matters": "Young carers miss school and support.",
        "who_it_matters_to": "Young carers", "how_measured": "Schools' young carer registers", "outcome_code": "O2"})
    decline_proposal(con, editor, "DEMO", p, "Schools do not share this yet; we will ask the council to collect it.")
    propose_measure(con, make_user("partner"), "DEMO", {
        "name": "Waiting time for interpreters", "why_it_matters": "Appointments are lost without one.",
        "who_it_matters_to": "People who do not speak English well", "how_measured": "Days from request to booking",
        "outcome_code": "O3"})
    con.close()


PAGES = [("proposals", "Proposed measures"), ("priorities", "Which measures matter most"),
         ("edit-measures", "Edit measures"), ("history", "History of changes")]


@pytest.mark.browser
def test_each_measures_page_opens_with_its_heading_and_no_exception(browser_page, demo_db_file, tmp_path):
    page = browser_page
    path = copy_db(demo_db_file, tmp_path)
    _seed(path)
    with running_app(path) as url:
        for slug, heading in PAGES:
            page.goto(f"{url}/{slug}")
            _settle(page)
            expect(page.locator("h1").first).to_have_text(heading)
            assert_no_exception(page)
            page.screenshot(path=str(SCREENSHOTS / f"{slug}.png"), full_page=False)
        page.goto(f"{url}/priorities")
        _settle(page)
        charts = page.locator("[data-testid='stPlotlyChart']")
        expect(charts).to_have_count(2)  # the community-system difference and the priority by group
        expect(charts.locator(".js-plotly-plot")).to_have_count(2)  # both drawn, not only their frames
        charts.first.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "priorities-results.png"), full_page=False)
        charts.first.screenshot(path=str(SCREENSHOTS / "priorities-difference-chart.png"))
        charts.nth(1).scroll_into_view_if_needed()
        next_frame(page)
        charts.nth(1).screenshot(path=str(SCREENSHOTS / "priorities-group-chart.png"))

        page.goto(f"{url}/indicators?indicator=I08")  # the target change is marked on the progress chart
        _settle(page)
        chart = page.locator("[data-testid='stPlotlyChart']").first
        chart.wait_for(state="visible")
        chart.scroll_into_view_if_needed()
        page.get_by_text("Target changed: 3-year 14.5 to 13.9").first.wait_for()
        next_frame(page)
        chart.screenshot(path=str(SCREENSHOTS / "indicator-target-change.png"))
        assert_no_exception(page)


def _edit_cell(page, row: int, column: int, text: str) -> None:
    """Type into the Edit measures table: row from 0 below the header, column from 0 at Code."""
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 60, box["y"] + 35 + 17)  # the first row's code; the keys scroll the grid
    page.wait_for_function(  # the keys below go to the grid only once it holds the focus
        "() => document.activeElement && document.activeElement.closest(\"[data-testid='stDataFrame']\")")
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # opens the cell's editor
    editor = page.locator("#portal textarea, #portal input").first
    editor.wait_for(state="visible")
    editor.fill(text)
    rerun_after(page, lambda: editor.press("Enter"))  # an edit in the table runs the page again


@pytest.mark.browser
def test_two_editors_save_the_same_measure_and_the_second_sees_what_changed_and_keeps_their_edit(
        browser_page, demo_db_file, tmp_path):
    first = browser_page
    path = copy_db(demo_db_file, tmp_path)
    con = db.connect(path)
    codes = [r[0] for r in con.execute("SELECT indicator_code FROM indicator WHERE system_code = 'DEMO'"
                                       " ORDER BY indicator_code").fetchall()]
    con.close()
    row = codes.index("I08")  # the table lists measures by code
    with running_app(path) as url:
        first.goto(f"{url}/edit-measures")
        _settle(first)
        second = first.context.browser.new_context(viewport=VIEWPORT).new_page()
        second.goto(f"{url}/edit-measures")
        _settle(second)
        _edit_cell(second, row, 7, "Public health team")  # I08's owner
        second.get_by_role("button", name="Save changes").click()
        second.get_by_text("Saved 1 measure: I08.").wait_for(timeout=60_000)  # a save runs the page twice

        _edit_cell(first, row, 1, "Adults who smoke")  # I08's name, in the table opened before that save
        first.get_by_role("button", name="Save changes").click()
        first.get_by_text("I08 was saved by someone else after you opened it").wait_for()
        _settle(first)
        assert_no_exception(first)
        first.screenshot(path=str(SCREENSHOTS / "edit-measures-conflict.png"), full_page=False)
        first.get_by_text("Rows carrying your unsaved edits: I08").wait_for()
        first.get_by_role("button", name="Save changes").click()
        first.get_by_text("Saved 1 measure: I08.").wait_for(timeout=60_000)
        assert_no_exception(first)
