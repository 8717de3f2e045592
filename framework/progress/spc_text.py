"""SPC in words: the reading of one series for its indicator page (the two icons in words and a sentence built
from the figures), and the Making Data Count summary matrix of variation against assurance for every measure, on
the Progress page and in the Excel return."""
from __future__ import annotations

from datetime import date

import pandas as pd

from framework.core.db import read_df, read_rows
from framework.foundation.indicator_text import format_value
from framework.progress.engine import targets_of
from framework.progress.spc import (
    ASSURANCE_ICONS,
    ASSURANCE_WORDS,
    MIN_POINTS,
    VARIATION_ICONS,
    assurance_horizon,
    variation_words,
)
from framework.progress.spc_sql import spc_table
from framework.progress.sql import progress_areas

VARIATION_ORDER = ("improvement", "neutral", "common_cause", "concern", "too_few_points")
ASSURANCE_ORDER = ("pass", "hit_and_miss", "fail", "none", "too_few_points")
VARIATION_HEADINGS = {"improvement": "Special cause: improvement", "neutral": "Special cause: neither",
                      "common_cause": "Common cause", "concern": "Special cause: concern",
                      "too_few_points": "Too few points (under 15)"}
MATRIX_HEADINGS = {"pass": "Pass: always meets the target", "hit_and_miss": "Hit and miss",
                   "fail": "Fail: never meets the target", "none": "No target", "too_few_points": "Too few points"}


def _start(con, system_code: str) -> date | None:
    rows = read_rows(con, "SELECT framework_start FROM system WHERE system_code = ?", [system_code])
    return rows[0]["framework_start"] if rows else None


def series_reading(con, system_code: str, indicator_code: str, area_code: str) -> dict:
    """What one indicator page shows of SPC: the rows of the series, the target judged, the two icons in words
    and the sentences that say what the chart shows."""
    ind = read_rows(con, "SELECT name, unit, direction, target_1y, target_3y, target_5y FROM indicator"
                         " WHERE system_code = ? AND indicator_code = ?", [system_code, indicator_code])
    rows = spc_table(con, system_code, indicator_code=indicator_code, area_code=area_code)
    if not ind:
        return {"rows": rows, "variation": None, "assurance": None, "sentences": [], "horizon": None}
    ind = ind[0]
    start = _start(con, system_code)
    horizon = assurance_horizon(start, targets_of(ind), date.today()) if start else None
    if rows.empty:
        return {"rows": rows, "variation": None, "assurance": None, "sentences": [], "horizon": horizon}
    variation, assurance = rows["variation"].iloc[-1], rows["assurance"].iloc[-1]
    return {"rows": rows, "horizon": horizon, "unit": ind["unit"], "direction": ind["direction"],
            "variation": f"{VARIATION_ICONS[variation]} Variation: {variation_words(variation, ind['direction'])}",
            "assurance": f"{ASSURANCE_ICONS[assurance]} Assurance: {ASSURANCE_WORDS[assurance]}",
            "sentences": describe_series(rows, ind["unit"], ind["direction"], horizon)}


def _points(n: int) -> str:
    return f"{n} point{'s' if n != 1 else ''}"


