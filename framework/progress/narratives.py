"""The story behind the curve: what is happening, what we are learning and what we will do, written by editors
and partners for an indicator and a period, kept with its author and date, and audited."""
from __future__ import annotations

from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import can, require
from framework.core.db import insert_returning, read_df, read_rows, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, check_length, clean_text, require_one, require_text

LIMITS = {"happening": 2000, "learning": 2000, "next_steps": 2000}
LABELS = {"happening": "What is happening", "learning": "What we are learning", "next_steps": "What we will do"}


def narrative_periods(con, system_code: str, indicator_code: str) -> pd.DataFrame:
    """The periods an indicator has headline data for, newest first: the choices for a narrative."""
    return read_df(
        con,
        "SELECT period_label, max(period_end) AS period_end FROM measurement"
        " WHERE system_code = ? AND indicator_code = ? AND breakdown = 'All'"
        " GROUP BY period_label ORDER BY period_end DESC",
        [system_code, indicator_code],
    )


NARRATIVES_SQL = """
    SELECT narrative_id, indicator_code, area_code, period_label, period_end, happening, learning, next_steps,
    author_id, author_name, author_role, created_at FROM narrative
    WHERE system_code = ? AND indicator_code = ? AND NOT withdrawn
    ORDER BY period_end DESC NULLS LAST, created_at DESC"""


def list_narratives(con, system_code: str, indicator_code: str) -> pd.DataFrame:
    """The narratives of one indicator that are not withdrawn, newest period first."""
    return read_df(con, NARRATIVES_SQL, [system_code, indicator_code])


def validate_narrative(values: dict[str, Any], periods: dict[str, Any]) -> dict[str, Any]:
    """Check a narrative; return it cleaned or raise ValidationError naming each field."""
    problems = []
    clean = {k: clean_text(values.get(k)) for k in ("period_label", *LIMITS)}
    if not clean["period_label"]:
        problems.append("Period is required: choose the period the story is about.")
    elif periods and clean["period_label"] not in periods:
        problems.append(f"Period {clean['period_label']!r} has no data for this measure; choose one of its periods.")
    for name, limit in LIMITS.items():
        if name == "happening":
            require_text(problems, clean, name, LABELS[name], limit,
                         hint=": say in a sentence or two what lies behind the figures")
        else:
            check_length(problems, clean, name, LABELS[name], limit)
    if problems:
        raise ValidationError(problems)
    return clean


def add_narrative(con, user: User, system_code: str, indicator_code: str, values: dict[str, Any]) -> int:
    """Save the story behind an indicator's figures for one period; return its id."""
    require(user, "write_narrative")
    known = read_rows(con, "SELECT kind FROM indicator WHERE system_code = ? AND indicator_code = ?",
                      [system_code, indicator_code])
    if not known:
        raise ValidationError([f"Indicator {indicator_code!r} is not a measure of this system."])
    periods = dict(narrative_periods(con, system_code, indicator_code)[["period_label", "period_end"]].values)
    clean = validate_narrative(values, periods)
    area_code = clean_text(values.get("area_code"))

    def work(cur) -> int:
        new_id = insert_returning(
            cur,
            "INSERT INTO narrative (system_code, indicator_code, area_code, period_label, period_end, happening,"
            " learning, next_steps, author_id, author_name, author_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING narrative_id",
            [system_code, indicator_code, area_code, clean["period_label"], periods.get(clean["period_label"]),
             clean["happening"], clean["learning"], clean["next_steps"], user.user_id, user.name, user.role],
        )
        audit.record(cur, user, "create", "narrative", f"{system_code}/{indicator_code}/{new_id}",
                     system_code=system_code, after={**clean, "area_code": area_code})
        return int(new_id)

    return transaction(con, work)


def may_withdraw(user: User, author_id: str) -> bool:
    """Whether the user may withdraw a story: its author, or an editor or administrator."""
    return can(user, "write_narrative") and (author_id == user.user_id or can(user, "edit_framework"))


def withdraw_narrative(con, user: User, narrative_id: int, reason: str) -> None:
    """Withdraw a narrative (its author, or an editor); it stays in the audit trail with the reason."""
    require(user, "write_narrative")
    reason = require_one(reason, "Reason", 2000, hint=": say in a sentence why the story is withdrawn")

    def work(cur) -> None:
        rows = cur.execute("SELECT * FROM narrative WHERE narrative_id = ? AND NOT withdrawn", [narrative_id]).df()
        if rows.empty:
            raise ValidationError([f"There is no narrative {narrative_id} to withdraw."])
        row = rows.iloc[0].to_dict()
        if not may_withdraw(user, row["author_id"]):
            raise PermissionError(f"{user.name} can withdraw only their own stories; an editor can withdraw any.")
        cur.execute("UPDATE narrative SET withdrawn = true WHERE narrative_id = ?", [narrative_id])
        audit.record(cur, user, "withdraw", "narrative", f"{row['system_code']}/{row['indicator_code']}/{narrative_id}",
                     system_code=row["system_code"], before={"withdrawn": False}, after={"withdrawn": True},
                     reason=reason)

    transaction(con, work)
