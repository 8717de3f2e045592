"""Agreed versions of the framework: a snapshot of the vision, the starter questions (wording and answers), outcomes
and measures with the date it was agreed and the body that approved it, and a comparison of any two versions."""
from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import insert_returning, read_df, read_rows, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, clean_text, require_text
from framework.foundation.starter_questions import read_questions

OUTCOME_COLUMNS = ("title", "description", "ambition_1y", "ambition_3y", "ambition_5y")
INDICATOR_COLUMNS = ("name", "outcome_code", "definition", "unit", "direction", "status", "owner_partner",
                     "baseline_value", "target_1y", "target_3y", "target_5y")


def snapshot(cur, system_code: str) -> dict[str, Any]:
    """The framework as it stands: vision statement, starter questions, outcomes and measures, as plain JSON-ready
    values."""
    def rows(sql: str) -> list[dict[str, Any]]:
        df = cur.execute(sql, [system_code]).df()
        return json.loads(df.to_json(orient="records", date_format="iso"))

    vision = rows("SELECT statement FROM vision WHERE system_code = ?")
    return {
        "vision": vision[0]["statement"] if vision else None,
        "questions": {q["question_key"]: {"position": q["position"], "wording": q["wording"], "answer": q["answer"]}
                      for q in read_questions(cur, system_code)},
        "outcomes": {r.pop("outcome_code"): r for r in rows(
            f"SELECT outcome_code, {', '.join(OUTCOME_COLUMNS)} FROM outcome WHERE system_code = ?")},
        "indicators": {r.pop("indicator_code"): r for r in rows(
            f"SELECT indicator_code, {', '.join(INDICATOR_COLUMNS)} FROM indicator WHERE system_code = ?")},
    }


def record_version(con, user: User, system_code: str, label: str, agreed_on: Any, approved_by: str,
                   notes: str | None = None) -> int:
    """Record the framework as agreed on a date by a named body; return the version number."""
    require(user, "edit_framework")
    problems = []
    given = {"label": label, "approved_by": approved_by}
    label = require_text(problems, given, "label", "Version name", 200, hint=": for example 'Framework 2026/27'")
    approved_by = require_text(problems, given, "approved_by", "Approved by", 200,
                               hint=": name the board or group that agreed it")
    if not isinstance(agreed_on, date):
        try:
            agreed_on = date.fromisoformat(str(agreed_on).strip())
        except (TypeError, ValueError):
            problems.append(f"Agreed on {agreed_on!r} is not a date; expected YYYY-MM-DD.")
    if isinstance(agreed_on, date) and agreed_on > date.today():
        problems.append(f"Agreed on ({agreed_on:%d %B %Y}) is in the future; record a version once it is agreed.")
    if problems:
        raise ValidationError(problems)

    def work(cur) -> int:
        snap = snapshot(cur, system_code)
        version_id = int(insert_returning(
            cur,
            "INSERT INTO framework_version (system_code, label, agreed_on, approved_by, notes, snapshot, recorded_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING version_id",
            [system_code, label, agreed_on, approved_by, clean_text(notes), json.dumps(snap), user.user_id],
        ))
        audit.record(cur, user, "agree", "framework_version", f"{system_code}/{version_id}", system_code=system_code,
                     after={"label": label, "agreed_on": agreed_on, "approved_by": approved_by,
                            "measures": len(snap["indicators"])})
        return version_id

    return transaction(con, work)


VERSIONS_SQL = """
    SELECT version_id, label, agreed_on, approved_by, notes, recorded_by, recorded_at,
    json_array_length(json_keys(snapshot->'indicators')) AS measures
    FROM framework_version WHERE system_code = ? ORDER BY agreed_on DESC, version_id DESC"""


def list_versions(con, system_code: str) -> pd.DataFrame:
    """The agreed versions, newest first."""
    return read_df(con, VERSIONS_SQL, [system_code])


def _snapshot(con, system_code: str, version_id: int) -> dict[str, Any]:
    rows = read_rows(con, "SELECT snapshot FROM framework_version WHERE system_code = ? AND version_id = ?",
                     [system_code, int(version_id)])
    if not rows:
        raise ValidationError([f"There is no agreed version number {version_id}."])
    snap = rows[0]["snapshot"]
    return json.loads(snap) if isinstance(snap, str) else snap


NOT_KEPT = "Versions agreed before the starter questions were kept do not hold their wording or answers."


def diff_snapshots(a: dict[str, Any], b: dict[str, Any]) -> pd.DataFrame:
    """What differs from snapshot a to snapshot b: one row per added, removed or changed item or field."""
    rows: list[dict[str, Any]] = []
    if a.get("vision") != b.get("vision"):
        rows.append({"part": "Vision", "code": "", "field": "statement", "change": "changed",
                     "before": a.get("vision"), "after": b.get("vision")})
    if ("questions" in a) != ("questions" in b):
        rows.append({"part": "Starter questions", "code": "", "field": "", "change": "not kept",
                     "before": None if "questions" in a else NOT_KEPT, "after": None if "questions" in b else NOT_KEPT})
    for part, key in (("Starter question", "questions"), ("Outcome", "outcomes"), ("Measure", "indicators")):
        old, new = a.get(key, {}), b.get(key, {})
        if key == "questions" and not (old and new):
            continue
        for code in sorted(set(old) | set(new), key=lambda c: ((old.get(c) or new.get(c)).get("position", 0), c)):
            if code not in old:
                rows.append({"part": part, "code": code, "field": "", "change": "added", "before": None,
                             "after": new[code].get("name") or new[code].get("title")})
            elif code not in new:
                rows.append({"part": part, "code": code, "field": "", "change": "removed",
                             "before": old[code].get("name") or old[code].get("title"), "after": None})
            else:
                for field in sorted(set(old[code]) | set(new[code])):
                    if old[code].get(field) != new[code].get(field):
                        rows.append({"part": part, "code": _code(part, code, old[code]), "field": field,
                                     "change": "changed",
                                     "before": old[code].get(field), "after": new[code].get(field)})
    out = pd.DataFrame(rows, columns=["part", "code", "field", "change", "before", "after"])
    for col in ("before", "after"):
        out[col] = out[col].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v))
    return out


def _code(part: str, code: str, item: dict[str, Any]) -> str:
    """A starter question is shown by its number, everything else by its code."""
    return f"Question {item['position']}" if part == "Starter question" and "position" in item else code


def compare_versions(con, system_code: str, version_a: int, version_b: int) -> pd.DataFrame:
    """What changed from agreed version a to agreed version b."""
    return diff_snapshots(_snapshot(con, system_code, version_a), _snapshot(con, system_code, version_b))
