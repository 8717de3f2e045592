"""Measures derived from the engagement log, fed to the progress engine as system-calculated indicators with
source_ref `log:<name>`, one value per financial-year quarter at the system's own area:

- `log:collaborate_empower`: the share of activities at the collaborate or empower level (%);
- `log:core20plus5_reach`: the share of participants who took part in activities that reached at least one
  Core20PLUS5 community (%);
- `log:feedback_within_3_months`: of the "you said" items whose three months are up (or that were fed back), the
  share fed back to the people involved within three months of the activity ending (%);
- `log:volunteer_hours`: the hours volunteers gave to engagement activities.

`compute_measures` is a pure function of the log's rows. `write_measures` stores its result as measurements,
inside the caller's transaction, for the progress engine and the Excel return; a save calls it just after it
commits (framework.engagement.sync). The read functions at the end give the page and the charts their data,
calculated from the log itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from framework.core.db import read_df, scalar
from framework.foundation.measurements import upsert_measurements

HIGH_LEVELS = ("collaborate", "empower")


@dataclass(frozen=True)
class LogMeasure:
    """One measure the app calculates from the log."""

    name: str
    code: str
    title: str
    unit: str
    definition: str

    @property
    def source_ref(self) -> str:
        return f"log:{self.name}"


MEASURES = (
    LogMeasure("collaborate_empower", "ENG-COLLAB", "Engagement activities at the collaborate or empower level", "%",
               "Of the engagement activities that started in the quarter, the percentage at the collaborate or "
               "empower level of the spectrum of engagement."),
    LogMeasure("core20plus5_reach", "ENG-CORE20", "Engagement participants reached in Core20PLUS5 communities", "%",
               "Of the people who took part in engagement activities that started in the quarter, the percentage at "
               "activities that reached at least one Core20PLUS5 community."),
    LogMeasure("feedback_within_3_months", "ENG-FEEDBACK", "'You said' items fed back within 3 months", "%",
               "Of the 'you said' items from activities that ended in the quarter, and whose three months are up or "
               "that were fed back, the percentage fed back to the people involved within three months."),
    LogMeasure("volunteer_hours", "ENG-VOLHRS", "Volunteer hours given to engagement activities", "hours",
               "The hours volunteers gave to engagement activities that started in the quarter."),
)
BY_NAME = {m.name: m for m in MEASURES}


def quarter_of(day: date) -> tuple[date, date, str]:
    """The financial-year quarter containing a day: its start, end and label such as '2024/25 Q1' (April-June)."""
    start = pd.Timestamp(day).to_period("Q").start_time.date()
    end = pd.Timestamp(day).to_period("Q").end_time.date()
    fy = start.year if start.month >= 4 else start.year - 1
    q = ((start.month - 4) % 12) // 3 + 1
    return start, end, f"{fy}/{str(fy + 1)[-2:]} Q{q}"


def _add_months(day: date, months: int) -> date:
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def compute_measures(activities: pd.DataFrame, items: pd.DataFrame, core_tags: set[str], as_of: date) -> pd.DataFrame:
    """The four measures by quarter from the log's rows: columns name, period_start, period_end, period_label,
    value, count, denominator. Quarters with nothing to measure have no row rather than a zero.

    activities: activity_id, start_date, end_date, level, communities (list), participants, volunteers,
    volunteer_hours. items: activity_id, feedback_date."""
    cols = ["name", "period_start", "period_end", "period_label", "value", "count", "denominator"]
    rows: list[dict[str, Any]] = []
    if activities.empty:
        return pd.DataFrame(columns=cols)
    acts = activities.copy()
    acts["quarter"] = [quarter_of(d) for d in acts["start_date"]]
    for quarter, group in acts.groupby("quarter", sort=True):
        start, end, label = quarter
        base = {"period_start": start, "period_end": end, "period_label": label}
        n = len(group)
        high = int(group["level"].isin(HIGH_LEVELS).sum())
        rows.append({**base, "name": "collaborate_empower", "value": 100.0 * high / n, "count": high, "denominator": n})
        counted = group[group["participants"].notna()]
        total = float(counted["participants"].sum())
        if total > 0:
            reached = float(sum(p for p, tags in zip(counted["participants"], counted["communities"])
                                if set(tags if tags is not None else []) & core_tags))
            rows.append({**base, "name": "core20plus5_reach", "value": 100.0 * reached / total, "count": reached,
                         "denominator": total})
        hours = float(group["volunteer_hours"].fillna(0).sum())
        rows.append({**base, "name": "volunteer_hours", "value": hours,
                     "count": float(group["volunteers"].fillna(0).sum()), "denominator": None})
    if not items.empty:
        joined = items.merge(acts[["activity_id", "end_date"]], on="activity_id")
        joined["deadline"] = [_add_months(d, 3) for d in joined["end_date"]]
        fed = joined["feedback_date"].notna()
        joined["due"] = fed | (joined["deadline"] <= as_of)
        joined["on_time"] = fed & (pd.to_datetime(joined["feedback_date"]) <= pd.to_datetime(joined["deadline"]))
        joined["quarter"] = [quarter_of(d) for d in joined["end_date"]]
        for quarter, group in joined[joined["due"]].groupby("quarter", sort=True):
            start, end, label = quarter
            n, on_time = len(group), int(group["on_time"].sum())
            rows.append({"name": "feedback_within_3_months", "period_start": start, "period_end": end,
                         "period_label": label, "value": 100.0 * on_time / n, "count": on_time, "denominator": n})
    return pd.DataFrame(rows, columns=cols).sort_values(["name", "period_start"]).reset_index(drop=True)


def _log_rows(cur, system_code: str) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    activities = cur.execute(
        "SELECT activity_id, start_date, end_date, level, communities, participants, volunteers, volunteer_hours"
        " FROM engagement_activity WHERE system_code = ?", [system_code]).df()
    items = cur.execute("SELECT activity_id, feedback_date FROM you_said WHERE system_code = ?", [system_code]).df()
    core = {r[0] for r in cur.execute("SELECT tag_code FROM community_tag WHERE is_core20plus5").fetchall()}
    for frame, col in ((activities, "start_date"), (activities, "end_date"), (items, "feedback_date")):
        if not frame.empty:
            frame[col] = [d.date() if hasattr(d, "date") and not pd.isna(d) else None for d in pd.to_datetime(frame[col])]
    if not activities.empty:
        activities["communities"] = [list(v) if v is not None else [] for v in activities["communities"]]
    return activities, items, core


def system_area_code(cur, system_code: str) -> str:
    """The area the system's own figures are recorded against: its ICB, or its 'system' area."""
    code = scalar(cur, "SELECT coalesce(s.icb_code, (SELECT area_code FROM system_area WHERE system_code = s.system_code"
                       " AND role = 'system' LIMIT 1), s.system_code) FROM system s WHERE s.system_code = ?",
                  [system_code])
    return code or system_code


