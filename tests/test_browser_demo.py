"""The full demo in headless Chromium at laptop size: the Priorities, Proposed measures, Answer a review and You said,
we did pages each show something real."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from framework.core import db
from framework.demo.system import load_demo
from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, next_frame  # noqa: F401
from tests.conftest import make_user


@pytest.fixture(scope="module")
def full_demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("showcase") / "demo.duckdb"
    con = db.connect(path)
    load_demo(con, make_user("editor"), extras=True)
    con.close()
    return path


@pytest.mark.browser
@pytest.mark.parametrize("path, shows, shot", [
    ("priorities", "priorities", "demo-priorities.png"),
    ("proposals", "Waiting for review: 2 · Accepted as a new measure: 1 · Merged into an existing measure: 1 · "
                  "Declined: 1", "demo-proposals.png"),
    ("respond", "fictional demo system", "demo-answer-a-review.png"),
    ("you-said-we-did", "You said:", "demo-you-said.png"),
])
def test_a_newcomer_sees_each_demo_page_with_something_real_on_it(browser_page, full_demo_file, tmp_path, path, shows,
                                                                   shot):
    page = browser_page
    with app_opened_at(page, full_demo_file, tmp_path, path):
        found = page.get_by_text(shows).first
        expect(found).to_be_visible()
        found.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / shot), full_page=False)
        assert_no_exception(page)
