"""No raw values anywhere a reader looks: every page of the demo, as every role that sees it (tabs included, since
AppTest runs every tab), and the header row of every download are scanned for "None", "nan", "NaT", "<NA>", raw
timestamps ("00:00:00"), snake_case field names, and numbers shown without a format (a count of 2028 that reads as
a year, a mean of 33.3333). A failure names the page, the role, the element and the text."""
from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pandas as pd
import pytest

from framework.core import db
from framework.core.auth import can
from framework.data_io.system_tables import SYSTEM_TABLES
from tests.apptest_helpers import open_app
from tests.conftest import ROOT, copy_database, make_user
from tests.full_demo import full_demo_db_file  # noqa: F401  (fixture)

RAW_WORDS = re.compile(r"(?<![\w'])(None|nan|NaN|NaT|<NA>)(?![\w'])")
TIMESTAMP = re.compile(r"\d{1,2}:\d{2}:\d{2}")
SNAKE = re.compile(r"(?<![\w./?=&:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./?=&(-])")
ENGLISH_NONE = re.compile(r"\bNone (of|yet|so far|needed|given|recorded|found|was|were|is)\b")
# the import template and the sheets that carry a system whole: their headers are the columns the importer reads
IMPORT_SHEETS = {"Vision and outcomes", "Indicators", "Areas", "Lists"} | {s.sheet for s in SYSTEM_TABLES}


def raw_in_text(text: str) -> list[str]:
    """The raw values a reader would see in a piece of text."""
    text = ENGLISH_NONE.sub("", text)
    text = re.sub(r"`[^`]*`", "", text)  # code spans name files and commands on purpose
    found = [m.group(0) for m in RAW_WORDS.finditer(text)]
    found += [m.group(0) for m in TIMESTAMP.finditer(text)]
    found += [m.group(0) for m in SNAKE.finditer(text)]
    return found


@pytest.mark.parametrize("text, found", [
    ("Lower 95% limit: None", ["None"]), ("value nan", ["nan"]), ("NaT", ["NaT"]), ("<NA>", ["<NA>"]),
    ("2026-06-30 00:00:00", ["00:00:00"]), ("tag_code, is_core20plus5", ["tag_code", "is_core20plus5"]),
    ("None of the groups answered", []), ("Nancy's notes", []), ("30 Jun 2026", []),
    ("see indicators?indicator=I08", []), ("run `python -m framework import file_name.csv`", []),
])
def test_the_raw_value_finder_finds_raw_values_and_leaves_plain_english_alone(text, found):
    assert raw_in_text(text) == found


def _column_config(element) -> dict:
    try:
        return json.loads(element.proto.columns or "{}")
    except ValueError:
        return {}


def raw_in_table(frame: pd.DataFrame, config: dict, order: list[str], placeholder: str | None) -> list[str]:
    """What a reader would see raw in an st.dataframe: its headers, its missing cells (shown as "None" unless the
    table sets a placeholder), timestamps, and numbers without a format."""
    found = []
    columns = [c for c in (order or frame.columns) if c in frame.columns]
    for name in columns:
        settings = config.get(str(name), {})
        if settings.get("hidden"):
            continue
        label = str(settings.get("label") or name)
        found += [f"header {label!r}: {raw}" for raw in raw_in_text(label)]
        values = frame[name]
        if isinstance(values, pd.DataFrame):
            values = values.iloc[:, 0]
        kind = settings.get("type_config", {}).get("type")
        fmt = settings.get("type_config", {}).get("format")
        formatted = bool(fmt) and fmt not in {"plain", "localized"}  # these two show every decimal place
        if placeholder is None and values.isna().any():
            found.append(f"column {label!r}: a missing value shown as None")
        if pd.api.types.is_datetime64_any_dtype(values) and not (kind in {"date", "datetime"} and fmt):
            found.append(f"column {label!r}: a raw timestamp")
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) and not formatted:
            numbers = values.dropna().astype(float)
            if (numbers.round(2) != numbers).any():
                found.append(f"column {label!r}: unrounded numbers such as {numbers.iloc[0]}")
            elif (numbers.abs() >= 1000).any() and not fmt:
                found.append(f"column {label!r}: a number without a thousands separator")
        options = {o.get("value"): o.get("label") for o in settings.get("type_config", {}).get("options", [])
                   if isinstance(o, dict)}
        if options:  # a drop-down column shows each value's label
            values = pd.Series([options.get(v, v) for v in values], dtype=object)
        if (values.dtype == object or pd.api.types.is_string_dtype(values)) and label != "Code":  # codes are codes
            for cell in values.dropna().astype(str).unique()[:500]:
                found += [f"column {label!r}: {raw} in {cell[:60]!r}" for raw in raw_in_text(cell)]
    return found


