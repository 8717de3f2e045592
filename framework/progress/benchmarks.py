"""Benchmarking in words, the way Fingertips does it: an area's value in a period is better, similar or worse than a
comparator (England, the NHS England region, or a peer group the user picks) according to whether the comparator's
value lies outside the area's 95% (and 99.8%) confidence interval; "not compared" without an interval or without a
comparator value. Also the "worse and getting worse" list: areas worse than England whose recent trend is moving the
wrong way. docs/benchmarking.md explains the methods, their sources and the small choices.
"""
from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import pandas as pd

from framework.core.db import read_df, read_rows
from framework.progress.engine import _num, as_date, compare_with_benchmark, t_quantile, years_since

ENGLAND = "E92000001"
Z95, Z998 = 1.959964, 3.090232
RECENT_POINTS = 5  # the recent trend uses the latest five points, as Fingertips' recent trend does
MIN_TREND_POINTS = 3  # and needs at least three
VERDICT_WORDS = {"better": "better than", "worse": "worse than", "similar": "similar to", "higher": "higher than",
                 "lower": "lower than", "not_compared": "not compared with"}
TREND_WORDS = {"getting_worse": "getting worse", "getting_better": "getting better", "no_clear_change":
               "no clear change", "not_enough_data": "not enough points for a trend"}


@dataclass(frozen=True)
class Comparator:
    """Something to compare with: a name for sentences and the area codes whose values make its benchmark."""

    key: str  # england, region or peers
    name: str
    codes: tuple[str, ...]


# --- pure ------------------------------------------------------------------------------------------------------

def unit_scale(unit: str | None) -> float | None:
    """How a count over a denominator becomes the value: 100 for a percentage, N for 'per N'; None otherwise."""
    unit = (unit or "").strip().lower()
    if unit == "%":
        return 100.0
    found = re.fullmatch(r"per ([\d,]+)(?: .*)?", unit)
    return float(found.group(1).replace(",", "")) if found else None


def wilson(count, denominator, z: float, scale: float = 100.0) -> tuple[float, float] | None:
    """Wilson's score interval for a proportion (Newcombe 1998 method 3, Fingertips' method for proportions), on the
    value's scale; None for a missing or impossible count or a denominator of 0."""
    count, denominator = _num(count), _num(denominator)
    if count is None or denominator is None or denominator <= 0 or count < 0 or count > denominator:
        return None
    p, n = count / denominator, denominator
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)
    return max(low, 0.0) * scale, min(high, 1.0) * scale


def interval_998(row: dict, unit: str | None) -> tuple[float | None, float | None]:
    """The 99.8% interval of a row: as loaded, or else Wilson's from its count and denominator when the value is a
    percentage that matches them; (None, None) when neither is there."""
    low, high = _num(row.get("lower_ci_998")), _num(row.get("upper_ci_998"))
    if low is not None and high is not None:
        return low, high
    value, count, den = _num(row.get("value")), _num(row.get("count")), _num(row.get("denominator"))
    if unit_scale(unit) == 100.0 and value is not None and count is not None and den and den > 0 \
            and abs(100.0 * count / den - value) <= 0.05 + 0.001 * abs(value):
        found = wilson(count, den, Z998)
        if found:
            return found
    return None, None


def verdicts(row: dict, benchmark, direction: str, unit: str | None = None) -> tuple[str, str]:
    """(verdict at 95%, verdict at 99.8%) of one row against one benchmark value. A benchmark exactly on an
    interval's edge counts as inside it: similar."""
    at95 = compare_with_benchmark(row.get("value"), row.get("lower_ci"), row.get("upper_ci"), benchmark, direction)
    low, high = interval_998(row, unit)
    at998 = compare_with_benchmark(row.get("value"), low, high, benchmark, direction)
    return at95, at998


def verdict_phrase(at95: str, at998: str, name: str) -> str:
    """'worse than England (also at 99.8%)', 'similar to the North West', 'not compared with England'."""
    text = f"{VERDICT_WORDS[at95]} {name}"
    if at95 in ("better", "worse", "higher", "lower"):
        text += " (also at 99.8%)" if at998 == at95 else (" (at 95%, not at 99.8%)" if at998 != "not_compared"
                                                          else "")
    return text


