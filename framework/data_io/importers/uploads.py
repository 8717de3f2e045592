"""Files uploaded in the app: kept in a private temporary folder named by their content, checked (a cached read
for the page) and imported; rejected rows come back as CSV bytes for a download button."""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from framework.core.model import User
from framework.data_io.importers.core import check_files, import_files
from framework.data_io.importers.report import BatchSummary, ImportPlan, Progress, no_progress

UPLOADS = Path(tempfile.gettempdir()) / "shared-measures-uploads"


def save_upload(name: str, data: bytes) -> str:
    """Keep an uploaded file under a folder named by its sha256; return its path."""
    safe = "".join(ch for ch in Path(name).name if ch.isalnum() or ch in "._- ()").strip() or "upload"
    folder = UPLOADS / hashlib.sha256(data).hexdigest()[:32]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe
    if not path.exists():
        path.write_bytes(data)
    return str(path)


def check_upload(con, path: str, system_code: str | None) -> ImportPlan:
    """Check an uploaded file without writing anything."""
    return check_files(con, [Path(path)], system_code=system_code)


def import_upload(con, user: User, path: str, system_code: str | None, skip_invalid: bool,
                  progress: Progress = no_progress) -> list[BatchSummary]:
    """Import an uploaded file (checked again at the moment of writing, all or nothing unless skip_invalid)."""
    return import_files(con, user, [Path(path)], system_code=system_code, skip_invalid=skip_invalid,
                        progress=progress)


def rejects_bytes(path: str | None) -> bytes | None:
    """The rejected rows file as bytes, or None when there is none."""
    if not path or not Path(path).exists():
        return None
    return Path(path).read_bytes()
