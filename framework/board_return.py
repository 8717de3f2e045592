"""The board's Excel return, put together from every capability: the Progress sheet from progress, and the
Priorities, Stakeholder review, Changes in the period, Engagement log and "You said, we did" sheets from theirs.
The workbook itself is written by framework.data_io.excel_return, which knows no capability."""
from __future__ import annotations

import io
from pathlib import Path

from framework.data_io.excel_return import SheetSource, check_target, write_return
from framework.engagement.sheets import engagement_sheet, you_said_sheet
from framework.measures.history import changes_sheet
from framework.measures.priorities import priorities_sheet
from framework.progress.sql import progress_table
from framework.reviews.results import review_sheet

SHEETS: list[tuple[str, SheetSource]] = [
    ("Priorities", priorities_sheet),
    ("Stakeholder review", review_sheet),
    ("Changes in the period", changes_sheet),
    ("Engagement log", engagement_sheet),
    ("You said, we did", you_said_sheet),
]


def export_return(con, system_code: str, path: str | Path, *, user_name: str = "Shared Measures") -> dict[str, int]:
    """Write the Excel return to a file; return rows per sheet."""
    path = check_target(path)
    return write_return(con, system_code, str(path), progress_table=progress_table, sheets=SHEETS,
                        user_name=user_name)


def return_bytes(con, system_code: str, *, user_name: str = "Shared Measures") -> bytes:
    """The Excel return as bytes, for a download button."""
    buffer = io.BytesIO()
    write_return(con, system_code, buffer, progress_table=progress_table, sheets=SHEETS, user_name=user_name)
    return buffer.getvalue()
