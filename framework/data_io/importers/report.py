"""What an import check found: each problem with its file, row, column, the value found and what was expected,
and the plan of what would be written. The problem and plan types are the ones every bulk load shares
(framework.core.problems); a file of measurements adds its format, its rows and what else it brings."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from framework.core.problems import MAX_LISTED, Plan, PlanRejected, Problem, Progress, no_progress
from framework.core.problems import FileCheck as BaseCheck


@dataclass
class FileCheck(BaseCheck):
    """One file of measurements checked: its format, counts, problems and the rows to write."""

    file_format: str = "unknown"
    sha256: str = ""
    rows_merged: int = 0
    rows_outside: int = 0  # rows for areas outside their system's footprint, left out (see footprint.py)
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # valid, typed measurement rows
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)  # the rejected rows as read, with reasons
    new_areas: pd.DataFrame = field(default_factory=pd.DataFrame)
    new_indicators: list[dict[str, Any]] = field(default_factory=list)
    framework: dict[str, Any] | None = None  # a complete return's system, vision, outcomes and indicators
    carried: dict[str, pd.DataFrame] = field(default_factory=dict)  # a complete return's other system tables
    update: Any = None  # what the return would change in its existing system (whole.SystemUpdate), if it exists

    @property
    def rows_valid(self) -> int:
        return len(self.rows)


ImportPlan = Plan
ImportRejected = PlanRejected


@dataclass(frozen=True)
class BatchSummary:
    """What one import batch wrote."""

    batch_id: int
    file_name: str
    file_format: str
    system_code: str | None
    rows_read: int
    rows_new: int
    rows_changed: int
    rows_unchanged: int
    rows_merged: int
    rows_rejected: int
    areas_added: int
    indicators_added: int
    rejects_file: str | None
    notes: tuple[str, ...] = ()  # what the import left out on purpose, in words
    rejects_data: bytes | None = None  # the rejects file's content, for an upload whose folder is deleted
    rows_outside: int = 0  # rows for areas outside the system's footprint, left out (the notes say so in words)

    def sentence(self) -> str:
        text = (f"{self.file_name}: batch {self.batch_id}, {self.rows_read:,} rows read; {self.rows_new:,} new, "
                f"{self.rows_changed:,} changed, {self.rows_unchanged:,} unchanged")
        if self.rows_merged:
            text += f"; {self.rows_merged:,} exact repeats merged"
        if self.rows_rejected:
            text += f"; {self.rows_rejected:,} rejected" + (f" (see {self.rejects_file})" if self.rejects_file else "")
        if self.areas_added:
            text += f"; {self.areas_added:,} new areas"
        if self.indicators_added:
            text += f"; {self.indicators_added:,} new indicators"
        text += "."
        return " ".join([text, *self.notes])


__all__ = ["MAX_LISTED", "BatchSummary", "FileCheck", "ImportPlan", "ImportRejected", "Problem", "Progress",
           "no_progress"]
