"""Formula injection in every download: text that could run as a formula is neutralised in every CSV and workbook
the app writes, line breaks inside fields never start a row, numbers stay numbers; and a meta-test finds any CSV,
workbook or download that bypasses framework.core.safe_text."""
from __future__ import annotations

import ast
import csv
import io
import re
import zipfile
from datetime import date

import openpyxl
import pandas as pd
import pytest

from framework.core.safe_text import csv_bytes, looks_like_formula, neutral_text, printable
from framework.core.safe_workbook import workbook_bytes
from tests.conftest import ROOT

FORMULA_LEADS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1", "\rnew row", "  =HYPERLINK(\"x\")",
                 " \t+1", "\uff1d1+1", "-", "@"]
PLAIN = ["plain text", "3.5", "-3.5", "+44", "1,234", "-1e5", "12%", "", "a=b", "email@example.org", "x - y"]


@pytest.mark.parametrize("text", FORMULA_LEADS)
def test_text_a_spreadsheet_could_run_is_recognised_and_neutralised(text):
    assert looks_like_formula(text)
    assert neutral_text(text) == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_and_numbers_written_as_text_are_left_alone(text):
    assert not looks_like_formula(text)
    assert neutral_text(text) == text


def parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_a_csv_neutralises_formulas_quotes_line_breaks_and_keeps_numbers_as_numbers():
    frame = pd.DataFrame({"note": ["=1+1", "a\rb", "@x", "line\nbreak", None],
                          "value": [-2.5, 1.0, None, 3.0, 4.0],
                          "count": pd.array([1, None, -3, 4, 5], dtype="Int64")})
    data = csv_bytes(frame)
    rows = parse(data)
    assert len(rows) == 6  # a lone CR or a LF inside a field never starts a row
    assert [r[0] for r in rows[1:]] == ["'=1+1", "a\rb", "'@x", "line\nbreak", ""]
    assert [r[1] for r in rows[1:]] == ["-2.5", "1.0", "", "3.0", "4.0"]
    assert "\n-2.5," in data.decode().replace("\r\n", "\n") or ",-2.5," in data.decode()  # a number, unquoted
    assert b'"a\rb"' in data


def test_column_names_that_look_like_formulas_are_neutralised_too():
    assert parse(csv_bytes(pd.DataFrame({"=HYPERLINK(1)": [1]})))[0] == ["'=HYPERLINK(1)"]


def test_a_csv_with_repeated_column_names_is_neutralised_column_by_column():
    frame = pd.DataFrame([["=1", "+A2", 3]], columns=["a", "a", "b"])
    assert parse(csv_bytes(frame)) == [["a", "a", "b"], ["'=1", "'+A2", "3"]]


