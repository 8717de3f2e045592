"""The board report: its sections in order, progress judged at the end of the chosen quarter, only suppressed review
aggregates and no single answer, user text kept as text in the HTML and the PDF, and a PDF that is A4 throughout
and can be read back."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from framework.board_report import SECTIONS, Period, board_report, quarter_of, report_periods
from framework.board_report_print import board_report_pdf, page_html, report_document
from framework.core import db
from framework.core.atomic_file import CannotWrite
from framework.demo.system import load_demo
from framework.engagement.activities import save_activity
from framework.foundation.vision import VISION_FIELDS, get_vision, save_vision
from framework.reviews import rounds as review_rounds
from framework.reviews import statements
from tests.browser import CHROMIUM
from tests.conftest import make_user
from tests.engagement_fixtures import activity
from tests.pdf_text import read_pdf

HOSTILE = "<script>alert('x')</script> =HYPERLINK(\"http://evil.example\") **bold** [x](https://evil.example)"
SECRET = "Only-one-person-wrote-this-comment"
TODAY = date.today()


@pytest.fixture(scope="module")
def report_db(tmp_path_factory) -> Path:
    """The demo with its engagement log and reviews, hostile text in the vision and a "you said" item, and a round
    closed early this quarter (it was to close in the next) where one group is too small to show and every answer
    carries a comment."""
    path = tmp_path_factory.mktemp("report") / "report.duckdb"
    con = db.connect(path)
    editor = make_user("editor")
    load_demo(con, make_user("admin"), extras=True)
    vision = get_vision(con, "DEMO")
    save_vision(con, editor, "DEMO", {**{name: vision.get(name) for name in VISION_FIELDS}, "statement": HOSTILE,
                                      "agreed_on": vision.get("agreed_on")}, expected_version=vision["version"])
    save_activity(con, editor, "DEMO", activity(title="Hostile drop-in", start_date=TODAY, end_date=TODAY),
                  items=[{"you_said": HOSTILE, "we_did": "We listened", "status": "done", "feedback_date": TODAY}])
    statement = statements.save_statement(con, editor, "DEMO", {"text": "Partners listen to us", "theme": "Voice"})
    round_id = review_rounds.create_round(con, editor, "DEMO", {
        "title": "Winter check-in", "opens_on": TODAY - timedelta(days=1), "closes_on": TODAY + timedelta(days=60),
        "statements": [statement], "groups": ["community", "vcse", "healthwatch"], "min_group_size": 5})
    codes = dict(zip(*review_rounds.invites(con, round_id)[["group_code", "invite_code"]].T.values))
    for group, scores in (("community", [1, 1, 2, 2, 1]), ("vcse", [5, 5, 4, 5, 5]), ("healthwatch", [3, 4])):
        for score in scores:
            review_rounds.submit_answers(con, codes[group], {statement: {"score": score, "comment": SECRET}})
    review_rounds.close_round(con, editor, round_id)
    con.close()
    return path


def _text(sections) -> str:
    parts = []
    for s in sections:
        parts += [s.title, *s.paragraphs]
        for caption, frame in s.tables:
            parts += [caption, *map(str, frame.columns), *(str(v) for v in frame.to_numpy().ravel())]
    return "\n".join(parts)


def test_quarters_run_from_the_framework_start_to_today_newest_first():
    periods = report_periods(date(2025, 5, 10), date(2026, 2, 3))
    assert [p.label for p in periods] == ["January to March 2026", "October to December 2025",
                                          "July to September 2025", "April to June 2025"]
    assert periods[0] == Period("January to March 2026", date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_of(date(2026, 12, 31)).end == date(2026, 12, 31)


def test_the_report_has_every_section_in_order_each_from_one_function(report_db):
    con = db.connect(report_db)
    sections = board_report(con, make_user("viewer"), "DEMO", quarter_of(TODAY))
    con.close()
    assert len(sections) == len(SECTIONS)
    assert [s.title for s in sections] == [
        "Our vision and outcomes", "Progress at 1, 3 and 5 years", "Variation and assurance (Making Data Count)",
        "Inequality gaps", "You said, we did", "Stakeholder review: where groups see things differently"]
    progress = sections[1]
    assert [p.split(":")[0] for p in progress.paragraphs[1:]] == [
        "At the 1-year horizon", "At the 3-year horizon", "At the 5-year horizon"]
    assert [label for label, _ in progress.bars.rows] == ["1 year", "3 years", "5 years"]
    assert sections[3].tables and "percentage points" in _text([sections[3]])


def test_progress_is_judged_with_the_data_there_was_at_the_end_of_the_quarter(report_db):
    con = db.connect(report_db)
    viewer = make_user("viewer")
    june = next(p for p in report_periods(date(2023, 4, 1), TODAY) if p.end == date(2026, 6, 30))
    before_any_data = Period("January to March 2020", date(2020, 1, 1), date(2020, 3, 31))
    judged = board_report(con, viewer, "DEMO", june)[1]
    empty = board_report(con, viewer, "DEMO", before_any_data)
    con.close()
    assert "with the data available on 30 June 2026" in judged.paragraphs[0]
    assert empty[1].paragraphs == ["No measure in use has numeric data for Northmoor and Vale Health and Care "
                                   "Partnership ICB (demo) by 31 March 2020."]
    assert empty[4].paragraphs[0].startswith("No engagement activity that ended in January to March 2020")
    assert empty[5].paragraphs == ["No stakeholder review had closed by 31 March 2020."]


def test_you_said_we_did_holds_only_the_activities_that_ended_in_the_quarter(report_db):
    con = db.connect(report_db)
    this_quarter = board_report(con, make_user("viewer"), "DEMO", quarter_of(TODAY))[4]
    con.close()
    table = this_quarter.tables[0][1]
    ends = [re.search(r"\((\d\d \w\w\w \d{4})\)$", a).group(1) for a in table["Activity"]]
    quarter = quarter_of(TODAY)
    assert all(quarter.start <= date.fromisoformat(f"{d[-4:]}-{_month(d[3:6])}-{d[:2]}") <= quarter.end for d in ends)
    assert HOSTILE in set(table["You said"])


def _month(abbrev: str) -> str:
    return f"{['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].index(abbrev) + 1:02d}"


def test_the_review_section_shows_only_shown_groups_and_never_a_comment_or_a_count_of_people(report_db):
    con = db.connect(report_db)
    review = board_report(con, make_user("viewer"), "DEMO", quarter_of(TODAY))[5]
    con.close()
    assert review.paragraphs[0].startswith(f"Winter check-in, closed on {TODAY.day} {TODAY:%B %Y}.")  # closed early
    agenda = review.tables[0][1]
    assert [row[0] for row in review.spread.rows] == list(agenda["Code"])[:5]
    assert all(low <= high for _, _, low, _, high in review.spread.rows)
    shown = set(agenda["Most agree (mean)"]) | set(agenda["Least agree (mean)"])
    assert any(s.startswith("VCSE") for s in shown) and any(s.startswith("Community") for s in shown)
    text = _text([review])
    assert "Healthwatch" not in " ".join(shown)  # two people: below the minimum of 5, so hidden
    assert SECRET not in text and "respond" not in text.lower()
    assert not re.search(r"(?<!at least )\b\d+ (people|respondents|answers)\b", text)


def test_user_text_is_escaped_in_the_page_and_never_becomes_markup(report_db):
    con = db.connect(report_db)
    shown = page_html(con, make_user("viewer"), "DEMO", quarter_of(TODAY), made_on=TODAY)
    con.close()
    assert "<script" not in shown and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in shown
    assert "<a " not in shown and "=HYPERLINK(&quot;http://evil.example&quot;)" in shown
    assert "@media print" in shown and "size: A4" in shown


def test_a_viewer_and_an_editor_get_the_same_report(report_db):
    con = db.connect(report_db)
    period = quarter_of(TODAY)
    as_viewer = report_document("T", board_report(con, make_user("viewer"), "DEMO", period), TODAY)
    as_editor = report_document("T", board_report(con, make_user("editor"), "DEMO", period), TODAY)
    con.close()
    assert as_viewer == as_editor


def test_a_system_with_nothing_yet_gets_a_report_that_says_so_in_each_section(con):
    con.execute("INSERT INTO system (system_code, name, framework_start) VALUES ('NEW', 'New system', "
                "DATE '2026-04-01')")
    sections = board_report(con, make_user("viewer"), "NEW", quarter_of(TODAY))
    assert sections[0].paragraphs == ["No vision has been agreed yet."]
    assert all(s.paragraphs for s in sections) and not any(s.bars or s.spread for s in sections)


needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@needs_chromium
def test_the_pdf_is_a4_on_every_page_and_reads_back_with_every_section_and_the_text_as_written(report_db):
    con = db.connect(report_db)
    pdf = board_report_pdf(con, make_user("viewer"), "DEMO", quarter_of(TODAY), made_on=TODAY)
    con.close()
    assert pdf.startswith(b"%PDF-")
    pages = read_pdf(pdf)
    assert len(pages) >= 3
    assert all(abs(p["width"] - 595.3) < 1.5 and abs(p["height"] - 841.9) < 1.5 for p in pages)  # A4 in points
    assert pages[0]["text"].startswith(f"Northmoor and Vale Health and Care Partnership (demo): board report for "
                                       f"{quarter_of(TODAY).label}")
    whole = " ".join(p["text"] for p in pages)
    for title in ("Our vision and outcomes", "Progress at 1, 3 and 5 years", "Inequality gaps", "You said, we did",
                  "The disagreement agenda", "Variation and assurance (Making Data Count)"):
        assert title in whole
    assert "<script>alert('x')</script>" in whole and "=HYPERLINK" in whole
    assert SECRET not in whole
    assert f"Page 1 of {len(pages)}" in whole


def test_without_a_browser_the_pdf_is_refused_in_words(report_db, monkeypatch):
    monkeypatch.setenv("SHARED_MEASURES_CHROMIUM", "/nowhere/chromium")
    con = db.connect(report_db)
    with pytest.raises(CannotWrite, match="Use your browser's Print button"):
        board_report_pdf(con, make_user("viewer"), "DEMO", quarter_of(TODAY))
    con.close()
