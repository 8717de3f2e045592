"""Returns built in a worker thread, not in the page: one job per system, product, data version and audience,
shared by everyone who asks for the same return while it is built or once it is done. A job reports its progress
(the sheet and the rows written), can be cancelled, and offers its file only once the file is complete: it is
written under a temporary name and renamed into place at the end, so a failed, cancelled or killed build leaves
nothing that looks done. A return estimated bigger than a set size is offered as the data pack instead, with the
reason in words.

Only those who may export today (the Data page's roles: partners, editors and administrators) may build. The
writing itself is given as `builder` (framework.board_return.export_product, which knows every capability's sheets,
and which also names the audience: users whose returns hold the same sheets share a job); this module only runs
it, keeps the finished files in one folder (SHARED_MEASURES_RETURNS, by default a folder in the system's temporary
space) and says where each job is."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framework.core.auth import require
from framework.core.db import read_rows, store_name
from framework.core.model import User

EXPORT_PERMISSION = "import_data"  # who sees the Data page, and so may export
FOLDER_VAR = "SHARED_MEASURES_RETURNS"
MAX_MB_VAR = "SHARED_MEASURES_RETURN_MAX_MB"
DEFAULT_MAX_MB = 100  # a workbook bigger than this is offered as the data pack instead
BYTES_PER_ROW = {"board": 75, "full": 75, "pack": 12}  # measured: about 75 bytes a row as xlsx, 12 as Parquet
PRODUCTS = {"board": "the board return", "full": "the full data return", "pack": "the data pack"}
SUFFIX = {"board": ".xlsx", "full": ".xlsx", "pack": ".zip"}
BUILDING, DONE, FAILED, CANCELLED = "building", "done", "failed", "cancelled"


class BuildCancelled(Exception):
    """The build was cancelled; nothing is offered."""


@dataclass
class Job:
    """One return being built, or built, for everyone who asks for the same one."""

    job_id: str
    key: tuple[str, str, str, str]  # system, product, data version, audience
    system_code: str
    kind: str
    path: Path
    requested_by: str
    state: str = BUILDING
    sheet: str = ""
    rows: int = 0
    total: int = 0
    error: str = ""
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def label(self) -> str:
        return PRODUCTS[self.kind]

    @property
    def file_name(self) -> str:
        return f"shared-measures-{self.kind}-{self.system_code}{SUFFIX[self.kind]}"

    def progress(self, sheet: str, rows: int, total: int) -> None:
        """Hear of rows written; stop the build when it was cancelled."""
        if self.cancel.is_set():
            raise BuildCancelled()
        self.sheet, self.rows, self.total = sheet, rows, total


@dataclass(frozen=True)
class Plan:
    """What a request for a product would build: the product, its rows, its estimated size, and why the data pack
    is offered instead, when it is."""

    asked: str
    kind: str
    rows: int
    estimated_mb: float
    reason: str = ""


_jobs: dict[tuple[str, str, str, str], Job] = {}
_ended: dict[str, Job] = {}  # failed and cancelled jobs, by id, so the page can say what happened
KEEP_ENDED = 100
_lock = threading.Lock()
Builder = Callable[..., Any]  # (con, user, system_code, kind, path, progress=...) -> rows per sheet


def max_mb() -> float:
    """The largest workbook the app builds, in MB (SHARED_MEASURES_RETURN_MAX_MB)."""
    try:
        value = float(os.environ.get(MAX_MB_VAR, DEFAULT_MAX_MB))
    except ValueError:
        return float(DEFAULT_MAX_MB)
    return value if value > 0 else float(DEFAULT_MAX_MB)


def folder() -> Path:
    """Where finished returns are kept."""
    path = Path(os.environ.get(FOLDER_VAR) or Path(tempfile.gettempdir()) / "shared-measures-returns")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check(user: User, kind: str) -> None:
    require(user, EXPORT_PERMISSION)
    if kind not in PRODUCTS:
        raise ValueError(f"There is no product called {kind!r}; choose one of: {', '.join(PRODUCTS)}.")


def data_version(con, system_code: str) -> str:
    """What the system's data is now: the last change recorded in the audit trail and the measurement count."""
    row = read_rows(con, "SELECT (SELECT coalesce(max(audit_id), 0) FROM audit_log) AS changed, count(*) AS n,"
                         " coalesce(max(batch_id), 0) AS batch FROM measurement WHERE system_code = ?",
                    [system_code])[0]
    return hashlib.sha256(f"{row['changed']}|{row['n']}|{row['batch']}".encode()).hexdigest()[:12]


def megabytes(mb: float) -> str:
    """A size in words: '317 MB', '2.5 MB', '0.1 MB'."""
    return f"{mb:,.0f} MB" if mb >= 10 else f"{max(mb, 0.1):.1f} MB"


