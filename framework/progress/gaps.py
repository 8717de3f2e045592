"""Inequality as measures, as pure functions: the gap between two groups as a series with its 95% interval, the
code a gap measure carries in v_progress, the slope index of inequality across deprivation quintiles or deciles,
and how complete ethnicity recording is. framework.progress.gaps_sql does the gap series in DuckDB; the tests check
that both agree. docs/inequalities.md explains the methods and their sources."""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from framework.progress.engine import _num, gap_groups

GAP_MARK = "~gap~"  # a gap measure's code in v_progress: "<indicator code>~gap~<breakdown slug>"
Z95 = 1.959964  # the two-sided 95% point of the normal distribution
NOT_STATED_WORDS = ("not stated", "unknown", "not known", "not recorded")
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
SII_GROUP_COUNTS = (5, 10)  # quintiles or deciles


def breakdown_slug(breakdown: str) -> str:
    """A breakdown's name as it appears in a gap code: lower case, runs of other characters as one '-'."""
    return re.sub(r"[^a-z0-9]+", "-", str(breakdown).lower()).strip("-")


def gap_code(indicator_code: str, breakdown: str) -> str:
    """The code of a gap measure in v_progress, for example 'I01~gap~deprivation'."""
    return f"{indicator_code}{GAP_MARK}{breakdown_slug(breakdown)}"


def is_gap_code(code: str) -> bool:
    """Whether an indicator_code in v_progress is a gap measure rather than an indicator."""
    return GAP_MARK in str(code)


def gap_direction(direction: str) -> str:
    """A gap measure's direction: a smaller gap is better, whatever the indicator's own direction; a measure that
    is not judged either way keeps its gap unjudged too."""
    return "no_judgement" if direction == "no_judgement" else "lower_is_better"


def gap_unit(unit: str | None) -> str:
    """The unit a gap is counted in: percentage points for a percentage, otherwise the measure's own unit."""
    return "percentage points" if unit == "%" else (unit or "")


def is_not_stated(group: str) -> bool:
    """Whether a group records that the characteristic is missing ('Not stated', 'Unknown', ...)."""
    text = str(group).lower()
    return any(word in text for word in NOT_STATED_WORDS)


def comparable_groups(groups: Sequence[str]) -> list[str]:
    """The groups a gap may compare: every group but 'Not stated' and the like, in order, once each."""
    return [g for g in dict.fromkeys(groups) if not is_not_stated(g)]


def default_pair(groups: Sequence[str], latest: dict[str, float], direction: str) -> tuple[str, str] | None:
    """(least advantaged, most advantaged) to offer an editor: the most and least deprived where the groups are
    named so, otherwise the groups with the worst and best latest values; None with fewer than two groups."""
    return gap_groups(sorted(comparable_groups(groups)), latest, direction)


def gap_points(frame: pd.DataFrame, disadvantaged: str, advantaged: str, direction: str) -> pd.DataFrame:
    """The gap in each period where both groups have a value: how far the advantaged group is ahead of the
    disadvantaged one, in the indicator's unit (for a measure where lower is better, disadvantaged minus
    advantaged; otherwise advantaged minus disadvantaged). Its 95% interval combines the two groups' intervals as
    independent normal errors: half-width sqrt(h1² + h2²), where h is each group's half-width. Needs columns
    period_end, breakdown_group, value, lower_ci and upper_ci; returns period_end, value, lower_ci, upper_ci."""
    columns = ["period_end", "value", "lower_ci", "upper_ci"]
    part = frame[frame["breakdown_group"].isin([disadvantaged, advantaged])].copy()
    part = part[pd.to_numeric(part["value"], errors="coerce").notna()]
    if part.empty:
        return pd.DataFrame(columns=columns)
    dis = part[part["breakdown_group"] == disadvantaged].set_index("period_end")
    adv = part[part["breakdown_group"] == advantaged].set_index("period_end")
    both = dis.merge(adv, how="inner", left_index=True, right_index=True, suffixes=("_d", "_a"))
    if both.empty:
        return pd.DataFrame(columns=columns)
    sign = -1.0 if direction == "lower_is_better" else 1.0
    gap = sign * (both["value_a"].astype(float) - both["value_d"].astype(float))
    half = ((both["upper_ci_d"].astype(float) - both["lower_ci_d"].astype(float)) / 2) ** 2 + (
        (both["upper_ci_a"].astype(float) - both["lower_ci_a"].astype(float)) / 2) ** 2
    half = np.sqrt(half)  # NaN where either interval is missing
    out = pd.DataFrame({"value": gap, "lower_ci": gap - half, "upper_ci": gap + half})
    return out.reset_index().sort_values("period_end").reset_index(drop=True)[columns]


# --- slope index of inequality ---------------------------------------------------------------------------------

def deprivation_rank(group: str, n: int) -> float | None:
    """Where a deprivation group sits from 1 (most deprived) to n (least deprived), read from its name:
    'Quintile 1 (most deprived)', 'Quintile 2', 'Second most deprived decile', 'Fifth less deprived decile',
    'Middle quintile'. None when the name does not say."""
    text = str(group).lower()
    ordinal = next((k for word, k in ORDINALS.items() if re.search(rf"\b{word}\b", text)), 1)
    if "middle" in text:
        return (n + 1) / 2
    if "most deprived" in text or "more deprived" in text:
        return ordinal
    if "least deprived" in text or "less deprived" in text:
        return n + 1 - ordinal
    number = re.search(r"\b(\d{1,2})\b", text)
    return int(number.group(1)) if number else None


