"""The audit trail as history: who changed what and why, filtered by person, kind of record, measure and dates;
the target changes of one measure (to mark on its progress chart); and the changes sheet of the Excel return."""
from __future__ import annotations

import json
import textwrap
from datetime import date
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.db import read_df
from framework.core.model import role_name
from framework.foundation.starter_questions import KEYS as QUESTION_KEYS

ENTITY_WORDS = {
    "indicator": "Measure",
    "proposal": "Proposed measure",
    "priority_round": "Prioritisation round",
    "ballot": "Ballot (pseudonymous)",
    "framework_version": "Agreed framework version",
    "vision": "Vision",
    "outcome": "Outcome",
}
TARGET_FIELDS = ("target_1y", "target_3y", "target_5y")


HISTORY_COLUMNS = ["audit_id", "changed_at", "user_id", "user_role", "action", "entity", "entity_key", "before",
                   "after", "reason"]


def _fields(before: Any, after: Any) -> str:
    names = set()
    for blob in (before, after):
        if isinstance(blob, str) and blob:
            names |= set(json.loads(blob))
        elif isinstance(blob, dict):
            names |= set(blob)
    return ", ".join(sorted(names))


def audit_history(con, system_code: str, *, who: str | None = None, entity: str | None = None,
                  indicator: str | None = None, since: Any = None, until: Any = None,
                  limit: int = 1000) -> pd.DataFrame:
    """The audit log, newest first, filtered by who, what kind of record, which measure and which dates."""
    if indicator and entity and entity != "indicator":
        limit = 0  # a measure is always of the kind 'indicator', so no other kind of record matches
    df = audit.log(con, system_code=system_code, who=who, entity="indicator" if indicator else entity,
                   entity_key=f"{system_code}/{indicator}" if indicator else None, since=since, until=until,
                   limit=limit)[HISTORY_COLUMNS]
    df["what"] = [ENTITY_WORDS.get(e, e.replace("_", " ").capitalize()) for e in df["entity"]]
    df["record"] = [_record(e, k.split("/", 1)[1] if k.startswith(f"{system_code}/") else k)
                    for e, k in zip(df["entity"], df["entity_key"])]
    df["fields"] = [_fields(b, a) for b, a in zip(df["before"], df["after"])]
    return df


def _record(entity: str, record: str) -> str:
    """A record as a reader knows it: a starter question by its number, anything else by its key."""
    if entity.startswith("starter_") and record in QUESTION_KEYS:
        return f"Question {QUESTION_KEYS.index(record) + 1}"
    return record


def _distinct(con, system_code: str, column: str) -> list[str]:
    df = read_df(con, f"SELECT DISTINCT {column} FROM audit_log WHERE system_code = ? OR system_code IS NULL"
                      f" ORDER BY {column}", [system_code])
    return list(df[column])


def people(con, system_code: str) -> list[str]:
    """Everyone who appears in the system's audit log (ballots appear only under pseudonyms)."""
    return _distinct(con, system_code, "user_id")


def entities(con, system_code: str) -> list[str]:
    """The kinds of record in the system's audit log."""
    return _distinct(con, system_code, "entity")


def target_changes(con, system_code: str, indicator_code: str) -> pd.DataFrame:
    """Each change to one measure's targets: date, field, old, new and the reason given, oldest first."""
    df = read_df(
        con,
        "SELECT changed_at, before, after, reason, user_id FROM audit_log"
        " WHERE entity = 'indicator' AND entity_key = ? AND action = 'update' ORDER BY audit_id",
        [f"{system_code}/{indicator_code}"],
    )
    rows = []
    for r in df.to_dict("records"):
        before = json.loads(r["before"]) if isinstance(r["before"], str) else {}
        after = json.loads(r["after"]) if isinstance(r["after"], str) else {}
        for field in TARGET_FIELDS:
            if field in after or field in before:
                rows.append({"date": pd.Timestamp(r["changed_at"]).date(), "field": field,
                             "old": before.get(field), "new": after.get(field), "reason": r["reason"],
                             "changed_by": r["user_id"]})
    return pd.DataFrame(rows, columns=["date", "field", "old", "new", "reason", "changed_by"])


def _number(value: Any) -> str:
    return "none" if value is None else f"{value:g}" if isinstance(value, (int, float)) else str(value)


def target_annotations(con, system_code: str, indicator_code: str) -> list[tuple[date, str]]:
    """Target changes as (date, label) pairs for marking on a progress chart: one mark per saved change, with
    each horizon's old and new target and the reason, wrapped to stay readable."""
    changes = target_changes(con, system_code, indicator_code)
    out = []
    for (when, reason), part in changes.groupby(["date", "reason"], sort=False, dropna=False):
        moves = ", ".join(f"{f.removeprefix('target_').removesuffix('y')}-year {_number(o)} to {_number(n)}"
                          for f, o, n in zip(part["field"], part["old"], part["new"]))
        why = "<br>".join(textwrap.wrap(str(reason) if reason == reason and reason else "no reason given", 40)[:2])
        out.append((when, f"Target changed: {moves}<br>{why}"))
    return out


def changes_sheet(con, system_code: str, since: Any = None) -> pd.DataFrame:
    """The changes sheet of the Excel return: every recorded change since a date, oldest first, in words."""
    df = audit_history(con, system_code, since=since, limit=100_000).sort_values("audit_id")
    out = pd.DataFrame({
        "When": pd.to_datetime(df["changed_at"]).dt.strftime("%Y-%m-%d %H:%M"),
        "Who": df["user_id"],
        "Role": df["user_role"].map(role_name),
        "Action": df["action"],
        "What": df["what"],
        "Record": df["record"],
        "Fields": df["fields"],
        "Reason": df["reason"].fillna(""),
    })
    return out.reset_index(drop=True)
