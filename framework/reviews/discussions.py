"""The discussion record of a review round: notes from the facilitated discussion of each statement, and the
actions agreed, each with an owner, a due date and a status, linked to an outcome. Open actions appear on Home."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import insert_returning, read_df, read_rows, scalar, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, clean_text, require_text

ACTION_STATUSES = ("open", "in_progress", "done", "dropped")
STATUS_WORDS = {"open": "Open", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}


def discussion_notes(con, round_id: int) -> pd.DataFrame:
    """The notes kept for each statement discussed in a round."""
    return read_df(con, "SELECT statement_code, notes, version, updated_by, updated_at FROM review_discussion"
                   " WHERE round_id = ? ORDER BY statement_code", [round_id])


def save_notes(con, user: User, round_id: int, statement_code: str, notes: str,
               expected_version: int | None = None) -> int:
    """Save the discussion notes for a statement of a round; return the new version."""
    require(user, "run_reviews")
    text = clean_text(notes)
    problems = []
    if not text:
        problems.append("Notes are required: say what was discussed and what people said.")
    elif len(text) > 8000:
        problems.append(f"Notes are {len(text):,} characters long; keep them to 8,000.")
    system = scalar(con.cursor(), "SELECT r.system_code FROM review_round r JOIN review_round_statement s USING (round_id)"
                    " WHERE r.round_id = ? AND s.statement_code = ?", [round_id, statement_code])
    if system is None:
        problems.append(f"Statement {statement_code!r} is not part of review round {round_id}.")
    if problems:
        raise ValidationError(problems)

    def work(cur) -> int:
        rows = cur.execute("SELECT notes, version FROM review_discussion WHERE round_id = ? AND statement_code = ?",
                           [round_id, statement_code]).fetchall()
        if rows and expected_version is not None and rows[0][1] != expected_version:
            raise ValidationError(["Someone else saved these notes meanwhile; reload the page to see them first."])
        version = rows[0][1] + 1 if rows else 1
        cur.execute("INSERT OR REPLACE INTO review_discussion (round_id, statement_code, notes, version, updated_by)"
                    " VALUES (?, ?, ?, ?, ?)", [round_id, statement_code, text, version, user.user_id])
        audit.record(cur, user, "update" if rows else "create", "review_discussion", f"{round_id}/{statement_code}",
                     system_code=system, before={"notes": rows[0][0]} if rows else None, after={"notes": text})
        return version

    return transaction(con, work)


def validate_action(values: dict[str, Any], known_outcomes: set[str]) -> dict[str, Any]:
    """Check an agreed action; return it cleaned or raise ValidationError naming each field."""
    problems: list[str] = []
    text = require_text(problems, values, "action_text", "Action", 500, hint=": say what will be done")
    owner = require_text(problems, values, "owner", "Owner", 120,
                         hint=": name the person or organisation who will do it")
    due = values.get("due_on")
    if not isinstance(due, date):
        problems.append("Due date is required as a date.")
    status = values.get("status") or "open"
    if status not in ACTION_STATUSES:
        problems.append(f"Status {status!r} is not one of {', '.join(STATUS_WORDS.values())}.")
    outcome = clean_text(values.get("outcome_code"))
    if outcome and outcome not in known_outcomes:
        problems.append(f"Outcome {outcome!r} is not an outcome of this system.")
    if problems:
        raise ValidationError(problems)
    return {"action_text": text, "owner": owner, "due_on": due, "status": status, "outcome_code": outcome,
            "statement_code": clean_text(values.get("statement_code"))}


def add_action(con, user: User, system_code: str, values: dict[str, Any], round_id: int | None = None) -> int:
    """Record an agreed action; return its id."""
    require(user, "run_reviews")
    known = {r["outcome_code"] for r in read_rows(con, "SELECT outcome_code FROM outcome WHERE system_code = ?", [system_code])}
    clean = validate_action(values, known)

    def work(cur) -> int:
        action_id = insert_returning(
            cur, "INSERT INTO review_action (system_code, round_id, statement_code, outcome_code, action_text, owner,"
            " due_on, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING action_id",
            [system_code, round_id, clean["statement_code"], clean["outcome_code"], clean["action_text"],
             clean["owner"], clean["due_on"], clean["status"]])
        audit.record(cur, user, "create", "review_action", str(action_id), system_code=system_code, after=clean)
        return int(action_id)

    return transaction(con, work)


def set_action_status(con, user: User, action_id: int, status: str, reason: str | None = None) -> None:
    """Move an action to open, in progress, done or dropped; dropping one needs a reason."""
    require(user, "run_reviews")
    problems = []
    if status not in ACTION_STATUSES:
        problems.append(f"Status {status!r} is not one of {', '.join(STATUS_WORDS.values())}.")
    if status == "dropped" and not clean_text(reason):
        problems.append("Reason is required to drop an agreed action.")
    if problems:
        raise ValidationError(problems)

    def work(cur) -> None:
        rows = cur.execute("SELECT status, system_code FROM review_action WHERE action_id = ?", [action_id]).fetchall()
        if not rows:
            raise ValidationError([f"There is no action {action_id}."])
        cur.execute("UPDATE review_action SET status = ?, updated_at = current_timestamp WHERE action_id = ?",
                    [status, action_id])
        audit.record(cur, user, "update", "review_action", str(action_id), system_code=rows[0][1],
                     before={"status": rows[0][0]}, after={"status": status}, reason=clean_text(reason))

    transaction(con, work)


def list_actions(con, system_code: str, round_id: int | None = None) -> pd.DataFrame:
    """Agreed actions, optionally of one round, with the outcome title and status in words."""
    where, params = "a.system_code = ?", [system_code]
    if round_id is not None:
        where += " AND a.round_id = ?"
        params.append(round_id)
    frame = read_df(
        con, "SELECT a.action_id, a.round_id, r.title AS round_title, a.statement_code, a.outcome_code,"
        " o.title AS outcome_title, a.action_text, a.owner, a.due_on, a.status FROM review_action a"
        " LEFT JOIN review_round r USING (round_id)"
        " LEFT JOIN outcome o ON o.system_code = a.system_code AND o.outcome_code = a.outcome_code"
        f" WHERE {where} ORDER BY a.due_on, a.action_id", params)
    frame["status_words"] = frame["status"].map(STATUS_WORDS)
    return frame


def open_actions(con, system_code: str, today: date | None = None) -> pd.DataFrame:
    """Actions still open or in progress, soonest due first, with whether each is overdue in words."""
    frame = list_actions(con, system_code)
    frame = frame[frame["status"].isin(["open", "in_progress"])].reset_index(drop=True)
    today = today or date.today()
    frame["when"] = [f"Overdue since {d:%d %B %Y}" if d < today else f"Due {d:%d %B %Y}"
                     for d in pd.to_datetime(frame["due_on"]).dt.date]
    return frame
