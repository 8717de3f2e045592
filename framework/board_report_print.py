"""The board report laid out for A4: one HTML document with print CSS (A4 pages, 15 mm margins, tables that wrap
inside the printable width, headings kept with what follows), the status chart drawn as SVG with each status named
in words and by pattern as well as colour, and the PDF made from that document by headless Chromium's own print
to PDF. Every value from the database is escaped here, so a name or a comment is always shown as text."""
from __future__ import annotations

import base64
import html
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pandas as pd

from framework.board_report import STATUS_ORDER, Bars, Period, Section, Spread, board_report, report_title
from framework.core.atomic_file import CannotWrite
from framework.core.model import User
from framework.progress.charts import BLUE, STATUS_COLOURS, VERMILION
from framework.progress.engine import STATUS_ICONS, STATUS_WORDS

A4_MARGIN_MM = 15
PRINTABLE_WIDTH_MM = 210 - 2 * A4_MARGIN_MM
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
PDF_SECONDS = 60

CSS = f"""
@page {{ size: A4; margin: 16mm {A4_MARGIN_MM}mm 18mm {A4_MARGIN_MM}mm; }}
.board-report {{ font-family: "Source Sans Pro", "Segoe UI", Arial, sans-serif; font-size: 10.5pt; line-height: 1.4;
  color: #1b1b1b; background: #fff; max-width: {PRINTABLE_WIDTH_MM}mm; box-sizing: border-box; }}
.board-report h1 {{ font-size: 18pt; margin: 0 0 2mm; line-height: 1.2; }}
.board-report h2 {{ font-size: 13.5pt; margin: 6mm 0 2mm; break-after: avoid; page-break-after: avoid; }}
.board-report p {{ margin: 0 0 2mm; overflow-wrap: anywhere; }}
.board-report .meta {{ color: #444; font-size: 9.5pt; }}
.board-report table {{ width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 9pt; margin: 1mm 0 3mm; }}
.board-report caption {{ text-align: left; font-weight: 600; padding: 0 0 1mm; break-after: avoid; }}
.board-report th, .board-report td {{ border: 0.6pt solid #8a8a8a; padding: 1mm 1.4mm; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; word-break: normal; white-space: pre-line; }}
.board-report th {{ background: #eef1f4; }}
.board-report thead {{ display: table-header-group; }}
.board-report tr, .board-report figure {{ break-inside: avoid; page-break-inside: avoid; }}
.board-report figure {{ margin: 2mm 0 3mm; }}
.board-report figcaption {{ font-size: 9.5pt; }}
.board-report figure img {{ width: 100%; height: auto; display: block; }}
.board-report p, .board-report figcaption, .board-report td, .board-report th {{ font-family: inherit; }}
.board-report p {{ font-size: 10.5pt; line-height: 1.4; }}
"""

# On the app's page: print only the report, with the app's sidebar, header and controls left out, and let the
# page's scrolling frame grow so that every page of the report prints.
APP_PRINT_CSS = """
.board-report { margin: 0 auto; padding: 8mm 10mm; border: 1px solid #c8c8c8; }
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stElementContainer"]:not(:has(.board-report)), [data-testid="stSidebarCollapsedControl"]
    { display: none !important; }
  .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"]
    { overflow: visible !important; height: auto !important; position: static !important; padding: 0 !important;
      max-width: none !important; }
  .board-report { border: none; padding: 0; max-width: none; }
}
"""


def _e(value) -> str:
    """A value as HTML text: escaped, and a missing value as a dash."""
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return html.escape(str(value), quote=True)


def _widths(frame: pd.DataFrame) -> list[float]:
    """Each column's share of the width (%): by its typical text length, up to a long sentence's, and never so
    narrow that a word of its heading or cells (up to 18 letters) has to break."""
    weights = []
    for column in frame.columns:
        cells = [str(v) for v in frame[column]]
        lengths = [len(t) for t in cells] or [0]
        word = min(max((len(w) for t in cells for w in t.split()), default=1), 18)
        heading_word = max((len(w) for w in str(column).split()), default=1)  # headings are bold, so wider
        weights.append(min(max(sum(lengths) / len(lengths), 1.15 * word + 3, 1.3 * heading_word + 3), 45))
    return [100 * w / sum(weights) for w in weights]


