"""Statistical process control in NHS England's "Making Data Count" way, as pure functions: XmR limits, the four
rules, the type of each point, and the variation and assurance icons of a series.

The same sums as the view v_spc (framework.progress.spc_sql); the tests check they agree on every demo series.
The method, its sources and the small choices made here are written up in docs/spc.md.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date

from framework.progress.engine import horizon_dates

MIN_POINTS = 15  # fewer points than this give a run chart, without limits or icons
PROCESS_FACTOR = 2.66  # centre ± 2.66 × the mean moving range: the process (three-sigma) limits
TWO_SIGMA_FACTOR = PROCESS_FACTOR * 2 / 3  # centre ± 1.7733 × the mean moving range: the two-sigma lines
DEFAULT_RUN_LENGTH = 7
RUN_LENGTHS = (6, 7, 8)
RULES = {1: "a point beyond a process limit", 2: "a run of points on one side of the centre",
         3: "a run of points each higher (or each lower) than the one before",
         4: "two of three points beyond the same two-sigma line"}
POINT_TYPES = ("improvement", "concern", "neutral", "common_cause", "too_few_points")
ASSURANCES = ("pass", "fail", "hit_and_miss", "none", "too_few_points")
POINT_WORDS = {"improvement": "Special cause: improvement", "concern": "Special cause: concern",
               "neutral": "Special cause: neither better nor worse", "common_cause": "Common cause",
               "too_few_points": "Too few points"}
# The icons' shapes, the same as the chart's markers, so a type is never told by colour alone.
VARIATION_ICONS = {"improvement": "◆", "concern": "■", "neutral": "⬢", "common_cause": "●", "too_few_points": "…"}
ASSURANCE_ICONS = {"pass": "✓", "fail": "✗", "hit_and_miss": "↕", "none": "–", "too_few_points": "…"}
ASSURANCE_WORDS = {"pass": "Consistently passes the target", "fail": "Consistently fails the target",
                   "hit_and_miss": "Hit and miss", "none": "No target to judge against",
                   "too_few_points": "Too few points"}


def finite(value) -> float | None:
    """A number that can be plotted: None for missing, NaN or infinite values."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def check_run_length(length: int) -> int:
    """The shift and trend length, checked: 6, 7 or 8."""
    if not isinstance(length, int) or isinstance(length, bool) or length not in RUN_LENGTHS:
        raise ValueError(f"The run length must be 6, 7 or 8 points, not {length!r}.")
    return length


def limits(values: Sequence[float]) -> dict[str, float] | None:
    """The XmR limits of one part of a series: the centre (mean), the mean moving range, the process limits and
    the two-sigma lines; None below the minimum number of points."""
    if len(values) < MIN_POINTS:
        return None
    centre = math.fsum(values) / len(values)
    ranges = [abs(b - a) for a, b in zip(values, values[1:])]
    mr_bar = math.fsum(ranges) / len(ranges)
    return {"centre": centre, "mr_bar": mr_bar,
            "lower": centre - PROCESS_FACTOR * mr_bar, "upper": centre + PROCESS_FACTOR * mr_bar,
            "lower_2s": centre - TWO_SIGMA_FACTOR * mr_bar, "upper_2s": centre + TWO_SIGMA_FACTOR * mr_bar}


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def rule_marks(values: Sequence[float], lim: dict[str, float], run_length: int = DEFAULT_RUN_LENGTH
               ) -> list[dict[int, int]]:
    """For each point, the rules that mark it and which way each points: {rule number: +1 high or -1 low}."""
    n = len(values)
    marks: list[dict[int, int]] = [{} for _ in range(n)]
    side = [_sign(v - lim["centre"]) for v in values]
    for i, v in enumerate(values):  # 1: astronomical
        if v > lim["upper"] or v < lim["lower"]:
            marks[i][1] = side[i]
    start = 0  # 2: shift, a run of points on one side; a point on the centre breaks it
    for i in range(1, n + 1):
        if i == n or side[i] != side[start]:
            if side[start] != 0 and i - start >= run_length:
                for j in range(start, i):
                    marks[j][2] = side[j]
            start = i
    # 3: trend, points each higher (or each lower) than the one before; an equal value breaks it
    steps = [_sign(values[i] - values[i - 1]) for i in range(1, n)]  # steps[i-1] leads into point i
    trend_into = [0] * n
    trend_out = [0] * n
    start = 0
    for i in range(1, len(steps) + 1):
        if i == len(steps) or steps[i] != steps[start]:
            if steps and steps[start] != 0 and (i - start) + 1 >= run_length:
                for k in range(start, i):  # step k joins point k and point k + 1
                    trend_out[k] = steps[k]
                    trend_into[k + 1] = steps[k]
            start = i
    for i in range(n):
        if trend_out[i] or trend_into[i]:
            marks[i][3] = trend_out[i] or trend_into[i]  # at a turn, the trend that starts here is the later one
    # 4: two of three beyond the same two-sigma line, all three on the same side of the centre
    beyond = [side[i] if (side[i] > 0 and v > lim["upper_2s"]) or (side[i] < 0 and v < lim["lower_2s"]) else 0
              for i, v in enumerate(values)]
    for i in range(2, n):
        window = range(i - 2, i + 1)
        if side[i] != 0 and all(side[j] == side[i] for j in window) and sum(beyond[j] != 0 for j in window) >= 2:
            for j in window:
                if beyond[j]:
                    marks[j][4] = beyond[j]
    return marks


