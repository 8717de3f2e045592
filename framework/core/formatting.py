"""Numbers and dates formatted by unit, in one place for every page, table and the Excel return: percentages to one
decimal place, counts with thousands separators (so 2028 people never reads as a year), rates and money rounded,
dates in words ("30 Jun 2026"), field names as words, and nothing missing shown as "None" or "nan"."""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

import pandas as pd

MISSING = "–"
"""What a table shows where there is no value."""

COUNT_UNITS = {"count", "people", "number", "groups", "activities", "participants", "organisations"}
"""Units of things counted one by one: shown as whole numbers with thousands separators, never as 190.4 groups."""


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas' NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array is not one missing value
        return False


def _trim(text: str) -> str:
    return text[:-2] if text.endswith(".0") else text


def count(value: Any) -> str:
    """A whole number with thousands separators: 2,028."""
    if is_missing(value):
        return MISSING
    return f"{round(float(value)):,}"


def number(value: Any, decimals: int = 1) -> str:
    """A number rounded for reading, with thousands separators, without a trailing '.0': 1,484.6, 33.3, 12."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if math.isinf(value):
        return MISSING
    return _trim(f"{value:,.{decimals}f}")


def percent(value: Any) -> str:
    """A percentage to one decimal place: 33.3%."""
    return MISSING if is_missing(value) else f"{number(value)}%"


def money(value: Any) -> str:
    """Pounds, whole pounds above £1,000: £1,485, £12.50."""
    if is_missing(value):
        return MISSING
    value = float(value)
    return f"£{value:,.0f}" if abs(value) >= 1000 else f"£{value:,.2f}"


def by_unit(value: Any, unit: str | None) -> str:
    """A value with its unit, rounded for reading: 47.3%, 1,420 per 100,000, 5,600 hours, 190 groups."""
    if is_missing(value):
        return MISSING
    unit = (unit or "").strip()
    if unit == "%":
        return percent(value)
    if unit in {"£", "GBP", "pounds"}:
        return money(value)
    if unit.lower() in COUNT_UNITS:
        text = count(value)
    else:
        text = number(value, 1 if abs(float(value)) < 1000 else 0)
    return f"{text} {unit}".strip()


def decimals(unit: str | None) -> int:
    """How many decimal places a value of this unit is shown with: none for counts, one otherwise."""
    return 0 if (unit or "").strip().lower() in COUNT_UNITS else 1


def column_format(unit: str | None) -> str:
    """The format a table column of this unit is shown with (Streamlit's NumberColumn): percentages with one
    decimal place and a % sign, everything else with thousands separators (round the values to decimals() first)."""
    return "%.1f%%" if (unit or "").strip() == "%" else "localized"


def day(value: Any) -> str:
    """A date in words: 30 Jun 2026."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime) or hasattr(value, "to_pydatetime"):
        value = value.date() if isinstance(value, datetime) else value.to_pydatetime().date()
    return f"{value.day} {value:%b %Y}" if isinstance(value, date) else str(value)


def moment(value: Any) -> str:
    """A date and time in words: 30 Jun 2026, 14:05."""
    if is_missing(value):
        return MISSING
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return f"{value.day} {value:%b %Y, %H:%M}"
    return day(value)


FIELD_WORDS = {
    "icb_code": "ICB code", "system_code": "system code", "is_demo": "demo flag", "is_core20plus5": "Core20PLUS5",
    "lower_ci": "lower 95% limit", "upper_ci": "upper 95% limit", "target_1y": "1-year target",
    "target_3y": "3-year target", "target_5y": "5-year target", "ambition_1y": "1-year ambition",
    "ambition_3y": "3-year ambition", "ambition_5y": "5-year ambition", "source_ref": "source",
    "matters_score": "how much it matters", "vcse": "VCSE",
}


def field_words(name: str) -> str:
    """A field name as words: 'framework_start' -> 'framework start', 'target_1y' -> '1-year target'."""
    name = str(name)
    if name in FIELD_WORDS:
        return FIELD_WORDS[name]
    words = re.sub(r"_+", " ", name).strip()
    return re.sub(r"\b(icb|ons|ics|vcse|ci|id|url)\b", lambda m: m.group(1).upper(), words)


def fields_in_words(fields: Any) -> str:
    """A comma-separated list of field names in words: 'framework_start, icb_code' -> 'framework start, ICB code'."""
    if is_missing(fields) or not str(fields).strip():
        return MISSING
    return ", ".join(field_words(f.strip()) for f in str(fields).split(",") if f.strip())


def sentence_case(text: str) -> str:
    """The first letter in capitals: for a field name used as a header."""
    return text[:1].upper() + text[1:]


def header(name: str) -> str:
    """A field name as a column header: 'latest_period_end' -> 'Latest period end'."""
    return sentence_case(field_words(name))
