"""The progress engine as pure functions: the expected path through the 1, 3 and 5 year targets, the status at
each horizon (aware of direction and confidence intervals), the projection from the recent trend with its
prediction interval, the distance travelled, Fingertips-style interval comparisons and the inequality gap.

Nothing here reads a clock: "now" is always a date passed in. framework/progress/sql.py does the same sums in
DuckDB for a whole system; tests check that both give the same answers. docs/progress.md explains the methods.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from framework.core.model import HORIZONS
from framework.foundation.indicator_text import horizon_date
from framework.progress.periods import bounded

STATUSES = ("ahead", "on_track", "behind", "not_enough_data", "no_target")
STATUS_WORDS = {"ahead": "Ahead", "on_track": "On track", "behind": "Behind", "not_enough_data": "Not enough data",
                "no_target": "No target"}
STATUS_ICONS = {"ahead": "▲", "on_track": "●", "behind": "▼", "not_enough_data": "…", "no_target": "–"}

TOLERANCE_SHARE = 0.10  # within a tenth of the planned change counts as on track
FLAT_TOLERANCE_SHARE = 0.02  # when the target is to hold steady: within 2% of the baseline
TREND_WINDOW_DAYS = 1096  # the projection uses the points in the three years up to the latest one
MIN_POINTS = 3  # a projection needs at least three points
GAP_STABLE_SHARE = 0.10  # a gap that moved less than a tenth of its average size is called stable
DAYS_PER_YEAR = 365.25

# Student's t, two-sided 95%, for 1 to 30 degrees of freedom; beyond 30, 1.96 + 2.5/df is within 0.002.
T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def status_label(status: str) -> str:
    """A status in words with its icon, for example '▲ Ahead'."""
    return f"{STATUS_ICONS[status]} {STATUS_WORDS[status]}"


def _num(value) -> float | None:
    """A plain float, or None for None and NaN."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def t_quantile(df: int) -> float:
    """The two-sided 95% point of Student's t with df degrees of freedom."""
    if df < 1:
        raise ValueError("A t quantile needs at least one degree of freedom.")
    return T975[df - 1] if df <= len(T975) else 1.96 + 2.5 / df


