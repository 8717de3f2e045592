"""The data pack: every table a return carries, as Parquet files in one zip, for analysts. It holds what the full data
return holds (every measurement, with every breakdown and period, and the same further sheets as the user's return),
is written by DuckDB straight from the database in a fraction of the workbook's time and size, and opens in R,
Python, Power BI, DuckDB or Excel's Power Query. Parquet keeps each column's type, so a number is a number and text is
only ever text: no spreadsheet runs it as a formula.

A pack written to a path replaces the file there only once it is complete."""
from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from framework.core.atomic_file import replace_atomically, scratch_folder
from framework.core.safe_text import is_blank
from framework.data_io.export_limits import export_memory
from framework.data_io.return_sheets import (
    CAVEATS,
    SheetSource,
    areas_frame,
    cover_fields,
    indicators_frame,
    measurements_params,
    measurements_sql,
    optional_frames,
    progress_frame,
    vision_outcomes_frame,
)

Progress = Callable[[str, int, int], None]  # (file, rows written, rows in all)
MEASUREMENTS_FILE = "measurements.parquet"


def file_name(sheet: str) -> str:
    """The Parquet file of a sheet: 'Vision and outcomes' -> 'vision_and_outcomes.parquet'."""
    return re.sub(r"[^a-z0-9]+", "_", sheet.lower()).strip("_") + ".parquet"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame whose text columns hold one kind of value each, as Parquet needs: mixed columns become text."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype != object:
            continue
        kinds = {type(v) for v in out[col] if not is_blank(v)}
        if len(kinds) > 1 or (kinds and not kinds <= {str, int, float, bool, date, datetime, pd.Timestamp}):
            out[col] = [None if is_blank(v) else str(v) for v in out[col]]
    out.columns = [str(c) for c in out.columns]
    return out


def _frame_to_parquet(frame: pd.DataFrame, path: Path) -> None:
    local = duckdb.connect()
    try:
        local.register("sheet", _plain(frame))
        local.execute(f"COPY sheet TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
    finally:
        local.close()


def _readme(system_code: str, fields: list[tuple[str, Any]], files: list[tuple[str, str, int]]) -> str:
    lines = [f"Shared Measures data pack: {system_code}", ""]
    lines += [f"{label}: {value}" for label, value in fields]
    lines += ["", "Files (Parquet: open with R arrow, Python pandas or polars, DuckDB, Power BI or Power Query):"]
    lines += [f"- {name}: {about} ({rows:,} rows)" for name, about, rows in files]
    lines += ["", "Caveats:"] + [f"- {c}" for c in CAVEATS[:4]]
    lines += ["- This pack cannot be imported back: the full data return (.xlsx) is the import template.", ""]
    return "\n".join(lines)


def write_pack(con, system_code: str, target: str | Path, *, progress_table: SheetSource,
               sheets: list[tuple[str, SheetSource]], user_name: str = "Shared Measures",
               generated_at: datetime | None = None, progress: Progress | None = None) -> dict[str, int]:
    """Write the data pack of one system to a path (replaced only once complete); return rows per file."""
    with export_memory(con):
        return _build(con, system_code, target, progress_table, sheets, user_name, generated_at, progress)


def _build(con, system_code: str, target: str | Path, progress_table: SheetSource,
           sheets: list[tuple[str, SheetSource]], user_name: str, generated_at: datetime | None,
           progress: Progress | None) -> dict[str, int]:
    generated_at = generated_at or datetime.now(UTC).replace(tzinfo=None)
    fields = cover_fields(con, system_code, user_name, generated_at)
    progress_rows, _ = progress_frame(progress_table, con, system_code)
    frames = [("Vision and outcomes", vision_outcomes_frame(con, system_code)), ("Progress", progress_rows),
              ("Indicators", indicators_frame(con, system_code)), ("Areas", areas_frame(con, system_code)),
              *optional_frames(con, system_code, sheets)]
    counts: dict[str, int] = {}
    files: list[tuple[str, str, int]] = []
    with replace_atomically(target) as out, scratch_folder() as scratch:
        folder = Path(scratch)
        cur = con.cursor()
        try:
            sql = measurements_sql("full", unit_as="unit")
            total = int(cur.execute(f"SELECT count(*) FROM ({sql})", [system_code]).fetchall()[0][0])
            if progress:
                progress(MEASUREMENTS_FILE, 0, total)
            # DuckDB writes the file itself, streaming (a relation made with parameters would be run whole first)
            out_file = str(folder / MEASUREMENTS_FILE).replace("'", "''")
            cur.execute(f"COPY ({sql}) TO '{out_file}' (FORMAT parquet, COMPRESSION zstd)",
                        measurements_params(system_code))
        finally:
            cur.close()
        counts["Measurements"] = total
        files.append((MEASUREMENTS_FILE, "every measurement, in the import template's columns, with its measure's unit", total))
        if progress:
            progress(MEASUREMENTS_FILE, total, total)
        for sheet, frame in frames:
            name = file_name(sheet)
            _frame_to_parquet(frame, folder / name)
            counts[sheet] = len(frame)
            files.append((name, f"the {sheet} sheet of the Excel return", len(frame)))
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as pack:  # Parquet is compressed already
            pack.writestr("README.txt", _readme(system_code, fields, files))
            for name, _, _ in files:
                pack.write(folder / name, name)
    return counts
