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
        it (blanks empty, text never a formula), column by column, far faster than cell by cell; return the rows
        written."""
        if not ws.constant_memory:
            raise ValueError(f"Rows stream only into a sheet that streams to disk; {ws.name} does not.")
        n = len(columns[0]) if columns else 0
        if not n:
            return 0
        ws._write_single_row(first_row)  # rows XlsxWriter holds (a table header) go out first
        rows = [str(r) for r in range(first_row + 1, first_row + n + 1)]
        styles: dict[int, str] = {}
        cells = [self._column_cells(xl_col_to_name(c), rows, values, formats[c], styles)
                 for c, values in enumerate(columns)]
        ws.fh.write("".join(f'<row r="{r}">{"".join(row)}</row>' for r, row in zip(rows, zip(*cells)) if any(row)))
        ws._check_dimensions(first_row, 0)  # the extent, as writing cell by cell keeps it
        ws._check_dimensions(first_row + n - 1, len(columns) - 1)
        ws.previous_row = first_row + n
        return n

    def _style(self, fmt: Format | None, styles: dict[int, str]) -> str:
        key = id(fmt)
        if key not in styles:
            styles[key] = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""
        return styles[key]

    def _column_cells(self, letter: str, rows: list[str], values: list[Any], fmt: Any,
                      styles: dict[int, str]) -> list[str]:
        """One column's cells as XML ('' for a blank), by the kind of value the column holds."""
        per_row = isinstance(fmt, list)
        style = [self._style(f, styles) for f in fmt] if per_row else None
        kinds = {type(v) for v in values}
        kinds.discard(type(None))
        if kinds == {str}:
            texts: dict[tuple[str, int], str] = {}

            def text(v: str, f: Any) -> str:
                key = (v, id(f))
                if key not in texts:
                    texts[key] = _inline_text(v, self._style(self.quoted(f) if looks_like_formula(v) else f, styles))
                return texts[key]

            if per_row:
                return ["" if v is None else f'<c r="{letter}{r}"{text(v, f)}' for v, r, f in zip(values, rows, fmt)]
            return ["" if v is None else f'<c r="{letter}{r}"{text(v, fmt)}' for v, r in zip(values, rows)]
        finite = kinds == {int} or (kinds == {float} and all(v is None or math.isfinite(v) for v in values))
        if finite or not kinds:
            if per_row:
                return ["" if v is None else f'<c r="{letter}{r}"{s}><v>{v!r}</v></c>'
                        for v, r, s in zip(values, rows, style)]
            s = self._style(fmt, styles)
            return ["" if v is None else f'<c r="{letter}{r}"{s}><v>{v!r}</v></c>' for v, r in zip(values, rows)]
        fmts = fmt if per_row else [fmt] * len(values)
        return [self._cell(letter + r, v, f, styles) for v, r, f in zip(values, rows, fmts)]

    def _cell(self, ref: str, v: Any, fmt: Format | None, styles: dict[int, str]) -> str:
        """One cell of any kind as XML, as `value` writes it: blanks empty, numbers, dates, yes/no, text."""
        if v is None or is_blank(v):
            return ""
        if isinstance(v, str):
            return f'<c r="{ref}"' + _inline_text(v, self._style(self.quoted(fmt) if looks_like_formula(v) else fmt,
                                                                   styles))
        if isinstance(v, bool) or type(v).__name__ == "bool_":
            return f'<c r="{ref}"{self._style(fmt, styles)} t="b"><v>{int(bool(v))}</v></c>'
        if isinstance(v, numbers.Number) and not isinstance(v, complex):
            number = float(v) if not isinstance(v, int) else v
            if isinstance(number, float) and math.isinf(number):
                return self._cell(ref, "infinity" if number > 0 else "minus infinity", fmt, styles)
            return f'<c r="{ref}"{self._style(fmt, styles)}><v>{number!r}</v></c>'
        if isinstance(v, (date, datetime)):
            return f'<c r="{ref}"{self._style(self.date_format, styles)}><v>{excel_serial(v)!r}</v></c>'
        return self._cell(ref, str(v), fmt, styles)

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


def _inline_text(text: str, style: str) -> str:
    """The rest of an inline text cell after its reference: Excel's escapes for control characters, XML escapes,
    whitespace kept."""
    if len(text) > CELL_CHARACTERS:
        text = text[:CELL_CHARACTERS]
    if "_x" in text:
        text = _ESCAPED_LOOKALIKE.sub(r"_x005F\1", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    if _XML_SPECIAL.search(text):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text and (text[0].isspace() or text[-1].isspace()) else ""
    return f'{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook of plain sheets, one per frame, as bytes for a download."""
    buffer = io.BytesIO()
    book = SafeBook(buffer)
    for name, frame in sheets.items():
        book.frame_sheet(name, frame)
    book.close()
    return buffer.getvalue()
