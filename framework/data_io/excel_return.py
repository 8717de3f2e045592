"""The Excel return: one workbook a board paper or an NHS England return can use, and the import template. Two
products share the layout: the board return (each measure's headline rows of its last three years) and the full
data return (every breakdown and period; the complete return that moves a system whole).

Sheets: Cover, Vision and outcomes, Progress, Indicators, Areas, Lists (behind the drop-downs), Measurements
(exactly the import template, continued on Measurements 2, 3... past Excel's rows per sheet), and the further sheets
the capabilities provide that have data. The content comes from return_sheets.py and the layout from
workbook_writer.py: every cell is written as what it is, and text is never a formula.

The measurements stream from DuckDB in record batches straight into the sheet's file, under a DuckDB memory
limit, so a return of millions of rows stays within a bounded memory; `progress(sheet, rows written, rows)` hears of
each batch, and may raise to stop the build.

A return written to a path replaces the file there only once it is complete; a failure leaves the previous file
and no temporary files behind."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

from framework.core.atomic_file import replace_atomically, scratch_folder, writable_target
from framework.data_io.export_limits import export_memory, record_batches
from framework.data_io.importers.template import TEMPLATE_COLUMNS
from framework.data_io.return_sheets import (
    BOARD_YEARS,
    CAVEATS,
    KINDS,
    PROGRESS_HEADERS,
    STATUS_WORDS,
    SheetSource,
    areas_frame,
    cover_fields,
    indicators_frame,
    measurements_frame,
    measurements_params,
    measurements_sql,
    optional_frames,
    progress_frame,
    vision_outcomes_frame,
)
from framework.data_io.workbook_writer import ReturnWriter, number_format

__all__ = ["CAVEATS", "KINDS", "MAX_SHEET_ROWS", "STATUS_WORDS", "SheetSource", "check_target",
           "measurements_frame", "write_return"]

MAX_SHEET_ROWS = 1_048_575  # Excel's rows per sheet, less the header row; more measurements continue on a new sheet
MEASURE_COLUMNS = ("value", "lower_ci", "upper_ci", "lower_ci_998", "upper_ci_998")
BATCH_ROWS = 25_000  # measurement rows fetched from DuckDB and written at a time
Progress = Callable[[str, int, int], None]  # (sheet, rows written, rows in all)

def measurements_sheet_name(part: int) -> str:
    """'Measurements', then 'Measurements 2', 'Measurements 3'... for systems with more rows than one sheet holds."""
    return "Measurements" if part == 1 else f"Measurements {part}"


def _widths(batch) -> dict[str, int]:
    """Column widths from the first rows, as the frame sheets fit theirs."""
    widths = {}
    for col in TEMPLATE_COLUMNS:
        values = batch.column(col).slice(0, 5000).to_pylist() if batch is not None else []
        widths[col] = max([len(col)] + [10 if hasattr(v, "year") else len(str(v)) for v in values if v is not None])
    return widths


def _date_numbers(column) -> list:
    """A DATE column as Excel day numbers (None where blank), worked out in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_date32(column.type):
        return pc.add(pc.cast(column, pa.int32()), 25_569).to_pylist()  # days from 1899-12-30 to 1970-01-01
    return column.to_pylist()


def write_measurements(w: ReturnWriter, cur, sql: str, params: list[Any], total: int,
                       validations: dict[str, str] | None, progress: Progress | None = None) -> int:
    """The Measurements sheets, streamed: the import template's columns, values formatted by their indicator's unit,
    continued on Measurements 2, 3... past Excel's rows per sheet. Return the rows written."""
    batches = iter(record_batches(cur, sql, params, BATCH_ROWS))
    first = next(batches, None)
    widths = _widths(first)
    unit_fmt: dict[Any, Any] = {}
    fixed = {"count": w.fmt("#,##0"), "denominator": w.fmt("#,##0"),
             "period_start": w.date_format, "period_end": w.date_format}
    written, part, room, ws, top, row_in_sheet, name = 0, 0, 0, None, 0, 0, measurements_sheet_name(1)
    for batch in chain([first], batches) if first is not None else ():
        offset = 0
        while offset < batch.num_rows:
            if room == 0:
                part += 1
                name = measurements_sheet_name(part)
                room = max(min(MAX_SHEET_ROWS, total - written), 1)
                ws, top = w.open_table(name, TEMPLATE_COLUMNS, room, widths, validations=validations, streamed=True)
                row_in_sheet = 0
            piece = batch.slice(offset, min(room, batch.num_rows - offset))
            units = piece.column("_unit").to_pylist()
            for u in set(units):
                if u not in unit_fmt:
                    unit_fmt[u] = w.fmt(number_format(u))
            per_row = [unit_fmt[u] for u in units]
            columns = [_date_numbers(piece.column(c)) if c in ("period_start", "period_end")
                       else piece.column(c).to_pylist() for c in TEMPLATE_COLUMNS]
            formats = [per_row if c in MEASURE_COLUMNS else fixed.get(c) for c in TEMPLATE_COLUMNS]
            w.stream_rows(ws, top + 1 + row_in_sheet, columns, formats)
            n = piece.num_rows
            offset += n
            row_in_sheet += n
            room -= n
            written += n
            if progress:
                progress(name, written, total)
    if part == 0:  # no measurements: an empty sheet that still works as the template
        w.open_table(name, TEMPLATE_COLUMNS, 0, widths, validations=validations, streamed=True)
    return written


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
                 generated_at: datetime | None = None, about: dict[str, str] | None = None, kind: str = "full",
                 progress: Progress | None = None) -> dict[str, int]:
    """Write a return of this kind ("board" or "full") for one system to a path (replaced only once complete) or a
    file-like object; return rows per sheet. `progress_table` gives the Progress sheet and `sheets` the further
    sheets, named; `about` says on the Cover what further sheets hold."""
    if kind not in KINDS:
        raise ValueError(f"There is no return called {kind!r}; choose one of: {', '.join(KINDS)}.")
    with export_memory(con):
        return _build(con, system_code, target, progress_table, sheets, user_name, generated_at, about or {}, kind,
                      progress)


