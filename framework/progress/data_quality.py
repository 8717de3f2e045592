"""How complete and how good each measure's data are, in words beside it: the share of the periods its frequency
leads us to expect that are present, how old its latest period is, the share of its values that carry a note
(provisional, suppressed, a data quality issue), and whether its values have confidence intervals. One query
scores every measure of a system at once; docs/progress.md explains the scoring.

Only complete periods count: a period still running (ending after today) is neither expected nor present yet.
"""
from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from framework.core.db import read_df
from framework.progress.periods import today_or

# how many months one period lasts, by the words editors use for a measure's frequency
FREQUENCY_MONTHS = {
    "monthly": 1, "every month": 1, "quarterly": 3, "every quarter": 3, "twice a year": 6, "six-monthly": 6,
    "six monthly": 6, "half-yearly": 6, "biannual": 6, "annual": 12, "annually": 12, "yearly": 12, "every year": 12,
    "financial year": 12,
}
# notes that say where a value comes from, not how good it is
SOURCE_NOTES = ("Calculated from the engagement log", "From the stakeholder review")
GRACE_DAYS = 92  # data usually arrive up to three months after a period ends
GRADES = ((0.8, "Good"), (0.5, "Fair"), (0.0, "Poor"))
COLUMNS = ["indicator_code", "name", "frequency", "period_months", "expected", "present", "completeness",
           "latest_period_end", "age_days", "values", "noted", "note_share", "with_intervals", "interval_share",
           "running", "score", "grade", "words"]


def frequency_months(frequency: Any) -> int | None:
    """Months per period for a frequency in words, or None when it is not one we recognise."""
    if not isinstance(frequency, str):
        return None
    return FREQUENCY_MONTHS.get(" ".join(frequency.strip().lower().split()))


def _months_sql() -> str:
    cases = " ".join(f"WHEN '{k}' THEN {v}" for k, v in FREQUENCY_MONTHS.items())
    return f"CASE lower(trim(regexp_replace(coalesce(i.frequency, ''), '\\s+', ' ', 'g'))) {cases} END"


QUALITY_SQL = """
WITH ind AS (
    SELECT i.system_code, i.indicator_code, i.name, i.frequency, i.kind, i.unit, {months} AS period_months,
           s.framework_start,
           coalesce(?, (SELECT min(area_code) FROM system_area sa WHERE sa.system_code = i.system_code
                                                                  AND sa.role = 'system')) AS area_code
    FROM indicator i JOIN system s USING (system_code)
    WHERE i.system_code = ?
),
head AS (
    SELECT m.indicator_code, m.period_start, m.period_end, m.value, m.lower_ci, m.upper_ci, m.value_note
    FROM measurement m JOIN ind USING (system_code, indicator_code, area_code)
    WHERE m.breakdown = 'All' AND m.breakdown_group = 'All'
),
per AS (
    SELECT indicator_code,
           count(DISTINCT period_end) FILTER (WHERE period_end <= CAST(? AS DATE) AND value IS NOT NULL
                                              AND NOT isnan(value)) AS present,
           count(*) FILTER (WHERE period_end <= CAST(? AS DATE) AND value IS NOT NULL AND NOT isnan(value)) AS "values",
           count(*) FILTER (WHERE period_end <= CAST(? AS DATE) AND nullif(trim(value_note), '') IS NOT NULL
                            AND value_note NOT IN ({source_notes})) AS noted,
           count(*) FILTER (WHERE period_end <= CAST(? AS DATE) AND value IS NOT NULL AND lower_ci IS NOT NULL
                            AND upper_ci IS NOT NULL) AS with_intervals,
           count(*) FILTER (WHERE period_end > CAST(? AS DATE)) AS running,
           max(period_end) FILTER (WHERE period_end <= CAST(? AS DATE) AND value IS NOT NULL
                                   AND NOT isnan(value)) AS latest_period_end,
           min(period_start) FILTER (WHERE period_end <= CAST(? AS DATE)) AS first_start
    FROM head GROUP BY indicator_code
)
SELECT ind.indicator_code, ind.name, ind.frequency, ind.kind, ind.unit, ind.period_months,
       CASE WHEN ind.period_months IS NOT NULL AND per.first_start IS NOT NULL
            THEN greatest(CAST(floor(datediff('month', least(per.first_start, ind.framework_start),
                                              CAST(? AS DATE) + INTERVAL 1 DAY) / ind.period_months) AS BIGINT), 1)
       END AS expected,
       coalesce(per.present, 0) AS present, per.latest_period_end,
       datediff('day', per.latest_period_end, CAST(? AS DATE)) AS age_days,
       coalesce(per."values", 0) AS "values", coalesce(per.noted, 0) AS noted,
       coalesce(per.with_intervals, 0) AS with_intervals, coalesce(per.running, 0) AS running
FROM ind LEFT JOIN per USING (indicator_code)
ORDER BY ind.indicator_code
"""


def _sql() -> str:
    notes = ", ".join("'" + n.replace("'", "''") + "'" for n in SOURCE_NOTES)
    return QUALITY_SQL.format(months=_months_sql(), source_notes=notes)


