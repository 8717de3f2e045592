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
commits (framework.engagement.sync). The read functions at the end give the page its figures, calculated from the log
itself; framework.engagement.chart_data gives the charts theirs.
"""
from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from framework.core.db import scalar
from framework.foundation.measurements import KEY

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


@functools.lru_cache(maxsize=4096)
def quarter_of(day: date) -> tuple[date, date, str]:
    """The financial-year quarter containing a day: its start, end and label such as '2024/25 Q1' (April-June)."""
    start = pd.Timestamp(day).to_period("Q").start_time.date()
    end = pd.Timestamp(day).to_period("Q").end_time.date()
    fy = start.year if start.month >= 4 else start.year - 1
    q = ((start.month - 4) % 12) // 3 + 1
    return start, end, f"{fy}/{str(fy + 1)[-2:]} Q{q}"


@functools.lru_cache(maxsize=4096)
def add_months(day: date, months: int) -> date:
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def _day(value: Any) -> date | None:
    if value is None or pd.isna(value):
        return None
    return value.date() if isinstance(value, datetime) else value


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else value


def compute_measures(activities: pd.DataFrame, items: pd.DataFrame, core_tags: set[str], as_of: date) -> pd.DataFrame:
    """The four measures by quarter from the log's rows: columns name, period_start, period_end, period_label,
    value, count, denominator. Quarters with nothing to measure have no row rather than a zero.

    activities: activity_id, start_date, end_date, level, communities (list), participants, volunteers,
    volunteer_hours. items: activity_id, feedback_date."""
    cols = ["name", "period_start", "period_end", "period_label", "value", "count", "denominator"]
    rows: list[dict[str, Any]] = []
    if activities.empty:
        return pd.DataFrame(columns=cols)
    acts = activities.to_dict("records")  # plain loops: a save recalculates a quarter or two, where pandas costs more
    by_quarter: dict[tuple[date, date, str], list[dict[str, Any]]] = {}
    for a in acts:
        by_quarter.setdefault(quarter_of(_day(a["start_date"])), []).append(a)
    for (start, end, label), group in sorted(by_quarter.items()):
        base = {"period_start": start, "period_end": end, "period_label": label}
        n = len(group)
        high = sum(a["level"] in HIGH_LEVELS for a in group)
        rows.append({**base, "name": "collaborate_empower", "value": 100.0 * high / n, "count": high, "denominator": n})
        counted = [a for a in group if _number(a["participants"]) is not None]
        total = float(sum(a["participants"] for a in counted))
        if total > 0:
            reached = float(sum(a["participants"] for a in counted
                                if set(a["communities"] if a["communities"] is not None else []) & core_tags))
            rows.append({**base, "name": "core20plus5_reach", "value": 100.0 * reached / total, "count": reached,
                         "denominator": total})
        rows.append({**base, "name": "volunteer_hours", "value": float(sum(_number(a["volunteer_hours"]) or 0
                                                                           for a in group)),
                     "count": float(sum(_number(a["volunteers"]) or 0 for a in group)), "denominator": None})
    ends = {a["activity_id"]: _day(a["end_date"]) for a in acts}
    loops: dict[tuple[date, date, str], list[int]] = {}  # quarter -> [items due, fed back on time]
    for item in items.to_dict("records") if not items.empty else []:
        if item["activity_id"] not in ends:
            continue
        ended, fed = ends[item["activity_id"]], _day(item["feedback_date"])
        deadline = add_months(ended, 3)
        if fed is None and deadline > as_of:
            continue  # its three months are not up yet
        counts = loops.setdefault(quarter_of(ended), [0, 0])
        counts[0] += 1
        counts[1] += int(fed is not None and fed <= deadline)
    for (start, end, label), (n, on_time) in sorted(loops.items()):
        rows.append({"name": "feedback_within_3_months", "period_start": start, "period_end": end,
                     "period_label": label, "value": 100.0 * on_time / n, "count": on_time, "denominator": n})
    return pd.DataFrame(rows, columns=cols).sort_values(["name", "period_start"]).reset_index(drop=True)


def _log_rows(cur, system_code: str, quarters: Collection[date] | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """The log's rows the measures need; given quarter starts, only the activities that start or end in them."""
    where, params = "system_code = ?", [system_code]
    if quarters is not None:
        marks = ", ".join("?" * len(quarters))
        where += (f" AND (CAST(date_trunc('quarter', start_date) AS DATE) IN ({marks})"
                  f" OR CAST(date_trunc('quarter', end_date) AS DATE) IN ({marks}))")
        params += [*quarters, *quarters]
    act_cols = ["activity_id", "start_date", "end_date", "level", "communities", "participants", "volunteers",
                "volunteer_hours"]
    activities = pd.DataFrame(cur.execute(f"SELECT {', '.join(act_cols)} FROM engagement_activity WHERE {where}",
                                          params).fetchall(), columns=act_cols, dtype=object)
    items = pd.DataFrame(cur.execute(f"SELECT activity_id, feedback_date FROM you_said WHERE activity_id IN"
                                     f" (SELECT activity_id FROM engagement_activity WHERE {where})", params).fetchall(),
                         columns=["activity_id", "feedback_date"], dtype=object)
    core = {r[0] for r in cur.execute("SELECT tag_code FROM community_tag WHERE is_core20plus5").fetchall()}
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