def raw_on_page(at) -> list[str]:
    """Every raw value visible on a rendered page, each as 'element: what'."""
    found = []
    simple = {"markdown": "value", "caption": "value", "title": "value", "header": "value", "subheader": "value",
              "info": "value", "warning": "value", "success": "value", "error": "value", "text": "value",
              "expander": "label", "tabs": "label"}
    for kind, attribute in simple.items():
        for element in getattr(at, kind):
            text = str(getattr(element, attribute, "") or "")
            found += [f"{kind} {text[:50]!r}: {raw}" for raw in raw_in_text(text)]
    for metric in at.metric:
        text = f"{metric.label} {metric.value}"
        found += [f"metric {metric.label!r}: {raw}" for raw in raw_in_text(text)]
    for widget in ("selectbox", "radio", "multiselect"):
        for element in getattr(at, widget):
            for option in [element.label, *element.options]:
                found += [f"{widget} {element.label!r}: {raw} in {str(option)[:60]!r}"
                          for raw in raw_in_text(str(option))]
    for table in at.dataframe:
        proto = table.proto
        placeholder = proto.placeholder if proto.HasField("placeholder") else None
        found += [f"table: {raw}" for raw in raw_in_table(table.value, _column_config(table),
                                                        list(proto.column_order), placeholder)]
    for table in at.table:
        found += [f"static table: {raw}" for raw in raw_in_table(table.value, {}, [], None)]
    return found


def _pages() -> list[tuple[str, str | None]]:
    """Every page app.py registers, with the permission it needs (None for every role)."""
    source = (ROOT / "app.py").read_text()
    pages = [(m[1], None) for m in re.finditer(r'st\.Page\("pages/(\w+)\.py"', source)]
    pages += [(m[2], m[1]) for m in re.finditer(r'if_allowed\("(\w+)", "pages/(\w+)\.py"', source)]
    return pages


ROLE_PAGES = [(page, role) for page, permission in _pages() for role in ("viewer", "community", "partner", "editor")
              if permission is None or can(make_user(role), permission)]


def test_every_page_of_the_app_is_scanned_for_every_role_that_sees_it():
    assert len(_pages()) >= 15
    assert ("history_page", "editor") in ROLE_PAGES and ("history_page", "viewer") not in ROLE_PAGES


@pytest.mark.parametrize("page, role", ROLE_PAGES)
def test_no_page_shows_a_raw_value_to_any_role(monkeypatch, full_demo_db_file, page, role):
    at = open_app(monkeypatch, full_demo_db_file, page=page, role=role)
    assert not at.exception
    found = raw_on_page(at)
    assert found == [], f"Page {page} as {role} shows raw values:\n" + "\n".join(dict.fromkeys(found))


def test_the_scan_fails_on_a_table_with_missing_values_timestamps_and_field_names():
    frame = pd.DataFrame({"tag_code": ["a"], "when": pd.to_datetime(["2026-06-30"]), "mean": [33.33333],
                          "groups": [2028], "note": [None]})
    found = raw_in_table(frame, {}, [], None)
    assert any("tag_code" in f for f in found) and any("raw timestamp" in f for f in found)
    assert any("unrounded" in f for f in found) and any("thousands" in f for f in found)
    assert any("shown as None" in f for f in found)
    assert raw_in_table(frame, {"tag_code": {"label": "Tag"}, "when": {"type_config": {"type": "date", "format": "D"}},
                                "mean": {"type_config": {"format": "%.1f"}},
                                "groups": {"type_config": {"format": "localized"}}}, [], "") == []


def _header_raw(where: str, header: list) -> list[str]:
    return [f"{where} header {str(h)!r}: {raw}" for h in header if h is not None for raw in raw_in_text(str(h))]


@pytest.fixture
def full_demo_con(full_demo_db_file, tmp_path):
    connection = db.connect(copy_database(full_demo_db_file, tmp_path / "demo.duckdb"))
    yield connection
    connection.close()


def test_no_download_has_a_raw_field_name_in_its_header_row(full_demo_con, editor):
    demo_con = full_demo_con
    from framework.board_return import return_bytes
    from framework.engagement.imports import template_workbook
    from framework.progress.detail import indicator_progress, period_csv
    from framework.reviews.invitations import personal_codes_csv

    found = []
    book = openpyxl.load_workbook(io.BytesIO(return_bytes(demo_con, editor, "DEMO")), read_only=True)
    for sheet in book.worksheets:
        if sheet.title in IMPORT_SHEETS or sheet.title.startswith("Measurements") or sheet.title == "Cover":
            continue
        header = next(sheet.iter_rows(max_row=1, values_only=True), ())
        found += _header_raw(f"Excel return sheet {sheet.title!r}", list(header))
    detail = indicator_progress(demo_con, "DEMO", "I08", "DEMO-ICB")
    found += _header_raw("period table CSV", next(csv.reader(io.StringIO(period_csv(detail).decode("utf-8")))))
    found += _header_raw("mail-merge CSV", next(csv.reader(io.StringIO(
        personal_codes_csv("Round", "Group", ["ABCD-EFGH-JKLM"]).decode("utf-8")))))
    template = openpyxl.load_workbook(io.BytesIO(template_workbook(demo_con, "DEMO")), read_only=True)
    first = template.worksheets[0]
    found += _header_raw("engagement template", list(next(first.iter_rows(max_row=1, values_only=True), ())))
    assert found == [], "Downloads show raw field names:\n" + "\n".join(found)
