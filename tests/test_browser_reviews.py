"""A stakeholder review in headless Chromium: people answer under two group invite codes; nothing is published while
the round is open; once an editor closes it, each group's results appear, rounded."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from framework.core import db
from framework.reviews import rounds as review_rounds
from framework.reviews import statements
from tests.apptest_helpers import copy_db
from tests.browser import SCREENSHOTS, assert_no_exception, browser_page, running_app, wait_for_app  # noqa: F401
from tests.conftest import make_user


def seeded_round(path) -> dict[str, str]:
    """An open round with a minimum group size of 5, and twelve earlier answers from each of two groups."""
    con = db.connect(path)
    editor = make_user("editor")
    statements.add_starter_statements(con, editor, "DEMO")
    round_id = review_rounds.create_round(con, editor, "DEMO", {
        "title": "Browser check-in", "opens_on": date.today() - timedelta(days=1),
        "closes_on": date.today() + timedelta(days=14), "statements": ["S01", "S02"],
        "groups": ["community", "vcse"], "min_group_size": 5})
    codes = dict(zip(*zip(*review_rounds.invites(con, round_id)[["group_code", "invite_code"]].to_numpy())))
    for score in (1, 2, 3, 4, 5, 4, 4, 5, 5, 4, 4, 5):
        review_rounds.submit_answers(con, codes["community"], {"S01": {"score": score}, "S02": {"score": score}})
    for score in (1, 1, 2, 3, 1, 2, 2, 1, 3, 2, 2, 1):
        review_rounds.submit_answers(con, codes["vcse"], {"S01": {"score": score}, "S02": {"score": score}})
    con.close()
    return codes


def answer_in_browser(page, url: str, code: str, choice: str, name: str) -> None:
    page.goto(f"{url}/respond?code={code}")
    wait_for_app(page)
    page.locator("[data-testid='stRadio']").nth(1).wait_for()
    groups = page.locator("[data-testid='stRadio']")
    expect(groups).to_have_count(2)
    options = page.get_by_role("radio", name=choice, exact=True)
    expect(options).to_have_count(2)  # each option is a real radio button with its words as its accessible name
    groups.nth(0).get_by_text(choice, exact=True).click()
    options.nth(1).focus()  # the second answer by keyboard alone
    page.keyboard.press("Space")
    expect(options.nth(0)).to_be_checked()
    expect(options.nth(1)).to_be_checked()
    page.get_by_label("Comment on statement 1 (optional)").fill("Said in the browser.")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Thank you: your answers were saved.").wait_for()
    page.locator("[data-testid='stCode']").first.wait_for()
    wait_for_app(page)
    assert_no_exception(page)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


def results_text(page, url: str, marker: str) -> str:
    page.goto(f"{url}/review-results")
    wait_for_app(page)
    page.get_by_text(marker).first.wait_for()
    assert_no_exception(page)
    return page.locator("[data-testid='stMain']").inner_text()


def close_in_browser(page, url: str) -> None:
    page.goto(f"{url}/review-setup")
    wait_for_app(page)
    page.get_by_role("tab", name="Rounds and invitations").click()
    page.get_by_text("I understand that closing stops anyone").click()
    page.get_by_role("button", name="Close this round now").click()
    page.get_by_text("The round is closed.").wait_for()
    assert_no_exception(page)


@pytest.mark.browser
def test_results_wait_for_the_round_to_close_and_then_show_rounded(browser_page, demo_db_file, tmp_path):
    page = browser_page
    path = copy_db(demo_db_file, tmp_path)
    codes = seeded_round(path)
    with running_app(path) as url:
        text = results_text(page, url, "published when the round closes")
        assert "Results shown for" not in text and "people answered" not in text
        page.screenshot(path=str(SCREENSHOTS / "review-results-hidden.png"), full_page=False)

        answer_in_browser(page, url, codes["community"], "5 Strongly agree", "respond.png")
        answer_in_browser(page, url, codes["vcse"], "2 Disagree", "respond-vcse.png")
        text = results_text(page, url, "published when the round closes")
        assert "Biggest gap:" not in text  # still open: two looks cannot be compared

        close_in_browser(page, url)
        text = results_text(page, url, "Biggest gap:")
        assert "Results shown for: Community members, VCSE." in text
        assert "Community members averaged 4.0 and VCSE 2.0" in text
        page.screenshot(path=str(SCREENSHOTS / "review-results.png"), full_page=True)
