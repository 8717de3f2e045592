"""Every page opened in headless Chromium against a temporary demo database: heading shown, no exception box."""
from __future__ import annotations

import pytest

from tests.apptest_helpers import copy_db
from tests.browser import SCREENSHOTS, assert_no_exception, browser_page, running_app, wait_for_app  # noqa: F401

PAGES = [
    ("", "Northmoor and Vale Health and Care Partnership (demo)"),
    ("indicators", "Indicators"),
    ("framework", "Vision and outcomes"),
]


@pytest.mark.browser
def test_every_page_opens_with_its_heading_and_no_exception(browser_page, demo_db_file, tmp_path):
    page = browser_page
    with running_app(copy_db(demo_db_file, tmp_path)) as url:
        for path, heading in PAGES:
            page.goto(f"{url}/{path}")
            wait_for_app(page)
            assert page.locator("h1").first.inner_text().strip() == heading
            assert_no_exception(page)
            assert page.get_by_text("Page not found").count() == 0
            page.screenshot(path=str(SCREENSHOTS / f"{path or 'home'}.png"), full_page=False)


@pytest.mark.browser
def test_a_person_searches_the_catalogue_and_opens_a_measure(browser_page, demo_db_file, tmp_path):
    page = browser_page
    with running_app(copy_db(demo_db_file, tmp_path)) as url:
        page.goto(f"{url}/indicators")
        wait_for_app(page)
        page.get_by_role("textbox", name="Search").fill("smoking")
        page.get_by_role("textbox", name="Search").press("Enter")
        page.get_by_text("1 measure shown.").wait_for()
        assert "I08: Smoking prevalence" in page.locator("h2").first.inner_text()
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "indicators-search.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize("path", ["framework", "indicators?indicator=I21"])
def test_a_shared_link_opens_its_page_directly_without_a_page_not_found_box(browser_page, demo_db_file, tmp_path, path):
    page = browser_page
    with running_app(copy_db(demo_db_file, tmp_path)) as url:
        page.goto(f"{url}/{path}")
        wait_for_app(page)
        assert page.get_by_text("Page not found").count() == 0
        assert page.locator("[data-testid='stSidebarNav']").get_by_text("Indicators").count() == 1
        assert_no_exception(page)