def point_type(marks: dict[int, int], direction: str) -> str:
    """What a point means: common cause when no rule marks it; otherwise improvement or concern by the direction
    of the highest-numbered rule that marks it (the latest rule wins), or neutral without a direction."""
    if not marks:
        return "common_cause"
    if direction not in ("higher_is_better", "lower_is_better"):
        return "neutral"
    way = marks[max(marks)]
    good = 1 if direction == "higher_is_better" else -1
    return "improvement" if way == good else "concern"


def assurance_horizon(framework_start: date, targets: dict[int, float | None], today: date
                      ) -> tuple[int, float] | None:
    """The nearest horizon still to come (due on or after today) that has a target set, as (years, target)."""
    for years, due in sorted(horizon_dates(framework_start).items()):
        if due >= today and finite(targets.get(years)) is not None:
            return years, float(targets[years])
    return None


def assurance_target(framework_start: date, targets: dict[int, float | None], today: date) -> float | None:
    """The target that assurance is judged against: that of the nearest horizon still to come."""
    found = assurance_horizon(framework_start, targets, today)
    return found[1] if found else None


def assurance(target: float | None, lim: dict[str, float] | None, direction: str) -> str:
    """Whether the process will meet the target: pass when the target lies beyond the limit on the side that is
    always met, fail beyond the side never reached, hit and miss between the limits."""
    if lim is None:
        return "too_few_points"
    if finite(target) is None or direction not in ("higher_is_better", "lower_is_better"):
        return "none"
    met_below = direction == "higher_is_better"  # a target below the lower limit is always met
    if target < lim["lower"]:
        return "pass" if met_below else "fail"
    if target > lim["upper"]:
        return "fail" if met_below else "pass"
    return "hit_and_miss"


def part_numbers(period_ends: Sequence[date], rebase_dates: Iterable[date] = ()) -> list[int]:
    """Which part of the series each point falls in: a rebase date starts a new part at the first point whose
    period ends on or after it."""
    dates = sorted(rebase_dates)
    return [sum(1 for d in dates if d <= end) for end in period_ends]


def spc_series(points: Iterable[tuple[date, float | None]], *, direction: str,
               run_length: int = DEFAULT_RUN_LENGTH, rebase_dates: Iterable[date] = (),
               target: float | None = None, today: date | None = None) -> dict:
    """The SPC reading of one headline series given as (period end, value) in time order: a row per point with
    its part, limits, rules and type, and the series' variation and assurance. Missing, NaN and infinite values
    are left out, and so is any period that ends after today (it is still running)."""
    check_run_length(run_length)
    today = today or date.today()
    kept = [(end, finite(v)) for end, v in points if finite(v) is not None and end <= today]
    parts = part_numbers([end for end, _ in kept], rebase_dates)
    rows: list[dict] = []
    last_limits = None
    for part in sorted(set(parts)):
        chunk = [(end, v) for (end, v), p in zip(kept, parts) if p == part]
        values = [v for _, v in chunk]
        lim = limits(values)
        marks = rule_marks(values, lim, run_length) if lim else [{} for _ in values]
        for (end, value), mark in zip(chunk, marks):
            rows.append({
                "period_end": end, "value": value, "part": part,
                "centre": lim["centre"] if lim else None,
                "lower_limit": lim["lower"] if lim else None, "upper_limit": lim["upper"] if lim else None,
                "lower_2s": lim["lower_2s"] if lim else None, "upper_2s": lim["upper_2s"] if lim else None,
                "rules": ",".join(str(r) for r in sorted(mark)),
                "point_type": point_type(mark, direction) if lim else "too_few_points",
            })
        last_limits = lim
    variation = rows[-1]["point_type"] if rows else "too_few_points"
    return {"points": rows, "variation": variation,
            "assurance": assurance(target, last_limits, direction) if rows else "too_few_points",
            "limits": last_limits}


def variation_words(point_type_: str, direction: str) -> str:
    """The variation icon in words, for example 'Special cause: concern (higher)'."""
    words = POINT_WORDS[point_type_]
    if point_type_ in ("improvement", "concern"):
        high = (point_type_ == "improvement") == (direction == "higher_is_better")
        words += " (higher)" if high else " (lower)"
    return words