def ensure_indicators(cur, system_code: str) -> dict[str, str]:
    """Make sure each derived measure has its indicator (found by source_ref); return {name: indicator_code}."""
    from framework.foundation.indicators import insert_indicators

    codes = {}
    for m in MEASURES:
        found = scalar(cur, "SELECT indicator_code FROM indicator WHERE system_code = ? AND source_ref = ?"
                            " ORDER BY indicator_code LIMIT 1", [system_code, m.source_ref])
        if found is None:
            code, n = m.code, 1
            while scalar(cur, "SELECT count(*) FROM indicator WHERE system_code = ? AND indicator_code = ?",
                         [system_code, code]):
                n += 1
                code = f"{m.code}-{n}"
            insert_indicators(cur, system_code, [{
                "indicator_code": code, "outcome_code": None, "name": m.title, "definition": m.definition,
                "unit": m.unit, "direction": "higher_is_better", "kind": "quantitative",
                "source": "Engagement log (calculated by Shared Measures)", "source_ref": m.source_ref,
                "frequency": "quarterly", "owner_partner": None, "baseline_value": None, "baseline_date": None,
                "target_1y": None, "target_3y": None, "target_5y": None, "status": "active",
                "proposed_by": "Shared Measures, calculated from the engagement log",
            }])
            found = code
        codes[m.name] = found
    return codes


def write_measures(cur, system_code: str, as_of: date | None = None) -> int:
    """Recalculate the derived measures from the log and write them inside the caller's transaction; quarters that
    no longer have anything to measure are removed. Return the number of values now held."""
    activities, items, core = _log_rows(cur, system_code)
    frame = compute_measures(activities, items, core, as_of or date.today())
    if activities.empty and not scalar(cur, "SELECT count(*) FROM indicator WHERE system_code = ? AND source_ref"
                                            " LIKE 'log:%'", [system_code]):
        return 0  # nothing logged and nothing calculated before: add no empty indicators
    codes = ensure_indicators(cur, system_code)
    area = system_area_code(cur, system_code)
    frame = frame.assign(system_code=system_code, indicator_code=frame["name"].map(codes), area_code=area,
                         breakdown="All", breakdown_group="All",
                         value_note="Calculated from the engagement log")
    keep = frame[["indicator_code", "period_start"]].copy()
    cur.register("log_keep", keep)
    try:
        cur.execute(
            f"DELETE FROM measurement m WHERE m.system_code = ? AND m.area_code = ? AND m.indicator_code IN"
            f" ({', '.join('?' * len(codes))}) AND NOT EXISTS (SELECT 1 FROM log_keep k WHERE"
            f" k.indicator_code = m.indicator_code AND CAST(k.period_start AS DATE) = m.period_start)",
            [system_code, area, *codes.values()],
        )
    finally:
        cur.unregister("log_keep")
    upsert_measurements(cur, frame.drop(columns=["name"]), None)
    return len(frame)