def test_a_workbook_keeps_formula_like_text_as_quoted_text_and_numbers_as_numbers(tmp_path):
    data = workbook_bytes({"Sheet": pd.DataFrame({"text": ["=1+1", "+A1", "plain"], "n": [-1.5, 2, None]})})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
        styles = z.read("xl/styles.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    assert 'quotePrefix="1"' in styles
    ws = openpyxl.load_workbook(io.BytesIO(data))["Sheet"]
    assert [(c.value, c.data_type) for c in ws["A"][1:]] == [("=1+1", "s"), ("+A1", "s"), ("plain", "s")]
    assert ws["A2"].quotePrefix and not ws["A4"].quotePrefix
    assert (ws["B2"].value, ws["B2"].data_type, ws["B4"].value) == (-1.5, "n", None)


@pytest.mark.parametrize("name, shown", [("a\nerror: x", "a\\nerror: x"), ("\x1b[31mred", "\\x1b[31mred"),
                                         ("bell\x07", "bell\\x07"), ("tab\there", "tab\\there"),
                                         ("rtl\u202eevil", "rtl\\u202eevil"), ("plain name.csv", "plain name.csv"),
                                         ("naïve café.csv", "naïve café.csv")])
def test_names_for_the_terminal_show_control_characters_as_escapes(name, shown):
    assert printable(name) == shown


# ---------------------------------------------------------------- every real download, attacked

EVIL = ["+cmd|' /C calc'!A0", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1", " -1+1"]  # all stored by the import


def _assert_csv_is_safe(data: bytes, expected_rows: int | None = None) -> list[list[str]]:
    rows = parse(data)
    if expected_rows is not None:
        assert len(rows) == expected_rows
    for row in rows:
        for cell in row:
            assert not looks_like_formula(cell), cell
    return rows


def _evil_measurements(con, editor, tmp_path):
    from framework.data_io.importers import import_files
    from framework.foundation.indicators import save_indicator
    from framework.foundation.systems import create_system

    create_system(con, editor, {"system_code": "S", "name": "S", "framework_start": "2020-04-01"})
    save_indicator(con, editor, "S", {"indicator_code": "I1", "name": "Waiting", "direction": "no_judgement",
                                      "kind": "quantitative", "unit": "count"}, is_new=True)
    frame = pd.DataFrame({"system_code": "S", "indicator_code": "I1", "area_code": "E92000001",
                          "period_label": [str(2015 + i) for i in range(len(EVIL))], "value": -1.5,
                          "value_note": EVIL})
    source = tmp_path / "evil.csv"
    frame.to_csv(source, index=False, quoting=csv.QUOTE_ALL)  # the attacker's own file, not the app's output
    import_files(con, editor, [source])


def test_the_public_period_csv_holds_no_formula_and_no_forged_row(con, editor, tmp_path):
    from framework.progress.detail import indicator_progress, period_csv

    _evil_measurements(con, editor, tmp_path)
    detail = indicator_progress(con, "S", "I1", "E92000001")
    rows = _assert_csv_is_safe(period_csv(detail), expected_rows=len(EVIL) + 1)
    notes = [r[rows[0].index("Note")] for r in rows[1:]]
    assert sorted(notes) == sorted("'" + e.lstrip(" ") for e in EVIL)  # the import trims spaces
    values = [r[rows[0].index("Value")] for r in rows[1:]]
    assert set(values) == {"-1.5"}  # a negative number stays a number


def test_skip_invalid_rejects_csv_holds_no_formula(con, editor, tmp_path):
    from framework.data_io.importers import import_files
    from framework.foundation.systems import create_system

    create_system(con, editor, {"system_code": "S", "name": "S", "framework_start": "2020-04-01"})
    source = tmp_path / "bad.csv"
    pd.DataFrame({"system_code": "S", "indicator_code": "NOPE", "area_code": "E92000001",
                  "period_label": "2020", "value": EVIL}).to_csv(source, index=False, quoting=csv.QUOTE_ALL)
    [summary] = import_files(con, editor, [source], skip_invalid=True)
    data = (tmp_path / "bad.rejects.csv").read_bytes()
    assert summary.rows_rejected == len(EVIL)
    rows = _assert_csv_is_safe(data)
    assert any("'+cmd" in cell for row in rows for cell in row)


def test_the_engagement_template_workbook_holds_no_formula(con, editor):
    from framework.engagement.imports import template_workbook
    from framework.foundation.systems import create_system
    from framework.foundation.vision import save_outcome

    create_system(con, editor, {"system_code": "S", "name": "S", "framework_start": "2020-04-01"})
    save_outcome(con, editor, "S", {"outcome_code": "O1", "title": "=HYPERLINK(\"http://x\",\"Click\")",
                                    "ambition_1y": "x", "principles": [1]}, is_new=True)
    data = template_workbook(con, "S")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml
    codes = openpyxl.load_workbook(io.BytesIO(data))["Codes"]
    cells = {c.value: c for row in codes.iter_rows() for c in row if c.value}
    evil = cells["=HYPERLINK(\"http://x\",\"Click\")"]
    assert evil.data_type == "s" and evil.quotePrefix
    log = openpyxl.load_workbook(io.BytesIO(data))["Engagement log"]
    header = [c.value for c in log[1]]
    assert log.cell(2, header.index("Participants") + 1).value == 40  # numbers stay numbers


def test_the_excel_return_keeps_formula_like_text_with_excels_quote_prefix(con, editor, tmp_path):
    from framework.board_return import return_bytes

    _evil_measurements(con, editor, tmp_path)
    data = return_bytes(con, editor, "S")
    notes = pd.read_excel(io.BytesIO(data), sheet_name="Measurements", engine="calamine")["value_note"].dropna()
    assert sorted(notes) == sorted(e.lstrip(" ") for e in EVIL)  # the value is unchanged: it imports back exactly
    cells = [c for c in openpyxl.load_workbook(io.BytesIO(data))["Measurements"]["P"][1:] if c.value]
    assert len(cells) == len(EVIL) and all(c.data_type == "s" and c.quotePrefix for c in cells)


@pytest.mark.parametrize("kind", ["board", "full"])
def test_a_return_built_in_the_background_keeps_formula_like_text_with_excels_quote_prefix(con, editor, tmp_path,
                                                                                         monkeypatch, kind):
    from framework.board_return import start_return
    from framework.data_io import return_jobs

    monkeypatch.setenv("SHARED_MEASURES_RETURNS", str(tmp_path / "returns"))
    _evil_measurements(con, editor, tmp_path)
    job = start_return(con, editor, "S", kind)
    job.thread.join(60)
    data = return_jobs.finished_file(editor, job)()
    notes = pd.read_excel(io.BytesIO(data), sheet_name="Measurements", engine="calamine")["value_note"].dropna()
    expected = sorted(e.lstrip(" ") for e in EVIL)
    assert sorted(notes) == expected if kind == "full" else len(notes) > 0 and set(notes) <= set(expected)
    cells = [c for c in openpyxl.load_workbook(io.BytesIO(data))["Measurements"]["P"][1:] if c.value]
    assert len(cells) == len(notes) and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_a_column_named_by_users_that_looks_like_a_formula_stays_text_in_the_return(con, editor, tmp_path):
    from framework.data_io.excel_return import write_return
    from framework.foundation.systems import create_system
    from framework.progress.sql import progress_table

    create_system(con, editor, {"system_code": "S", "name": "S", "framework_start": "2020-04-01"})
    by_group = pd.DataFrame({"indicator_code": ["I1"], "@group named by a user": [3.5]})  # as the Priorities pivot
    out = tmp_path / "r.xlsx"
    write_return(con, "S", out, progress_table=progress_table, sheets=[("Priorities", lambda c, s: by_group)])
    cell = openpyxl.load_workbook(out)["Priorities"]["B1"]
    assert (cell.value, cell.data_type, bool(cell.quotePrefix)) == ("@group named by a user", "s", True)


# ---------------------------------------------------------------- meta-tests: nothing bypasses the helper

HELPERS = {"framework/core/safe_text.py", "framework/core/safe_workbook.py"}
WRITERS = re.compile(r"\.to_csv\(|\.to_excel\(|ExcelWriter\(|xlsxwriter\.Workbook\(|openpyxl\.Workbook\(|"
                     r"csv\.(?:writer|DictWriter)\(|\.write_string\(|\.write_formula\(|\.write_row\(|"
                     r"\.write_column\(|\bWorkbook\(\)")
SAFE_PRODUCERS = {  # every download's bytes come from one of these, each attacked above
    "period_csv": "test_the_public_period_csv_holds_no_formula_and_no_forged_row",
    "rejects_bytes": "test_skip_invalid_rejects_csv_holds_no_formula",
    "template_workbook": "test_the_engagement_template_workbook_holds_no_formula",
    "return_bytes": "test_the_excel_return_keeps_formula_like_text_with_excels_quote_prefix",
    "finished_file": "test_a_return_built_in_the_background_keeps_formula_like_text_with_excels_quote_prefix",
    "personal_codes_csv": "test_the_mail_merge_file_of_personal_codes_holds_no_formula",
    "board_report_pdf": "test_the_board_report_pdf_shows_user_text_as_text_with_no_link_or_script",
}


def _sources():
    for folder in ("framework", "pages"):
        yield from sorted((ROOT / folder).rglob("*.py"))
    yield ROOT / "app.py"


@pytest.mark.parametrize("text, found", [("frame.to_csv(path)", True), ("df.to_excel(w)", True),
                                         ("pd.ExcelWriter(out)", True), ("ws.write_string(0, 0, x)", True),
                                         ("csv.writer(fh)", True), ("csv_bytes(frame)", False),
                                         ("book.text(ws, 0, 0, x)", False)])
def test_the_writer_detector_finds_csv_and_workbook_writes(text, found):
    assert bool(WRITERS.search(text)) is found


def test_no_csv_or_workbook_is_written_outside_the_neutralising_helper():
    offenders = []
    for path in _sources():
        rel = str(path.relative_to(ROOT))
        if rel in HELPERS:
            continue
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if WRITERS.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == []


def _producer(module: ast.Module, expr: ast.expr) -> str | None:
    """The function whose result a download button offers: a call, glue.read(fn, ...), or a name assigned so."""
    if isinstance(expr, ast.Call):
        func = expr.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name == "read" and expr.args:
            return _producer(module, expr.args[0]) if isinstance(expr.args[0], ast.Call) else getattr(
                expr.args[0], "id", None)
        return name
    if isinstance(expr, ast.Name):
        sources = [node.value for node in ast.walk(module) if isinstance(node, ast.Assign)
                   and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)]
        found = {_producer(module, s) for s in sources}
        return found.pop() if len(found) == 1 else None
    return None


def test_every_download_button_offers_bytes_from_a_producer_that_is_attacked_by_a_test():
    buttons = []
    for path in _sources():
        module = ast.parse(path.read_text())
        for node in ast.walk(module):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "download_button":
                data = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "data"), None)
                buttons.append((path.name, node.lineno, _producer(module, data)))
    assert buttons, "the app offers downloads; the scan must find them"
    unknown = [b for b in buttons if b[2] not in SAFE_PRODUCERS]
    assert unknown == []
    assert all(name in globals() for name in SAFE_PRODUCERS.values())


