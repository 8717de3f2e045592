"""Progress: the gap between groups as a measure in its own right. An editor may pick a breakdown (and the two groups
to compare) and give its gap a baseline and 1, 3 and 5 year targets. The gap between the most and least deprived
needs no row here to be measured: a row only adds targets or names other groups."""
from __future__ import annotations

VERSION = 14
DESCRIPTION = "Progress: gap measures with their own baseline and targets"

GAP_MEASURE = """
CREATE TABLE gap_measure (
    system_code          VARCHAR NOT NULL,
    indicator_code       VARCHAR NOT NULL,
    breakdown            VARCHAR NOT NULL,
    disadvantaged_group  VARCHAR NOT NULL,
    advantaged_group     VARCHAR NOT NULL,
    baseline_value       DOUBLE,
    target_1y            DOUBLE,
    target_3y            DOUBLE,
    target_5y            DOUBLE,
    version              INTEGER NOT NULL DEFAULT 1,
    updated_at           TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (system_code, indicator_code, breakdown)
)
"""


def up(cur) -> None:
    cur.execute(GAP_MEASURE)
