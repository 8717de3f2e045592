"""Funnel plots (Spiegelhalter 2005): each area's value against its size, with 95% and 99.8% control limits around a
comparator that narrow as the size grows, so small areas are not singled out for noise. Proportions use the normal
approximation to the binomial, rates per N the normal approximation to the Poisson, and values with only a
confidence interval are plotted against their precision. Overdispersion is handled with an additive random effect
(tau squared, from winsorised z-scores) when there are enough areas and the test says so. docs/benchmarking.md names
the sources and the choices.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from framework.core.db import read_df, read_rows
from framework.progress.benchmarks import ENGLAND, Z95, Z998, unit_scale
from framework.progress.engine import _num

MIN_UNITS = 3  # a funnel needs at least three areas
MIN_UNITS_FOR_OVERDISPERSION = 10  # below this, overdispersion cannot be estimated with any confidence
WINSOR = 0.10  # z-scores are winsorised at the 10th and 90th centiles before estimating overdispersion
POSITIONS = ("above_998", "above_95", "within", "below_95", "below_998")


@dataclass(frozen=True)
class Funnel:
    """A funnel: the points with their z-scores and positions, the target, the method in words and the limits."""

    points: pd.DataFrame  # area_code, area_name, value, size, se, z, position
    target: float
    target_name: str
    method: str  # proportion, rate or precision
    scale: float
    tau2: float
    phi: float
    overdispersed: bool
    size_label: str

    def limits(self, size: float, z: float) -> tuple[float, float]:
        """The lower and upper control limits at one size (a denominator, or a precision)."""
        half = z * math.sqrt(self.variance(size) + self.tau2)
        low, high = self.target - half, self.target + half
        if self.method in ("proportion", "rate"):
            low = max(low, 0.0)  # a proportion or a rate cannot fall below 0, nor a proportion rise above 100%
        if self.method == "proportion":
            high = min(high, self.scale)
        return low, high

    def variance(self, size: float) -> float:
        """The sampling variance of a value at the target for an area of this size, on the value's scale."""
        if self.method == "proportion":
            p = self.target / self.scale
            return p * (1 - p) / size * self.scale ** 2
        if self.method == "rate":
            return self.target * self.scale / size
        return 1.0 / size

    def curve(self, steps: int = 80) -> pd.DataFrame:
        """The four limit lines over the range of sizes shown: size, lower_998, lower_95, upper_95, upper_998."""
        low, high = float(self.points["size"].min()), float(self.points["size"].max())
        low, high = max(low * 0.5, 1e-9), high * 1.5
        rows = []
        for i in range(steps + 1):
            size = low * (high / low) ** (i / steps)
            lo95, hi95 = self.limits(size, Z95)
            lo998, hi998 = self.limits(size, Z998)
            rows.append({"size": size, "lower_998": lo998, "lower_95": lo95, "upper_95": hi95, "upper_998": hi998})
        return pd.DataFrame(rows)


def chi2_quantile(p_z: float, df: int) -> float:
    """The chi-squared quantile for a standard normal point p_z, by Wilson and Hilferty's approximation."""
    k = float(df)
    return k * (1 - 2 / (9 * k) + p_z * math.sqrt(2 / (9 * k))) ** 3


def position(z: float) -> str:
    """Where a z-score falls: above or below the 99.8% or 95% limits, or within them. On a limit is within."""
    if z > Z998:
        return "above_998"
    if z > Z95:
        return "above_95"
    if z < -Z998:
        return "below_998"
    if z < -Z95:
        return "below_95"
    return "within"


def overdispersion(z: list[float], weights: list[float]) -> tuple[float, float, bool]:
    """(phi, tau squared, whether it is applied): phi is the mean of the squared winsorised z-scores; tau squared is
    the additive random-effects variance (Spiegelhalter 2005, section 5), applied only with enough areas and when
    I x phi exceeds the 95% point of chi-squared on I - 1 degrees of freedom."""
    n = len(z)
    if n < 2:
        return 1.0, 0.0, False
    ordered = sorted(z)
    low = ordered[int(math.floor(WINSOR * (n - 1)))]
    high = ordered[int(math.ceil((1 - WINSOR) * (n - 1)))]
    phi = sum(min(max(v, low), high) ** 2 for v in z) / n
    if n < MIN_UNITS_FOR_OVERDISPERSION or n * phi <= chi2_quantile(1.644854, n - 1):
        return phi, 0.0, False
    sw, sw2 = sum(weights), sum(w * w for w in weights)
    tau2 = max(0.0, (n * phi - (n - 1)) / (sw - sw2 / sw))
    return phi, tau2, tau2 > 0


