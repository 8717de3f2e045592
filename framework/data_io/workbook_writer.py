"""The workbook writer behind the Excel return: data sheets with a frozen header, fitted widths, an Excel table
with filters and number formats by column or by row, numbers written with every digit, and sheets that stream to
disk so a million measurements stay small in memory. Every cell goes through core.safe_workbook, so blanks stay
empty and text is always text, never a formula."""
from __future__ import annotations

import math
from typing import Any

import pandas as pd
from xlsxwriter.utility import xl_range
from xlsxwriter.worksheet import CellStringTuple, Worksheet

from framework.core.safe_text import is_blank, looks_like_formula
from framework.core.safe_workbook import SafeBook
from framework.data_io.importers.template import COLUMN_HELP

MAX_WIDTH = 60
ROWS_PER_CHUNK = 50_000  # rows turned into Python values at a time while writing


class ExactNumbers(Worksheet):
    """A worksheet that writes numbers with every digit Python keeps (shortest round-trip form), so a value
    read back from the workbook is exactly the value written."""

    def _xml_number_element(self, number, attributes=[]) -> None:  # noqa: B006 - signature of the base class
        attr = "".join(f' {k}="{self._escape_attributes(v)}"' for k, v in attributes)
        text = repr(float(number)) if isinstance(number, float) else str(number)
        self.fh.write(f"<c{attr}><v>{text}</v></c>")


class StreamedSheet(ExactNumbers):
    """A sheet whose rows go to disk as they are written (XlsxWriter's constant_memory, for this sheet alone), so a
    Measurements sheet of a million rows stays small in memory. Rows must be written top to bottom; the Excel table
    is declared before them, with its header stored inline as streamed rows need, and without XlsxWriter's note of
    every cell it covers (20 million entries for a full sheet)."""

    def _initialize(self, init_data) -> None:
        super()._initialize({**init_data, "constant_memory": True})

    def add_table(self, first_row, first_col, last_row, last_col, options=None):
        self.constant_memory = False  # XlsxWriter declines tables on streamed sheets; the header row is not yet out
        try:  # declared over two rows, then widened: XlsxWriter would otherwise note every cell of the range
            result = super().add_table(first_row, first_col, min(last_row, first_row + 1), last_col, options)
        finally:
            self.constant_memory = True
        if last_row > first_row + 1 and not result:  # 0: the table was added
            table = self.tables[-1]
            table["range"] = table["a_range"] = xl_range(first_row, first_col, last_row, last_col)
            if table.get("autofilter"):
                table["autofilter"] = table["a_range"]
        for offset, column in enumerate((options or {}).get("columns", [])):
            self.table[first_row][first_col + offset] = CellStringTuple(str(column["header"]),
                                                                        column.get("header_format"))
        return result


def number_format(unit: str | None) -> str:
    """The Excel number format for an indicator's unit."""
    unit = (unit or "").strip()
    if unit == "%":
        return '0.0"%"'
    if unit.startswith("per "):
        return "#,##0.0"
    if unit in ("count", "people", "number"):
        return "#,##0"
    return "#,##0.0##"


def _width(frame: pd.DataFrame, col: Any) -> int:
    """A column's width in characters, from its name and its first values."""
    kind = frame[col].dtype.kind
    if kind in "fiu":
        return max(len(str(col)), 12)
    if kind == "M":
        return max(len(str(col)), 11)
    texts = [10 if hasattr(v, "year") else len(str(v)) for v in frame[col].head(5000).tolist() if not is_blank(v)]
    return max([len(str(col))] + texts)


