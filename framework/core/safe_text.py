"""Text that stays text wherever the app sends it: every CSV and workbook the app writes, and every name the
command line prints.

- A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return (also after leading spaces) would
  run as a formula when a spreadsheet opens a CSV. In CSV it gets a leading apostrophe, which spreadsheets show as
  text; in workbooks it is stored as text with Excel's own quote prefix, so the value itself is unchanged and the
  cell stays text even when someone edits it. Numbers stay numbers: -3.5 is a number, not a formula.
- Every text field of a CSV is quoted, so a line break or a lone carriage return inside a field never starts a row.
- `printable` shows control characters (line breaks, terminal escape codes) as escapes, so a file name can never
  forge a line or colour the terminal.

Every CSV and workbook in framework/ and pages/ is written here (tests/test_safe_downloads.py checks it)."""
from __future__ import annotations

import contextlib
import csv
import io
import math
import numbers
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from framework.core.atomic_file import replace_atomically

# A formula starts with = + - @ (or their full-width forms), maybe after spaces; a tab or carriage return at
# the start also makes some spreadsheets read on into a formula.
_FORMULA = re.compile(r"^(?:[\t\r]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20])")
_LEADS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"^ *[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)? *%?$")
EXCEL_EPOCH = datetime(1899, 12, 30)


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula (a plain number such as -3.5 is not one)."""
    if not text or (text[0] not in _LEADS and not text[0].isspace()):
        return False  # most text: decided by its first character
    return bool(_FORMULA.match(text)) and not _NUMBER.match(text)


def neutral_text(text: str) -> str:
    """The text as a CSV cell: an apostrophe in front when it could run as a formula, otherwise unchanged."""
    return "'" + text if looks_like_formula(text) else text


def neutral_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and column names are neutral; numbers, dates and blanks are left as they are."""
    out = frame.copy()
    out.columns = [neutral_text(c) if isinstance(c, str) else c for c in out.columns]
    for i in range(out.shape[1]):  # by position: column names may repeat
        column = out.iloc[:, i]
        if column.dtype.kind in "OSUT" or isinstance(column.dtype, pd.StringDtype):
            out.isetitem(i, column.map(lambda v: neutral_text(v) if isinstance(v, str) else v).astype(object))
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV for a download: neutral text, every text field quoted, numbers as numbers."""
    buffer = io.StringIO()
    neutral_frame(frame).to_csv(buffer, index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8")


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the frame as a neutral CSV file, replacing any file at the path only once it is complete."""
    data = csv_bytes(frame)
    with replace_atomically(path) as part:
        part.write_bytes(data)
    return Path(path)


def is_blank(value: Any) -> bool:
    """None, NaN, pd.NA and NaT: a cell left empty."""
    if type(value) is str:
        return False
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if not isinstance(value, (str, bytes, list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


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


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook of plain sheets, one per frame, as bytes for a download."""
    buffer = io.BytesIO()
    book = SafeBook(buffer)
    for name, frame in sheets.items():
        book.frame_sheet(name, frame)
    book.close()
    return buffer.getvalue()


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: Any) -> str:
    """Text for a terminal line: control and invisible formatting characters shown as escapes (as repr does),
    so a name can neither start a new line nor send escape codes."""
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)  # other separators, e.g. a no-break space
    return "".join(out)
