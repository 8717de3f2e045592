"""The Excel return: one workbook a board paper or an NHS England return can use, and the import template.

Sheets: Cover, Vision and outcomes, Progress, Indicators, Areas, Measurements (exactly the import template), a
Lists sheet behind the drop-downs, and, where those features have data, Priorities, Stakeholder review, Changes
in the period, Engagement log and You said, we did. Every data sheet has a frozen header, fitted widths, number
formats by unit and an Excel table with filters. Text is always written as text, so a name starting with `=`,
`+`, `-` or `@` can never run as a formula. Written with XlsxWriter, which is much faster than openpyxl."""
from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import CellStringTuple, Worksheet

from framework.core.db import read_df, read_rows
from framework.data_io.importers.template import COLUMN_HELP, TEMPLATE_COLUMNS
from framework.data_io.importers.workbook import AREA_COLUMNS, COVER_FIELDS, INDICATOR_COLUMNS, VO_HEADERS
from framework.foundation.vision import VISION_FIELDS

STATUS_WORDS = {
    "ahead": "Ahead of the expected path", "on_track": "On track", "behind": "Behind the expected path",
    "not_enough_data": "Not enough data yet", "no_target": "No target set",
}
SheetSource = Callable[[Any, str], "pd.DataFrame | None"]
"""A function (con, system_code) -> the rows of one sheet; the capabilities provide them (see framework.board_return)."""
CAVEATS = [
    "Figures are as loaded into Shared Measures on the date above; check the source for later revisions.",
    "Confidence limits are 95% unless a column says 99.8%. Differences inside them may be chance.",
    "Status words compare the latest value with the path from the baseline to each target; they are a prompt "
    "for discussion, not a verdict.",
    "Stakeholder review results are aggregates; groups too small to keep answers confidential are suppressed.",
    "The Measurements sheet is the import template: edit or add rows and import the workbook to load them.",
]
MAX_WIDTH = 60
EXCEL_EPOCH = datetime(1899, 12, 30)


class ExactNumbers(Worksheet):
    """A worksheet that writes numbers with every digit Python keeps (shortest round-trip form), so a value
    read back from the workbook is exactly the value written."""

    def _xml_number_element(self, number, attributes=[]) -> None:  # noqa: B006 - signature of the base class
        attr = "".join(f' {k}="{self._escape_attributes(v)}"' for k, v in attributes)
        text = repr(float(number)) if isinstance(number, float) else str(number)
        self.fh.write(f"<c{attr}><v>{text}</v></c>")



ROWS_PER_CHUNK = 50_000  # rows turned into Python values at a time while writing
MAX_SHEET_ROWS = 1_048_575  # Excel's rows per sheet, less the header row; more measurements continue on a new sheet

def _serial(value: date | datetime) -> float:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return (value - EXCEL_EPOCH).total_seconds() / 86400


def _number_format(unit: str | None) -> str:
    unit = (unit or "").strip()
    if unit == "%":
        return '0.0"%"'
    if unit.startswith("per "):
        return "#,##0.0"
    if unit in ("count", "people", "number"):
        return "#,##0"
    return "#,##0.0##"


class StreamedSheet(ExactNumbers):
    """A sheet whose rows go to disk as they are written (XlsxWriter's constant_memory, for this sheet alone), so a
    Measurements sheet of a million rows stays small in memory. Rows must be written top to bottom; the Excel table
    is declared before them, with its header stored inline as streamed rows need."""

    def _initialize(self, init_data) -> None:
        super()._initialize({**init_data, "constant_memory": True})

    def add_table(self, first_row, first_col, last_row, last_col, options=None):
        self.constant_memory = False  # XlsxWriter declines tables on streamed sheets; the header row is not yet out
        try:
            result = super().add_table(first_row, first_col, last_row, last_col, options)
        finally:
            self.constant_memory = True
        for offset, column in enumerate((options or {}).get("columns", [])):
            self.table[first_row][first_col + offset] = CellStringTuple(str(column["header"]),
                                                                        column.get("header_format"))
        return result


