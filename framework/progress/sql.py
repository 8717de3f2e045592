"""The progress engine over a whole system, in DuckDB: every indicator, area and horizon in one query.

The same sums as the pure functions in framework.progress (the tests check they agree), done where the data is.
`progress_table()` is the one entry point for pages, exports and benchmarks; the public view `v_progress` is the
same query with "now" at each series' latest period, so it is always current after any data change.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from framework.core.db import read_df
from framework.progress.engine import (
    DAYS_PER_YEAR,
    FLAT_TOLERANCE_SHARE,
    MIN_POINTS,
    T975,
    TOLERANCE_SHARE,
    TREND_WINDOW_DAYS,
)
from framework.progress.gaps_sql import gap_indicators, gap_measurements
from framework.progress.periods import limits_sql, today_or

UNLINKED = "-"  # how measures not linked to an outcome are grouped, so they are counted, not dropped
V_PROGRESS_COLUMNS = (
    "system_code", "indicator_code", "area_code", "horizon_years", "horizon_date", "target", "latest_value",
    "latest_period_end", "expected_now", "projected_at_horizon", "status",
)

_T_LIST = "[" + ", ".join(f"{t}" for t in T975) + "]"
_T = f"(CASE WHEN f.n - 2 <= {len(T975)} THEN {_T_LIST}[f.n - 2] ELSE 1.96 + 2.5 / (f.n - 2) END)"

_TEMPLATE = """
WITH params AS (SELECT {as_of} AS as_of, {today} AS today),
ind AS (
    SELECT i.system_code, i.indicator_code, i.direction, i.kind, i.status AS indicator_status, i.outcome_code,
           i.baseline_value, i.target_1y, i.target_3y, i.target_5y, s.framework_start,
           {floor} AS floor_value, {ceiling} AS ceiling_value
    FROM {indicators} i JOIN system s USING (system_code)
    WHERE i.kind <> 'qualitative' {ind_filter}
),
head AS (
    SELECT m.system_code, m.indicator_code, m.area_code, m.period_end, m.value, m.lower_ci, m.upper_ci,
           ind.framework_start
    FROM {measurements} m JOIN ind USING (system_code, indicator_code), params
    WHERE m.breakdown = 'All' AND m.breakdown_group = 'All' AND m.value IS NOT NULL AND NOT isnan(m.value)
      AND (params.as_of IS NULL OR m.period_end <= params.as_of) AND m.period_end <= params.today {area_filter}
),
series AS (
    SELECT system_code, indicator_code, area_code,
           max(period_end) AS latest_period_end,
           arg_max(value, period_end) AS latest_value,
           arg_max_null(lower_ci, period_end) AS latest_lower,
           arg_max_null(upper_ci, period_end) AS latest_upper,
           arg_max(value, period_end) FILTER (WHERE period_end <= framework_start) AS own_baseline,
           count(*) AS points
    FROM head GROUP BY system_code, indicator_code, area_code
),
fit AS (
    SELECT h.system_code, h.indicator_code, h.area_code,
           regr_count(h.value, h.x) AS n, regr_slope(h.value, h.x) AS slope,
           regr_intercept(h.value, h.x) AS intercept, regr_sxx(h.value, h.x) AS sxx,
           regr_syy(h.value, h.x) AS syy, regr_sxy(h.value, h.x) AS sxy, regr_avgx(h.value, h.x) AS mean_x
    FROM (
        SELECT head.*, datediff('day', head.framework_start, head.period_end) / {days_per_year} AS x
        FROM head JOIN series s USING (system_code, indicator_code, area_code)
        WHERE head.period_end >= s.latest_period_end - INTERVAL {window} DAY
    ) h
    GROUP BY h.system_code, h.indicator_code, h.area_code
),
keys AS (
    SELECT system_code, indicator_code, area_code FROM series
    UNION
    SELECT ind.system_code, ind.indicator_code, sa.area_code
    FROM ind JOIN system_area sa ON sa.system_code = ind.system_code AND sa.role = 'system'
    WHERE true {area_filter_sa}
),
base AS (
    SELECT k.system_code, k.indicator_code, k.area_code, ind.direction, ind.kind, ind.indicator_status,
           ind.outcome_code, ind.framework_start, ind.target_1y, ind.target_3y, ind.target_5y,
           ind.floor_value, ind.ceiling_value,
           CASE WHEN sa.role = 'system' THEN coalesce(ind.baseline_value, s.own_baseline)
                ELSE coalesce(s.own_baseline, ind.baseline_value) END AS baseline,
           s.latest_period_end, s.latest_value, s.latest_lower, s.latest_upper, coalesce(s.points, 0) AS points,
           coalesce(params.as_of, s.latest_period_end) AS judged_at
    FROM keys k
    JOIN ind USING (system_code, indicator_code)
    LEFT JOIN series s USING (system_code, indicator_code, area_code)
    LEFT JOIN system_area sa ON sa.system_code = k.system_code AND sa.area_code = k.area_code
    CROSS JOIN params
),
knots AS (
    SELECT system_code, indicator_code, area_code, judged_at, unnest([
        {{'d': framework_start, 'v': baseline}},
        {{'d': CAST(framework_start + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE), 'v': target_1y}},
        {{'d': CAST(framework_start + INTERVAL 3 YEAR - INTERVAL 1 DAY AS DATE), 'v': target_3y}},
        {{'d': CAST(framework_start + INTERVAL 5 YEAR - INTERVAL 1 DAY AS DATE), 'v': target_5y}}
    ]) AS kn
    FROM base WHERE baseline IS NOT NULL AND judged_at IS NOT NULL
),
interp AS (
    SELECT system_code, indicator_code, area_code,
           max(kn.d) FILTER (WHERE kn.d <= judged_at AND kn.v IS NOT NULL) AS d0,
           arg_max(kn.v, kn.d) FILTER (WHERE kn.d <= judged_at AND kn.v IS NOT NULL) AS v0,
           min(kn.d) FILTER (WHERE kn.d > judged_at AND kn.v IS NOT NULL) AS d1,
           arg_min(kn.v, kn.d) FILTER (WHERE kn.d > judged_at AND kn.v IS NOT NULL) AS v1
    FROM knots GROUP BY system_code, indicator_code, area_code
),
expected AS (
    SELECT b.*,
           CASE WHEN b.baseline IS NULL OR b.judged_at IS NULL THEN NULL
                WHEN i.d0 IS NULL THEN b.baseline
                WHEN i.d1 IS NULL THEN i.v0
                ELSE i.v0 + (i.v1 - i.v0) * datediff('day', i.d0, b.judged_at) / datediff('day', i.d0, i.d1)
           END AS expected_now,
           f.n, f.slope, f.intercept, f.sxx, f.mean_x,
           CASE WHEN f.n > 2 THEN sqrt(greatest(f.syy - f.sxy * f.sxy / nullif(f.sxx, 0), 0) / (f.n - 2)) END AS resid_sd,
           CASE WHEN f.n > 2 THEN {t} END AS t975
    FROM base b
    LEFT JOIN interp i USING (system_code, indicator_code, area_code)
    LEFT JOIN fit f USING (system_code, indicator_code, area_code)
),
horizons AS (
    SELECT e.*, hz.horizon_years,
           CAST(e.framework_start + to_years(hz.horizon_years) - INTERVAL 1 DAY AS DATE) AS horizon_date,
           CASE hz.horizon_years WHEN 1 THEN e.target_1y WHEN 3 THEN e.target_3y ELSE e.target_5y END AS target
    FROM expected e CROSS JOIN (VALUES (1), (3), (5)) hz(horizon_years)
),
projected AS (
    SELECT h.*,
           datediff('day', h.framework_start, h.horizon_date) / {days_per_year} AS hx,
           CASE WHEN h.target IS NULL THEN NULL
                WHEN h.horizon_date <= h.judged_at THEN h.target ELSE h.expected_now END AS reference,
           CASE WHEN h.target IS NULL OR h.baseline IS NULL THEN NULL
                WHEN abs(h.target - h.baseline) > 0 THEN {tol_share} * abs(h.target - h.baseline)
                ELSE {flat_share} * abs(h.baseline) END AS tolerance
    FROM horizons h
)
SELECT system_code, indicator_code, area_code, horizon_years, horizon_date, target, latest_value,
       latest_period_end, expected_now,
       CASE WHEN n >= {min_points} AND sxx > 1e-12 AND horizon_date > judged_at
            THEN {clamp_centre} END AS projected_at_horizon,
       CASE
           WHEN target IS NULL OR direction = 'no_judgement' THEN 'no_target'
           WHEN latest_value IS NULL OR baseline IS NULL OR latest_period_end <= framework_start
               THEN 'not_enough_data'
           WHEN latest_lower <= reference AND reference <= latest_upper THEN 'on_track'
           WHEN abs(latest_value - reference) <= tolerance THEN 'on_track'
           WHEN (latest_value - reference) * (CASE direction WHEN 'higher_is_better' THEN 1 ELSE -1 END) > 0
               THEN 'ahead'
           ELSE 'behind'
       END AS status,
       direction, kind, indicator_status, outcome_code, baseline, latest_lower, latest_upper, points, judged_at,
       CASE WHEN n >= {min_points} AND sxx > 1e-12 AND horizon_date > judged_at
            THEN {clamp_lower} END AS projection_lower,
       CASE WHEN n >= {min_points} AND sxx > 1e-12 AND horizon_date > judged_at
            THEN {clamp_upper} END AS projection_upper,
       CASE WHEN n >= {min_points} AND sxx > 1e-12 THEN slope END AS trend_per_year,
       CASE WHEN target IS NOT NULL AND baseline IS NOT NULL AND target <> baseline
            THEN (latest_value - baseline) / (target - baseline) END AS distance_travelled
