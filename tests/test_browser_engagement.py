"""In Chromium: a partner logs an activity with a "you said" item, then finds it through the insight library;
the four engagement pages open without an exception, with screenshots at laptop size."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, next_frame, wait_for_app  # noqa: F401
from tests.engagement_fixtures import engagement_db_file  # noqa: F401


def choose(page, label, option):
    page.get_by_label(label).first.click()
    page.get_by_role("option", name=option).first.click()


@pytest.mark.browser
def test_a_partner_logs_an_activity_with_a_you_said_item_and_finds_it_in_the_insight_library(
        browser_page, engagement_db_file, tmp_path):
    page = browser_page
    with app_opened_at(page, engagement_db_file, tmp_path, "engagement") as url:
        assert page.locator("h1").first.inner_text().strip() == "Engagement log"
        page.get_by_text("36 activities shown.").wait_for()
        page.locator("[data-testid='stMetricValue']").first.wait_for()
        page.locator(".js-plotly-plot").nth(2).wait_for()
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "engagement.png"), full_page=False)
        for n, name in enumerate(["engagement-by-level", "engagement-reach", "engagement-feedback"]):
            page.locator(".js-plotly-plot").nth(n).scroll_into_view_if_needed()
            next_frame(page)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

        page.goto(f"{url}/record-engagement")
        wait_for_app(page)
        assert page.locator("h1").first.inner_text().strip() == "Record engagement"
        page.get_by_label("Title").fill("Barbershop blood pressure sessions")
        page.get_by_role("spinbutton", name="day, Start date").click()
        page.keyboard.type("03102026")
        page.get_by_label("Lead partner organisation").fill("Riverside Community Health Forum")
        choose(page, "Method", "Outreach")
        choose(page, "Level on the spectrum", "Involve: people help shape the options")
        page.get_by_label("Summary of what was heard").fill("Men talked about checks without an appointment.")
        page.get_by_label("You said", exact=True).first.fill("Check blood pressure at the barbers on Saturdays.")
        page.get_by_role("button", name="Log the activity").click()
        page.get_by_text("was logged").wait_for()
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "engagement-logged.png"), full_page=False)

        page.goto(f"{url}/insight-library")
        wait_for_app(page)
        search = page.get_by_label("Search what people said")
        search.fill("barbers saturday")
        search.press("Enter")
        page.get_by_text("1 result.").wait_for()
        wait_for_app(page)  # the run has finished, so the unfiltered list it replaced is gone
        expect(page.get_by_text("Check blood pressure at the barbers on Saturdays.")).to_have_count(1)
        expect(page.get_by_text("Barbershop blood pressure sessions")).to_have_count(1)
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "insight-library.png"), full_page=False)

        page.goto(f"{url}/you-said-we-did")
        wait_for_app(page)
        assert page.locator("h1").first.inner_text().strip() == "You said, we did"
        page.get_by_text("Things you told us").wait_for()
        page.get_by_text("By community").wait_for()
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "you-said-we-did.png"), full_page=False)
