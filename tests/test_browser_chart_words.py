"""In Chromium at 1366x768: the engagement and review charts each have their sentence underneath, the review heatmap
fits the laptop screen with its group names on top, and the charts' labels fit; a screenshot of each chart."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from framework.core import db
from framework.demo.review import load_demo_reviews
from tests.apptest_helpers import copy_db
from tests.browser import (  # noqa: F401
    SCREENSHOTS,
    VIEWPORT,
    assert_no_exception,
    browser_page,
    next_frame,
    running_app,
    wait_for_app,
)
from tests.conftest import make_user
from tests.engagement_fixtures import ensure_engagement_demo


@pytest.fixture
def charts_db(demo_db_file, tmp_path):
    """The demo with its engagement log and its two finished review rounds."""
    path = copy_db(demo_db_file, tmp_path)
    con = db.connect(path)
    ensure_engagement_demo(con)
    if not con.execute("SELECT count(*) FROM review_round").fetchall()[0][0]:
        load_demo_reviews(con, make_user("editor"))
    con.close()
    return path


def shoot(page, chart, name: str) -> None:
    """Scroll a chart to the top of the screen and take the laptop-sized screen as a user would see it."""
    chart.scroll_into_view_if_needed()
    chart.evaluate("el => el.scrollIntoView({block: 'start'})")
    next_frame(page)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


@pytest.mark.browser
def test_the_engagement_and_review_charts_fit_a_laptop_and_each_says_what_it_shows(browser_page, charts_db):
    page = browser_page
    with running_app(charts_db) as url:
        page.goto(f"{url}/engagement")
        wait_for_app(page)
        plots = page.locator("[data-testid='stPlotlyChart']")
        expect(plots).to_have_count(3)
        for n, (name, words) in enumerate([("chart-words-levels.png", "The commonest level was"),
                                           ("chart-words-reach.png", "The community reached most was"),
                                           ("chart-words-loops.png", "'you said' items have been fed back")]):
            expect(page.get_by_text(words)).to_be_visible()
            shoot(page, plots.nth(n), name)
        assert_no_exception(page)

        page.goto(f"{url}/review-results")
        wait_for_app(page)
        page.get_by_role("tab", name="Statements by group").click()
        heat = page.locator("[data-testid='stPlotlyChart']").first
        heat.wait_for()
        box = heat.bounding_box()
        assert box["height"] <= VIEWPORT["height"] - 100  # the whole heatmap on screen under the page's top bar
        expect(page.get_by_text("rated the statements highest")).to_be_visible()
        # the group names are separate labels above the columns, not one run-together line below them
        ticks = heat.locator(".xtick text")
        names = " | ".join(ticks.all_text_contents())
        assert "VCSE" in names and "Healthwatch" in names and "VCSEHealthwatch" not in names
        tick_top = min(t.bounding_box()["y"] for t in ticks.all())
        cell_top = heat.locator(".heatmaplayer").bounding_box()["y"]
        assert tick_top < cell_top
        shoot(page, heat, "chart-words-heatmap.png")

        page.get_by_role("tab", name="Answers to one statement").click()  # tabs switch without a rerun
        answers = page.locator("[data-testid='stPlotlyChart']").nth(1)
        answers.wait_for()
        expect(page.get_by_text("Commonest answer:")).to_be_visible()
        legend = answers.locator(".legend").bounding_box()
        axis_title = answers.locator(".xtitle").bounding_box()
        assert legend["y"] >= axis_title["y"] + axis_title["height"]  # the legend is under the axis title
        shoot(page, answers, "chart-words-answers.png")

        page.get_by_role("tab", name="Change since last round").click()
        change = page.locator("[data-testid='stPlotlyChart']").nth(2)
        change.wait_for()
        expect(page.get_by_text("Biggest rise:")).to_be_visible()
        shoot(page, change, "chart-words-change.png")
        assert_no_exception(page)

        page.goto(f"{url}/progress")
        wait_for_app(page)
        overview = page.locator("[data-testid='stPlotlyChart']").first
        overview.wait_for()
        shoot(page, overview, "chart-words-progress-overview.png")
        assert_no_exception(page)