def as_date(value) -> date | None:
    """A plain date from a date, datetime or pandas Timestamp; None for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    return value


def years_since(start: date, when: date) -> float:
    """Years from the framework start to a date, counted in days / 365.25 (the same as the SQL)."""
    return (as_date(when) - as_date(start)).days / DAYS_PER_YEAR


def horizon_dates(start: date) -> dict[int, date]:
    """The date each horizon falls due."""
    return {h: horizon_date(start, h) for h in HORIZONS}


def targets_of(record: dict) -> dict[int, float | None]:
    """The targets of an indicator record as {1: t1, 3: t3, 5: t5}."""
    return {h: _num(record.get(f"target_{h}y")) for h in HORIZONS}


# --- expected path ---------------------------------------------------------------------------------------------

def expected_path(start: date, baseline: float | None, targets: dict[int, float | None]) -> list[tuple[date, float]]:
    """The knots of the planned path: the baseline at the framework start, then each target that is set."""
    if _num(baseline) is None:
        return []
    knots = [(start, float(baseline))]
    for h in HORIZONS:
        t = _num(targets.get(h))
        if t is not None:
            knots.append((horizon_date(start, h), t))
    return knots


def expected_at(start: date, baseline: float | None, targets: dict[int, float | None], when: date | None) -> float | None:
    """Where the planned path says the indicator should be on a date: piecewise linear between the knots, the
    baseline before the start and the last target after it."""
    knots = expected_path(start, baseline, targets)
    if not knots or when is None:
        return None
    before = [k for k in knots if k[0] <= when]
    after = [k for k in knots if k[0] > when]
    if not before:
        return knots[0][1]
    d0, v0 = before[-1]
    if not after:
        return v0
    d1, v1 = after[0]
    return v0 + (v1 - v0) * (when - d0).days / (d1 - d0).days


# --- status ----------------------------------------------------------------------------------------------------

def tolerance(baseline: float, target: float) -> float:
    """How far from the reference still counts as on track: a tenth of the planned change, or 2% of the baseline
    when the target is to hold steady."""
    planned = abs(target - baseline)
    return TOLERANCE_SHARE * planned if planned > 0 else FLAT_TOLERANCE_SHARE * abs(baseline)


def judge(direction: str, value: float | None, reference: float | None, *, baseline: float | None,
          target: float | None, lower: float | None = None, upper: float | None = None) -> str:
    """Compare a value with a reference (the expected path, or the target once its date has passed)."""
    value, reference, baseline, target = map(_num, (value, reference, baseline, target))
    lower, upper = _num(lower), _num(upper)
    if target is None or direction == "no_judgement":
        return "no_target"
    if value is None or reference is None or baseline is None:
        return "not_enough_data"
    if lower is not None and upper is not None and lower <= reference <= upper:
        return "on_track"  # the reference is inside the value's confidence interval: not distinguishable
    if abs(value - reference) <= tolerance(baseline, target):
        return "on_track"
    better = (value - reference) * (1 if direction == "higher_is_better" else -1)
    return "ahead" if better > 0 else "behind"


def horizon_status(direction: str, start: date, baseline: float | None, targets: dict[int, float | None],
                   horizon: int, latest_value: float | None, latest_end: date | None, *,
                   lower: float | None = None, upper: float | None = None, as_of: date | None = None) -> str:
    """The status at one horizon. Before the horizon falls due the latest value is judged against the expected
    path at `as_of` (default: the latest period end); after it, against that horizon's target."""
    target = _num(targets.get(horizon))
    if target is None or direction == "no_judgement":
        return "no_target"
    if _num(latest_value) is None or _num(baseline) is None or latest_end is None or latest_end <= start:
        return "not_enough_data"
    when = as_of or latest_end
    reference = target if horizon_date(start, horizon) <= when else expected_at(start, baseline, targets, when)
    return judge(direction, latest_value, reference, baseline=baseline, target=target, lower=lower, upper=upper)


def distance_travelled(baseline: float | None, latest: float | None, target: float | None) -> float | None:
    """The share of the way from the baseline to the target covered so far (1.0 = there; negative = went back)."""
    baseline, latest, target = map(_num, (baseline, latest, target))
    if None in (baseline, latest, target) or target == baseline:
        return None
    return (latest - baseline) / (target - baseline)


# --- projection ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trend:
    """A straight line fitted to recent points: value = intercept + slope * years since the framework start."""

    start: date
    slope: float  # per year
    intercept: float
    n: int
    mean_x: float
    sxx: float
    residual_sd: float
    last_date: date

    def at(self, when: date) -> tuple[float, float, float]:
        """The projected value on a date with its 95% prediction interval."""
        x = years_since(self.start, when)
        centre = self.intercept + self.slope * x
        half = t_quantile(self.n - 2) * self.residual_sd * math.sqrt(1 + 1 / self.n + (x - self.mean_x) ** 2 / self.sxx)
        return centre, centre - half, centre + half

    def reaches(self, target: float, direction: str) -> date | None:
        """The date the trend line reaches the target, or None when it is heading away or flat."""
        if self.slope == 0:
            return None
        x = (target - self.intercept) / self.slope
        heading_right = self.slope > 0 if direction == "higher_is_better" else self.slope < 0
        if direction == "no_judgement":
            heading_right = True
        if not heading_right:
            return None
        last_x = years_since(self.start, self.last_date)
        if x < last_x:
            return self.last_date  # the line had already passed the target by the latest point
        if x > 200:
            return None
        return self.start + timedelta(days=round(x * DAYS_PER_YEAR))


