"""A new engagement lead on an empty database, in headless Chromium: the app opens on Start a new system, they pick
their ICB, name the system and land on its Framework page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from framework.core import db
from tests.apptest_helpers import copy_db
from tests.browser import SCREENSHOTS, assert_no_exception, browser_page, rerun_after, running_app, wait_for_app  # noqa: F401


def choose(page, label: str, typed: str, option: str) -> None:
    """Pick an option of a long Streamlit selectbox by typing part of it; the choice runs the page again."""
    box = page.locator("[data-testid='stSelectbox']").filter(has=page.get_by_text(label, exact=True)).first
    wanted = page.get_by_role("option", name=option).first
    for _ in range(5):  # a rerun still finishing can close the list as it opens; open it again
        box.locator("input").click()
        box.locator("input").fill(typed)
        try:
            wanted.wait_for(state="visible", timeout=3000)
            break
        except Exception:
            page.keyboard.press("Escape")
            wait_for_app(page)
    rerun_after(page, wanted.click)


@pytest.mark.browser
def test_an_empty_database_opens_on_start_and_a_new_lead_starts_their_system(browser_page, empty_db_file, tmp_path):
    page = browser_page
    database = copy_db(empty_db_file, tmp_path)
    with running_app(database) as url:
        page.goto(url)
        wait_for_app(page)
        expect(page.locator("h1").first).to_have_text("Start a new system")
        choose(page, "ICB footprint", "South Yorkshire", "NHS South Yorkshire Integrated Care Board · North East and Yorkshire · E54000061")
        expect(page.get_by_text("Sub-ICB locations (4):")).to_be_visible()
        page.get_by_role("textbox", name="System name").fill("South Yorkshire Integrated Care System")
        page.get_by_role("textbox", name="Short code").fill("SYICS")
        page.screenshot(path=str(SCREENSHOTS / "start-system.png"), full_page=False)
        rerun_after(page, page.get_by_role("button", name="Start this system").click)
        expect(page.locator("h1").first).to_have_text("Vision and outcomes")  # the new system's Framework page
        wait_for_app(page)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=30_000)
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / "start-system-framework.png"), full_page=False)
    con = db.connect(database)
    try:
        assert db.read_rows(con, "SELECT system_code, icb_code FROM system") == [
            {"system_code": "SYICS", "icb_code": "E54000061"}]
    finally:
        con.close()
