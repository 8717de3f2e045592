"""Import history and undo. Undoing a batch removes the rows it added and restores the values it replaced;
rows a later import has changed again keep the later values. The undo is audited."""
from __future__ import annotations

from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import read_df, read_rows, scalar, transaction
from framework.core.errors import ValidationError
from framework.core.model import User
from framework.foundation.measurements import COLUMNS, KEY, VALUES


def list_batches(con, system_code: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Import batches, newest first, with their counts, who imported them and whether they were undone."""
    where, params = "", []
    if system_code:
        where, params = "WHERE b.system_code = ? OR b.system_code IS NULL", [system_code]
    return read_df(
        con,
        "SELECT b.batch_id, b.imported_at, b.file_name, b.file_format, b.system_code, b.imported_by, b.sha256,"
        " coalesce(d.rows_read, b.rows_new + b.rows_changed + b.rows_unchanged) AS rows_read,"
        " b.rows_new, b.rows_changed, b.rows_unchanged, coalesce(d.rows_merged, 0) AS rows_merged, b.rows_rejected,"
        " b.status, d.undone_at, d.undone_by, d.rejects_file"
        f" FROM import_batch b LEFT JOIN import_batch_detail d USING (batch_id) {where}"
        " ORDER BY b.batch_id DESC LIMIT ?",
        params + [limit],
    )


def get_batch(con, batch_id: int) -> dict[str, Any] | None:
    rows = read_rows(con, "SELECT * FROM import_batch WHERE batch_id = ?", [batch_id])
    return rows[0] if rows else None


def undo_batch(con, user: User, batch_id: int, reason: str | None = None) -> dict[str, int]:
    """Undo an applied batch: restore what it replaced and remove what it added; return the counts."""
    require(user, "undo_import")
    batch = get_batch(con, batch_id)
    if batch is None:
        raise ValidationError([f"Batch {batch_id} does not exist; choose a batch from the import history."])
    if batch["status"] != "applied":
        raise ValidationError([f"Batch {batch_id} ({batch['file_name']}) was already undone."])

    join = " AND ".join(f"m.{k} = r.{k}" for k in KEY)

    def work(cur) -> dict[str, int]:
        restored = scalar(
            cur,
            f"SELECT count(*) FROM measurement m JOIN measurement_replaced r ON {join}"
            " WHERE m.batch_id = ? AND r.replaced_by_batch = ?",
            [batch_id, batch_id],
        )
        cur.execute(
            f"UPDATE measurement m SET {', '.join(f'{v} = r.{v}' for v in VALUES + ['batch_id'])}"
            f" FROM measurement_replaced r WHERE {join} AND m.batch_id = ? AND r.replaced_by_batch = ?",
            [batch_id, batch_id],
        )
        removed = scalar(cur, "SELECT count(*) FROM measurement WHERE batch_id = ?", [batch_id])
        cur.execute("DELETE FROM measurement WHERE batch_id = ?", [batch_id])
        kept = batch["rows_new"] + batch["rows_changed"] - restored - removed
        cur.execute("UPDATE import_batch SET status = 'undone' WHERE batch_id = ?", [batch_id])
        cur.execute(
            "INSERT INTO import_batch_detail (batch_id, undone_at, undone_by, rows_restored, rows_removed)"
            " VALUES (?, current_timestamp, ?, ?, ?) ON CONFLICT (batch_id) DO UPDATE SET"
            " undone_at = excluded.undone_at, undone_by = excluded.undone_by,"
            " rows_restored = excluded.rows_restored, rows_removed = excluded.rows_removed",
            [batch_id, user.user_id, restored, removed],
        )
        counts = {"restored": int(restored), "removed": int(removed), "kept_later_changes": int(max(kept, 0))}
        audit.record(cur, user, "undo", "import_batch", str(batch_id), system_code=batch["system_code"],
                     before={"status": "applied", "file": batch["file_name"], "new": batch["rows_new"],
                             "changed": batch["rows_changed"]},
                     after={"status": "undone", **counts}, reason=reason or "Import undone")
        return counts

    return transaction(con, work)


__all__ = ["COLUMNS", "get_batch", "list_batches", "undo_batch"]