def build_funnel(frame: pd.DataFrame, unit: str | None, benchmark: float | None = None,
                 benchmark_name: str = "England") -> tuple[Funnel | None, list[str]]:
    """A funnel from one period's rows (area_code, area_name, value, lower_ci, upper_ci, count, denominator), and
    the reasons any area was left out. Around the benchmark when given, else the areas' pooled value."""
    left_out: list[str] = []
    scale = unit_scale(unit)
    rows = frame.dropna(subset=["value"]).to_dict("records")
    with_counts = [r for r in rows if _num(r.get("count")) is not None and _num(r.get("denominator")) is not None]
    method = "precision"
    if scale is not None and with_counts and len(with_counts) == len(rows):
        method = "proportion" if scale == 100.0 else "rate"
    points = []
    for r in rows:
        if method == "precision":
            low, high = _num(r.get("lower_ci")), _num(r.get("upper_ci"))
            se = (high - low) / (2 * Z95) if low is not None and high is not None else None
            if not se or se <= 0:
                left_out.append(f"{r['area_name']}: no confidence interval")
                continue
            points.append({**r, "size": 1 / se ** 2, "value": float(r["value"])})
        else:
            den = _num(r["denominator"])
            if den is None or den <= 0:
                left_out.append(f"{r['area_name']}: a denominator of 0")
                continue
            points.append({**r, "size": den, "value": float(r["value"])})
    if len(points) < MIN_UNITS:
        return None, left_out
    target, target_name = _num(benchmark), benchmark_name
    if target is None:
        target_name = "the average of these areas"
        if method == "precision":
            target = sum(p["value"] * p["size"] for p in points) / sum(p["size"] for p in points)
        else:
            target = sum(_num(p["count"]) for p in points) / sum(p["size"] for p in points) * scale
    if method == "proportion" and not 0 < target < 100:
        return None, left_out + [f"the comparator value {target:g}% leaves no room for chance either side"]
    funnel = Funnel(pd.DataFrame(points), target, target_name, method, scale or 1.0, 0.0, 1.0, False,
                    "People counted (the denominator)" if method != "precision"
                    else "Precision (1 / standard error squared)")
    ses = [math.sqrt(funnel.variance(p["size"])) for p in points]
    z = [(p["value"] - target) / se for p, se in zip(points, ses)]
    phi, tau2, applied = overdispersion(z, [1 / s ** 2 for s in ses])
    if applied:
        z = [(p["value"] - target) / math.sqrt(se ** 2 + tau2) for p, se in zip(points, ses)]
    table = pd.DataFrame(points)
    table["se"], table["z"] = ses, z
    table["position"] = [position(v) for v in z]
    keep = ["area_code", "area_name", "value", "size", "se", "z", "position", "count", "denominator"]
    table = table[[c for c in keep if c in table]]
    return Funnel(table, target, target_name, method, scale or 1.0, tau2, phi, applied, funnel.size_label), left_out


POSITION_WORDS = {"above_998": "above the 99.8% limit", "above_95": "above the 95% limit",
                  "within": "within the limits", "below_95": "below the 95% limit",
                  "below_998": "below the 99.8% limit"}
METHOD_WORDS = {
    "proportion": "Limits for a proportion: the normal approximation to the binomial around the comparator",
    "rate": "Limits for a rate: the normal approximation to the Poisson around the comparator",
    "precision": "Limits from each value's 95% confidence interval, plotted against its precision",
}


def judgement(pos: str, direction: str) -> str:
    """A position in words by the measure's direction: 'higher than expected: better', 'within'."""
    if pos == "within":
        return "within the limits"
    high = pos.startswith("above")
    if direction == "no_judgement":
        return "higher than expected" if high else "lower than expected"
    good = high == (direction == "higher_is_better")
    return f"{'higher' if high else 'lower'} than expected: {'better' if good else 'worse'}"


