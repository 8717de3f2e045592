"""Recognising a file and reading it, as text, into a staging table: CSVs with DuckDB's own reader and workbooks
with python-calamine. Nothing here judges the values; validate.py does that in SQL."""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import math
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from framework.data_io.importers.report import FileCheck, Problem
from framework.data_io.importers.template import TEMPLATE_COLUMNS

FINGERTIPS_MARKERS = {"Indicator ID", "Area Code", "Time period", "Value"}
EXPECTED_FILE = ("an Excel return or template (.xlsx), a CSV with the template's columns "
                 f"({', '.join(TEMPLATE_COLUMNS[:4])}, ...), or a Fingertips data export CSV")


STAGE_MEMORY = "600MB"  # the checking database's own memory; beyond it DuckDB spills to a private temporary folder


@contextlib.contextmanager
def staging_database() -> Iterator[duckdb.DuckDBPyConnection]:
    """A private in-memory DuckDB to check a file in, held to STAGE_MEMORY: a file of millions of rows spills to
    a temporary folder (removed afterwards) instead of growing the server's memory."""
    with tempfile.TemporaryDirectory(prefix="shared-measures-check-") as spill:
        stage = duckdb.connect(config={"memory_limit": STAGE_MEMORY, "temp_directory": spill})
        try:
            stage.execute("SET enable_progress_bar = false")
            yield stage
        finally:
            stage.close()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def normalise_header(name: str) -> str:
    """A template header as the app compares it: trimmed, lower case, spaces as underscores."""
    return "_".join(str(name).strip().lstrip("\ufeff").lower().split())


def detect_format(path: Path, check: FileCheck) -> str | None:
    """'xlsx', 'app_csv' or 'fingertips_csv'; or None after adding a problem that says what the file is."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    name = check.name
    if not head.strip():
        check.add(Problem(name, None, None, "an empty file", EXPECTED_FILE))
        return None
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        check.add(Problem(name, None, None, "an old-style .xls workbook",
                          "an .xlsx workbook: open it in Excel and save it as Excel Workbook (.xlsx)"))
        return None
    if b"\x00" in head:
        check.add(Problem(name, None, None, "a file that is not a spreadsheet or text", EXPECTED_FILE))
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a real encoding problem, not a character cut at the 64 KB boundary
            text = head.decode("latin-1")
        else:
            text = head[: exc.start].decode("utf-8-sig")
    first = text.splitlines()[0] if text.splitlines() else ""
    try:
        header = next(csv.reader(io.StringIO(first)))
    except (csv.Error, StopIteration):
        header = []
    cleaned = {h.strip() for h in header}
    if cleaned >= FINGERTIPS_MARKERS:
        return "fingertips_csv"
    if {"indicator_code", "area_code"} & {normalise_header(h) for h in header}:
        return "app_csv"
    # The first line is not echoed: a file that is not a data file (a key, a password file) must not be shown.
    check.add(Problem(name, 1, None, f"a first line naming none of the expected columns ({len(header)} fields)",
                      "a header row naming the columns of " + EXPECTED_FILE))
    return None


def quotes_are_closed(path: Path, chunk_bytes: int = 8 << 20) -> bool:
    """Whether every quoted value in the file is closed: an even number of double quotes, as every well-formed CSV
    has (an opening and a closing quote per value, doubled quotes inside). The lenient reader would otherwise take a
    file cut short inside a quoted value, losing the end of that value without a word."""
    count = 0
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_bytes):
            count += chunk.count(b'"')
    return count % 2 == 0


def read_csv_table(stage: duckdb.DuckDBPyConnection, path: Path, check: FileCheck) -> list[str] | None:
    """Load a CSV into table raw (every column VARCHAR, _row = spreadsheet row); return its column names."""
    if not quotes_are_closed(path):
        check.add(Problem(check.name, None, None, "a quoted value that is never closed (the file may be cut short, "
                          "or a value holds a single stray double quote)",
                          "a complete comma-separated file: every value that opens a double quote closes it"))
        return None
    last_error = ""
    # The parallel reader is fastest; quoted line breaks (real Fingertips names have them) need the serial one.
    for encoding, parallel in (("utf-8", True), ("utf-8", False), ("latin-1", False)):
        try:
            stage.execute(
                "CREATE OR REPLACE TABLE raw0 AS SELECT * FROM read_csv(?, all_varchar = true, header = true,"
                " delim = ',', quote = '\"', escape = '\"', null_padding = true, strict_mode = false,"
                f" normalize_names = false, encoding = ?, parallel = {str(parallel).lower()})",
                [str(path), encoding],
            )
            break
        except duckdb.Error as exc:
            last_error = str(exc).splitlines()[0]
    else:
        check.add(Problem(check.name, None, None, f"a file the CSV reader could not read ({last_error[:160]})",
                          "a comma-separated file in UTF-8 with one header row"))
        return None
    stage.execute("CREATE OR REPLACE VIEW raw AS SELECT rowid + 2 AS _row, * FROM raw0")
    return [d[0] for d in stage.execute("SELECT * FROM raw LIMIT 0").description][1:]


def cell_text(value: Any) -> str | None:
    """A workbook cell as the text the validator reads: numbers exactly, dates as ISO, blanks as None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sheet_rows(workbook, sheet: str) -> list[list[Any]]:
    """A sheet's cells as Python values, trailing blank rows removed."""
    rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    while rows and all(c in (None, "") for c in rows[-1]):
        rows.pop()
    return rows


