"""The SPC chart and the variation and assurance matrix in headless Chromium at laptop size: drawn, named in words
in the legend, and without an exception box."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import (  # noqa: F401
    SCREENSHOTS,
    app_opened_at,
    assert_no_exception,
    browser_page,
    next_frame,
    rerun_after,
    wait_for_app,
)


@pytest.mark.browser
def test_a_person_turns_on_the_spc_chart_and_reads_its_limits_points_and_icons(browser_page, demo_db_file, tmp_path):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "indicators?indicator=I17") as url:
        page.get_by_text("Show the SPC chart (Making Data Count)").wait_for()
        rerun_after(page, lambda: page.get_by_text("Show the SPC chart (Making Data Count)").click())
        page.get_by_text("Variation:").first.wait_for()
        chart = page.locator(".js-plotly-plot").nth(1)
        chart.wait_for()
        for legend in ("Centre (mean)", "Process limits", "Two-sigma lines", "Special cause: improvement",
                       "Special cause: concern"):
            expect(chart.locator(".legendtext").filter(has_text=legend).first).to_be_attached()
        expect(chart.get_by_text("Upper process limit")).to_have_count(1)
        assert_no_exception(page)
        chart.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-spc.png"), full_page=False)

        page.goto(f"{url}/indicators?indicator=I08")
        wait_for_app(page)
        toggle = page.get_by_text("Show the SPC chart (Making Data Count)")
        toggle.wait_for()
        rerun_after(page, toggle.click)
        note = page.get_by_text("fewer than the 15 that Making Data Count asks for")
        note.wait_for()
        run_chart = page.locator(".js-plotly-plot").nth(1)
        expect(run_chart.locator(".legendtext").filter(has_text="Median").first).to_be_attached()
        run_chart.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-spc-run-chart.png"), full_page=False)

        page.goto(f"{url}/progress")
        wait_for_app(page)
        heading = page.get_by_text("Variation and assurance (Making Data Count)")
        heading.wait_for()
        heading.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "progress-spc-matrix.png"), full_page=False)
        assert_no_exception(page)
