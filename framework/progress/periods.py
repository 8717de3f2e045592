"""Periods still running and the limits a value can take.

A period that ends after today is still running: its value is a figure "so far". It is shown, in words and drawn
hollow, but it is kept out of the latest value, the statuses and the projections, which use complete periods only.
"Today" is always passed in, so tests can fix it; pages pass the real date.

Some measures cannot go below zero (counts, rates) or above 100 (percentages); a projection band is kept inside
those limits.
"""
from __future__ import annotations

import math
from datetime import date

import pandas as pd

SO_FAR = "so far"
RUNNING_NOTE = "still running: the figure so far, not used for the latest value, status or projection"
COUNT_UNITS = frozenset({"people", "hours", "days", "years", "reports", "groups", "organisations", "activities",
                         "volunteers", "events", "number", "count"})


def today_or(today: date | None) -> date:
    """The date given, or the real date."""
    return today or date.today()


def _day(value) -> date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def is_running(period_end, today: date) -> bool:
    """Whether a period ending on period_end is still running on today (it ends after today)."""
    end = _day(period_end)
    return end is not None and end > today


def period_words(label, period_end, today: date) -> str:
    """A period's label, with 'so far' when it is still running: '2026/27 Q3 so far'."""
    text = "" if label is None or (isinstance(label, float) and math.isnan(label)) else str(label)
    if not text and _day(period_end) is not None:
        text = f"period ending {_day(period_end):%d %B %Y}"
    return f"{text} {SO_FAR}" if is_running(period_end, today) else text


def running_mask(frame: pd.DataFrame, today: date) -> pd.Series:
    """True for each row of a frame with a period_end column whose period is still running."""
    if frame is None or not len(frame):
        return pd.Series(dtype=bool)
    return frame["period_end"].map(lambda d: is_running(d, today)).astype(bool)


def complete(frame: pd.DataFrame, today: date) -> pd.DataFrame:
    """The rows of complete periods only."""
    if frame is None or not len(frame):
        return frame
    return frame[~running_mask(frame, today)]


def running(frame: pd.DataFrame, today: date) -> pd.DataFrame:
    """The rows of periods still running only."""
    if frame is None or not len(frame):
        return frame
    return frame[running_mask(frame, today)]


def label_periods(frame: pd.DataFrame, today: date, column: str = "period_label") -> pd.DataFrame:
    """A copy of a frame with 'so far' added to the label of every period still running."""
    out = frame.copy()
    if not len(out) or "period_end" not in out:
        return out
    labels = out[column] if column in out else pd.Series([None] * len(out), index=out.index)
    out[column] = [period_words(lab, end, today) for lab, end in zip(labels, out["period_end"])]
    return out


# --- limits ----------------------------------------------------------------------------------------------------

def limits(unit: str | None) -> tuple[float | None, float | None]:
    """(lowest, highest) a value in this unit can take: 0 to 100 for a percentage, at least 0 for a rate or a
    count, no limit otherwise."""
    unit = (unit or "").strip().lower()
    if unit == "%":
        return 0.0, 100.0
    if unit.startswith("per ") or unit in COUNT_UNITS:
        return 0.0, None
    return None, None


def bounded(value: float | None, unit: str | None) -> float | None:
    """A value kept inside the limits of its unit (None stays None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return value
    low, high = limits(unit)
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def limits_sql(unit_column: str) -> tuple[str, str]:
    """The same limits as SQL expressions over a unit column: (lowest, highest), NULL for no limit."""
    unit = f"lower(trim(coalesce({unit_column}, '')))"
    counts = ", ".join(f"'{u}'" for u in sorted(COUNT_UNITS))
    low = f"(CASE WHEN {unit} = '%' OR {unit} LIKE 'per %' OR {unit} IN ({counts}) THEN 0.0 END)"
    high = f"(CASE WHEN {unit} = '%' THEN 100.0 END)"
    return low, high
