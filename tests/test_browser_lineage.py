"""The footprint and its former ICBs on the indicator page in headless Chromium at laptop size: each former ICB a
labelled line of its own, the break marked and named, the words under the chart, and no exception box."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, next_frame  # noqa: F401
from tests.test_lineage import build_ssx_database


@pytest.mark.browser
def test_a_community_member_reads_the_former_icbs_beside_the_footprint_with_the_break_marked(browser_page, tmp_path):
    page = browser_page
    (tmp_path / "source").mkdir()
    source = build_ssx_database(tmp_path / "source" / "ssx.duckdb", tmp_path, frimley=True)
    with app_opened_at(page, source, tmp_path, "indicators?indicator=FT91547"):
        heading = page.get_by_text("NHS Surrey and Sussex and the former ICBs before it", exact=True)
        heading.wait_for()
        chart = page.locator(".js-plotly-plot").filter(has_text="took over").first
        chart.wait_for()
        for legend in ("Surrey Heartlands (E54000063), 2023/24 Q1 to 2025/26 Q4",
                       "Frimley (E54000034), 2022/23 Q1 to 2025/26 Q2, only part of it is now in NHS Surrey and Sussex",
                       "NHS Surrey and Sussex (E54000069)"):
            expect(chart.locator(".legendtext").filter(has_text=legend).first).to_be_attached()
        expect(chart.get_by_text("1 Apr 2026: NHS Surrey and Sussex took over")).to_have_count(1)
        expect(page.get_by_text("The figures are not combined", exact=False).first).to_be_visible()
        assert_no_exception(page)
        heading.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-former-icbs.png"), full_page=False)
        page.get_by_text("The figures are not combined", exact=False).first.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-former-icbs-words.png"), full_page=False)
