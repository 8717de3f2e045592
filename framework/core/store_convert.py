"""Converting a database file written by DuckDB 2.0 into one this release's DuckDB (1.5) opens, keeping every row.

Releases before server mode used DuckDB 2.0, whose files DuckDB 1.5 refuses. DuckDB 2.0 can still write files in
DuckDB 1.5's format, so `make` installs DuckDB 2.0 into its own folder beside the app's Python
(`.venv/duckdb-2.0`), and `python -m framework --db PATH convert` runs it in a child process
(store_convert_child.py) to copy the whole database, every table, view and sequence, into a new file
`<name>.converting`. Every table's row count and checksum must match the original's, and DuckDB 1.5 must count the
same rows in the new file; only then is the original kept as `<name>.duckdb-2.0.bak` and the new file moved into its
place in one step. A conversion stopped at any moment leaves the original untouched where it was.

Opening such a file for writing (the app, any command) converts it the same way first when DuckDB 2.0 is installed,
saying so in the log; a read-only open (an analyst's) never changes it and is refused with the command to run.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from framework.core.errors import StoreError

FOLDER_VAR = "SHARED_MEASURES_DUCKDB2"  # where DuckDB 2.0 is installed, when not in <venv>/duckdb-2.0
FOLDER_NAME = "duckdb-2.0"
BACKUP_SUFFIX = ".duckdb-2.0.bak"
WORK_SUFFIX = ".converting"
CHILD = Path(__file__).with_name("store_convert_child.py")
READABLE = range(64, 69)  # the storage versions DuckDB 1.5 reads (its own message names 64 to 68)
MAGIC = b"DUCK"
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Converted:
    """What a conversion did: the database converted, where the original is kept, and what was copied."""

    path: Path
    backup: Path
    tables: int
    rows: int
    seconds: float

    def sentence(self) -> str:
        return (f"Converted {self.path} for this release: {self.tables} tables, {self.rows:,} rows, every table's "
                f"rows and checksum checked, in {self.seconds:.1f} s. The original is kept as {self.backup}.")


def storage_version(path: Path) -> int | None:
    """The storage version in a DuckDB file's header, or None when the file is not a DuckDB database."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(20)
    except OSError:
        return None
    if len(head) < 20 or head[8:12] != MAGIC:
        return None
    return int.from_bytes(head[12:20], "little")


def needs_conversion(path: str | Path) -> bool:
    """True for a DuckDB file this release's DuckDB cannot read because a newer DuckDB wrote it."""
    version = storage_version(Path(path))
    return version is not None and version > READABLE[-1] and int(duckdb.__version__.split(".")[0]) < 2


def duckdb2_folder() -> Path | None:
    """Where DuckDB 2.0 is installed for conversions: $SHARED_MEASURES_DUCKDB2, else <venv>/duckdb-2.0; None when
    neither holds it."""
    given = os.environ.get(FOLDER_VAR)
    folder = Path(given) if given else Path(sys.prefix) / FOLDER_NAME
    return folder if (folder / "duckdb" / "__init__.py").is_file() else None


def install_words() -> str:
    """How to install DuckDB 2.0 for conversions, as a user would type it."""
    return (f"`.venv/bin/pip install --target .venv/{FOLDER_NAME} duckdb==2.0.0` (`make run` does this), or set "
            f"{FOLDER_VAR} to a folder holding DuckDB 2.0")


