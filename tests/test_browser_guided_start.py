"""The guided start in headless Chromium: an engagement lead of a new system writes the vision and answers the first
starter question, step by step, on a laptop screen."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from framework.core import db
from framework.foundation.starter_questions import list_questions
from framework.foundation.systems import create_system
from tests.apptest_helpers import copy_db
from tests.browser import (  # noqa: F401
    SCREENSHOTS,
    assert_no_exception,
    browser_page,
    next_frame,
    rerun_after,
    running_app,
    wait_for_app,
)
from tests.conftest import make_user


@pytest.mark.browser
def test_a_new_systems_lead_writes_the_vision_and_answers_the_first_question_step_by_step(
        browser_page, empty_db_file, tmp_path):
    path = copy_db(empty_db_file, tmp_path)
    con = db.connect(path)
    create_system(con, make_user("editor"), {"system_code": "NEWICS", "name": "New ICS",
                                             "framework_start": date(2026, 4, 1)})
    con.close()
    page = browser_page
    with running_app(path) as url:
        page.goto(f"{url}/framework")
        wait_for_app(page)
        expect(page.get_by_role("heading", name="A guided start")).to_be_visible()
        expect(page.get_by_text("Step 1 of 10: The vision")).to_be_visible()
        page.get_by_role("textbox", name="Vision statement").fill("People shape the care they receive.")
        rerun_after(page, lambda: page.get_by_role("button", name="Save and continue").click())
        expect(page.get_by_text("Step 2 of 10: Question 1")).to_be_visible()
        page.get_by_role("textbox", name="Your answer, in the words people used").fill(
            "Fairer health, designed with people, not for them.")
        rerun_after(page, lambda: page.get_by_role("button", name="Save and continue").click())
        expect(page.get_by_text("Step 3 of 10: Question 2")).to_be_visible()
        expect(page.get_by_text("Question 2 of 7. How well are we working with people and communities now?")).to_be_visible()
        assert_no_exception(page)
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "framework-guided-start.png"), full_page=False)
    con = db.connect(path)
    try:
        assert list_questions(con, "NEWICS")["answer"][0] == "Fairer health, designed with people, not for them."
        assert con.execute("SELECT statement FROM vision").fetchall() == [("People shape the care they receive.",)]
    finally:
        con.close()
