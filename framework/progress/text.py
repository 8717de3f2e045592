"""Plain-English sentences about progress, generated from the figures: where an indicator started, where it is,
where we expected it to be by now, where its trend points, and how the gap between groups is moving."""
from __future__ import annotations

from datetime import date

import pandas as pd

from framework.foundation.indicator_text import format_value
from framework.progress.change import change_sentences, measure_change
from framework.progress.engine import Trend, _num, horizon_date
from framework.progress.periods import complete, running

HORIZON_WORDS = {1: "1-year", 3: "3-year", 5: "5-year"}


def _unit_of_difference(unit: str) -> str:
    return "percentage points" if unit == "%" else unit


def difference(value: float, unit: str) -> str:
    """A difference with its unit: '3.2 percentage points', '120 per 100,000'."""
    text = format_value(abs(value), "")
    return f"{text} {_unit_of_difference(unit)}".strip()


def change_sentence(indicator: dict, start: date, baseline: float | None, latest: pd.Series | None) -> str | None:
    """'Since April 2023 this has risen from 41% to 47%.' (framework.progress.change decides the words.)"""
    sentences = change_sentences(measure_change(indicator, start, baseline, latest, None)) if latest is not None else []
    return sentences[0] if sentences else None


def expected_sentence(indicator: dict, expected: float | None, judged_at: date | None) -> str | None:
    """'By September 2026 we expected 45%.'"""
    if _num(expected) is None or judged_at is None or indicator["direction"] == "no_judgement":
        return None
    return f"By {judged_at:%B %Y} we expected {format_value(expected, indicator.get('unit') or '')}."


def projection_sentences(indicator: dict, start: date, targets: dict[int, float | None], trend: Trend | None,
                         judged_at: date | None, latest_value: float | None = None) -> list[str]:
    """For each horizon still to come with a target: when the current trend would reach it, if it would."""
    unit = indicator.get("unit") or ""
    future = [h for h, t in targets.items() if _num(t) is not None and judged_at and horizon_date(start, h) > judged_at]
    if not future or indicator["direction"] == "no_judgement":
        return []
    if trend is None:
        return ["There are not yet enough recent points to project a trend: a projection needs at least three."]
    out = []
    for h in future:
        target, due = float(targets[h]), horizon_date(start, h)
        name = f"the {HORIZON_WORDS[h]} ambition of {format_value(target, unit)}"
        better = (1 if indicator["direction"] == "higher_is_better" else -1)
        if latest_value is not None and (latest_value - target) * better >= 0:
            out.append(f"The latest value already meets {name}, due by {due:%B %Y}.")
            continue
        reached = trend.reaches(target, indicator["direction"])
        if reached is None:
            out.append(f"On the current trend {name} would not be reached: the recent trend is not heading towards it.")
        else:
            when = f"{reached:%B %Y}" if reached.year == due.year else f"{reached:%Y}"
            timing = f"in time for {due:%B %Y}" if reached <= due else f"later than the due date of {due:%B %Y}"
            out.append(f"On the current trend {name} would be reached in {when}, {timing}.")
    return out


def running_sentence(indicator: dict, points: pd.DataFrame, today: date) -> str | None:
    """'The figure so far for 2026/27 Q3 is 12%: that period is still running, so it is not yet used ...'"""
    still = running(points.dropna(subset=["value"]), today) if len(points) else points
    if still is None or still.empty:
        return None
    last = still.sort_values("period_end").iloc[-1]
    return (f"The figure so far for {last['period_label']} is {format_value(last['value'], indicator.get('unit') or '')}"
            f": that period runs to {last['period_end']:%d %B %Y}, so it is not yet used for the latest value, the "
            "status or the projection.")


def summary(indicator: dict, start: date, rows: pd.DataFrame, points: pd.DataFrame, trend: Trend | None,
            today: date | None = None) -> list[str]:
    """The plain-English summary of one indicator in one area, from its progress rows (one per horizon) and its
    headline points (period_label, period_end, value, lower_ci, upper_ci). Given today, periods still running
    are described as figures so far and left out of everything else."""
    pts = points.dropna(subset=["value"]).sort_values("period_end") if len(points) else points
    so_far = running_sentence(indicator, pts, today) if today is not None and pts is not None else None
    if today is not None and pts is not None and len(pts):
        pts = complete(pts, today)
    if pts is None or pts.empty:
        if so_far:
            return ["Every period of this measure here is still running, so progress cannot be judged yet.", so_far]
        return ["There is no data for this measure here yet, so progress cannot be judged."]
    latest = pts.iloc[-1]
    first = rows.iloc[0] if len(rows) else None
    baseline = first["baseline"] if first is not None else indicator.get("baseline_value")
    before = pts[pts["period_end"] <= start]
    baseline_row = before.iloc[-1] if len(before) else None
    sentences = change_sentences(measure_change(indicator, start, baseline, latest, baseline_row))
    if indicator["direction"] == "no_judgement":
        sentences.append("We describe this measure but do not judge a rise or fall as better or worse.")
    elif first is not None:
        sentences.append(expected_sentence(indicator, first["expected_now"], first["judged_at"]))
    targets = {int(r.horizon_years): _num(r.target) for r in rows.itertuples()} if len(rows) else {}
    if not any(v is not None for v in targets.values()):
        sentences.append("No targets have been set for this measure, so it is not judged against any ambition.")
    elif first is not None:
        sentences += projection_sentences(indicator, start, targets, trend, first["judged_at"], _num(latest["value"]))
    if len(pts) == 1:
        sentences.append("There is only one value so far, so there is no trend yet.")
    sentences.append(so_far)
    return [s for s in sentences if s]


