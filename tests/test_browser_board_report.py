"""The Board report in headless Chromium: the page at laptop size, and printed on A4 with only the report on paper,
nothing wider than the printable width, nothing cut off, and every section on some page."""
from __future__ import annotations

from datetime import date

import pytest

from framework.board_report import board_report, quarter_of, report_periods
from framework.board_report_print import PRINTABLE_WIDTH_MM, report_document
from framework.core import db
from framework.demo.system import load_demo
from framework.engagement.activities import save_activity
from tests.browser import SCREENSHOTS, app_opened_at, assert_no_exception, browser_page, next_frame  # noqa: F401
from tests.conftest import make_user
from tests.engagement_fixtures import activity
from tests.pdf_text import read_pdf

LONG_WORD = "Unbroken" * 40
MM_TO_PX = 96 / 25.4
PRINTABLE_PX = PRINTABLE_WIDTH_MM * MM_TO_PX

# Elements of the report wider than the printable width, or whose content is wider than their box (cut off).
OVERFLOWS = """(limit) => {
  const report = document.querySelector('.board-report');
  const left = report.getBoundingClientRect().left;
  const found = [];
  for (const el of [report, ...report.querySelectorAll('*')]) {
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    const cut = el.tagName !== 'svg' && !el.closest('svg') && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0;
    if (box.right - left > limit + 1 || cut) found.push(el.tagName + ': ' + (el.textContent || '').slice(0, 60));
  }
  return found;
}"""


@pytest.mark.browser
def test_the_board_report_prints_on_a4_with_only_the_report_and_nothing_cut_off(browser_page, demo_db_file, tmp_path):
    page = browser_page
    with app_opened_at(page, demo_db_file, tmp_path, "board-report"):
        report = page.locator(".board-report")
        report.wait_for()
        assert_no_exception(page)
        page.locator(".board-report h2", has_text="Progress at 1, 3 and 5 years").scroll_into_view_if_needed()
        next_frame(page)
        page.screenshot(path=str(SCREENSHOTS / "board-report.png"), full_page=False)

        page.emulate_media(media="print")
        page.set_viewport_size({"width": round(PRINTABLE_PX), "height": 1000})
        next_frame(page)
        assert page.locator("[data-testid='stSidebar']").is_hidden()
        assert page.get_by_role("button", name="Prepare the PDF").is_hidden()
        assert report.bounding_box()["width"] <= PRINTABLE_PX + 1
        assert page.evaluate(OVERFLOWS, PRINTABLE_PX) == []

        pdf = read_pdf(page.pdf(format="A4", margin={"top": "16mm", "bottom": "18mm", "left": "15mm",
                                                     "right": "15mm"}))
        whole = " ".join(p["text"] for p in pdf)
        assert len(pdf) >= 2 and all(abs(p["width"] - 595.3) < 1.5 and abs(p["height"] - 841.9) < 1.5 for p in pdf)
        assert pdf[0]["text"].startswith("Northmoor and Vale Health and Care Partnership (demo): board report")
        for title in ("Our vision and outcomes", "Inequality gaps", "You said, we did",
                      "Stakeholder review: where groups see things differently"):
            assert title in whole
        assert "Prepare the PDF" not in whole and "Board report" not in whole.replace("board report", "")


@pytest.fixture(scope="module")
def full_report_db(tmp_path_factory):
    """The demo with its engagement log and reviews, and a "you said" item of one long unbroken word this quarter."""
    path = tmp_path_factory.mktemp("full-report") / "report.duckdb"
    con = db.connect(path)
    load_demo(con, make_user("admin"), extras=True)
    today = date.today()
    save_activity(con, make_user("editor"), "DEMO", activity(title="W" * 110, start_date=today, end_date=today),
                  items=[{"you_said": LONG_WORD, "we_did": LONG_WORD, "status": "done", "feedback_date": today}])
    con.close()
    return path


@pytest.mark.browser
def test_the_pdf_document_fits_the_printable_width_of_a4_with_every_table_and_a_long_word(browser_page,
                                                                                          full_report_db):
    con = db.connect(full_report_db)
    period = next(p for p in report_periods(date(2023, 4, 1), date.today()) if p.end == date(2026, 6, 30))
    sections = board_report(con, make_user("viewer"), "DEMO", period)
    this_quarter = board_report(con, make_user("viewer"), "DEMO", quarter_of(date.today()))
    con.close()
    assert all(s.tables for s in sections[:5]) and len(sections[5].tables) == 2  # agenda and actions
    page = browser_page
    page.set_viewport_size({"width": round(PRINTABLE_PX), "height": 1050})
    page.emulate_media(media="print")
    page.set_content(report_document("Board report", this_quarter, date.today()))
    assert LONG_WORD in page.locator(".board-report").inner_text()
    assert page.evaluate(OVERFLOWS, PRINTABLE_PX) == []
    page.add_style_tag(content=".board-report td { overflow-wrap: normal !important; }")
    assert page.evaluate(OVERFLOWS, PRINTABLE_PX) != []  # the check sees a word that would be cut off
    document = report_document("Board report", sections, date.today())
    page.set_content(document)
    assert page.evaluate(OVERFLOWS, PRINTABLE_PX) == []
    page.screenshot(path=str(SCREENSHOTS / "board-report-printed-whole.png"), full_page=True)
    page.set_viewport_size({"width": 794, "height": 1123})  # one A4 page at 96 dots an inch, with its margins
    page.add_style_tag(content="body { padding: 16mm 15mm; box-sizing: border-box; }")
    next_frame(page)
    page.screenshot(path=str(SCREENSHOTS / "board-report-pdf-page.png"), full_page=False)