def _same(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return round(float(value), 9) if isinstance(value, (int, float)) else value


def write_measures(cur, system_code: str, as_of: date | None = None, days: Iterable[date] | None = None) -> int:
    """Recalculate the derived measures from the log and write them inside the caller's transaction: only values
    that changed are written, and quarters that no longer have anything to measure are removed. Given days, only
    the quarters holding them are recalculated (a save passes its activity's dates, before and after), so saves in
    different quarters never write the same rows. Return the number of values recalculated."""
    quarters = None if days is None else sorted({quarter_of(d)[0] for d in days if d is not None})
    if quarters == []:
        return 0
    activities, items, core = _log_rows(cur, system_code, quarters)
    records = compute_measures(activities, items, core, as_of or date.today()).to_dict("records")
    if quarters is not None:  # an activity starting outside these quarters gives only a partial figure there
        records = [r for r in records if r["period_start"] in quarters]
    found = dict(cur.execute("SELECT source_ref, min(indicator_code) FROM indicator WHERE system_code = ?"
                             " AND source_ref LIKE 'log:%' GROUP BY source_ref", [system_code]).fetchall())
    if activities.empty and not found:
        return 0  # nothing logged and nothing calculated before: add no empty indicators
    if all(m.source_ref in found for m in MEASURES):
        codes = {m.name: found[m.source_ref] for m in MEASURES}
    else:
        codes = ensure_indicators(cur, system_code)
    area = system_area_code(cur, system_code)
    for r in records:
        r.update(system_code=system_code, indicator_code=codes[r["name"]], area_code=area, breakdown="All",
                 breakdown_group="All", value_note="Calculated from the engagement log")
    fields = ["period_end", "period_label", "value", "count", "denominator", "value_note"]
    stored = {(r[0], r[1]): tuple(_same(v) for v in r[2:]) for r in cur.execute(
        f"SELECT indicator_code, period_start, {', '.join(fields)} FROM measurement WHERE system_code = ?"
        f" AND area_code = ? AND indicator_code IN ({', '.join('?' * len(codes))})",
        [system_code, area, *codes.values()]).fetchall() if quarters is None or r[1] in quarters}
    wanted = {(r["indicator_code"], r["period_start"]): tuple(_same(r[f]) for f in fields) for r in records}
    gone = [key for key in stored if key not in wanted]
    if gone:
        cur.executemany("DELETE FROM measurement WHERE system_code = ? AND area_code = ? AND indicator_code = ?"
                        " AND period_start = ?", [[system_code, area, ind, start] for ind, start in gone])
    changed = [r for r in records if stored.get((r["indicator_code"], r["period_start"]))
               != wanted[(r["indicator_code"], r["period_start"])]]
    if changed:  # a handful of rows per save: written directly, without the bulk upsert's staging tables
        cols = ["system_code", "indicator_code", "area_code", "period_start", "breakdown", "breakdown_group", *fields]
        row = f"({', '.join('?' * len(cols))})"
        cur.execute(
            f"INSERT INTO measurement ({', '.join(cols)}) VALUES {', '.join([row] * len(changed))}"
            f" ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
            + ", ".join(f"{f} = excluded.{f}" for f in fields if f != "period_end"),
            [_same(r[c]) if c in ("value", "count", "denominator") else r[c] for r in changed for c in cols])
    return len(records)


# ---------------------------------------------------------------- reads for the page and charts

def measures_from_log(con, system_code: str, as_of: date | None = None) -> pd.DataFrame:
    """The derived measures by quarter, calculated from the log as it is now (as `compute_measures`)."""
    cur = con.cursor()
    try:
        return compute_measures(*_log_rows(cur, system_code), as_of or date.today())
    finally:
        cur.close()


def latest_measures(con, system_code: str, as_of: date | None = None) -> pd.DataFrame:
    """Each derived measure's latest quarter, calculated from the log as it is now (so it never waits for the
    stored copy): name, title, unit, period label, period end, value, count, denominator."""
    frame = measures_from_log(con, system_code, as_of)
    empty = {"period_label": None, "period_end": None, "value": None, "count": None, "denominator": None}
    out = []
    for m in MEASURES:
        rows = frame[frame["name"] == m.name].sort_values("period_end")
        latest = rows.iloc[-1][list(empty)].to_dict() if not rows.empty else empty
        out.append({"name": m.name, "title": m.title, "unit": m.unit, **latest})
    return pd.DataFrame(out)