def continuation_sheets(names: list[str], first: str) -> list[str]:
    """The sheets that continue a long Measurements sheet ('Measurements 2', 'Measurements 3'...), in order. Their
    rows are numbered on from the sheet before, as if the sheets were one."""
    import re

    found = [(int(m.group(1)), n) for n in names if (m := re.fullmatch(rf"{re.escape(first)} (\d+)", n.strip()))]
    return [n for _, n in sorted(found)]


def append_continuation(rows: list[list[Any]], more: list[list[Any]], sheet: str, check: FileCheck) -> bool:
    """Add a continuation sheet's rows to the first sheet's, each value under the column its own header names
    (its columns may be in another order); False after a problem with its header."""
    if not more:
        return True
    first = [normalise_header(cell_text(h) or "") for h in rows[0]]
    own = [normalise_header(cell_text(h) or "") for h in more[0]]
    if own == first:
        rows.extend(more[1:])
        return True
    where = {name: i for i, name in enumerate(own) if name}
    unknown = [cell_text(h) for h, name in zip(more[0], own) if name and name not in first]
    repeated = sorted({n for n in own if n and own.count(n) > 1})
    for name in unknown + repeated:
        check.refuse(Problem(check.name, 1, f"{sheet}: {name}", name,
                             f"the same columns as the first sheet, each once ({', '.join(h for h in first if h)})"))
    if check.fatal:
        return False
    order = [where.get(name) for name in first]
    rows.extend([[r[i] if i is not None and i < len(r) else None for i in order] for r in more[1:]])
    return True


def open_workbook(path: Path, check: FileCheck):
    """The calamine workbook, or None after adding a problem."""
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged or encrypted files
        check.add(Problem(check.name, None, None, f"a workbook that cannot be opened ({str(exc)[:120]})",
                          "an .xlsx workbook saved by Excel, LibreOffice or Shared Measures"))
        return None


def load_rows_table(stage: duckdb.DuckDBPyConnection, rows: list[list[Any]], first_row: int = 1) -> list[str]:
    """Put sheet rows (header first) into table raw as text; return the column names."""
    header = [cell_text(h) or f"column{i + 1}" for i, h in enumerate(rows[0])]
    width = len(header)
    body = rows[1:]
    if body and set(map(len, body)) != {width}:
        body = [(list(r) + [None] * (width - len(r)))[:width] for r in body]
    columns = list(zip(*body)) if body else [()] * width
    frame = pd.DataFrame({f"c{i}": _column(col) for i, col in enumerate(columns)})
    frame.insert(0, "_row", range(first_row + 1, first_row + 1 + len(body)))
    seen: dict[str, int] = {}
    names = []
    for h in header:
        h = h.replace('"', "")
        seen[h] = seen.get(h, 0) + 1
        names.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    stage.register("sheet_frame", frame)
    try:
        select = ", ".join(f'CAST(c{i} AS VARCHAR) AS "{h}"' for i, h in enumerate(names))
        stage.execute(f"CREATE OR REPLACE TABLE raw AS SELECT CAST(_row AS BIGINT) AS _row, {select} FROM sheet_frame")
    finally:
        stage.unregister("sheet_frame")
    return names


_NONE = type(None)


def _column(values: tuple) -> Any:
    """One sheet column in a form DuckDB reads fast: numbers as floats (cast to text in SQL, exactly), text as
    it is, dates as ISO text; anything mixed cell by cell."""
    kinds = set(map(type, values))
    if str in kinds and len(kinds) > 1:  # calamine gives blank cells as ''
        values = [None if v == "" else v for v in values]
        kinds = set(map(type, values))
    if kinds <= {float, int, _NONE} and all(abs(v) < 2**53 for v in values if type(v) is int):
        return pd.array(values, dtype="Float64")
    if kinds <= {str, _NONE}:
        return pd.array(values, dtype="object")
    if kinds <= {date, _NONE}:
        return pd.array([None if v is None else v.isoformat() for v in values], dtype="object")
    return pd.array([cell_text(v) for v in values], dtype="object")


def find_sheet(names: list[str], wanted: str) -> str | None:
    """The sheet whose name matches, ignoring case and spaces."""
    key = normalise_header(wanted)
    return next((n for n in names if normalise_header(n) == key), None)