def convert(path: str | Path, *, say: Callable[[str], None] = lambda _text: None) -> Converted:
    """Convert a DuckDB 2.0 file in place for this release, keeping the original beside it; raise StoreError in
    words when it cannot be done, with the original untouched."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"There is no database at {path}.")
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file.")
    version = storage_version(path)
    if version is None:
        raise StoreError(f"{path} is not a Shared Measures database: it is not a DuckDB file. Nothing was changed.")
    if not needs_conversion(path):
        raise StoreError(f"{path} already opens with this release (DuckDB {duckdb.__version__}); nothing was "
                         "changed.")
    folder = duckdb2_folder()
    if folder is None:
        raise StoreError(f"{path} was written by DuckDB 2.0 and converting it needs DuckDB 2.0 installed beside "
                         f"this release. Install it with {install_words()}, then run "
                         f"`python -m framework --db {path} convert`. Nothing was changed.")
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    if backup.exists() and os.path.samefile(path, backup):
        backup.unlink()  # the second name a conversion stopped just before its last step gave the original
    if backup.exists():
        raise StoreError(f"{backup} is already there, from an earlier conversion. Move it somewhere safe, then run "
                         "the conversion again. Nothing was changed.")
    work = path.with_name(path.name + WORK_SUFFIX)
    with _only_one(path) as lock_fds:
        _remove(work)  # what a conversion stopped midway left
        started = time.monotonic()
        say(f"Converting {path} from DuckDB 2.0's format to this release's (DuckDB {duckdb.__version__}); the "
            "original is not changed until the copy is complete and checked.")
        try:
            copied = _copy(folder, path, work, lock_fds)
            _check_here(work, copied)
            _fsync(work)
            _keep(path, backup)
            os.replace(work, path)  # the one step: before it the original is in place, after it the new file
            _fsync_folder(path.parent)
        finally:
            _remove(work)
    rows = sum(copied["tables"].values())
    done = Converted(path, backup, len(copied["tables"]), rows, time.monotonic() - started)
    say(done.sentence())
    return done


class _only_one:
    """Hold a lock beside the database while converting, so two conversions of one file never run at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = path.with_name(path.name + WORK_SUFFIX + ".lock")

    def __enter__(self) -> tuple[int, ...]:
        try:
            self.handle = open(self.lock, "a")
        except OSError as exc:
            raise StoreError(f"Cannot convert {self.path}: its folder cannot be written ({exc.strerror}). Nothing was changed.") from None
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.close()
            raise StoreError("Another conversion of this database is running; wait for it to finish. Nothing was "
                             "changed.") from None
        return (self.handle.fileno(),)

    def __exit__(self, *_exc: object) -> None:
        self.lock.unlink(missing_ok=True)
        self.handle.close()


def _copy(folder: Path, path: Path, work: Path, lock_fds: tuple[int, ...]) -> dict:
    """Run the DuckDB 2.0 child, holding the lock with it (so a child left running by a killed parent still
    keeps other conversions out); return what it copied, or raise StoreError with its reason."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run([sys.executable, str(CHILD), str(folder), str(path), str(work)], env=env,
                          capture_output=True, text=True, check=False, pass_fds=lock_fds)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"it stopped with code {done.returncode}"])[-1]
        if "lock" in reason.lower():
            raise StoreError(f"{path} is in use by another program (an app or command still running the earlier "
                             "release?). Stop it, then run the conversion again. Nothing was changed.")
        raise StoreError(f"{path} could not be converted: {reason[:400]}. Nothing was changed.")
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise StoreError(f"{path} could not be converted: the copy gave no account of itself. Nothing was "
                         "changed.") from None


def _check_here(work: Path, copied: dict) -> None:
    """Open the new file with this release's DuckDB and count every table's rows again."""
    try:
        con = duckdb.connect(str(work), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"The converted copy does not open with DuckDB {duckdb.__version__}: {exc}. Nothing was "
                         "changed.") from None
    try:
        for table, rows in copied["tables"].items():
            found = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if found != rows:
                raise StoreError(f"The converted copy of table {table} has {found} rows, not {rows}. Nothing was "
                                 "changed.")
    finally:
        con.close()


def _keep(path: Path, backup: Path) -> None:
    """Keep the original under the backup's name (a second name for the same file where the disk allows)."""
    try:
        os.link(path, backup)
    except OSError:
        part = backup.with_name(backup.name + ".part")
        shutil.copy2(path, part)
        _fsync(part)
        os.replace(part, backup)


def _remove(work: Path) -> None:
    for leftover in (work, Path(f"{work}.wal")):
        leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