def plan(con, user: User, system_code: str, kind: str) -> Plan:
    """What asking for this product builds: a workbook estimated bigger than the set size becomes the data pack."""
    _check(user, kind)
    from framework.data_io.return_sheets import measurement_count

    rows = measurement_count(con, system_code, "full" if kind == "pack" else kind)
    estimate = rows * BYTES_PER_ROW[kind] / 1e6
    limit = max_mb()
    if kind != "pack" and estimate > limit:
        pack_mb = rows * BYTES_PER_ROW["pack"] / 1e6
        reason = (f"{PRODUCTS[kind].capitalize()} of {system_code} would hold {rows:,} measurement rows, about "
                  f"{megabytes(estimate)} as a workbook: more than the {megabytes(limit)} this app builds as a "
                  "workbook, which would take a long time to build and to open. The data pack holds every row of "
                  f"every table in Parquet files (about {megabytes(pack_mb)}), opens in R, Python, Power BI or "
                  "DuckDB, and is built in seconds.")
        return Plan(kind, "pack", rows, pack_mb, reason)
    return Plan(kind, kind, rows, estimate)


def _build(job: Job, con, user: User, builder: Builder) -> None:
    try:
        builder(con, user, job.system_code, job.kind, job.path, progress=job.progress)
        job.rows = job.total = max(job.rows, job.total)
        job.state = DONE
    except BuildCancelled:
        job.state = CANCELLED
    except Exception as exc:  # said in words on the page; the file is not offered
        job.state = FAILED
        job.error = failure_words(exc)
    finally:
        job.finished = time.monotonic()
        if job.state != DONE:
            with _lock:
                if _jobs.get(job.key) is job:
                    del _jobs[job.key]
                _ended[job.job_id] = job
                while len(_ended) > KEEP_ENDED:
                    _ended.pop(next(iter(_ended)))


def failure_words(exc: BaseException) -> str:
    """Why a build failed, in words: the message of a known problem, never a raw database error."""
    from framework.core.atomic_file import CannotWrite

    ours = not type(exc).__module__.startswith(("duckdb", "_duckdb"))
    if ours and isinstance(exc, (CannotWrite, ValueError, PermissionError)) and exc.args:
        return str(exc.args[0])
    if isinstance(exc, OSError):
        return f"There was no room to build it ({(exc.strerror or 'the disk').lower()}). Nothing was kept."
    return (f"An unexpected {type(exc).__name__} stopped the build. Nothing was kept; try again, and tell your "
            "administrator if it happens again.")


def _key(con, system_code: str, kind: str, audience: str) -> tuple[str, str, str, str]:
    return store_name(con) or "memory", system_code, kind, f"{data_version(con, system_code)}-{audience}"


def start(con, user: User, system_code: str, kind: str, *, builder: Builder, audience: str) -> Job:
    """The job building this return for this user: the one already built or being built for the same system,
    product, data version and audience, or a new one started in a worker thread."""
    _check(user, kind)
    key = _key(con, system_code, kind, audience)
    store = hashlib.sha256(key[0].encode()).hexdigest()[:8]
    prefix = f"{store}-{system_code}-{kind}-{re.sub(r'[^a-z_+]', '', audience)}-"  # one return, any data version
    path = folder() / f"{prefix}{hashlib.sha256('|'.join(key).encode()).hexdigest()[:16]}{SUFFIX[kind]}"
    with _lock:
        job = _jobs.get(key)
        if job is not None and (job.state == BUILDING or (job.state == DONE and job.path.exists())):
            return job
        job = Job(uuid.uuid4().hex, key, system_code, kind, path, user.name)
        _jobs[key] = job
        if path.exists():  # built whole before (the file is renamed into place only once complete)
            job.state, job.finished = DONE, time.monotonic()
            return job
        for old in folder().glob(f"{prefix}*{SUFFIX[kind]}"):  # the same return of an older version of the data
            if old != path and not any(j.path == old and j.state == BUILDING for j in _jobs.values()):
                old.unlink(missing_ok=True)
        job.thread = threading.Thread(target=_build, args=(job, con, user, builder), daemon=True,
                                      name=f"return-{system_code}-{kind}")
        job.thread.start()
    return job


def find(job_id: str | None) -> Job | None:
    """A job by its id, while the app knows it."""
    if not job_id:
        return None
    with _lock:
        return next((j for j in _jobs.values() if j.job_id == job_id), None) or _ended.get(job_id)


def current(con, user: User, system_code: str, kind: str, *, audience: str) -> Job | None:
    """The job for this return at today's data, if one is being built or is done (someone else may have asked)."""
    _check(user, kind)
    key = _key(con, system_code, kind, audience)
    with _lock:
        job = _jobs.get(key)
    return None if job is not None and job.state == DONE and not job.path.exists() else job


def cancel(user: User, job: Job) -> None:
    """Stop a build; its partial file is removed and nothing is offered."""
    require(user, EXPORT_PERMISSION)
    job.cancel.set()


def finished_file(user: User, job: Job) -> Callable[[], bytes]:
    """The finished file's bytes, read when the user clicks download (written whole by the safe writers)."""
    require(user, EXPORT_PERMISSION)
    if job.state != DONE or not job.path.exists():
        raise ValueError(f"{job.label.capitalize()} is not ready.")
    path = job.path
    return lambda: path.read_bytes()
