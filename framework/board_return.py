"""The board's Excel return and its sister products, put together from every capability: the Progress sheet from progress, and the
Priorities, Stakeholder review, Changes in the period, Engagement log and "You said, we did" sheets from theirs,
and for editors the sheets of every other system table, so the return moves a system whole.
A sheet that needs a permission is included only when the acting user holds it: the audit history ("Changes in the
period") is for those who may view history, as on the History page.
The products: the board return (headline rows of each measure's last three years), the full data return (every
breakdown and period; the complete return that moves a system whole) and the data pack (the same tables as Parquet
files in a zip, for analysts). The workbook itself is written by framework.data_io.excel_return and the pack by
framework.data_io.data_pack, which know no capability."""
from __future__ import annotations

import io
from pathlib import Path

from framework.core.atomic_file import CannotWrite, writable_target
from framework.core.auth import can
from framework.core.model import User
from framework.data_io import return_jobs
from framework.data_io.data_pack import write_pack
from framework.data_io.excel_return import Progress, SheetSource, check_target, write_return
from framework.data_io.system_tables import SYSTEM_TABLES, carried_notes, table_sheet
from framework.engagement.sheets import engagement_sheet, you_said_sheet
from framework.measures.history import changes_sheet
from framework.measures.priorities import priorities_sheet
from framework.progress.data_quality import data_quality_sheet
from framework.progress.spc_text import spc_sheet
from framework.progress.sql import progress_table
from framework.reviews.results import review_sheet

SHEETS: list[tuple[str, SheetSource, str | None]] = [
    ("Priorities", priorities_sheet, None),
    ("Variation and assurance", spc_sheet, None),
    ("Stakeholder review", review_sheet, None),
    ("Changes in the period", changes_sheet, "view_history"),
    ("Engagement log", engagement_sheet, None),
    ("You said, we did", you_said_sheet, None),
    ("Data quality", data_quality_sheet, None),
]
# Everything else a system is, for moving it whole or keeping a backup (framework.data_io.system_tables): for those
# who may edit the framework, as only they may import it, and as proposals name their proposers.
SHEETS += [(spec.sheet, table_sheet(spec), "edit_framework") for spec in SYSTEM_TABLES]


def sheets_for(user: User) -> list[tuple[str, SheetSource]]:
    """The further sheets this user's return holds."""
    return [(name, fn) for name, fn, permission in SHEETS if permission is None or can(user, permission)]


def export_return(con, user: User, system_code: str, path: str | Path) -> dict[str, int]:
    """Write the Excel return, as this user may see it, to a file; return rows per sheet. The file at the path is
    replaced only once the new one is complete."""
    path = check_target(path)
    return write_return(con, system_code, path, progress_table=progress_table, sheets=sheets_for(user),
                        user_name=user.name, about=carried_notes())


PRODUCTS = return_jobs.PRODUCTS


def check_product(kind: str, path: str | Path) -> Path:
    """The path a product may be written to, or ValueError saying why not."""
    if kind not in PRODUCTS:
        raise ValueError(f"There is no product called {kind!r}; choose one of: {', '.join(PRODUCTS)}.")
    if kind != "pack":
        return check_target(path)
    path = Path(path)
    if path.suffix.lower() != ".zip":
        raise ValueError(f"The data pack is a .zip file; {path.name} is not.")
    return writable_target(path)


def export_product(con, user: User, system_code: str, kind: str, path: str | Path,
                   progress: Progress | None = None) -> dict[str, int]:
    """Write the board return, the full data return or the data pack, as this user may see it, to a file; return
    rows per sheet or file. The file at the path is replaced only once the new one is complete."""
    path = check_product(kind, path)
    if kind == "pack":
        return write_pack(con, system_code, path, progress_table=progress_table, sheets=sheets_for(user),
                          user_name=user.name, progress=progress)
    return write_return(con, system_code, path, progress_table=progress_table, sheets=sheets_for(user),
                        user_name=user.name, about=carried_notes(), kind=kind, progress=progress)


def audience(user: User) -> str:
    """Which permission-bound sheets the user's return holds, as a short name: users with the same share a job."""
    held = sorted({permission for _, _, permission in SHEETS if permission and can(user, permission)})
    return "+".join(held) or "everyone"


def start_return(con, user: User, system_code: str, kind: str) -> return_jobs.Job:
    """Build a product in a worker, or join the build of the same one (see framework.data_io.return_jobs)."""
    return return_jobs.start(con, user, system_code, kind, builder=export_product, audience=audience(user))


def current_return(con, user: User, system_code: str, kind: str) -> return_jobs.Job | None:
    """The job building or holding this product at today's data for this user's audience, if there is one."""
    return return_jobs.current(con, user, system_code, kind, audience=audience(user))


def return_bytes(con, user: User, system_code: str) -> bytes:
    """The Excel return, as this user may see it, as bytes for a download button."""
    buffer = io.BytesIO()
    try:
        write_return(con, system_code, buffer, progress_table=progress_table, sheets=sheets_for(user),
                     user_name=user.name, about=carried_notes())
    except OSError as exc:  # the scratch space for the streamed sheets ran out
        raise CannotWrite(f"The return could not be prepared: {exc.strerror or exc}. Try again later.") from exc
    return buffer.getvalue()
