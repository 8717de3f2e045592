"""The Excel return: one workbook a board paper or an NHS England return can use, and the import template.

Sheets: Cover, Vision and outcomes, Progress, Indicators, Areas, Lists (behind the drop-downs), Measurements
(exactly the import template, continued on Measurements 2, 3... past Excel's rows per sheet), and the further sheets
the capabilities provide that have data. The content comes from return_sheets.py and the layout from
workbook_writer.py: every cell is written as what it is, and text is never a formula.

A return written to a path replaces the file there only once it is complete; a failure leaves the previous file
and no temporary files behind."""
from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from framework.core.atomic_file import replace_atomically, scratch_folder, writable_target
from framework.data_io.return_sheets import (
    CAVEATS,
    PROGRESS_HEADERS,
    STATUS_WORDS,
    SheetSource,
    areas_frame,
    cover_fields,
    indicators_frame,
    measurements_frame,
    optional_frames,
    progress_frame,
    vision_outcomes_frame,
)
from framework.data_io.workbook_writer import ReturnWriter, number_format

__all__ = ["CAVEATS", "MAX_SHEET_ROWS", "STATUS_WORDS", "SheetSource", "check_target",
           "measurements_frame", "write_return"]

MAX_SHEET_ROWS = 1_048_575  # Excel's rows per sheet, less the header row; more measurements continue on a new sheet
MEASURE_COLUMNS = ("value", "lower_ci", "upper_ci", "lower_ci_998", "upper_ci_998")


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
    m_fmt = {u: w.fmt(number_format(u)) for u in set(units)}
    per_row = [m_fmt[u] for u in units]
    return w.table(name, measurements.drop(columns=["_unit"]), streamed=True,
                   row_formats={c: per_row for c in MEASURE_COLUMNS},
                   formats={"count": "#,##0", "denominator": "#,##0"}, validations=validations)


def write_cover(w: ReturnWriter, system_name: str, fields: list[tuple[str, Any]], notes: list[str],
                sheet_notes: list[tuple[str, str]]) -> None:
    """The Cover: the system, the period, who and when, the caveats and what each sheet holds."""
    cover = w.sheet("Cover")
    w.text(cover, 0, 0, f"Shared Measures return: {system_name}", w.title)
    w.text(cover, 2, 0, "Field", w.header)
    w.text(cover, 2, 1, "Value", w.header)
    row = 3
    for label, value in fields:
        w.text(cover, row, 0, label, w.bold)
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        w.value(cover, row, 1, value, w.fmt("#,##0") if is_number else w.wrap)
        row += 1
    row += 1
    w.text(cover, row, 0, "Caveats", w.bold)
    for text in CAVEATS + notes:
        w.text(cover, row, 1, text, w.wrap)
        row += 1
    row += 1
    w.text(cover, row, 0, "Sheets", w.bold)
    for sheet, text in sheet_notes:
        w.text(cover, row, 1, f"{sheet}: {text}" if text else sheet, w.wrap)
        row += 1
    cover.set_column(0, 0, 22)
    cover.set_column(1, 1, 100)


def write_lists(w: ReturnWriter, codes: dict[str, list[Any]]) -> dict[str, str]:
    """The Lists sheet behind the Measurements drop-downs; return the validation source of each column."""
    lists = w.sheet("Lists")
    validations = {}
    for c, (col, values) in enumerate(codes.items()):
        w.text(lists, 0, c, col, w.header)
        letter = chr(ord("A") + c)
        validations[col] = f"=Lists!${letter}$2:${letter}${max(len(values), 1) + 1}"
        lists.set_column(c, c, 18)
    w.text(lists, 0, 4, "The drop-down lists on the Measurements sheet read these codes.")
    columns = list(codes.values())
    for r in range(max(map(len, columns))):  # row by row: the workbook streams rows to disk
        for c, values in enumerate(columns):
            if r < len(values):
                w.text(lists, r + 1, c, str(values[r]))
    return validations


