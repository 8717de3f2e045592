"""In Chromium at laptop size: a link to a measure that is not there says so, 'View as' survives a reload and a
shared link in local mode, and the Glossary and How progress is judged pages open for a community representative."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, wait_for_app  # noqa: F401
from tests.test_browser_measures import _choose, _settle


@pytest.mark.browser
def test_a_link_to_a_measure_that_is_not_there_says_so_and_opens_no_other(browser_page, demo_db_file, tmp_path):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "indicators?indicator=NOPE"):
        _settle(page)
        expect(page.get_by_text("in this link was not found in this system")).to_be_visible()
        expect(page.locator("h2").filter(has_text="I0")).to_have_count(0)
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "indicators-link-not-found.png"), full_page=False)


@pytest.mark.browser
def test_view_as_survives_a_reload_and_a_shared_link_in_local_mode(browser_page, demo_db_file, tmp_path):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "progress") as url:
        _settle(page)
        _choose(page, "View as", "Community representative")
        expect(page).to_have_url(re.compile(r"/progress\?(.+&)?view_as=community(&|$)"))
        page.reload()
        _settle(page)
        expect(page.get_by_text("Acting as Local user · Community representative")).to_have_count(1)
        page.goto(f"{url}/engagement?view_as=partner")  # a shared link opens a new session
        _settle(page)
        expect(page.get_by_text("Acting as Local user · Partner organisation")).to_have_count(1)
        expect(page.locator("[data-testid='stSidebarNav']").get_by_text("Record engagement")).to_have_count(1)
        assert_no_exception(page)


@pytest.mark.browser
@pytest.mark.parametrize("path, heading", [("glossary", "Glossary"), ("how-progress-is-judged", "How progress is judged")])
def test_the_help_pages_open_for_a_community_representative(browser_page, demo_db_file, tmp_path, path, heading):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, f"{path}?view_as=community"):
        _settle(page)
        expect(page.locator("h1").first).to_have_text(heading)
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / f"{path}.png"), full_page=False)


@pytest.mark.browser
def test_review_links_start_with_the_address_the_editor_opened_the_app_on(browser_page, demo_db_file, tmp_path):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "review-setup") as url:
        _settle(page)
        page.get_by_role("button", name="Add the starter set").click()
        page.get_by_text("statements in use").wait_for()
        wait_for_app(page)
        page.get_by_role("tab", name="Rounds and invitations").click()
        page.get_by_label("Title").fill("Winter listening round")
        page.get_by_role("button", name="Create round and invite links").click()
        page.get_by_text("The round was created").wait_for()
        wait_for_app(page)
        caption = page.locator("[data-testid='stCaptionContainer']").filter(has_text="Links start with")
        expect(caption).to_contain_text(f"Links start with {url} (from the address you opened the app on")
        assert_no_exception(page)
