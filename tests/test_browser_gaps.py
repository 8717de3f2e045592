"""The inequality part of the indicator page in headless Chromium at laptop size: the gap as a measure with its
targets and status in words, the slope index of inequality with its interval, and no exception box."""
from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from framework.core import db
from framework.progress.gap_targets import save_gap_measure
from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, next_frame, rerun_after  # noqa: F401
from tests.conftest import make_user


@pytest.mark.browser
def test_a_community_member_reads_the_deprivation_gap_as_a_measure_with_its_status_and_sii(browser_page,
                                                                                          demo_db_file, tmp_path):
    seeded = tmp_path / "seeded"
    seeded.mkdir()
    path = seeded / demo_db_file.name
    shutil.copy(demo_db_file, path)
    con = db.connect(path)
    save_gap_measure(con, make_user("editor"), "DEMO", "I01", {
        "breakdown": "Deprivation", "disadvantaged_group": "Quintile 1 (most deprived)",
        "advantaged_group": "Quintile 5 (least deprived)", "baseline_value": 9, "target_1y": 8, "target_3y": 6,
        "target_5y": 4})
    con.close()
    page = browser_page
    with app_opened_at(page, path, tmp_path, "indicators?indicator=I01"):
        heading = page.get_by_text("Inequality gap by deprivation")
        heading.wait_for()
        expect(page.get_by_text("Status at each horizon").first).to_be_visible()
        expect(page.get_by_text("the slope index of inequality is").first).to_be_attached()
        expect(page.get_by_text("had ethnicity not stated or unknown").first).to_be_attached()
        assert_no_exception(page)
        page.get_by_text("Status at each horizon").first.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "indicator-inequality.png"), full_page=False)


@pytest.mark.browser
def test_an_editor_finds_the_gap_targets_form_and_formula_text_is_refused_in_words(browser_page, demo_db_file,
                                                                                    tmp_path):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "edit-measures"):
        page.get_by_text("Gaps between groups as measures").wait_for()
        page.get_by_role("textbox", name="1-year gap target").fill("=1+1")
        rerun_after(page, lambda: page.get_by_role("button", name="Save the gap measure").click())
        expect(page.get_by_text("1-year gap target must be a number").first).to_be_visible()
        assert_no_exception(page)
        page.get_by_text("Gaps between groups as measures").scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "edit-gap-targets.png"), full_page=False)