def deprivation_order(groups: Sequence[str]) -> list[str] | None:
    """The groups ordered from most to least deprived, when they are five quintiles or ten deciles whose names
    give each a distinct place; otherwise None."""
    groups = comparable_groups(groups)
    n = len(groups)
    if n not in SII_GROUP_COUNTS:
        return None
    ranks = {g: deprivation_rank(g, n) for g in groups}
    if any(r is None for r in ranks.values()) or sorted(ranks.values()) != list(range(1, n + 1)):
        return None
    return sorted(groups, key=ranks.get)


def sii(values: Sequence[float | None], *, lower: Sequence[float | None] | None = None,
        upper: Sequence[float | None] | None = None, populations: Sequence[float | None] | None = None
        ) -> dict[str, Any] | None:
    """The slope index of inequality for values ordered from most to least deprived: the weighted least squares
    slope of value on each group's relative rank (the midpoint of its share of the cumulative population, 0 to 1),
    weighted by population. It is the modelled value at the least deprived end minus that at the most deprived end.
    Equal shares are used when any population is missing. The 95% interval is analytic: the slope is a weighted sum
    of the values, so its variance is the sum of the squared weights times each value's variance, with each
    standard error taken from its 95% interval; without every interval there is no interval. None when any value is
    missing or there are fewer than five groups."""
    ys = [_num(v) for v in values]
    n = len(ys)
    if n < min(SII_GROUP_COUNTS) or any(v is None for v in ys):
        return None
    pops = [_num(p) for p in populations] if populations is not None else [None] * n
    populations_known = all(p is not None and p > 0 for p in pops)
    shares = [p / sum(pops) for p in pops] if populations_known else [1 / n] * n
    ranks, before = [], 0.0
    for share in shares:
        ranks.append(before + share / 2)
        before += share
    mean_x = sum(w * x for w, x in zip(shares, ranks))
    sxx = sum(w * (x - mean_x) ** 2 for w, x in zip(shares, ranks))
    coefficients = [w * (x - mean_x) / sxx for w, x in zip(shares, ranks)]
    slope = sum(c * y for c, y in zip(coefficients, ys))
    result = {"sii": slope, "lower": None, "upper": None, "groups": n, "populations_known": populations_known}
    if lower is not None and upper is not None:
        halves = [(_num(hi) - _num(lo)) / 2 if None not in (_num(lo), _num(hi)) else None
                  for lo, hi in zip(lower, upper)]
        if all(h is not None for h in halves):
            se = math.sqrt(sum((c * h / Z95) ** 2 for c, h in zip(coefficients, halves)))
            result["lower"], result["upper"] = slope - Z95 * se, slope + Z95 * se
    return result


def breakdown_sii(frame: pd.DataFrame) -> dict[str, Any] | None:
    """The slope index of inequality in the latest period where every deprivation group has a value, from the
    rows of one breakdown in one area (period_end, period_label, breakdown_group, value, lower_ci, upper_ci,
    denominator); None when the groups are not quintiles or deciles or no period has them all."""
    order = deprivation_order(list(frame["breakdown_group"]))
    if order is None:
        return None
    usable = frame[frame["breakdown_group"].isin(order) & frame["value"].map(_num).notna()]
    for period_end, part in sorted(usable.groupby("period_end"), key=lambda item: item[0], reverse=True):
        rows = part.drop_duplicates("breakdown_group").set_index("breakdown_group")
        if len(rows) < len(order):
            continue
        rows = rows.loc[order]
        result = sii(list(rows["value"]), lower=list(rows["lower_ci"]), upper=list(rows["upper_ci"]),
                     populations=list(rows["denominator"]) if "denominator" in rows else None)
        if result is not None:
            label = rows["period_label"].iloc[0] if "period_label" in rows else None
            return {**result, "period_end": period_end, "period_label": label}
    return None


# --- completeness ----------------------------------------------------------------------------------------------

def not_stated_share(frame: pd.DataFrame) -> pd.DataFrame:
    """For each period, the share (%) of records whose group is 'Not stated' or 'Unknown': the records are each
    group's denominator where every group has one, otherwise its count. Returns period_end, period_label,
    not_stated, records, share; empty when no group is 'Not stated' or no period has the figures."""
    columns = ["period_end", "period_label", "not_stated", "records", "share"]
    if frame.empty or not frame["breakdown_group"].map(is_not_stated).any():
        return pd.DataFrame(columns=columns)
    rows = []
    for period_end, part in frame.groupby("period_end", sort=True):
        for column in ("denominator", "count"):
            figures = part[column].map(_num) if column in part else pd.Series(dtype=float)
            if len(figures) and figures.notna().all():
                break
        else:
            continue
        missing = part["breakdown_group"].map(is_not_stated)
        if not missing.any() or figures.sum() <= 0:
            continue
        label = part["period_label"].iloc[0] if "period_label" in part else str(period_end)
        rows.append({"period_end": period_end, "period_label": label, "not_stated": float(figures[missing].sum()),
                     "records": float(figures.sum()), "share": 100 * float(figures[missing].sum()) / figures.sum()})
    return pd.DataFrame(rows, columns=columns)
