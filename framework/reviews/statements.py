"""The statement library for stakeholder reviews: quality statements grouped by theme, each linked to the
10 principles and to the system's outcomes, with a starter set written for working with people and communities.
Editors add, edit, retire and restore statements; every change is audited."""
from __future__ import annotations

from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import read_df, read_rows, scalar, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, clean_text, require_text
from framework.core.shipped_data import load_json

THEMES = (
    "Voice and influence",
    "Understanding people",
    "Reaching everyone",
    "Partnership",
    "Communities leading",
    "Openness and learning",
)

# the starter set: statement_code, theme, text, and the principle numbers and outcome codes each one serves
STARTER: list[dict[str, Any]] = load_json("review_statements.json")

STATUSES = ("active", "retired")


def list_statements(con, system_code: str, *, include_retired: bool = True) -> pd.DataFrame:
    """The system's statements in order, with their principle numbers and outcome codes as lists."""
    where = "" if include_retired else " AND s.status = 'active'"
    return read_df(
        con,
        "SELECT s.statement_code, s.theme, s.text, s.status, s.sort_order, s.version,"
        " coalesce((SELECT list(p.principle_no ORDER BY p.principle_no) FROM review_statement_principle p"
        "   WHERE p.system_code = s.system_code AND p.statement_code = s.statement_code), []) AS principles,"
        " coalesce((SELECT list(o.outcome_code ORDER BY o.outcome_code) FROM review_statement_outcome o"
        "   WHERE o.system_code = s.system_code AND o.statement_code = s.statement_code), []) AS outcomes"
        f" FROM review_statement s WHERE s.system_code = ?{where} ORDER BY s.sort_order, s.statement_code",
        [system_code],
    )


PRINCIPLE_COVERAGE_SQL = """
    SELECT p.principle_no, p.short_label, count(s.statement_code) AS statements FROM principle p
    LEFT JOIN review_statement_principle sp ON sp.principle_no = p.principle_no AND sp.system_code = ?
    LEFT JOIN review_statement s ON s.system_code = sp.system_code AND s.statement_code = sp.statement_code
    AND s.status = 'active' GROUP BY ALL ORDER BY p.principle_no"""


def principle_coverage(con, system_code: str) -> pd.DataFrame:
    """For each of the 10 principles, how many active statements cover it."""
    return read_df(con, PRINCIPLE_COVERAGE_SQL, [system_code])


def validate_statement(values: dict[str, Any], known_principles: set[int], known_outcomes: set[str]) -> dict[str, Any]:
    """Check a statement; return it cleaned or raise ValidationError naming each field."""
    problems: list[str] = []
    text = require_text(problems, values, "text", "Statement text", 400,
                        hint=": write it as something people can agree or disagree with")
    theme = require_text(problems, values, "theme", "Theme", 80, hint=", for example 'Partnership'")
    principles = sorted({int(p) for p in values.get("principles") or []})
    bad = [p for p in principles if p not in known_principles]
    if bad:
        problems.append(f"Principles {bad} are not among the principles 1 to {len(known_principles)}.")
    outcomes = sorted({str(o) for o in values.get("outcomes") or []})
    unknown = [o for o in outcomes if o not in known_outcomes]
    if unknown:
        problems.append(f"Outcomes {', '.join(unknown)} are not outcomes of this system.")
    if problems:
        raise ValidationError(problems)
    return {"theme": theme, "text": text, "principles": principles, "outcomes": outcomes}


def _known(con, system_code: str) -> tuple[set[int], set[str]]:
    principles = {r["principle_no"] for r in read_rows(con, "SELECT principle_no FROM principle")}
    outcomes = {r["outcome_code"] for r in read_rows(
        con, "SELECT outcome_code FROM outcome WHERE system_code = ?", [system_code])}
    return principles, outcomes


def _write_links(cur, system_code: str, code: str, principles: list[int], outcomes: list[str]) -> None:
    cur.execute("DELETE FROM review_statement_principle WHERE system_code = ? AND statement_code = ?", [system_code, code])
    cur.execute("DELETE FROM review_statement_outcome WHERE system_code = ? AND statement_code = ?", [system_code, code])
    if principles:
        cur.executemany("INSERT INTO review_statement_principle VALUES (?, ?, ?)", [(system_code, code, p) for p in principles])
    if outcomes:
        cur.executemany("INSERT INTO review_statement_outcome VALUES (?, ?, ?)", [(system_code, code, o) for o in outcomes])


def _next_code(cur, system_code: str) -> str:
    codes = [r[0] for r in cur.execute(
        "SELECT statement_code FROM review_statement WHERE system_code = ?", [system_code]).fetchall()]
    numbers = [int(c[1:]) for c in codes if c[:1] == "S" and c[1:].isdigit()]
    return f"S{(max(numbers) if numbers else 0) + 1:02d}"