def needs_intervals(unit: Any) -> bool:
    """Whether values in this unit should carry confidence intervals: percentages and rates do, counts need not."""
    unit = (unit or "").strip().lower() if isinstance(unit, str) else ""
    return unit == "%" or unit.startswith("per ")


def _points(share: float | None, good: float, fair: float) -> int | None:
    if share is None:
        return None
    return 2 if share >= good else 1 if share >= fair else 0


def _age_words(days: int) -> str:
    if days < 45:
        return f"{days} day{'s' if days != 1 else ''}"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} months"
    return f"{days / 365.25:.1f} years"


def score_row(row: dict[str, Any]) -> dict[str, Any]:
    """The shares, score (0 to 100), grade and words for one measure from its counts (a pure function)."""
    months, expected, present = row.get("period_months"), row.get("expected"), int(row.get("present") or 0)
    months = None if months is None or (isinstance(months, float) and math.isnan(months)) else int(months)
    expected = None if expected is None or (isinstance(expected, float) and math.isnan(expected)) else int(expected)
    values, noted, ci = int(row.get("values") or 0), int(row.get("noted") or 0), int(row.get("with_intervals") or 0)
    age = row.get("age_days")
    age = None if age is None or (isinstance(age, float) and math.isnan(age)) else int(age)
    running = int(row.get("running") or 0)
    out = {"completeness": None, "note_share": None, "interval_share": None, "score": None, "grade": "No data"}
    if row.get("kind") == "qualitative":
        return {**out, "grade": "Qualitative",
                "words": "A qualitative measure: followed through stories and evidence, not numbers."}
    if values == 0:
        words = "No complete period yet" + (f" ({running} still running)." if running else ": no data has been loaded.")
        if months is None:
            words += f" Its frequency ({row.get('frequency') or 'not stated'}) is not one we recognise."
        return {**out, "words": words}
    completeness = min(present / expected, 1.0) if expected else None
    note_share, interval_share = noted / values, ci / values
    timely = None
    if months is not None and age is not None:
        period_days = months * 30.44
        timely = 2 if age <= period_days + GRACE_DAYS else 1 if age <= 2 * period_days + GRACE_DAYS else 0
    intervals = _points(interval_share, 0.9, 0.5) if needs_intervals(row.get("unit")) else None
    parts = [_points(completeness, 0.9, 0.6), timely, _points(1 - note_share, 0.9, 0.67), intervals]
    judged = [p for p in parts if p is not None]
    score = round(100 * sum(judged) / (2 * len(judged)))
    grade = next(name for floor, name in GRADES if score / 100 >= floor)
    bits = []
    if completeness is None:
        bits.append(f"its frequency ({row.get('frequency') or 'not stated'}) is not one we recognise, so we cannot "
                    f"say how many periods to expect ({present} present)")
    else:
        bits.append(f"{present} of {expected} expected periods present ({completeness:.0%})")
    if age is not None:
        bits.append(f"latest period ended {_age_words(age)} ago")
    bits.append(f"{note_share:.0%} of values carry a note" if noted else "no values carry a note")
    if ci == values:
        bits.append("intervals on every value")
    elif ci:
        bits.append(f"intervals on {interval_share:.0%} of values")
    else:
        bits.append("no intervals" if needs_intervals(row.get("unit")) else "no intervals (not expected for a count)")
    words = f"{grade}: " + "; ".join(bits) + "."
    if running:
        words += f" {running} period{'s' if running != 1 else ''} still running, not counted yet."
    return {"completeness": completeness, "note_share": note_share, "interval_share": interval_share,
            "score": score, "grade": grade, "words": words}


def data_quality(con, system_code: str, *, area_code: str | None = None, today: date | None = None) -> pd.DataFrame:
    """Completeness and quality of every measure of a system in one area (default: the system's own area), judged
    on today (default: the real date): one row per measure, with a score from 0 to 100, a grade and the words."""
    day = today_or(today)
    frame = read_df(con, _sql(), [area_code, system_code, *[day] * 9])
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    scored = pd.DataFrame([score_row(r) for r in frame.to_dict("records")], index=frame.index)
    frame = pd.concat([frame, scored], axis=1)
    frame["latest_period_end"] = pd.to_datetime(frame["latest_period_end"]).dt.date
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype(float)
    return frame[COLUMNS]


SHEET_COLUMNS = {"indicator_code": "Indicator", "name": "Measure", "frequency": "Frequency", "grade": "Data quality",
                 "score": "Score (0 to 100)", "expected": "Periods expected", "present": "Periods present",
                 "latest_period_end": "Latest complete period ended", "note_share": "Share of values with a note",
                 "interval_share": "Share of values with intervals", "words": "In words"}


def data_quality_sheet(con, system_code: str) -> pd.DataFrame:
    """The data quality of every measure for the Excel return."""
    frame = data_quality(con, system_code)
    return frame[list(SHEET_COLUMNS)].rename(columns=SHEET_COLUMNS).reset_index(drop=True)
