"""Data in and out: the replaced values an import overwrote (so a batch can be undone) and the details of each
import batch that the foundation's import_batch table does not hold."""
from __future__ import annotations

from framework.core.postgres_store import run_statements

VERSION = 30
DESCRIPTION = "Imports: replaced measurement values for undo, and batch details"

STATEMENTS = [
    # Exactly: replaced_by_batch, then every measurement column in order (framework.measurements relies on it).
    """CREATE TABLE IF NOT EXISTS measurement_replaced (
        replaced_by_batch BIGINT NOT NULL,
        system_code      VARCHAR NOT NULL,
        indicator_code   VARCHAR NOT NULL,
        area_code        VARCHAR NOT NULL,
        period_label     VARCHAR NOT NULL,
        period_start     DATE NOT NULL,
        period_end       DATE NOT NULL,
        breakdown        VARCHAR NOT NULL,
        breakdown_group  VARCHAR NOT NULL,
        value            DOUBLE,
        lower_ci         DOUBLE,
        upper_ci         DOUBLE,
        lower_ci_998     DOUBLE,
        upper_ci_998     DOUBLE,
        count            DOUBLE,
        denominator      DOUBLE,
        value_note       VARCHAR,
        comparison       VARCHAR,
        batch_id         BIGINT
    )""",
    """CREATE TABLE IF NOT EXISTS import_batch_detail (
        batch_id          BIGINT PRIMARY KEY,
        rows_read         BIGINT NOT NULL DEFAULT 0,
        rows_merged       BIGINT NOT NULL DEFAULT 0,
        areas_added       BIGINT NOT NULL DEFAULT 0,
        indicators_added  BIGINT NOT NULL DEFAULT 0,
        rejects_file      VARCHAR,
        undone_at         TIMESTAMP,
        undone_by         VARCHAR,
        rows_restored     BIGINT,
        rows_removed      BIGINT
    )""",
]


def up(cur) -> None:
    run_statements(cur, STATEMENTS)
