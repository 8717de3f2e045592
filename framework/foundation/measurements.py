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


_TYPES = {"period_start": "DATE", "period_end": "DATE", **{v: "DOUBLE" for v in VALUES
                                                         if v not in ("period_label", "value_note", "comparison")}}


def _prepared(frame):
    """The frame with every measurement column, blank breakdowns as 'All'; an Arrow table that already has them
    is used as it is."""
    if not isinstance(frame, pd.DataFrame):
        import pyarrow.compute as pc

        missing = [c for c in COLUMNS if c not in frame.column_names]
        if missing:
            frame = frame.to_pandas(types_mapper=pd.ArrowDtype)
        else:
            for col in ("breakdown", "breakdown_group"):
                frame = frame.set_column(frame.column_names.index(col), col, pc.fill_null(frame[col], "All"))
            return frame.select(COLUMNS)
    out = frame.copy(deep=False)
    for col in COLUMNS:
        if col not in out.columns:
            out[col] = None
    out["breakdown"] = out["breakdown"].fillna("All")
    out["breakdown_group"] = out["breakdown_group"].fillna("All")
    return out[COLUMNS]


def upsert_measurements(cur, frame: pd.DataFrame, batch_id: int | None) -> UpsertCounts:
    """Insert new rows and update changed ones inside the caller's transaction; unchanged rows are left alone.

    Set-based whatever the size: the stored rows with the same keys are found by one join, new rows go in by an
    anti-join and changed rows are updated by one UPDATE. Before a row is changed, its old values
    are copied to measurement_replaced, and the key of every row the batch delivered (new, changed or unchanged) goes
    to import_batch_row (when those tables exist), so the batch can be undone. The frame may be a pandas DataFrame
    (also Arrow-backed) or a pyarrow Table with the measurement columns."""
    if len(frame) == 0:
        return UpsertCounts(0, 0, 0)
    prepared = _prepared(frame)
    # An Arrow table is scanned where it is; a DataFrame is copied once into DuckDB's own types.
    kind = "TABLE" if isinstance(prepared, pd.DataFrame) else "VIEW"
    cur.register("incoming_raw", prepared)
    cur.execute(
        f"CREATE OR REPLACE TEMP {kind} incoming AS SELECT "
        + ", ".join(f"CAST({c} AS {_TYPES.get(c, 'VARCHAR')}) AS {c}" for c in COLUMNS)
        + " FROM incoming_raw"
    )
    join = " AND ".join(f"m.{k} = i.{k}" for k in KEY)
    key = ", ".join(KEY)
    same = " AND ".join(f"m.{v} IS NOT DISTINCT FROM i.{v}" for v in VALUES)
    try:
        cur.execute(
            f"CREATE OR REPLACE TEMP TABLE held AS SELECT {', '.join(f'i.{k}' for k in KEY)},"
            f" m.batch_id AS held_by, ({same}) AS unchanged FROM incoming i JOIN measurement m ON {join}"
        )
        total = len(prepared)
        held, unchanged = cur.execute("SELECT count(*), count(*) FILTER (WHERE unchanged) FROM held").fetchall()[0]
        new, changed, unchanged = total - int(held), int(held) - int(unchanged), int(unchanged)
        tables = {r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables WHERE table_name IN"
                                            " ('measurement_replaced', 'import_batch_row')").fetchall()}
        changed_keys = f"(SELECT {key} FROM held WHERE NOT unchanged)"
        if changed and "measurement_replaced" in tables and batch_id is not None:
            cur.execute(f"INSERT INTO measurement_replaced SELECT ? AS replaced_by_batch, m.* FROM measurement m"
                        f" SEMI JOIN {changed_keys} c USING ({key})", [batch_id])
        if new:
            cur.execute(f"INSERT INTO measurement ({', '.join(COLUMNS)}, batch_id)"
                        f" SELECT {', '.join(COLUMNS)}, ? FROM incoming ANTI JOIN held USING ({key})", [batch_id])
        if changed:
            cur.execute(
                f"UPDATE measurement m SET {', '.join(f'{v} = i.{v}' for v in VALUES)}, batch_id = ?"
                f" FROM (SELECT * FROM incoming SEMI JOIN {changed_keys} c USING ({key})) i WHERE {join}",
                [batch_id])
        if "import_batch_row" in tables and batch_id is not None:  # every row delivered, so undo knows who came later
            cur.execute(f"INSERT INTO import_batch_row SELECT ?, {key} FROM incoming", [batch_id])
            # Touch the batches whose rows this one delivers again: an undo of one of them running at the same
            # moment then meets a write conflict (and is retried, and refused) instead of removing rows this batch
            # also holds.
            cur.execute("UPDATE import_batch SET redelivered = coalesce(redelivered, 0) + 1 WHERE batch_id IN"
                        " (SELECT DISTINCT held_by FROM held WHERE held_by IS NOT NULL AND held_by <> ?)",
                        [batch_id])
    finally:
        cur.execute(f"DROP {kind} IF EXISTS incoming")
        cur.execute("DROP TABLE IF EXISTS held")
        cur.unregister("incoming_raw")
    return UpsertCounts(new, changed, unchanged)
