"""The public views over the foundation that analysts read: v_indicator and v_measurement.

Their names and columns are a contract (docs and tools outside the app rely on them). The store rebuilds them from
this code every time it opens a database for writing, so every database shows today's definitions. Both are plain
SQL that DuckDB and PostgreSQL run the same way: in server mode they are PostgreSQL views too, for analysts.
"""
from __future__ import annotations

# matters_score comes from v_priority_matters (the measures that matter), which is built before this view.
V_INDICATOR = """
SELECT i.system_code, i.outcome_code, i.indicator_code, i.name AS indicator_name, i.unit, i.direction, i.status,
       CAST(pm.matters_score AS DOUBLE PRECISION) AS matters_score,
       i.baseline_value, i.baseline_date, i.target_1y, i.target_3y, i.target_5y, i.source_ref
FROM indicator i
LEFT JOIN v_priority_matters pm USING (system_code, indicator_code)
"""

V_MEASUREMENT = """
SELECT m.system_code, m.indicator_code, m.area_code, a.area_name, a.area_type, m.period_label, m.period_start,
       m.period_end, m.breakdown, m.breakdown_group, m.value, m.lower_ci, m.upper_ci, m.count, m.denominator,
       m.value_note
FROM measurement m
LEFT JOIN area a USING (area_code)
"""


def views() -> list[tuple[str, str]]:
    """The foundation's public views as (name, query), in the order they are built."""
    return [("v_indicator", V_INDICATOR), ("v_measurement", V_MEASUREMENT)]