def peer_value(rows: list[dict], scale: float | None) -> float | None:
    """The peer group's benchmark in one period from its peers' rows: the pooled value, sum of counts over sum of
    denominators, when every peer has both; else the mean of their values; None without rows or with a peer
    without a value."""
    values = [_num(r.get("value")) for r in rows]
    if not rows or None in values:
        return None
    counts, dens = [_num(r.get("count")) for r in rows], [_num(r.get("denominator")) for r in rows]
    if scale is not None and None not in counts + dens and sum(dens) > 0:
        return sum(counts) / sum(dens) * scale
    return sum(values) / len(values)


def compare_periods(frame: pd.DataFrame, area_code: str, comparators: list[Comparator], direction: str,
                    unit: str | None = None) -> pd.DataFrame:
    """Every period of one area against each comparator. frame: headline rows of the area and of the comparators'
    areas (area_code, period_label, period_start, period_end, value, lower_ci, upper_ci, lower_ci_998,
    upper_ci_998, count, denominator). One row per period and comparator, newest period first."""
    columns = ["period_label", "period_end", "value", "comparator", "comparator_name", "benchmark", "at95", "at998",
               "reason", "short_reason", "phrase"]
    records = frame.to_dict("records")
    own = sorted((r for r in records if r["area_code"] == area_code and _num(r["value"]) is not None),
                 key=lambda r: r["period_end"], reverse=True)
    index = {(r["period_start"], r["period_end"], r["area_code"]): r for r in records
             if r["area_code"] != area_code and _num(r["value"]) is not None}
    scale = unit_scale(unit)
    out = []
    for row in own:
        for comp in comparators:
            rows = [index.get((row["period_start"], row["period_end"], code)) for code in comp.codes]
            found = [r for r in rows if r is not None]
            missing = len(rows) - len(found)
            if comp.key == "peers":
                benchmark = None if missing else peer_value(found, scale)
            else:
                benchmark = _num(found[0]["value"]) if found else None
            at95, at998 = verdicts(row, benchmark, direction, unit)
            reason = short = ""
            if comp.key == "peers" and missing:
                short = f"no value for {missing} of {len(comp.codes)} peer areas"
                reason = f"{short} in {row['period_label']}"
            elif benchmark is None:
                reason, short = f"no value for {comp.name} in {row['period_label']}", "no value for this period"
            elif at95 == "not_compared":
                reason, short = "no confidence interval for this value", "no interval"
            out.append({"period_label": row["period_label"], "period_end": row["period_end"], "value": row["value"],
                        "comparator": comp.key, "comparator_name": comp.name, "benchmark": benchmark, "at95": at95,
                        "at998": at998, "reason": reason, "short_reason": short,
                        "phrase": verdict_phrase(at95, at998, comp.name)})
    return pd.DataFrame(out, columns=columns)


def benchmark_sentence(table: pd.DataFrame) -> str | None:
    """'Worse than England and similar to the North West in 2024/25.' for the latest period that has any
    comparison; None when nothing could be compared."""
    compared = table[table["at95"] != "not_compared"]
    if compared.empty:
        return None
    latest = table[table["period_end"] == compared["period_end"].max()]
    parts = [f"{VERDICT_WORDS[r.at95]} {r.comparator_name}" for r in latest.itertuples() if r.at95 != "not_compared"]
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    missing = [r.comparator_name for r in latest.itertuples() if r.at95 == "not_compared"]
    sentence = f"{text[0].upper()}{text[1:]} in {latest['period_label'].iloc[0]}, judged at 95% confidence."
    if missing:
        sentence += f" Not compared with {' or '.join(missing)}: no value or no confidence interval for that period."
    return sentence


CHI2_999 = 10.828  # chi-squared on 1 degree of freedom, 99.9%: the recent trend's threshold for proportions


