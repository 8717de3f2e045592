"""Import history and undo. Undoing a batch leaves the measurements as if it had never been imported: the values it
replaced come back and the rows it added go. While a later batch holds any of the same rows (it changed them or
delivered them again), the undo is refused with the later batch named: undo that one first. The undo is audited."""
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


NOT_UNDONE_HERE = {
    "demo": ("Batch {id} loaded the demo systems with their vision, outcomes, indicators, engagement log and review."
             " Undoing only its measurements would leave that framework without data, so it is not undone as an"
             " import: to remove the demo, start a new database without the demo."),
    "engagement log": ("Batch {id} ({file}) loaded activities into the engagement log: it is undone with the"
                       " engagement log's undo, which removes the activities and items it added."),
}


def later_batches(con, batch_id: int) -> list[dict[str, Any]]:
    """The applied batches after this one that delivered any of the same rows, newest first, with how many."""
    cur = con.cursor()
    try:
        return _later(cur, batch_id)
    finally:
        cur.close()


def _later(cur, batch_id: int) -> list[dict[str, Any]]:
    same = " AND ".join(f"x.{k} = l.{k}" for k in KEY)
    rows = cur.execute(
        f"SELECT l.batch_id, any_value(b.file_name) AS file_name, count(*) AS rows FROM import_batch_row x"
        f" JOIN import_batch_row l ON {same} JOIN import_batch b ON b.batch_id = l.batch_id"
        " WHERE x.batch_id = ? AND l.batch_id > ? AND b.status = 'applied'"
        " GROUP BY l.batch_id ORDER BY l.batch_id DESC",
        [batch_id, batch_id],
    ).fetchall()
    return [{"batch_id": int(b), "file_name": f, "rows": int(n)} for b, f, n in rows]


def undo_blocker(con, batch: dict[str, Any]) -> str | None:
    """Why this batch cannot be undone now, in words, or None when it can."""
    cur = con.cursor()
    try:
        return _blocker(cur, batch)
    finally:
        cur.close()


def _blocker(cur, batch: dict[str, Any]) -> str | None:
    words = NOT_UNDONE_HERE.get(batch["file_format"])
    if words:
        return words.format(id=batch["batch_id"], file=batch["file_name"])
    later = _later(cur, batch["batch_id"])
    if not later:
        return None
    named = "; ".join(f"batch {r['batch_id']} ({r['file_name']}) delivered {r['rows']:,} of the same rows"
                      for r in later)
    first = ", then ".join(f"batch {r['batch_id']}" for r in later)
    return (f"Batch {batch['batch_id']} ({batch['file_name']}) cannot be undone while later imports hold the same"
            f" rows: {named}. Undo {first} first, then batch {batch['batch_id']}.")


def undo_batch(con, user: User, batch_id: int, reason: str | None = None) -> dict[str, int]:
    """Undo an applied batch so the measurements are as if it had never been imported: restore what it replaced
    and remove what it added; refuse, naming them, while later batches hold any of the same rows."""
    require(user, "undo_import")
    batch = get_batch(con, batch_id)
    if batch is None:
        raise ValidationError([f"Batch {batch_id} does not exist; choose a batch from the import history."])
    if batch["status"] != "applied":
        raise ValidationError([f"Batch {batch_id} ({batch['file_name']}) was already undone."])

    join = " AND ".join(f"m.{k} = r.{k}" for k in KEY)

    def work(cur) -> dict[str, int]:
        blocker = _blocker(cur, batch)  # checked inside the transaction, so a batch imported meanwhile counts
        if blocker:
            raise ValidationError([blocker])
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
        cur.execute("UPDATE import_batch SET status = 'undone', redelivered = coalesce(redelivered, 0) + 1"
                    " WHERE batch_id = ?", [batch_id])  # meets an import of the same rows running now
        cur.execute(
            "INSERT INTO import_batch_detail (batch_id, undone_at, undone_by, rows_restored, rows_removed)"
            " VALUES (?, current_timestamp, ?, ?, ?) ON CONFLICT (batch_id) DO UPDATE SET"
            " undone_at = excluded.undone_at, undone_by = excluded.undone_by,"
            " rows_restored = excluded.rows_restored, rows_removed = excluded.rows_removed",
            [batch_id, user.user_id, restored, removed],
        )
        counts = {"restored": int(restored), "removed": int(removed)}
        audit.record(cur, user, "undo", "import_batch", str(batch_id), system_code=batch["system_code"],
                     before={"status": "applied", "file": batch["file_name"], "new": batch["rows_new"],
                             "changed": batch["rows_changed"]},
                     after={"status": "undone", **counts}, reason=reason or "Import undone")
        return counts

    return transaction(con, work)


__all__ = ["COLUMNS", "get_batch", "later_batches", "list_batches", "undo_batch", "undo_blocker"]