FROM projected
"""


def _clamped(expr: str) -> str:
    """An expression kept inside its unit's limits (framework.progress.periods.limits)."""
    return (f"least(greatest({expr}, coalesce(floor_value, -'infinity'::DOUBLE)),"
            f" coalesce(ceiling_value, 'infinity'::DOUBLE))")


_HALF = "t975 * resid_sd * sqrt(1 + 1 / n + (hx - mean_x) ^ 2 / sxx)"
_NO_LIMIT = "CAST(NULL AS DOUBLE)"  # a gap can fall below zero: the advantaged group may fall behind


def progress_sql(*, as_of: bool = False, today: bool = False, system: bool = False, indicator: bool = False,
                 area: bool = False, gaps: bool = False, gap_scope: tuple[str, str | None] | None = None) -> str:
    """The progress query; each flag adds a `?` parameter, in the order as_of, today, system, indicator, area, area
    (the area is asked for twice: once for the data, once for the system's own area). Without today, periods
    ending after current_date are still running and left out. With gaps, the same query judges the gap measures
    (framework.progress.gaps_sql) instead of the indicators; gap_scope (system, indicator or None) finds them in
    that system's (or that indicator's) breakdowns only, the same rows far faster on a store of many systems."""
    scope = gap_scope or (None, None)
    ind_filter = ("AND i.system_code = ? " if system else "") + ("AND i.indicator_code = ?" if indicator else "")
    return _TEMPLATE.format(
        area_filter="AND m.area_code = ?" if area else "",
        area_filter_sa="AND sa.area_code = ?" if area else "",
        as_of="CAST(? AS DATE)" if as_of else "CAST(NULL AS DATE)",
        today="CAST(? AS DATE)" if today else "current_date",
        floor=_NO_LIMIT if gaps else limits_sql("i.unit")[0], ceiling=_NO_LIMIT if gaps else limits_sql("i.unit")[1],
        clamp_centre=_clamped("intercept + slope * hx"), clamp_lower=_clamped(f"intercept + slope * hx - {_HALF}"),
        clamp_upper=_clamped(f"intercept + slope * hx + {_HALF}"),
        ind_filter=ind_filter,
        indicators=f"({gap_indicators(*scope)})" if gaps else "indicator",
        measurements=f"({gap_measurements(*scope)})" if gaps else "measurement",
        days_per_year=DAYS_PER_YEAR, window=TREND_WINDOW_DAYS, t=_T, min_points=MIN_POINTS,
        tol_share=TOLERANCE_SHARE, flat_share=FLAT_TOLERANCE_SHARE,
    )


