"""Gap measures in DuckDB: which gaps are measured, and each gap as an indicator with its own baseline and targets
and a headline series, so that the progress query judges them exactly as it judges indicators and v_progress carries
them beside the indicators.

A gap is measured for every indicator breakdown whose groups include a 'most deprived' and a 'least deprived'
group, and for every breakdown an editor has picked (table gap_measure, which also holds the targets and may name
other groups). The same sums as framework.progress.gaps.gap_points; the tests check that both agree.
"""
from __future__ import annotations

from framework.progress.gaps import GAP_MARK

SLUG = "trim(regexp_replace(lower({col}), '[^a-z0-9]+', '-', 'g'), '-')"

# Every gap that is measured: the editor's own, then the deprivation gaps no editor has set up yet. Among several
# groups named 'most deprived' (deciles: 'Most deprived', 'Second most deprived') the first by name is taken, as the
# pure functions do. The names are read once per group, not once per measurement.
_DEFINITIONS = """
    SELECT g.system_code, g.indicator_code, g.breakdown, g.disadvantaged_group, g.advantaged_group,
           g.baseline_value, g.target_1y, g.target_3y, g.target_5y, g.version, true AS picked
    FROM gap_measure g WHERE true {{scope}}
    UNION ALL
    SELECT d.system_code, d.indicator_code, d.breakdown, d.disadvantaged_group, d.advantaged_group,
           CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE),
           CAST(NULL AS INTEGER), false
    FROM (
        SELECT system_code, indicator_code, breakdown,
               min(breakdown_group) FILTER (WHERE lower(breakdown_group) LIKE '%most deprived%'
                                              AND NOT {not_stated}) AS disadvantaged_group,
               min(breakdown_group) FILTER (WHERE lower(breakdown_group) LIKE '%least deprived%'
                                              AND NOT {not_stated}) AS advantaged_group
        FROM (SELECT DISTINCT system_code, indicator_code, breakdown, breakdown_group FROM measurement
              WHERE breakdown <> 'All' {{scope}})
        GROUP BY system_code, indicator_code, breakdown
    ) d
    WHERE d.disadvantaged_group IS NOT NULL AND d.advantaged_group IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM gap_measure g WHERE g.system_code = d.system_code
                      AND g.indicator_code = d.indicator_code AND g.breakdown = d.breakdown)
""".format(not_stated="(" + " OR ".join(f"lower(breakdown_group) LIKE '%{w}%'" for w in
                                        ("not stated", "unknown", "not known", "not recorded")) + ")")


def _literal(value: str) -> str:
    """A text value as an SQL string literal (quotes doubled), so DuckDB can prune the scan by it."""
    return "'" + str(value).replace("'", "''") + "'"


def gap_definitions(system_code: str | None = None, indicator_code: str | None = None) -> str:
    """GAP_DEFINITIONS for one system (and one indicator) only: the same rows, without scanning every system's
    breakdowns to find them."""
    scope = (f" AND system_code = {_literal(system_code)}" if system_code is not None else "") + (
        f" AND indicator_code = {_literal(indicator_code)}" if indicator_code is not None else "")
    return _DEFINITIONS.format(scope=scope)


GAP_DEFINITIONS = gap_definitions()

GAP_CODE = f"d.indicator_code || '{GAP_MARK}' || {SLUG.format(col='d.breakdown')}"


def gap_indicators(system_code: str | None = None, indicator_code: str | None = None) -> str:
    """Each gap as an indicator (of one system, or one indicator's gaps, when given): a smaller gap is better,
    whatever the indicator's direction."""
    return f"""
    SELECT d.system_code, {GAP_CODE} AS indicator_code,
           CASE WHEN i.direction = 'no_judgement' THEN 'no_judgement' ELSE 'lower_is_better' END AS direction,
           i.kind, i.status, i.outcome_code, d.baseline_value, d.target_1y, d.target_3y, d.target_5y
    FROM ({gap_definitions(system_code, indicator_code)}) d JOIN indicator i USING (system_code, indicator_code)
"""


GAP_INDICATORS = gap_indicators()


def gap_measurements(system_code: str | None = None, indicator_code: str | None = None) -> str:
    """Each gap as a headline series (of one system, or one indicator's gaps, when given): the advantaged group's
    lead over the disadvantaged one in every area and period where both have a value, with the two intervals
    combined as independent normal errors."""
    return f"""
    SELECT x.*, x.value - x.half AS lower_ci, x.value + x.half AS upper_ci
    FROM (
        SELECT d.system_code, {GAP_CODE} AS indicator_code, md.area_code, md.period_end,
               (CASE WHEN i.direction = 'lower_is_better' THEN -1.0 ELSE 1.0 END) * (ma.value - md.value) AS value,
               sqrt(((md.upper_ci - md.lower_ci) / 2) ^ 2 + ((ma.upper_ci - ma.lower_ci) / 2) ^ 2) AS half,
               'All' AS breakdown, 'All' AS breakdown_group
        FROM ({gap_definitions(system_code, indicator_code)}) d
        JOIN indicator i USING (system_code, indicator_code)
        JOIN measurement md ON md.system_code = d.system_code AND md.indicator_code = d.indicator_code
             AND md.breakdown = d.breakdown AND md.breakdown_group = d.disadvantaged_group
        JOIN measurement ma ON ma.system_code = d.system_code AND ma.indicator_code = d.indicator_code
             AND ma.breakdown = d.breakdown AND ma.breakdown_group = d.advantaged_group
             AND ma.area_code = md.area_code AND ma.period_end = md.period_end
        WHERE md.value IS NOT NULL AND NOT isnan(md.value) AND ma.value IS NOT NULL AND NOT isnan(ma.value)
    ) x
"""


GAP_MEASUREMENTS = gap_measurements()
