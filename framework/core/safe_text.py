"""Text that stays text wherever the app sends it: every CSV and workbook the app writes, and every name the
command line prints.

- A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return (also after leading spaces) would
  run as a formula when a spreadsheet opens a CSV. In CSV it gets a leading apostrophe, which spreadsheets show as
  text; in workbooks it is stored as text with Excel's own quote prefix, so the value itself is unchanged and the
  cell stays text even when someone edits it. Numbers stay numbers: -3.5 is a number, not a formula.
- Every text field of a CSV is quoted, so a line break or a lone carriage return inside a field never starts a row.
- `markdown_text` escapes every character Markdown or Streamlit gives a meaning, so user text put inside Markdown
  (a name, a story, a comment) shows exactly as typed and can never add a link, an image, a heading or a colour.
- `printable` shows control characters (line breaks, terminal escape codes) as escapes, so a file name can never
  forge a line or colour the terminal.

Every CSV in framework/ and pages/ is written here, and every workbook by core.safe_workbook, which uses this
module's rules (tests/test_safe_downloads.py checks both)."""
from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd

from framework.core.atomic_file import replace_atomically

# A formula starts with = + - @ (or their full-width forms), maybe after spaces; a tab or carriage return at
# the start also makes some spreadsheets read on into a formula.
_FORMULA = re.compile(r"^(?:[\t\r]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20])")
_LEADS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"^ *[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)? *%?$")


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


# Every ASCII character that Markdown or Streamlit gives a meaning: emphasis, links and images, headings, lists,
# tables, code, HTML and entities, directives such as :red[...], LaTeX, strikethrough, and bare links.
_MARKDOWN_CHARACTERS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=@^])")


def markdown_text(value: object) -> str:
    """User text made safe to put inside Markdown: each character Markdown or Streamlit would act on is escaped."""
    if value is None or (isinstance(value, float) and value != value):  # nothing, or a blank cell (NaN)
        return ""
    return _MARKDOWN_CHARACTERS.sub(r"\\\1", str(value))
