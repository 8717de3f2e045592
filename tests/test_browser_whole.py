"""In Chromium: an editor uploads a complete return of a system that exists, reads what it would change before
anything is saved, and applies it; a screenshot at laptop size."""
from __future__ import annotations

import pytest

from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, next_frame, wait_for_app  # noqa: F401
from tests.test_pages_whole import edited_return


@pytest.mark.browser
def test_an_editor_reads_the_changes_a_return_would_make_then_applies_them(browser_page, demo_db_file, tmp_path):
    page = browser_page
    SCREENSHOTS.mkdir(exist_ok=True)
    file = tmp_path / "demo-return.xlsx"
    file.write_bytes(edited_return(demo_db_file, tmp_path))
    with app_opened_at(page, demo_db_file, tmp_path, "data"):
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(file))
        page.get_by_text("would change system DEMO").wait_for()
        wait_for_app(page)
        assert_no_exception(page)
        page.get_by_text("would change system DEMO").scroll_into_view_if_needed()
        page.locator("[data-testid='stMain']").evaluate("el => el.scrollBy(0, 120)")
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "data-return-changes.png"), full_page=False)
        page.get_by_role("button", name="Apply these changes").click()
        page.get_by_text("What the import did").wait_for()
        wait_for_app(page)
        assert_no_exception(page)