def describe_series(rows: pd.DataFrame, unit: str, direction: str, horizon: tuple[int, float] | None) -> list[str]:
    """Plain-English sentences from the figures of one series' SPC rows."""
    last = rows.iloc[-1]
    part = rows[rows["part"] == last["part"]]
    since = " since its limits last started again" if rows["part"].nunique() > 1 else ""
    if pd.isna(last["centre"]):
        median = format_value(float(part["value"].median()), unit)
        return [f"This series has {_points(len(part))}{since}, fewer than the {MIN_POINTS} that Making Data Count "
                f"asks for before limits are drawn, so it is shown as a run chart around its median ({median}). "
                "Limits and the variation and assurance icons appear once there are "
                f"{MIN_POINTS} points."]
    value = format_value(float(last["value"]), unit)
    special = int((part["rules"] != "").sum())
    out = [f"Over the {_points(len(part))}{since} from {part['period_end'].iloc[0]:%B %Y} to "
           f"{last['period_end']:%B %Y}, the mean is {format_value(float(last['centre']), unit)} and the process "
           f"limits run from {format_value(float(last['lower_limit']), unit)} to "
           f"{format_value(float(last['upper_limit']), unit)}. "
           + (f"{special} of them {'is' if special == 1 else 'are'} marked as special cause." if special
              else "None of them is marked as special cause.")]
    kind = last["point_type"]
    said = f"The latest point, {value} for the period ending {last['period_end']:%d %B %Y},"
    if kind == "common_cause":
        out.append(f"{said} shows common cause variation: nothing beyond the usual ups and downs.")
    elif kind == "neutral":
        out.append(f"{said} shows special cause variation; this measure has no better direction, so it is "
                   "neither an improvement nor a concern.")
    else:
        high = variation_words(kind, direction).rsplit("(", 1)[1].rstrip(")")
        out.append(f"{said} shows special cause variation: a sign of {kind} ({high} than usual).")
    assurance = last["assurance"]
    if horizon is None or assurance == "none":
        out.append("There is no target for a horizon still to come, or this measure has no better direction, so "
                   "there is no assurance icon.")
        return out
    years, target = horizon
    said = f"The {years}-year target of {format_value(target, unit)}"
    out.append({
        "pass": f"{said} lies beyond the process limit on the side that is always met: the process should "
                "meet it consistently.",
        "fail": f"{said} lies beyond the process limit that the process never reaches: it will not be met "
                "unless something changes.",
        "hit_and_miss": f"{said} lies between the process limits: the process will sometimes meet it and "
                        "sometimes miss it.",
    }[assurance])
    return out


def spc_summary(con, system_code: str, area_code: str | None = None) -> pd.DataFrame:
    """One row per measure in use with headline data in an area (default: the system's own area): its code,
    name, variation and assurance, and its latest period and value."""
    area_code = area_code or _system_area(con, system_code)
    rows = spc_table(con, system_code, area_code=area_code) if area_code else pd.DataFrame()
    names = read_df(con, "SELECT indicator_code, name, unit FROM indicator WHERE system_code = ?"
                         " AND status = 'active'", [system_code])
    columns = ["indicator_code", "name", "unit", "variation", "assurance", "period_end", "value"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    latest = rows.sort_values("t").groupby("indicator_code").tail(1)
    out = latest.merge(names, on="indicator_code", how="inner")
    return out[columns].sort_values("indicator_code").reset_index(drop=True)


def _system_area(con, system_code: str) -> str | None:
    areas = progress_areas(con, system_code)  # the system's own area comes first
    own = areas[areas["role"] == "system"]
    return own["area_code"].iloc[0] if len(own) else None


def spc_matrix(summary: pd.DataFrame, *, too_few: bool = True) -> pd.DataFrame:
    """The Making Data Count summary matrix: a row for each kind of variation and a column for each assurance,
    each cell listing the codes of the measures that fall in it; without the too-few-points row and column when
    too_few is False (those measures have neither icon, so they fill one cell only)."""
    rows = VARIATION_ORDER if too_few else VARIATION_ORDER[:-1]
    columns = ASSURANCE_ORDER if too_few else ASSURANCE_ORDER[:-1]
    table = {f"{VARIATION_ICONS[v]} {VARIATION_HEADINGS[v]}": {f"{ASSURANCE_ICONS[a]} {MATRIX_HEADINGS[a]}": ", ".join(
        summary[(summary["variation"] == v) & (summary["assurance"] == a)]["indicator_code"])
        for a in columns} for v in rows}
    return pd.DataFrame.from_dict(table, orient="index").reset_index(names="Variation")


def too_few_codes(summary: pd.DataFrame) -> list[str]:
    """The codes of the measures whose series have fewer than 15 points, so no icons."""
    return list(summary[summary["variation"] == "too_few_points"]["indicator_code"])


def spc_sheet(con, system_code: str) -> pd.DataFrame:
    """The summary matrix of variation against assurance for the system's own area, for the Excel return."""
    return spc_matrix(spc_summary(con, system_code))
