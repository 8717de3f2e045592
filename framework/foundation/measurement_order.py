"""Keeping the measurement table in the order the pages read it, so that they stay fast on a large store.

DuckDB keeps the smallest and largest value of each column for every block of about 120,000 rows and skips a
block whose range cannot match a query. The pages read a system's headline rows (breakdown 'All') far more than
anything else, and one measure's breakdowns when it is open. Rows kept in ORDER below put each system's headline
rows side by side in a few blocks (at ICS scale 2 of 35), and each measure's rows of one breakdown together, so a
page skips most of the table instead of reading all of it.

Rows arrive in whatever order their files had, so `tidy_measurements` rewrites the table in this order:
`python -m framework --db PATH tidy` after a large import. It changes no row; only how they are stored.
"""
from __future__ import annotations

import contextlib
import time

import duckdb

from framework.core import audit, db, postgres_store
from framework.core.auth import require
from framework.core.model import MEASUREMENT_ORDER, User

ORDER = MEASUREMENT_ORDER
_OLD = "measurement_before_tidy"
ON_POSTGRES = ("This store is on PostgreSQL, where each app server keeps its own copy of the measurements and makes it "
               "in the order pages read, so there is nothing to tidy.")


def table_definition(con) -> str:
    """The measurement table's own CREATE statement as the store holds it now, with every column and key."""
    sql = db.scalar(con.cursor(), "SELECT sql FROM duckdb_tables() WHERE table_name = 'measurement'"
                                  " AND schema_name = current_schema() AND NOT temporary")
    if not sql:
        raise RuntimeError("This database has no measurement table to tidy.")
    return sql


def tidy_measurements(con, user: User) -> dict[str, float | int]:
    """Rewrite the measurement table in ORDER, all or nothing, with an audit row: the same rows, the same columns
    and keys. Returns the number of rows and the seconds taken; on PostgreSQL, also why nothing was done."""
    require(user, "administer")
    started = time.perf_counter()
    if postgres_store.is_postgres(con):
        return {"rows": db.scalar(con.cursor(), "SELECT count(*) FROM measurement"), "seconds": 0.0,
                "skipped": ON_POSTGRES}
    definition = table_definition(con)

    def work(cur) -> int:
        rows = db.scalar(cur, "SELECT count(*) FROM measurement")
        cur.execute(f"ALTER TABLE measurement RENAME TO {_OLD}")
        cur.execute(definition)
        cur.execute(f"INSERT INTO measurement SELECT * FROM {_OLD} ORDER BY {', '.join(ORDER)}")
        cur.execute(f"DROP TABLE {_OLD}")
        kept = db.scalar(cur, "SELECT count(*) FROM measurement")
        if kept != rows:
            raise RuntimeError(f"Tidying kept {kept} of {rows} measurement rows, so nothing was changed.")
        audit.record(cur, user, "tidy", "measurement", "all", after={"rows": rows, "order": ", ".join(ORDER)})
        return rows

    rows = db.transaction(con, work)
    with contextlib.suppress(duckdb.Error):  # busy readers put this off until DuckDB's own next checkpoint
        con.execute("CHECKPOINT")  # write the new blocks now, so the next reader finds them ordered
    return {"rows": rows, "seconds": time.perf_counter() - started}

