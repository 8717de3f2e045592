"""What editors set for the SPC charts: the dates at which an indicator's limits start again (a baseline, or a
change of service), each with its reason, and the system's length of a shift or a trend (6 to 8 points). Every
change is the editors', checked, made all or nothing and audited."""
from __future__ import annotations

from datetime import date

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.dates import DATE_FORMS, parse_date
from framework.core.db import read_df, read_rows, scalar, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, require_one
from framework.progress.spc import DEFAULT_RUN_LENGTH, RUN_LENGTHS

REASON_LIMIT = 1000


def run_length(con, system_code: str) -> int:
    """The system's shift and trend length: 7 unless an editor has chosen 6 or 8."""
    rows = read_rows(con, "SELECT run_length FROM spc_setting WHERE system_code = ?", [system_code])
    return int(rows[0]["run_length"]) if rows else DEFAULT_RUN_LENGTH


def list_rebases(con, system_code: str, indicator_code: str) -> pd.DataFrame:
    """The rebase dates of one indicator, oldest first, with their reasons and who set them."""
    df = read_df(con, "SELECT rebase_date, reason, set_by, set_at FROM spc_rebase"
                      " WHERE system_code = ? AND indicator_code = ? ORDER BY rebase_date",
                 [system_code, indicator_code])
    df["rebase_date"] = pd.to_datetime(df["rebase_date"]).dt.date
    return df


def _headline_span(con, system_code: str, indicator_code: str) -> tuple[date | None, date | None]:
    row = read_rows(con, "SELECT min(m.period_end) AS first, max(m.period_end) AS last FROM measurement m"
                         " JOIN indicator i USING (system_code, indicator_code)"
                         " WHERE m.system_code = ? AND m.indicator_code = ? AND i.kind <> 'qualitative'"
                         " AND m.breakdown = 'All' AND m.breakdown_group = 'All' AND m.value IS NOT NULL"
                         " AND isfinite(m.value) AND m.period_end <= current_date",
                    [system_code, indicator_code])[0]
    return row["first"], row["last"]


def _rebase_date(value: object) -> date:
    try:
        day = parse_date(value, strict=True)
    except ValueError:
        day = None
    if day is None:
        raise ValidationError([f"Rebase date {value!r} is not a date: give {DATE_FORMS}."])
    return day


def set_rebase(con, user: User, system_code: str, indicator_code: str, rebase_date: object, reason: object) -> date:
    """Start an indicator's SPC limits again from a date (a baseline or a change of service), with the reason;
    the date must fall after the first point of its headline data and no later than the last."""
    require(user, "edit_indicators")
    day = _rebase_date(rebase_date)
    why = require_one(reason, "Reason", REASON_LIMIT, hint=": say what changed, for example a new service model")
    first, last = _headline_span(con, system_code, indicator_code)
    if first is None:
        raise ValidationError([f"Indicator {indicator_code!r} has no headline figures in system {system_code!r} "
                               "to set a rebase date in."])
    if not first < day <= last:
        raise ValidationError([f"Rebase date {day:%d %B %Y} is outside the series: choose a date after its first "
                               f"point ({first:%d %B %Y}) and no later than its last ({last:%d %B %Y})."])

    def work(cur) -> None:
        if scalar(cur, "SELECT count(*) FROM spc_rebase WHERE system_code = ? AND indicator_code = ?"
                       " AND rebase_date = ?", [system_code, indicator_code, day]):
            raise ValidationError([f"{indicator_code} already starts again on {day:%d %B %Y}."])
        cur.execute("INSERT INTO spc_rebase (system_code, indicator_code, rebase_date, reason, set_by)"
                    " VALUES (?, ?, ?, ?, ?)", [system_code, indicator_code, day, why, user.name])
        audit.record(cur, user, "create", "spc_rebase", f"{system_code}/{indicator_code}/{day.isoformat()}",
                     system_code=system_code, after={"rebase_date": day.isoformat()}, reason=why)

    transaction(con, work)
    return day


def remove_rebase(con, user: User, system_code: str, indicator_code: str, rebase_date: object,
                  reason: object) -> None:
    """Take a rebase date away, with the reason; the limits are then drawn across it again."""
    require(user, "edit_indicators")
    day = _rebase_date(rebase_date)
    why = require_one(reason, "Reason", REASON_LIMIT, hint=": say why the limits should run across this date")

    def work(cur) -> None:
        rows = cur.execute("SELECT reason FROM spc_rebase WHERE system_code = ? AND indicator_code = ?"
                           " AND rebase_date = ?", [system_code, indicator_code, day]).fetchall()
        if not rows:
            raise ValidationError([f"{indicator_code} has no rebase date on {day:%d %B %Y} to remove."])
        cur.execute("DELETE FROM spc_rebase WHERE system_code = ? AND indicator_code = ? AND rebase_date = ?",
                    [system_code, indicator_code, day])
        audit.record(cur, user, "delete", "spc_rebase", f"{system_code}/{indicator_code}/{day.isoformat()}",
                     system_code=system_code, before={"rebase_date": day.isoformat(), "reason": rows[0][0]},
                     reason=why)

    transaction(con, work)


def set_run_length(con, user: User, system_code: str, length: object) -> int:
    """Set how many points in a row make a shift or a trend for the whole system: 6, 7 (the default) or 8."""
    require(user, "edit_indicators")
    if isinstance(length, bool) or not isinstance(length, (int, str)) or str(length).strip() not in {
            str(n) for n in RUN_LENGTHS}:
        raise ValidationError([f"Run length {length!r} is not allowed: choose 6, 7 or 8 points."])
    length = int(str(length).strip())

    def work(cur) -> None:
        if not scalar(cur, "SELECT count(*) FROM system WHERE system_code = ?", [system_code]):
            raise ValidationError([f"There is no system {system_code!r}."])
        before = scalar(cur, "SELECT run_length FROM spc_setting WHERE system_code = ?", [system_code])
        cur.execute("INSERT INTO spc_setting (system_code, run_length) VALUES (?, ?) ON CONFLICT (system_code)"
                    " DO UPDATE SET run_length = excluded.run_length", [system_code, length])
        audit.record(cur, user, "update", "spc_setting", system_code, system_code=system_code,
                     before={"run_length": before or DEFAULT_RUN_LENGTH}, after={"run_length": length})

    transaction(con, work)
    return length