def test_the_mail_merge_file_of_personal_codes_holds_no_formula():
    from framework.reviews.invitations import personal_codes_csv

    data = personal_codes_csv("=cmd|' /C calc'!A0", "@group\r=evil", ["ABCD-EFGH-JKLM"]).decode("utf-8")
    rows = list(csv.reader(io.StringIO(data)))
    assert len(rows) == 2
    assert rows[1][0].startswith("'=") and rows[1][1].startswith("'@")


def test_the_board_report_pdf_shows_user_text_as_text_with_no_link_or_script():
    from pathlib import Path

    from framework.board_report import Section
    from framework.board_report_print import html_to_pdf, report_document
    from tests.browser import CHROMIUM
    from tests.pdf_text import read_pdf

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    hostile = "<a href='https://evil.example'>click</a> <script>document.title='x'</script> =HYPERLINK(\"x\")"
    table = pd.DataFrame({"You said": [hostile], "We did": ["@SUM(A1)"]})
    pdf = html_to_pdf(report_document(hostile, [Section(hostile, [hostile], [(hostile, table)])], date(2026, 11, 30)))
    assert b"/URI" not in pdf and b"/JavaScript" not in pdf and b"/Annots" not in pdf
    text = read_pdf(pdf)[0]["text"]
    assert text.count("<a href='https://evil.example'>click</a>") == 5 and "@SUM(A1)" in text
