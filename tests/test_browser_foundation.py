"""Every page opened in headless Chromium against a temporary demo database: heading shown, no exception box."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.apptest_helpers import copy_db
from tests.browser import (  # noqa: F401
    LAUNCHERS,
    SCREENSHOTS,
    app_opened_at,
    assert_no_exception,
    browser_page,
    running_app,
    search_catalogue,
    wait_for_app,
)

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
            expect(page.locator("h1").first).to_have_text(heading)
            assert_no_exception(page)
            expect(page.get_by_text("Page not found")).to_have_count(0)
            page.screenshot(path=str(SCREENSHOTS / f"{path or 'home'}.png"), full_page=False)


@pytest.mark.browser
def test_a_person_searches_the_catalogue_and_opens_a_measure(browser_page, demo_db_file, tmp_path):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "indicators"):
        search_catalogue(page, "smoking", "I08: Smoking prevalence")
        page.screenshot(path=str(SCREENSHOTS / "indicators-search.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize("launcher", list(LAUNCHERS))
@pytest.mark.parametrize("path, heading, address", [
    ("framework", "Vision and outcomes", "/framework"),
    ("indicators?indicator=I21", "I21", "/indicators?indicator=I21"),
])
def test_a_shared_link_is_the_first_request_to_a_new_server_and_opens_its_page_without_a_page_not_found_box(
        browser_page, demo_db_file, tmp_path, launcher, path, heading, address):
    page = browser_page
    with running_app(copy_db(demo_db_file, tmp_path), launcher=launcher) as url:
        page.goto(f"{url}/{path}")  # nothing has visited this server before
        wait_for_app(page)
        expect(page.locator("h1, h2").filter(has_text=heading).first).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        expect(page).to_have_url(f"{url}{address}")
        expect(page.locator("[data-testid='stSidebarNav']").get_by_text("Indicators")).to_have_count(1)
        assert_no_exception(page)


@pytest.mark.browser
def test_a_link_to_a_page_that_does_not_exist_says_so_and_opens_home_on_a_new_servers_first_request(
        browser_page, demo_db_file, tmp_path):
    page = browser_page
    with running_app(copy_db(demo_db_file, tmp_path), launcher="streamlit run") as url:
        page.goto(f"{url}/no-such-page")
        wait_for_app(page)
        expect(page.get_by_text("Page not found").first).to_be_visible()
        expect(page.locator("h1").first).to_have_text("Northmoor and Vale Health and Care Partnership (demo)")
