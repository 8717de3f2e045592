"""A quarter still running, in headless Chromium at laptop size: drawn hollow, named in the legend, and the data
quality of the measure written beside it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, next_frame  # noqa: F401
from tests.test_pages_periods import with_running_quarter


@pytest.mark.browser
def test_a_person_sees_a_quarter_still_running_drawn_hollow_and_named_so_far(browser_page, demo_db_file, tmp_path):
    page = browser_page
    folder = tmp_path / "with-running-quarter"
    folder.mkdir()
    path = with_running_quarter(demo_db_file, folder, value=24.0)
    with app_opened_at(page, path, tmp_path, "indicators?indicator=I01"):
        page.get_by_text("The figure so far for This quarter is 24%").wait_for()
        chart = page.locator(".js-plotly-plot").first
        expect(chart.get_by_text("So far (period still running)").first).to_be_visible()
        expect(page.get_by_text("Data quality.").first).to_be_visible()
        assert_no_exception(page)
        chart.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-so-far.png"), full_page=False)
        page.get_by_text("measures shown.").first.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicators-data-quality.png"), full_page=False)
        page.get_by_text("In plain English").scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-so-far-summary.png"), full_page=False)
