"""Writing measurements: one upsert on the natural key, used by the demo, imports and derived measures.
It reports how many rows were new, changed and unchanged, and keeps the replaced values so a batch can be undone."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

KEY = ["system_code", "indicator_code", "area_code", "period_start", "period_end", "breakdown", "breakdown_group"]
VALUES = ["period_label", "value", "lower_ci", "upper_ci", "lower_ci_998", "upper_ci_998", "count", "denominator",
          "value_note", "comparison"]
COLUMNS = KEY + VALUES


@dataclass(frozen=True)
class UpsertCounts:
    """What an upsert did."""

    new: int
    changed: int
    unchanged: int


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in COLUMNS:
        if col not in out.columns:
            out[col] = None
    out["breakdown"] = out["breakdown"].fillna("All")
    out["breakdown_group"] = out["breakdown_group"].fillna("All")
    return out[COLUMNS]


def upsert_measurements(cur, frame: pd.DataFrame, batch_id: int | None) -> UpsertCounts:
    """Insert new rows and update changed ones inside the caller's transaction; unchanged rows are left alone.

    Before a row is changed, its old values are copied to measurement_replaced, and the key of every row the batch
    delivered (new, changed or unchanged) goes to import_batch_row (when those tables exist), so the batch can be
    undone."""
    if frame.empty:
        return UpsertCounts(0, 0, 0)
    cur.register("incoming_raw", _prepared(frame))
    try:
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE incoming AS SELECT "
            + ", ".join(f"CAST({c} AS {'DATE' if c in ('period_start', 'period_end') else 'DOUBLE' if c not in ('system_code', 'indicator_code', 'area_code', 'breakdown', 'breakdown_group', 'period_label', 'value_note', 'comparison') else 'VARCHAR'}) AS {c}" for c in COLUMNS)
            + " FROM incoming_raw"
        )
    finally:
        cur.unregister("incoming_raw")
    join = " AND ".join(f"m.{k} = i.{k}" for k in KEY)
    same = " AND ".join(f"m.{v} IS NOT DISTINCT FROM i.{v}" for v in VALUES)
    cur.execute(
        f"CREATE OR REPLACE TEMP TABLE incoming_state AS SELECT i.*, CASE WHEN m.system_code IS NULL THEN 'new'"
        f" WHEN {same} THEN 'unchanged' ELSE 'changed' END AS state, m.batch_id AS held_by"
        f" FROM incoming i LEFT JOIN measurement m ON {join}"
    )
    counts = dict(cur.execute("SELECT state, count(*) FROM incoming_state GROUP BY state").fetchall())
    tables = {r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables WHERE table_name IN"
                                        " ('measurement_replaced', 'import_batch_row')").fetchall()}
    if "measurement_replaced" in tables and batch_id is not None and counts.get("changed"):
        cur.execute(
            f"INSERT INTO measurement_replaced SELECT ? AS replaced_by_batch, m.* FROM measurement m"
            f" JOIN incoming_state i ON {join} WHERE i.state = 'changed'",
            [batch_id],
        )
    cur.execute(
        f"INSERT INTO measurement ({', '.join(COLUMNS)}, batch_id)"
        f" SELECT {', '.join(COLUMNS)}, ? FROM incoming_state WHERE state IN ('new', 'changed')"
        f" ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
        + ", ".join(f"{v} = excluded.{v}" for v in VALUES + ["batch_id"]),
        [batch_id],
    )
    if "import_batch_row" in tables and batch_id is not None:  # every row delivered, so undo knows who came later
        cur.execute(f"INSERT INTO import_batch_row SELECT ?, {', '.join(KEY)} FROM incoming_state", [batch_id])
        # Touch the batches whose rows this one delivers again: an undo of one of them running at the same moment
        # then meets a write conflict (and is retried, and refused) instead of removing rows this batch also holds.
        cur.execute("UPDATE import_batch SET redelivered = coalesce(redelivered, 0) + 1 WHERE batch_id IN"
                    " (SELECT DISTINCT held_by FROM incoming_state WHERE held_by IS NOT NULL AND held_by <> ?)",
                    [batch_id])
    cur.execute("DROP TABLE incoming")
    cur.execute("DROP TABLE incoming_state")
    return UpsertCounts(counts.get("new", 0), counts.get("changed", 0), counts.get("unchanged", 0))