def fit_trend(points: Iterable[tuple[date, float]], start: date, *, window_days: int = TREND_WINDOW_DAYS,
              min_points: int = MIN_POINTS) -> Trend | None:
    """Ordinary least squares over the points in the window before the latest one; None with fewer than
    min_points points or when every point falls on one date."""
    pts = sorted((as_date(d), float(v)) for d, v in points if _num(v) is not None and as_date(d) is not None)
    if not pts:
        return None
    last = pts[-1][0]
    pts = [(d, v) for d, v in pts if d >= last - timedelta(days=window_days)]
    n = len(pts)
    if n < max(min_points, 3):
        return None
    xs = [years_since(start, d) for d, _ in pts]
    ys = [v for _, v in pts]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx < 1e-12:  # every point on one date
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    syy = sum((y - my) ** 2 for y in ys)
    slope = sxy / sxx
    sse = max(syy - sxy * sxy / sxx, 0.0)
    return Trend(start, slope, my - slope * mx, n, mx, sxx, math.sqrt(sse / (n - 2)), last)


# --- Fingertips-style comparisons ------------------------------------------------------------------------------

def compare_with_benchmark(value: float | None, lower: float | None, upper: float | None, benchmark: float | None,
                           direction: str) -> str:
    """Fingertips' method: the value differs from a benchmark when the benchmark lies outside its 95% interval.
    Returns better, worse or similar (higher or lower when there is no judgement), or not_compared."""
    value, lower, upper, benchmark = map(_num, (value, lower, upper, benchmark))
    if None in (value, lower, upper, benchmark):
        return "not_compared"
    if lower <= benchmark <= upper:
        return "similar"
    return _verdict(lower > benchmark, direction)


def compare_intervals(value: float | None, lower: float | None, upper: float | None, then: float | None,
                      then_lower: float | None, then_upper: float | None, direction: str) -> str:
    """Whether a change between two values with 95% intervals is distinguishable from no change: it is when the
    intervals do not overlap (a cautious test). Returns better, worse, similar, higher, lower or not_compared."""
    nums = list(map(_num, (value, lower, upper, then, then_lower, then_upper)))
    if None in nums:
        return "not_compared"
    value, lower, upper, then, then_lower, then_upper = nums
    if lower <= then_upper and then_lower <= upper:
        return "similar"
    return _verdict(lower > then_upper, direction)


def _verdict(higher: bool, direction: str) -> str:
    """A clear difference in words: better or worse by the indicator's direction, or higher or lower without one."""
    if direction == "no_judgement":
        return "higher" if higher else "lower"
    return "better" if higher == (direction == "higher_is_better") else "worse"


# --- inequality gap --------------------------------------------------------------------------------------------

def gap_groups(groups: Sequence[str], latest: dict[str, float], direction: str) -> tuple[str, str] | None:
    """(least advantaged group, most advantaged group). Deprivation groups are named 'most deprived' and
    'least deprived'; otherwise the groups with the worst and best latest values are compared."""
    groups = list(groups)
    most = [g for g in groups if "most deprived" in g.lower()]
    least = [g for g in groups if "least deprived" in g.lower()]
    if most and least:
        return most[0], least[0]
    known = {g: v for g, v in latest.items() if g in groups and _num(v) is not None}
    if len(known) < 2:
        return None
    low, high = min(known, key=known.get), max(known, key=known.get)
    if direction == "lower_is_better":
        return high, low
    return low, high


def gap_series(frame: pd.DataFrame, disadvantaged: str, advantaged: str, direction: str) -> pd.DataFrame:
    """The gap in each period: how far the most advantaged group is ahead of the least advantaged, in the
    indicator's unit (positive means the advantaged group does better). Needs columns period_end,
    breakdown_group and value."""
    pair = frame[frame["breakdown_group"].isin([disadvantaged, advantaged])]
    wide = pair.groupby(["period_end", "breakdown_group"])["value"].mean().unstack("breakdown_group")
    wide = wide.dropna(how="all").dropna(how="all", axis=1)  # as pivot_table leaves them
    if disadvantaged not in wide or advantaged not in wide:
        return pd.DataFrame(columns=["period_end", "disadvantaged", "advantaged", "gap"])
    out = pd.DataFrame({"disadvantaged": wide[disadvantaged], "advantaged": wide[advantaged]}).dropna()
    sign = -1.0 if direction == "lower_is_better" else 1.0
    out["gap"] = sign * (out["advantaged"] - out["disadvantaged"])
    return out.reset_index().sort_values("period_end").reset_index(drop=True)


