"""Comparisons, the funnel plot and the worse-and-getting-worse list in headless Chromium at laptop size."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, next_frame, wait_for_app  # noqa: F401


@pytest.mark.browser
def test_a_community_member_sees_the_comparisons_and_the_funnel_in_words(browser_page, demo_db_file, tmp_path):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "indicators?indicator=I09&peer=DEMO-P02&peer=DEMO-P03") as url:
        heading = page.get_by_text("Compared with England, the region and a peer group")
        heading.wait_for()
        heading.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-comparisons.png"), full_page=False)
        funnel = page.locator(".js-plotly-plot").last
        for legend in ("95% control limits", "99.8% control limits", "Within the 95% limits"):
            expect(funnel.get_by_text(legend).first).to_be_visible()
        expect(page.get_by_text("2 of 4 places lie within the 95% limits around England")).to_be_visible()
        funnel.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-funnel.png"), full_page=False)
        assert_no_exception(page)

        page.goto(f"{url}/progress")
        wait_for_app(page)
        listed = page.get_by_text("Worse than England and getting worse", exact=True)
        listed.wait_for()
        listed.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "progress-worsening.png"), full_page=False)
        assert_no_exception(page)