# ---------------------------------------------------------------- reads for the page and charts

def latest_measures(con, system_code: str, as_of: date | None = None) -> pd.DataFrame:
    """Each derived measure's latest quarter, calculated from the log as it is now (so it never waits for the
    stored copy): name, title, unit, period label, period end, value, count, denominator."""
    cur = con.cursor()
    try:
        frame = compute_measures(*_log_rows(cur, system_code), as_of or date.today())
    finally:
        cur.close()
    empty = {"period_label": None, "period_end": None, "value": None, "count": None, "denominator": None}
    out = []
    for m in MEASURES:
        rows = frame[frame["name"] == m.name].sort_values("period_end")
        latest = rows.iloc[-1][list(empty)].to_dict() if not rows.empty else empty
        out.append({"name": m.name, "title": m.title, "unit": m.unit, **latest})
    return pd.DataFrame(out)


def activities_by_level(con, system_code: str) -> pd.DataFrame:
    """How many activities started in each quarter at each level: quarter_start, period_label, level, activities."""
    df = read_df(con, "SELECT start_date, level FROM engagement_activity WHERE system_code = ?", [system_code])
    if df.empty:
        return pd.DataFrame(columns=["quarter_start", "period_label", "level", "activities"])
    q = [quarter_of(d) for d in pd.to_datetime(df["start_date"]).dt.date]
    df["quarter_start"] = [x[0] for x in q]
    df["period_label"] = [x[2] for x in q]
    return (df.groupby(["quarter_start", "period_label", "level"]).size().rename("activities").reset_index()
            .sort_values(["quarter_start", "level"]).reset_index(drop=True))


def reach_by_community(con, system_code: str) -> pd.DataFrame:
    """For each community tag: activities and participants at activities that reached it, the share of all
    participants that is, and the community's share of the population where it is known (both %)."""
    return read_df(
        con,
        "WITH acts AS (SELECT activity_id, communities, coalesce(participants, 0) AS participants"
        "  FROM engagement_activity WHERE system_code = ?),"
        " total AS (SELECT sum(participants) AS people FROM acts),"
        " tagged AS (SELECT unnest(communities) AS tag_code, activity_id, participants FROM acts)"
        " SELECT t.tag_code, t.label, t.is_core20plus5, count(g.activity_id) AS activities,"
        " coalesce(sum(g.participants), 0) AS participants,"
        " CASE WHEN (SELECT people FROM total) > 0 THEN 100.0 * coalesce(sum(g.participants), 0)"
        "  / (SELECT people FROM total) END AS reach_share, t.population_share"
        " FROM community_tag t LEFT JOIN tagged g USING (tag_code) WHERE t.active OR g.activity_id IS NOT NULL"
        " GROUP BY ALL ORDER BY t.is_core20plus5 DESC, participants DESC, t.label",
        [system_code],
    )


def feedback_loops(con, system_code: str, as_of: date | None = None) -> pd.DataFrame:
    """"You said" items by the quarter their activity ended and where the loop stands: 'fed back within 3 months',
    'fed back later', 'awaiting feedback' (under 3 months) or 'overdue' (3 months up, no feedback)."""
    as_of = as_of or date.today()
    df = read_df(con, "SELECT a.end_date, y.feedback_date FROM you_said y JOIN engagement_activity a USING (activity_id)"
                      " WHERE y.system_code = ?", [system_code])
    cols = ["quarter_start", "period_label", "loop", "items"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    ends = pd.to_datetime(df["end_date"]).dt.date
    deadline = [_add_months(d, 3) for d in ends]
    fed = pd.to_datetime(df["feedback_date"])
    loop = []
    for f, dl in zip(fed, deadline):
        if not pd.isna(f):
            loop.append("fed back within 3 months" if f.date() <= dl else "fed back later")
        else:
            loop.append("overdue" if dl <= as_of else "awaiting feedback")
    q = [quarter_of(d) for d in ends]
    out = pd.DataFrame({"quarter_start": [x[0] for x in q], "period_label": [x[2] for x in q], "loop": loop})
    return out.groupby(["quarter_start", "period_label", "loop"]).size().rename("items").reset_index()