def gap_trend(series: pd.DataFrame, start: date) -> dict:
    """The gap's trend: slope per year, first and latest gap, and whether it is narrowing, widening or stable
    (moved less than a tenth of its average size over the period), or not_enough_data below three points."""
    points = list(zip(series["period_end"], series["gap"])) if len(series) else []
    trend = fit_trend(points, start, window_days=100_000)
    if trend is None:
        return {"verdict": "not_enough_data", "slope": None, "first": None, "latest": None, "n": len(points)}
    first, latest = float(series["gap"].iloc[0]), float(series["gap"].iloc[-1])
    span = years_since(start, series["period_end"].iloc[-1]) - years_since(start, series["period_end"].iloc[0])
    change = trend.slope * span
    mean = float(series["gap"].mean())
    if abs(change) < GAP_STABLE_SHARE * max(abs(mean), 1e-9):
        verdict = "stable"
    else:
        shrinking = change < 0 if mean >= 0 else change > 0
        verdict = "narrowing" if shrinking else "widening"
    return {"verdict": verdict, "slope": trend.slope, "first": first, "latest": latest, "n": trend.n,
            "change": change}


# --- one series, every horizon ---------------------------------------------------------------------------------

def series_progress(indicator: dict, start: date, points: pd.DataFrame, *, baseline: float | None = None,
                    as_of: date | None = None, today: date | None = None) -> pd.DataFrame:
    """Progress of one series (one indicator in one area) at each horizon, from its headline points
    (period_end, value, lower_ci, upper_ci). Periods ending after today are still running and left out; the
    projection stays inside the limits of the unit. The reference implementation of framework.progress.sql."""
    pts = points.copy()
    if len(pts):
        pts = pts[pts["value"].map(_num).notna()]
        if as_of is not None:
            pts = pts[pts["period_end"] <= as_of]
        if today is not None:
            pts = pts[pts["period_end"] <= today]
        pts = pts.sort_values("period_end")
    targets = targets_of(indicator)
    if baseline is None:
        baseline = _num(indicator.get("baseline_value"))
    latest = pts.iloc[-1] if len(pts) else None
    latest_value = _num(latest["value"]) if latest is not None else None
    latest_end = latest["period_end"] if latest is not None else None
    lower = _num(latest["lower_ci"]) if latest is not None and "lower_ci" in pts else None
    upper = _num(latest["upper_ci"]) if latest is not None and "upper_ci" in pts else None
    when = as_of or latest_end
    expected = expected_at(start, baseline, targets, when)
    trend = fit_trend(zip(pts["period_end"], pts["value"]), start) if len(pts) else None
    rows = []
    for h in HORIZONS:
        due = horizon_date(start, h)
        projected = trend.at(due) if trend and when is not None and due > when else (None, None, None)
        projected = tuple(bounded(v, indicator.get("unit")) for v in projected)
        rows.append({
            "horizon_years": h, "horizon_date": due, "target": targets[h], "baseline": _num(baseline),
            "latest_value": latest_value, "latest_period_end": latest_end, "latest_lower": lower,
            "latest_upper": upper, "expected_now": expected,
            "projected_at_horizon": projected[0], "projection_lower": projected[1], "projection_upper": projected[2],
            "distance_travelled": distance_travelled(baseline, latest_value, targets[h]),
            "status": horizon_status(indicator["direction"], start, baseline, targets, h, latest_value, latest_end,
                                     lower=lower, upper=upper, as_of=as_of),
        })
    return pd.DataFrame(rows)