def funnel_sentence(funnel: Funnel, direction: str, areas_word: str, period: str, unit: str, most: int = 5) -> str:
    """A few sentences from the figures: how many areas lie within the limits, and the (at most five) furthest
    outside them, and how."""
    from framework.foundation.indicator_text import format_value

    pts = funnel.points
    inside = int((pts["position"] == "within").sum())
    text = (f"In {period}, {inside} of {len(pts)} {areas_word} lie within the 95% limits around "
            f"{funnel.target_name} ({format_value(funnel.target, unit)}).")
    outside = pts[pts["position"] != "within"]
    outside = outside.reindex(outside["z"].abs().sort_values(ascending=False).index)
    for r in outside.head(most).itertuples():
        level = "99.8%" if r.position.endswith("998") else "95%"
        text += f" {r.area_name} ({format_value(r.value, unit)}) is outside the {level} limits, " \
                f"{judgement(r.position, direction)}."
    if len(outside) > most:
        text += f" {len(outside) - most} more lie outside the limits, nearer to them."
    if funnel.overdispersed:
        text += " The limits are widened for overdispersion: the areas vary more than chance alone would explain."
    return text


# --- reading the store ------------------------------------------------------------------------------------------

UNITS_SQL = """
    SELECT m.area_code, coalesce(a.area_name, m.area_code) AS area_name, m.period_label, m.period_start,
           m.period_end, m.value, m.lower_ci, m.upper_ci, m.count, m.denominator
    FROM measurement m
    LEFT JOIN area a ON a.area_code = m.area_code
    LEFT JOIN system_area sa ON sa.system_code = m.system_code AND sa.area_code = m.area_code
    WHERE m.system_code = ? AND m.indicator_code = ? AND m.breakdown = 'All' AND m.breakdown_group = 'All'
      AND m.value IS NOT NULL AND NOT isnan(m.value)
      AND ((? = 'places' AND sa.role = 'place') OR (? = 'icbs' AND a.area_type = 'ICB'))"""


def funnel_scopes(con, system_code: str, indicator_code: str) -> list[str]:
    """Which funnels the data allows: 'places' (the system's places) and 'icbs' (every ICB with data)."""
    out = []
    for scope in ("places", "icbs"):
        rows = read_df(con, UNITS_SQL, [system_code, indicator_code, scope, scope])
        if len(rows) and rows.groupby("period_end")["area_code"].nunique().max() >= MIN_UNITS:
            out.append(scope)
    return out


def indicator_funnel(con, system_code: str, indicator_code: str, scope: str = "places") -> dict | None:
    """The funnel of one indicator's latest period with at least three areas in the scope ('places' or 'icbs'),
    around England's value for that period (or the areas' average when England has none); None without one."""
    ind = read_rows(con, "SELECT name, unit, direction FROM indicator WHERE system_code = ? AND indicator_code = ?",
                    [system_code, indicator_code])
    if not ind or scope not in ("places", "icbs"):
        return None
    rows = read_df(con, UNITS_SQL, [system_code, indicator_code, scope, scope])
    if rows.empty:
        return None
    sizes = rows.groupby("period_end")["area_code"].nunique()
    periods = sizes[sizes >= MIN_UNITS]
    if periods.empty:
        return None
    latest = rows[rows["period_end"] == periods.index.max()]
    period = latest["period_label"].iloc[0]
    england = read_rows(con, "SELECT value FROM measurement WHERE system_code = ? AND indicator_code = ?"
                             " AND area_code = ? AND breakdown = 'All' AND breakdown_group = 'All'"
                             " AND period_start = ? AND period_end = ?",
                        [system_code, indicator_code, ENGLAND, latest["period_start"].iloc[0],
                         latest["period_end"].iloc[0]])
    benchmark = _num(england[0]["value"]) if england else None
    funnel, left_out = build_funnel(latest, ind[0]["unit"], benchmark, "England")
    if funnel is None:
        return None
    words = "places" if scope == "places" else "ICBs"
    return {"funnel": funnel, "left_out": left_out, "period": period, "indicator": ind[0], "areas_word": words,
            "sentence": funnel_sentence(funnel, ind[0]["direction"], words, period, ind[0]["unit"])}
