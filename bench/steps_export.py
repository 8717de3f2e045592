"""The Excel return at ICS scale: the board return, the full data return and the data pack, each with its rows,
seconds, rows/s, file size and its own peak memory, against unformatted DataFrame.to_excel(engine='openpyxl') of
the full return's Measurements rows in the same run.

Each product's peak memory is its own: the process's high-water mark is reset (Linux's /proc/self/clear_refs) just
before it and read (VmHWM) just after; where that is not possible the process's peak so far is given and said so."""
from __future__ import annotations

import time
from pathlib import Path

from bench.build import BENCH_USER, database
from bench.memory import peak_mb, reset_peak
from bench.results import Figure
from bench.steps import step

EXPORT_TARGET = 3.0  # rows/s at least 3x pandas' unformatted to_excel
PEAK_TARGET_MB = 1_500.0  # the full data return's peak memory
BASELINE_ROWS = 200_000  # the pandas baseline is timed on the first rows of the same query; all rows take too long
PRODUCTS = [("board", "board return", "xlsx"), ("full", "full data return", "xlsx"), ("pack", "data pack", "zip")]


def baseline(con, workdir: Path, rows: int) -> tuple[float, int]:
    """Seconds for DataFrame.to_excel(engine='openpyxl'), unformatted, of the first rows of the full return's
    Measurements (read beforehand, not timed); and how many rows."""
    from framework.core.db import read_df
    from framework.data_io.return_sheets import measurements_params, measurements_sql

    frame = read_df(con, f"{measurements_sql('full')} LIMIT {int(rows)}", measurements_params("DEMO")).drop(
        columns=["_unit"])
    started = time.perf_counter()
    frame.to_excel(workdir / "baseline.xlsx", sheet_name="Measurements", index=False, engine="openpyxl")
    return time.perf_counter() - started, len(frame)


def where_time_goes(started: float, heard: list[float], ended: float) -> str:
    """The build's time in three parts, from when the first and last batches of measurements were written."""
    if not heard:
        return ""
    first, last = heard[0], heard[-1]
    return (f"time: {first - started:.1f} s for the other sheets, DuckDB's sort and the first batch; "
            f"{last - first:.1f} s streaming the rest of the measurements into the sheet; "
            f"{ended - last:.1f} s closing the workbook (compressing the sheets' XML into the zip)")


@step("export")
def export(workdir: Path, quick: bool) -> list[Figure]:
    """The board return, the full data return and the data pack of one ICS, against pandas' to_excel."""
    from framework.board_return import export_product
    from framework.core import db

    con = db.connect(database(workdir, "ics", quick), read_only=True)
    results = {}
    try:
        for kind, _, suffix in PRODUCTS:
            out = workdir / f"return-{kind}.{suffix}"
            heard: list[float] = []
            own = reset_peak()
            started = time.perf_counter()
            counts = export_product(con, BENCH_USER, "DEMO", kind, out,
                                    progress=lambda sheet, rows, total, heard=heard: heard.append(time.perf_counter()))
            ended = time.perf_counter()
            results[kind] = (ended - started, counts["Measurements"], out.stat().st_size, peak_mb(), own,
                             where_time_goes(started, heard, ended) if kind != "pack" else "")
        base_s, base_rows = baseline(con, workdir, BASELINE_ROWS if not quick else 20_000)
    finally:
        con.close()
    base_rate = base_rows / base_s
    figures = []
    for kind, label, _ in PRODUCTS:
        seconds, rows, size, peak, own, split = results[kind]
        rate = rows / seconds
        met = None
        target = ""
        if kind == "full":
            target = f">= {EXPORT_TARGET:g}x pandas, < {PEAK_TARGET_MB:,.0f} MB"
            met = rate >= EXPORT_TARGET * base_rate and peak < PEAK_TARGET_MB
        figures.append(Figure(
            "Excel return", f"{label}, {rows:,} measurement rows, {size / 1e6:,.1f} MB", "ICS", rate, "rows/s",
            f"DataFrame.to_excel(engine='openpyxl'), unformatted, first {base_rows:,} rows", base_rate, target, met,
            peak, notes=[f"{rate / base_rate:.1f}x pandas; {seconds:.1f} s in all; peak memory "
                         + ("its own (high-water mark reset before it)" if own else "of the process so far")
                         + f"; the pandas baseline is timed on the first {base_rows:,} rows of the same query"
                         f" ({base_s:.1f} s), because writing every row with it takes many minutes and several GB"]
            + ([split] if split else [])))
    return figures