class ReturnWriter:
    """Writes sheets into one XlsxWriter workbook with shared formats."""

    def __init__(self, target: Any):
        self.wb = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_numbers": False,
                                               "strings_to_urls": False, "nan_inf_to_errors": False})
        self.fmt_cache: dict[str, Any] = {}
        self.header = self.wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DCE6F2"})
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})
        self.title = self.wb.add_format({"bold": True, "font_size": 16})
        self.bold = self.wb.add_format({"bold": True, "valign": "top"})
        self.tables = 0

    def fmt(self, num_format: str | None):
        if not num_format:
            return None
        if num_format not in self.fmt_cache:
            self.fmt_cache[num_format] = self.wb.add_format({"num_format": num_format})
        return self.fmt_cache[num_format]

    def sheet(self, name: str, streamed: bool = False) -> Worksheet:
        return self.wb.add_worksheet(name[:31], worksheet_class=StreamedSheet if streamed else ExactNumbers)

    def table(self, name: str, frame: pd.DataFrame, *, formats: dict[str, Any] | None = None,
              row_formats: dict[str, list[Any]] | None = None, wrap: tuple[str, ...] = (),
              validations: dict[str, str] | None = None, note: str | None = None, streamed: bool = False) -> Worksheet:
        """A data sheet: header row frozen, fitted widths, an Excel table with filters, formats by column or row."""
        ws = self.sheet(name, streamed)
        formats = formats or {}
        row_formats = row_formats or {}
        columns = list(frame.columns)
        n = len(frame)
        top = 0
        if note:
            ws.write_string(0, 0, note, self.bold)
            top = 1
        date_fmt = self.fmt("yyyy-mm-dd")
        kinds = [frame[col].dtype.kind for col in columns]
        fixed = [self.wrap if col in wrap else self.fmt(formats.get(col)) for col in columns]
        per_row = [row_formats.get(col) for col in columns]
        sample = frame.head(5000)
        for c, col in enumerate(columns):
            if kinds[c] in "fiu":
                width = max(len(str(col)), 12)
            elif kinds[c] == "M":
                width = max(len(str(col)), 11)
            else:
                texts = [len(str(v)) if not isinstance(v, (date, datetime)) else 10
                         for v in sample[col].tolist() if v is not None and not (isinstance(v, float) and math.isnan(v))
                         and v is not pd.NaT]
                width = max([len(str(col))] + texts)
            ws.set_column(c, c, min(width + 2, MAX_WIDTH), self.wrap if col in wrap else None)
        self.tables += 1
        if columns:  # the table writes its header row, so it comes before the data rows
            ws.add_table(top, 0, top + max(n, 1), len(columns) - 1, {
                "name": f"T{self.tables}_{''.join(ch for ch in name.title() if ch.isalnum())}"[:250],
                "columns": [{"header": str(col), "header_format": self.header} for col in columns],
                "style": "Table Style Light 9", "autofilter": True,
            })
        for start in range(0, n, ROWS_PER_CHUNK):
            chunk = [frame[col].iloc[start:start + ROWS_PER_CHUNK].tolist() for col in columns]
            for i in range(len(chunk[0]) if chunk else 0):
                r = start + i
                row = top + r + 1
                for c in range(len(columns)):
                    self._cell(ws, row, c, chunk[c][i], kinds[c],
                               per_row[c][r] if per_row[c] is not None else fixed[c], date_fmt)
        ws.freeze_panes(top + 1, 0)
        for col, source in (validations or {}).items():
            if col in columns:
                c = columns.index(col)
                ws.data_validation(top + 1, c, top + max(n, 1000), c, {
                    "validate": "list", "source": source, "ignore_blank": True, "error_type": "warning",
                    "input_title": col, "input_message": COLUMN_HELP.get(col, "")[:255],
                })
        return ws

    @staticmethod
    def _cell(ws: Worksheet, row: int, c: int, v: Any, kind: str, fmt: Any, date_fmt: Any) -> None:
        """One cell: numbers as numbers, dates as dates, text always as text (never a formula)."""
        if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
            return
        if kind in "fiu":
            ws.write_number(row, c, v, fmt)
        elif kind == "M" or isinstance(v, (date, datetime)):
            ws.write_number(row, c, _serial(v), date_fmt)
        elif isinstance(v, bool):
            ws.write_boolean(row, c, v)
        elif isinstance(v, (int, float)):
            ws.write_number(row, c, v, fmt)
        else:
            ws.write_string(row, c, str(v), fmt)

    def close(self) -> None:
        self.wb.close()


