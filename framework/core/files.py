"""Looking at a file before reading it, so an import never hangs and never fills the server's memory: only
regular files (after following links) are read, and a workbook's uncompressed size, compression ratio and row
count (from each sheet's dimension) are checked from the zip directory before any sheet is parsed.

The limits are settings: SHARED_MEASURES_IMPORT_MAX_MB (default 1024: the most a workbook may expand to, and the
largest CSV) and SHARED_MEASURES_IMPORT_MAX_ROWS (default 5,000,000 rows across a workbook's sheets)."""
from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_MB_VAR = "SHARED_MEASURES_IMPORT_MAX_MB"
MAX_ROWS_VAR = "SHARED_MEASURES_IMPORT_MAX_ROWS"
DEFAULT_MAX_MB = 1024
DEFAULT_MAX_ROWS = 5_000_000
MAX_RATIO = 200  # a sheet's XML compresses about 10 to 20 times; a zip bomb, thousands of times
MAX_ENTRIES = 10_000
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?[A-Z]{1,3}\$?(\d+)(?::\$?[A-Z]{1,3}\$?(\d+))?"')


@dataclass(frozen=True)
class Limits:
    """How big an import may be: uncompressed bytes (and a CSV's size) and rows across a workbook's sheets."""

    max_bytes: int
    max_rows: int

    @property
    def max_mb(self) -> int:
        return self.max_bytes // (1 << 20)


def _setting(name: str, default: int) -> int:
    text = (os.environ.get(name) or "").replace(",", "").replace("_", "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else default


def limits() -> Limits:
    """The limits in force now (read from the environment each time, so a change needs no restart)."""
    return Limits(_setting(MAX_MB_VAR, DEFAULT_MAX_MB) << 20, _setting(MAX_ROWS_VAR, DEFAULT_MAX_ROWS))


def not_a_regular_file(path: Path) -> str | None:
    """What the path is when it is not a regular file that can be read without waiting (a folder, a named pipe,
    a device, a socket, nothing), following links; None for a regular file."""
    path = Path(path)
    try:
        target = path.resolve(strict=True)
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return "nothing: no such file" + (" (a link to a file that does not exist)" if path.is_symlink() else "")
    except (OSError, RuntimeError) as exc:  # a loop of links, no permission
        return f"a path that cannot be read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        if target.parts[1:2] in (("proc",), ("sys",), ("dev",)):  # "files" the kernel makes up as they are read
            return f"a system file ({target}), not data"
        return None
    kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "something that is not a file")
    return kind + (f" (the link leads to {target})" if target != path.absolute() else "")


def too_big_file(size: int, lim: Limits | None = None) -> str | None:
    """Why a file of this many bytes is too big to read, or None."""
    lim = lim or limits()
    if size > lim.max_bytes:
        return f"a file of {size / (1 << 20):,.0f} MB, more than the limit of {lim.max_mb:,} MB ({MAX_MB_VAR})"
    return None


def workbook_too_big(source: Path | bytes, lim: Limits | None = None) -> str | None:
    """Why a workbook would expand beyond the limits, from its zip directory and its sheets' dimensions, without
    parsing a sheet; None when it is within them (or is not a zip, which the workbook reader reports)."""
    lim = lim or limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError):
        return None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            return f"a workbook of {len(entries):,} parts, more than the {MAX_ENTRIES:,} a spreadsheet has"
        total = sum(e.file_size for e in entries)
        if total > lim.max_bytes:
            return (f"a workbook that expands to {total / (1 << 20):,.0f} MB, more than the limit of "
                    f"{lim.max_mb:,} MB ({MAX_MB_VAR})")
        for e in entries:
            if e.file_size > (1 << 20) and e.file_size > MAX_RATIO * max(e.compress_size, 1):
                return (f"a workbook whose part {e.filename} expands {e.file_size // max(e.compress_size, 1):,} times"
                        f" (to {e.file_size / (1 << 20):,.0f} MB), as no spreadsheet does")
        rows = 0
        for e in entries:
            if e.filename.startswith("xl/worksheets/") and e.filename.endswith(".xml"):
                rows += _sheet_rows(archive, e)
                if rows > lim.max_rows:
                    return (f"a workbook with more than {lim.max_rows:,} rows in its sheets, the limit "
                            f"({MAX_ROWS_VAR})")
    return None


def _sheet_rows(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> int:
    """A sheet's last row from its dimension (in the first few KB of its XML); 0 without one (the size limit
    still holds)."""
    with archive.open(entry) as fh:
        head = fh.read(8192)
    m = _DIMENSION.search(head)
    return int(m.group(2) or m.group(1)) if m else 0
