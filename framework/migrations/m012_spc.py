"""Making Data Count SPC: the dates at which an indicator's limits start again (a baseline or a change of service,
each with its reason) and each system's length of a shift or trend. The public view v_spc is built from
framework.progress.spc_sql after migrating (see framework.migrations)."""
from __future__ import annotations

VERSION = 12
DESCRIPTION = "SPC: rebase dates with their reasons, and each system's shift and trend length"

TABLES = """
CREATE TABLE spc_rebase (
    system_code     VARCHAR NOT NULL,
    indicator_code  VARCHAR NOT NULL,
    rebase_date     DATE NOT NULL,
    reason          VARCHAR NOT NULL,
    set_by          VARCHAR NOT NULL,
    set_at          TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (system_code, indicator_code, rebase_date)
);
CREATE TABLE spc_setting (
    system_code     VARCHAR PRIMARY KEY,
    run_length      INTEGER NOT NULL CHECK (run_length BETWEEN 6 AND 8)
);
"""


def up(cur) -> None:
    for statement in TABLES.split(";"):
        if statement.strip():
            cur.execute(statement)
