"""The exceptions every capability shares: what a user entered was wrong, a record changed under them, or the
store could not be used. Each carries a message in plain words that a page or the command line shows as it is."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ValidationError(Exception):
    """One or more problems with what a user entered, each naming the field and what was expected."""

    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(self.problems)


class StaleEdit(Exception):
    """Someone saved this record after it was opened; `changes` holds {field: (yours, saved)} where they differ."""

    def __init__(self, entity: str, changes: dict[str, tuple[Any, Any]]):
        self.entity = entity
        self.changes = changes
        listed = ", ".join(changes) or "nothing visible"
        super().__init__(
            f"Someone else saved this {entity} after you opened it; the saved version differs from yours in: {listed}. "
            "Your text is kept below: review their change, then save again."
        )


class StoreError(Exception):
    """The database cannot be opened or used; the message says why in plain words."""


class WriteConflict(StoreError):
    """Someone else changed the same rows at the same time, twice running."""
