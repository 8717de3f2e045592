"""The co-created vision and its outcomes: the statement, the 1, 3 and 5 year ambitions and the links to the 10
principles. Saves are validated, versioned for optimistic concurrency, and audited. The answers to the starter
questions live in framework.foundation.starter_questions; a save here may still carry the first five by name."""
from __future__ import annotations

from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import read_df, read_rows, row_to_save, scalar, transaction
from framework.core.errors import StaleEdit, ValidationError
from framework.core.model import User, check_length, clean_text, require_text
from framework.foundation.starter_questions import (
    VISION_COLUMNS,
    keep_vision_columns_in_step,
    validate_answers,
    write_answers,
)

VISION_FIELDS = {
    "statement": "Vision statement",
    "ultimate_outcome": "What is the ultimate outcome we are aiming for?",
    "who_else_to_involve": "Who else do we need to involve?",
    "challenges_and_tensions": "What are the challenges and tensions we need to resolve?",
    "assets": "What assets do we have to do this in a meaningful way?",
    "how_we_will_know": "How will we know when we have got there?",
    "agreed_with": "Agreed with",
}
# The vision's own fields; the others above are starter questions' answers, kept by label for older returns.
STATEMENT_FIELDS = ("statement", "agreed_with")
OUTCOME_FIELDS = {
    "outcome_code": "Outcome code",
    "title": "Title",
    "description": "Description",
    "ambition_1y": "Ambition at 1 year",
    "ambition_3y": "Ambition at 3 years",
    "ambition_5y": "Ambition at 5 years",
}



def get_vision(con, system_code: str) -> dict[str, Any] | None:
    """The system's vision as a dict, or None when none is set."""
    rows = read_rows(con, "SELECT * FROM vision WHERE system_code = ?", [system_code])
    return rows[0] if rows else None


def validate_vision(values: dict[str, Any]) -> dict[str, Any]:
    """Check the vision fields; return them cleaned or raise ValidationError."""
    problems: list[str] = []
    require_text(problems, values, "statement", VISION_FIELDS["statement"], 2000)
    for name, label in VISION_FIELDS.items():
        if name != "statement":
            check_length(problems, values, name, label)
    if problems:
        raise ValidationError(problems)
    clean = {name: clean_text(values.get(name)) for name in STATEMENT_FIELDS}
    clean["agreed_on"] = values.get("agreed_on")
    return clean


def save_vision(
    con, user: User, system_code: str, values: dict[str, Any], *, expected_version: int | None = None
) -> int:
    """Create or update the vision (and any starter answers given by name); refuse a stale edit; return the new
    version."""
    require(user, "edit_framework")
    clean = validate_vision(values)
    answers = validate_answers({k: values[k] for k in VISION_COLUMNS if k in values})

    def work(cur) -> int:
        rows = cur.execute("SELECT * FROM vision WHERE system_code = ?", [system_code]).df().to_dict("records")
        before = rows[0] if rows else None
        if before and expected_version is not None and before["version"] != expected_version:
            raise StaleEdit("vision", audit.changed_fields(values, {k: before[k] for k in clean}))
        if before is None:
            cur.execute(
                f"INSERT INTO vision (system_code, {', '.join(clean)}) VALUES (?{', ?' * len(clean)})",
                [system_code, *clean.values()],
            )
            version = 1
        else:
            version = before["version"] + 1
            sets = ", ".join(f"{k} = ?" for k in clean)
            cur.execute(
                f"UPDATE vision SET {sets}, version = ?, updated_at = current_timestamp WHERE system_code = ?",
                [*clean.values(), version, system_code],
            )
        audit.record(
            cur, user, "create" if before is None else "update", "vision", system_code, system_code=system_code,
            before={k: before[k] for k in clean} if before else None, after=clean,
        )
        if answers:
            write_answers(cur, user, system_code, answers)
        keep_vision_columns_in_step(cur, system_code)
        return version

    return transaction(con, work)


def principles(con) -> pd.DataFrame:
    """The 10 principles, editable reference data."""
    return read_df(con, "SELECT principle_no, short_label, description FROM principle ORDER BY principle_no")


