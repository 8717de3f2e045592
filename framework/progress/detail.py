"""Everything the indicator page shows about one indicator's progress in one area, gathered in one read: the
progress rows, the points, the comparator, the trend, the breakdown gaps, the summary sentences and the period
table; and the figures built from it."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from framework.core.db import read_rows
from framework.foundation.indicator_text import format_value
from framework.progress.benchmarks import summary_sentences
from framework.progress.charts import _wrap, breakdown_chart, progress_chart
from framework.progress.engine import expected_at, fit_trend, gap_groups, gap_series, gap_trend, targets_of
from framework.progress.periods import complete, label_periods, period_words, running, today_or
from framework.progress.sql import indicator_series, progress_table
from framework.progress.text import gap_sentence, summary

PERIOD_COLUMNS = {
    "area_name": "Area", "period_label": "Period", "period_start": "Period start", "period_end": "Period end",
    "value": "Value", "lower_ci": "Lower 95% limit", "upper_ci": "Upper 95% limit", "count": "Count",
    "denominator": "Denominator", "expected": "Expected by then", "value_note": "Note",
}


def indicator_progress(con, system_code: str, indicator_code: str, area_code: str | None = None,
                       today: date | None = None) -> dict[str, Any] | None:
    """One indicator's progress in one area (default: the system's own area), or None when it does not exist.
    Periods ending after today (default: the real date) are figures so far: shown, but not judged or projected."""
    today = today_or(today)
    ind = read_rows(con, "SELECT i.*, s.framework_start FROM indicator i JOIN system s USING (system_code)"
                         " WHERE i.system_code = ? AND i.indicator_code = ?", [system_code, indicator_code])
    if not ind:
        return None
    ind = ind[0]
    start: date = ind["framework_start"]
    system_area = read_rows(con, "SELECT sa.area_code, a.area_name FROM system_area sa JOIN area a USING (area_code)"
                                 " WHERE sa.system_code = ? AND sa.role = 'system'", [system_code])
    area_code = area_code or (system_area[0]["area_code"] if system_area else None)
    series = indicator_series(con, system_code, indicator_code, area_code)
    head = series[(series["breakdown"] == "All") & (series["breakdown_group"] == "All")]
    points = head[head["area_code"] == area_code].sort_values("period_end").reset_index(drop=True)
    area_name = points["area_name"].iloc[0] if len(points) else next(
        (a["area_name"] for a in system_area if a["area_code"] == area_code), area_code)
    comp = head[head["role"] == "comparator"]
    comparator_name = None
    comparator = pd.DataFrame()
    if len(comp):
        first = "E92000001" if "E92000001" in set(comp["area_code"]) else comp["area_code"].iloc[0]
        comparator = comp[comp["area_code"] == first].sort_values("period_end")
        comparator_name = comparator["area_name"].iloc[0]
    rows = pd.DataFrame()
    if ind["kind"] != "qualitative":
        table = progress_table(con, system_code, indicator_code=indicator_code, area_code=area_code, today=today)
        rows = table[table["area_code"] == area_code].sort_values("horizon_years").reset_index(drop=True)
    valid = complete(points.dropna(subset=["value"]), today)
    trend = fit_trend(zip(valid["period_end"], valid["value"]), start) if len(valid) else None
    baseline = rows["baseline"].iloc[0] if len(rows) else ind.get("baseline_value")
    baseline = None if baseline is None or baseline != baseline else float(baseline)
    targets = targets_of(ind)
    table = label_periods(points, today)
    table["expected"] = [expected_at(start, baseline, targets, d) for d in table["period_end"]]
    return {
        "indicator": ind, "start": start, "area_code": area_code, "area_name": area_name, "rows": rows,
        "points": points, "today": today, "running": running(points.dropna(subset=["value"]), today),
        "comparator": comparator, "comparator_name": comparator_name, "trend": trend,
        "baseline": baseline, "targets": targets,
        "summary": (summary(ind, start, rows, points, trend, today) + summary_sentences(con, system_code,
                                                                                         indicator_code, area_code)
                    if ind["kind"] != "qualitative" else []),
        "period_table": table[[c for c in PERIOD_COLUMNS if c in table]].rename(columns=PERIOD_COLUMNS),
    }


def indicator_breakdowns(con, system_code: str, indicator_code: str, area_code: str | None = None,
                         today: date | None = None) -> list[dict[str, Any]]:
    """breakdown_gaps() for one indicator in one area (default: the system's own area), from complete periods."""
    today = today_or(today)
    ind = read_rows(con, "SELECT i.direction, i.unit, s.framework_start FROM indicator i JOIN system s"
                         " USING (system_code) WHERE i.system_code = ? AND i.indicator_code = ?",
                    [system_code, indicator_code])
    if not ind:
        return []
    if area_code is None:
        own = read_rows(con, "SELECT area_code FROM system_area WHERE system_code = ? AND role = 'system'",
                        [system_code])
        area_code = own[0]["area_code"] if own else None
    series = indicator_series(con, system_code, indicator_code, area_code)
    return breakdown_gaps(complete(series[series["area_code"] == area_code], today), ind[0]["direction"],
                          ind[0]["framework_start"], ind[0]["unit"])


def breakdown_gaps(frame: pd.DataFrame, direction: str, start: date, unit: str) -> list[dict[str, Any]]:
    """For each breakdown in one area: its groups, the least and most advantaged, the gap over time and its trend."""
    out = []
    labels = dict(zip(frame["period_end"], frame["period_label"])) if len(frame) else {}
    for breakdown, part in frame[frame["breakdown"] != "All"].groupby("breakdown", sort=True):
        groups = list(dict.fromkeys(part.sort_values("breakdown_group")["breakdown_group"]))
        valid = part.dropna(subset=["value"])
        latest = valid.sort_values("period_end").groupby("breakdown_group")["value"].last().to_dict()
        pair = gap_groups(groups, latest, direction)
        if pair is None:
            continue
        series = gap_series(valid, pair[0], pair[1], direction)
        trend = gap_trend(series, start)
        out.append({"breakdown": breakdown, "groups": groups, "frame": part[["period_end", "breakdown_group", "value"]],
                    "disadvantaged": pair[0], "advantaged": pair[1], "gap": series, "trend": trend,
                    "sentence": gap_sentence(breakdown, pair[0], pair[1], series, trend, unit, labels)})
    return out


def detail_chart(detail: dict[str, Any], annotations: Sequence[tuple[date, str]] = ()) -> go.Figure:
    """The main progress chart for an indicator_progress() result."""
    ind = detail["indicator"]
    today = detail.get("today") or today_or(None)
    return progress_chart(
        title=_wrap(f"{ind['name']}: {detail['area_name']}", 70), unit=ind["unit"], start=detail["start"],
        points=complete(detail["points"], today), running=running(detail["points"], today), baseline=detail["baseline"], targets=detail["targets"], trend=detail["trend"],
        comparator=detail["comparator"] if detail["comparator_name"] else None,
        comparator_name=detail["comparator_name"] or "", source=ind.get("source") or "", annotations=annotations,
        direction=ind["direction"])


def detail_breakdown_chart(detail: dict[str, Any], item: dict[str, Any]) -> go.Figure:
    """The breakdown chart, with its gap, for one item of inequality_detail()['items'] or indicator_breakdowns()."""
    ind = detail["indicator"]
    pts = complete(detail["points"], detail.get("today") or today_or(None))
    latest = f"Latest data {pts['period_label'].iloc[-1]}" if len(pts) else "No complete period yet"
    return breakdown_chart(
        title=_wrap(f"{ind['name']} by {item['breakdown'].lower()}: {detail['area_name']}", 70), unit=ind["unit"],
        frame=item["frame"], groups=item["groups"], gap=item["gap"],
        gap_label=f"Gap: {item['advantaged']} against {item['disadvantaged']}", source=ind.get("source") or "",
        latest_label=latest)


def describe_latest(detail: dict[str, Any]) -> str:
    """'Latest: 47.3% (2026/27 Q2), 95% interval 45.8% to 48.9%.', then any figure so far of a period still
    running, which is never called the latest."""
    today = detail.get("today") or today_or(None)
    every = detail["points"].dropna(subset=["value"])
    pts, still = complete(every, today), running(every, today)
    unit = detail["indicator"]["unit"]
    if every.empty:
        return "No value yet."
    if pts.empty:
        text = "No period is complete yet."
    else:
        last = pts.iloc[-1]
        text = f"Latest: {format_value(last['value'], unit)} ({last['period_label']})"
        if pd.notna(last.get("lower_ci")) and pd.notna(last.get("upper_ci")):
            text += f", 95% interval {format_value(last['lower_ci'], unit)} to {format_value(last['upper_ci'], unit)}"
        text += "."
    if len(still):
        now = still.iloc[-1]
        text += (f" {period_words(now['period_label'], now['period_end'], today)}: {format_value(now['value'], unit)}"
                 " (drawn hollow): that period is still running, so this figure is not used for the status or the"
                 " projection.")
    if pts["lower_ci"].notna().any():
        text += " The shaded band around the actual values is the 95% confidence interval."
    if detail["trend"] is not None:
        text += (" The shaded band after the latest value is the 95% prediction interval of the projection from the"
                 f" last {detail['trend'].n} points.")
    return text


def horizon_table(detail: dict[str, Any]) -> pd.DataFrame:
    """One row per horizon, in words: due date, target, expected by now, projection with its interval, distance
    travelled and status with its icon."""
    from framework.progress.engine import status_label

    unit = detail["indicator"]["unit"]
    rows = []
    for r in detail["rows"].itertuples():
        projected = "-"
        if pd.notna(r.projected_at_horizon):
            projected = (f"{format_value(r.projected_at_horizon, unit)} (95% range {format_value(r.projection_lower, unit)}"
                         f" to {format_value(r.projection_upper, unit)})")
        elif r.horizon_date <= (r.judged_at or r.horizon_date):
            projected = "Date has passed"
        rows.append({
            "Horizon": f"{r.horizon_years}-year", "Due": f"{r.horizon_date:%B %Y}",
            "Target": format_value(r.target, unit) if pd.notna(r.target) else "No target",
            "Expected by now": format_value(r.expected_now, unit) if pd.notna(r.expected_now) else "-",
            "Projected at the horizon": projected,
            "Distance travelled": f"{r.distance_travelled:.0%} of the way" if pd.notna(r.distance_travelled) else "-",
            "Status": status_label(r.status),
        })
    return pd.DataFrame(rows, columns=["Horizon", "Due", "Target", "Expected by now", "Projected at the horizon",
                                       "Distance travelled", "Status"])


def period_csv(detail: dict[str, Any]) -> bytes:
    """The period table as CSV for download: text that could run as a formula is neutralised, fields are quoted."""
    from framework.core.safe_text import csv_bytes

    return csv_bytes(detail["period_table"])
