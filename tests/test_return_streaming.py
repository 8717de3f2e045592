"""The returns stream: every measurement row reaches the workbook (counted and compared with the database) across
batches and numbered sheets, the board return holds only each measure's headline rows of its last three years,
DuckDB's memory limit is set while a return is built and put back after, the measurements are never read as one
frame, the streamed cells are written as the cell-by-cell writer writes them, and the data pack holds every row."""
from __future__ import annotations

import io
import math
import zipfile
from datetime import date, datetime

import duckdb
import openpyxl
import pandas as pd
import pytest

import framework.data_io.excel_return as excel_return
from framework.board_return import export_product
from framework.core import db
from framework.core.atomic_file import scratch_folder
from framework.core.safe_workbook import SafeBook
from framework.data_io.export_limits import EXPORT_MEMORY_LIMIT
from framework.data_io.importers.template import TEMPLATE_COLUMNS
from framework.data_io.return_sheets import measurements_frame
from framework.data_io.workbook_writer import ReturnWriter
from tests.conftest import make_user


def sheet_frames(path) -> pd.DataFrame:
    """Every Measurements sheet of a workbook, read back in order, as one frame."""
    sheets = pd.read_excel(path, sheet_name=None, engine="calamine")
    parts = [frame for name, frame in sheets.items() if name.startswith("Measurements")]
    return pd.concat(parts, ignore_index=True)


def database_rows(con, kind: str = "full") -> pd.DataFrame:
    return measurements_frame(con, "DEMO", kind).drop(columns=["_unit"])


def same_values(read: pd.DataFrame, stored: pd.DataFrame) -> None:
    assert list(read.columns) == TEMPLATE_COLUMNS
    assert len(read) == len(stored)
    for col in ("system_code", "indicator_code", "area_code", "period_label", "breakdown", "breakdown_group"):
        assert read[col].astype(str).tolist() == stored[col].astype(str).tolist(), col
    for col in ("period_start", "period_end"):
        assert pd.to_datetime(read[col]).dt.date.tolist() == pd.to_datetime(stored[col]).dt.date.tolist(), col
    for col in ("value", "lower_ci", "upper_ci", "count", "denominator"):
        a, b = read[col].astype(float).tolist(), stored[col].astype(float).tolist()
        assert all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b)), col  # every digit kept