def write_return(con, system_code: str, target: Any, *, progress_table: SheetSource,
                 sheets: list[tuple[str, SheetSource]], user_name: str = "Shared Measures",
                 generated_at: datetime | None = None, about: dict[str, str] | None = None) -> dict[str, int]:
    """Write the Excel return for one system to a path (replaced only once complete) or a file-like object; return
    rows per sheet. `progress_table` gives the Progress sheet and `sheets` the further sheets, named; `about` says
    on the Cover what further sheets hold."""
    generated_at = generated_at or datetime.now(UTC).replace(tzinfo=None)
    fields = cover_fields(con, system_code, user_name, generated_at)
    vo = vision_outcomes_frame(con, system_code)
    progress, progress_note = progress_frame(progress_table, con, system_code)
    indicators = indicators_frame(con, system_code)
    areas = areas_frame(con, system_code)
    measurements = measurements_frame(con, system_code)
    extra = optional_frames(con, system_code, sheets)
    frames = (fields, vo, progress, progress_note, indicators, areas, measurements, extra)
    to_file = isinstance(target, (str, Path))
    with replace_atomically(target) if to_file else nullcontext(target) as out, scratch_folder() as scratch:
        w = ReturnWriter(str(out) if to_file else out, scratch)
        try:
            _write(w, system_code, user_name, generated_at, *frames, about=about or {})
            w.close()
        except BaseException:
            w.discard()
            raise
    counts = {"Vision and outcomes": len(vo), "Progress": len(progress), "Indicators": len(indicators),
              "Areas": len(areas), "Measurements": len(measurements)}
    counts.update({s: len(f) for s, f in extra})
    return counts


def _write(w: ReturnWriter, system_code: str, user_name: str, generated_at: datetime, fields, vo, progress,
           progress_note, indicators, areas, measurements, extra, about: dict[str, str]) -> None:
    system_name = str(next(v for k, v in fields if k == "System name"))
    w.wb.set_properties({
        "title": f"Shared Measures return: {system_name}",
        "subject": "Working with people and communities: evaluation framework return",
        "author": user_name, "company": system_name, "category": "Excel return",
        "keywords": "Shared Measures, ICS, evaluation framework, measurements",
        "comments": f"Generated by Shared Measures for {system_code} on {generated_at:%Y-%m-%d %H:%M} UTC.",
        "created": generated_at,
    })
    sheet_notes = [("Vision and outcomes", "the vision and each outcome's 1, 3 and 5 year ambitions"),
                   ("Progress", "each indicator at each horizon, with its status in words"),
                   ("Indicators", "definitions, baselines, targets and how much each matters to communities"),
                   ("Areas", "the system's areas and every area in the measurements"),
                   ("Measurements", "every value with its breakdown; also the import template"
                    + ("" if len(measurements) <= MAX_SHEET_ROWS else
                       ", continued on sheets Measurements 2 onwards (one sheet holds 1,048,575 rows)"))]
    sheet_notes += [(s, about.get(s, "")) for s, _ in extra]
    write_cover(w, system_name, fields, [progress_note] if progress_note else [], sheet_notes)

    w.table("Vision and outcomes", vo, wrap=("Description", "1 year ambition", "3 year ambition", "5 year ambition"))
    units = dict(zip(indicators["indicator_code"], indicators["unit"]))
    if progress_note and progress.empty:
        w.table("Progress", progress, note=progress_note)
    else:
        fmt_rows = [w.fmt(number_format(units.get(c))) for c in progress.get(PROGRESS_HEADERS["indicator_code"], [])]
        valued = [PROGRESS_HEADERS[c] for c in ("target", "latest_value", "expected_now", "projected_at_horizon",
                                                "latest_lower", "latest_upper", "projection_lower", "projection_upper")]
        w.table("Progress", progress, note=progress_note,
                row_formats={c: fmt_rows for c in valued if c in progress.columns})
    ind_fmt = [w.fmt(number_format(u)) for u in indicators["unit"]]
    w.table("Indicators", indicators, wrap=("definition",),
            row_formats={c: ind_fmt for c in ("baseline_value", "target_1y", "target_3y", "target_5y")},
            formats={"matters_score": "0.0"})
    w.table("Areas", areas)
    validations = write_lists(w, {"system_code": [system_code], "indicator_code": list(indicators["indicator_code"]),
                                  "area_code": list(areas["area_code"])})
    for part, chunk in enumerate(measurement_parts(measurements), start=1):
        measurements_sheet(w, chunk, validations, name=measurements_sheet_name(part))
    for sheet, frame in extra:
        w.table(sheet, frame)


def check_target(path: str | Path) -> Path:
    """The path a return may be written to, or ValueError saying why not (CannotWrite for a folder, a device or a
    missing folder)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"The return must be an .xlsx file; {path.name} is not.")
    writable_target(path)
    return path