def chi2_for_trend(counts: list[float], denominators: list[float]) -> tuple[float, float]:
    """(chi-squared for linear trend, its direction statistic T) over periods scored 0, 1, 2...: the
    Cochran-Armitage test on counts out of denominators. T > 0 means the proportion is rising."""
    total = sum(denominators)
    pooled = sum(counts) / total
    mean_x = sum(n * x for x, n in enumerate(denominators)) / total
    t_stat = sum(c * (x - mean_x) for x, c in enumerate(counts))
    variance = pooled * (1 - pooled) * sum(n * (x - mean_x) ** 2 for x, n in enumerate(denominators))
    return (t_stat * t_stat / variance if variance > 0 else 0.0), t_stat


def recent_trend(points: pd.DataFrame | list[dict], direction: str, unit: str | None = None, *,
                 n_points: int = RECENT_POINTS) -> dict:
    """The recent trend of a series (period_end, value, and count and denominator where known) over its latest n
    points. A percentage with counts and denominators at every point uses the chi-squared test for trend at 99.9%
    (Fingertips' recent trend); anything else the least-squares slope per year with its 95% confidence interval.
    Getting worse or better when the test finds a trend; no clear change otherwise."""
    rows = points.to_dict("records") if isinstance(points, pd.DataFrame) else list(points)
    pts = sorted((r for r in rows if _num(r.get("value")) is not None), key=lambda r: r["period_end"])[-n_points:]
    n = len(pts)
    if n < MIN_TREND_POINTS:
        return {"trend": "not_enough_data", "slope": None, "n": n, "method": None}
    start = as_date(pts[0]["period_end"])
    xs = [years_since(start, r["period_end"]) for r in pts]
    ys = [float(r["value"]) for r in pts]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx <= 0:
        return {"trend": "not_enough_data", "slope": None, "n": n, "method": None}
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    counts = [_num(r.get("count")) for r in pts]
    dens = [_num(r.get("denominator")) for r in pts]
    if unit_scale(unit) == 100.0 and None not in counts + dens and all(d > 0 for d in dens) \
            and all(0 <= c <= d for c, d in zip(counts, dens)):
        method = "chi_squared_for_trend"
        chi2, t_stat = chi2_for_trend(counts, dens)
        clear, rising = chi2 > CHI2_999, t_stat > 0
    else:
        method = "least_squares"
        sse = sum((y - my - slope * (x - mx)) ** 2 for x, y in zip(xs, ys))
        half = t_quantile(n - 2) * math.sqrt(sse / (n - 2) / sxx)
        clear, rising = not (slope - half <= 0 <= slope + half), slope > 0
    if direction == "no_judgement" or not clear:
        return {"trend": "no_clear_change", "slope": slope, "n": n, "method": method}
    good = rising == (direction == "higher_is_better")
    return {"trend": "getting_better" if good else "getting_worse", "slope": slope, "n": n, "method": method}


# --- reading the store ------------------------------------------------------------------------------------------

FRAME_COLUMNS = ("area_code", "period_label", "period_start", "period_end", "value", "lower_ci", "upper_ci",
                 "lower_ci_998", "upper_ci_998", "count", "denominator")
HEADLINE_SQL = """
    SELECT area_code, period_label, period_start, period_end, value, lower_ci, upper_ci, lower_ci_998, upper_ci_998,
           count, denominator
    FROM measurement
    WHERE system_code = ? AND indicator_code = ? AND breakdown = 'All' AND breakdown_group = 'All'
      AND list_contains(?, area_code)
    ORDER BY area_code, period_end"""


def comparators_of(con, system_code: str, peers: list[str] | tuple[str, ...] = (), *,
                   area_code: str | None = None) -> list[Comparator]:
    """England, the system's NHS England region (when it has one) and, when chosen, the peer group (without the
    area being compared)."""
    system = read_rows(con, "SELECT region_code, region_name FROM system WHERE system_code = ?", [system_code])
    out = [Comparator("england", "England", (ENGLAND,))]
    region = system[0]["region_code"] if system else None
    if region and region != ENGLAND:
        names = read_rows(con, "SELECT area_name FROM area WHERE area_code = ?", [region])
        name = names[0]["area_name"] if names else (system[0]["region_name"] or region)
        out.append(Comparator("region", f"the {name} region", (region,)))
    codes = tuple(dict.fromkeys(p for p in peers if p and p != area_code))
    if codes:
        if len(codes) == 1:
            names = read_rows(con, "SELECT area_name FROM area WHERE area_code = ?", [codes[0]])
            label = f"the peer group ({names[0]['area_name'] if names else codes[0]} alone)"
        else:
            label = f"the peer group of {len(codes)} areas"
        out.append(Comparator("peers", label, codes))
    return out


