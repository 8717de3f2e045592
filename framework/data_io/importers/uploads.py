"""Files uploaded in the app: kept in a private temporary folder named by their content while they are checked (a
cached read for the page) and imported, then deleted. Uploads left behind (a page closed before importing) are
swept once they are a day old. Rejected rows come back as CSV bytes for a download button."""
from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from framework.core.model import User
from framework.data_io.importers.core import check_files, import_files
from framework.data_io.importers.report import BatchSummary, ImportPlan, Progress, no_progress

UPLOADS = Path(tempfile.gettempdir()) / "shared-measures-uploads"
KEEP_SECONDS = 24 * 3600


def sweep_uploads(older_than: float = KEEP_SECONDS, now: float | None = None) -> int:
    """Delete uploads (and their rejects files) older than a day; return how many folders were removed."""
    now = time.time() if now is None else now
    removed = 0
    if not UPLOADS.is_dir():
        return 0
    for folder in UPLOADS.iterdir():
        with contextlib.suppress(OSError):  # another server process may be sweeping the same folder
            if folder.is_dir() and not folder.is_symlink() and now - folder.stat().st_mtime > older_than:
                shutil.rmtree(folder)
                removed += 1
    return removed


def save_upload(name: str, data: bytes) -> str:
    """Keep an uploaded file under a folder named by its sha256; return its path. Old uploads are swept first."""
    sweep_uploads()
    safe = "".join(ch for ch in Path(name).name if ch.isalnum() or ch in "._- ()").strip() or "upload"
    UPLOADS.mkdir(parents=True, exist_ok=True, mode=0o700)  # private to the app's own user
    folder = UPLOADS / hashlib.sha256(data).hexdigest()[:32]
    folder.mkdir(exist_ok=True, mode=0o700)
    path = folder / safe
    if not path.exists():
        path.write_bytes(data)
    return str(path)


def discard_upload(path: str) -> None:
    """Delete an uploaded file and its folder (with any rejects file in it)."""
    folder = Path(path).parent
    if folder.parent == UPLOADS and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def check_upload(con, path: str, system_code: str | None, user: User | None = None) -> ImportPlan:
    """Check an uploaded file, as this user would import it, without writing anything."""
    return check_files(con, [Path(path)], system_code=system_code, user=user)


def import_upload(con, user: User, path: str, system_code: str | None, skip_invalid: bool,
                  progress: Progress = no_progress, update: bool = False,
                  seen: str | None = None) -> list[BatchSummary]:
    """Import an uploaded file (checked again at the moment of writing, all or nothing unless skip_invalid), then
    delete it; the rejected rows stay readable in the summaries' rejects_bytes. A complete return that changes its
    existing system needs update, and seen, the state its changes were shown for (importers.whole)."""
    summaries = import_files(con, user, [Path(path)], system_code=system_code, skip_invalid=skip_invalid,
                             progress=progress, update=update, seen=seen)
    kept = [_with_rejects(s) for s in summaries]
    discard_upload(path)
    return kept


def _with_rejects(summary: BatchSummary) -> BatchSummary:
    data = rejects_bytes({"rejects_file": summary.rejects_file})
    return BatchSummary(**{**summary.__dict__, "rejects_data": data}) if data else summary


def rejects_bytes(summary: dict[str, Any]) -> bytes | None:
    """The rejected rows of an import as CSV bytes (kept with the summary, or its file), or None when there are none."""
    if summary.get("rejects_data"):
        return summary["rejects_data"]
    path = summary.get("rejects_file")
    if not path or not Path(path).exists():
        return None
    return Path(path).read_bytes()
