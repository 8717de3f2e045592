"""Numbering new rows the same way on both stores: take the next number from the table's sequence, then insert the
row with it. (PostgreSQL, reached through DuckDB, cannot return values from an INSERT.)"""
from __future__ import annotations

import re
from typing import Any

# Every numbered table: (table, number column) -> its sequence, as the migrations create them.
SEQUENCES = {
    ("import_batch", "batch_id"): "seq_batch",
    ("audit_log", "audit_id"): "seq_audit",
    ("narrative", "narrative_id"): "seq_narrative",
    ("measure_proposal", "proposal_id"): "seq_proposal",
    ("priority_round", "round_id"): "seq_round",
    ("framework_version", "version_id"): "seq_framework_version",
    ("review_round", "round_id"): "seq_review_round",
    ("review_respondent", "respondent_id"): "seq_review_respondent",
    ("review_action", "action_id"): "seq_review_action",
    ("engagement_activity", "activity_id"): "seq_engagement_activity",
    ("you_said", "item_id"): "seq_you_said",
}

INSERT = re.compile(
    r"^\s*INSERT\s+INTO\s+(\w+)\s*\((.*?)\)\s*VALUES\s*\((.*)\)\s*RETURNING\s+(?:CAST\((\w+)\s+AS\s+VARCHAR\)|(\w+))\s*$",
    re.IGNORECASE | re.DOTALL)


def next_id(cur: Any, sequence: str) -> int:
    """The next number from a sequence, on either store."""
    from framework.core import postgres_store

    if postgres_store.is_postgres(cur):
        return int(postgres_store.next_id(cur, sequence))
    return int(cur.execute(f"SELECT nextval('{sequence}')").fetchone()[0])


def insert_returning(cur: Any, sql: str, params: list[Any]) -> int:
    """Run `INSERT INTO t (cols) VALUES (...) RETURNING number` for a numbered table and return the new number."""
    found = INSERT.match(sql)
    if not found:
        raise ValueError(f"Not an insert that returns its new number: {sql[:120]}")
    table, columns, values = found.group(1), found.group(2), found.group(3)
    number = found.group(4) or found.group(5)
    sequence = SEQUENCES.get((table, number))
    if sequence is None:
        raise ValueError(f"{table}.{number} is not a numbered column; add it to SEQUENCES.")
    new = next_id(cur, sequence)
    cur.execute(f"INSERT INTO {table} ({number}, {columns}) VALUES (?, {values})", [new, *params])
    return new