def view_sql() -> str:
    """The query behind the public view v_progress: its contract columns only, judged at each series' latest complete
    period (periods ending after current_date are still running and left out).
    The store builds the view from it every time it opens a database for writing. The gap measures follow the
    indicators, each coded '<indicator code>~gap~<breakdown>' (docs/inequalities.md)."""
    columns = ", ".join(V_PROGRESS_COLUMNS)
    return f"SELECT {columns} FROM ({progress_sql()}) UNION ALL SELECT {columns} FROM ({progress_sql(gaps=True)})"


def progress_table(con, system_code: str, as_of: date | None = None, *, indicator_code: str | None = None,
                   area_code: str | None = None, gaps: bool = False, gaps_of: str | None = None,
                   today: date | None = None) -> pd.DataFrame:
    """Progress for every indicator, area and horizon of a system (or one indicator, or one area), judged at as_of,
    or at each series' latest period when as_of is None. The v_progress columns come first, then the working
    figures: baseline, projection_lower/upper, trend_per_year, distance_travelled and the indicator's kind and
    status. With gaps, the gap measures instead (indicator_code is then a gap's code; gaps_of keeps the gaps of that
    one indicator). Periods ending after today (default: the real date) are still running and left out."""
    params: list = []
    if as_of is not None:
        params.append(as_of)
    params += [today_or(today), system_code]
    if indicator_code is not None:
        params.append(indicator_code)
    if area_code is not None:
        params += [area_code, area_code]
    sql = progress_sql(as_of=as_of is not None, today=True, system=True, indicator=indicator_code is not None,
                       area=area_code is not None, gaps=gaps, gap_scope=(system_code, gaps_of) if gaps else None)
    df = read_df(con, f"SELECT * FROM ({sql}) ORDER BY indicator_code, area_code, horizon_years", params)
    for col in ("horizon_date", "latest_period_end", "judged_at"):
        df[col] = pd.to_datetime(df[col]).dt.date
    return df


