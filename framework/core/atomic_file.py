"""Files written whole or not at all. A file is written to a temporary name beside its target and renamed into
place only once it is complete, so a failure, a full disk or a killed process leaves the previous file as it was,
and the temporary file is removed (one left by a killed process is swept a day later). Scratch folders for
large workbooks are removed the same way."""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from framework.core.files import not_a_regular_file

STALE_SECONDS = 24 * 3600
SCRATCH_PREFIX = "shared-measures-scratch-"


class CannotWrite(Exception):
    """A file could not be written; the message says which, why, and that nothing was left half-written."""


def _reason(exc: OSError, target: Path) -> str:
    folder = target.parent
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full"
    if code == errno.EROFS:
        return f"the folder {folder} is on a read-only disk"
    if code in (errno.EACCES, errno.EPERM):
        return f"you may not write in the folder {folder}"
    if code == errno.EISDIR:
        return f"{target.name} is a folder"
    if code in (errno.ENOENT, errno.ENOTDIR):
        return f"the folder {folder} does not exist"
    return (exc.strerror or type(exc).__name__).lower()


def cannot_write(exc: OSError, target: Path, existed: bool) -> CannotWrite:
    """The error, in words, for an OSError met while writing target."""
    kept = " The previous file is unchanged." if existed else ""
    return CannotWrite(f"Cannot write {target}: {_reason(exc, target)}. Nothing was written.{kept}")


def file_kind(path: str | Path) -> str | None:
    """What a path names when it is not a regular file (after following links), in words; None for a regular file."""
    return not_a_regular_file(Path(path))


def writable_target(path: str | Path) -> Path:
    """The path a write replaces; CannotWrite when it is a folder, a device or a pipe, or its folder does not exist.
    A link is replaced by the new file, never written through, so a link planted where a file will be written
    cannot redirect the write to another file."""
    target = Path(path)
    kind = file_kind(target) if target.exists() and not target.is_symlink() else None
    if kind == "a folder":
        raise CannotWrite(f"Cannot write {target}: it is a folder. Name a file inside it.")
    if kind:
        raise CannotWrite(f"Cannot write {target}: it is {kind}, not a regular file.")
    if not target.parent.is_dir():
        raise CannotWrite(f"Cannot write {target}: the folder {target.parent} does not exist.")
    return target


def _sweep(folder: Path, pattern: str) -> None:
    """Remove leftovers of killed writes (older than a day) matching the pattern."""
    cutoff = time.time() - STALE_SECONDS
    with contextlib.suppress(OSError):
        for old in folder.glob(pattern):
            with contextlib.suppress(OSError):
                if old.lstat().st_mtime < cutoff:
                    shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()


@contextlib.contextmanager
def replace_atomically(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside the target; when the block ends well, the file is flushed to disk and renamed
    onto the target. On any failure the temporary file is removed and the target is untouched; an OSError
    becomes CannotWrite, in words."""
    target = writable_target(path)
    existed = target.exists() and not target.is_symlink()
    _sweep(target.parent, f".{target.name}.*.part")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise cannot_write(exc, target, existed) from exc
    os.close(fd)
    part = Path(name)
    try:
        yield part
        with open(part, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(part, stat.S_IMODE(target.stat().st_mode) if existed else 0o644)
        os.replace(part, target)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise cannot_write(exc, target, existed) from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@contextlib.contextmanager
def scratch_folder() -> Iterator[str]:
    """A private temporary folder, removed when the block ends, however it ends."""
    base = Path(tempfile.gettempdir())
    _sweep(base, f"{SCRATCH_PREFIX}*")
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, ignore_cleanup_errors=True) as folder:
        yield folder