def _build(con, system_code: str, target: Any, progress_table: SheetSource, sheets: list[tuple[str, SheetSource]],
           user_name: str, generated_at: datetime | None, about: dict[str, str], kind: str,
           progress: Progress | None) -> dict[str, int]:
    generated_at = generated_at or datetime.now(UTC).replace(tzinfo=None)
    fields = cover_fields(con, system_code, user_name, generated_at)
    vo = vision_outcomes_frame(con, system_code)
    progress_rows, progress_note = progress_frame(progress_table, con, system_code)
    indicators = indicators_frame(con, system_code)
    areas = areas_frame(con, system_code)
    extra = optional_frames(con, system_code, sheets)
    to_file = isinstance(target, (str, Path))
    cur = con.cursor()  # the measurements are counted and streamed in one snapshot
    try:
        cur.execute("BEGIN TRANSACTION").fetchall()
        sql, params = measurements_sql(kind), measurements_params(system_code, kind)
        total = int(cur.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0])
        if kind == "board":
            fields = [*fields, ("Return", f"The board return: each measure's headline rows of its last {BOARD_YEARS}"
                                          " years, for every area"), ("Measurements in this return", total)]
        frames = (fields, vo, progress_rows, progress_note, indicators, areas, extra)
        with replace_atomically(target) if to_file else nullcontext(target) as out, scratch_folder() as scratch:
            w = ReturnWriter(str(out) if to_file else out, scratch)
            try:
                _write(w, system_code, user_name, generated_at, *frames, about=about, kind=kind, total=total,
                       measurements=lambda validations: write_measurements(w, cur, sql, params, total, validations,
                                                                          progress))
                w.close()
            except BaseException:
                w.discard()
                raise
    finally:
        cur.close()
    counts = {"Vision and outcomes": len(vo), "Progress": len(progress_rows), "Indicators": len(indicators),
              "Areas": len(areas), "Measurements": total}
    counts.update({s: len(f) for s, f in extra})
    return counts


def _write(w: ReturnWriter, system_code: str, user_name: str, generated_at: datetime, fields, vo, progress,
           progress_note, indicators, areas, extra, about: dict[str, str], kind: str, total: int,
           measurements: Callable[[dict[str, str]], int]) -> None:
    system_name = str(next(v for k, v in fields if k == "System name"))
    w.wb.set_properties({
        "title": f"Shared Measures return: {system_name}",
        "subject": "Working with people and communities: evaluation framework return",
        "author": user_name, "company": system_name, "category": "Excel return",
        "keywords": "Shared Measures, ICS, evaluation framework, measurements",
        "comments": f"Generated by Shared Measures for {system_code} on {generated_at:%Y-%m-%d %H:%M} UTC.",
        "created": generated_at,
    })
    held = ("every value with its breakdown" if kind == "full" else
            f"each measure's headline values of its last {BOARD_YEARS} years (the full data return has every"
            " breakdown and period)")
    sheet_notes = [("Vision and outcomes", "the vision and each outcome's 1, 3 and 5 year ambitions"),
                   ("Progress", "each indicator at each horizon, with its status in words"),
                   ("Indicators", "definitions, baselines, targets and how much each matters to communities"),
                   ("Areas", "the system's areas and every area in the measurements"),
                   ("Measurements", f"{held}; also the import template"
                    + ("" if total <= MAX_SHEET_ROWS else
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
    measurements(validations)
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

