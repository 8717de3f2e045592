"""'You said, we did': what people told us at an activity, what was done about it, and when they were told.

A partner adds items to the activities they logged and records progress on those items and on the items they
wrote; editors and administrators do so on any. Each write touches only the item's own rows and its activity's
search index; the derived measures are recalculated just after it commits."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import insert_returning, read_df, read_rows, transaction
from framework.core.errors import ValidationError
from framework.core.model import User
from framework.engagement.insight_search import reindex_activities
from framework.engagement.ownership import may_change, require_owner
from framework.engagement.sync import refresh_measures
from framework.engagement.validation import raise_problems, validate_you_said
from framework.engagement.vocab import ITEM_FIELDS


def _activity(cur, system_code: str, activity_id: int) -> dict[str, Any]:
    rows = cur.execute("SELECT start_date, end_date, created_by FROM engagement_activity WHERE activity_id = ?"
                       " AND system_code = ?", [activity_id, system_code]).fetchall()
    if not rows:
        raise ValidationError([f"Activity: found {activity_id!r}; expected an activity in this system's log."])
    return {"start_date": rows[0][0], "end_date": rows[0][1], "created_by": rows[0][2]}


def insert_item(cur, user: User, system_code: str, activity_id: int, clean: dict[str, Any]) -> int:
    """Insert a validated "you said" item on an activity the user may change, inside the caller's transaction;
    return its id."""
    require(user, "log_engagement")
    require_owner(user, "activities", _activity(cur, system_code, activity_id)["created_by"])
    return int(insert_returning(
        cur,
        "INSERT INTO you_said (activity_id, system_code, you_said, we_did, status, reason, feedback_date, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING item_id",
        [activity_id, system_code, *[clean[c] for c in ITEM_FIELDS], user.user_id],
    ))


def record_item(cur, user: User, system_code: str, activity_id: int, clean: dict[str, Any]) -> int:
    """Insert a validated "you said" item and its audit row, inside the caller's transaction; return its id."""
    item_id = insert_item(cur, user, system_code, activity_id, clean)
    audit.record(cur, user, "create", "you_said", str(item_id), system_code=system_code,
                 after={**clean, "activity_id": activity_id})
    return item_id


def _activity_dates(con, system_code: str, activity_id: int) -> tuple[date, date]:
    cur = con.cursor()
    try:
        found = _activity(cur, system_code, activity_id)
    finally:
        cur.close()
    return found["start_date"], found["end_date"]


def add_you_said(con, user: User, system_code: str, activity_id: int, values: dict[str, Any]) -> int:
    """Add a "you said" item, with what we did about it, to an activity; return its id."""
    require(user, "log_engagement")
    start, end = _activity_dates(con, system_code, activity_id)
    clean, problems = validate_you_said(values, start)
    raise_problems(problems)

    def work(cur) -> int:
        item_id = record_item(cur, user, system_code, activity_id, clean)
        reindex_activities(cur, [activity_id])
        return item_id

    item_id = transaction(con, work)
    refresh_measures(con, system_code, [end])  # items count in the quarter their activity ended
    return item_id


def update_you_said(con, user: User, system_code: str, item_id: int, values: dict[str, Any]) -> None:
    """Record progress on a "you said" item the user may change: what we did, its status, the reason, the
    feedback date."""
    require(user, "log_engagement")
    rows = read_rows(con, "SELECT y.*, a.created_by AS activity_owner FROM you_said y JOIN engagement_activity a"
                          " USING (activity_id) WHERE y.item_id = ? AND y.system_code = ?", [item_id, system_code])
    if not rows:
        raise ValidationError([f"\"You said\" item: found {item_id!r}; expected an item in this system's log."])
    before = rows[0]
    require_owner(user, "\"you said\" items", before["created_by"], before["activity_owner"])
    start, end = _activity_dates(con, system_code, before["activity_id"])
    clean, problems = validate_you_said(values, start)
    raise_problems(problems)

    def work(cur) -> None:
        cur.execute("UPDATE you_said SET you_said = ?, we_did = ?, status = ?, reason = ?, feedback_date = ?"
                    " WHERE item_id = ?", [*[clean[c] for c in ITEM_FIELDS], item_id])
        old = {k: before[k] for k in ITEM_FIELDS}
        changes = audit.changed_fields(old, clean)
        audit.record(cur, user, "update", "you_said", str(item_id), system_code=system_code,
                     before={k: old[k] for k in changes}, after={k: clean[k] for k in changes})
        reindex_activities(cur, [before["activity_id"]])

    transaction(con, work)
    refresh_measures(con, system_code, [end])


def you_said_items(con, system_code: str, user: User | None = None) -> pd.DataFrame:
    """Every "you said" item with its activity's date, title, lead partner, outcomes and communities, and a label
    for picking it; given a user, only the items that user may change."""
    df = read_df(
        con,
        "SELECT y.item_id, y.activity_id, a.title AS activity_title, a.start_date, a.end_date, a.lead_partner,"
        " a.outcomes, a.communities, a.areas, y.you_said, y.we_did, y.status, y.reason, y.feedback_date,"
        " y.created_by, a.created_by AS activity_owner, left(y.you_said, 70) || ' (' || left(a.title, 40) || ', '"
        " || strftime(a.end_date, '%b %Y') || '; item ' || y.item_id || ')' AS label"
        " FROM you_said y JOIN engagement_activity a USING (activity_id) WHERE y.system_code = ?"
        " ORDER BY a.end_date DESC, y.item_id",
        [system_code],
    )
    if user is not None:
        mine = [may_change(user, *owners) for owners in zip(df["created_by"], df["activity_owner"])]
        df = df[pd.Series(mine, index=df.index, dtype=bool)]
    return df.drop(columns=["created_by", "activity_owner"]).reset_index(drop=True)


def you_said_by(con, system_code: str, by: str) -> pd.DataFrame:
    """The "you said, we did" items, one row per item and outcome (by='outcome') or community (by='community'),
    with the group's title or label; items with no outcome or community fall under 'Not linked'."""
    if by not in ("outcome", "community"):
        raise ValueError("by must be 'outcome' or 'community'")
    if by == "outcome":
        group = ("LEFT JOIN outcome g ON g.system_code = y.system_code AND g.outcome_code = x.code",
                 "coalesce(x.code || '. ' || g.title, 'Not linked to an outcome')", "a.outcomes", "g.sort_order")
    else:
        group = ("LEFT JOIN community_tag g ON g.tag_code = x.code",
                 "coalesce(g.label, 'No community recorded')", "a.communities", "g.sort_order")
    join, label, column, order = group
    return read_df(
        con,
        f"SELECT {label} AS grp, y.item_id, a.title AS activity_title, a.end_date, a.lead_partner, y.you_said,"
        f" y.we_did, y.status, y.reason, y.feedback_date"
        f" FROM you_said y JOIN engagement_activity a USING (activity_id)"
        f" CROSS JOIN (SELECT unnest(CASE WHEN len({column}) = 0 THEN [NULL] ELSE {column} END) AS code) x"
        f" {join} WHERE y.system_code = ? ORDER BY {order} NULLS LAST, grp, a.end_date DESC, y.item_id",
        [system_code],
    )