def status_counts(con, system_code: str, *, area_code: str | None = None, outcomes: list[str] | None = None,
                  kinds: list[str] | None = None) -> pd.DataFrame:
    """How many active indicators are at each status, per outcome and horizon, in one area (default: the system's
    own area). Columns: outcome_code, outcome_title, horizon_years, status, n."""
    area_code = area_code or _system_area(con, system_code)
    return _counts_of(con, system_code, _active_in_area(con, system_code, area_code, outcomes, kinds))


def area_progress(con, system_code: str, *, area_code: str | None = None, outcomes: list[str] | None = None,
                  kinds: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """status_counts() and progress_list() of one area together, from one run of the progress query."""
    area_code = area_code or _system_area(con, system_code)
    table = _active_in_area(con, system_code, area_code, outcomes, kinds)
    return _counts_of(con, system_code, table), _list_of(con, system_code, table)


def _counts_of(con, system_code: str, table: pd.DataFrame) -> pd.DataFrame:
    titles = read_df(con, "SELECT outcome_code, title AS outcome_title, sort_order FROM outcome WHERE system_code = ?",
                     [system_code])
    if table.empty:
        return pd.DataFrame(columns=["outcome_code", "outcome_title", "horizon_years", "status", "n"])
    titles = pd.concat([titles, pd.DataFrame([{"outcome_code": UNLINKED, "outcome_title": "Not linked to an outcome",
                                               "sort_order": 10**6}])], ignore_index=True)
    table = table.assign(outcome_code=table["outcome_code"].fillna(UNLINKED))
    counts = table.groupby(["outcome_code", "horizon_years", "status"]).size().rename("n").reset_index()
    counts = counts.merge(titles, on="outcome_code", how="left").sort_values(["sort_order", "outcome_code",
                                                                              "horizon_years"])
    return counts[["outcome_code", "outcome_title", "horizon_years", "status", "n"]].reset_index(drop=True)


def _active_in_area(con, system_code: str, area_code: str | None, outcomes: list[str] | None,
                    kinds: list[str] | None) -> pd.DataFrame:
    """Progress rows of the measures in use in one area, narrowed to the chosen outcomes and kinds."""
    table = progress_table(con, system_code, area_code=area_code)
    table = table[(table["area_code"] == area_code) & (table["indicator_status"] == "active")]
    if outcomes:
        table = table[table["outcome_code"].isin(outcomes)]
    if kinds:
        table = table[table["kind"].isin(kinds)]
    return table


def _system_area(con, system_code: str) -> str | None:
    rows = read_df(con, "SELECT area_code FROM system_area WHERE system_code = ? AND role = 'system'", [system_code])
    return rows["area_code"].iloc[0] if len(rows) else None


PROGRESS_AREAS_SQL = """
    SELECT sa.area_code, a.area_name, sa.role FROM system_area sa JOIN area a USING (area_code)
    WHERE sa.system_code = ? AND sa.role IN ('system', 'place')
    ORDER BY CASE sa.role WHEN 'system' THEN 0 ELSE 1 END, a.area_name"""


def progress_areas(con, system_code: str) -> pd.DataFrame:
    """The areas a system's progress can be shown for: its own area first, then places, then comparators."""
    return read_df(con, PROGRESS_AREAS_SQL, [system_code])


def indicator_series(con, system_code: str, indicator_code: str, area_code: str | None = None) -> pd.DataFrame:
    """Measurements of one indicator with area names and roles, by period: every area and breakdown, or, given an
    area, that area's rows and the comparators' headline rows (what one indicator page draws)."""
    where = "m.system_code = ? AND m.indicator_code = ?"
    params: list = [system_code, indicator_code]
    if area_code is not None:
        where += (" AND (m.area_code = ? OR (coalesce(sa.role, 'comparator') = 'comparator'"
                  " AND m.breakdown = 'All' AND m.breakdown_group = 'All'))")
        params.append(area_code)
    df = read_df(
        con,
        "SELECT m.area_code, a.area_name, coalesce(sa.role, 'comparator') AS role, m.period_label, m.period_start,"
        " m.period_end, m.breakdown, m.breakdown_group, m.value, m.lower_ci, m.upper_ci, m.count, m.denominator,"
        " m.value_note FROM measurement m LEFT JOIN area a USING (area_code)"
        " LEFT JOIN system_area sa ON sa.system_code = m.system_code AND sa.area_code = m.area_code"
        f" WHERE {where} ORDER BY m.area_code, m.breakdown, m.breakdown_group, m.period_end",
        params,
    )
    for col in ("period_start", "period_end"):
        df[col] = pd.to_datetime(df[col]).dt.date
    return df


def progress_list(con, system_code: str, *, area_code: str | None = None, outcomes: list[str] | None = None,
                  kinds: list[str] | None = None) -> pd.DataFrame:
    """One row per active measure in one area (default: the system's own area): its latest value, what we expected
    by then, and the status at each horizon (status_1y, status_3y, status_5y)."""
    area_code = area_code or _system_area(con, system_code)
    return _list_of(con, system_code, _active_in_area(con, system_code, area_code, outcomes, kinds))


def _list_of(con, system_code: str, table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return pd.DataFrame(columns=["indicator_code", "name", "unit", "outcome_code", "kind", "latest_value",
                                     "latest_period_end", "expected_now", "status_1y", "status_3y", "status_5y"])
    wide = table.pivot(index="indicator_code", columns="horizon_years", values="status")
    wide.columns = [f"status_{h}y" for h in wide.columns]
    first = table[table["horizon_years"] == 1].set_index("indicator_code")[
        ["outcome_code", "kind", "latest_value", "latest_period_end", "expected_now"]]
    names = read_df(con, "SELECT indicator_code, name, unit FROM indicator WHERE system_code = ?", [system_code])
    out = first.join(wide).reset_index().merge(names, on="indicator_code", how="left")
    return out[["indicator_code", "name", "unit", "outcome_code", "kind", "latest_value", "latest_period_end",
                "expected_now", "status_1y", "status_3y", "status_5y"]].sort_values("indicator_code").reset_index(drop=True)