def save_statement(con, user: User, system_code: str, values: dict[str, Any], *, statement_code: str | None = None,
                   expected_version: int | None = None) -> str:
    """Add a statement (no code) or edit one (its code); return the statement code."""
    require(user, "run_reviews")
    known_p, known_o = _known(con, system_code)
    clean = validate_statement(values, known_p, known_o)

    def work(cur) -> str:
        if statement_code is None:
            code = _next_code(cur, system_code)
            order = scalar(cur, "SELECT coalesce(max(sort_order), 0) + 1 FROM review_statement WHERE system_code = ?",
                           [system_code])
            cur.execute("INSERT INTO review_statement (system_code, statement_code, theme, text, sort_order)"
                        " VALUES (?, ?, ?, ?, ?)", [system_code, code, clean["theme"], clean["text"], order])
            _write_links(cur, system_code, code, clean["principles"], clean["outcomes"])
            audit.record(cur, user, "create", "review_statement", f"{system_code}/{code}", system_code=system_code,
                         after=clean)
            return code
        rows = cur.execute("SELECT theme, text, version FROM review_statement WHERE system_code = ? AND statement_code = ?",
                           [system_code, statement_code]).fetchall()
        if not rows:
            raise ValidationError([f"There is no statement {statement_code!r} to edit."])
        if expected_version is not None and rows[0][2] != expected_version:
            raise ValidationError([f"Statement {statement_code} was changed by someone else meanwhile; reload it first."])
        cur.execute("UPDATE review_statement SET theme = ?, text = ?, version = version + 1, updated_at = current_timestamp"
                    " WHERE system_code = ? AND statement_code = ?", [clean["theme"], clean["text"], system_code, statement_code])
        _write_links(cur, system_code, statement_code, clean["principles"], clean["outcomes"])
        audit.record(cur, user, "update", "review_statement", f"{system_code}/{statement_code}", system_code=system_code,
                     before={"theme": rows[0][0], "text": rows[0][1]}, after=clean)
        return statement_code

    return transaction(con, work)


def set_statement_status(con, user: User, system_code: str, statement_code: str, status: str,
                         reason: str | None = None) -> None:
    """Retire a statement (kept for past rounds, not offered for new ones) or bring it back."""
    require(user, "run_reviews")
    if status not in STATUSES:
        raise ValidationError([f"Status {status!r} is not one of {', '.join(STATUSES)}."])

    def work(cur) -> None:
        old = scalar(cur, "SELECT status FROM review_statement WHERE system_code = ? AND statement_code = ?",
                     [system_code, statement_code])
        if old is None:
            raise ValidationError([f"There is no statement {statement_code!r}."])
        cur.execute("UPDATE review_statement SET status = ?, version = version + 1, updated_at = current_timestamp"
                    " WHERE system_code = ? AND statement_code = ?", [status, system_code, statement_code])
        audit.record(cur, user, "retire" if status == "retired" else "restore", "review_statement",
                     f"{system_code}/{statement_code}", system_code=system_code, before={"status": old},
                     after={"status": status}, reason=clean_text(reason))

    transaction(con, work)


def insert_starter_statements(cur, user: User, system_code: str) -> int:
    """Write the starter set inside the caller's transaction, skipping codes already used; return how many."""
    require(user, "run_reviews")
    outcomes = {r[0] for r in cur.execute("SELECT outcome_code FROM outcome WHERE system_code = ?", [system_code]).fetchall()}
    existing = {r[0] for r in cur.execute(
        "SELECT statement_code FROM review_statement WHERE system_code = ?", [system_code]).fetchall()}
    added = 0
    for order, statement in enumerate(STARTER, start=1):
        code = statement["statement_code"]
        if code in existing:
            continue
        cur.execute("INSERT INTO review_statement (system_code, statement_code, theme, text, sort_order)"
                    " VALUES (?, ?, ?, ?, ?)", [system_code, code, statement["theme"], statement["text"], order])
        linked = [o for o in statement["outcomes"] if o in outcomes]
        _write_links(cur, system_code, code, statement["principles"], linked)
        added += 1
    return added


def add_starter_statements(con, user: User, system_code: str) -> int:
    """Add the starter set of statements to a system's library; return how many were added."""
    require(user, "run_reviews")

    def work(cur) -> int:
        added = insert_starter_statements(cur, user, system_code)
        audit.record(cur, user, "create", "review_statement", f"{system_code}/starter", system_code=system_code,
                     after={"statements_added": added}, reason="Starter set of quality statements")
        return added

    return transaction(con, work)