def indicator_comparisons(con, system_code: str, indicator_code: str, area_code: str,
                          peers: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """Every period of one indicator in one area against England, the region and the chosen peer group."""
    ind = read_rows(con, "SELECT direction, unit FROM indicator WHERE system_code = ? AND indicator_code = ?",
                    [system_code, indicator_code])
    comparators = comparators_of(con, system_code, peers, area_code=area_code)
    if not ind:
        return compare_periods(pd.DataFrame(columns=[*FRAME_COLUMNS]), area_code, comparators, "no_judgement")
    codes = [area_code] + [c for comp in comparators for c in comp.codes]
    frame = read_df(con, HEADLINE_SQL, [system_code, indicator_code, codes])
    return compare_periods(frame, area_code, comparators, ind[0]["direction"], ind[0]["unit"])


def peer_choices(con, system_code: str, indicator_code: str) -> pd.DataFrame:
    """Areas with headline data for an indicator that can make up a peer group: area_code, area_name, area_type."""
    return read_df(con, """
        SELECT DISTINCT m.area_code, coalesce(a.area_name, m.area_code) AS area_name,
               coalesce(a.area_type, '') AS area_type
        FROM measurement m LEFT JOIN area a USING (area_code)
        WHERE m.system_code = ? AND m.indicator_code = ? AND m.breakdown = 'All' AND m.breakdown_group = 'All'
          AND m.area_code <> ?
        ORDER BY area_type, area_name""", [system_code, indicator_code, ENGLAND])


WORSENING_SQL = """
WITH series AS (
    SELECT m.indicator_code, m.area_code, max(m.period_end) AS period_end,
           arg_max(m.period_start, m.period_end) AS period_start, arg_max(m.lower_ci, m.period_end) AS lower_ci,
           arg_max(m.upper_ci, m.period_end) AS upper_ci
    FROM measurement m
    JOIN system_area sa ON sa.system_code = m.system_code AND sa.area_code = m.area_code
    WHERE m.system_code = ? AND sa.role IN ('system', 'place') AND m.breakdown = 'All'
      AND m.breakdown_group = 'All' AND m.value IS NOT NULL AND NOT isnan(m.value)
    GROUP BY m.indicator_code, m.area_code
),
worse AS (  -- the series whose latest value is worse than England at 95%: a quick sift, checked again in Python
    SELECT s.indicator_code, s.area_code, e.value AS england
    FROM series s
    JOIN indicator i ON i.system_code = ? AND i.indicator_code = s.indicator_code
    JOIN measurement e ON e.system_code = i.system_code AND e.area_code = ? AND e.indicator_code = s.indicator_code
     AND e.breakdown = 'All' AND e.breakdown_group = 'All' AND e.period_start = s.period_start
     AND e.period_end = s.period_end
    WHERE i.status = 'active' AND i.kind <> 'qualitative'
      AND ((i.direction = 'lower_is_better' AND s.lower_ci > e.value)
           OR (i.direction = 'higher_is_better' AND s.upper_ci < e.value))
),
recent AS (
    SELECT m.indicator_code, m.area_code, m.period_label, m.period_start, m.period_end, m.value, m.lower_ci,
           m.upper_ci, m.lower_ci_998, m.upper_ci_998, m.count, m.denominator, w.england,
           row_number() OVER (PARTITION BY m.indicator_code, m.area_code ORDER BY m.period_end DESC) AS recent
    FROM measurement m JOIN worse w USING (indicator_code, area_code)
    WHERE m.system_code = ? AND m.breakdown = 'All' AND m.breakdown_group = 'All' AND m.value IS NOT NULL
      AND NOT isnan(m.value)
)
SELECT r.*, i.name, i.unit, i.direction, coalesce(a.area_name, r.area_code) AS area_name
FROM recent r
JOIN indicator i ON i.system_code = ? AND i.indicator_code = r.indicator_code
LEFT JOIN area a ON a.area_code = r.area_code
WHERE r.recent <= ?
ORDER BY r.indicator_code, r.area_code, r.period_end"""


def worse_than_england(con, system_code: str) -> pd.DataFrame:
    """Every series of the system (an active measure in its own area or a place) whose latest value is worse than
    England at 95%, with its recent trend. Columns: indicator_code, name, unit, area_code, area_name, period_label,
    value, england, at998, trend (getting_worse, getting_better, no_clear_change or not_enough_data),
    trend_per_year, points. The "worse and getting worse" list is the rows whose trend is getting_worse."""
    columns = ["indicator_code", "name", "unit", "area_code", "area_name", "period_label", "value", "england", "at998",
               "trend", "trend_per_year", "points"]
    frame = read_df(con, WORSENING_SQL, [system_code, system_code, ENGLAND, system_code, system_code, RECENT_POINTS])
    out = []
    for (code, area), series in itertools.groupby(frame.to_dict("records"),
                                                  key=lambda r: (r["indicator_code"], r["area_code"])):
        series = list(series)
        latest = series[-1]
        at95, at998 = verdicts(latest, latest["england"], latest["direction"], latest["unit"])
        if at95 != "worse":
            continue
        trend = recent_trend(series, latest["direction"], latest["unit"])
        out.append({"indicator_code": code, "name": latest["name"], "unit": latest["unit"], "area_code": area,
                    "area_name": latest["area_name"], "period_label": latest["period_label"],
                    "value": latest["value"], "england": latest["england"], "at998": at998, "trend": trend["trend"],
                    "trend_per_year": trend["slope"], "points": trend["n"]})
    return pd.DataFrame(out, columns=columns)


def comparison_table(table: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    """The comparisons in words for the page: one row per period, one column per comparator, each cell saying the
    verdict at 95%, whether it holds at 99.8%, and the comparator's value."""
    from framework.foundation.indicator_text import format_value

    if table.empty:
        return pd.DataFrame(columns=["Period", "Value"])
    rows: dict = {}
    for r in table.itertuples():
        row = rows.setdefault(r.period_label, {"Period": r.period_label, "Value": format_value(r.value, unit or "")})
        if r.at95 == "not_compared":
            cell = f"Not compared: {r.short_reason}"
        else:
            cell = r.at95.capitalize()
            if r.at95 != "similar" and r.at998 != "not_compared":
                cell += " (also at 99.8%)" if r.at998 == r.at95 else " (at 95% only)"
            cell += f" · {format_value(r.benchmark, unit or '')}"
        row[r.comparator_name[0].upper() + r.comparator_name[1:]] = cell
    return pd.DataFrame(list(rows.values()))


def summary_sentences(con, system_code: str, indicator_code: str, area_code: str) -> list[str]:
    """The indicator summary's comparison with England and the region, as a list of at most one sentence, made safe
    to show as Markdown (area names come from loaded files)."""
    from framework.core.safe_text import markdown_text

    sentence = benchmark_sentence(indicator_comparisons(con, system_code, indicator_code, area_code))
    return [markdown_text(sentence)] if sentence else []


def worsening_sentence(worse: pd.DataFrame, most: int = 5) -> str:
    """The "worse and getting worse" list in one or two sentences, from worse_than_england()'s rows."""
    listed = worse[worse["trend"] == "getting_worse"]
    others = len(worse) - len(listed)
    rest = (f"{others} more result{'s are' if others != 1 else ' is'} worse than England without a clear trend the "
            "wrong way (each measure counted once in each area)." if others else "")
    if listed.empty:
        return ("No measure is both worse than England and getting worse, in the system or any of its places. "
                + rest).strip()
    named = [f"{r.name} in {r.area_name}" for r in listed.head(most).itertuples()]
    more = f", and {len(listed) - most} more" if len(listed) > most else ""
    return f"Worse than England and getting worse: {'; '.join(named)}{more}. {rest}".strip()
