"""The change since the baseline, decided in one place: which two numbers are compared, whether the measure has
risen, fallen or stayed about the same, whether that is better or worse for it, and whether the change is larger
than the uncertainty in the figures. Every sentence about the change is written from one Change, so the verb,
the numbers quoted and the verdict can never disagree."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from framework.foundation.indicator_text import format_value
from framework.progress.engine import _num, compare_intervals, compare_with_benchmark

STEADY_SHARE = 0.005  # within half a per cent of the baseline, and not a real difference, is "about the same"


@dataclass(frozen=True)
class Change:
    """How one measure has moved from its baseline to its latest complete value."""

    since: date
    baseline: float | None
    latest: float
    latest_label: str
    unit: str
    direction: str
    movement: str  # risen, fallen, steady or no_baseline
    real: bool | None  # larger than the uncertainty (True), within it (False), or no intervals to tell (None)

    @property
    def judgement(self) -> str:
        """better, worse or none: the movement read through the measure's direction."""
        if self.movement not in ("risen", "fallen") or self.direction not in ("higher_is_better", "lower_is_better"):
            return "none"
        return "better" if (self.movement == "risen") == (self.direction == "higher_is_better") else "worse"


def _same_number(a: float, b: float) -> bool:
    return abs(round(a, 2) - round(b, 2)) < 1e-9


def measure_change(indicator: dict, start: date, baseline: float | None, latest: pd.Series,
                   baseline_row: pd.Series | None) -> Change | None:
    """The change from the baseline to the latest value. The uncertainty test compares the same two numbers: the
    baseline period's interval when that period holds the baseline, otherwise whether the baseline lies outside
    the latest value's interval."""
    value = _num(latest.get("value")) if latest is not None else None
    if value is None:
        return None
    label = str(latest.get("period_label") or "")
    unit, direction = indicator.get("unit") or "", indicator.get("direction") or "no_judgement"
    base = _num(baseline)
    if base is None:
        return Change(start, None, value, label, unit, direction, "no_baseline", None)
    row_value = _num(baseline_row.get("value")) if baseline_row is not None else None
    if row_value is not None and _same_number(row_value, base):
        verdict = compare_intervals(value, latest.get("lower_ci"), latest.get("upper_ci"), row_value,
                                    baseline_row.get("lower_ci"), baseline_row.get("upper_ci"), direction)
    else:
        verdict = compare_with_benchmark(value, latest.get("lower_ci"), latest.get("upper_ci"), base, direction)
    real = None if verdict == "not_compared" else verdict != "similar"
    if value == base or (abs(value - base) <= STEADY_SHARE * max(abs(base), 1e-9) and not real):
        movement = "steady"
    else:
        movement = "risen" if value > base else "fallen"
    return Change(start, base, value, label, unit, direction, movement, real)


def change_sentences(change: Change | None) -> list[str]:
    """The sentences about a change: where it started and where it is, then whether that is real and which way
    is better."""
    if change is None:
        return []
    unit = change.unit
    when = f" (latest: {change.latest_label})" if change.latest_label else ""
    if change.movement == "no_baseline":
        return [f"The latest value is {format_value(change.latest, unit)}{when}; there is no baseline to compare it "
                "with."]
    since = f"Since {change.since:%B %Y} this has"
    if change.movement == "steady":
        first = f"{since} stayed at about {format_value(change.baseline, unit)}{when}."
        return [first] + (["The change is within the uncertainty in the figures, so it may be chance."]
                          if change.real is False else [])
    first = (f"{since} {change.movement} from {format_value(change.baseline, unit)} to "
             f"{format_value(change.latest, unit)}{when}.")
    noun = "rise" if change.movement == "risen" else "fall"
    judgement = change.judgement
    word = {"better": "an improvement", "worse": "a worsening"}.get(judgement)
    if change.real is False:
        second = "The change is within the uncertainty in the figures, so it may be chance."
    elif change.real:
        second = ("The change is larger than the uncertainty in the figures"
                  + (f", so it is a real {word.split(' ', 1)[1]}." if word else "."))
    elif word:
        better = "Higher" if change.direction == "higher_is_better" else "Lower"
        second = (f"{better} is better for this measure, so the {noun} is {word}; the figures have no intervals to "
                  "say whether it is more than chance.")
    else:
        second = None
    return [first] + ([second] if second else [])
