"""The audit trail: every write records who made it, in what role, when, the entity, before and after, and why."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd

from framework.core.db import read_df
from framework.core.model import User


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def to_json(record: dict[str, Any] | None) -> str | None:
    """A record as JSON text, dates as ISO strings."""
    if record is None:
        return None
    return json.dumps({k: _plain(v) for k, v in record.items()}, sort_keys=True, default=str)


def record(
    cur,
    user: User,
    action: str,
    entity: str,
    entity_key: str,
    *,
    system_code: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Write one audit row inside the caller's transaction."""
    cur.execute(
        "INSERT INTO audit_log (user_id, user_role, action, entity, entity_key, system_code, before, after, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [user.user_id, user.role, action, entity, entity_key, system_code, to_json(before), to_json(after), reason],
    )


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose values differ between two records, as {field: (old, new)}."""
    before = before or {}
    return {k: (before.get(k), v) for k, v in after.items() if _plain(before.get(k)) != _plain(v)}


def _day(value: Any, *, after: bool = False) -> Any:
    """A date as the moment its day starts (or, with after, the moment the next day starts); a datetime as it is."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time.min) + (timedelta(days=1) if after else timedelta(0))
    return value


def log(con, *, system_code: str | None = None, who: str | None = None, entity: str | None = None,
        entity_key: str | None = None, since: Any = None, until: Any = None, limit: int = 500) -> pd.DataFrame:
    """The newest audit rows, filtered by system (its own rows and system-wide ones), who, kind of record, which
    record, and the days from since to until, both included."""
    filters = [("(system_code = ? OR system_code IS NULL)", system_code), ("user_id = ?", who),
               ("entity = ?", entity), ("entity_key = ?", entity_key), ("changed_at >= ?", _day(since)),
               ("changed_at < ?", _day(until, after=True))]
    used = [(sql, value) for sql, value in filters if value]
    where = " WHERE " + " AND ".join(sql for sql, _ in used) if used else ""
    return read_df(con, f"SELECT * FROM audit_log{where} ORDER BY audit_id DESC LIMIT ?",
                   [value for _, value in used] + [limit])
