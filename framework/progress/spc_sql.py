"""Making Data Count SPC for every headline series, in DuckDB window functions: the query behind the public view
v_spc, and the reads that pages and the Excel return make of it.

The same sums as the pure functions in framework.progress.spc (the tests check they agree on every demo series).
"""
from __future__ import annotations

import pandas as pd

from framework.core.db import read_df
from framework.progress.spc import DEFAULT_RUN_LENGTH, MIN_POINTS, PROCESS_FACTOR, TWO_SIGMA_FACTOR

V_SPC_COLUMNS = ("system_code", "indicator_code", "area_code", "period_end", "value", "centre", "lower_limit",
                 "upper_limit", "point_type", "rules", "variation", "assurance")


def _double(x: float) -> str:
    return f"CAST('{x!r}' AS DOUBLE)"


_TEMPLATE = """
WITH ind AS (
    SELECT i.system_code, i.indicator_code, i.direction,
           coalesce(st.run_length, {default_run}) AS run_length,
           CASE WHEN i.target_1y IS NOT NULL AND isfinite(i.target_1y)
                     AND CAST(s.framework_start + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE) >= current_date
                    THEN i.target_1y
                WHEN i.target_3y IS NOT NULL AND isfinite(i.target_3y)
                     AND CAST(s.framework_start + INTERVAL 3 YEAR - INTERVAL 1 DAY AS DATE) >= current_date
                    THEN i.target_3y
                WHEN i.target_5y IS NOT NULL AND isfinite(i.target_5y)
                     AND CAST(s.framework_start + INTERVAL 5 YEAR - INTERVAL 1 DAY AS DATE) >= current_date
                    THEN i.target_5y END AS target
    FROM indicator i JOIN system s USING (system_code) LEFT JOIN spc_setting st USING (system_code)
    WHERE i.kind <> 'qualitative' {ind_filter}
),
pts AS (
    SELECT m.system_code, m.indicator_code, m.area_code, m.period_end, m.value, ind.direction, ind.run_length,
           ind.target,
           row_number() OVER (PARTITION BY m.system_code, m.indicator_code, m.area_code
                              ORDER BY m.period_end, m.period_start, m.period_label) AS t
    FROM measurement m JOIN ind USING (system_code, indicator_code)
    WHERE m.breakdown = 'All' AND m.breakdown_group = 'All' AND m.value IS NOT NULL AND isfinite(m.value)
      AND m.period_end <= current_date {area_filter}
),
parted AS (
    SELECT p.*, (SELECT count(*) FROM spc_rebase r WHERE r.system_code = p.system_code
                 AND r.indicator_code = p.indicator_code AND r.rebase_date <= p.period_end) AS part
    FROM pts p
),
ranges AS (
    SELECT *, abs(value - lag(value) OVER w) AS mr, sign(value - lag(value) OVER w) AS step,
           count(*) OVER p AS n_part, fsum(value) OVER p / count(*) OVER p AS mean_part
    FROM parted
    WINDOW p AS (PARTITION BY system_code, indicator_code, area_code, part),
           w AS (PARTITION BY system_code, indicator_code, area_code, part ORDER BY t)
),
lim AS (
    SELECT *, CASE WHEN n_part >= {min_points} THEN mean_part END AS centre,
           CASE WHEN n_part >= {min_points} THEN fsum(mr) OVER p / count(mr) OVER p END AS mr_bar
    FROM ranges WINDOW p AS (PARTITION BY system_code, indicator_code, area_code, part)
),
sides AS (
    SELECT *, centre - {process} * mr_bar AS lower_limit, centre + {process} * mr_bar AS upper_limit,
           centre - {two_sigma} * mr_bar AS lower_2s, centre + {two_sigma} * mr_bar AS upper_2s,
           CAST(sign(value - centre) AS INTEGER) AS side
    FROM lim
),
runs AS (
    SELECT *,
           sum(CASE WHEN side IS DISTINCT FROM prev_side THEN 1 ELSE 0 END) OVER w AS side_run,
           sum(CASE WHEN step IS DISTINCT FROM prev_step THEN 1 ELSE 0 END) OVER w AS step_run,
           CASE WHEN side > 0 AND value > upper_2s THEN 1 WHEN side < 0 AND value < lower_2s THEN -1 ELSE 0 END
               AS beyond
    FROM (SELECT *, lag(side) OVER w AS prev_side, lag(step) OVER w AS prev_step FROM sides
          WINDOW w AS (PARTITION BY system_code, indicator_code, area_code, part ORDER BY t))
    WINDOW w AS (PARTITION BY system_code, indicator_code, area_code, part ORDER BY t)
),
lengths AS (
    SELECT *,
           count(*) OVER (PARTITION BY system_code, indicator_code, area_code, part, side_run) AS side_len,
           count(*) OVER (PARTITION BY system_code, indicator_code, area_code, part, step_run) AS step_len
    FROM runs
),
trends AS (
    SELECT *, CASE WHEN step <> 0 AND step_len + 1 >= run_length THEN CAST(step AS INTEGER) ELSE 0 END AS trend_into
    FROM lengths
),
windows AS (
    SELECT *,
           coalesce(lead(trend_into) OVER w, 0) AS trend_out,
           CASE WHEN lag(side, 2) OVER w = side AND lag(side, 1) OVER w = side AND side <> 0
                     AND (CASE WHEN lag(beyond, 2) OVER w <> 0 THEN 1 ELSE 0 END
                          + CASE WHEN lag(beyond, 1) OVER w <> 0 THEN 1 ELSE 0 END
                          + CASE WHEN beyond <> 0 THEN 1 ELSE 0 END) >= 2
                THEN 1 ELSE 0 END AS two_of_three
    FROM trends WINDOW w AS (PARTITION BY system_code, indicator_code, area_code, part ORDER BY t)
),
marked AS (
    SELECT *,
           centre IS NOT NULL AND (value > upper_limit OR value < lower_limit) AS r1,
           centre IS NOT NULL AND side <> 0 AND side_len >= run_length AS r2,
           centre IS NOT NULL AND (trend_into <> 0 OR trend_out <> 0) AS r3,
           centre IS NOT NULL AND beyond <> 0 AND (two_of_three = 1
               OR coalesce(lead(two_of_three, 1) OVER w, 0) = 1
               OR coalesce(lead(two_of_three, 2) OVER w, 0) = 1) AS r4
    FROM windows WINDOW w AS (PARTITION BY system_code, indicator_code, area_code, part ORDER BY t)
),
typed AS (
    SELECT *,
           concat_ws(',', CASE WHEN r1 THEN '1' END, CASE WHEN r2 THEN '2' END, CASE WHEN r3 THEN '3' END,
                     CASE WHEN r4 THEN '4' END) AS rules,
           CASE WHEN centre IS NULL THEN 'too_few_points'
                WHEN NOT (r1 OR r2 OR r3 OR r4) THEN 'common_cause'
                WHEN direction NOT IN ('higher_is_better', 'lower_is_better') THEN 'neutral'
                WHEN (CASE WHEN r4 THEN side WHEN r3 THEN (CASE WHEN trend_out <> 0 THEN trend_out ELSE trend_into END)
                           ELSE side END)
                     * (CASE direction WHEN 'higher_is_better' THEN 1 ELSE -1 END) > 0 THEN 'improvement'
                ELSE 'concern' END AS point_type
    FROM marked
),
latest AS (
    SELECT *,
           arg_max(point_type, t) OVER s AS variation,
           arg_max(centre, t) OVER s AS last_centre,
           arg_max(lower_limit, t) OVER s AS last_lower,
           arg_max(upper_limit, t) OVER s AS last_upper
    FROM typed WINDOW s AS (PARTITION BY system_code, indicator_code, area_code)
)
SELECT system_code, indicator_code, area_code, period_end, value, centre, lower_limit, upper_limit, point_type,
       rules, variation,
       CASE WHEN last_centre IS NULL THEN 'too_few_points'
            WHEN target IS NULL OR direction NOT IN ('higher_is_better', 'lower_is_better') THEN 'none'
            WHEN target < last_lower THEN CASE direction WHEN 'higher_is_better' THEN 'pass' ELSE 'fail' END
            WHEN target > last_upper THEN CASE direction WHEN 'higher_is_better' THEN 'fail' ELSE 'pass' END
            ELSE 'hit_and_miss' END AS assurance,
       t, part, lower_2s, upper_2s, direction, target
FROM latest
"""


