"""Everything the indicator page shows about inequality for one indicator in one area, gathered in one read: for
each breakdown, the gap between two groups over time, the gap as a measure with its targets and status, the slope
index of inequality across deprivation groups, and how complete ethnicity recording is; each in words."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from framework.core.db import read_rows
from framework.foundation.indicator_text import format_value
from framework.progress.engine import STATUS_WORDS, gap_series, gap_trend
from framework.progress.gap_targets import gap_measures
from framework.progress.gaps import (
    breakdown_sii,
    comparable_groups,
    default_pair,
    gap_code,
    gap_points,
    gap_unit,
    is_not_stated,
    not_stated_share,
)
from framework.progress.sql import indicator_series, progress_table
from framework.progress.text import HORIZON_WORDS, difference, gap_sentence


def inequality_detail(con, system_code: str, indicator_code: str, area_code: str | None = None) -> dict[str, Any]:
    """For each breakdown of one indicator in one area (default: the system's own area): its groups, the pair it
    compares, the gap series, the gap measure's progress rows, the SII, ethnicity completeness and the sentences."""
    ind = read_rows(con, "SELECT i.*, s.framework_start FROM indicator i JOIN system s USING (system_code)"
                         " WHERE i.system_code = ? AND i.indicator_code = ?", [system_code, indicator_code])
    if not ind:
        return {"items": []}
    ind = ind[0]
    if area_code is None:
        own = read_rows(con, "SELECT area_code FROM system_area WHERE system_code = ? AND role = 'system'",
                        [system_code])
        area_code = own[0]["area_code"] if own else None
    series = indicator_series(con, system_code, indicator_code, area_code)
    frame = series[(series["area_code"] == area_code) & (series["breakdown"] != "All")]
    measures = gap_measures(con, system_code, indicator_code).set_index("breakdown")
    rows = (progress_table(con, system_code, area_code=area_code, gaps=True, gaps_of=indicator_code)
            if len(measures) and area_code else None)
    start: date = ind["framework_start"]
    items = []
    for breakdown, part in frame.groupby("breakdown", sort=True):
        measure = measures.loc[breakdown].to_dict() if breakdown in measures.index else None
        code = gap_code(indicator_code, breakdown)
        mine = rows[(rows["indicator_code"] == code) & (rows["area_code"] == area_code)] if rows is not None else None
        items.append(_item(ind, start, breakdown, part, measure, mine))
    return {"indicator": ind, "area_code": area_code, "items": items}


def _item(ind: dict, start: date, breakdown: str, part: pd.DataFrame, measure: dict | None,
          rows: pd.DataFrame | None) -> dict[str, Any]:
    """One breakdown's inequality figures and sentences."""
    unit, direction = ind["unit"] or "", ind["direction"]
    groups = list(dict.fromkeys(part.sort_values("breakdown_group")["breakdown_group"]))
    valid = part.dropna(subset=["value"])
    latest = valid.sort_values("period_end").groupby("breakdown_group")["value"].last().to_dict()
    labels = dict(zip(part["period_end"], part["period_label"]))
    pair = (measure["disadvantaged_group"], measure["advantaged_group"]) if measure else default_pair(
        groups, latest, direction)
    item: dict[str, Any] = {
        "breakdown": breakdown, "groups": groups, "frame": part[["period_end", "breakdown_group", "value"]],
        "measure": measure, "rows": rows if rows is not None and len(rows) else pd.DataFrame(),
        "gap_code": gap_code(ind["indicator_code"], breakdown), "sii": breakdown_sii(part),
        "completeness": not_stated_share(part), "disadvantaged": None, "advantaged": None,
        "gap": pd.DataFrame(columns=["period_end", "disadvantaged", "advantaged", "gap"]), "points": pd.DataFrame(),
    }
    if pair is None:
        usable = comparable_groups(groups)
        item["sentence"] = (f"The {breakdown.lower()} figures here have only {len(usable)} group with a value "
                            f"({', '.join(usable) or 'none'}), so there is no gap between groups to measure.")
    else:
        item["disadvantaged"], item["advantaged"] = pair
        item["gap"] = gap_series(valid, pair[0], pair[1], direction)
        item["points"] = gap_points(part, pair[0], pair[1], direction)
        item["sentence"] = gap_sentence(breakdown, pair[0], pair[1], item["gap"], gap_trend(item["gap"], start), unit,
                                        labels)
    item["measure_words"] = measure_words(item, unit, direction)
    item["sii_words"] = sii_words(item, unit, breakdown)
    item["completeness_words"] = completeness_words(item, breakdown)
    return item


def measure_words(item: dict[str, Any], unit: str, direction: str) -> str:
    """The gap as a measure in words: what counts as better, its targets and its status at each horizon."""
    if item["disadvantaged"] is None:
        return ""
    if direction == "no_judgement":
        return ("This measure is not judged as better or worse, so its gap between groups is described but not "
                "judged either.")
    rows = item["rows"]
    if item["measure"] is None:
        return ("This gap is described but not yet measured against targets: an editor can make it a measure on "
                "the Edit measures page.")
    if rows.empty or rows["target"].isna().all():
        return (f"The gap is a measure in its own right (code {item['gap_code']}): a smaller gap is better. It has "
                "no targets yet, so it has no status; editors can set a baseline and targets on the Edit measures "
                "page.")
    statuses = "; ".join(
        f"{HORIZON_WORDS[int(r.horizon_years)]}: {STATUS_WORDS[r.status].lower()}"
        + (f" (target {difference(r.target, unit)})" if pd.notna(r.target) else "")
        for r in rows.sort_values("horizon_years").itertuples())
    first = rows.sort_values("horizon_years").iloc[0]
    text = (f"The gap is a measure in its own right (code {item['gap_code']}): a smaller gap is better, whatever the "
            f"direction of the measure itself. Status at each horizon: {statuses}.")
    if pd.notna(first["latest_value"]):
        text += f" The latest gap is {format_value(first['latest_value'], gap_unit(unit))}"
        if pd.notna(first["latest_lower"]) and pd.notna(first["latest_upper"]):
            text += (f" (95% interval {format_value(first['latest_lower'], '')} to "
                     f"{format_value(first['latest_upper'], '')})")
        if pd.notna(first["expected_now"]):
            text += f"; by then we expected {format_value(first['expected_now'], gap_unit(unit))}"
            if pd.notna(first["latest_lower"]) and first["latest_lower"] <= first["expected_now"] <= first[
                    "latest_upper"]:
                text += (", which lies inside that interval, so the gap cannot yet be told apart from the path and "
                         "counts as on track")
        text += "."
    return text


def sii_words(item: dict[str, Any], unit: str, breakdown: str) -> str:
    """The slope index of inequality in words, or why there is none."""
    result = item["sii"]
    if result is None:
        if "deprived" in " ".join(item["groups"]).lower():
            return ("The slope index of inequality needs a value for every quintile or decile in one period, and "
                    "groups named in order; these figures do not have them, so it is not shown.")
        return ""
    size = difference(result["sii"], unit)
    higher = "higher" if result["sii"] >= 0 else "lower"
    kind = "quintiles" if result["groups"] == 5 else "deciles"
    text = (f"Taking all {result['groups']} {kind} into account ({result['period_label']}), the slope index of "
            f"inequality is {format_value(result['sii'], gap_unit(unit))}")
    if result["lower"] is not None:
        text += f" (95% interval {format_value(result['lower'], '')} to {format_value(result['upper'], '')})"
    text += (f": along the whole range of deprivation, the modelled value for the least deprived is {size} {higher} "
             "than for the most deprived.")
    if result["lower"] is None:
        text += " There is no interval, because not every group has a 95% interval."
    elif result["lower"] <= 0 <= result["upper"]:
        text += " The interval includes zero, so the slope may be chance."
    if not result["populations_known"]:
        text += (f" The figures do not give every group's population, so each is taken as an equal share of "
                 f"the {kind}.")
    return text


def completeness_words(item: dict[str, Any], breakdown: str) -> str:
    """How complete recording of ethnicity is, in words; empty for breakdowns other than ethnicity that carry no
    'Not stated' group."""
    table = item["completeness"]
    ethnic = "ethnic" in breakdown.lower()
    if table.empty:
        if any(is_not_stated(g) for g in item["groups"]):
            return ("These figures have a 'Not stated' group but no record counts, so how complete recording is "
                    "cannot be worked out.")
        return ("These ethnicity figures carry no 'Not stated' or 'Unknown' group, so how complete ethnicity "
                "recording is cannot be shown." if ethnic else "")
    last = table.iloc[-1]
    what = "ethnicity" if ethnic else breakdown.lower()
    text = (f"In {last['period_label']}, {last['share']:.1f}% of records ({last['not_stated']:,.0f} of "
            f"{last['records']:,.0f}) had {what} not stated or unknown.")
    if len(table) > 1:
        first = table.iloc[0]
        text += f" In {first['period_label']} it was {first['share']:.1f}%."
    return text
