"""What an import check found: each problem with its file, row, column, the value found and what was expected,
and the plan of what would be written. Plain data, so pages and the command line show the same report."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from framework.core.errors import ValidationError

MAX_LISTED = 200  # problems listed per file; the total is always given
Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    """The default progress callback: say nothing."""


@dataclass(frozen=True)
class Problem:
    """One problem: row is the spreadsheet row (the header is row 1), None for a problem with the whole file."""

    file: str
    row: int | None
    column: str | None
    found: str | None
    expected: str

    def message(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        found = "nothing (blank)" if self.found in (None, "") else repr(self.found)
        return f"{where}: found {found}; expected {self.expected}."

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "found": self.found,
                "expected": self.expected}


@dataclass
class FileCheck:
    """One file checked: its format, counts, problems (up to MAX_LISTED, with the total) and the rows to write."""

    path: str
    name: str
    file_format: str = "unknown"
    sha256: str = ""
    rows_read: int = 0
    rows_merged: int = 0
    rows_rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # valid, typed measurement rows
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)  # the rejected rows as read, with reasons
    new_areas: pd.DataFrame = field(default_factory=pd.DataFrame)
    new_indicators: list[dict[str, Any]] = field(default_factory=list)
    framework: dict[str, Any] | None = None  # a complete return's system, vision, outcomes and indicators
    fatal: bool = False  # the file as a whole cannot be read, so no row can be imported

    def add(self, problem: Problem) -> None:
        self.problems_total += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)

    @property
    def ok(self) -> bool:
        return self.problems_total == 0

    @property
    def rows_valid(self) -> int:
        return len(self.rows)


@dataclass
class ImportPlan:
    """Every file checked, before anything is written."""

    files: list[FileCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def problem_table(self) -> pd.DataFrame:
        """Every listed problem as a table: file, row, column, found, expected."""
        rows = [p.as_dict() for f in self.files for p in f.problems]
        return pd.DataFrame(rows, columns=["file", "row", "column", "found", "expected"])

    def messages(self) -> list[str]:
        """Every listed problem as a sentence, and, where the list was cut short, how many more there are."""
        out = []
        for f in self.files:
            out += [p.message() for p in f.problems]
            if f.problems_total > len(f.problems):
                out.append(f"{f.name}: {f.problems_total - len(f.problems):,} more problems not listed "
                           f"({f.problems_total:,} problems in {f.rows_rejected:,} rows in all).")
        return out


class ImportRejected(ValidationError):
    """The files have problems and nothing was written; .plan holds the full report."""

    def __init__(self, plan: ImportPlan):
        super().__init__(plan.messages())
        self.plan = plan


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
        return text + "."
