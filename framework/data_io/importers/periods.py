"""Reading the period labels and dates that real data uses: financial years (`2013/14`), calendar years (`2021`),
quarters (`2022 Q1`, `2022/23 Q1`), months (`Apr 2022`), month ranges (`Apr 2022 - Mar 2023`), pooled years
(`2017 - 19`), ISO dates and Excel serial dates. Each function is pure, so it is tested directly. Dates are read
by the one date reader in framework.core.dates."""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime

from framework.core.dates import DATE_FORMS, parse_date

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
PERIOD_FORMS = "2013/14, 2021, 2022 Q1, 2022/23 Q1, Apr 2022, Apr 2022 - Mar 2023, 2017 - 19 or a date"

_FY = re.compile(r"^(\d{4})\s*/\s*(\d{2}|\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*Q([1-4])$|^Q([1-4])\s*(\d{4})$", re.IGNORECASE)
_FY_QUARTER = re.compile(r"^(\d{4})\s*/\s*(\d{2})\s*Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{4})$")
_MONTH_RANGE = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{4})\s*(?:-|–|to)\s*([A-Za-z]{3,9})\.?\s+(\d{4})$", re.IGNORECASE)
_YEAR_RANGE = re.compile(r"^(\d{4})\s*(?:-|–)\s*(\d{2}|\d{4})$")
_FY_RANGE = re.compile(r"^(\d{4})\s*/\s*(\d{2})\s*(?:-|–)\s*(\d{2,4})\s*/\s*(\d{2})$")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _century(start: int, short: str) -> int:
    """The full year that a two-digit end year means after a start year: 2013/14 -> 2014, 1999/00 -> 2000."""
    if len(short) == 4:
        return int(short)
    year = start // 100 * 100 + int(short)
    return year + 100 if year < start else year


def parse_period(label: object) -> tuple[str, date, date] | None:
    """(label, start, end) for a period label in one of PERIOD_FORMS, or None when it is not one.

    A bare date (or an Excel serial date) is a one-day period labelled with its ISO date."""
    if label is None:
        return None
    if isinstance(label, (date, datetime, int, float)) and not isinstance(label, bool):
        day = parse_date(label)
        return (day.isoformat(), day, day) if day else None
    text = " ".join(str(label).split())
    if not text:
        return None
    try:
        if m := _FY.match(text):
            start = int(m[1])
            if _century(start, m[2]) != start + 1:
                return None
            return text, date(start, 4, 1), date(start + 1, 3, 31)
        if m := _YEAR.match(text):
            year = int(m[1])
            if not 1900 <= year <= 2200:
                return None
            return text, date(year, 1, 1), date(year, 12, 31)
        if m := _FY_QUARTER.match(text):
            start = int(m[1])
            if _century(start, m[2]) != start + 1:
                return None
            q = int(m[3])
            year, month = (start, 1 + 3 * q) if q < 4 else (start + 1, 1)
            return text, date(year, month, 1), _month_end(year, month + 2)
        if m := _QUARTER.match(text):
            year, q = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
            month = 3 * (q - 1) + 1
            return text, date(year, month, 1), _month_end(year, month + 2)
        if m := _MONTH_RANGE.match(text):
            m1, m2 = MONTHS.get(m[1].lower()), MONTHS.get(m[3].lower())
            if not m1 or not m2:
                return None
            start, end = date(int(m[2]), m1, 1), _month_end(int(m[4]), m2)
            return (text, start, end) if end >= start else None
        if m := _MONTH.match(text):
            month = MONTHS.get(m[1].lower())
            if not month:
                return None
            year = int(m[2])
            return text, date(year, month, 1), _month_end(year, month)
        if m := _FY_RANGE.match(text):
            start = int(m[1])
            last_start = _century(start, m[3])
            if last_start < start:
                return None
            return text, date(start, 4, 1), date(last_start + 1, 3, 31)
        if m := _YEAR_RANGE.match(text):
            start, end = int(m[1]), _century(int(m[1]), m[2])
            if end <= start:
                return None
            return text, date(start, 1, 1), date(end, 12, 31)
    except ValueError:
        return None
    day = parse_date(text)
    if day:
        return day.isoformat(), day, day
    return None


__all__ = ["DATE_FORMS", "PERIOD_FORMS", "parse_date", "parse_period"]
