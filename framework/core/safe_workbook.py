"""Workbooks where every value is written as what it is: numbers as numbers (every digit kept by the return's
sheets), dates as dates, blanks left empty, and text always as text. Text a spreadsheet could take for a formula
(see core.safe_text) carries Excel's quote prefix: the value is unchanged, and the cell stays text even when
someone edits it. A full or read-only disk raises OSError and leaves no stray errors behind. Every workbook in
framework/ and pages/ is written here (tests/test_safe_downloads.py checks it)."""
from __future__ import annotations

import contextlib
import io
import math
import numbers
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from framework.core.safe_text import is_blank, looks_like_formula

EXCEL_EPOCH = datetime(1899, 12, 30)
CELL_CHARACTERS = 32_767  # Excel's most characters in a cell
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPED_LOOKALIKE = re.compile("(_x[0-9a-fA-F]{4}_)")
_XML_SPECIAL = re.compile("[&<>]")


def excel_serial(value: date | datetime) -> float:
    """A date or time as Excel's day number."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return (value - EXCEL_EPOCH).total_seconds() / 86400


class _QuietAfterFailure:
    """The workbook's file for the zip writer: the first error (a full disk) is raised; after it, writes are dropped,
    so the half-written workbook, when it is freed, raises nothing more (no stray traceback)."""

    def __init__(self, path: str | Path):
        self._fh = open(path, "wb")  # noqa: SIM115 - closed by close(), after the zip writer is done
        self.name = str(path)
        self.failed = False

    def _guard(self, fn, *args, default=None):
        if self.failed:
            return default
        try:
            return fn(*args)
        except OSError:
            self.failed = True
            raise

    def write(self, data) -> int:
        return self._guard(self._fh.write, data, default=len(data))

    def tell(self) -> int:
        return self._guard(self._fh.tell, default=0)

    def seek(self, *args) -> int:
        return self._guard(self._fh.seek, *args, default=0)

    def seekable(self) -> bool:
        return True

    def flush(self) -> None:
        self._guard(self._fh.flush)

    def close(self) -> None:
        if self.failed:
            with contextlib.suppress(OSError):
                self._fh.close()
            return
        try:
            self._fh.close()
        except OSError:
            self.failed = True
            raise


class SafeBook:
    """An XlsxWriter workbook where every value is written as what it is: numbers as numbers, dates as dates,
    blanks left empty, and text always as text (formula-like text with Excel's quote prefix). `tmpdir` is where
    XlsxWriter keeps the parts of streamed sheets; the caller removes it."""

    def __init__(self, target: Any, tmpdir: str | None = None):
        options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
                   "nan_inf_to_errors": False}
        if tmpdir:
            options["tmpdir"] = tmpdir
        self._file = _QuietAfterFailure(target) if isinstance(target, (str, Path)) else None
        self.wb = xlsxwriter.Workbook(self._file or target, options)
        self._props: dict[int, dict[str, Any]] = {}
        self._quoted: dict[int, Format] = {}
        self._plain_quoted: Format | None = None
        self.date_format = self.add_format({"num_format": "yyyy-mm-dd"})

    def add_format(self, props: dict[str, Any]) -> Format:
        """A cell format; its quote-prefixed twin is made when formula-like text needs it."""
        fmt = self.wb.add_format(props)
        self._props[id(fmt)] = dict(props)
        return fmt

    def quoted(self, fmt: Format | None) -> Format:
        """The format with Excel's quote prefix, so the text stays text even when someone edits the cell."""
        if fmt is None:
            if self._plain_quoted is None:
                self._plain_quoted = self.wb.add_format({"quote_prefix": True})
            return self._plain_quoted
        if id(fmt) not in self._quoted:
            self._quoted[id(fmt)] = self.wb.add_format({**self._props.get(id(fmt), {}), "quote_prefix": True})
        return self._quoted[id(fmt)]

    def text(self, ws: Worksheet, row: int, col: int, text: str, fmt: Format | None = None) -> None:
        """One text cell, never a formula."""
        if looks_like_formula(text):
            fmt = self.quoted(fmt)
        ws.write_string(row, col, text, fmt)

    def value(self, ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None,
              date_fmt: Format | None = None) -> None:
        """One cell of any kind: blanks stay empty, numbers are numbers, dates are dates, the rest is text."""
        if is_blank(value):
            return
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            ws.write_boolean(row, col, bool(value), fmt)
        elif isinstance(value, numbers.Number) and not isinstance(value, complex):
            number = float(value) if not isinstance(value, int) else value
            if isinstance(number, float) and math.isinf(number):
                self.text(ws, row, col, "infinity" if number > 0 else "minus infinity", fmt)
            else:
                ws.write_number(row, col, number, fmt)
        elif isinstance(value, (date, datetime)):
            ws.write_number(row, col, excel_serial(value), date_fmt or self.date_format)
        else:
            self.text(ws, row, col, str(value), fmt)

    def stream_rows(self, ws: Worksheet, first_row: int, columns: list[list[Any]],
                    formats: list[Format | None | list[Format | None]]) -> int:
        """Rows written straight into a streamed sheet's file, top to bottom, from `first_row`: one list of values
        per column and, per column, one format or a format for each row. Every cell is written as `value` writes
        it (blanks empty, text never a formula), far faster than cell by cell; return the rows written."""
        n = len(columns[0]) if columns else 0
        if not n:
            return 0
        ws._write_single_row(first_row)  # rows XlsxWriter holds (a table header) go out first
        letters = [xl_col_to_name(c) for c in range(len(columns))]
        styles: dict[int, str] = {}

        def style(fmt: Format | None) -> str:
            key = id(fmt)
            if key not in styles:
                styles[key] = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""
            return styles[key]

        date_style = style(self.date_format)
        lines = []
        for i in range(n):
            row = str(first_row + i + 1)
            cells = [f'<row r="{row}">']
            for c, values in enumerate(columns):
                v = values[i]
                if v is None:
                    continue
                kind = type(v)
                fmt = formats[c]
                if isinstance(fmt, list):
                    fmt = fmt[i]
                if kind is str:
                    cells.append(_text_cell(letters[c] + row, style(self.quoted(fmt) if looks_like_formula(v)
                                                                    else fmt), v))
                    continue
                if kind is float:
                    if v != v:  # NaN: a blank
                        continue
                    if v in (math.inf, -math.inf):
                        text = "infinity" if v > 0 else "minus infinity"
                        cells.append(_text_cell(letters[c] + row, style(fmt), text))
                        continue
                    cells.append(f'<c r="{letters[c]}{row}"{style(fmt)}><v>{v!r}</v></c>')
                elif kind is int:
                    cells.append(f'<c r="{letters[c]}{row}"{style(fmt)}><v>{v}</v></c>')
                elif kind is bool:
                    cells.append(f'<c r="{letters[c]}{row}"{style(fmt)} t="b"><v>{int(v)}</v></c>')
                elif isinstance(v, (date, datetime)):
                    s = style(fmt) if fmt is not None else date_style
                    cells.append(f'<c r="{letters[c]}{row}"{s}><v>{excel_serial(v)!r}</v></c>')
                elif is_blank(v):
                    continue
                elif isinstance(v, numbers.Number) and not isinstance(v, complex):
                    cells.append(f'<c r="{letters[c]}{row}"{style(fmt)}><v>{float(v)!r}</v></c>')
                else:
                    text = str(v)
                    cells.append(_text_cell(letters[c] + row, style(self.quoted(fmt) if looks_like_formula(text)
                                                                    else fmt), text))
            cells.append("</row>")
            lines.append("".join(cells))
        ws.fh.write("".join(lines))
        last = first_row + n - 1
        ws._check_dimensions(first_row, 0)  # the extent, as writing cell by cell keeps it
        ws._check_dimensions(last, len(columns) - 1)
        ws.previous_row = last + 1
        return n

    def frame_sheet(self, name: str, frame: pd.DataFrame, header: Format | None = None) -> Worksheet:
        """A plain sheet: a bold header row, then the frame's cells, with fitted widths."""
        ws = self.wb.add_worksheet(name[:31])
        header = header or self.add_format({"bold": True})
        for c, col in enumerate(frame.columns):
            self.text(ws, 0, c, str(col), header)
            texts = [len(str(v)) for v in frame[col].head(500).tolist() if not is_blank(v)]
            ws.set_column(c, c, min(max([len(str(col)), *texts]) + 2, 60))
        for r, record in enumerate(frame.itertuples(index=False), start=1):
            for c, v in enumerate(record):
                self.value(ws, r, c, v)
        ws.freeze_panes(1, 0)
        return ws

    def discard(self) -> None:
        """Give up on a workbook that failed midway: its files are closed and nothing more is written to them."""
        for ws in self.wb.worksheets():  # the parts of streamed sheets
            fh = getattr(ws, "row_data_fh", None)
            if fh is not None:
                with contextlib.suppress(OSError, ValueError):
                    fh.close()
        if self._file is not None:
            self._file.failed = True
            self._file.close()

    def close(self) -> None:
        """Finish the workbook; a full or read-only disk raises OSError (never XlsxWriter's own error type)."""
        try:
            self.wb.close()
        except FileCreateError as exc:
            cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
            error = OSError(cause.errno, cause.strerror) if cause else OSError(str(exc))
        else:
            error = None
        finally:
            if self._file is not None:
                self._file.close()
        if error is not None:
            raise error


def _text_cell(ref: str, style: str, text: str) -> str:
    """An inline text cell: Excel's escapes for control characters, XML escapes, whitespace kept."""
    if len(text) > CELL_CHARACTERS:
        text = text[:CELL_CHARACTERS]
    if "_x" in text:
        text = _ESCAPED_LOOKALIKE.sub(r"_x005F\1", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    if _XML_SPECIAL.search(text):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text and (text[0].isspace() or text[-1].isspace()) else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook of plain sheets, one per frame, as bytes for a download."""
    buffer = io.BytesIO()
    book = SafeBook(buffer)
    for name, frame in sheets.items():
        book.frame_sheet(name, frame)
    book.close()
    return buffer.getvalue()
