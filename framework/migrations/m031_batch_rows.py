"""Undo that means undo: every row each import batch delivered (new, changed or repeated unchanged), so a batch can
be undone only when no later batch delivered the same rows; and the "you said" items an engagement-log batch added,
so its undo removes them too. Existing batches are filled in from what the database still shows."""
from __future__ import annotations

from framework.core.postgres_store import run_statements

VERSION = 31
DESCRIPTION = "Imports: the rows each batch delivered, and the items an engagement-log batch added"

KEY = "system_code, indicator_code, area_code, period_start, period_end, breakdown, breakdown_group"

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS import_batch_row (
        batch_id         BIGINT NOT NULL,
        system_code      VARCHAR NOT NULL,
        indicator_code   VARCHAR NOT NULL,
        area_code        VARCHAR NOT NULL,
        period_start     DATE NOT NULL,
        period_end       DATE NOT NULL,
        breakdown        VARCHAR NOT NULL,
        breakdown_group  VARCHAR NOT NULL
    )""",
    # How many later batches delivered this batch's rows again. An import raises it and an undo raises it too, so
    # an undo and an import of the same rows at the same moment meet a write conflict instead of both going ahead.
    "ALTER TABLE import_batch ADD COLUMN IF NOT EXISTS redelivered BIGINT DEFAULT 0",
    """CREATE TABLE IF NOT EXISTS import_batch_item (
        batch_id  BIGINT NOT NULL,
        item_id   BIGINT NOT NULL
    )""",
    f"""INSERT INTO import_batch_row
        SELECT batch_id, {KEY} FROM measurement WHERE batch_id IS NOT NULL
        UNION SELECT replaced_by_batch, {KEY} FROM measurement_replaced
        UNION SELECT batch_id, {KEY} FROM measurement_replaced WHERE batch_id IS NOT NULL""",
]


def up(cur) -> None:
    run_statements(cur, STATEMENTS)
