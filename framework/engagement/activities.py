"""Engagement activities: logging one (with any "you said" items), changing it, removing it, and reading the log.

Partners log activities and change or remove the ones they logged; editors and administrators change or remove any.
A save writes only the activity's own rows and their search index in one transaction; the derived measures are
recalculated just after it commits (framework.engagement.sync), so people saving different activities at once
never collide.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import insert_returning, read_df, read_rows, transaction
from framework.core.errors import ValidationError
from framework.core.model import User
from framework.engagement.insight_search import reindex_activities
from framework.engagement.log_filters import activity_conditions
from framework.engagement.ownership import may_change, require_owner
from framework.engagement.sync import refresh_measures
from framework.engagement.validation import (
    Problem,
    is_blank,
    load_context,
    raise_problems,
    validate_activity,
    validate_you_said,
)
from framework.engagement.vocab import ACTIVITY_FIELDS, ITEM_FIELDS
from framework.engagement.you_said import record_item


def insert_activity(cur, user: User, system_code: str, clean: dict[str, Any], batch_id: int | None = None) -> int:
    """Insert a validated activity inside the caller's transaction; return its id (the caller reindexes)."""
    require(user, "log_engagement")
    cols = list(ACTIVITY_FIELDS)
    return int(insert_returning(
        cur,
        f"INSERT INTO engagement_activity (system_code, {', '.join(cols)}, created_by, batch_id)"
        f" VALUES (?, {', '.join('?' * len(cols))}, ?, ?) RETURNING activity_id",
        [system_code, *[clean[c] for c in cols], user.user_id, batch_id],
    ))


def _plain(value: Any) -> Any:
    return list(value) if hasattr(value, "__len__") and not isinstance(value, str) else value


def _update_activity(cur, user: User, system_code: str, activity_id: int, clean: dict[str, Any]) -> list[date]:
    """Change a validated activity the user may change, inside the caller's transaction; return its old dates."""
    require(user, "log_engagement")
    rows = cur.execute("SELECT * FROM engagement_activity WHERE activity_id = ? AND system_code = ?",
                       [activity_id, system_code]).df().to_dict("records")
    if not rows:
        raise ValidationError([f"There is no activity {activity_id} in this system to update."])
    require_owner(user, "activities", rows[0]["created_by"])
    before = {k: _plain(rows[0][k]) for k in ACTIVITY_FIELDS}
    cur.execute(f"UPDATE engagement_activity SET {', '.join(f'{k} = ?' for k in ACTIVITY_FIELDS)}"
                " WHERE activity_id = ?", [*[clean[k] for k in ACTIVITY_FIELDS], activity_id])
    changes = audit.changed_fields(before, clean)
    audit.record(cur, user, "update", "engagement_activity", str(activity_id), system_code=system_code,
                 before={k: before[k] for k in changes}, after={k: clean[k] for k in changes})
    return [before["start_date"], before["end_date"]]


def save_activity(
    con, user: User, system_code: str, values: dict[str, Any], *, items: Iterable[dict[str, Any]] = (),
    activity_id: int | None = None,
) -> int:
    """Log a new activity (with any "you said" items), or change one the user may change; return its id."""
    require(user, "log_engagement")
    clean, problems = validate_activity(values, load_context(con, system_code))
    cleaned_items = []
    for n, item in enumerate(items, start=1):
        if all(is_blank(item.get(f)) for f in ITEM_FIELDS if f != "status"):
            continue  # an untouched blank row on the form
        ci, ip = validate_you_said(item, clean.get("start_date"))
        problems += [Problem(p.field, p.found, p.expected + f" (\"you said\" item {n})") for p in ip]
        cleaned_items.append(ci)
    raise_problems(problems)

    days = [clean["start_date"], clean["end_date"]]

    def work(cur) -> int:
        if activity_id is None:
            new_id = insert_activity(cur, user, system_code, clean)
            audit.record(cur, user, "create", "engagement_activity", str(new_id), system_code=system_code, after=clean)
        else:
            new_id = int(activity_id)
            days.extend(_update_activity(cur, user, system_code, new_id, clean))
        for ci in cleaned_items:
            record_item(cur, user, system_code, new_id, ci)
        reindex_activities(cur, [new_id])
        return new_id

    saved = transaction(con, work)
    refresh_measures(con, system_code, days)
    return saved


def delete_activity(con, user: User, system_code: str, activity_id: int, *, reason: str | None = None) -> None:
    """Remove an activity and its "you said" items: a partner removes only what their own account logged, editors
    and administrators any (the page asks for confirmation)."""
    require(user, "log_engagement")
    rows = read_rows(con, "SELECT * FROM engagement_activity WHERE activity_id = ? AND system_code = ?",
                     [activity_id, system_code])
    if not rows:
        raise ValidationError([f"Activity: found {activity_id!r}; expected an activity in this system's log."])
    require_owner(user, "activities", rows[0]["created_by"])

    def work(cur) -> None:
        cur.execute("DELETE FROM you_said WHERE activity_id = ?", [activity_id])
        cur.execute("DELETE FROM engagement_activity WHERE activity_id = ?", [activity_id])
        audit.record(cur, user, "delete", "engagement_activity", str(activity_id), system_code=system_code,
                     before={k: rows[0][k] for k in ("title", "start_date", "lead_partner", "level")}, reason=reason)
        reindex_activities(cur, [activity_id])

    transaction(con, work)
    refresh_measures(con, system_code, [rows[0]["start_date"], rows[0]["end_date"]])


def list_activities(
    con, system_code: str, *, levels: Iterable[str] = (), communities: Iterable[str] = (),
    areas: Iterable[str] = (), date_from: date | None = None, date_to: date | None = None,
) -> pd.DataFrame:
    """The log, newest first, with how many "you said" items each activity has and how many were fed back."""
    where, params = activity_conditions(system_code, levels=levels, communities=communities, areas=areas,
                                        date_from=date_from, date_to=date_to)
    return read_df(
        con,
        "SELECT a.*, count(y.item_id) AS items, count(y.feedback_date) AS items_fed_back"
        " FROM engagement_activity a LEFT JOIN you_said y USING (activity_id)"
        f" WHERE {' AND '.join(where)} GROUP BY ALL ORDER BY a.start_date DESC, a.activity_id DESC",
        params,
    )


def get_activity(con, system_code: str, activity_id: int) -> dict[str, Any] | None:
    """One activity with its "you said" items (as a list of dicts under 'items'), or None."""
    rows = read_rows(con, "SELECT * FROM engagement_activity WHERE activity_id = ? AND system_code = ?",
                     [activity_id, system_code])
    if not rows:
        return None
    out = rows[0]
    out["items"] = read_rows(con, "SELECT * FROM you_said WHERE activity_id = ? ORDER BY item_id", [activity_id])
    return out


def activity_choices(con, system_code: str, user: User | None = None) -> pd.DataFrame:
    """Activity ids and a label for picking one (date, title, lead partner), newest first; given a user, only the
    activities that user may change."""
    df = read_df(
        con,
        "SELECT activity_id, strftime(start_date, '%d %b %Y') || ': ' || title || ' (' || lead_partner"
        " || ', activity ' || activity_id || ')' AS label, created_by"
        " FROM engagement_activity WHERE system_code = ? ORDER BY start_date DESC, activity_id DESC",
        [system_code],
    )
    if user is not None:
        df = df[pd.Series([may_change(user, owner) for owner in df["created_by"]], index=df.index, dtype=bool)]
    return df[["activity_id", "label"]].reset_index(drop=True)