def _table(caption: str, frame: pd.DataFrame) -> str:
    columns = "".join(f"<col style='width:{w:.1f}%'>" for w in _widths(frame))
    head = "".join(f"<th scope='col'>{_e(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><caption>{_e(caption)}</caption><colgroup>{columns}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


PATTERNS = {  # each status drawn with its own pattern as well as its colour
    "ahead": "<path d='M0,8 L8,0' stroke='#fff' stroke-width='1.6'/>",
    "on_track": "",
    "behind": "<path d='M0,0 L8,8 M0,8 L8,0' stroke='#fff' stroke-width='1.3'/>",
    "not_enough_data": "<circle cx='4' cy='4' r='1.4' fill='#333'/>",
    "no_target": "<path d='M0,4 L8,4' stroke='#444' stroke-width='1.2'/>",
}


def bars_svg(bars: Bars) -> str:
    """A stacked bar for each horizon, each part labelled with its number, and a legend in words."""
    left, width, row_h = 70, 560, 34
    defs = "".join(f"<pattern id='p-{s}' width='8' height='8' patternUnits='userSpaceOnUse'>"
                   f"<rect width='8' height='8' fill='{STATUS_COLOURS[s]}'/>{PATTERNS[s]}</pattern>"
                   for s in STATUS_ORDER)
    parts = []
    for i, (label, counts) in enumerate(bars.rows):
        y, total, x = 8 + i * row_h, sum(counts.values()) or 1, float(left)
        parts.append(f"<text x='{left - 8}' y='{y + 17}' text-anchor='end' font-size='12'>{_e(label)}</text>")
        for status in STATUS_ORDER:
            n = counts.get(status, 0)
            if not n:
                continue
            w = width * n / total
            parts.append(f"<rect x='{x:.1f}' y='{y}' width='{w:.1f}' height='24' fill='url(#p-{status})' "
                         f"stroke='#000' stroke-width='0.5'><title>{n} {STATUS_WORDS[status].lower()}</title></rect>")
            if w >= 20:
                parts.append(f"<text x='{x + w / 2:.1f}' y='{y + 17}' text-anchor='middle' font-size='12' "
                             "font-weight='700' fill='#000' stroke='#fff' stroke-width='3' paint-order='stroke'>"
                             f"{n}</text>")
            x += w
    legend_y = 8 + len(bars.rows) * row_h + 6
    legend, lx = [], float(left)
    for status in STATUS_ORDER:
        words = f"{STATUS_ICONS[status]} {STATUS_WORDS[status]}"
        legend.append(f"<rect x='{lx:.0f}' y='{legend_y}' width='14' height='14' fill='url(#p-{status})' "
                      f"stroke='#000' stroke-width='0.5'/><text x='{lx + 19:.0f}' y='{legend_y + 12}' "
                      f"font-size='11.5'>{_e(words)}</text>")
        lx += 34 + 6.4 * len(words)
    height = legend_y + 22
    return (f"<svg viewBox='0 0 640 {height}' role='img' aria-label='{_e(bars.title)}. {_e(bars.sentence)}' "
            f"xmlns='http://www.w3.org/2000/svg' font-family='Arial, sans-serif'><defs>{defs}</defs>"
            f"{''.join(parts)}{''.join(legend)}</svg>")


def spread_svg(spread: Spread) -> str:
    """For each statement a line from the least to the most agreeing group's mean, each end named in words."""
    x0, x1, row_h, top = 70.0, 610.0, 44, 6

    def x(mean: float) -> float:
        return x0 + (x1 - x0) * (min(max(mean, 1.0), 5.0) - 1) / 4

    parts = []
    for i, (code, low_group, low, high_group, high) in enumerate(spread.rows):
        y = top + i * row_h + 30
        lx, hx = x(low), x(high)
        low_text, high_text = f"{low_group} {low:.1f}", f"{high_group} {high:.1f}"
        low_anchor = ("end", lx + 4) if lx - 6.2 * len(low_text) > 0 else ("start", lx - 4)
        high_anchor = ("start", hx - 4) if hx + 6.2 * len(high_text) < 640 else ("end", hx + 4)
        parts.append(
            f"<text x='0' y='{y + 4}' font-size='12' font-weight='700'>{_e(code)}</text>"
            f"<line x1='{lx:.1f}' y1='{y}' x2='{hx:.1f}' y2='{y}' stroke='#555' stroke-width='3'/>"
            f"<circle cx='{lx:.1f}' cy='{y}' r='6' fill='{VERMILION}' stroke='#000' stroke-width='0.6'/>"
            f"<rect x='{hx - 6:.1f}' y='{y - 6}' width='12' height='12' fill='{BLUE}' stroke='#000' "
            "stroke-width='0.6'/>"
            f"<text x='{low_anchor[1]:.1f}' y='{y - 11}' text-anchor='{low_anchor[0]}' font-size='11'>"
            f"{_e(low_text)}</text><text x='{high_anchor[1]:.1f}' y='{y - 11}' text-anchor='{high_anchor[0]}' "
            f"font-size='11'>{_e(high_text)}</text>")
    axis_y = top + len(spread.rows) * row_h + 12
    ticks = "".join(f"<line x1='{x(v):.1f}' y1='{axis_y - 4}' x2='{x(v):.1f}' y2='{axis_y + 2}' stroke='#000'/>"
                    f"<text x='{x(v):.1f}' y='{axis_y + 15}' text-anchor='middle' font-size='11'>{v}</text>"
                    for v in range(1, 6))
    legend_y = axis_y + 34
    legend = (f"<text x='{x0}' y='{legend_y}' font-size='11'>1 = strongly disagree, 5 = strongly agree.</text>"
              f"<circle cx='{x0 + 250}' cy='{legend_y - 4}' r='5' fill='{VERMILION}' stroke='#000' stroke-width='0.6'/>"
              f"<text x='{x0 + 260}' y='{legend_y}' font-size='11'>Least agreeing group</text>"
              f"<rect x='{x0 + 390}' y='{legend_y - 9}' width='10' height='10' fill='{BLUE}' stroke='#000' "
              f"stroke-width='0.6'/><text x='{x0 + 405}' y='{legend_y}' font-size='11'>Most agreeing group</text>")
    return (f"<svg viewBox='0 0 640 {legend_y + 8}' role='img' aria-label='{_e(spread.title)}. {_e(spread.sentence)}'"
            f" xmlns='http://www.w3.org/2000/svg' font-family='Arial, sans-serif'>"
            f"<line x1='{x0}' y1='{axis_y}' x2='{x1}' y2='{axis_y}' stroke='#000'/>{ticks}{''.join(parts)}{legend}"
            "</svg>")


def _figure(svg: str, title: str, sentence: str) -> str:
    """A chart as an image (the app's page shows images, not inline SVG) with its title and sentence beneath, and
    the same words as its alternative text."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f"<figure><img src='data:image/svg+xml;base64,{data}' alt='{_e(title)}. {_e(sentence)}'>"
            f"<figcaption>{_e(title)}. {_e(sentence)}</figcaption></figure>")


def _section(section: Section) -> str:
    out = [f"<section><h2>{_e(section.title)}</h2>"]
    out += [f"<p>{_e(p)}</p>" for p in section.paragraphs]
    if section.bars is not None:
        out.append(_figure(bars_svg(section.bars), section.bars.title, section.bars.sentence))
    if section.spread is not None:
        out.append(_figure(spread_svg(section.spread), section.spread.title, section.spread.sentence))
    out += [_table(caption, frame) for caption, frame in section.tables]
    return "".join(out) + "</section>"


def report_body(title: str, sections: list[Section], made_on: date) -> str:
    """The report as one <div class='board-report'>, to show on a page or print."""
    return (f"<div class='board-report'><h1>{_e(title)}</h1><p class='meta'>Made by Shared Measures on "
            f"{made_on:%d %B %Y}. Review results are shown only in aggregate, for groups large enough to keep "
            "answers confidential.</p>" + "".join(_section(s) for s in sections) + "</div>")


def report_document(title: str, sections: list[Section], made_on: date) -> str:
    """The report as a whole HTML document laid out for A4."""
    return (f"<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>{_e(title)}</title>"
            f"<style>{CSS}body {{ margin: 0; }}</style></head><body>{report_body(title, sections, made_on)}</body>"
            "</html>")


def page_html(con, user: User, system_code: str, period: Period, made_on: date | None = None) -> str:
    """The report to show on the app's page, with its print CSS."""
    title = report_title(con, system_code, period)
    body = report_body(title, board_report(con, user, system_code, period), made_on or date.today())
    return f"<style>{CSS}{APP_PRINT_CSS}</style>{body}"


def chromium_path() -> str | None:
    """The Chromium the PDF is printed with: SHARED_MEASURES_CHROMIUM, else the system's own, else none."""
    named = os.environ.get("SHARED_MEASURES_CHROMIUM")
    if named:
        return named
    found = next((p for p in CHROMIUM_PATHS if os.path.exists(p)), None)
    return found or shutil.which("chromium")


def _print_pdf(document: str, executable: str | None) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.set_content(document, wait_until="load")
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                            display_header_footer=True, header_template="<span></span>",
                            footer_template="<div style='font-size:8pt;width:100%;text-align:center;color:#555'>"
                                            "Page <span class='pageNumber'></span> of <span class='totalPages'></span>"
                                            "</div>")
        finally:
            browser.close()


def html_to_pdf(document: str) -> bytes:
    """Print an HTML document to A4 PDF with headless Chromium. It runs on a worker thread of its own, so that it
    works from inside the app's script as well as from the command line."""
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(_print_pdf, document, chromium_path()).result(timeout=PDF_SECONDS)
    except Exception as exc:  # no browser here, or it failed: say so in words
        raise CannotWrite("The PDF could not be made on this server (it needs Chromium). Use your browser's "
                          "Print button on this page and choose Save as PDF instead.") from exc


def board_report_pdf(con, user: User, system_code: str, period: Period, made_on: date | None = None) -> bytes:
    """The board report for a period as an A4 PDF, for a download button."""
    title = report_title(con, system_code, period)
    sections = board_report(con, user, system_code, period)
    return html_to_pdf(report_document(title, sections, made_on or date.today()))
