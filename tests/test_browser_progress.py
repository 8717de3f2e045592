"""The progress pages in headless Chromium at laptop size: charts drawn, summary in words, no exception box."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, next_frame, wait_for_app  # noqa: F401


@pytest.mark.browser
def test_a_person_opens_a_measure_and_sees_its_progress_chart_summary_and_gap(browser_page, demo_db_file, tmp_path):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "indicators?indicator=I01") as url:
        page.get_by_text("Since April 2023 this has risen from 27.9% to 37.3%").wait_for()
        expect(page.locator(".js-plotly-plot")).to_have_count(4)  # progress, the gaps by deprivation and ethnicity, funnel
        chart = page.locator(".js-plotly-plot").first
        for legend in ("Actual value", "Expected path", "Target at each horizon", "Projection from recent trend"):
            expect(chart.get_by_text(legend).first).to_be_visible()
        expect(chart.get_by_text("3-year target 36%")).to_have_count(1)
        assert_no_exception(page)
        chart.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-progress.png"), full_page=False)
        page.locator(".js-plotly-plot").nth(1).scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-gap.png"), full_page=False)

        page.goto(f"{url}/progress?outcome=O3")
        wait_for_app(page)
        page.get_by_text("At the 3-year horizon:").wait_for()
        page.locator(".js-plotly-plot").first.wait_for()
        page.screenshot(path=str(SCREENSHOTS / "progress.png"), full_page=False)
        page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
        for word in ("▲ Ahead", "● On track", "▼ Behind"):
            expect(page.locator(".js-plotly-plot .legendtext").filter(has_text=word).first).to_be_attached()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "progress-chart.png"), full_page=False)
        assert_no_exception(page)