def cover_fields(con, system_code: str, user_name: str, generated_at: datetime) -> list[tuple[str, Any]]:
    """The Cover's fields: the system, the reporting period, when and by whom, counts."""
    system = read_rows(con, "SELECT * FROM system WHERE system_code = ?", [system_code])
    if not system:
        raise ValueError(f"There is no system {system_code!r} in this database.")
    s = system[0]
    span = read_rows(
        con,
        "SELECT min(period_start) AS first, max(period_end) AS last, count(*) AS n FROM measurement"
        " WHERE system_code = ?", [system_code],
    )[0]
    latest = read_rows(
        con,
        "SELECT period_label FROM measurement WHERE system_code = ? ORDER BY period_end DESC, period_label LIMIT 1",
        [system_code],
    )
    period = ("No measurements yet" if not span["n"] else
              f"Latest data {latest[0]['period_label']} (to {span['last']:%d %b %Y}); data from {span['first']:%d %b %Y}")
    fields: list[tuple[str, Any]] = [(COVER_FIELDS[k], s.get(k)) for k in COVER_FIELDS]
    fields += [
        ("Reporting period", period),
        ("Generated at", generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Generated by", user_name),
        ("Measurements", int(span["n"])),
    ]
    if s.get("is_demo"):
        fields.append(("Demo data", "This is a fictional demo system with generated figures. Do not quote them."))
    return fields


def vision_outcomes_frame(con, system_code: str) -> pd.DataFrame:
    """The vision fields and each outcome with its 1, 3 and 5 year ambitions, in one table."""
    rows = []
    vision = read_rows(con, "SELECT * FROM vision WHERE system_code = ?", [system_code])
    if vision:
        v = vision[0]
        labels = {**VISION_FIELDS, "agreed_on": "Agreed on"}
        for key in ("statement", "agreed_on", "agreed_with", "ultimate_outcome", "who_else_to_involve",
                    "challenges_and_tensions", "assets", "how_we_will_know"):
            if v.get(key) is not None:
                rows.append(["Vision", key, labels[key], v[key], None, None, None, None])
    outcomes = read_df(
        con,
        "SELECT o.outcome_code, o.title, o.description, o.ambition_1y, o.ambition_3y, o.ambition_5y,"
        " string_agg(CAST(op.principle_no AS VARCHAR), ', ' ORDER BY op.principle_no) AS principles"
        " FROM outcome o LEFT JOIN outcome_principle op USING (system_code, outcome_code)"
        " WHERE o.system_code = ? GROUP BY ALL ORDER BY min(o.sort_order), o.outcome_code",
        [system_code],
    )
    for o in outcomes.itertuples(index=False):
        rows.append(["Outcome", o.outcome_code, o.title, o.description, o.ambition_1y, o.ambition_3y, o.ambition_5y,
                     o.principles])
    return pd.DataFrame(rows, columns=VO_HEADERS).astype(object)


def progress_frame(progress_table: SheetSource, con, system_code: str) -> tuple[pd.DataFrame, str | None]:
    """Each indicator at each horizon with its status in words."""
    frame = progress_table(con, system_code).copy()
    if "status" in frame.columns:
        frame.insert(list(frame.columns).index("status") + 1, "status_in_words",
                     frame["status"].map(lambda s: STATUS_WORDS.get(s, s)))
    if frame.empty:
        return frame, "No progress to report yet: add targets and measurements."
    return frame, None


def indicators_frame(con, system_code: str) -> pd.DataFrame:
    """Definitions, targets and matters score for every indicator."""
    cols = ", ".join(f"i.{c}" for c in INDICATOR_COLUMNS)
    return read_df(
        con,
        f"SELECT {cols}, v.matters_score FROM indicator i LEFT JOIN v_indicator v USING (system_code, indicator_code)"
        " WHERE i.system_code = ? ORDER BY i.indicator_code",
        [system_code],
    )


def areas_frame(con, system_code: str) -> pd.DataFrame:
    """The system's areas and every area its measurements use, with their role."""
    return read_df(
        con,
        "SELECT a.area_code, a.area_name, a.area_type, a.parent_code, sa.role FROM area a"
        " LEFT JOIN system_area sa ON sa.area_code = a.area_code AND sa.system_code = ?"
        " WHERE sa.system_code IS NOT NULL"
        " OR a.area_code IN (SELECT DISTINCT area_code FROM measurement WHERE system_code = ?)"
        " ORDER BY CASE sa.role WHEN 'system' THEN 0 WHEN 'place' THEN 1 WHEN 'neighbourhood' THEN 2"
        " WHEN 'comparator' THEN 3 ELSE 4 END, a.area_type, a.area_code",
        [system_code, system_code],
    )[AREA_COLUMNS]


def measurements_frame(con, system_code: str) -> pd.DataFrame:
    """Every measurement of the system in the template's columns, with the indicator's unit alongside."""
    cols = ", ".join(
        f"m.{c}" if c not in ("area_name", "area_type") else f"a.{c}" for c in TEMPLATE_COLUMNS
    )
    return read_df(
        con,
        f"SELECT {cols}, i.unit AS _unit FROM measurement m LEFT JOIN area a USING (area_code)"
        " LEFT JOIN indicator i USING (system_code, indicator_code) WHERE m.system_code = ?"
        " ORDER BY m.indicator_code, m.area_code, m.period_start, m.period_end, m.breakdown, m.breakdown_group",
        [system_code],
    )


def optional_frames(con, system_code: str, sources: list[tuple[str, SheetSource]]) -> list[tuple[str, pd.DataFrame]]:
    """The sheets the capabilities provide that have data. A sheet that fails to build raises: it is a bug."""
    out = []
    for sheet, fn in sources:
        frame = fn(con, system_code)
        if frame is not None and not frame.empty:
            out.append((sheet, frame))
    return out


def measurement_parts(measurements: pd.DataFrame) -> list[pd.DataFrame]:
    """The measurements in pieces that each fit one sheet (Excel holds 1,048,576 rows, header included)."""
    size = MAX_SHEET_ROWS
    return [measurements.iloc[i:i + size] for i in range(0, max(len(measurements), 1), size)]


def measurements_sheet_name(part: int) -> str:
    """'Measurements', then 'Measurements 2', 'Measurements 3'... for systems with more rows than one sheet holds."""
    return "Measurements" if part == 1 else f"Measurements {part}"


def measurements_sheet(w: ReturnWriter, measurements: pd.DataFrame, validations: dict[str, str] | None = None,
                       name: str = "Measurements"):
    """A Measurements sheet: the import template, values formatted by their indicator's unit."""
    units = measurements["_unit"].fillna("")
    m_fmt = {u: w.fmt(_number_format(u)) for u in set(units)}
    per_row = [m_fmt[u] for u in units]
    return w.table(name, measurements.drop(columns=["_unit"]), streamed=True,
                   row_formats={c: per_row for c in ("value", "lower_ci", "upper_ci", "lower_ci_998", "upper_ci_998")},
                   formats={"count": "#,##0", "denominator": "#,##0"}, validations=validations)


def write_return(con, system_code: str, target: Any, *, progress_table: SheetSource,
                 sheets: list[tuple[str, SheetSource]], user_name: str = "Shared Measures",
                 generated_at: datetime | None = None) -> dict[str, int]:
    """Write the Excel return for one system to a path or file-like object; return rows per sheet.
    `progress_table` gives the Progress sheet and `sheets` the further sheets, named, from the capabilities."""
    generated_at = generated_at or datetime.utcnow()
    fields = cover_fields(con, system_code, user_name, generated_at)
    vo = vision_outcomes_frame(con, system_code)
    progress, progress_note = progress_frame(progress_table, con, system_code)
    indicators = indicators_frame(con, system_code)
    areas = areas_frame(con, system_code)
    measurements = measurements_frame(con, system_code)
    extra = optional_frames(con, system_code, sheets)
    system_name = next(v for k, v in fields if k == "System name")

    w = ReturnWriter(target)
    w.wb.set_properties({
        "title": f"Shared Measures return: {system_name}",
        "subject": "Working with people and communities: evaluation framework return",
        "author": user_name, "company": system_name, "category": "Excel return",
        "keywords": "Shared Measures, ICS, evaluation framework, measurements",
        "comments": f"Generated by Shared Measures for {system_code} on {generated_at:%Y-%m-%d %H:%M} UTC.",
        "created": generated_at,
    })
    cover = w.sheet("Cover")
    cover.write_string(0, 0, f"Shared Measures return: {system_name}", w.title)
    cover.write_string(2, 0, "Field", w.header)
    cover.write_string(2, 1, "Value", w.header)
    row = 3
    for label, value in fields:
        cover.write_string(row, 0, label, w.bold)
        if isinstance(value, (date, datetime)):
            cover.write_number(row, 1, _serial(value), w.fmt("yyyy-mm-dd"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            cover.write_number(row, 1, value, w.fmt("#,##0"))
        elif value is not None:
            cover.write_string(row, 1, str(value), w.wrap)
        row += 1
    row += 1
    cover.write_string(row, 0, "Caveats", w.bold)
    for text in CAVEATS + ([progress_note] if progress_note else []):
        cover.write_string(row, 1, text, w.wrap)
        row += 1
    row += 1
    cover.write_string(row, 0, "Sheets", w.bold)
    sheet_notes = [("Vision and outcomes", "the vision and each outcome's 1, 3 and 5 year ambitions"),
                   ("Progress", "each indicator at each horizon, with its status in words"),
                   ("Indicators", "definitions, baselines, targets and how much each matters to communities"),
                   ("Areas", "the system's areas and every area in the measurements"),
                   ("Measurements", "every value with its breakdown; also the import template"
                    + ("" if len(measurements) <= MAX_SHEET_ROWS else
                       ", continued on sheets Measurements 2 onwards (one sheet holds 1,048,575 rows)"))]
    sheet_notes += [(s, "") for s, _ in extra]
    for sheet, text in sheet_notes:
        cover.write_string(row, 1, f"{sheet}: {text}" if text else sheet, w.wrap)
        row += 1
    cover.set_column(0, 0, 22)
    cover.set_column(1, 1, 100)

    w.table("Vision and outcomes", vo, wrap=("Description", "1 year ambition", "3 year ambition", "5 year ambition"))
    units = dict(zip(indicators["indicator_code"], indicators["unit"]))
    if progress_note and progress.empty:
        w.table("Progress", progress, note=progress_note)
    else:
        fmt_rows = [w.fmt(_number_format(units.get(c))) for c in progress.get("indicator_code", [])]
        w.table("Progress", progress, note=progress_note,
                row_formats={c: fmt_rows for c in ("target", "latest_value", "expected_now", "projected_at_horizon")
                             if c in progress.columns})
    ind_fmt = [w.fmt(_number_format(u)) for u in indicators["unit"]]
    w.table("Indicators", indicators, wrap=("definition",),
            row_formats={c: ind_fmt for c in ("baseline_value", "target_1y", "target_3y", "target_5y")},
            formats={"matters_score": "0.0"})
    w.table("Areas", areas)
    lists = w.sheet("Lists")
    codes = {
        "system_code": [system_code],
        "indicator_code": list(indicators["indicator_code"]),
        "area_code": list(areas["area_code"]),
    }
    validations = {}
    for c, (col, values) in enumerate(codes.items()):
        lists.write_string(0, c, col, w.header)
        letter = chr(ord("A") + c)
        validations[col] = f"=Lists!${letter}$2:${letter}${max(len(values), 1) + 1}"
        lists.set_column(c, c, 18)
    lists.write_string(0, 4, "The drop-down lists on the Measurements sheet read these codes.")
    columns = list(codes.values())
    for r in range(max(map(len, columns))):  # row by row: the workbook streams rows to disk
        for c, values in enumerate(columns):
            if r < len(values):
                lists.write_string(r + 1, c, str(values[r]))
    for part, chunk in enumerate(measurement_parts(measurements), start=1):
        measurements_sheet(w, chunk, validations, name=measurements_sheet_name(part))
    for sheet, frame in extra:
        w.table(sheet, frame)
    w.close()
    counts = {"Vision and outcomes": len(vo), "Progress": len(progress), "Indicators": len(indicators),
              "Areas": len(areas), "Measurements": len(measurements)}
    counts.update({s: len(f) for s, f in extra})
    return counts


def check_target(path: str | Path) -> Path:
    """The path a return may be written to, or ValueError saying why not."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"The return must be an .xlsx file; {path.name} is not.")
    if not path.parent.exists():
        raise ValueError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    return path