def list_outcomes(con, system_code: str) -> pd.DataFrame:
    """The system's outcomes in order, with their principle numbers as a list."""
    return read_df(
        con,
        "SELECT o.*, coalesce(list(op.principle_no ORDER BY op.principle_no)"
        "  FILTER (WHERE op.principle_no IS NOT NULL), []) AS principles"
        " FROM outcome o LEFT JOIN outcome_principle op USING (system_code, outcome_code)"
        " WHERE o.system_code = ? GROUP BY ALL ORDER BY o.sort_order, o.outcome_code",
        [system_code],
    )


def validate_outcome(values: dict[str, Any], known_principles: set[int]) -> dict[str, Any]:
    """Check an outcome; return it cleaned or raise ValidationError."""
    problems: list[str] = []
    require_text(problems, values, "outcome_code", OUTCOME_FIELDS["outcome_code"], 20)
    require_text(problems, values, "title", OUTCOME_FIELDS["title"], 200)
    for name in ("description", "ambition_1y", "ambition_3y", "ambition_5y"):
        check_length(problems, values, name, OUTCOME_FIELDS[name], 2000)
    code = clean_text(values.get("outcome_code")) or ""
    if code and not code.replace("-", "").replace("_", "").isalnum():
        problems.append(f"Outcome code {code!r} may use only letters, digits, '-' and '_'.")
    chosen = [int(p) for p in values.get("principles") or []]
    unknown = sorted(set(chosen) - known_principles)
    if unknown:
        problems.append(f"Principles {unknown} are not among the principles 1 to {max(known_principles, default=10)}.")
    if not any(clean_text(values.get(f"ambition_{h}y")) for h in (1, 3, 5)):
        problems.append("Give an ambition for at least one horizon: 1, 3 or 5 years.")
    if problems:
        raise ValidationError(problems)
    clean = {name: clean_text(values.get(name)) for name in OUTCOME_FIELDS}
    clean["principles"] = sorted(set(chosen))
    return clean


def save_outcome(
    con, user: User, system_code: str, values: dict[str, Any], *, expected_version: int | None = None,
    is_new: bool = False,
) -> int:
    """Create (is_new) or update an outcome and its principle links; refuse a stale edit; return the version."""
    require(user, "edit_framework")
    known = set(principles(con)["principle_no"].astype(int))
    clean = validate_outcome(values, known)
    code = clean["outcome_code"]

    def work(cur) -> int:
        before = row_to_save(cur, "outcome", "outcome_code", system_code, code, is_new=is_new, noun="outcome")
        linked = [r[0] for r in cur.execute(
            "SELECT principle_no FROM outcome_principle WHERE system_code = ? AND outcome_code = ?"
            " ORDER BY principle_no", [system_code, code]).fetchall()]
        fields = {k: v for k, v in clean.items() if k not in ("outcome_code", "principles")}
        if before:
            before_rec = {**{k: before[k] for k in fields}, "principles": linked}
            if expected_version is not None and before["version"] != expected_version:
                raise StaleEdit("outcome", audit.changed_fields(clean, before_rec))
            version = before["version"] + 1
            cur.execute(
                f"UPDATE outcome SET {', '.join(f'{k} = ?' for k in fields)}, version = ?"
                " WHERE system_code = ? AND outcome_code = ?",
                [*fields.values(), version, system_code, code],
            )
        else:
            before_rec = None
            order = scalar(
                cur, "SELECT coalesce(max(sort_order), 0) + 1 FROM outcome WHERE system_code = ?", [system_code]
            )
            cur.execute(
                f"INSERT INTO outcome (system_code, outcome_code, {', '.join(fields)}, sort_order)"
                f" VALUES (?, ?{', ?' * len(fields)}, ?)",
                [system_code, code, *fields.values(), order],
            )
            version = 1
        cur.execute("DELETE FROM outcome_principle WHERE system_code = ? AND outcome_code = ?", [system_code, code])
        if clean["principles"]:  # an outcome may serve no principle yet
            cur.executemany("INSERT INTO outcome_principle VALUES (?, ?, ?)",
                            [(system_code, code, p) for p in clean["principles"]])
        audit.record(
            cur, user, "create" if before is None else "update", "outcome", f"{system_code}/{code}",
            system_code=system_code, before=before_rec, after={**fields, "principles": clean["principles"]},
        )
        return version

    return transaction(con, work)
