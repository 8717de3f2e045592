"""What a bulk load found before writing anything, shared by every kind of import: each problem with its file,
row, column, the value found and what was expected; each file's check; and the plan of the whole load. Plain
data, so pages and the command line show the same report."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from framework.core.errors import ValidationError
from framework.core.model import is_blank

MAX_LISTED = 200  # problems listed per file; the total is always given
PROBLEM_COLUMNS = ["file", "row", "column", "found", "expected"]
Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    """The default progress callback: say nothing."""



@dataclass(frozen=True)
class Problem:
    """One problem: row is the spreadsheet row (the header is row 1), None for a problem with the whole file."""

    file: str
    row: int | None
    column: str | None
    found: Any
    expected: str

    def message(self) -> str:
        """The problem as one sentence: where, what was found and what was expected."""
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        found = "nothing (blank)" if is_blank(self.found) else repr(str(self.found))
        return f"{where}: found {found}; expected {self.expected}."

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column,
                "found": None if is_blank(self.found) else str(self.found), "expected": self.expected}


@dataclass
class FileCheck:
    """One file checked: the first MAX_LISTED problems with the total, how many rows were read and rejected, and
    notes about what the load will leave out on purpose (for example parts the importer may not change)."""

    path: str
    name: str
    rows_read: int = 0
    rows_rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0
    notes: list[str] = field(default_factory=list)
    fatal: bool = False  # the file as a whole cannot be used, so no row of it can be loaded

    def add(self, problem: Problem) -> None:
        """Count a problem, and list it while fewer than MAX_LISTED are listed."""
        self.problems_total += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)

    def refuse(self, problem: Problem) -> None:
        """Add a problem with the whole file: nothing of it can be loaded."""
        self.add(problem)
        self.fatal = True

    @property
    def ok(self) -> bool:
        return self.problems_total == 0


@dataclass
class Plan:
    """Every file of one load checked, before anything is written."""

    files: list[FileCheck] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        """Every listed problem, file by file."""
        return [p for f in self.files for p in f.problems]

    @property
    def problems_total(self) -> int:
        """How many problems were found in all the files, listed or not."""
        return sum(f.problems_total for f in self.files)

    @property
    def ok(self) -> bool:
        """True when no file has a problem."""
        return self.problems_total == 0

    @property
    def notes(self) -> list[str]:
        """Every note, file by file."""
        return [n for f in self.files for n in f.notes]

    def file(self, name: str, path: str = "") -> FileCheck:
        """The check of the named file, added when it is not there yet."""
        for f in self.files:
            if f.name == name:
                return f
        self.files.append(FileCheck(path=path or name, name=name))
        return self.files[-1]

    def problem_table(self) -> pd.DataFrame:
        """Every listed problem as a table: file, row, column, found, expected."""
        return pd.DataFrame([p.as_dict() for p in self.problems], columns=PROBLEM_COLUMNS)

    def messages(self) -> list[str]:
        """Every listed problem as a sentence, and, where a list was cut short, how many more there are."""
        out = []
        for f in self.files:
            out += [p.message() for p in f.problems]
            if f.problems_total > len(f.problems):
                out.append(f"{f.name}: {f.problems_total - len(f.problems):,} more problems not listed "
                           f"({f.problems_total:,} problems in {f.rows_rejected:,} rows in all).")
        return out


class PlanRejected(ValidationError):
    """The files have problems and nothing was written; .plan holds the full report."""

    def __init__(self, plan: Plan):
        super().__init__(plan.messages())
        self.plan = plan