def gap_sentence(breakdown: str, disadvantaged: str, advantaged: str, series: pd.DataFrame, trend: dict,
                 unit: str, labels: dict | None = None) -> str:
    """'The gap between Quintile 1 (most deprived) and Quintile 5 (least deprived) was 9.2 percentage points in
    2023/24 Q1 and is 7.9 percentage points in 2026/27 Q2: it is narrowing.'"""
    if series.empty:
        return f"There are not enough {breakdown.lower()} figures to measure the gap between groups."
    labels = labels or {}
    first, last = series.iloc[0], series.iloc[-1]
    when_first = labels.get(first["period_end"], f"{first['period_end']:%B %Y}")
    when_last = labels.get(last["period_end"], f"{last['period_end']:%B %Y}")
    direction_word = "" if last["gap"] >= 0 else f" ({advantaged} now doing less well)"
    text = (f"The gap between {disadvantaged} and {advantaged} was {difference(first['gap'], unit)} in {when_first} "
            f"and is {difference(last['gap'], unit)} in {when_last}{direction_word}.")
    if trend["verdict"] in ("narrowing", "widening"):
        text += (f" Across all {trend['n']} periods the trend is {trend['verdict']}, by about "
                 f"{difference(trend['slope'], unit)} a year.")
        ends_narrower = abs(last["gap"]) < abs(first["gap"])
        if ends_narrower != (trend["verdict"] == "narrowing") and abs(last["gap"]) != abs(first["gap"]):
            text += (" The first and latest periods alone point the other way, so the trend across every period "
                     "is the better guide.")
        return text
    if trend["verdict"] == "stable":
        return text + " Across all the periods the gap has stayed about the same."
    return text + " There are too few periods yet to see a trend."


def overview_sentence(counts: pd.DataFrame, horizon: int) -> str:
    """'At the 3-year horizon: 5 ahead, 8 on track, 6 behind and 1 without enough data (20 measures).'"""
    part = counts[counts["horizon_years"] == horizon]
    totals = part.groupby("status")["n"].sum() if len(part) else pd.Series(dtype=int)
    order = ("ahead", "on_track", "behind", "not_enough_data", "no_target")
    words = {"ahead": "ahead", "on_track": "on track", "behind": "behind", "not_enough_data": "without enough data",
             "no_target": "without a target"}
    bits = [f"{int(totals.get(s, 0))} {words[s]}" for s in order if totals.get(s, 0)]
    total = int(totals.sum()) if len(totals) else 0
    if not bits:
        return f"At the {HORIZON_WORDS[horizon]} horizon there are no measures to judge."
    listed = ", ".join(bits[:-1]) + (" and " if len(bits) > 1 else "") + bits[-1]
    return f"At the {HORIZON_WORDS[horizon]} horizon: {listed} ({total} measure{'s' if total != 1 else ''})."


def words_by_outcome(counts: pd.DataFrame) -> pd.DataFrame:
    """A table with one row per outcome and one column per horizon, each cell in words: '2 ahead, 1 behind'."""
    words = {"ahead": "ahead", "on_track": "on track", "behind": "behind", "not_enough_data": "not enough data",
             "no_target": "no target"}
    order = list(words)
    rows = []
    for (code, title), part in counts.groupby(["outcome_code", "outcome_title"], sort=False, dropna=False):
        row = {"Outcome": f"{code} {title}"}
        for h in (1, 3, 5):
            cell = part[part["horizon_years"] == h].set_index("status")["n"]
            row[f"{h}-year"] = ", ".join(f"{int(cell[s])} {words[s]}" for s in order if s in cell and cell[s]) or "-"
        rows.append(row)
    return pd.DataFrame(rows, columns=["Outcome", "1-year", "3-year", "5-year"])



def judged_note(in_use: int, qualitative: int, judged: int) -> str:
    """Why fewer measures are judged for progress than are in use: 'Of the 27 measures in use, 25 have numbers and
    are judged here; 2 qualitative measures are followed through their stories instead.'"""
    if not in_use:
        return "No measures are in use yet."
    if judged >= in_use:
        return f"All {in_use} measures in use have numbers and are judged here."
    clauses = []
    if qualitative:
        clauses.append(f"{qualitative} qualitative measure{plural(qualitative, ' is', 's are')} followed through "
                       f"{plural(qualitative, 'its', 'their')} stories instead")
    rest = in_use - judged - qualitative
    if rest > 0:
        clauses.append(f"{rest} {plural(rest, 'has', 'have')} no numbers for this area yet")
    return (f"Of the {in_use} measures in use, {judged} {plural(judged, 'has', 'have')} numbers and "
            f"{plural(judged, 'is', 'are')} judged here; " + " and ".join(clauses) + ".")


def plural(n: int, one: str, many: str) -> str:
    """One word or the other by how many there are."""
    return one if n == 1 else many
