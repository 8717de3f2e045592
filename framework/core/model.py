"""Domain vocabulary shared across the framework: users and roles, indicator kinds, directions and statuses,
and the validation errors that carry a clear message for each field."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from framework.core.errors import ValidationError

ROLES = ("viewer", "community", "partner", "editor", "admin")
# Each role as users read it, wherever a page, a message or a file names a role.
ROLE_NAMES = {
    "viewer": "viewer",
    "community": "community representative",
    "partner": "partner organisation",
    "editor": "engagement lead (editor)",
    "admin": "administrator",
}
DIRECTIONS = ("higher_is_better", "lower_is_better", "no_judgement")
DIRECTION_WORDS = {
    "higher_is_better": "Higher is better",
    "lower_is_better": "Lower is better",
    "no_judgement": "No judgement",
}
KINDS = ("quantitative", "perception", "qualitative")
# The order measurements are best stored in: each system's headline rows (breakdown 'All') side by side, then each
# measure's rows of one breakdown together (see framework.foundation.measurement_order).
MEASUREMENT_ORDER = ("system_code", "breakdown", "indicator_code", "breakdown_group", "area_code", "period_start",
                     "period_end")
KIND_WORDS = {
    "quantitative": "Quantitative (counted or measured)",
    "perception": "Perception (what people tell us)",
    "qualitative": "Qualitative (stories and evidence)",
}
INDICATOR_STATUSES = ("proposed", "active", "retired")
HORIZONS = (1, 3, 5)
AREA_TYPES = (
    "England", "NHS region", "ICB", "Sub-ICB location", "Local authority", "Neighbourhood", "GP", "Other",
)


def role_name(role: object) -> str:
    """A role in words ("community representative", not "community"); an unknown value is shown as it is."""
    return ROLE_NAMES.get(str(role), str(role))


def role_names(roles) -> str:
    """Several roles in words, joined with commas and a final "and"."""
    names = [role_name(r) for r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class User:
    """Whoever is acting: every write function takes one and checks its role."""

    user_id: str
    name: str
    role: str
    email: str = ""
    group_code: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Unknown role {self.role!r}; expected one of {', '.join(ROLES)}.")


def require_text(problems: list[str], values: dict, name: str, label: str, max_len: int = 4000, *,
                 hint: str = "") -> str | None:
    """Add a problem when values[name] is blank or too long; return it trimmed (None when blank).

    The hint follows "is required", for example ": say what will be done" or ", for example 'Partnership'"."""
    text = clean_text(values.get(name))
    if not text:
        problems.append(f"{label} is required{hint}.")
    else:
        check_length(problems, values, name, label, max_len)
    return text


def require_one(value: object, label: str, max_len: int = 4000, *, hint: str = "") -> str:
    """A single required text trimmed; raise ValidationError naming it when it is blank or too long."""
    problems: list[str] = []
    text = require_text(problems, {"value": value}, "value", label, max_len, hint=hint)
    if problems:
        raise ValidationError(problems)
    return text


def check_length(problems: list[str], values: dict, name: str, label: str, max_len: int = 4000) -> str | None:
    """Add a problem when an optional values[name] is too long; return it trimmed (None when blank)."""
    text = clean_text(values.get(name))
    if text and len(text) > max_len:
        problems.append(f"{label} is {len(text):,} characters long; keep it to {max_len:,}.")
    return text


def clean_text(value: object) -> str | None:
    """Trim text; blank becomes None."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def is_blank(value: Any) -> bool:
    """Nothing entered: None, NaN, pd.NA, NaT, or text that is only spaces."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False
