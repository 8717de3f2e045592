"""In Chromium: an editor builds the board return on the Data page, the page stays usable while it is built, and the
finished workbook downloads and opens; a return too big for a workbook is offered as the data pack with the reason.
Screenshots at laptop size."""
from __future__ import annotations

import zipfile

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.apptest_helpers import copy_db
from tests.browser import (  # noqa: F401
    SCREENSHOTS,
    app_opened_at,
    assert_no_exception,
    browser_page,
    next_frame,
    running_app,
    wait_for_app,
)


@pytest.mark.browser
def test_an_editor_builds_the_board_return_and_downloads_it(browser_page, demo_db_file, tmp_path, monkeypatch):
    monkeypatch.setenv("SHARED_MEASURES_RETURNS", str(tmp_path / "returns"))
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "data"):
        page.get_by_role("heading", name="The Excel return").scroll_into_view_if_needed()
        page.get_by_role("button", name="Build the board return").click()
        button = page.get_by_role("button", name="Download the board return")
        button.wait_for(timeout=60_000)
        wait_for_app(page)
        assert_no_exception(page)
        expect(page.get_by_text("The board return is ready")).to_be_visible()
        page.get_by_role("heading", name="The Excel return").scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "data-return-ready.png"), full_page=False)
        with page.expect_download() as download:
            button.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
    assert saved.name == "shared-measures-board-DEMO.xlsx"
    book = openpyxl.load_workbook(saved, read_only=True)
    assert book.sheetnames[:7] == ["Cover", "Vision and outcomes", "Progress", "Indicators", "Areas", "Lists",
                                   "Measurements"]


@pytest.mark.browser
def test_a_return_too_big_for_a_workbook_is_offered_as_the_data_pack_with_the_reason(browser_page, demo_db_file,
                                                                                   tmp_path):
    page = browser_page
    env = {"SHARED_MEASURES_RETURN_MAX_MB": "0.05", "SHARED_MEASURES_RETURNS": str(tmp_path / "returns")}
    with running_app(copy_db(demo_db_file, tmp_path), env) as url:
        page.goto(f"{url}/data")
        wait_for_app(page)
        page.get_by_text("The full data return (Excel): every breakdown and period").click()
        reason = page.get_by_text("more than the 0.1 MB this app builds as a workbook")
        reason.wait_for()
        wait_for_app(page)
        page.get_by_role("button", name="Build the data pack").click()
        button = page.get_by_role("button", name="Download the data pack")
        button.wait_for(timeout=60_000)
        wait_for_app(page)
        assert_no_exception(page)
        reason.scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "data-return-pack.png"), full_page=False)
        with page.expect_download() as download:
            button.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
    assert saved.name == "shared-measures-pack-DEMO.zip"
    assert "measurements.parquet" in zipfile.ZipFile(saved).namelist()
