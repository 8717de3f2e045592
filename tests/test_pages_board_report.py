"""The Board report page through the real app: a viewer reads the report for a quarter, the PDF is offered once it
is prepared, and a server without a browser says so in words while the page still shows the report to print."""
from __future__ import annotations

from datetime import date

from framework import board_report_print
from framework.board_report import quarter_of, report_periods
from framework.core.atomic_file import CannotWrite
from tests.apptest_helpers import open_app


def _report_html(at) -> str:
    return "".join(str(getattr(e.proto, "body", "")) for e in at.get("html"))


def test_a_viewer_reads_the_board_report_for_the_latest_complete_quarter_and_the_running_one_is_so_far(
        monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="board_report_page", role="viewer")
    assert not at.exception, [e.value for e in at.exception]
    today = date.today()
    current = quarter_of(today)
    complete = current if current.end <= today else quarter_of(date.fromordinal(current.start.toordinal() - 1))
    assert at.selectbox(key="report.period").value.label == complete.label
    if current.end > today:
        assert f"{current.label} so far" in at.selectbox(key="report.period").options
    shown = _report_html(at)
    assert f"board report for {complete.label}" in shown
    assert "Progress at 1, 3 and 5 years" in shown and "data:image/svg+xml;base64," in shown
    assert not at.get("download_button")  # the PDF is made only when asked for


def test_choosing_an_earlier_quarter_judges_progress_at_its_end(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="board_report_page", role="viewer")
    june = next(p for p in report_periods(date(2023, 4, 1), date.today()) if p.label == "April to June 2026")
    at.selectbox(key="report.period").set_value(june).run()
    assert not at.exception
    assert "with the data available on 30 June 2026" in _report_html(at)


def test_the_pdf_is_offered_once_prepared(monkeypatch, demo_db_file):
    monkeypatch.setattr(board_report_print, "html_to_pdf", lambda document: b"%PDF-1.4 board report")
    at = open_app(monkeypatch, demo_db_file, page="board_report_page", role="community")
    at.button(key="report.prepare_pdf").click().run()
    assert not at.exception
    assert len(at.get("download_button")) == 1


def test_without_a_browser_the_page_says_how_to_print_and_still_shows_the_report(monkeypatch, demo_db_file):
    def refuse(document):
        raise CannotWrite("The PDF could not be made on this server (it needs Chromium). Use your browser's Print "
                          "button on this page and choose Save as PDF instead.")

    monkeypatch.setattr(board_report_print, "html_to_pdf", refuse)
    at = open_app(monkeypatch, demo_db_file, page="board_report_page", role="viewer")
    at.button(key="report.prepare_pdf").click().run()
    assert not at.exception
    assert any("Save as PDF" in e.value for e in at.error)
    assert not at.get("download_button") and "Our vision and outcomes" in _report_html(at)
