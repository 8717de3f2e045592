"""Plain-English wording for indicator figures: values with their units, and baselines with their targets."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from framework.core.formatting import by_unit, is_missing
from framework.core.model import HORIZONS

PERCENT_WORDS = re.compile(r"prevalence|percentage|proportion|%|per cent", re.IGNORECASE)


def unit_from_name(name: str) -> str:
    """The unit a measure's name implies when its source gives none: "%" for a prevalence, percentage or
    proportion, else nothing (the editor sets it)."""
    return "%" if PERCENT_WORDS.search(name or "") else ""


def format_value(value: Any, unit: str) -> str:
    """A value with its unit, rounded for reading: 47.3%, 1,420 per 100,000, 5,600 hours, 190 groups."""
    return "no value" if is_missing(value) else by_unit(value, unit)


def horizon_date(start: date, years: int) -> date:
    """The date a horizon falls due: the framework start plus whole years, less a day."""
    try:
        due = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        due = start.replace(year=start.year + years, day=28)
    return date.fromordinal(due.toordinal() - 1)


def describe_targets(ind: dict[str, Any], start: date) -> str:
    """One sentence: the baseline and each horizon's target with its date, or why there is none."""
    unit = ind.get("unit") or ""
    if ind.get("kind") == "qualitative":
        return "Qualitative measures have no numeric baseline or targets."
    parts = []
    if ind.get("baseline_value") is not None:
        when = f" ({ind['baseline_date']:%B %Y})" if ind.get("baseline_date") else ""
        parts.append(f"Baseline {format_value(ind['baseline_value'], unit)}{when}")
    else:
        parts.append("No baseline yet")
    targets = [
        f"{format_value(ind[f'target_{h}y'], unit)} by {horizon_date(start, h):%B %Y} ({h}-year)"
        for h in HORIZONS
        if ind.get(f"target_{h}y") is not None
    ]
    if targets:
        parts.append("targets " + ", ".join(targets))
    else:
        parts.append("no targets set yet")
    return "; ".join(parts) + "."
