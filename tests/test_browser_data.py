"""In Chromium: an editor uploads a bad file and sees the problems before anything is saved, then uploads a good
file, confirms, and sees what the import did; screenshots at laptop size."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, next_frame, wait_for_app  # noqa: F401
from tests.test_import import DATA


@pytest.mark.browser
def test_an_editor_checks_a_bad_file_then_imports_a_good_one(browser_page, demo_db_file, tmp_path):
    page = browser_page
    good = tmp_path / "smoking_2030.csv"
    good.write_text("indicator_code,area_code,period_label,value,lower_ci,upper_ci\n"
                    "I08,DEMO-ICB,2027/28,12.5,12.1,12.9\nI08,DEMO-P01,2027/28,13.0,12.2,13.8\n")
    with app_opened_at(page, demo_db_file, tmp_path, "data"):
        expect(page.locator("h1").first).to_have_text("Data in and out")
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "data.png"), full_page=False)

        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(DATA / "value_checks.csv"))
        page.get_by_text("5 problems in 5 rows. Nothing has been saved.").wait_for()
        wait_for_app(page)
        expect(page.locator("[data-testid='stMetricValue']")).to_have_text(["6", "1", "0", "5"])
        expect(page.locator("[data-testid='stDataFrame']")).to_have_count(2)  # the problems and the history
        page.get_by_text("5 problems in 5 rows. Nothing has been saved.").scroll_into_view_if_needed()
        page.locator("[data-testid='stMain']").evaluate("el => el.scrollBy(0, 250)")
        next_frame(page)
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "data-check-problems.png"), full_page=False)

        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(good))
        page.get_by_text("No problems found. Nothing has been saved yet.").wait_for()
        page.get_by_role("button", name="Import 2 rows").click()
        page.get_by_text("2 new, 0 changed and 0 unchanged rows").wait_for()
        wait_for_app(page)
        assert_no_exception(page)
        page.get_by_text("What the import did").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "data-imported.png"), full_page=False)


@pytest.mark.browser
def test_an_editor_imports_a_national_export_sees_what_was_left_out_and_analysts_get_their_copy(
        browser_page, demo_db_file, tmp_path):
    import duckdb

    from framework.core.analyst_copy import copy_path
    from tests.conftest import reference_file, wait_for_path
    from tests.test_import import FINGERTIPS_NAME

    page = browser_page
    note = "17,535 rows for 7,046 areas outside system DEMO were left out"
    with app_opened_at(page, demo_db_file, tmp_path, "data"):
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            str(reference_file(FINGERTIPS_NAME)))
        page.get_by_text("No problems found. Nothing has been saved yet.").wait_for(timeout=60_000)
        wait_for_app(page)
        page.get_by_text(note).first.scroll_into_view_if_needed()
        next_frame(page)
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "data-footprint.png"), full_page=False)
        page.get_by_role("button", name="Import 92 rows").click()
        page.get_by_text("90 new, 2 changed and 0 unchanged rows").wait_for(timeout=60_000)
        assert_no_exception(page)
        copy = copy_path(tmp_path / demo_db_file.name)
        assert wait_for_path(copy, 60), "the app publishes its analyst copy within a minute of a change"
        with duckdb.connect(str(copy), read_only=True) as reader:  # while the app still holds its database
            regions = reader.execute("SELECT count(*) FROM v_measurement WHERE area_code = 'E40000012'"
                                     " AND indicator_code = 'I08'").fetchall()[0][0]
        assert regions > 0