class ReturnWriter(SafeBook):
    """Writes the return's sheets into one workbook with shared formats."""

    def __init__(self, target: Any, tmpdir: str | None = None):
        super().__init__(target, tmpdir)
        self.fmt_cache: dict[str, Any] = {}
        self.header = self.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DCE6F2"})
        self.wrap = self.add_format({"text_wrap": True, "valign": "top"})
        self.title = self.add_format({"bold": True, "font_size": 16})
        self.bold = self.add_format({"bold": True, "valign": "top"})
        self.tables = 0

    def fmt(self, num_format: str | None):
        """The shared format for a number format, or None."""
        if not num_format:
            return None
        if num_format not in self.fmt_cache:
            self.fmt_cache[num_format] = self.add_format({"num_format": num_format})
        return self.fmt_cache[num_format]

    def sheet(self, name: str, streamed: bool = False) -> Worksheet:
        """A new sheet (streamed to disk when asked)."""
        return self.wb.add_worksheet(name[:31], worksheet_class=StreamedSheet if streamed else ExactNumbers)

    def open_table(self, name: str, columns: list[str], rows: int, widths: dict[str, int], *,
                   wrap: tuple[str, ...] = (), validations: dict[str, str] | None = None, note: str | None = None,
                   streamed: bool = False) -> tuple[Worksheet, int]:
        """A data sheet ready for its rows: header row frozen, fitted widths, an Excel table with filters over
        `rows` rows, drop-downs; return the sheet and the row of the header (the data follows it)."""
        ws = self.sheet(name, streamed)
        top = 0
        if note:
            self.text(ws, 0, 0, note, self.bold)
            top = 1
        for c, col in enumerate(columns):
            ws.set_column(c, c, min(widths.get(col, len(str(col))) + 2, MAX_WIDTH), self.wrap if col in wrap else None)
        self.tables += 1
        if columns:  # the table writes its header row, so it comes before the data rows
            ws.add_table(top, 0, top + max(rows, 1), len(columns) - 1, {
                "name": f"T{self.tables}_{''.join(ch for ch in name.title() if ch.isalnum())}"[:250],
                "columns": [{"header": str(col), "header_format": self.quoted(self.header)
                             if looks_like_formula(str(col)) else self.header} for col in columns],
                "style": "Table Style Light 9", "autofilter": True,
            })
        ws.freeze_panes(top + 1, 0)
        for col, source in (validations or {}).items():
            if col in columns:
                c = columns.index(col)
                ws.data_validation(top + 1, c, top + max(rows, 1000), c, {
                    "validate": "list", "source": source, "ignore_blank": True, "error_type": "warning",
                    "input_title": col, "input_message": COLUMN_HELP.get(col, "")[:255],
                })
        return ws, top

    def table(self, name: str, frame: pd.DataFrame, *, formats: dict[str, Any] | None = None,
              row_formats: dict[str, list[Any]] | None = None, wrap: tuple[str, ...] = (),
              validations: dict[str, str] | None = None, note: str | None = None, streamed: bool = False) -> Worksheet:
        """A data sheet: header row frozen, fitted widths, an Excel table with filters, formats by column or row."""
        formats = formats or {}
        row_formats = row_formats or {}
        columns = list(frame.columns)
        n = len(frame)
        ws, top = self.open_table(name, columns, n, {col: _width(frame, col) for col in columns}, wrap=wrap,
                                  validations=validations, note=note, streamed=streamed)
        fixed = [self.wrap if col in wrap else self.fmt(formats.get(col)) for col in columns]
        per_row = [row_formats.get(col) for col in columns]
        date_fmt = self.date_format
        for start in range(0, n, ROWS_PER_CHUNK):
            chunk = [frame[col].iloc[start:start + ROWS_PER_CHUNK].tolist() for col in columns]
            for i in range(len(chunk[0]) if chunk else 0):
                r = start + i
                row = top + r + 1
                for c in range(len(columns)):
                    v = chunk[c][i]
                    fmt = per_row[c][r] if per_row[c] is not None else fixed[c]
                    kind = type(v)
                    if kind is str:  # the common cases first, fast
                        self.text(ws, row, c, v, fmt)
                    elif (kind is float or kind is int) and math.isfinite(v):
                        ws.write_number(row, c, v, fmt)
                    else:
                        self.value(ws, row, c, v, fmt, date_fmt)
        return ws