def test_the_full_return_streams_every_row_across_batches_and_numbered_sheets(demo_con, editor, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(excel_return, "BATCH_ROWS", 300)  # batches that end inside a sheet and across sheets
    monkeypatch.setattr(excel_return, "MAX_SHEET_ROWS", 700)
    seen = []
    out = tmp_path / "full.xlsx"
    counts = export_product(demo_con, editor, "DEMO", "full", out, progress=lambda s, n, t: seen.append((s, n, t)))
    stored = database_rows(demo_con)
    assert counts["Measurements"] == len(stored) > 1400
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    parts = [n for n in names if n.startswith("Measurements")]
    assert parts == ["Measurements"] + [f"Measurements {k}" for k in range(2, -(-len(stored) // 700) + 1)]
    same_values(sheet_frames(out), stored)
    assert seen[-1] == (parts[-1], len(stored), len(stored))
    assert [n for _, n, _ in seen] == sorted(n for _, n, _ in seen)  # progress only goes forward
    assert {s for s, _, _ in seen} == set(parts)


def test_each_numbered_sheets_table_covers_exactly_its_own_rows(demo_con, editor, tmp_path, monkeypatch):
    monkeypatch.setattr(excel_return, "MAX_SHEET_ROWS", 700)
    out = tmp_path / "full.xlsx"
    total = export_product(demo_con, editor, "DEMO", "full", out)["Measurements"]
    book = openpyxl.load_workbook(out)
    refs = [book[n].tables[next(iter(book[n].tables))].ref for n in book.sheetnames if n.startswith("Measurements")]
    last = total - 700 * (len(refs) - 1)
    assert refs == ["A1:S701"] * (len(refs) - 1) + [f"A1:S{last + 1}"]


def test_the_board_return_holds_only_each_measures_headline_rows_of_its_last_three_years(demo_con, editor,
                                                                                          tmp_path):
    out = tmp_path / "board.xlsx"
    counts = export_product(demo_con, editor, "DEMO", "board", out)
    everything = database_rows(demo_con)
    headline = everything[(everything["breakdown"] == "All") & (everything["breakdown_group"] == "All")].copy()
    ends = pd.to_datetime(headline["period_end"])
    latest = ends.groupby(headline["indicator_code"]).transform("max")
    expected = headline[ends > latest - pd.DateOffset(years=3)]
    read = sheet_frames(out)
    assert 0 < counts["Measurements"] == len(read) == len(expected) < len(everything)
    same_values(read, expected.reset_index(drop=True))
    assert set(read["breakdown"]) == {"All"} and set(read["area_code"]) == set(expected["area_code"])
    cover = {r[0]: r[1] for r in openpyxl.load_workbook(out)["Cover"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert cover["Measurements in this return"] == len(expected)
    assert "last 3 years" in cover["Return"]


@pytest.mark.parametrize("kind", ["board", "full", "pack"])
def test_the_export_sets_duckdbs_memory_limit_while_it_runs_and_puts_it_back(demo_con, editor, tmp_path,
                                                                           monkeypatch, kind):
    demo_con.execute("SET memory_limit = '3GB'")
    before = demo_con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    during = []

    def watched(sheet, rows, total):
        during.append(demo_con.cursor().execute("SELECT current_setting('memory_limit')").fetchall()[0][0])

    out = tmp_path / ("r.zip" if kind == "pack" else "r.xlsx")
    export_product(demo_con, editor, "DEMO", kind, out, progress=watched)
    limit = duckdb.connect().execute(
        f"SET memory_limit = '{EXPORT_MEMORY_LIMIT}'; SELECT current_setting('memory_limit')"
    ).fetchall()[0][0]
    assert during and set(during) == {limit} and limit != before
    assert demo_con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == before


def test_the_limit_is_put_back_even_when_the_export_fails(demo_con, editor, tmp_path, monkeypatch):
    before = demo_con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    def broken(*args, **kwargs):
        raise RuntimeError("stopped")

    monkeypatch.setattr(excel_return, "write_measurements", broken)
    with pytest.raises(RuntimeError):
        export_product(demo_con, editor, "DEMO", "board", tmp_path / "r.xlsx")
    assert demo_con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == before
    assert not (tmp_path / "r.xlsx").exists()


def test_the_measurements_are_never_read_as_one_frame(demo_con, editor, tmp_path, monkeypatch):
    import framework.data_io.return_sheets as sheets

    def refused(*args, **kwargs):
        raise AssertionError("the measurements were read whole")

    monkeypatch.setattr(sheets, "measurements_frame", refused)
    monkeypatch.setattr(excel_return, "measurements_frame", refused)
    for kind in ("board", "full"):
        assert export_product(demo_con, editor, "DEMO", kind, tmp_path / f"{kind}.xlsx")["Measurements"] > 0


def test_an_unknown_kind_of_return_is_refused_in_words(demo_con, editor, tmp_path):
    with pytest.raises(ValueError, match="There is no product called 'everything'"):
        export_product(demo_con, editor, "DEMO", "everything", tmp_path / "r.xlsx")
    with pytest.raises(ValueError, match="The data pack is a .zip file"):
        export_product(demo_con, editor, "DEMO", "pack", tmp_path / "r.xlsx")
    assert not list(tmp_path.glob("r.*"))


CELLS = ["plain", "=1+1", " leading space", "trailing ", "a & b < c > d", "tab\there", "bell\x07", "_x0041_",
         "x" * 40_000, "line\nbreak", "\uff1d1+1", 3, -2.5, 1e-300, 0.1 + 0.2, math.inf, -math.inf, math.nan, None,
         True, date(2024, 3, 31), datetime(2024, 3, 31, 12, 30), pd.Timestamp("2025-01-01"), pd.NaT, pd.NA]


def _book(write) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    with scratch_folder() as scratch:
        book = ReturnWriter(buffer, scratch)
        write(book, book.sheet("S", streamed=True))
        book.close()
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_streamed_cells_are_written_exactly_as_the_cell_by_cell_writer_writes_them():
    fmt_holder = {}

    def one_by_one(book, ws):
        fmt_holder["f"] = book.add_format({"num_format": "0.0"})
        for r, v in enumerate(CELLS, start=1):
            book.value(ws, r, 0, v)
            book.value(ws, r, 1, v, fmt_holder["f"])

    def streamed(book, ws):
        f = book.add_format({"num_format": "0.0"})
        book.stream_rows(ws, 1, [list(CELLS), list(CELLS)], [None, [f] * len(CELLS)])

    a, b = _book(one_by_one)["S"], _book(streamed)["S"]
    for r in range(2, len(CELLS) + 2):
        for c in (1, 2):
            x, y = a.cell(r, c), b.cell(r, c)
            assert (x.value, x.data_type, bool(x.quotePrefix), x.number_format) == (
                y.value, y.data_type, bool(y.quotePrefix), y.number_format), (r, c, CELLS[r - 2])


@pytest.mark.parametrize("column", [["a", None, "=2"], [1.5, None, 2.0], [1, 2, None], [None, None, None],
                                    [1.5, "text", date(2020, 1, 1)]])
def test_a_column_of_one_kind_or_of_mixed_kinds_streams_the_same(column):
    def one_by_one(book, ws):
        for r, v in enumerate(column, start=1):
            book.value(ws, r, 1, v)

    def streamed(book, ws):
        book.stream_rows(ws, 1, [[None] * len(column), column], [None, None])

    a, b = _book(one_by_one)["S"], _book(streamed)["S"]
    assert [(c.value, c.data_type) for c in a["B"]] == [(c.value, c.data_type) for c in b["B"]]


def test_the_data_pack_holds_every_row_typed_with_a_readme(demo_con, editor, tmp_path):
    out = tmp_path / "pack.zip"
    counts = export_product(demo_con, editor, "DEMO", "pack", out)
    stored = database_rows(demo_con)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        z.extractall(tmp_path / "pack")
        readme = z.read("README.txt").decode()
    assert names[:2] == ["README.txt", "measurements.parquet"]
    assert {"vision_and_outcomes.parquet", "progress.parquet", "indicators.parquet", "areas.parquet"} <= set(names)
    read = duckdb.connect().execute(f"SELECT * FROM '{tmp_path / 'pack' / 'measurements.parquet'}'").df()
    assert counts["Measurements"] == len(read) == len(stored)
    assert list(read.columns) == [*TEMPLATE_COLUMNS, "unit"]
    same_values(read.drop(columns=["unit"]), stored)
    assert read["value"].dtype == "float64"
    assert f"measurements.parquet: every measurement, in the import template's columns, with its measure's unit" \
           f" ({len(stored):,} rows)" in readme


def test_the_data_pack_keeps_text_that_looks_like_a_formula_as_plain_text(con, editor, tmp_path):
    from tests.test_safe_downloads import EVIL, _evil_measurements

    _evil_measurements(con, editor, tmp_path)
    out = tmp_path / "pack.zip"
    export_product(con, editor, "S", "pack", out)
    with zipfile.ZipFile(out) as z:
        z.extract("measurements.parquet", tmp_path)
    notes = duckdb.connect().execute(f"SELECT value_note FROM '{tmp_path / 'measurements.parquet'}'").fetchall()
    assert sorted(n for (n,) in notes) == sorted(e.lstrip(" ") for e in EVIL)  # the stored text, unchanged


def test_a_lower_role_gets_the_return_without_the_sheets_its_role_may_not_see(demo_con, tmp_path):
    out = tmp_path / "partner.xlsx"
    export_product(demo_con, make_user("partner"), "DEMO", "board", out)
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert "Changes in the period" not in names and "Starter questions" not in names
    db.read_df(demo_con, "SELECT 1")  # the connection is still usable after the export


def test_rows_are_streamed_only_into_a_sheet_that_streams_to_disk():
    book = SafeBook(io.BytesIO())
    ws = book.wb.add_worksheet("Plain")
    with pytest.raises(ValueError, match="Rows stream only into a sheet that streams to disk; Plain does not"):
        book.stream_rows(ws, 0, [[1]], [None])
