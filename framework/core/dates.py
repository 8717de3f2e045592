"""Reading a date the way people and spreadsheets write one: a date or timestamp, ISO text (`2022-04-01`, with or
without a time), UK text (`01/04/2022`, `01-04-2022`) or an Excel serial day number. One reader serves every
import and form."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from framework.core.model import is_blank

EXCEL_EPOCH = date(1899, 12, 30)
DATE_FORMS = "a date such as 2022-04-01 or 01/04/2022, or an Excel date"

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_UK = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
_SERIAL = re.compile(r"^\d{1,7}(?:\.0+)?$")


def excel_serial_to_date(serial: float) -> date | None:
    """An Excel serial day number (1900 date system) as a date, or None when it is not a plausible date."""
    if not 1 <= serial < 2958466:
        return None
    return EXCEL_EPOCH + timedelta(days=int(serial))



def parse_date(value: object, *, strict: bool = False) -> date | None:
    """A date from a date, datetime, ISO text, dd/mm/yyyy text or an Excel serial number; None when blank or not
    a date, or, when strict, ValueError for something that is there but is not a date."""
    if is_blank(value):
        return None
    day = _read(value)
    if day is None and strict:
        raise ValueError(str(value).strip())
    return day


def _read(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial_to_date(float(value))
    text = str(value).strip()
    try:
        if m := _ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _UK.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    if _SERIAL.match(text):
        return excel_serial_to_date(float(text))
    return None