def spc_sql(*, system: bool = False, indicator: bool = False, area: bool = False) -> str:
    """The SPC query with every working column; each flag adds a `?` parameter, in the order system, indicator,
    area."""
    ind_filter = ("AND i.system_code = ? " if system else "") + ("AND i.indicator_code = ?" if indicator else "")
    return _TEMPLATE.format(
        default_run=DEFAULT_RUN_LENGTH, min_points=MIN_POINTS, process=_double(PROCESS_FACTOR),
        two_sigma=_double(TWO_SIGMA_FACTOR), ind_filter=ind_filter,
        area_filter="AND m.area_code = ?" if area else "",
    )


def view_sql() -> str:
    """The query behind the public view v_spc: its contract columns only, in time order within each series."""
    return f"SELECT {', '.join(V_SPC_COLUMNS)} FROM ({spc_sql()}) ORDER BY system_code, indicator_code, area_code, t"


def spc_table(con, system_code: str, *, indicator_code: str | None = None,
              area_code: str | None = None) -> pd.DataFrame:
    """SPC rows of a system's headline series (or one indicator's, or one area's), in time order: the v_spc
    columns, then the point's order `t`, its `part`, the two-sigma lines, the direction and the target judged."""
    params: list = [system_code]
    if indicator_code is not None:
        params.append(indicator_code)
    if area_code is not None:
        params.append(area_code)
    sql = spc_sql(system=True, indicator=indicator_code is not None, area=area_code is not None)
    df = read_df(con, f"SELECT * FROM ({sql}) ORDER BY indicator_code, area_code, t", params)
    df["period_end"] = pd.to_datetime(df["period_end"]).dt.date
    return df
